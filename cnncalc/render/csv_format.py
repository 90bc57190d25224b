"""CSV: one row per layer and a ``total`` row; the convention in its own column."""

from __future__ import annotations

import csv
import io

from cnncalc.analysis import METRICS, Report
from cnncalc.arith import Dim
from cnncalc.render.text import shape


def render(report: Report) -> str:
    """Columns: name, type, output_shape (``6x28x28``), every metric, convention.

    Formulas of a symbolic report are written as sympy parses them back.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "type", "output_shape", *COLUMNS, "convention"])
    for layer in report.layers:
        writer.writerow(
            [
                layer.name,
                layer.type,
                shape(layer.output_shape, "ascii").replace("×", "x"),
                *(_value(layer.metric(m)) for m in COLUMNS),
                report.convention.value,
            ]
        )
    writer.writerow(
        [
            "total",
            "",
            shape(report.output_shape, "ascii").replace("×", "x"),
            *(_value(report.totals.metric(m)) for m in COLUMNS),
            report.convention.value,
        ]
    )
    return out.getvalue()


COLUMNS = (*(m for m in METRICS if m != "buffers"), "buffers")
"""Metrics in column order: columns added later go last, so scripts' indices stay valid."""


def _value(value: Dim) -> int | str:
    return value if isinstance(value, int) else str(value)
