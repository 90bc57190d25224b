"""A sweep (``cnncalc sweep``) as a table, CSV, JSON or Markdown: a row per grid point kept.

Columns: the grid's symbols, then the metrics asked, exact integers. Below the
table and the Markdown (in JSON as fields): the other symbols' values, the FLOPs
convention where FLOPs are shown, how many points are no network (and why the
first is not), and how many networks ``--where`` kept. CSV holds the rows alone,
with the convention in a last column as the report's CSV has it. Grid values
that are fractions are written ``3/4`` (a string in JSON).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from typing import Any

from cnncalc.errors import CnncalcError, show_value
from cnncalc.grid import Exact
from cnncalc.i18n import _, ngettext
from cnncalc.render.table_format import Grid, draw, fill
from cnncalc.render.text import METRIC_HEADINGS, convention_note, sentences
from cnncalc.safe_text import csv_cell, json_safe, markdown_text, visible
from cnncalc.sweep import Sweep, value_text
from cnncalc.wrapping import width

FORMATS = ("table", "csv", "json", "markdown")
NOTE_WIDTH = 88
"""Columns the notes below a sweep's table fill, at least (more for a wider table)."""


def render_sweep(result: Sweep, fmt: str) -> str:
    """``result`` in ``fmt``: one of :data:`FORMATS`."""
    if fmt == "json":
        return _json(result)
    if fmt == "csv":
        return _csv(result)
    if fmt == "markdown":
        return _markdown(result)
    if fmt != "table":
        raise CnncalcError(
            _("sweep writes {formats}, not {format}").format(
                formats=", ".join(FORMATS), format=show_value(fmt)
            )
        )
    layout = Grid(
        title="",
        headers=[*(visible(axis.name) for axis in result.axes), *_headings(result)],
        right=[True] * (len(result.axes) + len(result.metrics)),
        rows=[[_cell(v) for v in (*point, *values)] for point, values in result.rows()],
        footer=[],
        caption="",
    )
    drawn = draw(layout, page=10_000)  # no page limit: a sweep is read by rows
    assert drawn is not None
    # The notes fill a page's width, not the table's: a table of two columns is narrow.
    page = max(NOTE_WIDTH, width(drawn.partition("\n")[0]))
    notes = [line for note in _notes(result) for line in fill(note, page)]
    return _title(result) + drawn + "".join(line + "\n" for line in notes)


def _title(result: Sweep) -> str:
    return ngettext(
        "{network}: totals at {count} point of {grid}",
        "{network}: totals at {count} points of {grid}",
        len(result),
    ).format(
        network=visible(result.network),
        count=f"{len(result):,}",
        grid=" × ".join(visible(axis.name) for axis in result.axes),
    )


def _headings(result: Sweep) -> list[str]:
    return [_(METRIC_HEADINGS[metric]) for metric in result.metrics]


def _cell(value: Exact) -> str:
    return f"{value:,}" if isinstance(value, int) else value_text(value)


def _notes(result: Sweep) -> list[str]:
    """The paragraphs below the rows: fixed sizes, convention, points left out."""
    notes = []
    if result.fixed:
        sizes = ", ".join(f"{visible(name)} = {_cell(value)}" for name, value in result.fixed)
        notes.append(_("Other sizes: {sizes}.").format(sizes=sizes))
    if "flops" in result.metrics:
        notes.append(convention_note(result.convention))
    if result.invalid:
        notes.append(
            sentences(
                ngettext(
                    "{count} point of the grid is no network and is left out.",
                    "{count} points of the grid are no network and are left out.",
                    result.invalid,
                ).format(count=f"{result.invalid:,}"),
                _("The first: {reason}.").format(reason=visible(result.first_invalid or "")),
            )
        )
    if result.where is not None:
        networks = result.points - result.invalid
        notes.append(
            ngettext(
                "{where} holds for {kept} of the {count} network.",
                "{where} holds for {kept} of the {count} networks.",
                networks,
            ).format(where=visible(result.where), kept=f"{len(result):,}", count=f"{networks:,}")
        )
    return notes


def _markdown(result: Sweep) -> str:
    head = [*(markdown_text(axis.name) for axis in result.axes), *_headings(result)]
    lines = [
        f"### {markdown_text(_title(result))}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["--:"] * len(head)) + "|",
    ]
    for point, values in result.rows():
        lines.append("| " + " | ".join(_cell(v) for v in (*point, *values)) + " |")
    lines.append("")
    for note in _notes(result):
        lines += [markdown_text(note), ""]
    return "\n".join(lines)


def _csv(result: Sweep) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(csv_cell(axis.name) for axis in result.axes), *result.metrics,
                     "convention"])  # fmt: skip
    coordinates = [
        column if all(isinstance(v, int) for v in axis.ends()) else list(map(value_text, column))
        for axis, column in zip(result.axes, result.coordinates(), strict=True)
    ]
    metrics = [result.columns[metric] for metric in result.metrics]
    writer.writerows(zip(*coordinates, *metrics, itertools.repeat(result.convention.value)))
    return out.getvalue()


def _json(result: Sweep) -> str:
    names = [axis.name for axis in result.axes]
    data: dict[str, Any] = {
        "name": result.network,
        "convention": result.convention.value,
        "grid": {axis.name: [_json_value(v) for v in axis.values] for axis in result.axes},
        "fixed": {name: _json_value(value) for name, value in result.fixed},
        "metrics": list(result.metrics),
        "where": result.where,
        "points": result.points,
        "invalid": result.invalid,
        "first_invalid": result.first_invalid,
        "filtered": result.filtered,
        "rows": [
            {
                "point": {name: _json_value(v) for name, v in zip(names, point, strict=True)},
                "totals": dict(zip(result.metrics, values, strict=True)),
            }
            for point, values in result.rows()
        ],
    }
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def _json_value(value: Exact) -> int | str:
    """An int as it is; a fraction as its text, ``"3/4"`` (JSON has no exact fractions)."""
    return value if isinstance(value, int) else value_text(value)
