"""Keras ``Dense`` (Keras API reference, "Core layers")."""

from __future__ import annotations

from cnncalc.importers.keras_config.layers.activation import activation
from cnncalc.importers.keras_config.layers.base import (
    Call,
    Layer,
    Skip,
    Translator,
    Weights,
    bias,
)


def _dense(call: Call) -> list[Layer]:
    """Keras ``Dense``: a kernel ``(n, units)`` and ``units`` biases on the last axis.

    On a flat input it is cnncalc's ``dense``. On ``(…, c)`` Keras applies it at
    every position, which is a 1×1 convolution on cnncalc's ``[c, …]`` with the same
    parameters and products (Keras ``Dense`` documentation: "the dense layer will
    operate along the last axis").
    """
    units = call.count("units")
    rank = call.rank()
    if rank == 1:
        return [{"type": "dense", "units": units} | bias(call) | activation(call)]
    if call.channels_first or rank > 4:
        raise Skip(f"Dense on a rank-{rank} input has no cnncalc equivalent", keeps_shape=False,
                   weights=_weights(call, units))  # fmt: skip
    call.comments.append(
        f"{call.name} (Dense) reads a {rank}-axis input: a 1×1 conv{rank - 1}d, which computes "
        "what Keras's Dense on the last axis does."
    )
    layer: Layer = {"type": f"conv{rank - 1}d", "filters": units, "kernel": 1}
    return [layer | bias(call) | activation(call)]


def _weights(call: Call, units: int) -> Weights | None:
    """Keras's kernel ``(n, units)`` on the last axis of ``n`` values, and the bias."""
    last = call.keras_shape()[-1]
    if not isinstance(last, int):
        return None
    biases = units if call.flag("use_bias", True) else 0
    return Weights(trainable=last * units + biases, names="kernel and bias" if biases else "kernel")


TRANSLATORS: dict[str, Translator] = {"Dense": _dense}
