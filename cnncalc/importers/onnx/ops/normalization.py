"""``BatchNormalization``, ``LayerNormalization``, ``InstanceNormalization``,
``GroupNormalization`` and ``LRN``.

Batch norm reads a scale, a shift, and the running mean and variance: the spec
is written with ``framework: pytorch``, which counts the first two as
parameters and the others as buffers, as PyTorch does. Layer normalisation
over the last axis is ``layernorm`` ``over: last`` (``nn.LayerNorm(d)``), from
axis 1 ``over: all``; instance norm is group norm of one channel per group.
"""

from __future__ import annotations

from cnncalc.i18n import N_
from cnncalc.importers.onnx.base import Layer, Skip, Step


def batch_norm(step: Step) -> list[Layer]:
    for index in range(1, 5):
        step.weight_dims(index)
    return [{"type": "batchnorm"}]


def layer_norm(step: Step) -> list[Layer]:
    rank = len(step.input_shape()) + 1
    axis = int(step.attribute("axis", -1)) % rank
    if axis == rank - 1 and rank > 2:
        over = "last"
    elif axis == 1:
        over = "all"
    else:
        raise Skip(N_("a layer norm from axis {axis}; cnncalc normalises the last axis or all"),
                   keeps_shape=True, axis=axis)  # fmt: skip
    if not step.has(1) or not step.has(2):
        raise Skip(N_("a layer norm with a scale but no shift"), keeps_shape=True)
    step.weight_dims(1)
    step.weight_dims(2)
    return [{"type": "layernorm", "over": over}]


def instance_norm(step: Step) -> list[Layer]:
    channels = step.weight_dims(1)[0]
    step.weight_dims(2)
    return [{"type": "groupnorm", "groups": channels}]


def group_norm(step: Step) -> list[Layer]:
    groups = int(step.attribute("num_groups", 0))
    scale = step.weight_dims(1)
    step.weight_dims(2)
    if groups < 1 or scale[0] != step.input_shape()[0]:
        raise Skip(N_("a group norm with a scale per group (opset 18's, deprecated)"),
                   keeps_shape=True)  # fmt: skip
    return [{"type": "groupnorm", "groups": groups}]


def lrn(step: Step) -> list[Layer]:
    return [{"type": "lrn", "size": int(step.attribute("size", 5))}]
