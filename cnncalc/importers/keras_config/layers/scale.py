"""Layers that scale their input by trained weights, which cnncalc has no type for.

``LayerScale`` is ConvNeXt's (Keras 3 ``keras/src/applications/convnext.py``,
tf.keras 2 ``applications/convnext.py``): ``x · gamma``, a trainable ``gamma``
of ``projection_dim`` values, one per channel. It keeps its input's shape, so
it is left out and its weights are said.
"""

from __future__ import annotations

from cnncalc.importers.keras_config.layers.base import Call, Layer, Skip, Translator, Weights


def _layer_scale(call: Call) -> list[Layer]:
    """ConvNeXt's ``LayerScale(init_values, projection_dim)``: gamma, ``projection_dim`` values."""
    size = call.count("projection_dim")
    raise Skip("cnncalc has no per-channel scale layer",
               weights=Weights(trainable=size, names="gamma"))  # fmt: skip


TRANSLATORS: dict[str, Translator] = {"LayerScale": _layer_scale}
