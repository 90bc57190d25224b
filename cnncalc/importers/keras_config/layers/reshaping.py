"""Reshaping layers (Keras API reference, "Reshaping layers").

``Flatten``, ``Reshape`` and ``Permute`` (in cnncalc's channels-first order);
``ZeroPadding2D``, ``Cropping2D`` and ``UpSampling2D``. cnncalc has no 1-D or
3-D padding, cropping or upsampling.
"""

from __future__ import annotations

import math
from typing import Any

from cnncalc.i18n import N_
from cnncalc.importers.keras_config.layers.base import (
    BadField,
    Call,
    Layer,
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

    Keras reshapes its channels-last values in their order; cnncalc holds them
    channels first. So a channels-last map is permuted to Keras's order, reshaped
    to Keras's target, and permuted back to cnncalc's (``NAME.to_keras``,
    ``NAME.reshape``, ``NAME.from_keras``); a permute that moves only axes of
    size 1 keeps the values' order and folds into the reshape, so squeeze and
    excitation's ``Reshape((1, 1, c))`` of pooled ``(c,)`` is one ``reshape`` to
    ``[c, 1, 1]``. A one-axis target is a flatten (as :func:`_flatten`, the
    order differs, not the count); a reshape of the network input alone (Keras
    examples' ``Reshape((28, 28, 1), input_shape=(784,))``) makes its output the
    spec's input.
    """
    shape = call.shape()
    keras_target = _reshape_target(call, shape)
    target = _channels_first(keras_target, call.channels_first)
    if len(target) == 1:
        return [{"type": "flatten"}]
    if target == list(shape):
        return [{"type": "identity"}]
    if call.importer.reshape_input(call, target):
        return []
    if call.channels_first:
        return [{"type": "reshape", "shape": target}]
    to_keras = [*range(1, len(shape)), 0]
    from_keras = [len(target) - 1, *range(len(target) - 1)]
    layers: list[Layer] = []
    if not _keeps_order(shape, to_keras):
        layers.append({"name": f"{call.name}.to_keras", "type": "permute", "dims": to_keras})
    if _keeps_order(keras_target, from_keras):
        layers.append({"name": f"{call.name}.reshape", "type": "reshape", "shape": target})
    else:
        layers.append({"name": f"{call.name}.reshape", "type": "reshape",
                       "shape": keras_target})  # fmt: skip
        layers.append({"name": f"{call.name}.from_keras", "type": "permute", "dims": from_keras})
    if len(layers) == 1:
        del layers[0]["name"]
    return layers


def _channels_first(shape: list[Any], channels_first: bool) -> list[Any]:
    """A Keras shape (no batch axis) in cnncalc's order: the last axis first."""
    return shape if channels_first or len(shape) == 1 else [shape[-1], *shape[:-1]]


def _keeps_order(shape: Any, dims: list[int]) -> bool:
    """Whether permuting ``shape`` by ``dims`` keeps the values in their order: the axes
    of more than one value (or of an open size) stay in the same order."""
    moved = [axis for axis in dims if shape[axis] != 1]
    return moved == sorted(moved)


def _reshape_target(call: Call, shape: tuple[Any, ...]) -> list[Any]:
    """The target shape as Keras writes it, with its -1 worked out where the sizes are
    numbers (-1 stays where they are not: cnncalc's reshape works it out too)."""
    target = call.value("target_shape")
    if not (isinstance(target, list) and target and all(isinstance(t, int) for t in target)):
        raise BadField(f"field 'target_shape': expected sizes, got {show_shape(target)}")
    known = math.prod(t for t in target if t != -1)
    total = math.prod(shape)
    if -1 in target and isinstance(total, int) and known and total % known == 0:
        target = [total // known if t == -1 else t for t in target]
    return list(target)


def _permute(call: Call) -> list[Layer]:
    """Keras ``Permute(dims)``: output axis ``i`` is input axis ``dims[i]``, counting from
    1 over Keras's axes; as cnncalc's ``permute`` (from 0) over its channels-first
    axes, the same values in cnncalc's order."""
    dims = call.value("dims")
    rank = call.rank()
    if not (isinstance(dims, list) and sorted(dims) == list(range(1, rank + 1))):
        raise BadField(f"field 'dims': expected an order of the axes 1 to {rank}, got {dims}")
    keras = [axis - 1 for axis in dims]
    if call.channels_first or rank == 1:
        order = keras
    else:
        # cnncalc's axis of Keras's axis j: the last (the channels) is 0, the others j + 1.
        position = [j + 1 for j in range(rank - 1)] + [0]
        order = [position[keras[-1]], *(position[axis] for axis in keras[:-1])]
    if order == list(range(rank)):
        return [{"type": "identity"}]
    return [{"type": "permute", "dims": order}]


def _zeropad(call: Call) -> list[Layer]:
    """Keras ``ZeroPadding2D``: ``p``, ``(p_h, p_w)`` or ``((top, bottom), (left, right))``."""
    return [{"type": "zeropad2d", "padding": _borders(call, "padding", 1)}]


def _crop(call: Call) -> list[Layer]:
    """Keras ``Cropping2D``: ``c``, ``(c_h, c_w)`` or ``((top, bottom), (left, right))``
    cut from the borders (NASNet's ``((1, 0), (1, 0))``), cnncalc's ``crop2d``."""
    return [{"type": "crop2d", "cropping": _borders(call, "cropping", 0)}]


def _borders(call: Call, key: str, default: int) -> Any:
    """A 2-D border field as a spec writes it: one size, one per axis, or the pairs."""
    value = call.value(key, default)
    if isinstance(value, int) or (
        isinstance(value, list) and all(isinstance(v, int) for v in value)
    ):
        pairs = [[p, p] for p in call.sizes(key, 2, minimum=0)]
    elif isinstance(value, list) and len(value) == 2:
        pairs = [_pair(value[0], key), _pair(value[1], key)]
    else:
        raise BadField(f"field '{key}': expected ((top, bottom), (left, right)), got {value}")
    flat = [p for pair in pairs for p in pair]
    if len(set(flat)) == 1:
        return flat[0]
    if all(a == b for a, b in pairs):
        return [a for a, _ in pairs]
    return pairs


def _pair(value: Any, key: str) -> list[int]:
    """One axis of explicit padding or cropping, ``(before, after)``."""
    if isinstance(value, int):
        value = [value, value]
    if not (isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int) and v >= 0 for v in value)):  # fmt: skip
        raise BadField(f"field '{key}': expected (before, after) sizes, got {value}")
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
        call.note(
            N_("interpolation '{mode}' counted as nearest: cnncalc has nearest and bilinear"),
            mode=mode,
        )
    return [layer]


TRANSLATORS: dict[str, Translator] = {
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Permute": _permute,
    "ZeroPadding2D": _zeropad,
    "ZeroPadding1D": not_expressible(N_("1-D zero padding")),
    "ZeroPadding3D": not_expressible(N_("3-D zero padding")),
    "Cropping2D": _crop,
    **dict.fromkeys(("Cropping1D", "Cropping3D"), not_expressible(N_("1-D or 3-D cropping"))),
    "UpSampling2D": _upsample,
    "UpSampling1D": not_expressible(N_("1-D upsampling")),
    "UpSampling3D": not_expressible(N_("3-D upsampling")),
}
