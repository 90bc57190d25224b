"""The inference memory report (``cnncalc SPEC --memory [--batch N] [--dtype D]``).

:func:`memory_table` gives the table section and :func:`memory_json` the JSON
document's data, so another section (training memory) can follow each;
:func:`render_memory` writes the whole report in one format.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from cnncalc.analysis import Report
from cnncalc.arith import Dim
from cnncalc.i18n import N_, _, pgettext
from cnncalc.memory import EXCLUDES, INCLUDES, InferenceMemory, LayerMemory, Peak, Storage
from cnncalc.render.table_format import Grid, draw, fill
from cnncalc.render.text import byte_size, count, shape
from cnncalc.safe_text import json_safe, visible

CAPTION = N_(
    "Bytes. Output: each layer's output tensors (views included). Storage: new, a view of "
    "its input's storage, or a reshape's copy (its input's strides forbid a view). Live: "
    "the activation bytes held while the layer runs (the inputs, its output and every "
    "output still to be read). In place: the layer overwrites its input in the in-place "
    "figure ('input kept': it could, but its input is read later or is the network's)."
)


def render_memory(
    report: Report,
    fmt: str,
    batch: int,
    dtype: str,
    weight_dtype: str | None = None,
    *,
    optimizer: str = "adam",
) -> str:
    """The inference memory of ``report`` (unfolded), then a training step's with
    ``optimizer``, as a table or JSON (the training section under ``"training"``)."""
    from cnncalc.memory import inference_memory
    from cnncalc.render.training_memory_format import (
        training_memory_json,
        training_memory_table,
    )
    from cnncalc.training_memory import training_memory

    memory = inference_memory(report, batch, dtype, weight_dtype)
    step = training_memory(report, batch, dtype, memory.weight_dtype, optimizer)
    if fmt == "json":
        data = memory_json(memory)
        data["training"] = training_memory_json(report, step)
        return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
    return memory_table(memory, report) + "\n" + training_memory_table(report, step)


def memory_table(memory: InferenceMemory, report: Report) -> str:
    """The per-layer table, then one line per figure, each saying what it counts."""
    title = _(
        "{network}: inference memory, batch {batch} of {shape}, activations {dtype}, "
        "weights {weight_dtype}"
    ).format(
        network=visible(memory.name),
        batch=memory.batch,
        shape=shape(report.input_shape),
        dtype=memory.dtype,
        weight_dtype=memory.weight_dtype,
    )
    layout = Grid(
        title="",
        headers=[
            _("Layer"),
            _("Type"),
            pgettext("bytes", "Params"),
            pgettext("bytes", "Buffers"),
            pgettext("bytes", "Output"),
            _("Storage"),
            _("Live"),
            _("In place"),
            _("Live in place"),
        ],
        right=[False, False, True, True, True, False, True, False, True],
        rows=[_row(layer) for layer in memory.layers],
        footer=[
            _("Total"),
            "",
            count(memory.param_bytes),
            count(memory.buffer_bytes),
            count(memory.output_bytes),
            "",
            "",
            "",
            "",
        ],
        caption=_(CAPTION),
    )
    drawn = draw(
        layout, page=sys.maxsize, wrapper=fill
    )  # no page limit, no title to be wider than the grid
    assert drawn is not None
    page = max(len(line) for line in drawn.splitlines())
    lines: list[str] = []
    for line in _summary(memory):
        lines += fill(line, page)
    return title + drawn + "\n".join(lines) + "\n"


def _row(layer: LayerMemory) -> list[str]:
    if layer.in_place_of is not None:
        in_place = pgettext("in place", "yes")
    else:
        in_place = _("input kept") if layer.in_place_able else ""
    return [
        visible(layer.name), visible(layer.type), count(layer.param_bytes),
        count(layer.buffer_bytes), count(layer.output_bytes), storage_text(layer.storage),
        count(layer.live), in_place, count(layer.live_in_place),
    ]  # fmt: skip


def storage_text(storage: Storage) -> str:
    """A layer's storage (``new``, ``view``, ``copy``, ``in place``) in the language spoken;
    JSON keeps the English word."""
    words = {
        "new": pgettext("storage", "new"),
        "view": pgettext("storage", "view"),
        "copy": pgettext("storage", "copy"),
        "in place": pgettext("storage", "in place"),
    }
    return words[storage]


def _summary(memory: InferenceMemory) -> list[str]:
    a, w = memory.dtype, memory.weight_dtype
    weights = memory.weight_bytes
    separator = pgettext("between items of a list", "; ")
    return [
        _("Parameters: {bytes}, at {dtype}.").format(bytes=_bytes(memory.param_bytes), dtype=w),
        _("Buffers: {bytes}, floating-point ones at {dtype}, integer ones as int64.").format(
            bytes=_bytes(memory.buffer_bytes), dtype=w
        ),
        _("Weights (parameters and buffers): {bytes}.").format(bytes=_bytes(weights)),
        _("Inputs: {bytes}, at {dtype}, held for the whole pass.").format(
            bytes=_bytes(memory.input_bytes), dtype=a
        ),
        _(
            "Activations: {bytes}, every layer's output at {dtype} summed (views included); "
            "no pass holds them all at once."
        ).format(bytes=_bytes(memory.output_bytes), dtype=a),
        _(
            "Peak inference activations: {bytes}{where}: the inputs and the layer outputs live "
            "at once, each output freed after its last reader, views sharing their input's "
            "storage, no layer in place."
        ).format(bytes=_bytes(memory.peak.bytes), where=_at(memory.peak)),
        _(
            "  with in-place layers: {bytes}{where}: every layer that can overwrite an input "
            "nothing reads later does."
        ).format(bytes=_bytes(memory.peak_in_place.bytes), where=_at(memory.peak_in_place)),
        _(
            "Peak inference memory: {bytes} (weights and peak activations); with in-place "
            "layers {in_place}."
        ).format(
            bytes=_bytes(weights + memory.peak.bytes),
            in_place=_bytes(weights + memory.peak_in_place.bytes),
        ),
        _("Includes: {items}.").format(items=separator.join(_(item) for item in INCLUDES)),
        _("Excludes: {items}.").format(items=separator.join(_(item) for item in EXCLUDES)),
    ]


def _at(peak: Peak) -> str:
    if peak.layer is None:
        return _(" (its layer depends on the sizes)")
    return _(" at '{layer}'").format(layer=visible(peak.layer))


def _formula(value: Dim) -> str:
    """A formula; a symbolic peak's ``Max`` term by term (tidying it whole would have sympy
    order its terms, quadratic in their number and slow)."""
    import sympy

    maxima = [term for term in sympy.Add.make_args(value) if isinstance(term, sympy.Max)]
    if not maxima:
        return count(value)
    rest = sympy.Add(*(t for t in sympy.Add.make_args(value) if not isinstance(t, sympy.Max)))
    parts = [f"max({', '.join(count(arg) for arg in term.args)})" for term in maxima]
    return " + ".join(([count(rest)] if rest != 0 else []) + parts)


def _bytes(value: Dim) -> str:
    """``51,114,064 B (48.7 MiB)``; a formula as it is."""
    if not isinstance(value, int):
        return f"{_formula(value)} B"
    size = byte_size(value)
    return f"{value:,} B ({size})" if size else f"{value:,} B"


def memory_json(memory: InferenceMemory) -> dict[str, Any]:
    """The report as JSON data: ints, or formulas as strings; keys in snake_case."""
    weights = memory.weight_bytes
    return {
        "name": memory.name,
        "batch": memory.batch,
        "dtype": memory.dtype,
        "weight_dtype": memory.weight_dtype,
        "layers": [_layer_json(layer) for layer in memory.layers],
        "total": {
            "param_bytes": _number(memory.param_bytes),
            "buffer_bytes": _number(memory.buffer_bytes),
            "weight_bytes": _number(weights),
            "input_bytes": _number(memory.input_bytes),
            "output_bytes": _number(memory.output_bytes),
        },
        "peak": {
            "activation_bytes": _number(memory.peak.bytes),
            "layer": memory.peak.layer,
            "total_bytes": _number(weights + memory.peak.bytes),
            "activation_bytes_in_place": _number(memory.peak_in_place.bytes),
            "layer_in_place": memory.peak_in_place.layer,
            "total_bytes_in_place": _number(weights + memory.peak_in_place.bytes),
        },
        "includes": list(INCLUDES),
        "excludes": list(EXCLUDES),
    }


def _layer_json(layer: LayerMemory) -> dict[str, Any]:
    return {
        "name": layer.name,
        "type": layer.type,
        "param_bytes": _number(layer.param_bytes),
        "buffer_bytes": _number(layer.buffer_bytes),
        "output_bytes": _number(layer.output_bytes),
        "storage": layer.storage,
        "live_bytes": _number(layer.live),
        "in_place_able": layer.in_place_able,
        "in_place_of": layer.in_place_of,
        "live_bytes_in_place": _number(layer.live_in_place),
    }


def _number(value: Dim) -> int | str:
    return value if isinstance(value, int) else str(value)
