"""Layers that scale their input: by trained weights, or by a constant.

``LayerScale`` is ConvNeXt's (Keras 3 ``keras/src/applications/convnext.py``,
tf.keras 2 ``applications/convnext.py``): ``x · gamma``, a trainable ``gamma``
of ``projection_dim`` values on the last axis, cnncalc's ``layer_scale``.
``CustomScaleLayer`` is InceptionResNetV2's (Keras 3
``keras/src/applications/inception_resnet_v2.py``): ``x[0] + x[1] · scale`` of
two tensors, a constant ``scale`` and no weights. ``Rescaling`` (a preprocessing
layer) is ``x · scale + offset`` with constants.
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
)
from cnncalc.importers.keras_config.messages import show


def _layer_scale(call: Call) -> list[Layer]:
    """ConvNeXt's ``LayerScale(init_values, projection_dim)``: gamma, ``projection_dim``
    values multiplying the last Keras axis, which is cnncalc's axis 0 on a
    channels-last map (the channels) and the last axis otherwise."""
    size = call.count("projection_dim")
    last = call.keras_shape()[-1]
    if last != size:
        raise Skip(
            N_("its projection_dim {size} is not the size of the last axis, {last}"),
            weights=Weights(trainable=size, names=("gamma",)), size=size, last=last,
        )  # fmt: skip
    axis = -1 if call.channels_first and call.rank() > 1 else 0
    return [{"type": "layer_scale"} | ({"axis": axis} if axis else {})]


def _custom_scale(call: Call) -> list[Layer]:
    """InceptionResNetV2's ``CustomScaleLayer(scale)``: ``x[0] + x[1] · scale``, as a
    ``scalar`` multiply of the second input (``NAME.scale``) and an ``add``."""
    if len(call.sources) != 2:
        raise Skip(N_("it reads {count} tensors, not two"), keeps_shape=None,
                   weights=NO_WEIGHTS, count=len(call.sources))  # fmt: skip
    scale = call.value("scale")
    if not isinstance(scale, int | float) or isinstance(scale, bool):
        raise Skip(N_("its scale {scale} is not a number"), keeps_shape=None,
                   weights=NO_WEIGHTS, scale=show(scale))  # fmt: skip
    scaled = f"{call.name}.scale"
    return [
        {"name": scaled, "type": "scalar", "op": "multiply", "value": scale,
         "input": call.sources[1]},
        {"name": call.name, "type": "add", "inputs": [call.sources[0], scaled]},
    ]  # fmt: skip


def _rescaling(call: Call) -> list[Layer]:
    """Keras ``Rescaling(scale, offset)``: ``x · scale + offset``, as a ``scalar``
    multiply and a ``scalar`` add (``NAME.scale`` and ``NAME.offset`` when both are
    there), no weights. A scale per channel (a list) has no cnncalc type."""
    scale, offset = call.value("scale"), call.value("offset", 0.0)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (scale, offset)):
        raise Skip(N_("a scale or offset per value: cnncalc's scalar takes one number"),
                   weights=NO_WEIGHTS)  # fmt: skip
    layers: list[Layer] = []
    if scale != 1:
        layers.append({"type": "scalar", "op": "multiply", "value": scale})
    if offset != 0:
        layers.append({"type": "scalar", "op": "add", "value": offset})
    if len(layers) == 2:
        layers = [{"name": f"{call.name}.{part}"} | layer
                  for part, layer in zip(("scale", "offset"), layers, strict=True)]  # fmt: skip
    return layers or [{"type": "identity"}]


TRANSLATORS: dict[str, Translator] = {
    "Rescaling": _rescaling,
    "LayerScale": _layer_scale,
    "CustomScaleLayer": _custom_scale,
}
