"""The training-memory section: what each layer saves for backward, and the step's memory.

``training_memory_table`` is the text, ``training_memory_json`` the JSON document's
content (snake_case keys, bytes as ints; a formula as its text on symbolic sizes).
"""

from __future__ import annotations

import sys
from typing import Any

from cnncalc.analysis import Report
from cnncalc.arith import Dim
from cnncalc.i18n import N_, _
from cnncalc.render.table_format import Grid, draw, fill
from cnncalc.render.text import byte_size, count, shape
from cnncalc.safe_text import visible
from cnncalc.saved_tensors import Kind, LayerSaved, SavedTensor, kind_dtype
from cnncalc.training_memory import TrainingMemory
from cnncalc.wrapping import width

INCLUDES = N_(
    "weights: parameters and buffers (index buffers int64); gradients: one per trainable "
    "parameter; optimizer state as torch.optim keeps it (momentum: 1 value per trainable "
    "parameter; Adam/AdamW: 2, and a 1-element fp32 step per parameter tensor); saved "
    "activations: the tensors autograd keeps for backward (math-path attention, "
    "non-in-place modules), each storage once; forward peak: saved tensors so far, outputs "
    "still to be read, the current layer's inputs and output; total: weights + gradients "
    "+ optimizer state + forward peak (gradients held through the forward)"
)
EXCLUDES = N_(
    "the backward pass's own peak, allocator rounding and caching, fragmentation, kernel "
    "workspaces (cuDNN), the CUDA context, temporaries autograd does not keep, the loss, "
    "mixed-precision master weights, Adam's amsgrad state"
)
OPTIMIZER_NAMES = {
    "sgd": "SGD",
    "momentum": N_("SGD with momentum"),
    "adam": "Adam",
    "adamw": "AdamW",
}
"""Each optimizer's name in the title (shown with ``_()``: only one has words to translate)."""


def training_memory_table(report: Report, memory: TrainingMemory) -> str:
    """Each layer's saved tensors and charged bytes, then the step's memory, line by line
    (``memory``: :func:`cnncalc.training_memory.training_memory` of ``report``)."""
    batch, device, optimizer = memory.batch, memory.device, memory.optimizer
    rows = [
        [visible(layer.name), visible(layer.type), _saves(layer, memory),
         count(layer.charged_bytes(batch, memory.dtype, device))]
        for layer in memory.layers
    ]  # fmt: skip
    layout = Grid(
        title="",
        headers=[_("Layer"), _("Type"), _("Saved for backward"), _("Bytes charged")],
        right=[False, False, False, True],
        rows=rows,
        footer=[_("Total"), "", _("each storage once"), count(memory.saved)],
        caption=_(
            "A tensor saved again (a ReLU's output, read by the next layer; a view's base) is "
            "charged to the first layer that saves it, named in brackets."
        ),
    )
    drawn = draw(layout, page=sys.maxsize, wrapper=fill)
    assert drawn is not None
    title = _(
        "{network}: training memory, batch {batch} of {shape}, activations {dtype}, "
        "weights {weight_dtype}, {optimizer}"
    ).format(
        network=visible(report.name),
        batch=count(batch),
        shape=shape(report.input_shape),
        dtype=memory.dtype,
        weight_dtype=memory.weight_dtype,
        optimizer=_(OPTIMIZER_NAMES[optimizer]),
    )
    lines = [title + drawn.rstrip("\n"), ""]
    for label, value in _summary(memory):
        size = byte_size(value)
        padding = " " * (58 - width(label))  # in columns: a Chinese character takes two
        lines.append(f"{label}{padding} {count(value):>20} B" + (f"  ({size})" if size else ""))
    if memory.unmodelled:
        names = ", ".join(visible(name) for name in memory.unmodelled)
        lines.append(_("Not modelled (counted as nothing): {names}").format(names=names))
    lines += fill(_("Includes: {items}.").format(items=_(INCLUDES)), 100)
    lines += fill(_("Excludes: {items}.").format(items=_(EXCLUDES)), 100)
    return "\n".join(lines) + "\n"


def training_memory_json(report: Report, memory: TrainingMemory) -> dict[str, Any]:
    """The same as a JSON-ready dict: per layer, what it saves and what is charged to it."""
    batch, device, optimizer = memory.batch, memory.device, memory.optimizer
    return {
        "name": report.name,
        "batch": _number(batch),
        "dtype": memory.dtype,
        "weight_dtype": memory.weight_dtype,
        "optimizer": optimizer,
        "device": device,
        "layers": [
            {
                "name": layer.name,
                "type": layer.type,
                "modelled": layer.modelled,
                "saved": [_tensor(t, memory) for t in layer.tensors],
                "charged_bytes": _number(layer.charged_bytes(batch, memory.dtype, device)),
            }
            for layer in memory.layers
        ],
        "total": {
            "weights": _number(memory.weights),
            "gradients": _number(memory.gradients),
            "optimizer_state": _number(memory.optimizer_state),
            "saved_activations": _number(memory.saved),
            "forward_peak": _number(memory.forward_peak),
            "forward_peak_layer": memory.peak_layer,
            "total": _number(memory.total),
        },
        "unmodelled": list(memory.unmodelled),
        "includes": INCLUDES,
        "excludes": EXCLUDES,
    }


def _summary(memory: TrainingMemory) -> list[tuple[str, Dim]]:
    where = (
        _("at {layer}").format(layer=visible(memory.peak_layer))
        if memory.peak_layer
        else _("where sizes decide")
    )
    return [
        (_("weights (parameters and buffers)"), memory.weights),
        (_("gradients (one per trainable parameter)"), memory.gradients),
        (
            _("optimizer state ({optimizer})").format(
                optimizer=_(OPTIMIZER_NAMES[memory.optimizer])
            ),
            memory.optimizer_state,
        ),
        (_("saved activations (for backward, each storage once)"), memory.saved),
        (_("forward peak of activations ({where})").format(where=where), memory.forward_peak),
        (_("total (weights + gradients + optimizer + forward peak)"), memory.total),
    ]


def _saves(layer: LayerSaved, memory: TrainingMemory) -> str:
    if not layer.modelled:
        return _("not modelled")
    parts = []
    for tensor in layer.tensors:
        text = visible(saved_name(tensor.what))
        if tensor.kind is not Kind.ACTIVATION:
            text += f" ({kind_dtype(tensor.kind, memory.dtype, memory.device)})"
        if not tensor.charged:
            text += f" [{visible(tensor.owner)}]"
        parts.append(text)
    return ", ".join(parts) or _("nothing")


def saved_name(what: str) -> str:
    """A saved tensor's name (:attr:`SavedTensor.what`) in the language spoken: the words
    marked where :mod:`cnncalc.saved_tensors` names them, a trailing index (``input 1``,
    ``product 2``) kept as it is. JSON keeps the English name."""
    stem, _space, index = what.rpartition(" ")
    if stem and index.isdigit():
        return f"{_(stem)} {index}"
    return _(what)


def _tensor(tensor: SavedTensor, memory: TrainingMemory) -> dict[str, Any]:
    return {
        "what": tensor.what,
        "kind": tensor.kind.value,
        "dtype": kind_dtype(tensor.kind, memory.dtype, memory.device),
        "storage": tensor.storage,
        "bytes": _number(tensor.bytes(memory.batch, memory.dtype, memory.device)),
        "charged_to": tensor.owner,
    }


def _number(value: Dim) -> int | str:
    return value if isinstance(value, int) else str(value)
