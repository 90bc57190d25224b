"""A test-only translation of cnncalc's IR into ``torch.nn`` modules, for differential tests.

One small translator per IR node type, in :data:`TRANSLATORS` (as cnncalc has
one rule per node type): each returns the module PyTorch would use. Layers
with no PyTorch counterpart (LeNet-5's trainable subsampling, its RBF units,
sparse connection tables) raise :class:`Untranslatable`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
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
    if isinstance(node, ir.Attention) and len(inputs) > 1:
        dim, key_dim, value_dim = (int(shape[1]) for shape in (inputs[0], inputs[1], inputs[-1]))
        return CrossAttention(dim, key_dim, value_dim, int(node.heads), node.bias)
    translator = TRANSLATORS.get(type(node))
    if translator is None:
        raise Untranslatable(type(node).__name__)
    return translator(node, inputs[0])


# -- helpers ----------------------------------------------------------------------------


def activation(function: ir.Activation, axis: int = 0) -> nn.Module:
    """The torch module of an activation; a softmax along ``axis`` (cnncalc's, no batch)."""
    modules: dict[ir.Activation, Callable[[], nn.Module]] = {
        ir.Activation.RELU: nn.ReLU, ir.Activation.RELU6: nn.ReLU6, ir.Activation.TANH: nn.Tanh,
        ir.Activation.SIGMOID: nn.Sigmoid, ir.Activation.HARDSWISH: nn.Hardswish,
        ir.Activation.GELU: nn.GELU, ir.Activation.SILU: nn.SiLU,
        ir.Activation.SOFTMAX: lambda: nn.Softmax(dim=_dim(axis)),
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
    if node.size is not None:
        return nn.Upsample(size=_ints(node.size), mode=node.mode)
    return nn.Upsample(scale_factor=tuple(float(s) for s in node.scale or ()), mode=node.mode)


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


class BiasTable(nn.Module):
    """MaxViT's bias on attention scores ``[…, heads, N, N]``: a table of
    ``(2·w_h − 1)·(2·w_w − 1)`` entries per head, read by a buffer of each pair's index."""

    def __init__(self, node: ir.RelativePositionBias, shape: Shape) -> None:
        super().__init__()
        window_h, window_w = node.window
        self.positions, heads = window_h * window_w, int(shape[-3])
        self.table = nn.Parameter(torch.zeros((2 * window_h - 1) * (2 * window_w - 1), heads))
        self.index: torch.Tensor
        self.register_buffer("index", torch.zeros(self.positions**2, dtype=torch.long))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = self.table[self.index.view(-1)].view(self.positions, self.positions, -1)
        return x + bias.permute(2, 0, 1)


@translates(ir.Split)
def _split(node: ir.Split, shape: Shape) -> nn.Module:
    if node.sizes is not None:
        sizes = [int(s) for s in node.sizes]
        return Function(lambda x: torch.split(x, sizes, dim=_dim(node.axis)))
    return Function(lambda x: torch.chunk(x, int(node.chunks or 1), dim=_dim(node.axis)))


def _crop(x: torch.Tensor, cropping: tuple[tuple[int, int], ...], shape: Shape) -> torch.Tensor:
    (top, bottom), (left, right) = cropping
    height, width = int(shape[1]), int(shape[2])  # known when built: bounds fx can read
    return x[:, :, top : height - bottom, left : width - right]


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
        lambda x: x.permute(0, *(_dim(a) % (len(shape) + 1) for a in node.dims))
    ),
    ir.Transpose: lambda node, shape: Function(lambda x: x.transpose(*map(_dim, node.dims))),
    ir.Unflatten: lambda node, shape: nn.Unflatten(_dim(node.axis), [int(s) for s in node.sizes]),
    ir.ChannelShuffle: lambda node, shape: nn.ChannelShuffle(int(node.groups)),
    ir.Select: lambda node, shape: Function(lambda x: x.select(_dim(node.axis), node.index)),
    ir.Slice: lambda node, shape: Function(
        lambda x: x[(slice(None),) * (_dim(node.axis) % (len(shape) + 1))
                    + (slice(node.start, node.stop, node.step),)]
    ),
    ir.Crop: lambda node, shape: Function(lambda x: _crop(x, node.cropping, shape)),
    ir.Scalar: lambda node, shape: Function(lambda x: SCALAR_OPS[node.op](x, node.value)),
    ir.MatMul: lambda node, shape: Function(
        lambda a, b: torch.matmul(a, b.transpose(-2, -1) if node.transpose_b else b)
    ),
    ir.Attention: lambda node, shape: SelfAttention(int(shape[1]), int(node.heads), node.bias),
    ir.ClassToken: lambda node, shape: ClassToken(int(shape[1])),
    ir.PositionEmbedding: lambda node, shape: PositionEmbedding(shape),
    ir.LayerScale: LayerScale,
    ir.PReLU: lambda node, shape: nn.PReLU(int(shape[0]) if node.per_channel else 1),
    ir.ElementWise: lambda node, shape: activation(node.function, node.axis),
    ir.RelativePositionBias: lambda node, shape: BiasTable(node, shape),  # noqa: PLW0108
    ir.L2Normalize: lambda node, shape: Function(lambda x: F.normalize(x, dim=_dim(node.axis))),
    ir.Dropout: lambda node, shape: nn.Dropout(node.rate),
    ir.Identity: lambda node, shape: nn.Identity(),
    ir.LRN: lambda node, shape: nn.LocalResponseNorm(int(node.size)),
    ir.Add: lambda node, shape: Merge(ir.Add),
    ir.Concat: lambda node, shape: Merge(ir.Concat, node.axis),
    ir.Multiply: lambda node, shape: Merge(ir.Multiply),
})  # fmt: skip


# -- Swin (torchvision 0.29.1's swin_transformer, rewritten from plain torch ops) -------------


def _relative_position_index(window: tuple[int, int]) -> torch.Tensor:
    coords = torch.stack(torch.meshgrid(torch.arange(window[0]), torch.arange(window[1]),
                                        indexing="ij")).flatten(1)  # fmt: skip
    relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
    relative[:, :, 0] += window[0] - 1
    relative[:, :, 1] += window[1] - 1
    relative[:, :, 0] *= 2 * window[1] - 1
    return relative.sum(-1).flatten()


class WindowAttention(nn.Module):
    """torchvision's ``ShiftedWindowAttention`` (``version`` 1) and ``…V2`` (2) on a
    ``(b, h, w, c)`` tensor: the same parameters, buffers and calls (``F.linear`` on the
    module's own weights, ``matmul`` or ``@``, ``F.softmax``; V2's ``cpb_mlp`` a called
    ``nn.Sequential``), so every peer counts it as it counts torchvision's."""

    def __init__(self, node: ir.WindowAttention, shape: Shape) -> None:
        super().__init__()
        dim, heads = int(shape[2]), int(node.heads)
        # 2-D windows only: the differential tests draw Swin's (Video Swin's 3-D one is
        # checked against torchvision's module in tests/rules/test_mvit.py).
        self.window, self.shift, self.heads, self.v2 = (
            (node.window[0], node.window[1]),
            (node.shift[0], node.shift[1]),
            heads,
            node.version == 2,
        )
        self.qkv = nn.Linear(dim, dim * 3, bias=node.qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=node.proj_bias)
        wh, ww = self.window
        if self.v2:
            self.logit_scale = nn.Parameter(torch.log(10 * torch.ones((heads, 1, 1))))
            hidden = ir.SWIN_CPB_HIDDEN
            self.cpb_mlp = nn.Sequential(
                nn.Linear(2, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, heads, bias=False)
            )
            h = torch.arange(-(wh - 1), wh, dtype=torch.float32) / max(wh - 1, 1)
            w = torch.arange(-(ww - 1), ww, dtype=torch.float32) / max(ww - 1, 1)
            table = torch.stack(torch.meshgrid([h, w], indexing="ij")).permute(1, 2, 0)
            self.register_buffer("relative_coords_table", table.contiguous().unsqueeze(0))
        else:
            self.relative_position_bias_table = nn.Parameter(
                torch.zeros((2 * wh - 1) * (2 * ww - 1), heads)
            )
        self.register_buffer("relative_position_index", _relative_position_index(self.window))

    def _position_bias(self) -> torch.Tensor:
        n = self.window[0] * self.window[1]
        table: torch.Tensor = (
            self.cpb_mlp(self.relative_coords_table).view(-1, self.heads)
            if self.v2
            else self.relative_position_bias_table
        )
        index: Any = self.relative_position_index
        bias = table[index].view(n, n, -1).permute(2, 0, 1).unsqueeze(0)
        return 16 * torch.sigmoid(bias) if self.v2 else bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        relative_position_bias = self._position_bias()
        (wh, ww), shift = self.window, list(self.shift)
        b, h, w, c = x.shape
        x = F.pad(x, (0, 0, 0, (ww - w % ww) % ww, 0, (wh - h % wh) % wh))
        _, ph, pw, _ = x.shape
        shift = [0 if wh >= ph else shift[0], 0 if ww >= pw else shift[1]]
        if sum(shift) > 0:
            x = torch.roll(x, shifts=(-shift[0], -shift[1]), dims=(1, 2))
        windows = (ph // wh) * (pw // ww)
        x = x.view(b, ph // wh, wh, pw // ww, ww, c).permute(0, 1, 3, 2, 4, 5)
        x = x.reshape(b * windows, wh * ww, c)
        qkv_bias: torch.Tensor | None = self.qkv.bias
        if self.v2 and qkv_bias is not None:
            qkv_bias = qkv_bias.clone()
            qkv_bias[c : 2 * c].zero_()
        qkv = F.linear(x, self.qkv.weight, qkv_bias)
        qkv = qkv.reshape(x.size(0), x.size(1), 3, self.heads, c // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        if self.v2:
            attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
            attn = attn * torch.clamp(self.logit_scale, max=math.log(100.0)).exp()
        else:
            attn = (q * (c // self.heads) ** -0.5).matmul(k.transpose(-2, -1))
        attn = attn + relative_position_bias
        if sum(shift) > 0:
            mask = x.new_zeros((ph, pw))
            count = 0
            for top, bottom in ((0, -wh), (-wh, -shift[0]), (-shift[0], None)):
                for left, right in ((0, -ww), (-ww, -shift[1]), (-shift[1], None)):
                    mask[top:bottom, left:right] = count
                    count += 1
            mask = mask.view(ph // wh, wh, pw // ww, ww).permute(0, 2, 1, 3)
            mask = mask.reshape(windows, wh * ww)
            mask = mask.unsqueeze(1) - mask.unsqueeze(2)
            mask = mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)
            attn = attn.view(b, windows, self.heads, x.size(1), x.size(1))
            attn = (attn + mask.unsqueeze(1).unsqueeze(0)).view(
                -1, self.heads, x.size(1), x.size(1)
            )
        attn = F.softmax(attn, dim=-1)
        x = attn.matmul(v).transpose(1, 2).reshape(x.size(0), x.size(1), c)
        x = F.linear(x, self.proj.weight, self.proj.bias)
        x = x.view(b, ph // wh, pw // ww, wh, ww, c).permute(0, 1, 3, 2, 4, 5)
        x = x.reshape(b, ph, pw, c)
        if sum(shift) > 0:
            x = torch.roll(x, shifts=(shift[0], shift[1]), dims=(1, 2))
        return x[:, :h, :w, :].contiguous()


class PatchMerging(nn.Module):
    """torchvision's ``PatchMerging`` (``version`` 1) and ``PatchMergingV2`` (2)."""

    def __init__(self, node: ir.PatchMerging, shape: Shape) -> None:
        super().__init__()
        dim = int(shape[-1])  # [h, w, c], or a video's [t, h, w, c] merged frame by frame
        self.v2 = node.version == 2
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(2 * dim if self.v2 else 4 * dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-3:-1]
        x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        x = torch.cat([x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :], x[..., 0::2, 1::2, :],
                       x[..., 1::2, 1::2, :]], -1)  # fmt: skip
        if self.v2:
            merged: torch.Tensor = self.norm(self.reduction(x))
            return merged
        reduced: torch.Tensor = self.reduction(self.norm(x))
        return reduced


class CrossAttention(nn.Module):
    """Multi-head attention of queries over other tokens, written out as
    ``nn.MultiheadAttention(d, h, kdim=k, vdim=v)`` computes it: ``nn.Linear`` projections of
    the queries, keys and values, ``torch.matmul`` products and an ``nn.Softmax``."""

    def __init__(self, dim: int, key_dim: int, value_dim: int, heads: int, bias: bool) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim, bias=bias)
        self.k = nn.Linear(key_dim, dim, bias=bias)
        self.v = nn.Linear(value_dim, dim, bias=bias)
        self.softmax = nn.Softmax(dim=-1)
        self.out = nn.Linear(dim, dim, bias=bias)

    def forward(self, x: torch.Tensor, keys: torch.Tensor, *value: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        q, k, v = (
            t.reshape(batch, t.shape[1], self.heads, -1).transpose(1, 2)
            for t in (self.q(x), self.k(keys), self.v(value[0] if value else keys))
        )
        weights = self.softmax(torch.matmul(q, k.transpose(-2, -1)) / (dim // self.heads) ** 0.5)
        mixed = torch.matmul(weights, v).transpose(1, 2).reshape(batch, tokens, dim)
        result: torch.Tensor = self.out(mixed)
        return result


def _channels_first(block: Callable[[Any, Shape], nn.Module]) -> Translator:
    """A Swin block on ``[h, w, c]``, or between permutes on a ``[c, h, w]`` map."""

    def translate(node: Any, shape: Shape) -> nn.Module:
        if not node.channels_first:
            return block(node, shape)
        rank = len(shape)  # [c, h, w] or a video's [c, t, h, w]
        last = (0, *range(2, rank + 1), 1)
        first = (0, rank, *range(1, rank))
        return nn.Sequential(
            Function(lambda x: x.permute(*last)),
            block(node, (*shape[1:], shape[0])),
            Function(lambda x: x.permute(*first)),
        )

    return translate


TRANSLATORS.update({
    ir.WindowAttention: _channels_first(WindowAttention),
    ir.PatchMerging: _channels_first(PatchMerging),
})  # fmt: skip
