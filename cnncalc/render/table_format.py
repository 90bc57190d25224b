"""The terminal table, drawn with rich."""

from __future__ import annotations

import io
import sys

from rich.console import Console, RenderableType
from rich.table import Table

from cnncalc.analysis import Report
from cnncalc.render.text import columns, convention_note, count, requirements_note, shape


def build_table(report: Report) -> Table:
    """A rich table: a row per layer, a totals row, the convention in the caption."""
    count_columns = columns(report)
    table = Table(
        title=f"{report.name}  (input {shape(report.input_shape)})",
        caption=" ".join(
            filter(None, [requirements_note(report), convention_note(report.convention)])
        ),
        caption_justify="left",
        show_footer=True,
    )
    table.add_column("Layer", footer="Total")
    table.add_column("Type")
    table.add_column("Output shape", footer=shape(report.output_shape), justify="right")
    for metric, title in count_columns:
        table.add_column(title, footer=count(report.totals.metric(metric)), justify="right")
    for layer in report.layers:
        table.add_row(
            layer.name,
            layer.type,
            shape(layer.output_shape),
            *(count(layer.metric(metric)) for metric, _ in count_columns),
        )
    return table


def render(report: Report) -> str:
    """The table as plain text (no colour), for pipes, files and golden tests."""
    return to_text(build_table(report))


def to_text(renderable: RenderableType, width: int = 160) -> str:
    """A rich renderable as plain text, ``width`` columns at most, no trailing blanks."""
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, legacy_windows=False).print(renderable)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def print_table(report: Report) -> None:
    """Print the table: in colour at the terminal's width, or as plain text to a pipe."""
    console = Console()
    if console.is_terminal:
        console.print(build_table(report))
    else:
        sys.stdout.write(render(report))
