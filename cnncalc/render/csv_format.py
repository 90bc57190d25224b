"""CSV: one row per layer and a ``total`` row; the convention in its own column."""

from __future__ import annotations

import csv
import io

from cnncalc.analysis import METRICS, Report
from cnncalc.render.text import shape


def render(report: Report) -> str:
    """Columns: name, type, output_shape (``6x28x28``), every metric, convention."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "type", "output_shape", *METRICS, "convention"])
    for layer in report.layers:
        writer.writerow(
            [
                layer.name,
                layer.type,
                shape(layer.output_shape).replace("×", "x"),
                *(layer.metric(m) for m in METRICS),
                report.convention.value,
            ]
        )
    writer.writerow(
        [
            "total",
            "",
            shape(report.output_shape).replace("×", "x"),
            *(report.totals.metric(m) for m in METRICS),
            report.convention.value,
        ]
    )
    return out.getvalue()
