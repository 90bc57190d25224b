"""Layers that pass their input through at inference, with no parameters.

Keras API reference, "Regularization layers" (``Dropout`` and its kin,
``GaussianNoise``, ``ActivityRegularization``), ``Identity`` ("Core layers"),
and the preprocessing layers ``Random*`` (augmentation,
the identity at inference).
"""

from __future__ import annotations

from cnncalc.importers.keras_config.layers.base import Call, Layer, Translator


def _dropout(call: Call) -> list[Layer]:
    """Keras ``Dropout`` and its kin (``SpatialDropout2D``, ``GaussianDropout``,
    ``AlphaDropout``): the identity at inference, no parameters."""
    rate = call.node.config.get("rate")
    valid = isinstance(rate, int | float) and not isinstance(rate, bool) and 0 <= rate < 1
    return [{"type": "dropout", "rate": rate} if valid else {"type": "dropout"}]


def _identity(call: Call) -> list[Layer]:
    """Layers that are the identity at inference (``GaussianNoise``, ``RandomFlip``, …)."""
    return [{"type": "identity"}]


_DROPOUTS = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
             "GaussianDropout", "AlphaDropout")  # fmt: skip
_RANDOM_AUGMENTATIONS = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
                         "RandomContrast", "RandomBrightness")  # fmt: skip

TRANSLATORS: dict[str, Translator] = {
    **dict.fromkeys(_DROPOUTS, _dropout),
    "GaussianNoise": _identity,
    "ActivityRegularization": _identity,
    "Identity": _identity,
    **dict.fromkeys(_RANDOM_AUGMENTATIONS, _identity),
}
