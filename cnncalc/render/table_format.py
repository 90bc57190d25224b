"""The report as a table: drawn by rich on a terminal, as plain text elsewhere.

:func:`grid` lays the table out once (title, columns, rows, totals, caption).
On a terminal rich draws it, in colour, at the terminal's width. For pipes,
files and golden tests :func:`render` draws the same grid in rich's style
without importing rich, which costs more start-up than the rest of a numeric
run; a test keeps the two drawings identical. A grid wider than the page
(long formulas) is left to rich, which wraps cells.

Names and types are the user's text: control characters in them are shown as
escapes (:func:`cnncalc.safe_text.visible`), so no name can move the cursor,
retitle the terminal or split a row, and rich is given :class:`rich.text.Text`
everywhere, never a string, so ``[bold]`` or ``[link=…]`` in a name is text, not
markup.
"""

from __future__ import annotations

import io
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnncalc import wrapping
from cnncalc.analysis import LayerReport, Report
from cnncalc.i18n import _
from cnncalc.render.text import (
    columns,
    connections_cell,
    convention_note,
    count,
    layer_shape,
    pooling_note,
    requirements_note,
    sentences,
    shape,
    values_note,
)
from cnncalc.safe_text import visible
from cnncalc.wrapping import width

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table

PAGE_WIDTH = 160
"""Columns of plain-text output (pipes and files)."""


@dataclass(frozen=True, slots=True)
class Grid:
    """A table laid out: everything but the drawing."""

    title: str
    headers: list[str]
    right: list[bool]
    """Right-justify the column (numbers)."""
    rows: list[list[str]]
    footer: list[str]
    """The totals row; empty: none."""
    caption: str
    """Paragraphs, one a line: each wrapped to the table's width."""
    groups: tuple[tuple[str, int], ...] = ()
    """Headings above the headers, each over the number of columns given (a comparison's
    variants); the spans add up to the columns. Empty: none. Drawn by :func:`draw` only."""


def grid(report: Report) -> Grid:
    """Layers as rows, totals as the footer, the convention (and requirements) below."""
    count_columns = columns(report)
    return Grid(
        title=_("{network}  (input {shape})").format(
            network=visible(report.name),
            shape=shape(report.input_shape)
            + "".join(f", {visible(name)} {shape(dims)}" for name, dims in report.other_inputs),
        ),
        headers=[
            _("Layer"),
            _("Type"),
            _("Output shape"),
            *(title for _metric, title in count_columns),
        ],
        right=[False, False, True, *(True for _ in count_columns)],
        rows=[
            [
                visible(layer.name),
                visible(layer.type),  # a folded block's type is its block's name
                layer_shape(layer),
                *(_cell(layer, metric) for metric, _ in count_columns),
            ]
            for layer in report.layers
        ],
        footer=[
            _("Total"),
            "",
            shape(report.output_shape),
            *(count(report.totals.metric(metric)) for metric, _ in count_columns),
        ],
        caption="\n".join(  # the pooling note a paragraph of its own, as a footnote
            filter(
                None,
                [
                    sentences(
                        values_note(report),
                        requirements_note(report),
                        convention_note(report.convention),
                    ),
                    pooling_note(report),
                ],
            )
        ),
    )


def _cell(layer: LayerReport, metric: str) -> str:
    """A count; a max or average pooling layer's connections marked (:func:`pooling_note`)."""
    text = count(layer.metric(metric))
    return connections_cell(layer, text) if metric == "connections" else text


def build_table(report: Report, layout: Grid | None = None) -> Table:
    """The grid as a rich table, for a terminal."""
    from rich.table import Table
    from rich.text import Text

    layout = layout or grid(report)
    # Text, not str, everywhere: rich would read "[bold]" in a name as markup.
    table = Table(
        title=Text(layout.title, style="table.title"),  # the styles rich gives a str
        caption=Text(layout.caption, style="table.caption"),
        caption_justify="left",
        show_footer=True,
    )
    for header, right, footer in zip(layout.headers, layout.right, layout.footer, strict=True):
        table.add_column(Text(header), footer=Text(footer), justify="right" if right else "left")
    for row in layout.rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def render(report: Report) -> str:
    """The table as plain text (no colour, no rich), for pipes, files and golden tests."""
    layout = grid(report)
    drawn = draw(layout)
    return drawn if drawn is not None else to_text(build_table(report, layout))


def draw(
    layout: Grid, page: int = PAGE_WIDTH, wrapper: Callable[[str, int], list[str]] | None = None
) -> str | None:
    """The grid in rich's heavy-head box style, or None if it is wider than ``page``.

    The caption is wrapped as rich wraps it (:func:`wrap`), unless ``wrapper`` says
    otherwise: :func:`fill` for a table rich never draws.
    """
    table = [layout.headers, *layout.rows, *([layout.footer] if layout.footer else [])]
    widths = [max(width(row[i]) for row in table) for i in range(len(layout.headers))]
    starts = [0]  # the first column of each group, then the end
    for heading, span in layout.groups:
        starts.append(starts[-1] + span)
        inside = sum(widths[starts[-2] : starts[-1]]) + 3 * (span - 1)
        widths[starts[-1] - 1] += max(0, width(heading) - inside)  # a wide heading widens
    total = sum(widths) + 3 * len(widths) + 1
    if total > page or width(layout.title) > total:
        return None

    def line(left: str, fill: str, joint: str, right: str, inner: str | None = None) -> str:
        """A rule; ``inner`` joins the columns inside a group (between groups: ``joint``)."""
        if inner is None:
            return left + joint.join(fill * (w + 2) for w in widths) + right
        parts = [fill * (w + 2) for w in widths]
        joints = [joint if i in starts else inner for i in range(1, len(widths))]
        return left + "".join(p + j for p, j in zip(parts, [*joints, ""], strict=True)) + right

    def cells(row: list[str], bar: str) -> str:
        padded = [
            " " * (w - width(cell)) + cell if right else cell + " " * (w - width(cell))
            for cell, w, right in zip(row, widths, layout.right, strict=True)
        ]
        return bar + bar.join(f" {cell} " for cell in padded) + bar

    lines = [" " * ((total - width(layout.title)) // 2) + layout.title]
    if layout.groups:
        spans = itertools.pairwise(starts)
        headings = [
            heading + " " * (sum(widths[a:b]) + 3 * (b - a - 1) - width(heading))
            for (heading, _span), (a, b) in zip(layout.groups, spans, strict=True)
        ]
        lines += [
            line("┏", "━", "┳", "┓", inner="━"),
            "┃" + "┃".join(f" {heading} " for heading in headings) + "┃",
            line("┣", "━", "╋", "┫", inner="┳"),
        ]
    else:
        lines.append(line("┏", "━", "┳", "┓"))
    lines += [cells(layout.headers, "┃"), line("┡", "━", "╇", "┩")]
    lines += [cells(row, "│") for row in layout.rows]
    if layout.footer:  # the totals; a grid without them ends after its rows
        lines += [line("├", "─", "┼", "┤"), cells(layout.footer, "│")]
    lines += [line("└", "─", "┴", "┘")]
    for paragraph in layout.caption.split("\n") if layout.caption else ():
        lines += (wrapper or wrap)(paragraph, total)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def wrap(text: str, page: int) -> list[str]:
    """Words filled greedily into lines of at most ``page`` columns, as rich wraps them.

    A word wider than the page (a Chinese sentence has no spaces) starts a new
    line and is cut wherever the page ends, as rich folds it.
    """
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and width(candidate) > page:
            lines.append(current)
            current = word
        else:
            current = candidate
        while width(current) > page:  # fold a word wider than the page
            cut = fold_point(current, page)
            lines.append(current[:cut])
            current = current[cut:]
    return [*lines, current] if current else lines


def fill(text: str, page: int) -> list[str]:
    """Words filled into lines of at most ``page`` columns, breaking between Chinese
    characters too, for paragraphs rich does not draw (the memory, training, roofline and
    receptive-field reports).

    Chinese has no spaces between words, so :func:`wrap` (rich's rule) can only break a
    Chinese sentence at the few spaces around numbers and names, and leaves lines half
    empty; :func:`cnncalc.wrapping.fill` also ends a line between two wide characters,
    never before a closing mark (，。）) or after an opening one (（《), and a piece wider
    than the page is folded as :func:`wrap` folds it. ASCII text is wrapped as
    :func:`wrap` does, so English output is the same either way.
    """
    if text.isascii():
        return wrap(text, page)
    lines: list[str] = []
    for filled in wrapping.fill(text, page):
        rest = filled
        while width(rest) > page:  # a piece wider than the page
            cut = fold_point(rest, page)
            lines.append(rest[:cut])
            rest = rest[cut:]
        lines.append(rest)
    return lines


def fold_point(text: str, page: int) -> int:
    """How many characters of ``text`` fill at most ``page`` columns (at least one)."""
    used = 0
    for index, ch in enumerate(text):
        used += width(ch)
        if used > page:
            return max(index, 1)
    return len(text)


def to_text(renderable: RenderableType, page: int = PAGE_WIDTH) -> str:
    """A rich renderable as plain text, ``page`` columns at most, no trailing blanks."""
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=page, color_system=None, legacy_windows=False).print(renderable)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def print_table(report: Report) -> None:
    """Print the table: rich in colour on a terminal, plain text to a pipe or file."""
    if not sys.stdout.isatty():
        sys.stdout.write(render(report))
        return
    from rich.console import Console

    Console().print(build_table(report))
