"""Normalization layers (Keras API reference, "Normalization layers"), and the
preprocessing ``Normalization``, whose statistics are parameters too."""

from __future__ import annotations

from cnncalc.importers.keras_config.layers.base import (
    Call,
    Layer,
    Skip,
    Translator,
    parameter_free,
)


def _batchnorm(call: Call) -> list[Layer]:
    """Keras ``BatchNormalization``: gamma (``scale``) and beta (``center``) trainable,
    moving mean and variance non-trainable, one each per channel (``summary()``:
    4·c on c channels, 2·c of them non-trainable). ``renorm`` adds a moving stddev
    and renorm mean and stddev (tf.keras 2 ``BatchNormalizationBase.build``)."""
    if not call.channel_axes("axis"):
        raise Skip(
            f"normalises axis {call.value('axis', -1)}, not the channels: its parameters "
            "(4 per normalised value) are not counted"
        )
    layer: Layer = {"type": "batchnorm"}
    if not call.flag("center", True):
        layer["center"] = False
    if not call.flag("scale", True):
        layer["scale"] = False
    if call.flag("renorm", False):
        call.note("renorm's moving stddev, renorm mean and renorm stddev (3·c non-trainable "
                  "parameters) left out: cnncalc counts batch norm's usual four")  # fmt: skip
    return [layer]


def _affine(call: Call, kind: str) -> bool:
    """Whether the layer has gamma and beta; cnncalc's ``kind`` has both or neither.

    Keras 3's LayerNormalization ``rms_scaling`` keeps gamma only.
    """
    center, scale = call.flag("center", True), call.flag("scale", True)
    if (kind == "layernorm" and call.flag("rms_scaling", False)) or center != scale:
        raise Skip(f"a scale without a shift (or the reverse): cnncalc's {kind} has both "
                   "or neither, so its parameters are not counted")  # fmt: skip
    return center


def _layernorm(call: Call) -> list[Layer]:
    """Keras ``LayerNormalization``: gamma and beta over the ``axis`` axes (the channels
    by default: 2·c). Keras 3's ``rms_scaling`` keeps gamma only."""
    affine = _affine(call, "layernorm")
    value = call.value("axis", -1)
    axes = sorted(a % (call.rank() + 1) for a in (value if isinstance(value, list) else [value]))
    if call.channel_axes("axis"):
        over = "channels"
    elif axes == list(range(1, call.rank() + 1)):
        over = "all"
    else:
        raise Skip(f"normalises axes {value}: cnncalc's layernorm takes the channels or all")
    layer: Layer = {"type": "layernorm"}
    if over != "channels":
        layer["over"] = over
    return [layer if affine else layer | {"affine": False}]


def _groupnorm(call: Call) -> list[Layer]:
    """Keras ``GroupNormalization``: gamma and beta per channel; ``groups=-1`` is one
    group per channel (instance norm)."""
    if not call.channel_axes("axis"):
        raise Skip(f"normalises axis {call.value('axis', -1)}, not the channels")
    affine = _affine(call, "groupnorm")
    groups = call.value("groups", 32)
    groups = call.channels() if groups == -1 else call.count("groups", 32)
    layer: Layer = {"type": "groupnorm", "groups": groups}
    return [layer if affine else layer | {"affine": False}]


def _normalization(call: Call) -> list[Layer]:
    """Keras ``Normalization`` (preprocessing): ``(x − mean)/√variance`` with a mean,
    a variance and a count, non-trainable, for the channels by default (2·c + 1)."""
    if call.channel_axes("axis"):
        count = f"its {2 * call.channels() + 1} non-trainable parameters"
    else:
        count = "its non-trainable parameters"
    raise Skip(f"cnncalc has no preprocessing Normalization: {count} (mean, variance and "
               "count) are not counted")  # fmt: skip


TRANSLATORS: dict[str, Translator] = {
    "BatchNormalization": _batchnorm,
    "LayerNormalization": _layernorm,
    "GroupNormalization": _groupnorm,
    "UnitNormalization": parameter_free("an L2 normalisation"),
    "Normalization": _normalization,
}
