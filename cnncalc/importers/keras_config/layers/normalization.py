"""Normalization layers (Keras API reference, "Normalization layers"), and the
preprocessing ``Normalization``, whose statistics are weights too.

A layer left out says the weights it holds, as Keras's ``build`` makes them
(Keras 3 ``keras/src/layers/normalization/``, tf.keras 2 agrees): gamma and
beta trainable, moving statistics non-trainable, one each per normalised value.
"""

from __future__ import annotations

from cnncalc.i18n import N_
from cnncalc.importers.keras_config.layers.base import (
    NO_WEIGHTS,
    Call,
    Layer,
    Skip,
    Translator,
    Weights,
    parameter_free,
)
from cnncalc.importers.skipped import reason


def _affine_weights(size: int | None, gamma: bool, beta: bool) -> Weights | None:
    """gamma and/or beta over ``size`` values (None: a size the config leaves open)."""
    if size is None:
        return None
    names = [name for name, kept in (("gamma", gamma), ("beta", beta)) if kept]
    return Weights(trainable=size * len(names), names=tuple(names))


def _batchnorm_weights(call: Call, size: int | None) -> Weights | None:
    """Keras ``BatchNormalization.build``: gamma (``scale``) and beta (``center``)
    trainable, moving mean and variance non-trainable, each of ``size`` values."""
    if size is None:
        return None
    kept = (("gamma", call.flag("scale", True)), ("beta", call.flag("center", True)))
    names = [name for name, on in kept if on] + ["moving_mean", "moving_variance"]
    trainable = size * (len(names) - 2)
    return Weights(trainable=trainable, non_trainable=2 * size, names=tuple(names))


def _batchnorm(call: Call) -> list[Layer]:
    """Keras ``BatchNormalization``: gamma (``scale``) and beta (``center``) trainable,
    moving mean and variance non-trainable, one each per channel (``summary()``:
    4·c on c channels, 2·c of them non-trainable). ``renorm`` adds a moving stddev
    and renorm mean and stddev (Keras 3 and tf.keras 2 ``BatchNormalization.build``)."""
    if not call.channel_axes("axis"):
        raise Skip(
            N_("normalises axis {axis}, not the channels"),
            weights=_batchnorm_weights(call, call.axes_size("axis")),
            axis=call.value("axis", -1),
        )
    layer: Layer = {"type": "batchnorm"}
    if not call.flag("center", True):
        layer["center"] = False
    if not call.flag("scale", True):
        layer["scale"] = False
    if call.flag("renorm", False):
        channels = call.axes_size("axis")
        count = f"{3 * channels:,}" if channels is not None else reason(N_("3 per channel"))
        call.note(
            N_(
                "renorm's moving stddev, renorm mean and renorm stddev ({count} non-trainable "
                "parameters) left out: cnncalc counts batch norm's usual four"
            ),
            Weights(non_trainable=3 * channels) if channels is not None else NO_WEIGHTS,
            count=count,
        )
    return [layer]


def _affine(call: Call, kind: str, size: int | None) -> bool:
    """Whether the layer has gamma and beta; cnncalc's ``kind`` has both or neither.

    Keras 3's LayerNormalization ``rms_scaling`` keeps gamma only. ``size``: the
    values each of gamma and beta holds, for the message when the layer is left out.
    """
    center, scale = call.flag("center", True), call.flag("scale", True)
    rms = kind == "layernorm" and call.flag("rms_scaling", False)
    if rms or center != scale:
        raise Skip(
            N_("a scale without a shift (or the reverse): cnncalc's {kind} has both or neither"),
            weights=_affine_weights(size, scale or rms, center and not rms),
            kind=kind,
        )
    return center


def _layernorm(call: Call) -> list[Layer]:
    """Keras ``LayerNormalization``: gamma and beta over the ``axis`` axes (the channels
    by default: 2·c). Keras 3's ``rms_scaling`` keeps gamma only."""
    affine = _affine(call, "layernorm", call.axes_size("axis"))
    value = call.value("axis", -1)
    axes = sorted(a % (call.rank() + 1) for a in (value if isinstance(value, list) else [value]))
    if call.channel_axes("axis"):
        over = "channels"
    elif axes == list(range(1, call.rank() + 1)):
        over = "all"
    else:
        raise Skip(
            N_("normalises axes {value}: cnncalc's layernorm takes the channels or all"),
            weights=_affine_weights(call.axes_size("axis"), affine, affine),
            value=value,
        )
    layer: Layer = {"type": "layernorm"}
    if over != "channels":
        layer["over"] = over
    return [layer if affine else layer | {"affine": False}]


def _groupnorm(call: Call) -> list[Layer]:
    """Keras ``GroupNormalization``: gamma and beta per channel; ``groups=-1`` is one
    group per channel (instance norm)."""
    if not call.channel_axes("axis"):
        size = call.axes_size("axis")
        center, scale = call.flag("center", True), call.flag("scale", True)
        raise Skip(
            N_("normalises axis {axis}, not the channels"),
            weights=_affine_weights(size, scale, center),
            axis=call.value("axis", -1),
        )
    affine = _affine(call, "groupnorm", call.axes_size("axis"))
    groups = call.value("groups", 32)
    groups = call.channels() if groups == -1 else call.count("groups", 32)
    layer: Layer = {"type": "groupnorm", "groups": groups}
    return [layer if affine else layer | {"affine": False}]


def _rms_normalization(call: Call) -> list[Layer]:
    """Keras 3 ``RMSNormalization``: a trainable ``scale`` over the ``axis`` axes."""
    size = call.axes_size("axis")
    weights = None if size is None else Weights(trainable=size, names=("scale",))
    raise Skip(N_("cnncalc has no RMS normalisation"), weights=weights)


def _normalization(call: Call) -> list[Layer]:
    """Keras ``Normalization`` (preprocessing): ``(x − mean)/√variance``, cnncalc's
    ``standardize``.

    Given ``mean`` and ``variance`` in the config, they are constants and the
    layer has no weights (``adapted: false``); otherwise (to be ``adapt()``-ed) it
    holds a mean and a variance per value along ``axis`` and a ``count``, all
    non-trainable: 2·c + 1 for the channels (Keras 3 ``Normalization.build``;
    ``summary()`` of one on 3 channels: 7, and 0 with ``mean`` and ``variance``
    given). Along another axis (or ``axis=None``, one of each) it is left out.
    """
    config = call.node.config
    constants = config.get("mean") is not None and config.get("variance") is not None
    # axis=None (one mean over all) is written as None by tf.keras 2, as [] by Keras 3.
    axis_none = "axis" in config and config["axis"] in (None, [])
    if not axis_none and call.channel_axes("axis"):
        return [{"type": "standardize"} | ({"adapted": False} if constants else {})]
    why = (reason(N_("normalises the whole sample as one (axis None)")) if axis_none
           else reason(N_("normalises axis {axis}, not the channels"),
                       axis=config.get("axis", -1)))  # fmt: skip
    if constants:
        raise Skip(N_("{reason}; its mean and variance are constants in the config"),
                   weights=NO_WEIGHTS, reason=why)  # fmt: skip
    size = 1 if axis_none else call.axes_size("axis")
    weights = None if size is None else Weights(non_trainable=2 * size + 1,
                                                names=("mean", "variance", "count"))  # fmt: skip
    raise Skip(why, weights=weights)


TRANSLATORS: dict[str, Translator] = {
    "BatchNormalization": _batchnorm,
    "LayerNormalization": _layernorm,
    "GroupNormalization": _groupnorm,
    "RMSNormalization": _rms_normalization,
    "UnitNormalization": parameter_free(N_("an L2 normalisation")),
    "Normalization": _normalization,
}
