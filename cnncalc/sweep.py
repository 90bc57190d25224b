"""Sweeps: a symbolic network's totals at every point of a grid of its sizes.

``cnncalc sweep specs/lenet5-symbolic.yaml --grid "k=3,5,7; n=28:36:4"`` gives the
totals (any metrics, under any convention) of each of the 9 networks, as if each
were analysed with ``--subs``, but the formulas are compiled once
(:mod:`cnncalc.evaluator`) and each point costs microseconds. A point where the
network does not exist (a kernel larger than its input, a size over 2**63 − 1)
is left out and counted, the first one with the substitution layer's reason;
``where`` (the condition language of ``solve``) keeps the points where it holds.
:func:`pareto_front` marks the points no other point beats on two metrics.

An axis may also name one of the spec's ``params`` (:func:`sweep_params`): a
depth that ``repeat:`` reads (``cnncalc sweep resnet50 --grid "blocks3=6,23,36"``),
which changes the network's structure, not a number in its formulas. The network
is then built again for each value, and its symbols swept on each.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from cnncalc.analysis import METRICS, Report
from cnncalc.conventions import Convention
from cnncalc.errors import CnncalcError
from cnncalc.grid import Axis, Exact
from cnncalc.i18n import _

DEFAULT_METRICS = ("params", "macs", "flops")


@dataclass(frozen=True, slots=True)
class Sweep:
    """The totals at the points of a grid, stored by column (a million rows stay compact)."""

    network: str
    axes: tuple[Axis, ...]
    metrics: tuple[str, ...]
    convention: Convention
    fixed: tuple[tuple[str, Exact], ...]
    """The other symbols' values (the spec's ``values``, ``--subs``)."""
    positions: list[int]
    """The kept points' positions in the grid (row-major, the first axis outermost)."""
    columns: dict[str, list[Exact]]
    """Each metric's values at the kept points."""
    points: int
    """The grid's points in all."""
    invalid: int
    """Points where the network does not exist."""
    first_invalid: str | None
    """Why the first of them does not (the substitution layer's message)."""
    where: str | None
    filtered: int
    """Networks ``where`` left out."""

    def __len__(self) -> int:
        return len(self.positions)

    def point(self, row: int) -> tuple[Exact, ...]:
        """The grid values of kept row ``row``, one per axis."""
        return _coordinates(self.positions[row], self.axes)

    def coordinates(self) -> list[list[Exact]]:
        """Each axis's values at the kept points: columns, as :attr:`columns` holds them."""
        found = []
        stride = 1
        for axis in reversed(self.axes):
            values, size = axis.values, len(axis.values)
            found.append([values[(position // stride) % size] for position in self.positions])
            stride *= size
        return found[::-1]

    def rows(self) -> Iterator[tuple[tuple[Exact, ...], tuple[Exact, ...]]]:
        """``(grid values, metric values)`` of each kept point, in grid order."""
        columns = [self.columns[metric] for metric in self.metrics]
        return zip(zip(*self.coordinates(), strict=True), zip(*columns, strict=True), strict=True)


def _coordinates(position: int, axes: Sequence[Axis]) -> tuple[Exact, ...]:
    values: list[Exact] = []
    for axis in reversed(axes):
        position, index = divmod(position, len(axis.values))
        values.append(axis.values[index])
    return tuple(reversed(values))


def sweep(
    report: Report,
    axes: Sequence[Axis],
    metrics: Sequence[str] = DEFAULT_METRICS,
    where: str | None = None,
    values: Mapping[str, int | Fraction] | None = None,
    *,
    vectorise: bool | None = None,
) -> Sweep:
    """``report``'s totals of ``metrics`` at every point of the grid ``axes``.

    The symbols the grid does not name take ``values`` (a spec's ``values:``,
    ``--subs``); each must have one. ``vectorise`` as for
    :meth:`cnncalc.evaluator.Evaluator.grid` (None: NumPy where it is exact).
    """
    from cnncalc.evaluator import Evaluator
    from cnncalc.solve import parse_condition
    from cnncalc.substitution import check_values, sizes_of
    from cnncalc.symbolic import substitute

    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise CnncalcError(
            _("--metrics takes names among {metrics}, got {got}").format(
                metrics=", ".join(METRICS), got=", ".join(unknown) or "''"
            )
        )
    names = [axis.name for axis in axes]
    check_values(report, {axis.name: axis.ends() for axis in axes})
    fixed = {name: value for name, value in (values or {}).items() if name not in names}
    report = report.subs(fixed) if fixed else report
    missing = sorted(report.symbols - set(names))
    if missing:
        raise CnncalcError(
            _('give values for {symbols} (--subs {first}=… or --grid "{first}=…")').format(
                symbols=", ".join(missing), first=missing[0]
            )
        )
    conditions = parse_condition(where, report) if where is not None else []
    sizes = {size for _where, size in sizes_of(report) if getattr(size, "free_symbols", None)}
    evaluator = Evaluator(
        symbols_named(report, names),
        [report.totals.metric(metric) for metric in metrics],
        conditions,
        requirements=[r.relation for r in report.requirements],
        sizes=sorted(sizes, key=str),
        fallback=substitute,
    )
    grid = evaluator.grid(
        [axis.values for axis in axes],
        progress=_("sweeping {network}").format(network=report.name),
        vectorise=vectorise,
    )
    first_invalid = None
    if grid.first_invalid is not None:
        point = _coordinates(grid.first_invalid, axes)
        first_invalid = _why_not(report, dict(zip(names, point, strict=True)))
    return Sweep(
        network=report.name,
        axes=tuple(axes),
        metrics=tuple(metrics),
        convention=report.convention,
        fixed=tuple(fixed.items()),
        positions=grid.kept,
        columns=dict(zip(metrics, grid.values, strict=True)),
        points=len(grid.kept) + grid.invalid + grid.filtered,
        invalid=grid.invalid,
        first_invalid=first_invalid,
        where=where,
        filtered=grid.filtered,
    )


def sweep_params(
    build: Callable[[Mapping[str, int]], Report],
    axes: Sequence[Axis],
    params: Collection[str],
    *,
    metrics: Sequence[str] = DEFAULT_METRICS,
    where: str | None = None,
    values: Mapping[str, int | Fraction] | None = None,
    vectorise: bool | None = None,
) -> Sweep:
    """:func:`sweep` over a grid whose axes may name the network's ``params``.

    ``build`` makes the network's report with given values of its params (the
    spec read again: :func:`cnncalc.api.load` with ``params``). For each
    combination of the param axes' values, in grid order, the network is built
    and the other axes (its symbols) swept on it; the points are merged in the
    grid's order, so the result is the one sweep of the whole grid. A network
    that cannot be built (a value its params refuse) is an error, not a point
    left out: the value is the user's, not a size the formulas reach.
    """
    structural = [index for index, axis in enumerate(axes) if axis.name in params]
    if not structural:
        report = build({})
        if params:  # a name that is neither: say what the params are too
            _check_names(report, [axis.name for axis in axes], params)
        return sweep(report, axes, metrics, where, values, vectorise=vectorise)
    from cnncalc.api import param_value

    for index in structural:
        for value in axes[index].ends() if isinstance(axes[index].values, range) else ():
            param_value(axes[index].name, value)  # a range's ends: the values between are so
        for value in () if isinstance(axes[index].values, range) else axes[index].values:
            param_value(axes[index].name, value)
    symbolic = [index for index in range(len(axes)) if index not in structural]
    strides = [
        math.prod(len(axis.values) for axis in axes[index + 1 :]) for index in range(len(axes))
    ]
    merged: list[tuple[int, tuple[Exact, ...]]] = []
    invalid = filtered = 0
    first_invalid: str | None = None
    first: Sweep | None = None
    for combination in itertools.product(*(range(len(axes[i].values)) for i in structural)):
        given = {
            axes[i].name: axes[i].values[k] for i, k in zip(structural, combination, strict=True)
        }
        offset = sum(strides[i] * k for i, k in zip(structural, combination, strict=True))
        report = build(given)  # type: ignore[arg-type]  # whole numbers, checked above
        if first is None:
            _check_names(report, [axes[i].name for i in symbolic], params)
        part = sweep(
            report,
            [axes[i] for i in symbolic], metrics, where, values, vectorise=vectorise,
        )  # fmt: skip
        first = first or part
        invalid += part.invalid
        filtered += part.filtered
        if first_invalid is None and part.first_invalid is not None:
            shown = ", ".join(f"{name}={value_text(v)}" for name, v in given.items())
            first_invalid = f"{shown}: {part.first_invalid}"
        columns = [part.columns[metric] for metric in metrics]
        for row, position in enumerate(part.positions):
            full, rest = offset, position
            for i in reversed(symbolic):
                rest, index = divmod(rest, len(axes[i].values))
                full += strides[i] * index
            merged.append((full, tuple(column[row] for column in columns)))
    merged.sort(key=lambda point: point[0])  # already in order when the params come first
    assert first is not None  # an axis has at least one value
    return Sweep(
        network=first.network,
        axes=tuple(axes),
        metrics=tuple(metrics),
        convention=first.convention,
        fixed=first.fixed,
        positions=[position for position, _values in merged],
        columns={
            metric: [point[m] for _position, point in merged] for m, metric in enumerate(metrics)
        },
        points=math.prod(len(axis.values) for axis in axes),
        invalid=invalid,
        first_invalid=first_invalid,
        where=where,
        filtered=filtered,
    )


def _check_names(report: Report, names: Sequence[str], params: Collection[str]) -> None:
    """Each of ``names`` is one of ``report``'s symbols (the others name its params)."""
    unknown = [name for name in names if name not in report.symbols]
    if unknown:
        raise CnncalcError(
            _("no size symbol or param named {name} (symbols: {symbols}; params: {params})").format(
                name=unknown[0],
                symbols=", ".join(sorted(report.symbols)) or _("none"),
                params=", ".join(params),
            )
        )


def symbols_named(report: Report, names: Sequence[str]) -> list[object]:
    """The sympy symbols of ``report`` called ``names``, as its formulas hold them (whatever
    their assumptions: integer sizes, or rational multipliers)."""
    from cnncalc.symbolic import symbol

    found: dict[str, object] = {}
    formulas = [report.totals.metric(metric) for metric in METRICS]
    formulas += [size for layer in report.layers for size in layer.output_shape]
    formulas += [*report.input_shape, *(r.relation for r in report.requirements)]
    for formula in formulas:
        for free in getattr(formula, "free_symbols", ()):
            found.setdefault(str(free), free)
    return [found.get(name) or symbol(name) for name in names]


def _why_not(report: Report, point: Mapping[str, Exact]) -> str:
    """The substitution layer's reason why ``point`` is no network."""
    try:
        report.subs(point)
    except CnncalcError as error:
        return str(error)
    # Only a zero division the evaluator met where substitution did not: say so plainly.
    given = ", ".join(f"{name}={value}" for name, value in point.items())
    return _("{given} makes a size divide by zero").format(given=given)


def pareto_front(xs: Sequence[Exact], ys: Sequence[Exact], *, most_x: bool = False) -> list[bool]:
    """Which points no other point beats, ``y`` a cost (less is better) and ``x`` a cost too,
    or with ``most_x`` a good (more is better: parameters as capacity, against MACs).

    A point is beaten when another is at least as good on both and better on one;
    equal points are all on the front. Sorting by ``x`` (best first) then ``y``
    finds them in ``O(n log n)``: a point is on the front when its ``y`` is below
    every ``y`` at a better ``x``, and the least at its own.
    """
    keys = [-x for x in xs] if most_x else list(xs)
    order = sorted(range(len(keys)), key=lambda i: (keys[i], ys[i]))
    front = [False] * len(keys)
    best: Exact | None = None  # the least y at a better x
    start = 0
    while start < len(order):
        stop = start
        while stop < len(order) and keys[order[stop]] == keys[order[start]]:
            stop += 1
        least = ys[order[start]]
        if best is None or least < best:
            for i in order[start:stop]:
                front[i] = ys[i] == least
            best = least
        start = stop
    return front


def value_text(value: Exact) -> str:
    """A grid value as written: ``224``, ``3/4``."""
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return str(value)
