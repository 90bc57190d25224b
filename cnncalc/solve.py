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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import sympy

from cnncalc.analysis import METRICS, Report
from cnncalc.errors import CnncalcError, show_value
from cnncalc.evaluator import Evaluator
from cnncalc.i18n import _
from cnncalc.sizing import BATCH, QUANTITIES, Sizing
from cnncalc.spec.network import TOTAL
from cnncalc.symbolic import simplify_condition, substitute, symbol

DEFAULT_RANGE = (1, 4096)
MULTIPLIER_RANGE = (Fraction(0), Fraction(4))
"""A multiplier's default range, 0 < a ≤ 4 (0 is left out: a multiplier is positive)."""

_COMPARISONS = {
    ast.Eq: sympy.Eq, ast.NotEq: sympy.Ne, ast.Lt: sympy.Lt, ast.LtE: sympy.Le,
    ast.Gt: sympy.Gt, ast.GtE: sympy.Ge,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Interval:
    """The rationals from ``low`` to ``high``, each end in or out: ``(0, 49/64]``."""

    low: Fraction
    high: Fraction
    low_closed: bool
    high_closed: bool


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
    intervals: tuple[Interval, ...] | None = None
    """A multiplier's solutions, every rational in these intervals (``runs`` is then
    empty); None for a size."""
    span: tuple[Fraction, Fraction] | None = None
    """The multiplier's range (``low < a ≤ high``, or ``low ≤ a`` where ``low > 0``)."""
    breakpoints: int = 0
    """How many points of the span a multiplier's roundings may step at."""

    @property
    def found(self) -> bool:
        """Whether any value satisfies the condition."""
        return bool(self.runs or self.intervals)

    @property
    def count(self) -> int | None:
        """How many solutions, or None if there are infinitely many."""
        if self.intervals is not None:
            points = [i for i in self.intervals if i.low == i.high]
            return len(points) if len(points) == len(self.intervals) else None
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
    search: tuple[int, int] | tuple[Fraction, Fraction] | None = None,
    *,
    sizing: Sizing | None = None,
) -> Solution:
    """The values of ``unknown`` for which ``condition`` holds; other symbols take ``values``.

    ``batch`` is an unknown of every numeric spec: the condition then reads the
    quantities of :mod:`cnncalc.sizing` (``peak_memory``, ``training_memory``,
    ``training_flops``) under ``sizing``'s dtypes and optimizer. ``search`` is the
    range of a search (default :data:`DEFAULT_RANGE`); a multiplier's solutions are
    found exactly in its range (default :data:`MULTIPLIER_RANGE`), as intervals
    (:mod:`cnncalc.breakpoints`).
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
    relations = parse_condition(condition, report, quantities)
    # The requirements first: where they fail the network is undefined, and a size
    # may divide by zero (a stride of n//2 at n = 1).
    constraints = [*(r.relation for r in report.requirements), *relations]
    x = report.symbol_objects.get(unknown) or symbol(unknown)  # a multiplier is rational
    if unknown != BATCH and x.is_integer is not True:
        span = (Fraction(search[0]), Fraction(search[1])) if search else MULTIPLIER_RANGE
        return _solve_multiplier(unknown, constraints, relations, x, span)
    search = search or DEFAULT_RANGE
    if any(type(end) is not int for end in search):
        raise CnncalcError(
            _("{symbol} is a size: its --range is LO:HI in whole numbers").format(symbol=unknown)
        )
    search = (int(search[0]), int(search[1]))
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


def _solve_multiplier(
    unknown: str,
    constraints: list[Any],
    relations: list[Any],
    x: sympy.Symbol,
    span: tuple[Fraction, Fraction],
) -> Solution:
    """Every rational multiplier in ``span`` for which the constraints hold, exactly: the
    network is the same between two breakpoints (:mod:`cnncalc.breakpoints`), so each
    breakpoint and one point between each two are tried."""
    from cnncalc.breakpoints import TooMany, breakpoints

    low, high = span
    try:
        points = breakpoints(constraints, x, low, high)
    except TooMany as error:
        raise CnncalcError(
            _("{symbol} steps at over {limit} points of its range: give a smaller --range").format(
                symbol=unknown, limit=f"{error.args[0]:,}"
            )
        ) from None
    if points is None:
        raise CnncalcError(
            _(
                "{symbol} enters a rounding other than as c·{symbol} + d: its steps are "
                "not found exactly (sweep its values instead: cnncalc sweep SPEC --grid "
                '"{symbol}=1/4,1/2,3/4,1")'
            ).format(symbol=unknown)
        )
    ends = [low, *points, high] if low > 0 else [*points, high]
    # Each breakpoint, and the middle of each gap (where every rounding is constant).
    tried: list[tuple[Fraction, Fraction, bool]] = []  # (start, end, holds) of each piece
    if low == 0:
        tried.append((low, ends[0], False))  # the open gap above 0, tried below
    for index, point in enumerate(ends):
        tried.append((point, point, False))
        if index + 1 < len(ends):
            tried.append((point, ends[index + 1], False))
    samples = [a if a == b else (a + b) / 2 for a, b, _holds in tried]
    evaluator = Evaluator([x], [], constraints, fallback=substitute)
    trying = _("trying {symbol} at {count} points").format(
        symbol=unknown, count=f"{len(samples):,}"
    )
    kept = set(evaluator.grid([samples], progress=trying).kept)
    intervals: list[Interval] = []
    for index, (start, end, _holds) in enumerate(tried):
        if index not in kept:
            continue
        closed = start == end
        previous = intervals[-1] if intervals else None
        if previous is not None and previous.high == start and (previous.high_closed or closed):
            intervals[-1] = Interval(previous.low, end, previous.low_closed, closed)
        else:
            intervals.append(Interval(start, end, closed, closed))
    return Solution(
        unknown,
        (),
        f"exactly, at the {len(points):,} points of {low}…{high} where {unknown}'s roundings "
        "may step and between them",
        sympy.And(*relations),
        intervals=tuple(intervals),
        span=span,
        breakpoints=len(points),
    )


@dataclass(frozen=True, slots=True)
class RegionRow:
    """Points of a region: for every value of ``run`` (the next-to-last unknown), with the
    earlier unknowns at ``outer``, the last unknown's values are the runs ``inner``."""

    outer: tuple[int, ...]
    run: tuple[int, int]
    inner: tuple[tuple[int, int | None], ...]


@dataclass(frozen=True, slots=True)
class RegionBounds:
    """A region in closed form in its last unknown ``y``: at each point of the others where
    ``outer`` holds, ``max(lows) ≤ y ≤ min(highs)`` (formulas in the others)."""

    outer: tuple[Any, ...]
    lows: tuple[Any, ...]
    highs: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Region:
    """The integer points of several unknowns' ranges where a condition holds, as rows of
    runs: a row per run of the next-to-last unknown's values that share the last one's."""

    unknowns: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]
    """Each unknown's range, as searched (before the requirements narrowed it)."""
    rows: tuple[RegionRow, ...]
    count: int
    condition: Any
    method: str
    """How it was found, in English (JSON's ``method``)."""
    bounds: RegionBounds | None = None
    """The last unknown's bounds where the region is in closed form in it."""


def solve_region(
    report: Report,
    condition: str,
    unknowns: Sequence[str],
    values: Mapping[str, int | Fraction] | None = None,
    ranges: Mapping[str, tuple[int, int]] | None = None,
) -> Region:
    """The points of ``unknowns`` (two or more size symbols) at which ``condition`` holds,
    each unknown within its range (default 1 to 4096), every point tried: at most
    :data:`MAX_SEARCH` points in all. The other symbols take ``values``; the constraints
    in one unknown alone that reduce to bounds (``n ≥ 67``) narrow its range first.
    """
    from cnncalc.substitution import check_values

    names = tuple(unknowns)
    check_values(report, dict.fromkeys(names, ()))
    if len(set(names)) != len(names):
        raise CnncalcError(_("--for names a symbol twice: {names}").format(names=",".join(names)))
    given = {k: v for k, v in (values or {}).items() if k not in names}
    report = report.subs(given) if given else report
    missing = sorted(report.symbols - set(names))
    if missing:
        raise CnncalcError(
            _("give values for {symbols} (--subs {first}=…) to solve for {symbol}").format(
                symbols=", ".join(missing), first=missing[0], symbol=",".join(names)
            )
        )
    searched = tuple((ranges or {}).get(name, DEFAULT_RANGE) for name in names)
    relations = parse_condition(condition, report)
    xs = [symbol(name) for name in names]
    narrowed = list(searched)
    rest = []
    for constraint in [*(r.relation for r in report.requirements), *relations]:
        free = [x for x in xs if x in getattr(constraint, "free_symbols", ())]
        if len(free) == 1:
            low, high, left = _bounds([constraint], free[0])
            if not left:
                position = xs.index(free[0])
                first, last = narrowed[position]
                narrowed[position] = (max(first, low), last if high is None else min(last, high))
                continue
        rest.append(constraint)
    joint = sympy.And(*relations)
    bounds = _last_bounds(rest, xs[-1])
    tried = searched if bounds is None else searched[:-1]
    size = math.prod(last - first + 1 for first, last in tried)
    if size > MAX_SEARCH:
        raise CnncalcError(
            _(
                "search at most {limit} points at once (--range NAME=LO:HI for each unknown); "
                "these ranges have {size}"
            ).format(limit=f"{MAX_SEARCH:,}", size=f"{size:,}")
        )
    method = "by trying every point of " + ", ".join(
        f"{name} = {first}…{last}"
        for name, (first, last) in zip(names[: len(tried)], tried, strict=True)
    )
    if bounds is not None:
        method = f"in closed form in {names[-1]}, {method}"
    if any(last < first for first, last in narrowed):
        return Region(names, searched, (), 0, joint, method, bounds)
    axes = [range(first, last + 1) for first, last in narrowed]
    if bounds is not None:
        rows, count = _closed_region(xs, axes, bounds)
        return Region(names, searched, rows, count, joint, method, bounds)
    evaluator = Evaluator(xs, [], rest, fallback=substitute)
    trying = _("trying {points} points").format(points=f"{math.prod(map(len, axes)):,}")
    kept = evaluator.grid(axes, progress=trying).kept
    last = len(axes[-1])
    by_prefix: dict[int, list[int]] = {}
    for index in kept:
        by_prefix.setdefault(index // last, []).append(axes[-1][index % last])
    inner_runs = ((key, runs_of(values)) for key, values in by_prefix.items())
    return Region(names, searched, _region_rows(inner_runs, axes[:-1]), len(kept), joint, method)


def _last_bounds(constraints: list[Any], y: sympy.Symbol) -> RegionBounds | None:
    """The constraints as bounds on the last unknown ``y`` in the others (and constraints in
    the others alone), where every one that holds ``y`` peels into one; else None."""
    from cnncalc.symbolic import linear_bound

    outer: list[Any] = []
    lows: list[Any] = []
    highs: list[Any] = []
    for constraint in constraints:
        if y not in getattr(constraint, "free_symbols", ()):
            outer.append(constraint)
            continue
        for inequality in _as_inequalities(constraint):
            bound = linear_bound(inequality, y)
            if bound is None:
                return None
            (lows if bound[0] else highs).append(bound[1])
    # The same bound from the condition and a requirement (a kernel fits) once, and none
    # that another bound always beats.
    return RegionBounds(tuple(outer), _tightest(lows, 1), _tightest(highs, -1))


def _tightest(bounds: list[Any], sign: int) -> tuple[Any, ...]:
    """``bounds`` without repeats and without those that another one provably beats for
    every positive integer value of the sizes (``sign`` 1: lower bounds, the larger wins;
    −1: upper bounds): ``max(k + 1, 7·k − 3)`` is ``7·k − 3``, as ``6·k − 4 ≥ 0`` for k ≥ 1."""
    unique = list(dict.fromkeys(bounds))

    def beats(one: Any, other: Any) -> bool:
        gap = sign * (one - other)
        # k ≥ 1 as k = j + 1 with j ≥ 0, which sympy's assumptions can reason with.
        shifted = {s: sympy.Dummy(integer=True, nonnegative=True) + 1
                   for s in gap.free_symbols}  # fmt: skip
        return bool(sympy.expand(gap.xreplace(shifted)).is_nonnegative)

    kept = []
    for index, bound in enumerate(unique):
        # A bound goes if another beats it; of two equal ones the first stays.
        if not any(
            beats(other, bound) and (not beats(bound, other) or position < index)
            for position, other in enumerate(unique)
            if other is not bound
        ):
            kept.append(bound)
    return tuple(kept)


def _closed_region(
    xs: list[sympy.Symbol], axes: list[range], bounds: RegionBounds
) -> tuple[tuple[RegionRow, ...], int]:
    """The region's rows where the last unknown's values are one run, from its bounds
    evaluated at each point of the others' ranges (compiled, exact)."""
    outer_axes, inner = axes[:-1], axes[-1]
    evaluator = Evaluator(
        xs[:-1], [*bounds.lows, *bounds.highs], list(bounds.outer), fallback=substitute
    )
    trying = _("trying {points} points").format(points=f"{math.prod(map(len, outer_axes)):,}")
    grid = evaluator.grid(outer_axes, progress=trying)
    lows, highs = grid.values[: len(bounds.lows)], grid.values[len(bounds.lows) :]
    runs: list[tuple[int, tuple[tuple[int, int | None], ...]]] = []
    count = 0
    for row, position in enumerate(grid.kept):
        first = max([inner[0], *(int(low[row]) for low in lows)])
        last = min([inner[-1], *(int(high[row]) for high in highs)])
        if first <= last:
            runs.append((position, ((first, last),)))
            count += last - first + 1
    return _region_rows(runs, outer_axes), count


def _region_rows(
    inner_runs: Iterable[tuple[int, tuple[tuple[int, int | None], ...]]],
    outer_axes: Sequence[range],
) -> tuple[RegionRow, ...]:
    """Rows from the last unknown's runs at each point of the others (by position in their
    grid, row-major, in order): next-to-last values with the same runs (and the same
    earlier values) merged."""
    rows: list[RegionRow] = []
    for key, inner in inner_runs:
        coordinates, prefix = [], key
        for axis in reversed(outer_axes):
            prefix, position = divmod(prefix, len(axis))
            coordinates.append(axis[position])
        *outer, value = reversed(coordinates)
        previous = rows[-1] if rows else None
        if (
            previous is not None
            and previous.outer == tuple(outer)
            and previous.run[1] == value - 1
            and previous.inner == inner
        ):
            rows[-1] = RegionRow(previous.outer, (previous.run[0], value), inner)
        else:
            rows.append(RegionRow(tuple(outer), (value, value), inner))
    return tuple(rows)


def parse_condition(
    condition: str, report: Report, quantities: Mapping[str, Callable[[], Any]] | None = None
) -> list[Any]:
    """``pool3.output_shape[1] == 6 and total.params < 10**8`` → sympy relations.

    Numbers are read exactly: ``300e6`` is the integer 300,000,000 (not a float),
    ``2.5e8`` 250,000,000; a number that is not whole (``3e-1``) may scale a quantity
    (``total.macs <= 0.5*total.params``) but is refused beside a quantity that is
    always an integer (every count is). ``quantities`` are the extra names a
    condition may read (:mod:`cnncalc.sizing`'s, in batch).
    """
    quantities = quantities or {}
    text = condition.strip()
    try:
        tree = ast.parse(text, mode="eval").body
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
        left_node, left = part.left, _operand(part.left, report, quantities, text)
        for op, comparator in zip(part.ops, part.comparators, strict=True):
            if type(op) not in _COMPARISONS:
                raise CnncalcError(
                    _("'{part}' does not compare with ==, !=, <, <=, > or >=").format(
                        part=ast.unparse(part)
                    )
                )
            right = _operand(comparator, report, quantities, text)
            _whole_beside_whole((left_node, left), (comparator, right), text)
            _whole_beside_whole((comparator, right), (left_node, left), text)
            relations.append(_COMPARISONS[type(op)](left, right))
            left_node, left = comparator, right
    return relations


MAX_NUMBER_EXPONENT = 4300
"""The largest power of ten a number in a condition may have (``1e4300``): Python's own
limit on an integer's digits."""


def _number(node: ast.Constant, source: str) -> Any:
    """A numeric literal exactly, from its text: ``300e6`` → 300000000, ``0.75`` → 3/4."""
    if type(node.value) is int:
        return sympy.Integer(node.value)
    written = (ast.get_source_segment(source, node) or "").replace("_", "")
    try:
        if type(node.value) is not float:
            raise InvalidOperation
        decimal = Decimal(written)
        if not decimal.is_finite() or abs(decimal.adjusted()) > MAX_NUMBER_EXPONENT:
            raise InvalidOperation
    except InvalidOperation:
        raise CnncalcError(
            _("{number} is not a number a condition can compare (up to 1e{limit})").format(
                number=show_value(written or repr(node.value), 40), limit=MAX_NUMBER_EXPONENT
            )
        ) from None
    value = Fraction(decimal)
    return sympy.Rational(value.numerator, value.denominator)


def _whole_beside_whole(
    number: tuple[ast.expr, Any], other: tuple[ast.expr, Any], source: str
) -> None:
    """Refuse a number that is not whole compared with a quantity that always is (each an
    operand's node and value)."""
    (number_node, value), (other_node, quantity) = number, other
    if value.is_Rational and not value.is_Integer and quantity.is_integer:
        raise CnncalcError(
            _(
                "'{number}' is not a whole number, and {quantity} always is: compare it with a "
                "whole number"
            ).format(
                number=ast.get_source_segment(source, number_node) or ast.unparse(number_node),
                quantity=ast.get_source_segment(source, other_node) or ast.unparse(other_node),
            )
        )


def _operand(
    node: ast.expr, report: Report, quantities: Mapping[str, Callable[[], Any]], source: str
) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _number(node, source)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, exponent = _operand(node.left, report, quantities, source), node.right
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
        left = _operand(node.left, report, quantities, source)
        right = _operand(node.right, report, quantities, source)
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
"""The most values one search tries (``--range 1:1000001``); for several unknowns, the most
points of their ranges' product."""


def _search(
    constraints: list[Any], x: sympy.Symbol, search: tuple[int, int]
) -> tuple[tuple[int, int | None], ...]:
    """Every ``x`` in ``search`` for which all constraints hold, found by trying each.

    The constraints that reduce to bounds on ``x`` (a kernel must fit: ``n ≥ 67``)
    narrow the range instead of being tried; the others are compiled once into
    exact integer arithmetic (:mod:`cnncalc.evaluator`), so a value costs
    microseconds, not the milliseconds of a sympy substitution (what the code
    generator cannot write is substituted, value by value).
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
    if last < first:
        return ()
    evaluator = Evaluator([x], [], rest, fallback=substitute)
    trying = _("trying {symbol} = {first}…{last}").format(symbol=x, first=first, last=last)
    found = evaluator.grid([range(first, last + 1)], progress=trying).kept
    return runs_of(index + first for index in found)


def runs_of(values: Iterable[int]) -> tuple[tuple[int, int | None], ...]:
    """Increasing integers as inclusive runs: ``1, 2, 3, 7`` → ``((1, 3), (7, 7))``."""
    runs: list[tuple[int, int | None]] = []
    for value in values:
        if runs and runs[-1][1] == value - 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return tuple(runs)
