"""Pooling layers (Keras API reference, "Pooling layers").

2-D max and average pooling, and global pooling of any rank; cnncalc has no
1-D or 3-D windowed pooling.
"""

from __future__ import annotations

from functools import partial

from cnncalc.i18n import N_
from cnncalc.importers.keras_config.layers.base import (
    Call,
    Layer,
    Translator,
    compact,
    not_expressible,
)


def _pool(call: Call, kind: str) -> list[Layer]:
    """Keras ``MaxPooling2D``/``AveragePooling2D``: ``strides`` defaults to
    ``pool_size``; ``same`` gives ``ceil(n/s)`` (Keras ``MaxPooling2D`` documentation)."""
    pool = call.sizes("pool_size", 2, 2)
    stride = call.sizes("strides", 2, pool)
    layer: Layer = {"type": kind, "kernel": compact(pool)}
    if stride != pool:
        layer["stride"] = compact(stride)
    if call.padding() == "same":
        layer["padding"] = "same"
    return [layer]


def _global_pool(call: Call, kind: str) -> list[Layer]:
    """Keras ``GlobalAveragePooling2D`` (1-D, 3-D alike): one value per map, flat
    ``(c,)`` unless ``keepdims`` (Keras ≥ 2.6) keeps ``(1, 1, c)``."""
    return [{"type": kind, "keepdims": True} if call.flag("keepdims", False) else {"type": kind}]


TRANSLATORS: dict[str, Translator] = {
    "MaxPooling2D": partial(_pool, kind="maxpool2d"),
    "AveragePooling2D": partial(_pool, kind="avgpool2d"),
    "MaxPooling1D": not_expressible(N_("1-D pooling")),
    "AveragePooling1D": not_expressible(N_("1-D pooling")),
    "MaxPooling3D": not_expressible(N_("3-D pooling")),
    "AveragePooling3D": not_expressible(N_("3-D pooling")),
    "GlobalAveragePooling1D": partial(_global_pool, kind="global_avgpool"),
    "GlobalAveragePooling2D": partial(_global_pool, kind="global_avgpool"),
    "GlobalAveragePooling3D": partial(_global_pool, kind="global_avgpool"),
    "GlobalMaxPooling1D": partial(_global_pool, kind="global_maxpool"),
    "GlobalMaxPooling2D": partial(_global_pool, kind="global_maxpool"),
    "GlobalMaxPooling3D": partial(_global_pool, kind="global_maxpool"),
}
