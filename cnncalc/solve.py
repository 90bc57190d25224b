"""Inverse questions: which sizes make a condition on a symbolic network hold.

``cnncalc solve specs/alexnet-symbolic.yaml "pool3.output_shape[1] == 6" --for n``
reads the condition against the report's formulas, reduces each relation to a
bound on the unknown where that is exact (the floors of sliding windows peel
off one by one), and otherwise tries every integer in a range by substitution.
Either way the report's own requirements (a kernel must fit) hold at every
solution.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from cnncalc.analysis import METRICS, Report
from cnncalc.errors import CnncalcError, show_value
from cnncalc.i18n import _
from cnncalc.progress import tracked
from cnncalc.sizing import BATCH, QUANTITIES, Sizing
from cnncalc.spec.network import TOTAL
from cnncalc.symbolic import simplify_condition, substitute, symbol

DEFAULT_RANGE = (1, 4096)

_COMPARISONS = {
    ast.Eq: sympy.Eq, ast.NotEq: sympy.Ne, ast.Lt: sympy.Lt, ast.LtE: sympy.Le,
    ast.Gt: sympy.Gt, ast.GtE: sympy.Ge,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Solution:
    """The integers that satisfy a condition, as runs ``[(first, last), …]``."""

    unknown: str
    runs: tuple[tuple[int, int | None], ...]
    """Inclusive runs; ``last`` is None for an unbounded run (``n ≥ 67``)."""
    method: str
    """How it was found, in English (JSON's ``method``): ``in closed form``, or ``by trying
    every n from 1 to 4096``."""
    condition: Any
    searched: tuple[int, int] | None = None
    """The range tried one by one; None when the solution is in closed form."""

    @property
    def count(self) -> int | None:
        """How many solutions, or None if there are infinitely many."""
        total = 0
        for first, last in self.runs:
            if last is None:
                return None
            total += last - first + 1
        return total


def solve(
    report: Report,
    condition: str,
    unknown: str,
    values: Mapping[str, int | Fraction] | None = None,
    search: tuple[int, int] = DEFAULT_RANGE,
    *,
    sizing: Sizing | None = None,
) -> Solution:
    """The values of ``unknown`` for which ``condition`` holds; other symbols take ``values``.

    ``batch`` is an unknown of every numeric spec: the condition then reads the
    quantities of :mod:`cnncalc.sizing` (``peak_memory``, ``training_memory``,
    ``training_flops``) under ``sizing``'s dtypes and optimizer.
    """
    values = dict(values or {})
    values.pop(unknown, None)
    symbols = report.symbols | {BATCH}
    if unknown not in symbols:
        known = ", ".join(sorted(symbols))
        raise CnncalcError(
            _("'{symbol}' is not a size symbol of this spec (symbols: {symbols})").format(
                symbol=unknown, symbols=known
            )
        )
    report = report.subs(values) if values else report
    missing = sorted(report.symbols - {unknown})
    if missing:
        raise CnncalcError(
            _("give values for {symbols} (--subs {first}=…) to solve for {symbol}").format(
                symbols=", ".join(missing), first=missing[0], symbol=unknown
            )
        )
    # The quantities in batch are formulas of a numeric network's sizes only.
    numeric = unknown == BATCH and not report.symbols
    quantities = (sizing or Sizing()).quantities(report) if numeric else {}
    relations = _parse(condition, report, quantities)
    # The requirements first: where they fail the network is undefined, and a size
    # may divide by zero (a stride of n//2 at n = 1).
    constraints = [*(r.relation for r in report.requirements), *relations]
    x = report.symbol_objects.get(unknown) or symbol(unknown)  # a multiplier is rational
    closed = _closed_form(constraints, x)
    if closed is not None:
        return Solution(unknown, closed, "in closed form", sympy.And(*relations))
    return Solution(
        unknown,
        _search(constraints, x, search),
        f"by trying every {unknown} from {search[0]} to {search[1]}",
        sympy.And(*relations),
        search,
    )


def _parse(
    condition: str, report: Report, quantities: Mapping[str, Callable[[], Any]]
) -> list[Any]:
    """``pool3.output_shape[1] == 6 and total.params < 10**8`` → sympy relations."""
    try:
        tree = ast.parse(condition.strip(), mode="eval").body
    except (SyntaxError, ValueError):  # ValueError: an integer of over 4,300 digits
        raise CnncalcError(
            _("cannot read the condition {condition}").format(condition=show_value(condition, 80))
        ) from None
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    relations = []
    for part in parts:
        if not isinstance(part, ast.Compare):
            raise CnncalcError(
                _(
                    'a condition compares quantities, e.g. "pool3.output_shape[1] == 6" '
                    "(several joined with 'and')"
                )
            )
        left = _operand(part.left, report, quantities)
        for op, comparator in zip(part.ops, part.comparators, strict=True):
            if type(op) not in _COMPARISONS:
                raise CnncalcError(
                    _("'{part}' does not compare with ==, !=, <, <=, > or >=").format(
                        part=ast.unparse(part)
                    )
                )
            right = _operand(comparator, report, quantities)
            relations.append(_COMPARISONS[type(op)](left, right))
            left = right
    return relations


def _operand(node: ast.expr, report: Report, quantities: Mapping[str, Callable[[], Any]]) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sympy.Integer(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, exponent = _operand(node.left, report, quantities), node.right
        if not (isinstance(exponent, ast.Constant) and type(exponent.value) is int):
            raise CnncalcError(
                _("'{power}': a power's exponent is a whole number").format(power=ast.unparse(node))
            )
        if not (base.is_Integer and 0 <= exponent.value <= 64):
            raise CnncalcError(
                _("'{power}': powers of numbers only, exponents 0 to 64").format(
                    power=ast.unparse(node)
                )
            )
        return base**exponent.value
    if isinstance(node, ast.Name) and node.id in QUANTITIES:
        if node.id not in quantities:
            raise CnncalcError(
                _(
                    "{quantity} is solved for batch, on a spec whose sizes are numbers (give its "
                    "symbols with --subs)"
                ).format(quantity=node.id)
            )
        return sympy.sympify(quantities[node.id]())
    if isinstance(node, ast.BinOp) and isinstance(
        node.op, ast.Add | ast.Sub | ast.Mult | ast.FloorDiv
    ):
        left = _operand(node.left, report, quantities)
        right = _operand(node.right, report, quantities)
        operations = {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}
        return operations.get(type(node.op), sympy.floor(left / right))
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        shape = _quantity(node.value, report, shape=True)
        index = node.slice.value
        if not isinstance(index, int) or not -len(shape) <= index < len(shape):
            raise CnncalcError(
                _("output_shape has {axes} axes; index {index} is outside").format(
                    axes=len(shape), index=repr(index)
                )
            )
        return sympy.sympify(shape[index])
    if isinstance(node, ast.Attribute):
        return sympy.sympify(_quantity(node, report, shape=False))
    raise CnncalcError(
        _(
            "'{operand}' is not a quantity: write LAYER.metric, LAYER.output_shape[i], "
            "total.metric or {quantities}"
        ).format(operand=ast.unparse(node), quantities=", ".join(QUANTITIES))
    )


def _quantity(node: ast.expr, report: Report, *, shape: bool) -> Any:
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
        raise CnncalcError(_("'{operand}' is not LAYER.metric").format(operand=ast.unparse(node)))
    layer, metric = node.value.id, node.attr
    if shape != (metric == "output_shape") or (not shape and metric not in METRICS):
        expected = "output_shape[i]" if shape else ", ".join(METRICS)
        raise CnncalcError(
            _("'{metric}' is not a quantity here; expected {expected}").format(
                metric=metric, expected=expected
            )
        )
    if layer == TOTAL:
        return report.output_shape if shape else report.totals.metric(metric)
    try:
        found = report.layer(layer)
    except KeyError:
        raise CnncalcError(_("no layer named '{layer}'").format(layer=layer)) from None
    return found.output_shape if shape else found.metric(metric)


def _closed_form(
    constraints: list[Any], x: sympy.Symbol
) -> tuple[tuple[int, int | None], ...] | None:
    """``[(low, high)]`` when every constraint reduces to a bound on ``x``; else None."""
    low, high, rest = _bounds(constraints, x)
    if high is not None and high < low:
        return ()
    if rest:
        return None
    return ((low, high),)


def _bounds(constraints: list[Any], x: sympy.Symbol) -> tuple[int, int | None, list[Any]]:
    """``(low, high, rest)``: the bounds on ``x`` the constraints reduce to, and the others.

    A constraint that is false everywhere gives an empty range (``high < low``).
    """
    low, high = 1, None
    rest = []
    for constraint in constraints:
        bounds: list[tuple[int, int | None]] = []
        for inequality in _as_inequalities(constraint):
            bound = simplify_condition(inequality)
            if bound is sympy.true:
                continue
            if bound is sympy.false:
                bounds.append((1, 0))
            elif isinstance(bound, sympy.GreaterThan) and bound.lhs == x and bound.rhs.is_Integer:
                bounds.append((int(bound.rhs), None))
            elif isinstance(bound, sympy.LessThan) and bound.lhs == x and bound.rhs.is_Integer:
                bounds.append((1, int(bound.rhs)))
            else:
                rest.append(constraint)
                break
        else:
            for more, less in bounds:
                low = max(low, more)
                high = less if high is None else min(high, less) if less is not None else high
    return low, high, rest


def _as_inequalities(relation: Any) -> list[Any]:
    if relation is sympy.true or relation is sympy.false:
        return [relation]
    if isinstance(relation, sympy.Eq):
        return [sympy.Ge(relation.lhs, relation.rhs), sympy.Le(relation.lhs, relation.rhs)]
    if isinstance(relation, sympy.Ne):
        return [sympy.Ne(relation.lhs, relation.rhs)]  # no bound: leads to the search
    return [relation]


MAX_SEARCH = 1_000_001
"""The most values one search tries (``--range 1:1000001``)."""


def _search(
    constraints: list[Any], x: sympy.Symbol, search: tuple[int, int]
) -> tuple[tuple[int, int | None], ...]:
    """Every ``x`` in ``search`` for which all constraints hold, found by trying each.

    The constraints that reduce to bounds on ``x`` (a kernel must fit: ``n ≥ 67``)
    narrow the range instead of being tried; the others are compiled once into
    exact integer arithmetic (:func:`_compiled`), so a value costs microseconds,
    not the milliseconds of a sympy substitution: a million values take seconds.
    """
    first, last = search
    if last - first + 1 > MAX_SEARCH:
        raise CnncalcError(
            _(
                "search at most {limit} values at once (--range LO:HI); this range has {size}"
            ).format(limit=f"{MAX_SEARCH:,}", size=f"{last - first + 1:,}")
        )
    low, high, rest = _bounds(constraints, x)
    first, last = max(first, low), last if high is None else min(last, high)
    tests = [_compiled_relation(c, x) for c in rest]
    runs: list[tuple[int, int | None]] = []
    values = range(first, last + 1)
    trying = _("trying {symbol} = {first}…{last}").format(symbol=x, first=first, last=last)
    for value in tracked(values, trying, worth_a_bar=len(values) > 2000):
        if all(test(value) for test in tests):
            if runs and runs[-1][1] == value - 1:
                runs[-1] = (runs[-1][0], value)
            else:
                runs.append((value, value))
    return tuple(runs)


def _compiled_relation(constraint: Any, x: sympy.Symbol) -> Callable[[int], bool]:
    """Whether ``constraint`` holds at a value of ``x``: compiled where it can be."""
    compare = _COMPARE.get(type(constraint))
    if compare is not None:
        left, right = _compiled(constraint.lhs, x), _compiled(constraint.rhs, x)
        if left is not None and right is not None:

            def holds(value: int) -> bool:
                try:
                    return bool(compare(left(value), right(value)))
                except ZeroDivisionError:
                    return False  # no network has this size

            return holds
    return lambda value: _holds(constraint, x, value)


Exact = int | Fraction
"""A value of a compiled formula: an integer, or a fraction on the way to a floor."""


def _compiled(expr: Any, x: sympy.Symbol) -> Callable[[int], Exact] | None:
    """``expr`` (in ``x`` alone) as a Python function in exact arithmetic, or None.

    Covers what the rules produce: integers and fractions, ``+``, ``·``, integer
    powers, ``⌊⌋``, ``⌈⌉``, ``mod``, ``max`` and ``min``. A floor of a fraction
    with an integer denominator, ``⌊(n − 35)/32⌋``, is integer division of its
    numerator, so most formulas never leave Python's integers. A division by
    zero raises :class:`ZeroDivisionError` (sympy's ``zoo``: no such network).
    """
    if expr == x:
        return lambda value: value
    if expr.is_Rational:
        constant: Exact = int(expr) if expr.is_Integer else Fraction(int(expr.p), int(expr.q))
        return lambda value: constant
    if isinstance(expr, sympy.floor | sympy.ceiling):
        return _compiled_rounding(expr, x)
    parts = [_compiled(arg, x) for arg in expr.args]
    if any(part is None for part in parts):
        return None
    return _compiled_operation(expr, parts)  # type: ignore[arg-type]


def _compiled_rounding(expr: Any, x: sympy.Symbol) -> Callable[[int], Exact] | None:
    """``⌊p/q⌋`` as ``p // q`` for an integer ``q``; any other floor (or ceiling) as is."""
    numerator, denominator = expr.args[0].as_numer_denom()
    top = _compiled(numerator, x)
    down = isinstance(expr, sympy.floor)
    if top is not None and denominator.is_Integer and denominator.is_positive:
        divisor = int(denominator)
        if down:
            return lambda value: _floor(top(value), divisor)
        return lambda value: -_floor(-top(value), divisor)
    inner = _compiled(expr.args[0], x)
    if inner is None:
        return None
    rounding = math.floor if down else math.ceil
    return lambda value: rounding(inner(value))


def _compiled_operation(
    expr: Any, parts: list[Callable[[int], Exact]]
) -> Callable[[int], Exact] | None:
    """A sum, product, integer power, ``mod``, ``max`` or ``min`` of compiled parts."""
    if isinstance(expr, sympy.Add):
        return lambda value: sum(part(value) for part in parts)
    if isinstance(expr, sympy.Mul):
        return lambda value: math.prod(part(value) for part in parts)
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer:
        base, exponent = parts[0], int(expr.exp)
        if exponent >= 0:
            return lambda value: base(value) ** exponent
        return lambda value: Fraction(1) / Fraction(base(value)) ** -exponent
    if isinstance(expr, sympy.Mod):
        dividend, divisor = parts
        return lambda value: dividend(value) % divisor(value)
    if isinstance(expr, sympy.Max | sympy.Min):
        pick = max if isinstance(expr, sympy.Max) else min
        return lambda value: pick(part(value) for part in parts)
    return None


def _floor(value: Exact, divisor: int) -> int:
    return value // divisor if isinstance(value, int) else math.floor(value / divisor)


def _holds(constraint: Any, x: sympy.Symbol, value: int) -> bool:
    if constraint is sympy.true or constraint is sympy.false:
        return bool(constraint)
    left = substitute(constraint.lhs, {x: value})
    right = substitute(constraint.rhs, {x: value})
    if not (_defined(left) and _defined(right)):
        return False  # a division by zero: no network has this size
    return bool(_COMPARE[type(constraint)](left, right))


def _defined(value: Any) -> bool:
    return isinstance(value, int) or bool(value.is_finite)


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    sympy.Eq: lambda a, b: a == b, sympy.Ne: lambda a, b: a != b,
    sympy.StrictLessThan: lambda a, b: a < b, sympy.LessThan: lambda a, b: a <= b,
    sympy.StrictGreaterThan: lambda a, b: a > b, sympy.GreaterThan: lambda a, b: a >= b,
}  # fmt: skip
