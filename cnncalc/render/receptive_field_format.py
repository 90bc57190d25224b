"""The receptive-field report (``cnncalc SPEC --receptive-field``): a table or JSON.

Per layer and spatial axis: the field's size, its jump (the input positions
between neighbouring outputs' fields) and where output position 0's field starts
(negative: in the padding). ``whole`` where a layer sees the whole input,
``unknown`` (with the layer that made it so) where cnncalc does not derive it.
After an upsampling or a transposed convolution the field repeats only every few
outputs: the table then adds a ``Repeats`` column (every how many outputs), the
field is the largest over the outputs, the jump the mean step (a fraction,
``1/2``) and the start output 0's; JSON adds ``period``, ``advance`` (input
positions between outputs a period apart) and ``phases`` (each output of the
first period: its first and last input position, or null where it reads none).
"""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from typing import Any

from cnncalc.analysis import Report
from cnncalc.arith import Dim
from cnncalc.i18n import N_, _
from cnncalc.receptive_field import (
    ReceptiveField,
    as_periodic,
    mean_jump,
    period,
    receptive_fields,
)
from cnncalc.render.table_format import Grid, draw, fill
from cnncalc.render.text import count, layer_shape, sentences, shape
from cnncalc.safe_text import json_safe, visible

CAPTION = N_(
    "Receptive field: the input positions output position 0 sees, per spatial axis "
    "(size, jump between neighbouring outputs, first position; negative: padding), as "
    "Araujo et al., Distill 2019, compute it. A merge takes the union of its branches "
    "(* where their grids do not align)."
)

RESIZE_CAPTION = N_(
    "After an upsampling or a transposed convolution the field repeats every few outputs "
    "(Repeats): Field is the largest over the outputs, Jump the mean step, Start output 0's."
)


def render_receptive_fields(report: Report, fmt: str) -> str:
    """The fields as a table (``table``) or JSON (``json``: ``receptive_field`` per layer)."""
    fields = receptive_fields(report)
    if fmt == "json":
        data = {
            "name": report.name,
            "layers": [
                {"name": layer.name, "receptive_field": _json(fields[layer.name])}
                for layer in report.layers
            ],
        }
        return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
    rows = [
        [visible(layer.name), visible(layer.type), layer_shape(layer), *_cells(fields[layer.name])]
        for layer in report.layers
    ]
    headers = [_("Layer"), _("Type"), _("Output shape"), _("Field"), _("Jump"), _("Start")]
    caption = _(CAPTION)
    periods = [_period_cell(fields[layer.name]) for layer in report.layers]
    if any(periods):  # only networks with a resize: the others' table stays as it was
        rows = [[*row, repeats] for row, repeats in zip(rows, periods, strict=True)]
        headers.append(_("Repeats"))
        caption = sentences(caption, _(RESIZE_CAPTION))
    title = _("{network}: receptive fields in the input {shape}").format(
        network=visible(report.name), shape=shape(report.input_shape)
    )
    layout = Grid(
        title="",
        headers=headers,
        right=[False, False] + [True] * (len(headers) - 2),
        rows=rows,
        footer=[],
        caption=caption,
    )
    drawn = draw(
        layout, page=sys.maxsize, wrapper=fill
    )  # no page limit, no title to be wider than the grid
    assert drawn is not None
    return title + drawn


def _cells(field: ReceptiveField) -> list[str]:
    if field.kind == "whole":
        return [_("whole input"), "", ""]
    if field.kind == "unknown":
        return [_("unknown"), "", visible(field.reason())]
    mark = "*" if field.misaligned else ""
    return [
        "×".join(count(axis.size) for axis in field.axes) + mark,
        "×".join(_jump(mean_jump(axis)) for axis in field.axes),
        ", ".join(count(axis.start) for axis in field.axes),
    ]


def _json(field: ReceptiveField) -> Any:
    if field.kind != "axes":
        return {"kind": field.kind, **({"why": field.why} if field.why else {})}
    return {
        "kind": "axes",
        "size": [_number(axis.size) for axis in field.axes],
        "jump": [_number(mean_jump(axis)) for axis in field.axes],
        "start": [_number(axis.start) for axis in field.axes],
        **({"misaligned": True} if field.misaligned else {}),
        **_periodic_json(field),
    }


def _periodic_json(field: ReceptiveField) -> dict[str, Any]:
    """``period``, ``advance`` and ``phases`` per axis, where the field repeats every few
    outputs (a plain axis: period 1, its jump, output 0's span)."""
    if period(field) is None:
        return {}
    per_axis = [as_periodic(axis) for axis in field.axes]
    assert all(p is not None for p in per_axis)  # a resize's fields are whole numbers
    return {
        "period": [p.period for p in per_axis if p is not None],
        "advance": [p.advance for p in per_axis if p is not None],
        "phases": [
            [None if span is None else list(span) for span in p.phases]
            for p in per_axis
            if p is not None
        ],
    }


def _period_cell(field: ReceptiveField) -> str:
    periods = period(field) if field.kind == "axes" else None
    if periods is None:
        return ""
    return _("every {period}").format(period="×".join(count(p) for p in periods))


def _jump(value: Dim | Fraction) -> str:
    return str(value) if isinstance(value, Fraction) else count(value)


def _number(value: Dim | Fraction) -> int | str:
    return value if isinstance(value, int) else str(value)
