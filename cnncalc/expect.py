"""Checking a spec's ``expect`` block against its analysis (``cnncalc check``)."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.analysis import Counts, Report
from cnncalc.arith import Dim, Shape
from cnncalc.spec import NetworkSpec
from cnncalc.spec.network import TOTAL


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One expected number that the analysis does not reproduce."""

    target: str
    metric: str
    expected: object
    got: object


def check(spec: NetworkSpec, report: Report) -> tuple[int, list[Mismatch]]:
    """How many expected numbers were checked, and those that differ."""
    checked = 0
    mismatches: list[Mismatch] = []
    for target, expectation in spec.expect.items():
        counts: Counts = report.totals if target == TOTAL else report.layer(target)
        for metric, expected in expectation.model_dump(exclude_none=True).items():
            got: Dim | Shape
            if metric == "output_shape":
                got = report.output_shape if target == TOTAL else report.layer(target).output_shape
            else:
                got = counts.metric(metric)
            checked += 1
            if got != expected:
                mismatches.append(Mismatch(target, metric, expected, got))
    return checked, mismatches
