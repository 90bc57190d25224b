"""Formulas lowered to a program: a DAG of exact operations, one node per distinct operation.

:class:`Program` reads sympy trees (the totals of a report, its requirements, a
condition's relations) and writes each as nodes of :data:`OPS` over the size
symbols: sums, products, integer powers, ``⌊p/q⌋`` (``fdiv``) and ``⌈p/q⌉``
(``cdiv``) with ``p`` and ``q`` the numerator and denominator sympy's
:meth:`~sympy.core.expr.Expr.as_numer_denom` gives (``floor(n/32 − 35/32)`` is
``fdiv(n − 35, 32)``), exact division (``ratio``: an int where it divides, else
a fraction), ``mod``, ``min``, ``max``, comparisons and choices (``Piecewise``).
Identical subtrees become one node, so a floor that every layer after a pooling
reads is computed once. :mod:`cnncalc.evaluator.source` writes the program as
Python or NumPy code; :mod:`cnncalc.evaluator.bounds` bounds its values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

Exact = int | Fraction
"""A value of a compiled formula: an integer, or an exact fraction."""

Fallback = Callable[[Any, Any], Any]
"""How a formula the generator cannot write is evaluated at one point: ``fallback(expr,
{symbol: value})`` (:func:`cnncalc.symbolic.substitute`)."""


class NotCompilable(Exception):
    """A formula the code generator cannot write (and no fallback was given)."""


@dataclass(frozen=True, slots=True)
class Node:
    """One operation of the program. ``op`` is one of :data:`OPS`; ``args`` are node ids;
    ``value`` holds a constant, a symbol's position, an exponent or a fallback's index."""

    op: str
    args: tuple[int, ...] = ()
    value: Any = None


OPS = frozenset(
    {
        "const", "bool", "sym", "add", "mul", "pow", "fdiv", "cdiv", "ratio", "mod", "min",
        "max", "gcd", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "where", "slow",
    }
)  # fmt: skip
_COMPARISONS = {
    sympy.Eq: "eq", sympy.Ne: "ne", sympy.StrictLessThan: "lt", sympy.LessThan: "le",
    sympy.StrictGreaterThan: "gt", sympy.GreaterThan: "ge",
}  # fmt: skip
BOOLEAN = frozenset({"bool", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not"})


class Program:
    """Formulas lowered to a DAG of :class:`Node` (hash-consed: one node per distinct
    operation), in an order where each node follows its arguments."""

    def __init__(self, symbols: Sequence[sympy.Symbol], fallback: Fallback | None) -> None:
        self.symbols = tuple(symbols)
        self.position = {s: i for i, s in enumerate(self.symbols)}
        self.fallback = fallback
        self.nodes: list[Node] = []
        self.ids: dict[Node, int] = {}
        self.lowered: dict[Any, int] = {}
        self.slow: list[Any] = []
        """The sympy expressions evaluated by the fallback, by index."""
        self.integral: list[bool] = []
        """Whether each node's value is always an integer (or a bool)."""

    # -- building -------------------------------------------------------------------------

    def node(self, op: str, args: tuple[int, ...] = (), value: Any = None) -> int:
        key = Node(op, args, value)
        found = self.ids.get(key)
        if found is not None:
            return found
        self.nodes.append(key)
        self.ids[key] = len(self.nodes) - 1
        self.integral.append(self._is_integral(key))
        return len(self.nodes) - 1

    def _is_integral(self, node: Node) -> bool:
        if node.op == "const":
            return type(node.value) is int
        if node.op == "sym":
            return bool(self.symbols[node.value].is_integer)
        if node.op in ("add", "mul", "pow", "min", "max", "mod", "where"):
            args = node.args[1:] if node.op == "where" else node.args
            return all(self.integral[a] for a in args)
        return node.op in ("fdiv", "cdiv", "gcd") or node.op in BOOLEAN

    def const(self, value: Exact | bool) -> int:
        if isinstance(value, bool):
            return self.node("bool", (), value)
        if isinstance(value, Fraction) and value.denominator == 1:
            value = value.numerator
        return self.node("const", (), value)

    def lower(self, expr: Any) -> int:
        """The node computing ``expr``; a subtree the generator cannot write goes to the
        fallback (the smallest such subtree), or raises :class:`NotCompilable`."""
        found = self.lowered.get(expr)
        if found is not None:
            return found
        try:
            result = self._lower(expr)
        except NotCompilable:
            free: set[Any] = getattr(expr, "free_symbols", set())
            if self.fallback is None or not free <= set(self.symbols):
                raise
            self.slow.append(expr)
            result = self.node("slow", (), len(self.slow) - 1)
        self.lowered[expr] = result
        return result

    def _lower(self, expr: Any) -> int:  # noqa: PLR0912 - one case per sympy type
        if isinstance(expr, bool | int):
            return self.const(expr)
        if expr is sympy.true or expr is sympy.false:
            return self.const(bool(expr))
        if expr.is_Integer:
            return self.const(int(expr))
        if expr.is_Rational:
            return self.const(Fraction(int(expr.p), int(expr.q)))
        if expr.is_Symbol:
            if expr not in self.position:
                raise NotCompilable(expr)
            return self.node("sym", (), self.position[expr])
        if isinstance(expr, sympy.Add):
            return self._sum(expr)
        if isinstance(expr, sympy.Mul):
            numerator, denominator = expr.as_numer_denom()
            if denominator != 1:
                return self.node("ratio", (self.lower(numerator), self.lower(denominator)))
            return self._product([self.lower(arg) for arg in expr.args])
        if isinstance(expr, sympy.Pow):
            if not (expr.exp.is_Integer and abs(int(expr.exp)) <= 64):
                raise NotCompilable(expr)
            power = self._power(self.lower(expr.base), abs(int(expr.exp)))
            return power if expr.exp >= 0 else self.node("ratio", (self.const(1), power))
        if isinstance(expr, sympy.floor | sympy.ceiling):
            numerator, denominator = expr.args[0].as_numer_denom()
            top, bottom = self.lower(numerator), self.lower(denominator)
            if bottom == self.const(1) and self.integral[top]:
                return top
            return self.node("fdiv" if isinstance(expr, sympy.floor) else "cdiv", (top, bottom))
        if isinstance(expr, sympy.Mod):
            return self.node("mod", (self.lower(expr.args[0]), self.lower(expr.args[1])))
        if isinstance(expr, sympy.Min | sympy.Max):
            args = tuple(sorted({self.lower(arg) for arg in expr.args}))
            return self.node("min" if isinstance(expr, sympy.Min) else "max", args)
        if isinstance(expr, sympy.Piecewise):
            return self._piecewise(expr)
        if type(expr) in _COMPARISONS:
            # a ≤ p/2 as 2·a − p ≤ 0: integers again, where the denominator is a number
            numerator, denominator = (expr.lhs - expr.rhs).as_numer_denom()
            if denominator != 1 and denominator.is_Integer and denominator > 0:
                left, right = self.lower(numerator), self.const(0)
            else:
                left, right = self.lower(expr.lhs), self.lower(expr.rhs)
            return self.node(_COMPARISONS[type(expr)], (left, right))
        if isinstance(expr, sympy.And | sympy.Or):
            args = tuple(self.lower(arg) for arg in expr.args)
            return self.node("and" if isinstance(expr, sympy.And) else "or", args)
        if isinstance(expr, sympy.Not):
            return self.node("not", (self.lower(expr.args[0]),))
        if isinstance(expr, sympy.Sum):
            return self._window_sum(expr)
        raise NotCompilable(expr)

    def _sum(self, expr: Any) -> int:
        """A sum; with fractional coefficients (``n/2 + 1/2``), its numerator over the
        common denominator, divided exactly."""
        if not all(_integral_term(term) for term in expr.args):
            numerator, denominator = expr.as_numer_denom()
            if denominator != 1:
                return self.node("ratio", (self.lower(numerator), self.lower(denominator)))
        args = tuple(sorted(self.lower(term) for term in expr.args))
        return args[0] if len(args) == 1 else self.node("add", args)

    def _product(self, factors: list[int]) -> int:
        args = tuple(sorted(factors))
        return args[0] if len(args) == 1 else self.node("mul", args)

    def _power(self, base: int, exponent: int) -> int:
        if exponent == 0:
            return self.const(1)
        return base if exponent == 1 else self.node("pow", (base,), exponent)

    def _piecewise(self, expr: Any) -> int:
        """``Piecewise((a, c1), (b, c2), (d, True))`` as nested choices; each branch computed
        only where it is chosen (as sympy's substitution picks one)."""
        *pairs, (last, otherwise) = expr.args
        if otherwise is not sympy.true:
            raise NotCompilable(expr)  # undefined where no condition holds
        result = self.lower(last)
        for value, condition in reversed(pairs):
            result = self.node("where", (self.lower(condition), self.lower(value), result))
        return result

    def _window_sum(self, expr: Any) -> int:
        """An adaptive pooling's window total ``Σ_{i<o} ⌈(i+1)·n/o⌉ − ⌊i·n/o⌋`` (see
        :func:`cnncalc.symbolic.window_total_symbolic`) in closed form, ``n + o − gcd(n, o)``;
        any other sum is not compiled."""
        ((i, low, high),) = expr.limits
        if not (low == 0 and high.is_Integer and high >= 0):
            raise NotCompilable(expr)
        outputs = int(high) + 1
        floors = [-t for t in sympy.Add.make_args(expr.function) if isinstance(-t, sympy.floor)]
        if len(floors) != 1:
            raise NotCompilable(expr)
        n = sympy.expand(floors[0].args[0].coeff(i) * outputs)
        window = sympy.ceiling((i + 1) * n / outputs) - sympy.floor(i * n / outputs)
        if sympy.expand(window - expr.function) != 0:
            raise NotCompilable(expr)
        size, count = self.lower(n), self.const(outputs)
        gcd = self.node("gcd", tuple(sorted((size, count))))
        minus = self.node("mul", tuple(sorted((self.const(-1), gcd))))
        return self.node("add", tuple(sorted((size, count, minus))))


def _integral_term(term: Any) -> bool:
    """Whether a term of a sum has an integer coefficient and no division."""
    coefficient, rest = term.as_coeff_Mul()
    if not coefficient.is_Integer:
        return False
    return not any(
        isinstance(factor, sympy.Pow) and factor.exp.is_negative
        for factor in sympy.Mul.make_args(rest)
    )
