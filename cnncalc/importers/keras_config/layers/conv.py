"""Convolution layers (Keras API reference, "Convolution layers").

``Conv1D``–``Conv3D``, ``DepthwiseConv1D``/``2D``, ``SeparableConv1D``/``2D``
and ``Conv2DTranspose``; cnncalc has no 1-D or 3-D transposed convolution.
"""

from __future__ import annotations

import math
from functools import partial

from cnncalc.i18n import N_
from cnncalc.importers.keras_config.layers.activation import activation
from cnncalc.importers.keras_config.layers.base import (
    Call,
    Layer,
    Translator,
    Weights,
    bias,
    compact,
    not_expressible,
)


def _unless_ones(key: str, sizes: list[int]) -> Layer:
    """``{key: sizes}`` unless every size is 1, the default a spec leaves out."""
    return {} if set(sizes) == {1} else {key: compact(sizes)}


def _window(call: Call, rank: int, kernel: list[int]) -> Layer:
    """``stride``, ``padding`` and ``dilation`` of a convolution, where they differ from 1/valid.

    Keras's ``same`` gives ``ceil(n/s)`` outputs, cnncalc's ``same`` too; Conv1D's
    ``causal`` pads ``d·(k−1)`` on the left only (Keras ``Conv1D`` documentation).
    """
    stride = call.sizes("strides", rank, 1)
    dilation = call.sizes("dilation_rate", rank, 1)
    padding = call.padding(causal=rank == 1)
    layer = _unless_ones("stride", stride)
    if padding == "same":
        layer["padding"] = "same"
    elif padding == "causal":
        layer["padding"] = [[dilation[0] * (kernel[0] - 1), 0]]
    return layer | _unless_ones("dilation", dilation)


def _conv(call: Call, rank: int) -> list[Layer]:
    """Keras ``Conv1D``/``Conv2D``/``Conv3D``: a kernel ``(k…, c_in/groups, filters)``
    and a bias per filter, as cnncalc's ``conv{rank}d``."""
    kernel = call.sizes("kernel_size", rank)
    layer: Layer = {"type": f"conv{rank}d", "filters": call.count("filters")}
    layer["kernel"] = compact(kernel)
    layer |= _window(call, rank, kernel)
    if (groups := call.count("groups", 1)) != 1:
        layer["groups"] = groups
    return [layer | bias(call) | activation(call)]


def _depthwise(call: Call, rank: int) -> list[Layer]:
    """Keras ``DepthwiseConv2D``: ``depth_multiplier`` kernels per input map, a kernel
    ``(k…, c, m)`` and ``c·m`` biases; a convolution with ``groups = c`` and
    ``filters = c·m`` has the same weights (Keras ``DepthwiseConv2D`` documentation)."""
    kernel = call.sizes("kernel_size", rank)
    channels = call.channels()
    filters = channels * call.count("depth_multiplier", 1)
    layer: Layer = {"type": f"conv{rank}d", "filters": filters, "kernel": compact(kernel)}
    layer |= _window(call, rank, kernel) | {"groups": channels}
    return [layer | bias(call) | activation(call)]


def _separable(call: Call, rank: int) -> list[Layer]:
    """Keras ``SeparableConv2D``: a depthwise kernel ``(k…, c, m)``, a pointwise kernel
    ``(1…, c·m, filters)`` and a bias per filter. Two spec layers, ``NAME.depthwise``
    and ``NAME.pointwise``, whose parameters sum to Keras's; ``--depth 1`` shows them
    as the one row ``summary()`` prints."""
    kernel = call.sizes("kernel_size", rank)
    channels = call.channels()
    inner = channels * call.count("depth_multiplier", 1)
    conv = f"conv{rank}d"
    depthwise: Layer = {"name": f"{call.name}.depthwise", "type": conv, "filters": inner}
    depthwise |= {"kernel": compact(kernel), **_window(call, rank, kernel)}
    depthwise |= {"groups": channels, "bias": False}
    pointwise: Layer = {"name": f"{call.name}.pointwise", "type": conv}
    pointwise |= {"filters": call.count("filters"), "kernel": 1}
    return [depthwise, pointwise | bias(call) | activation(call)]


def _conv_transpose(call: Call) -> list[Layer]:
    """Keras ``Conv2DTranspose`` as ``conv_transpose2d`` with explicit padding.

    Keras's output size per axis, with ``K = d·(k−1) + 1`` (Keras 3
    ``backend/common/backend_utils.py``: ``_get_output_shape_given_tf_padding``;
    tf.keras 2 ``conv_utils.deconv_output_length`` agrees):
    ``valid``: ``(n−1)·s + K + op``, ``op`` defaulting to ``max(K, s) − K``;
    ``same``: ``n·s`` without ``output_padding``, else ``(n−1)·s + K mod 2 + op``.
    cnncalc's is ``(n−1)·s − p_before − p_after + K + output_padding``.
    """
    kernel = call.sizes("kernel_size", 2)
    stride = call.sizes("strides", 2, 1)
    dilation = call.sizes("dilation_rate", 2, 1)
    padding = call.padding()
    given = call.value("output_padding", None)
    extra = call.sizes("output_padding", 2, minimum=0) if given is not None else None
    pads: list[list[int]] = []
    outs: list[int] = []
    for axis in range(2):
        span = dilation[axis] * (kernel[axis] - 1) + 1
        given_axis = None if extra is None else extra[axis]
        total, out = _transpose_axis(span, stride[axis], padding, given_axis)
        pads.append([total // 2, total - total // 2])
        outs.append(out)
    layer: Layer = {"type": "conv_transpose2d", "filters": call.count("filters")}
    layer["kernel"] = compact(kernel)
    layer |= _unless_ones("stride", stride)
    if any(total for pair in pads for total in pair):
        layer["padding"] = pads
    if any(outs):
        layer["output_padding"] = compact(outs)
    layer |= _unless_ones("dilation", dilation)
    return [layer | bias(call) | activation(call)]


def _transpose_axis(span: int, stride: int, padding: str, extra: int | None) -> tuple[int, int]:
    """``(p_before + p_after, output_padding)`` giving Keras's size on one axis."""
    if padding == "valid":
        return 0, (max(span, stride) - span if extra is None else extra)
    if extra is not None:
        return span - span % 2, extra
    # n·s = (n−1)·s + K − p + op: remove K − s, or add s − K when the kernel is smaller.
    return (span - stride, 0) if span >= stride else (0, stride - span)


def _transpose_weights(call: Call, rank: int) -> Weights | None:
    """A transposed convolution's kernel ``(k…, filters, c_in)`` and ``filters`` biases
    (Keras ``BaseConvTranspose.build``)."""
    shape = call.keras_shape()
    channels = shape[0] if call.channels_first else shape[-1]
    if not isinstance(channels, int):
        return None
    filters = call.count("filters")
    kernel = math.prod(call.sizes("kernel_size", rank)) * filters * channels
    biases = filters if call.flag("use_bias", True) else 0
    return Weights(trainable=kernel + biases, names=("kernel", "bias") if biases else ("kernel",))


TRANSLATORS: dict[str, Translator] = {
    "Conv1D": partial(_conv, rank=1),
    "Conv2D": partial(_conv, rank=2),
    "Conv3D": partial(_conv, rank=3),
    "DepthwiseConv1D": partial(_depthwise, rank=1),
    "DepthwiseConv2D": partial(_depthwise, rank=2),
    "SeparableConv1D": partial(_separable, rank=1),
    "SeparableConv2D": partial(_separable, rank=2),
    "Conv2DTranspose": _conv_transpose,
    "Conv1DTranspose": not_expressible(
        N_("1-D transposed convolution"), partial(_transpose_weights, rank=1)
    ),
    "Conv3DTranspose": not_expressible(
        N_("3-D transposed convolution"), partial(_transpose_weights, rank=3)
    ),
}
