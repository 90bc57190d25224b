"""The training-step report (``cnncalc SPEC --training [--batch N] [--samples N]``): a table
or JSON; with ``--samples``, each layer's and the total FLOPs of an epoch too."""

from __future__ import annotations

import json
import sys
from typing import Any

from cnncalc.analysis import Report
from cnncalc.arith import Dim
from cnncalc.i18n import N_, _, ngettext
from cnncalc.render.table_format import Grid, draw, fill
from cnncalc.render.text import count, sentences, shape
from cnncalc.safe_text import json_safe, visible
from cnncalc.training import TrainingFlops, epoch_steps, training_flops

CAPTION = N_(
    "Training FLOPs of one step, as PyTorch's FlopCounterMode counts them around "
    "loss.backward(): 2 per multiply-accumulate of convolutions, linear layers and matrix "
    "products; backward, the input's gradient (none for the first layer's input) and the "
    "weights' (none without trainable parameters, none for a frozen layer), each as many as "
    "the forward; no layer before the first trainable one needs its input's gradient. "
    "FlopCounterMode itself counts a grouped convolution's weight gradient g times over."
)


def render_training(report: Report, fmt: str, batch: int, samples: int | None = None) -> str:
    """Each layer's forward and backward FLOPs for a step on ``batch`` samples, and the sum;
    with ``samples``, each layer's FLOPs in an epoch over that many samples too."""
    steps = training_flops(report)
    rows = [(layer.name, layer.type, steps[layer.name]) for layer in report.layers]
    totals = TrainingFlops(
        sum(s.forward for _, _, s in rows),
        sum(s.input_grad for _, _, s in rows),
        sum(s.weight_grad for _, _, s in rows),
    )
    if fmt == "json":
        data: dict[str, Any] = {"name": report.name, "batch": batch}
        if samples is not None:
            data["samples"], data["steps"] = samples, epoch_steps(samples, batch)[0]
        data["layers"] = [
            {"name": layer.name, "frozen": layer.frozen, "training": _json(step, batch)}
            | ({"epoch": _json(step, samples)} if samples is not None else {})
            for layer, (_, _, step) in zip(report.layers, rows, strict=True)
        ]
        data["total"] = _json(totals, batch)
        if samples is not None:
            data["epoch"] = _json(totals, samples)
        return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
    title = _("{network}: one training step, batch {batch} of {shape}").format(
        network=visible(report.name), batch=batch, shape=shape(report.input_shape)
    )
    epoch = [] if samples is None else [_("Epoch")]
    flops = [_("Forward"), _("Backward: input"), _("Backward: weights"), _("Step"), *epoch]
    layout = Grid(
        title="",
        headers=[_("Layer"), _("Type"), *flops],
        right=[False, False, *(True for _ in flops)],
        rows=[
            [visible(name), visible(kind), *_cells(step, batch, samples)]
            for name, kind, step in rows
        ],
        footer=[_("Total"), "", *_cells(totals, batch, samples)],
        caption=sentences(_(CAPTION), "" if samples is None else epoch_note(samples, batch)),
    )
    drawn = draw(
        layout, page=sys.maxsize, wrapper=fill
    )  # no page limit, no title to be wider than the grid
    assert drawn is not None
    return title + drawn


def epoch_note(samples: int, batch: int) -> str:
    """What the Epoch column counts, with the epoch's steps and its last step's samples."""
    steps, last = epoch_steps(samples, batch)
    partial = (
        _(", the last of {last} (it counts its own samples)").format(last=f"{last:,}")
        if last != batch
        else ""
    )
    return ngettext(
        "Epoch: {samples} samples in {steps} step of {batch}{partial}: {samples} times a "
        "sample's FLOPs.",
        "Epoch: {samples} samples in {steps} steps of {batch}{partial}: {samples} times a "
        "sample's FLOPs.",
        steps,
    ).format(samples=f"{samples:,}", steps=f"{steps:,}", batch=f"{batch:,}", partial=partial)


def _cells(step: TrainingFlops, batch: int, samples: int | None) -> list[str]:
    values = (step.forward, step.input_grad, step.weight_grad, step.total)
    epoch = [] if samples is None else [count(samples * step.total)]
    return [*(count(batch * value) for value in values), *epoch]


def _json(step: TrainingFlops, batch: int) -> dict[str, Any]:
    values = (step.forward, step.input_grad, step.weight_grad, step.total)
    keys = ("forward", "input_grad", "weight_grad", "total")
    return {key: _number(batch * value) for key, value in zip(keys, values, strict=True)}


def _number(value: Dim) -> int | str:
    return value if isinstance(value, int) else str(value)
