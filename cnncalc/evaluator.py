"""Fast exact evaluation of formulas: compiled once, then microseconds a point, not milliseconds.

Substituting values into a sympy formula costs milliseconds (``xreplace``, then
sympy's own arithmetic): a sweep over a million sizes, or a search over
thousands, needs microseconds. :func:`compile_formulas` lowers the formulas a
question reads (the totals it prints, the relations a condition compares) and
what makes a point a network at all (the report's requirements; every size
defined and at most :data:`~cnncalc.arith.MAX_SIZE`) into one program, each
shared subexpression computed once, and runs it in one of two forms:

- **Python's integers**, one point at a time. ``⌊p/q⌋`` is ``p // q``: sympy
  writes ⌊(n − 35)/32⌋ as ``floor(n/32 − 35/32)``, which
  :meth:`~sympy.core.expr.Expr.as_numer_denom` multiplies through to
  ``(n − 35) // 32``; ``⌈p/q⌉`` is ``-(-p // q)``; exact
  :class:`~fractions.Fraction` only where a rational symbol or coefficient needs
  one (``//`` floors a Fraction exactly too). ``lambdify`` would be quicker to
  write and wrong: it divides in floating point, which rounds integers from 2**53.
- **NumPy int64**, a chunk of points at once, where NumPy is installed (it is
  not a dependency) and the program needs no fractions. Before a grid runs,
  interval arithmetic over the same program bounds every value, partial sum and
  partial product at the grid's extreme values; NumPy runs only if all of them
  fit in int64, else the Python form does. The result is exact either way. A
  grid whose axes hold fractions (a width multiplier ``a = 1/4, 1/2, …``) is run
  as one sub-grid per combination of those values, each with the values put in
  (sympy, exactly: ``⌊32·a⌋`` at 3/4 is 24) and compiled again, so that NumPy
  runs the whole-number axes.

The program's source is generated here from sympy trees and compiled with
:func:`compile`: no user text ever reaches it. Symbols become positional names
``s0, s1, …`` (never the spec's names, although those are validated identifiers
too), numbers become integer literals or constants of the namespace, and the only
names called are this module's helpers. A formula the generator cannot write (a
sum whose length is a symbol) is evaluated by ``fallback`` at each point (sympy's
substitution: slow, still exact); without a fallback it is an error.

Cost: lowering and compiling take milliseconds (once); a point of every total
of AlexNet then costs about 1 µs in Python and 0.2 µs in NumPy, where sympy's
substitution takes 2 to 6 ms (``bench/sweep.py``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy

from cnncalc.arith import MAX_SIZE
from cnncalc.progress import tracked

Exact = int | Fraction
"""A value of a compiled formula: an integer, or an exact fraction."""

Fallback = Callable[[Any, Any], Any]
"""How a formula the generator cannot write is evaluated at one point: ``fallback(expr,
{symbol: value})`` (:func:`cnncalc.symbolic.substitute`)."""

CHUNK = 1 << 16
"""Points a NumPy pass evaluates at once: 65,536 × 8 bytes a temporary, a few MB in all."""

INT64_LIMIT = 2**63 - 1
"""The largest magnitude NumPy's int64 holds: every value, partial sum and partial product
of a grid must stay within it for the vectorised form to run."""

SPECIALISED = 256
"""The most combinations of fractional values (a width multiplier ``a = 1/4, 1/2, …``) a grid
compiles its program for, each with those values put in, so that NumPy runs the rest."""

SPECIALISED_POINTS = 1_000
"""The fewest points a specialised program must have on average to be worth compiling
(milliseconds) rather than running the grid in Python's integers."""

_INLINE_DEPTH = 40
"""Nested inline expressions deeper than this are cut into temporaries (Python's compiler
recurses once per level)."""

_FLAT_ARGS = 16
"""A sum or product of more terms is written ``sum((…))`` / ``_prod((…))``, flat, not as a
chain of ``+`` that the compiler would nest one level a term."""


class NotCompilable(Exception):
    """A formula the code generator cannot write (and no fallback was given)."""


class _NotVectorisable(Exception):
    """A program NumPy's int64 cannot run exactly (fractions, or a sympy fallback)."""


@dataclass(frozen=True, slots=True)
class _Node:
    """One operation of the program. ``op`` is one of :data:`_OPS`; ``args`` are node ids;
    ``value`` holds a constant, a symbol's position, an exponent or a fallback's index."""

    op: str
    args: tuple[int, ...] = ()
    value: Any = None


_OPS = frozenset(
    {
        "const", "bool", "sym", "add", "mul", "pow", "fdiv", "cdiv", "ratio", "mod", "min",
        "max", "gcd", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "where", "slow",
    }
)  # fmt: skip
_COMPARISONS = {
    sympy.Eq: "eq", sympy.Ne: "ne", sympy.StrictLessThan: "lt", sympy.LessThan: "le",
    sympy.StrictGreaterThan: "gt", sympy.GreaterThan: "ge",
}  # fmt: skip
_OPERATORS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_BOOLEAN = frozenset({"bool", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not"})


class _Program:
    """Formulas lowered to a DAG of :class:`_Node` (hash-consed: one node per distinct
    operation), in an order where each node follows its arguments."""

    def __init__(self, symbols: Sequence[sympy.Symbol], fallback: Fallback | None) -> None:
        self.symbols = tuple(symbols)
        self.position = {s: i for i, s in enumerate(self.symbols)}
        self.fallback = fallback
        self.nodes: list[_Node] = []
        self.ids: dict[_Node, int] = {}
        self.lowered: dict[Any, int] = {}
        self.slow: list[Any] = []
        """The sympy expressions evaluated by the fallback, by index."""
        self.integral: list[bool] = []
        """Whether each node's value is always an integer (or a bool)."""

    # -- building -------------------------------------------------------------------------

    def node(self, op: str, args: tuple[int, ...] = (), value: Any = None) -> int:
        key = _Node(op, args, value)
        found = self.ids.get(key)
        if found is not None:
            return found
        self.nodes.append(key)
        self.ids[key] = len(self.nodes) - 1
        self.integral.append(self._is_integral(key))
        return len(self.nodes) - 1

    def _is_integral(self, node: _Node) -> bool:
        if node.op == "const":
            return type(node.value) is int
        if node.op == "sym":
            return bool(self.symbols[node.value].is_integer)
        if node.op in ("add", "mul", "pow", "min", "max", "mod", "where"):
            args = node.args[1:] if node.op == "where" else node.args
            return all(self.integral[a] for a in args)
        return node.op in ("fdiv", "cdiv", "gcd") or node.op in _BOOLEAN

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


# -- code generation ----------------------------------------------------------------------


@dataclass(slots=True)
class _Writer:
    """Straight-line source for a program's roots: nodes used more than once become
    temporaries, computed before their first use; the others are written inline."""

    program: _Program
    numpy: bool
    lines: list[str] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    uses: dict[int, int] = field(default_factory=dict)
    lazy: set[int] = field(default_factory=set)
    """Nodes used only inside a branch of a choice: never computed ahead of it."""
    namespace: dict[str, Any] = field(default_factory=dict)

    def prepare(self, roots: Sequence[int]) -> None:
        """Count each node's eager uses; mark the nodes only a branch reads as lazy."""
        eager: set[int] = set()
        reached: set[int] = set()
        stack = [(root, True) for root in roots]
        seen: set[tuple[int, bool]] = set()
        while stack:
            index, is_eager = stack.pop()
            if (index, is_eager) in seen:
                if is_eager:
                    self.uses[index] = self.uses.get(index, 0) + 1
                continue
            seen.add((index, is_eager))
            (eager if is_eager else reached).add(index)
            if is_eager:
                self.uses[index] = self.uses.get(index, 0) + 1
            node = self.program.nodes[index]
            for position, arg in enumerate(node.args):
                branch = node.op == "where" and position > 0
                stack.append((arg, is_eager and not branch))
        self.lazy = reached - eager
        if self.numpy and any(self._divides(i) for i in self.lazy):
            raise _NotVectorisable("a division inside a branch")

    def _divides(self, index: int) -> bool:
        node = self.program.nodes[index]
        if node.op not in ("fdiv", "cdiv", "mod"):
            return False
        divisor = self.program.nodes[node.args[1]]
        return not (divisor.op == "const" and divisor.value != 0)

    def value(self, index: int) -> str:
        """Source for node ``index``'s value, its eager dependencies assigned first."""
        text, _depth = self._expr(index)
        return text

    def _expr(self, index: int) -> tuple[str, int]:
        if index in self.names:
            return self.names[index], 0
        node = self.program.nodes[index]
        text, depth = self._write(node)
        shared = self.uses.get(index, 0) > 1 and index not in self.lazy
        if node.op not in ("const", "bool", "sym") and (shared or depth > _INLINE_DEPTH):
            if index in self.lazy:  # inside a branch: never computed ahead of it
                return text, depth
            name = f"t{index}"
            self.lines.append(f"{name} = {text}")
            self.names[index] = name
            return name, 0
        return text, depth

    def _args(self, node: _Node) -> tuple[list[str], int]:
        parts = [self._expr(arg) for arg in node.args]
        return [text for text, _ in parts], 1 + max((depth for _, depth in parts), default=0)

    def _write(self, node: _Node) -> tuple[str, int]:  # noqa: PLR0912
        op = node.op
        if op == "const":
            return self._constant(node.value), 0
        if op == "bool":
            return ("True" if node.value else "False"), 0
        if op == "sym":
            return f"s{node.value}", 0
        if op == "slow":
            if self.numpy:
                raise _NotVectorisable("a formula evaluated by sympy")
            return f"_slow{node.value}({', '.join(self._symbol_names())})", 0
        args, depth = self._args(node)
        if op == "add":
            return (f"({' + '.join(args)})" if len(args) <= _FLAT_ARGS
                    else f"sum(({', '.join(args)}))"), depth  # fmt: skip
        if op == "mul":
            return (f"({' * '.join(args)})" if len(args) <= _FLAT_ARGS
                    else f"_prod(({', '.join(args)}))"), depth  # fmt: skip
        if op == "pow":
            base = args[0]
            if node.value == 2 and base.isidentifier():
                return f"({base} * {base})", depth
            return f"({base} ** {node.value})", depth
        if op in ("fdiv", "cdiv", "mod"):
            return self._division(node, args), depth
        if op == "ratio":
            if self.numpy:
                raise _NotVectorisable("an exact division")
            return f"_ratio({args[0]}, {args[1]})", depth
        if op in ("min", "max"):
            if self.numpy:
                return _nested(f"_np.{op}imum", args), depth
            return f"{op}({', '.join(args)})", depth
        if op == "gcd":
            return f"{'_np.gcd' if self.numpy else '_gcd'}({args[0]}, {args[1]})", depth
        if op in _OPERATORS:
            return f"({args[0]} {_OPERATORS[op]} {args[1]})", depth
        if op in ("and", "or"):
            if self.numpy:
                return _nested(f"_np.logical_{op}", args), depth
            return f"({f' {op} '.join(args)})", depth
        if op == "not":
            return (f"_np.logical_not({args[0]})" if self.numpy else f"(not {args[0]})"), depth
        assert op == "where", op
        if self.numpy:
            return f"_np.where({args[0]}, {args[1]}, {args[2]})", depth
        return f"({args[1]} if {args[0]} else {args[2]})", depth

    def _division(self, node: _Node, args: list[str]) -> str:
        top, bottom = args
        divisor = self.program.nodes[node.args[1]]
        constant = divisor.op == "const" and divisor.value != 0
        if self.numpy and not constant:
            helper = {"fdiv": "_fdiv", "cdiv": "_cdiv", "mod": "_mod"}[node.op]
            return f"{helper}({top}, {bottom}, _bad)"
        if node.op == "fdiv":
            return f"({top} // {bottom})"
        if node.op == "cdiv":
            return f"(-((-{top}) // {bottom}))"
        return f"({top} % {bottom})"

    def _constant(self, value: Exact) -> str:
        if type(value) is int and abs(value) <= INT64_LIMIT:
            return str(value) if value >= 0 else f"({value})"
        if self.numpy:
            raise _NotVectorisable("a fraction")  # an int64 overflow is the bounds' to find
        name = f"_k{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def _symbol_names(self) -> list[str]:
        return [f"s{i}" for i in range(len(self.program.symbols))]


def _nested(function: str, args: list[str]) -> str:
    """``f(a, f(b, c))``: a NumPy binary function over several arguments."""
    text = args[-1]
    for arg in reversed(args[:-1]):
        text = f"{function}({arg}, {text})"
    return text


def _ratio(numerator: Exact, denominator: Exact) -> Exact:
    """``numerator / denominator`` exactly: an int where it divides, else a Fraction."""
    value = Fraction(numerator) / denominator
    return value.numerator if value.denominator == 1 else value


def _whole(value: Any) -> Any:
    """A Fraction that is a whole number as an int (results are ints wherever they can be)."""
    if type(value) is Fraction and value.denominator == 1:
        return value.numerator
    return value


def _exact(value: Any) -> Any:
    """A fallback's sympy result as an exact Python value; infinite or undefined: no network."""
    if isinstance(value, bool | int | Fraction):
        return value
    if value is sympy.true or value is sympy.false:
        return bool(value)
    if value.is_Integer:
        return int(value)
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    if getattr(value, "is_Relational", False) or not value.is_finite:
        raise ZeroDivisionError  # sympy could not decide it: a division by zero (zoo)
    raise NotCompilable(value)


@dataclass(frozen=True, slots=True)
class GridResult:
    """What a grid of points gave: the points kept and their values, and how many were no
    network or filtered out."""

    kept: list[int]
    """Each kept point's position in the grid (row-major: the first axis outermost)."""
    values: list[list[Any]]
    """Each output's values at the kept points, in order."""
    invalid: int
    """Points where the network does not exist (a requirement fails, a size divides by zero
    or is over :data:`~cnncalc.arith.MAX_SIZE`)."""
    first_invalid: int | None
    """The position of the first of them."""
    filtered: int
    """Networks the conditions left out."""
    vectorised: bool
    """Whether NumPy ran it (else Python's integers did)."""


_NOT_A_NETWORK = None
_LEFT_OUT = False


class Evaluator:
    """A compiled set of formulas over some symbols: call it on a point, or on a grid.

    A point's result is None where the network does not exist, False where a
    condition fails, else a tuple of the outputs' exact values.
    """

    def __init__(
        self,
        symbols: Sequence[sympy.Symbol],
        outputs: Sequence[Any],
        conditions: Sequence[Any] = (),
        *,
        requirements: Sequence[Any] = (),
        sizes: Sequence[Any] = (),
        fallback: Fallback | None = None,
    ) -> None:
        self.symbols = tuple(symbols)
        self._formulas = (tuple(outputs), tuple(conditions), tuple(requirements), tuple(sizes))
        self._fallback = fallback
        program = _Program(self.symbols, fallback)
        self._program = program
        self._requirements = [program.lower(sympy.sympify(r)) for r in requirements]
        self._sizes = sorted({program.lower(s) for s in sizes} - {program.lower(s) for s in
                                                                   self.symbols})  # fmt: skip
        self._conditions = [program.lower(sympy.sympify(c)) for c in conditions]
        self._outputs = [program.lower(sympy.sympify(o)) for o in outputs]
        self.source = ""
        """The generated Python (for tests and the curious)."""
        self.numpy_source: str | None = None
        """The generated NumPy form, if NumPy is installed and the program has one."""
        self.point: Callable[..., Any] = self._python(fallback)
        """``point(*values)``: None (no network), False (a condition fails) or the outputs."""
        self._vectorised = self._numpy()

    @property
    def fallbacks(self) -> tuple[Any, ...]:
        """The formulas sympy evaluates at each point (empty: all compiled)."""
        return tuple(self._program.slow)

    @property
    def vectorisable(self) -> bool:
        """Whether NumPy is installed and can run this program (within int64's bounds)."""
        return self._vectorised is not None

    def _python(self, fallback: Fallback | None) -> Callable[..., Any]:
        program = self._program
        writer = _Writer(program, numpy=False)
        writer.prepare([*self._requirements, *self._sizes, *self._conditions, *self._outputs])
        body: list[str] = []

        def emit(text: str) -> None:
            body.extend(writer.lines)
            writer.lines.clear()
            body.append(text)

        for requirement in self._requirements:
            emit(f"if not {writer.value(requirement)}: return None")
        for size in self._sizes:
            text = writer.value(size)
            big = f"{text} > {MAX_SIZE}" if program.integral[size] else f"_big({text})"
            emit(f"if {big}: return None")
        for condition in self._conditions:
            emit(f"if not {writer.value(condition)}: return False")
        results = [writer.value(output) for output in self._outputs]
        results = [
            text if program.integral[output] else f"_whole({text})"
            for text, output in zip(results, self._outputs, strict=True)
        ]
        emit(f"return ({''.join(text + ', ' for text in results)})")
        names = writer._symbol_names()
        source = "\n".join(
            [
                f"def evaluate({', '.join(names)}):",
                "    try:",
                *(f"        {line}" for line in body),
                "    except ZeroDivisionError:",
                "        return None",
            ]
        )
        namespace: dict[str, Any] = {
            "_ratio": _ratio,
            "_whole": _whole,
            "_gcd": math.gcd,
            "_prod": math.prod,
            "_big": lambda value: type(value) is int and value > MAX_SIZE,
            **writer.namespace,
        }
        for index, expr in enumerate(program.slow):
            namespace[f"_slow{index}"] = _slow(expr, self.symbols, fallback)
        self.source = source
        exec(compile(source, "<cnncalc evaluator>", "exec"), namespace)  # generated: see above
        function: Callable[..., Any] = namespace["evaluate"]
        return function

    def _numpy(self) -> Callable[..., Any] | None:
        try:
            import numpy
        except ImportError:  # optional: the Python form runs everything without it
            return None
        writer = _Writer(self._program, numpy=True)
        try:
            writer.prepare([*self._requirements, *self._conditions, *self._outputs])
            body: list[str] = []

            def values(indices: list[int]) -> list[str]:
                texts = [writer.value(i) for i in indices]
                body.extend(writer.lines)
                writer.lines.clear()
                return texts

            valid = values(self._requirements)
            keep = values(self._conditions)
            outputs = values(self._outputs)
        except _NotVectorisable:
            return None
        names = writer._symbol_names()
        source = "\n".join(
            [
                f"def evaluate({', '.join(names)}, _bad):",
                *(f"    {line}" for line in body),
                f"    return [{', '.join(valid)}], [{', '.join(keep)}], [{', '.join(outputs)}]",
            ]
        )
        namespace: dict[str, Any] = {
            "_np": numpy,
            "_fdiv": _numpy_division("fdiv"),
            "_cdiv": _numpy_division("cdiv"),
            "_mod": _numpy_division("mod"),
            "_prod": math.prod,
            **writer.namespace,
        }
        self.numpy_source = source
        exec(compile(source, "<cnncalc evaluator, numpy>", "exec"), namespace)
        function: Callable[..., Any] = namespace["evaluate"]
        return function

    def grid(
        self,
        axes: Sequence[Sequence[Exact]],
        *,
        progress: str | None = None,
        vectorise: bool | None = None,
    ) -> GridResult:
        """Every point of the product of ``axes`` (one per symbol, the first outermost).

        NumPy runs it where it can do so exactly (``vectorise=None``); ``False``
        forces Python's integers, ``True`` requires NumPy (a ValueError if it cannot:
        for the benchmark). ``progress`` names the work for a progress bar.
        """
        if len(axes) != len(self.symbols):
            raise ValueError(f"{len(self.symbols)} axes expected, got {len(axes)}")
        total = math.prod(len(axis) for axis in axes)
        fractional = [i for i, axis in enumerate(axes) if not all(type(v) is int for v in axis)]
        combinations = math.prod(len(axes[i]) for i in fractional)
        if (
            fractional
            and vectorise is not False
            and len(fractional) < len(axes)
            and combinations <= SPECIALISED
            and total >= SPECIALISED_POINTS * combinations
            and _has_numpy()
        ):
            return self._specialised(axes, fractional, progress, vectorise)
        fits = self._vectorised is not None and vectorise is not False and self._fits_int64(axes)
        if vectorise and not fits:
            raise ValueError("NumPy cannot evaluate this grid exactly")
        starts = range(0, total, CHUNK)
        shown = tracked(starts, progress or "", worth_a_bar=progress is not None and total > CHUNK)
        result = GridResult([], [[] for _ in self._outputs], 0, None, 0, fits)
        if fits:
            arrays = [_int64_axis(axis) for axis in axes]
            for start in shown:
                result = self._numpy_chunk(arrays, start, min(start + CHUNK, total), result)
        else:
            points = itertools.product(*axes)
            for start in shown:
                result = self._python_chunk(points, start, min(start + CHUNK, total), result)
        return result

    def _specialised(
        self,
        axes: Sequence[Sequence[Exact]],
        fractional: list[int],
        progress: str | None,
        vectorise: bool | None,
    ) -> GridResult:
        """The grid, one sub-grid of the whole-number axes per combination of the fractional
        axes' values, each with those values put into the formulas (sympy, exactly: a
        width ⌊32·a⌋ at a = 3/4 is 24) and compiled again: NumPy can then run them."""
        import numpy

        whole = [i for i in range(len(axes)) if i not in fractional]
        shape = [len(axis) for axis in axes]
        outputs, conditions, requirements, sizes = self._formulas
        positions, columns = [], [[] for _ in outputs]  # type: list[Any], list[list[Any]]
        invalid = filtered = 0
        firsts: list[int] = []
        vectorised = True
        indices = itertools.product(*(range(len(axes[i])) for i in fractional))
        for chosen in tracked(list(indices), progress or "", worth_a_bar=progress is not None):
            mapping = {
                self.symbols[i]: sympy.Rational(Fraction(axes[i][k]).numerator,
                                                Fraction(axes[i][k]).denominator)
                for i, k in zip(fractional, chosen, strict=True)
            }  # fmt: skip
            part = Evaluator(
                [self.symbols[i] for i in whole],
                [sympy.sympify(o).xreplace(mapping) for o in outputs],
                [sympy.sympify(c).xreplace(mapping) for c in conditions],
                requirements=[sympy.sympify(r).xreplace(mapping) for r in requirements],
                sizes=[sympy.sympify(z).xreplace(mapping) for z in sizes],
                fallback=self._fallback,
            ).grid([axes[i] for i in whole], vectorise=vectorise)
            # A sub-grid position, as indices along the whole-number axes, back in the grid.
            inner = numpy.unravel_index(numpy.asarray(part.kept, dtype=numpy.int64),
                                        [shape[i] for i in whole])  # fmt: skip
            index: list[Any] = [None] * len(axes)
            for i, k in zip(fractional, chosen, strict=True):
                index[i] = numpy.full(len(part.kept), k, dtype=numpy.int64)
            for i, along in zip(whole, inner, strict=True):
                index[i] = along
            positions.append(numpy.ravel_multi_index(index, shape))
            for column, values in zip(columns, part.values, strict=True):
                column.extend(values)
            invalid, filtered = invalid + part.invalid, filtered + part.filtered
            if part.first_invalid is not None:
                where: Any = numpy.unravel_index(part.first_invalid, [shape[i] for i in whole])
                for i, position in zip(whole, where, strict=True):
                    index[i] = int(position)
                for i, k in zip(fractional, chosen, strict=True):
                    index[i] = k
                firsts.append(int(numpy.ravel_multi_index(index, shape)))
            vectorised = vectorised and part.vectorised
        kept = numpy.concatenate(positions) if positions else numpy.zeros(0, dtype=numpy.int64)
        if fractional != list(range(len(fractional))):  # not the outer axes: put in grid order
            order = numpy.argsort(kept, kind="stable")
            kept = kept[order]
            columns = [[column[i] for i in order.tolist()] for column in columns]
        first = min(firsts) if firsts else None
        return GridResult(kept.tolist(), columns, invalid, first, filtered, vectorised)

    def _python_chunk(
        self, points: Iterator[tuple[Exact, ...]], start: int, stop: int, result: GridResult
    ) -> GridResult:
        evaluate = self.point
        kept, columns = result.kept, result.values
        invalid, first, filtered = result.invalid, result.first_invalid, result.filtered
        for index, point in zip(range(start, stop), points, strict=False):
            values = evaluate(*point)
            if values is _NOT_A_NETWORK:
                invalid += 1
                first = index if first is None else first
            elif values is _LEFT_OUT:
                filtered += 1
            else:
                kept.append(index)
                for column, value in zip(columns, values, strict=True):
                    column.append(value)
        return GridResult(kept, columns, invalid, first, filtered, False)

    def _numpy_chunk(
        self, arrays: list[Any], start: int, stop: int, result: GridResult
    ) -> GridResult:
        import numpy

        assert self._vectorised is not None
        index = numpy.arange(start, stop, dtype=numpy.int64)
        columns = []
        stride = 1
        for values in reversed(arrays):
            columns.append(values[(index // stride) % len(values)])
            stride *= len(values)
        columns.reverse()
        bad = numpy.zeros(len(index), dtype=bool)
        with numpy.errstate(all="raise"):
            valid, keep, outputs = self._vectorised(*columns, bad)
        ok = ~bad
        for requirement in valid:
            ok &= requirement
        chosen = ok.copy()
        for condition in keep:
            chosen &= condition
        positions = numpy.flatnonzero(chosen)
        invalid = int(len(index) - numpy.count_nonzero(ok))
        first = result.first_invalid
        if first is None and invalid:
            first = start + int(numpy.flatnonzero(~ok)[0])
        for column, output in zip(result.values, outputs, strict=True):
            if isinstance(output, numpy.ndarray) and output.shape:
                column.extend(output[positions].tolist())
            else:  # a constant
                column.extend([int(output)] * len(positions))
        result.kept.extend((positions + start).tolist())
        return GridResult(
            result.kept,
            result.values,
            result.invalid + invalid,
            first,
            result.filtered + int(numpy.count_nonzero(ok)) - len(positions),
            True,
        )

    def _fits_int64(self, axes: Sequence[Sequence[Exact]]) -> bool:
        """Whether every value of the program, and every partial sum and product, stays
        within int64 over the box the axes span (interval arithmetic, exact)."""
        box = []
        for axis in axes:
            if not all(type(value) is int for value in axis):
                return False
            box.append((int(min(axis)), int(max(axis))))
        roots = [*self._requirements, *self._sizes, *self._conditions, *self._outputs]
        return _bounded(self._program, box, roots)


def _has_numpy() -> bool:
    import importlib.util

    return importlib.util.find_spec("numpy") is not None


def _slow(expr: Any, symbols: tuple[Any, ...], fallback: Fallback | None) -> Callable[..., Any]:
    """``expr`` at a point through the fallback (sympy), as an exact Python value."""
    assert fallback is not None

    def evaluate(*values: Exact) -> Any:
        mapping = {s: sympy.Rational(v) if type(v) is Fraction else v
                   for s, v in zip(symbols, values, strict=True)}  # fmt: skip
        return _exact(fallback(expr, mapping))

    return evaluate


def _int64_axis(axis: Sequence[Exact]) -> Any:
    import numpy

    if isinstance(axis, range):
        return numpy.arange(axis.start, axis.stop, axis.step, dtype=numpy.int64)
    return numpy.array(list(axis), dtype=numpy.int64)


def _numpy_division(kind: str) -> Callable[[Any, Any, Any], Any]:
    """``p // q``, ``⌈p/q⌉`` or ``p % q`` on int64 arrays with the zero divisors marked in
    ``bad`` (those points are no network) and divided by 1 instead."""
    import numpy

    def divide(top: Any, bottom: Any, bad: Any) -> Any:
        zero = numpy.equal(bottom, 0)
        if numpy.any(zero):
            bad |= zero
            bottom = numpy.where(zero, 1, bottom)
        if kind == "fdiv":
            return top // bottom
        if kind == "cdiv":
            return -((-top) // bottom)
        return top % bottom

    return divide


Interval = tuple[int, int] | None
"""A node's least and greatest value over a box; None for a truth value."""


def _bounded(program: _Program, box: list[tuple[int, int]], roots: Sequence[int]) -> bool:
    """Interval arithmetic over the nodes ``roots`` need: every value within
    ±:data:`INT64_LIMIT`, and so is every partial sum (bounded by the sum of magnitudes)
    and partial product (by the product of magnitudes, each at least 1), as NumPy
    computes them left to right."""
    needed = set(roots)
    for index in range(len(program.nodes) - 1, -1, -1):  # arguments precede their users
        if index in needed:
            needed.update(program.nodes[index].args)
    intervals: dict[int, Interval] = {}
    try:
        for index, node in enumerate(program.nodes):
            if index in needed:
                bound = _interval(node, [intervals[a] for a in node.args], box)
                if bound is not None and max(abs(bound[0]), abs(bound[1])) > INT64_LIMIT:
                    return False
                intervals[index] = bound
    except _NotVectorisable:
        return False
    return True


def _interval(  # noqa: PLR0912 - one case per operation
    node: _Node, args: list[Interval], box: list[tuple[int, int]]
) -> Interval:
    """A node's interval from its arguments'; :class:`_NotVectorisable` where a partial
    sum, product or power could leave int64, or the node has no int64 form."""
    op = node.op
    spans = [a for a in args if a is not None]
    if op in _BOOLEAN:
        return None
    if op == "const":
        value = node.value
        if type(value) is not int:
            raise _NotVectorisable("a fraction")
        return value, value
    if op == "sym":
        position: int = node.value
        return box[position]
    magnitudes = [max(abs(lo), abs(hi)) for lo, hi in spans]
    if op == "add":
        if sum(magnitudes) > INT64_LIMIT:
            raise _NotVectorisable("a sum")
        return sum(lo for lo, _ in spans), sum(hi for _, hi in spans)
    if op == "mul":
        if math.prod(max(m, 1) for m in magnitudes) > INT64_LIMIT:
            raise _NotVectorisable("a product")
        bound = spans[0]
        for lo, hi in spans[1:]:
            corners = [bound[0] * lo, bound[0] * hi, bound[1] * lo, bound[1] * hi]
            bound = (min(corners), max(corners))
        return bound
    if op == "pow":
        (lo, hi), exponent = spans[0], node.value
        if magnitudes[0] > 1 and exponent * math.log2(magnitudes[0]) > 64:
            raise _NotVectorisable("a power")
        ends = [lo**exponent, hi**exponent]
        return (0 if exponent % 2 == 0 and lo <= 0 <= hi else min(ends)), max(ends)
    if op in ("fdiv", "cdiv"):
        return _quotient(args[0], args[1], op == "fdiv")
    if op == "mod":
        lo, hi = spans[-1]
        return min(lo + 1, 0), max(hi - 1, 0)
    if op in ("min", "max"):
        pick = min if op == "min" else max
        return pick(lo for lo, _ in spans), pick(hi for _, hi in spans)
    if op == "gcd":
        return 0, max(magnitudes)
    if op == "where":
        branches = [a for a in args[1:] if a is not None]
        return min(lo for lo, _ in branches), max(hi for _, hi in branches)
    raise _NotVectorisable(op)  # ratio, slow


def _quotient(top: Interval, bottom: Interval, down: bool) -> Interval:
    """``⌊p/q⌋`` (or ``⌈p/q⌉``) over intervals of ``p`` and of a nonzero integer ``q``
    (a zero divisor is marked and replaced by 1: see :func:`_numpy_division`)."""
    (p_lo, p_hi), (q_lo, q_hi) = top or (0, 0), bottom or (1, 1)
    parts = [(max(q_lo, 1), q_hi), (q_lo, min(q_hi, -1))]
    if q_lo <= 0 <= q_hi:
        parts.append((1, 1))
    quotients = [
        Fraction(p, q) for lo, hi in parts if lo <= hi for p in (p_lo, p_hi) for q in (lo, hi)
    ]
    rounding = math.floor if down else math.ceil
    return rounding(min(quotients)), rounding(max(quotients))


def compile_formulas(
    symbols: Sequence[str],
    outputs: Sequence[Any],
    conditions: Sequence[Any] = (),
    *,
    requirements: Sequence[Any] = (),
    sizes: Sequence[Any] = (),
    fallback: Fallback | None = None,
) -> Evaluator:
    """An :class:`Evaluator` of ``outputs`` over the size symbols named ``symbols``.

    ``requirements`` (relations) and ``sizes`` (formulas that must be at most
    :data:`~cnncalc.arith.MAX_SIZE`) say where the network exists; ``conditions``
    (relations) which of those points to keep. Raises :class:`NotCompilable` for a
    formula the generator cannot write when no ``fallback`` is given.
    """
    from cnncalc.symbolic import symbol

    return Evaluator(
        [symbol(name) for name in symbols],
        outputs,
        conditions,
        requirements=requirements,
        sizes=sizes,
        fallback=fallback,
    )
