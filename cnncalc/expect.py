"""Checking a spec's ``expect`` block against its analysis (``cnncalc check``)."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.analysis import Counts, Report
from cnncalc.arith import Dim, Shape
from cnncalc.errors import CnncalcError, SpecError
from cnncalc.expressions import Formula
from cnncalc.spec import NetworkSpec
from cnncalc.spec.network import TOTAL


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One expected number (or formula) that the analysis does not reproduce."""

    target: str
    metric: str
    expected: object
    got: object


def check(spec: NetworkSpec, report: Report) -> tuple[int, list[Mismatch]]:
    """How many expected values were checked, and those that differ.

    A formula is compared with the report's formula (sympy must prove them
    equal); a number with the report at the spec's ``values``.
    """
    # A symbol the analysis lost (its formulas cancelled out) needs no value.
    values = {name: value for name, value in spec.values.items() if name in report.symbols}
    try:
        at_values = report.subs(values) if values else report
    except CnncalcError as error:  # a value breaks a requirement: the spec's own mistake
        from cnncalc.spec.diagnostics import locate

        located = SpecError(str(error), loc=("values",))
        raise locate(located, None, spec._source_map) from None
    multipliers = spec.multipliers if spec.expect and report.symbols else frozenset()
    checked = 0
    mismatches: list[Mismatch] = []
    for target, expectation in spec.expect.items():
        for metric, expected in expectation.model_dump(exclude_none=True).items():
            expected_value = getattr(expectation, metric)
            symbolic = _has_formula(expected_value)
            got = _actual(report if symbolic else at_values, target, metric)
            checked += 1
            if not _equal(expected_value, got, multipliers):
                mismatches.append(Mismatch(target, metric, expected, got))
    return checked, mismatches


def _has_formula(value: object) -> bool:
    if isinstance(value, tuple):
        return any(_has_formula(v) for v in value)
    return isinstance(value, Formula)


def _actual(report: Report, target: str, metric: str) -> Dim | Shape:
    if metric == "output_shape":
        return report.output_shape if target == TOTAL else report.layer(target).output_shape
    counts: Counts = report.totals if target == TOTAL else report.layer(target)
    return counts.metric(metric)


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
