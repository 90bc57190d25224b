"""A GitHub-flavoured Markdown table, with the convention (and any requirements) below it.

Formulas of a symbolic report are inline LaTeX (``$…$``), which GitHub,
Jupyter and most slide tools render. Names and types are the user's text, escaped
(:func:`cnncalc.safe_text.markdown_text`): a ``|`` cannot split a cell, a line
end cannot end a row, and ``$x$``, ``[link](…)`` or ``<script>`` in a name are
shown as written.
"""

from __future__ import annotations

from cnncalc.analysis import Report
from cnncalc.arith import Dim, Shape
from cnncalc.render.text import columns, convention_note, count, layer_shape, requirements, shape
from cnncalc.safe_text import markdown_text


def render(report: Report) -> str:
    """Heading, table (layers and a bold total row), convention note."""
    count_columns = columns(report)
    head = ["Layer", "Type", "Output shape", *(title for _, title in count_columns)]
    lines = [
        f"### {markdown_text(report.name)}",
        "",
        f"Input {_shape(report.input_shape)}"
        + "".join(f", {markdown_text(n)} {_shape(d)}" for n, d in report.other_inputs)
        + ".",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join([":--", ":--", "--:"] + ["--:"] * len(count_columns)) + "|",
    ]
    for layer in report.layers:
        cells = [markdown_text(layer.name), markdown_text(layer.type), layer_shape(layer, _shape)]
        cells += [_count(layer.metric(metric)) for metric, _ in count_columns]
        lines.append("| " + " | ".join(cells) + " |")
    totals = [_count(report.totals.metric(metric), bold=True) for metric, _ in count_columns]
    lines.append(f"| **Total** | | {_shape(report.output_shape)} | " + " | ".join(totals) + " |")
    lines.append("")
    needed = requirements(report, "latex")
    if needed:
        lines.append("Requires " + ", ".join(f"${text}$" for text in needed) + ".")
    lines += [convention_note(report.convention), ""]
    return "\n".join(lines)


def _count(value: Dim, bold: bool = False) -> str:
    if isinstance(value, int):
        return f"**{value:,}**" if bold else f"{value:,}"
    return f"${count(value, 'latex')}$"


def _shape(value: Shape) -> str:
    if all(isinstance(d, int) for d in value):
        return shape(value)
    return "$" + shape(value, "latex").replace("×", r" \times ") + "$"
