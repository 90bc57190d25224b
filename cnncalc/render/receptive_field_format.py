"""The receptive-field report (``cnncalc SPEC --receptive-field``): a table or JSON.

Per layer and spatial axis: the field's size, its jump (the input positions
between neighbouring outputs' fields) and where output position 0's field starts
(negative: in the padding). ``whole`` where a layer sees the whole input,
``unknown`` (with the layer that made it so) where cnncalc does not derive it.
"""

from __future__ import annotations

import json
from typing import Any

from cnncalc.analysis import Report
from cnncalc.arith import Dim
from cnncalc.receptive_field import ReceptiveField, receptive_fields
from cnncalc.render.table_format import Grid, draw
from cnncalc.render.text import count, layer_shape, shape
from cnncalc.safe_text import visible

CAPTION = (
    "Receptive field: the input positions output position 0 sees, per spatial axis "
    "(size, jump between neighbouring outputs, first position; negative: padding), as "
    "Araujo et al., Distill 2019, compute it. A merge takes the union of its branches "
    "(* where their grids do not align)."
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
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    rows = [
        [visible(layer.name), visible(layer.type), layer_shape(layer), *_cells(fields[layer.name])]
        for layer in report.layers
    ]
    title = f"{visible(report.name)}: receptive fields in the input {shape(report.input_shape)}"
    layout = Grid(
        title="",
        headers=["Layer", "Type", "Output shape", "Field", "Jump", "Start"],
        right=[False, False, True, True, True, True],
        rows=rows,
        footer=[],
        caption=CAPTION,
    )
    drawn = draw(layout, page=10_000)  # no page limit, no title to be wider than the grid
    assert drawn is not None
    return title + drawn


def _cells(field: ReceptiveField) -> list[str]:
    if field.kind == "whole":
        return ["whole input", "", ""]
    if field.kind == "unknown":
        return ["unknown", "", visible(field.why)]
    mark = "*" if field.misaligned else ""
    return [
        "×".join(count(axis.size) for axis in field.axes) + mark,
        "×".join(count(axis.jump) for axis in field.axes),
        ", ".join(count(axis.start) for axis in field.axes),
    ]


def _json(field: ReceptiveField) -> Any:
    if field.kind != "axes":
        return {"kind": field.kind, **({"why": field.why} if field.why else {})}
    return {
        "kind": "axes",
        "size": [_number(axis.size) for axis in field.axes],
        "jump": [_number(axis.jump) for axis in field.axes],
        "start": [_number(axis.start) for axis in field.axes],
        **({"misaligned": True} if field.misaligned else {}),
    }


def _number(value: Dim) -> int | str:
    return value if isinstance(value, int) else str(value)
