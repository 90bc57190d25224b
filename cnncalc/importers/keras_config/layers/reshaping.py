"""Reshaping layers (Keras API reference, "Reshaping layers").

``Flatten``, ``Reshape`` and ``Permute`` where cnncalc can say them;
``ZeroPadding2D`` and ``UpSampling2D``. cnncalc has no cropping and no 1-D or
3-D padding or upsampling.
"""

from __future__ import annotations

import math
from typing import Any

from cnncalc.importers.keras_config.layers.base import (
    NO_WEIGHTS,
    BadField,
    Call,
    Layer,
    Skip,
    Translator,
    compact,
    not_expressible,
)
from cnncalc.importers.keras_config.messages import show_shape


def _flatten(call: Call) -> list[Layer]:
    """Keras ``Flatten``: ``(h, w, c)`` to ``(h·w·c,)``; the order differs, not the count."""
    return [{"type": "flatten"}]


def _reshape(call: Call) -> list[Layer]:
    """Keras ``Reshape(target_shape)`` (no batch axis; one size may be -1).

    cnncalc has no general reshape: a one-axis target is a flatten, an unchanged
    shape is nothing, and a reshape of the network input alone (Keras examples'
    ``Reshape((28, 28, 1), input_shape=(784,))``) makes its output the spec's input.
    """
    shape = call.shape()
    target = _reshape_target(call, shape)
    if len(target) == 1:
        return [{"type": "flatten"}]
    if target == list(shape):
        return [{"type": "identity"}]
    if call.importer.reshape_input(call, target):
        return []
    raise Skip(f"cnncalc has no reshape to {show_shape([None, *call.value('target_shape')])}",
               keeps_shape=False, weights=NO_WEIGHTS)  # fmt: skip


def _reshape_target(call: Call, shape: tuple[Any, ...]) -> list[Any]:
    """The target shape channels first, with its -1 worked out where the sizes are numbers."""
    target = call.value("target_shape")
    if not (isinstance(target, list) and target and all(isinstance(t, int) for t in target)):
        raise BadField(f"field 'target_shape': expected sizes, got {show_shape(target)}")
    known = math.prod(t for t in target if t != -1)
    total = math.prod(shape)
    if -1 in target and isinstance(total, int) and known and total % known == 0:
        target = [total // known if t == -1 else t for t in target]
    if len(target) > 1 and not call.channels_first:
        target = [target[-1], *target[:-1]]
    return target


def _permute(call: Call) -> list[Layer]:
    """Keras ``Permute``: only the identity permutation is expressible."""
    dims = call.value("dims")
    if dims == list(range(1, call.rank() + 1)):
        return [{"type": "identity"}]
    raise Skip(f"cnncalc has no permute (dims {dims})", keeps_shape=False, weights=NO_WEIGHTS)


def _zeropad(call: Call) -> list[Layer]:
    """Keras ``ZeroPadding2D``: ``p``, ``(p_h, p_w)`` or ``((top, bottom), (left, right))``."""
    value = call.value("padding", 1)
    if isinstance(value, int) or (
        isinstance(value, list) and all(isinstance(v, int) for v in value)
    ):
        pairs = [[p, p] for p in call.sizes("padding", 2, minimum=0)]
    elif isinstance(value, list) and len(value) == 2:
        pairs = [_pair(value[0]), _pair(value[1])]
    else:
        raise BadField(f"field 'padding': expected ((top, bottom), (left, right)), got {value}")
    flat = [p for pair in pairs for p in pair]
    if len(set(flat)) == 1:
        return [{"type": "zeropad2d", "padding": flat[0]}]
    if all(a == b for a, b in pairs):
        return [{"type": "zeropad2d", "padding": [a for a, _ in pairs]}]
    return [{"type": "zeropad2d", "padding": pairs}]


def _pair(value: Any) -> list[int]:
    """One axis of explicit padding, ``(before, after)``."""
    if isinstance(value, int):
        value = [value, value]
    if not (isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int) and v >= 0 for v in value)):  # fmt: skip
        raise BadField(f"field 'padding': expected (before, after) sizes, got {value}")
    return list(value)


def _upsample(call: Call) -> list[Layer]:
    """Keras ``UpSampling2D``: ``size`` per axis; ``nearest`` or ``bilinear`` (Keras also
    has ``bicubic``, ``area``, ``lanczos3``, …, which cnncalc counts as nearest)."""
    size = call.sizes("size", 2, 2)
    layer: Layer = {"type": "upsample"}
    if size != [2, 2]:
        layer["scale"] = compact(size)
    mode = call.text("interpolation", "nearest")
    if mode == "bilinear":
        layer["mode"] = "bilinear"
    elif mode != "nearest":
        call.note(f"interpolation '{mode}' counted as nearest: cnncalc has nearest and bilinear")
    return [layer]


TRANSLATORS: dict[str, Translator] = {
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Permute": _permute,
    "ZeroPadding2D": _zeropad,
    "ZeroPadding1D": not_expressible("1-D zero padding"),
    "ZeroPadding3D": not_expressible("3-D zero padding"),
    **dict.fromkeys(("Cropping1D", "Cropping2D", "Cropping3D"), not_expressible("cropping")),
    "UpSampling2D": _upsample,
    "UpSampling1D": not_expressible("1-D upsampling"),
    "UpSampling3D": not_expressible("3-D upsampling"),
}
