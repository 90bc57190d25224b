"""CSV: one row per layer and a ``total`` row; the convention in its own column."""

from __future__ import annotations

import csv
import io

from cnncalc.analysis import METRICS, Report
from cnncalc.arith import Dim, Shape
from cnncalc.render.text import layer_shape, shape
from cnncalc.safe_text import csv_cell, csv_formula


def render(report: Report) -> str:
    """Columns: name, type, output_shape (``6x28x28``), every metric, convention.

    Formulas of a symbolic report are written as sympy parses them back.
    Names and types are the user's text: a cell that a spreadsheet would run as
    a formula (``=cmd|…``, ``+1``, ``-1``, ``@SUM(1)``) starts with ``'``, and
    control characters are shown as escapes (:func:`cnncalc.safe_text.csv_cell`);
    the JSON report holds the exact names.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "type", "output_shape", *COLUMNS, "convention"])
    for layer in report.layers:
        writer.writerow(
            [
                csv_cell(layer.name),
                csv_cell(layer.type),  # a folded block's type is its block's name
                layer_shape(layer, _shape),
                *(_value(layer.metric(m)) for m in COLUMNS),
                report.convention.value,
            ]
        )
    writer.writerow(
        [
            "total",
            "",
            _shape(report.output_shape),
            *(_value(report.totals.metric(m)) for m in COLUMNS),
            report.convention.value,
        ]
    )
    return out.getvalue()


COLUMNS = (*(m for m in METRICS if m != "buffers"), "buffers")
"""Metrics in column order: columns added later go last, so scripts' indices stay valid."""


def _value(value: Dim) -> int | str:
    return value if isinstance(value, int) else csv_formula(str(value))


def _shape(value: Shape) -> str:
    return csv_formula(shape(value, "ascii").replace("×", "x"))
