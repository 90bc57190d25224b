"""Checking a spec's ``expect`` block against its analysis (``cnncalc check``)."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.analysis import Counts, Report
from cnncalc.arith import Dim, Shape
from cnncalc.errors import CnncalcError, SpecError
from cnncalc.expressions import Formula
from cnncalc.spec import NetworkSpec
from cnncalc.spec.network import TOTAL
from cnncalc.spec.published import Published


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One expected number (or formula) that the analysis does not reproduce."""

    target: str
    metric: str
    expected: object
    got: object


@dataclass(frozen=True, slots=True)
class PublishedResult:
    """A published number beside cnncalc's exact count of the same quantity."""

    entry: Published
    count: Dim | Shape
    """cnncalc's exact count (a shape for ``output_shape``)."""
    agrees: bool
    """Whether the count rounds to the printed number at its printed precision."""

    @property
    def as_explained(self) -> bool:
        """Agreeing, or differing with a ``differs`` explanation: what ``check`` accepts."""
        return self.agrees != (self.entry.differs is not None)


def at_values(spec: NetworkSpec, report: Report) -> Report:
    """The report at the spec's ``values`` (a symbolic spec), where numbers are checked."""
    # A symbol the analysis lost (its formulas cancelled out) needs no value.
    values = {name: value for name, value in spec.values.items() if name in report.symbols}
    try:
        return report.subs(values) if values else report
    except CnncalcError as error:  # a value breaks a requirement: the spec's own mistake
        from cnncalc.spec.diagnostics import locate

        located = SpecError(str(error), loc=("values",))
        raise locate(located, None, spec._source_map) from None


def check_published(spec: NetworkSpec, report: Report) -> list[PublishedResult]:
    """Each of the spec's ``published`` numbers beside cnncalc's count, and whether it agrees.

    ``flops`` is counted under the entry's ``convention`` (else the report's); a
    list of layers, or a block instance, sums its layers' counts.
    """
    report = at_values(spec, report) if spec.published else report
    return [_published(entry, report) for entry in spec.published]


def published_count(entry: Published, report: Report) -> Dim | Shape:
    """cnncalc's count of what ``entry`` counts, in ``report``."""
    if entry.metric == "output_shape":
        (name,) = entry.layers[:1]
        if name == TOTAL:
            return report.output_shape
        return report.layer(_layers_of(name, report)[-1]).output_shape
    counts: Dim = 0
    for name in entry.layers:
        rows = [report.totals] if name == TOTAL else [
            report.layer(layer) for layer in _layers_of(name, report)
        ]  # fmt: skip
        for row in rows:
            counts += _metric(row, entry, report)
    return counts


def _layers_of(name: str, report: Report) -> list[str]:
    """``name`` itself, or the layers of the block instance it names."""
    names = [layer.name for layer in report.layers]
    if name in names:
        return [name]
    from cnncalc.spec.network import instance_layers

    return instance_layers(name, names)


def _metric(row: Counts, entry: Published, report: Report) -> Dim:
    if entry.metric == "flops" and entry.convention not in (None, report.convention):
        flops = report.flops_by_convention if row is report.totals else (
            row.flops_by_convention  # type: ignore[attr-defined]
        )  # fmt: skip
        return flops[entry.convention]
    return row.metric(entry.metric)


def _published(entry: Published, report: Report) -> PublishedResult:
    count = published_count(entry, report)
    if entry.metric == "output_shape":
        agrees = isinstance(count, tuple) and list(count) == entry.value
    else:
        agrees = type(count) is int and _agrees(entry, count)
    return PublishedResult(entry, count, agrees)


def _agrees(entry: Published, count: int) -> bool:
    """Within the printed precision; or past the bound, for "less than" and "more than"."""
    printed = entry.printed()
    if entry.bound == "below":
        return count < printed.value
    if entry.bound == "above":
        return count > printed.value
    return printed.agrees(count)


def check(spec: NetworkSpec, report: Report) -> tuple[int, list[Mismatch]]:
    """How many expected values were checked, and those that differ.

    A formula is compared with the report's formula (sympy must prove them
    equal); a number with the report at the spec's ``values``.
    """
    at_spec_values = at_values(spec, report)
    multipliers = spec.multipliers if spec.expect and report.symbols else frozenset()
    checked = 0
    mismatches: list[Mismatch] = []
    for target, expectation in spec.expect.items():
        for metric, expected in expectation.model_dump(exclude_none=True).items():
            expected_value = getattr(expectation, metric)
            symbolic = _has_formula(expected_value)
            got = _actual(report if symbolic else at_spec_values, target, metric)
            checked += 1
            if not _equal(expected_value, got, multipliers):
                mismatches.append(Mismatch(target, metric, expected, got))
    return checked, mismatches


def _has_formula(value: object) -> bool:
    if isinstance(value, tuple):
        return any(_has_formula(v) for v in value)
    return isinstance(value, Formula)


def _actual(report: Report, target: str, metric: str) -> Dim | Shape:
    """The report's ``metric`` of ``target``: the totals, a layer, or a block instance's
    layers (summed; its output shape is its last layer's)."""
    if target == TOTAL:
        return report.output_shape if metric == "output_shape" else report.totals.metric(metric)
    layers = [report.layer(name) for name in _layers_of(target, report)]
    if metric == "output_shape":
        return layers[-1].output_shape
    total: Dim = layers[0].metric(metric)
    for layer in layers[1:]:
        total += layer.metric(metric)
    return total


def _equal(expected: object, got: object, multipliers: frozenset[str]) -> bool:
    if isinstance(expected, tuple):
        return (
            isinstance(got, tuple)
            and len(got) == len(expected)
            and all(_equal(e, g, multipliers) for e, g in zip(expected, got, strict=True))
        )
    if isinstance(expected, Formula):
        from cnncalc.symbolic import same_value

        return same_value(expected, got, multipliers)
    return type(got) is int and got == expected
