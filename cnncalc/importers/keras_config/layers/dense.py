"""Keras ``Dense`` (Keras API reference, "Core layers")."""

from __future__ import annotations

from cnncalc.importers.keras_config.layers.activation import activation
from cnncalc.importers.keras_config.layers.base import (
    Call,
    Layer,
    Translator,
    Weights,
    bias,
)


def _dense(call: Call) -> list[Layer]:
    """Keras ``Dense``: a kernel ``(n, units)`` and ``units`` biases on the last axis.

    Keras applies it at every position of a larger input ("the dense layer will
    operate along the last axis", Keras ``Dense`` documentation): ConvNeXt's MLP on
    ``(h, w, c)``. That axis is cnncalc's ``dense`` ``axis: 0`` on the channels-first
    ``[c, h, w]`` (and ``-1`` in a channels-first model), with the same parameters
    and products.
    """
    units = call.count("units")
    layer: Layer = {"type": "dense", "units": units}
    if call.rank() > 1:
        layer["axis"] = -1 if call.channels_first else 0
    return [layer | bias(call) | activation(call)]


def _weights(call: Call, units: int) -> Weights | None:
    """Keras's kernel ``(n, units)`` on the last axis of ``n`` values, and the bias."""
    last = call.keras_shape()[-1]
    if not isinstance(last, int):
        return None
    biases = units if call.flag("use_bias", True) else 0
    return Weights(
        trainable=last * units + biases, names=("kernel", "bias") if biases else ("kernel",)
    )


TRANSLATORS: dict[str, Translator] = {"Dense": _dense}
