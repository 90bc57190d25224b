"""Spec layers from torch's arguments, shared by the module and the function translators.

``nn.Linear`` and ``F.linear``, ``nn.MaxPool2d`` and ``F.max_pool2d``, …
read their arguments from different places and build the same layer here.
Fields equal to the spec's default are left out, as the shipped specs do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from cnncalc.importers.torch_fx.messages import shape_text
from cnncalc.importers.torch_fx.op import Layer, Op, Untranslatable


def _sizes(value: Any, rank: int) -> tuple[int, ...]:
    """A torch size argument (``3`` or ``(3, 3)``) as one int per spatial axis."""
    if isinstance(value, int):
        return (value,) * rank
    sizes = tuple(int(v) for v in value)
    return sizes * rank if len(sizes) == 1 else sizes


def compact(values: Sequence[int]) -> int | list[int]:
    """``3`` for ``(3, 3)``, as the shipped specs write sizes."""
    return values[0] if len(set(values)) == 1 else list(values)


def padding_field(pads: Sequence[tuple[int, int]]) -> int | list[Any]:
    """``p``, ``[p_h, p_w]`` or ``[[top, bottom], [left, right]]``: the shortest that says it."""
    if all(a == b for a, b in pads):
        return compact([a for a, _ in pads])
    return [[a, b] for a, b in pads]


def put(layer: Layer, key: str, value: Any, default: Any) -> None:
    """Set a field only where it differs from the spec's default (readable specs)."""
    if value != default:
        layer[key] = value


def _spatial(op: Op, rank: int, what: str) -> None:
    if len(op.input) != rank + 1:
        raise Untranslatable(f"{what} on a {shape_text(op.input)} input")


def linear_layer(op: Op, units: int, bias: bool) -> Layer:
    """``dense`` on torch's last axis: ``nn.Linear`` acts on the last axis of any input.

    On a permuted tensor (ConvNeXt's and Swin's channels last) that is the cnncalc
    axis the layout puts last: ``axis: 0``, the channels of a channels-first map.
    The same weights and MACs as a 1×1 convolution, but the peers count an
    ``nn.Linear`` as a linear layer (torchinfo: its parameters once), so it is one.
    """
    axis = len(op.input) - 1 if op.layout is None else op.layout[-1]
    layer: Layer = {"type": "dense", "units": units}
    if len(op.input) > 2 or axis != len(op.input) - 1:  # which axis of a map it acts on
        layer["axis"] = axis if axis != len(op.input) - 1 else -1
    put(layer, "bias", bias, True)
    return layer


def pool_layer(
    kind: str,
    op: Op,
    *,
    kernel: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    rank: int = 2,
) -> Layer:
    """``maxpool{rank}d``/``avgpool{rank}d``; torch's stride defaults to the kernel, as
    cnncalc's does."""
    _spatial(op, rank, f"{rank}-D pooling")
    if _sizes(dilation, rank) != (1,) * rank:
        raise Untranslatable("dilated pooling: cnncalc's pooling has no dilation")
    kernels = _sizes(kernel, rank)
    strides = _sizes(stride, rank) if stride not in (None, ()) else kernels
    layer: Layer = {"type": kind, "kernel": compact(kernels)}
    put(layer, "stride", compact(strides), compact(kernels))
    put(layer, "padding", compact(_sizes(padding, rank)), 0)
    put(layer, "ceil_mode", bool(ceil_mode), False)
    return layer


def adaptive_layer(kind: str, op: Op, rank: int = 2) -> Layer:
    """``adaptive_avgpool{rank}d``/``adaptive_maxpool{rank}d`` of the size PyTorch produced.

    https://pytorch.org/docs/stable/generated/torch.nn.AdaptiveAvgPool2d.html:
    ``output_size`` may hold None (keep that axis), so the output's size is used.
    """
    if len(op.input) != rank + 1:
        # PyTorch reads a tensor one axis short as an unbatched sample: its first
        # axis, cnncalc's batch, becomes the channels.
        raise Untranslatable(
            f"a {rank}-D pooling given a {len(op.input) + 1}-D tensor pools it as one "
            "unbatched sample, the batch axis as channels; cnncalc's layers keep the batch"
        )
    return {"type": kind, "output_size": compact(op.output[1:])}


def layer_norm_layer(op: Op, normalized: Sequence[int], affine: bool, bias: bool) -> Layer:
    """``layernorm`` over the whole sample, or over each position's channels (channels last)."""
    if affine and not bias:
        raise Untranslatable("a scale without a shift (bias=False)")
    normalized = tuple(normalized)
    if op.layout is not None and op.layout[-1] == 0 and normalized == op.input[:1]:
        layer: Layer = {"type": "layernorm"}
    elif op.layout is None and normalized == op.input:
        layer = {"type": "layernorm", "over": "all"}
    elif op.layout is None and normalized == op.input[-1:]:
        layer = {"type": "layernorm", "over": "last"}  # a token's features (ViT)
    else:
        raise Untranslatable(
            f"normalises the last axes {shape_text(normalized)} of a {shape_text(op.input)} "
            "input; cnncalc's layernorm normalises the whole sample or each position's channels"
        )
    put(layer, "affine", affine, True)
    return layer


def dropout_layer(rate: Any) -> Layer:
    """``dropout`` of rate ``p``; cnncalc's rate is below 1."""
    if not 0 <= float(rate) < 1:
        raise Untranslatable(f"a dropout rate of {rate}: cnncalc's is below 1")
    return {"type": "dropout", "rate": float(rate)}


def flatten_layer(op: Op) -> Layer:
    """``flatten`` if the output is the input as one axis, else ``reshape`` to torch's shape
    (``view``, ``unflatten``, ``squeeze``: the same values in another shape)."""
    if math.prod(op.output) != math.prod(op.input):
        raise Untranslatable(f"reshapes {shape_text(op.input)} to {shape_text(op.output)}")
    if op.output == (math.prod(op.input),):
        return {"type": "flatten"}
    return {"type": "reshape", "shape": list(op.output)}


def zero_pad_layer(op: Op, left: int, right: int, top: int, bottom: int) -> Layer:
    """``zeropad2d``: torch lists the last axis first, ``(left, right, top, bottom)``."""
    _spatial(op, 2, "2-D padding")
    if min(left, right, top, bottom) < 0:
        raise Untranslatable("negative padding (cropping)")
    return {"type": "zeropad2d", "padding": padding_field([(top, bottom), (left, right)])}


def upsample_layer(op: Op, mode: Any, scale_factor: Any = None) -> Layer:
    """``upsample``: by the integer factor PyTorch's output is of its input, else by the
    ``scale_factor`` given (read exactly: ``0.5`` as ``1/2``) if ``⌊n·s⌋`` gives PyTorch's
    output, else to the output's size (``F.interpolate(x, size=…)``, or a factor whose
    floating-point product rounds below the exact one)."""
    _spatial(op, 2, "2-D upsampling")
    if mode not in ("nearest", "bilinear", "bicubic", "nearest-exact"):
        raise Untranslatable(f"mode '{mode}': cnncalc resizes nearest, bilinear or bicubic")
    inputs, outputs = op.input[1:], op.output[1:]
    layer: Layer = {"type": "upsample"}
    scale = [o // i for o, i in zip(outputs, inputs, strict=True)]
    factors = _factors(scale_factor)
    if [s * i for s, i in zip(scale, inputs, strict=True)] == list(outputs):
        layer["scale"] = compact(scale)
    elif factors is not None and [
        n * f.numerator // f.denominator for n, f in zip(inputs, factors, strict=True)
    ] == list(outputs):
        layer["scale"] = [str(f) for f in factors] if factors[0] != factors[1] else str(factors[0])
    else:
        layer["size"] = compact(outputs)
    put(layer, "mode", "nearest" if mode == "nearest-exact" else mode, "nearest")
    return layer


def softmax_layer(op: Op, dim: Any) -> Layer:
    """``softmax`` along torch's ``dim``; without one, torch's legacy rule (``dim=1`` for a
    batch of maps, the channels; ``0``, the batch, for 3 axes: not a layer)."""
    rank = len(op.input) + 1
    if dim is None:
        if rank in (0, 1, 3):
            raise Untranslatable("a softmax without dim over the batch axis")
        dim = 1
    if not isinstance(dim, int) or dim % rank == 0:
        raise Untranslatable(f"a softmax along axis {dim}, the batch")
    layer: Layer = {"type": "softmax"}
    axis = dim % rank - 1
    put(layer, "axis", -1 if axis == rank - 2 and axis != 0 else axis, 0)
    return layer


def _factors(scale_factor: Any) -> tuple[Fraction, Fraction] | None:
    """Torch's ``scale_factor`` (a number or one per axis) as exact fractions, or None."""
    if scale_factor is None:
        return None
    values = list(scale_factor) if isinstance(scale_factor, list | tuple) else [scale_factor] * 2
    if len(values) != 2 or not all(isinstance(v, int | float) for v in values):
        return None
    try:
        first, second = (Fraction(repr(float(v))) for v in values)
    except (ValueError, OverflowError):  # inf, nan
        return None
    return (first, second) if first > 0 and second > 0 else None
