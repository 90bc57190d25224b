"""A test-only translation of cnncalc's IR into ``torch.nn`` modules, for differential tests.

One small translator per IR node type, in :data:`TRANSLATORS` (as cnncalc has
one rule per node type): each returns the module PyTorch would use. Layers
with no PyTorch counterpart (LeNet-5's trainable subsampling, its RBF units,
sparse connection tables) raise :class:`Untranslatable`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from cnncalc import ir
from cnncalc.arith import Shape


class Untranslatable(Exception):
    """An IR node with no PyTorch module to compare with."""


Translator = Callable[[Any, Shape], nn.Module]
TRANSLATORS: dict[type[Any], Translator] = {}


def translates(node_type: type[Any]) -> Callable[[Translator], Translator]:
    def register(function: Translator) -> Translator:
        TRANSLATORS[node_type] = function
        return function

    return register


def module_for(node: ir.Node, inputs: tuple[Shape, ...]) -> nn.Module:
    """The PyTorch module that computes ``node`` on inputs of these shapes."""
    translator = TRANSLATORS.get(type(node))
    if translator is None:
        raise Untranslatable(type(node).__name__)
    return translator(node, inputs[0])


# -- helpers ----------------------------------------------------------------------------


def activation(function: ir.Activation) -> nn.Module:
    modules: dict[ir.Activation, Callable[[], nn.Module]] = {
        ir.Activation.RELU: nn.ReLU, ir.Activation.RELU6: nn.ReLU6, ir.Activation.TANH: nn.Tanh,
        ir.Activation.SIGMOID: nn.Sigmoid, ir.Activation.HARDSWISH: nn.Hardswish,
        ir.Activation.GELU: nn.GELU, ir.Activation.SILU: nn.SiLU,
        ir.Activation.SOFTMAX: lambda: nn.Softmax(dim=1),
        ir.Activation.HARDSIGMOID: nn.Hardsigmoid, ir.Activation.LEAKY_RELU: nn.LeakyReLU,
        ir.Activation.ELU: nn.ELU, ir.Activation.MISH: nn.Mish,
    }  # fmt: skip
    return modules[function]()


def _then(module: nn.Module, function: ir.Activation | None) -> nn.Module:
    return module if function is None else nn.Sequential(module, activation(function))


def _ints(values: Sequence[object]) -> Any:
    """Sizes as a tuple of ints (typed Any: torch's stubs want 2-tuples for 2-D modules)."""
    return tuple(int(v) for v in values)  # type: ignore[call-overload]


def _same_padding(
    spatial: Shape, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> tuple[tuple[int, int], ...]:
    """TensorFlow's ``same``: output ``ceil(n/s)``, the odd pixel of padding after."""
    pads = []
    for size, k, s, d in zip(spatial, kernel, stride, dilation, strict=True):
        n = int(size)
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _padded(module: nn.Module, pads: tuple[tuple[int, int], ...]) -> nn.Module:
    """``module`` after explicit zero padding (torch pads the last axis first)."""
    flat: list[int] = []
    for before, after in reversed(pads):
        flat += [before, after]
    padding: Any = tuple(flat)
    pad: nn.Module = {1: nn.ZeroPad1d, 2: nn.ZeroPad2d, 3: nn.ZeroPad3d}[len(pads)](padding)
    return nn.Sequential(pad, module)


def _padding(spatial: Shape, node: ir.Conv | ir.Pool, dilation: Sequence[int]) -> Any:
    """(padding for the module, explicit pads to put before it or None)."""
    pads = (
        _same_padding(spatial, _ints(node.kernel), _ints(node.stride), dilation)
        if node.padding == "same"
        else tuple((int(a), int(b)) for a, b in node.padding)
    )
    if all(a == b for a, b in pads):
        return tuple(a for a, _ in pads), None
    return (0,) * len(pads), pads


class LayerNorm2d(nn.Module):
    """Layer norm over the channels of each position (ConvNeXt's LayerNorm2d)."""

    def __init__(self, channels: int, affine: bool) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels, elementwise_affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normed: torch.Tensor = self.norm(x.permute(0, 2, 3, 1))
        return normed.permute(0, 3, 1, 2)


class Merge(nn.Module):
    """``+``, ``*`` (broadcasting from the channel axis, as cnncalc) or ``cat`` on an axis."""

    def __init__(self, kind: type[Any], axis: int = 0) -> None:
        super().__init__()
        self.kind, self.axis = kind, axis

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        if self.kind is ir.Concat:
            return torch.cat(inputs, dim=_dim(self.axis))
        result = inputs[0]
        for tensor in inputs[1:]:
            other = tensor
            if self.kind is ir.Add:
                result = result + other
                continue
            while other.dim() < result.dim():
                other = other[..., None]
            while result.dim() < other.dim():
                result = result[..., None]
            result = result * other
        return result


# -- one translator per node type ---------------------------------------------------------


@translates(ir.Conv)
def _conv(node: ir.Conv, shape: Shape) -> nn.Module:
    if node.connection_table is not None:
        raise Untranslatable("a sparse connection table")
    dilation = _ints(node.dilation)
    padding, pads = _padding(shape[1:], node, dilation)
    conv: nn.Module = getattr(nn, f"Conv{len(node.kernel)}d")(
        int(shape[0]), int(node.filters), _ints(node.kernel), _ints(node.stride), padding,
        dilation, int(node.groups), node.bias,
    )  # fmt: skip
    return _then(conv if pads is None else _padded(conv, pads), node.activation)


@translates(ir.ConvTranspose)
def _conv_transpose(node: ir.ConvTranspose, shape: Shape) -> nn.Module:
    pads = [(int(a), int(b)) for a, b in node.padding]
    if any(a != b for a, b in pads):
        raise Untranslatable("asymmetric transposed-convolution padding")
    conv = nn.ConvTranspose2d(
        int(shape[0]), int(node.filters), _ints(node.kernel), _ints(node.stride),
        _ints([a for a, _ in pads]), _ints(node.output_padding), int(node.groups), node.bias,
        _ints(node.dilation),
    )  # fmt: skip
    return _then(conv, node.activation)


@translates(ir.Pool)
def _pool(node: ir.Pool, shape: Shape) -> nn.Module:
    if node.kind is ir.PoolKind.SUBSAMPLING:
        raise Untranslatable("LeNet-5's trainable subsampling")
    padding, pads = _padding(shape[1:], node, (1,) * len(node.kernel))
    rank = len(node.kernel)
    kind = getattr(nn, f"{'Max' if node.kind is ir.PoolKind.MAX else 'Avg'}Pool{rank}d")
    pool = kind(_ints(node.kernel), _ints(node.stride), padding, ceil_mode=node.ceil_mode)
    return _then(pool if pads is None else _padded(pool, pads), node.activation)


@translates(ir.AdaptivePool)
def _adaptive(node: ir.AdaptivePool, shape: Shape) -> nn.Module:
    rank = len(shape) - 1
    size = _ints(node.output_size) if node.output_size is not None else (1,) * rank
    kind = "Max" if node.kind is ir.PoolKind.MAX else "Avg"
    pooled: nn.Module = getattr(nn, f"Adaptive{kind}Pool{rank}d")(size)
    return nn.Sequential(pooled, nn.Flatten()) if node.flatten else pooled


@translates(ir.Dense)
def _dense(node: ir.Dense, shape: Shape) -> nn.Module:
    if node.axis is None or node.axis % len(shape) == len(shape) - 1:  # nn.Linear's own axis
        linear = nn.Linear(int(shape[-1]), int(node.units), node.bias)
        return _then(linear, node.activation)
    return _then(Linear(node, shape), node.activation)


@translates(ir.BatchNorm)
def _batch_norm(node: ir.BatchNorm, shape: Shape) -> nn.Module:
    if node.center != node.scale:
        raise Untranslatable("batch norm with only one of scale and shift")
    norm: nn.Module = getattr(nn, f"BatchNorm{max(len(shape) - 1, 1)}d")(
        int(shape[0]), affine=node.scale
    )
    return norm


@translates(ir.LayerNorm)
def _layer_norm(node: ir.LayerNorm, shape: Shape) -> nn.Module:
    if node.over == "channels":
        return LayerNorm2d(int(shape[0]), node.affine)
    if node.over == "last":
        return nn.LayerNorm(int(shape[-1]), elementwise_affine=node.affine)
    return nn.LayerNorm(list(_ints(shape)), elementwise_affine=node.affine)


@translates(ir.GroupNorm)
def _group_norm(node: ir.GroupNorm, shape: Shape) -> nn.Module:
    return nn.GroupNorm(int(node.groups), int(shape[0]), affine=node.affine)


@translates(ir.ZeroPad)
def _zero_pad(node: ir.ZeroPad, shape: Shape) -> nn.Module:
    return _padded(nn.Identity(), tuple((int(a), int(b)) for a, b in node.padding))


@translates(ir.Upsample)
def _upsample(node: ir.Upsample, shape: Shape) -> nn.Module:
    return nn.Upsample(scale_factor=tuple(float(s) for s in node.scale), mode=node.mode)


def _dim(axis: int) -> int:
    """A sample axis (no batch) as a tensor dimension: one more, or the same from the end."""
    return axis + 1 if axis >= 0 else axis


class Function(nn.Module):
    """A tensor method as a module: ``Function(lambda x: x.permute(0, 2, 1))``."""

    def __init__(self, function: Callable[..., Any]) -> None:
        super().__init__()
        self.function = function

    def forward(self, *inputs: torch.Tensor) -> Any:
        return self.function(*inputs)


class Linear(nn.Module):
    """``nn.Linear`` along one axis of the sample (the last: as ``nn.Linear`` is)."""

    def __init__(self, node: ir.Dense, shape: Shape) -> None:
        super().__init__()
        self.axis = -1 if node.axis is None else _dim(node.axis)
        self.linear = nn.Linear(int(shape[node.axis or 0]), int(node.units), bias=node.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y: torch.Tensor = self.linear(x.movedim(self.axis, -1))
        return y.movedim(-1, self.axis)


class SelfAttention(nn.Module):
    """Multi-head self-attention written out, as ViT's ``nn.MultiheadAttention`` computes it:
    ``nn.Linear`` projections, ``torch.matmul`` products and an ``nn.Softmax``."""

    def __init__(self, dim: int, heads: int, bias: bool) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=bias)
        self.softmax = nn.Softmax(dim=-1)
        self.out = nn.Linear(dim, dim, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        q, k, v = (
            t.reshape(batch, tokens, self.heads, -1).transpose(1, 2)
            for t in self.qkv(x).chunk(3, dim=-1)
        )
        weights = self.softmax(torch.matmul(q, k.transpose(-2, -1)) / (dim // self.heads) ** 0.5)
        mixed = torch.matmul(weights, v).transpose(1, 2).reshape(batch, tokens, dim)
        result: torch.Tensor = self.out(mixed)
        return result


class ClassToken(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)


class PositionEmbedding(nn.Module):
    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.zeros(1, *_ints(shape)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pos_embedding


class LayerScale(nn.Module):
    def __init__(self, node: ir.LayerScale, shape: Shape) -> None:
        super().__init__()
        axis = node.axis % len(shape)
        self.gamma = nn.Parameter(torch.ones(int(shape[axis])))
        self.view = [1 if i != axis else -1 for i in range(len(shape))]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma.view(1, *self.view)


@translates(ir.Split)
def _split(node: ir.Split, shape: Shape) -> nn.Module:
    if node.sizes is not None:
        sizes = [int(s) for s in node.sizes]
        return Function(lambda x: torch.split(x, sizes, dim=_dim(node.axis)))
    return Function(lambda x: torch.chunk(x, int(node.chunks or 1), dim=_dim(node.axis)))


def _crop(x: torch.Tensor, cropping: tuple[tuple[int, int], ...]) -> torch.Tensor:
    (top, bottom), (left, right) = cropping
    return x[:, :, top : x.shape[2] - bottom, left : x.shape[3] - right]


SCALAR_OPS: dict[ir.ScalarOp, Callable[[torch.Tensor, float], torch.Tensor]] = {
    ir.ScalarOp.ADD: lambda x, v: x + v, ir.ScalarOp.SUBTRACT: lambda x, v: x - v,
    ir.ScalarOp.MULTIPLY: lambda x, v: x * v, ir.ScalarOp.DIVIDE: lambda x, v: x / v,
}  # fmt: skip

TRANSLATORS.update({
    ir.Flatten: lambda node, shape: nn.Flatten(_dim(node.start), _dim(node.end)),
    ir.Reshape: lambda node, shape: Function(
        lambda x: x.reshape(x.shape[0], *(int(s) for s in node.shape))
    ),
    ir.Permute: lambda node, shape: Function(
        lambda x: x.permute(0, *(_dim(a) % x.dim() for a in node.dims))
    ),
    ir.Transpose: lambda node, shape: Function(lambda x: x.transpose(*map(_dim, node.dims))),
    ir.Unflatten: lambda node, shape: nn.Unflatten(_dim(node.axis), [int(s) for s in node.sizes]),
    ir.ChannelShuffle: lambda node, shape: nn.ChannelShuffle(int(node.groups)),
    ir.Select: lambda node, shape: Function(lambda x: x.select(_dim(node.axis), node.index)),
    ir.Slice: lambda node, shape: Function(
        lambda x: x[(slice(None),) * (_dim(node.axis) % x.dim())
                    + (slice(node.start, node.stop, node.step),)]
    ),
    ir.Crop: lambda node, shape: Function(lambda x: _crop(x, node.cropping)),
    ir.Scalar: lambda node, shape: Function(lambda x: SCALAR_OPS[node.op](x, node.value)),
    ir.MatMul: lambda node, shape: Function(
        lambda a, b: torch.matmul(a, b.transpose(-2, -1) if node.transpose_b else b)
    ),
    ir.Attention: lambda node, shape: SelfAttention(int(shape[1]), int(node.heads), node.bias),
    ir.ClassToken: lambda node, shape: ClassToken(int(shape[1])),
    ir.PositionEmbedding: lambda node, shape: PositionEmbedding(shape),
    ir.LayerScale: LayerScale,
    ir.PReLU: lambda node, shape: nn.PReLU(int(shape[0]) if node.per_channel else 1),
    ir.ElementWise: lambda node, shape: activation(node.function),
    ir.Dropout: lambda node, shape: nn.Dropout(node.rate),
    ir.Identity: lambda node, shape: nn.Identity(),
    ir.LRN: lambda node, shape: nn.LocalResponseNorm(int(node.size)),
    ir.Add: lambda node, shape: Merge(ir.Add),
    ir.Concat: lambda node, shape: Merge(ir.Concat, node.axis),
    ir.Multiply: lambda node, shape: Merge(ir.Multiply),
})  # fmt: skip
