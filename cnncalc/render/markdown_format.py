"""A GitHub-flavoured Markdown table, with the convention (and any requirements) below it.

Formulas of a symbolic report are inline LaTeX (``$…$``), which GitHub,
Jupyter and most slide tools render. Names and types are the user's text, escaped
(:func:`cnncalc.safe_text.markdown_text`): a ``|`` cannot split a cell, a line
end cannot end a row, and ``$x$``, ``[link](…)`` or ``<script>`` in a name are
shown as written. A max or average pooling layer's connections carry ``\\*``, which
:func:`cnncalc.render.text.pooling_note` explains below the table.
"""

from __future__ import annotations

from cnncalc.analysis import Report
from cnncalc.arith import Dim, Shape
from cnncalc.i18n import _
from cnncalc.render.text import (
    columns,
    connections_cell,
    convention_note,
    count,
    layer_shape,
    pooling_note,
    requirements,
    shape,
    values_note,
)
from cnncalc.safe_text import markdown_text

MARK = "\\*"
"""The pooling mark, escaped: a bare ``*`` could start emphasis."""


def render(report: Report) -> str:
    """Heading, table (layers and a bold total row), convention note, pooling note."""
    count_columns = columns(report)
    head = [_("Layer"), _("Type"), _("Output shape"), *(title for _m, title in count_columns)]
    inputs = _shape(report.input_shape) + "".join(
        f", {markdown_text(n)} {_shape(d)}" for n, d in report.other_inputs
    )
    lines = [
        f"### {markdown_text(report.name)}",
        "",
        _("Input {shape}.").format(shape=inputs),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join([":--", ":--", "--:"] + ["--:"] * len(count_columns)) + "|",
    ]
    for layer in report.layers:
        cells = [markdown_text(layer.name), markdown_text(layer.type), layer_shape(layer, _shape)]
        for metric, _title in count_columns:
            text = _count(layer.metric(metric))
            cells.append(connections_cell(layer, text, MARK) if metric == "connections" else text)
        lines.append("| " + " | ".join(cells) + " |")
    totals = [_count(report.totals.metric(metric), bold=True) for metric, _t in count_columns]
    lines.append(
        f"| **{_('Total')}** | | {_shape(report.output_shape)} | " + " | ".join(totals) + " |"
    )
    lines.append("")
    if report.values:
        lines += [markdown_text(values_note(report)), ""]
    needed = requirements(report, "latex")
    if needed:
        lines.append(
            _("Requires {conditions}.").format(conditions=", ".join(f"${text}$" for text in needed))
        )
    lines += [convention_note(report.convention), ""]
    symbolic = any(not isinstance(layer.connections, int) for layer in report.layers)
    note = pooling_note(
        report,
        name=markdown_text,
        style="latex" if symbolic else "unicode",
        math=(lambda text: f"${text}$") if symbolic else str,
        mark=MARK,
    )
    if note:
        lines += [note, ""]
    return "\n".join(lines)


def _count(value: Dim, bold: bool = False) -> str:
    if isinstance(value, int):
        return f"**{value:,}**" if bold else f"{value:,}"
    return f"${count(value, 'latex')}$"


def _shape(value: Shape) -> str:
    if all(isinstance(d, int) for d in value):
        return shape(value)
    return "$" + shape(value, "latex").replace("×", r" \times ") + "$"
