"""``Conv`` and ``ConvTranspose`` (ONNX operator spec, opsets 11 to current).

A ``Conv`` weight is ``[M, C/group, k…]`` and its bias ``[M]``: cnncalc's
``conv{1,2,3}d`` with ``filters = M``. ``pads`` is ``[b₁, b₂, …, e₁, e₂, …]``
(begins, then ends); ``auto_pad`` ``SAME_UPPER`` puts the odd pixel at the end,
as cnncalc's ``same`` does, ``SAME_LOWER`` at the start, and both give
``ceil(n/s)`` outputs: the pads are computed from the input's size where it is a
number. A ``ConvTranspose`` weight is ``[C, M/group, k…]``.
"""

from __future__ import annotations

from cnncalc.i18n import N_
from cnncalc.importers.onnx.base import BadNode, Layer, Skip, Step, compact


def _pairs(pads: list[int], rank: int) -> list[list[int]]:
    if len(pads) != 2 * rank or any(p < 0 for p in pads):
        raise BadNode(N_("attribute 'pads' {pads}: expected {count} sizes of 0 or more"),
                      pads=pads, count=2 * rank)  # fmt: skip
    return [[pads[i], pads[i + rank]] for i in range(rank)]


def _auto_pads(step: Step, kernel: list[int], stride: list[int], dilation: list[int]) -> object:
    """The explicit padding ``auto_pad`` asks for, or ``same`` where sizes are symbols."""
    mode = step.text("auto_pad", "NOTSET")
    rank = len(kernel)
    if mode in ("NOTSET", ""):
        return _pairs(step.ints("pads", [0] * 2 * rank) or [], rank)
    if mode == "VALID":
        return [[0, 0]] * rank
    if mode not in ("SAME_UPPER", "SAME_LOWER"):
        raise BadNode(N_("attribute 'auto_pad' '{mode}' is not one ONNX defines"), mode=mode)
    spatial = step.input_shape()[1:]
    if not all(isinstance(n, int) for n in spatial):
        if mode == "SAME_UPPER":
            return "same"
        raise Skip(N_("SAME_LOWER padding on a size that is not a number"), keeps_shape=False)
    pairs = []
    for n, k, s, d in zip(spatial, kernel, stride, dilation, strict=True):
        assert isinstance(n, int)
        total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
        small, large = total // 2, total - total // 2
        pairs.append([small, large] if mode == "SAME_UPPER" else [large, small])
    return pairs


def _window(step: Step, kernel: list[int], layer: Layer, *, pooling: bool = False) -> Layer:
    rank = len(kernel)
    stride = step.ints("strides", [1] * rank) or []
    dilation = step.ints("dilations", [1] * rank) or []
    if len(stride) != rank or len(dilation) != rank or min(stride + dilation) < 1:
        raise BadNode(N_("attributes 'strides' and 'dilations' need one positive size per axis"))
    if pooling or set(stride) != {1}:
        layer["stride"] = compact(stride)
    padding = _auto_pads(step, kernel, stride, dilation)
    if padding == "same":
        layer["padding"] = "same"
    elif isinstance(padding, list) and any(p for pair in padding for p in pair):
        flat = {p for pair in padding for p in pair}
        layer["padding"] = flat.pop() if len(flat) == 1 else padding
    if set(dilation) != {1}:
        if pooling:
            raise Skip(N_("cnncalc's pooling has no dilation"), keeps_shape=False)
        layer["dilation"] = compact(dilation)
    return layer


def conv(step: Step) -> list[Layer]:
    weight = step.weight_dims(1)
    if len(weight) not in (3, 4, 5):
        raise Skip(N_("a {rank}-D convolution; cnncalc has 1-D to 3-D"), keeps_shape=False,
                   rank=len(weight) - 2)  # fmt: skip
    kernel = weight[2:]
    layer: Layer = {"type": f"conv{len(kernel)}d", "filters": weight[0], "kernel": compact(kernel)}
    layer = _window(step, kernel, layer)
    if (group := int(step.attribute("group", 1))) != 1:
        layer["groups"] = group
    if step.has(2) and not step.graph.is_zeros(step.node.inputs[2]):
        step.weight_dims(2)
    else:
        layer["bias"] = False
    return [layer]


def conv_transpose(step: Step) -> list[Layer]:
    weight = step.weight_dims(1)
    if len(weight) != 4:
        raise Skip(
            N_("a transposed convolution that is not 2-D; cnncalc has 2-D"), keeps_shape=False
        )
    kernel = weight[2:]
    group = int(step.attribute("group", 1))
    stride = step.ints("strides", [1, 1]) or []
    dilation = step.ints("dilations", [1, 1]) or []
    extra = step.ints("output_padding", [0, 0]) or []
    mode = step.text("auto_pad", "NOTSET")
    if step.attribute("output_shape") is not None or mode not in ("NOTSET", "", "VALID"):
        # The pads that give the stated size: total = s·(n−1) + op + d·(k−1) + 1 − out.
        spatial, out = step.input_shape()[1:], step.output_shape()[1:]
        if not all(isinstance(n, int) for n in [*spatial, *out]):
            raise Skip(
                N_("its output size is set by a size that is not a number"), keeps_shape=False
            )
        pairs = []
        for n, o, k, s, d, p in zip(spatial, out, kernel, stride, dilation, extra, strict=True):
            assert isinstance(n, int) and isinstance(o, int)
            total = s * (n - 1) + p + d * (k - 1) + 1 - o
            small, large = total // 2, total - total // 2
            pairs.append([large, small] if mode == "SAME_LOWER" else [small, large])
    else:
        pairs = _pairs(step.ints("pads", [0, 0, 0, 0]) or [], 2)
    layer: Layer = {"type": "conv_transpose2d", "filters": weight[1] * group}
    layer["kernel"] = compact(kernel)
    if set(stride) != {1}:
        layer["stride"] = compact(stride)
    if any(p for pair in pairs for p in pair):
        layer["padding"] = pairs
    if any(extra):
        layer["output_padding"] = compact(extra)
    if set(dilation) != {1}:
        layer["dilation"] = compact(dilation)
    if group != 1:
        layer["groups"] = group
    if step.has(2):
        step.weight_dims(2)
    else:
        layer["bias"] = False
    return [layer]


def window(step: Step, kernel: list[int], layer: Layer) -> Layer:
    """A pooling window's stride and padding (ONNX's stride defaults to 1, cnncalc's to the
    kernel: it is always written)."""
    return _window(step, kernel, layer, pooling=True)
