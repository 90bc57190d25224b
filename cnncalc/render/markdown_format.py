"""A GitHub-flavoured Markdown table, with the convention stated below it."""

from __future__ import annotations

from cnncalc.analysis import Report
from cnncalc.render.text import columns, convention_note, count, shape


def render(report: Report) -> str:
    """Heading, table (layers and a bold total row), convention note."""
    count_columns = columns(report)
    head = ["Layer", "Type", "Output shape", *(title for _, title in count_columns)]
    lines = [
        f"### {report.name}",
        "",
        f"Input {shape(report.input_shape)}.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join([":--", ":--", "--:"] + ["--:"] * len(count_columns)) + "|",
    ]
    for layer in report.layers:
        cells = [layer.name, layer.type, shape(layer.output_shape)]
        cells += [count(layer.metric(metric)) for metric, _ in count_columns]
        lines.append("| " + " | ".join(cells) + " |")
    totals = [f"**{count(report.totals.metric(metric))}**" for metric, _ in count_columns]
    lines.append(
        "| **Total** | | " + f"{shape(report.output_shape)} | " + " | ".join(totals) + " |"
    )
    lines += ["", convention_note(report.convention), ""]
    return "\n".join(lines)
