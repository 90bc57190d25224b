"""A test-only translation of cnncalc's IR into ``torch.nn`` modules, for differential tests.

Each IR node becomes the module PyTorch would use for it; a network becomes a
module that runs its layers in order, each on the outputs of the layers it
names. Layers with no PyTorch counterpart (LeNet-5's trainable subsampling,
its RBF units, sparse connection tables) raise :class:`Untranslatable`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from cnncalc import ir
from cnncalc.arith import Shape


class Untranslatable(Exception):
    """An IR node with no PyTorch module to compare with."""


ACTIVATIONS: dict[ir.Activation, type[nn.Module]] = {
    ir.Activation.RELU: nn.ReLU,
    ir.Activation.RELU6: nn.ReLU6,
    ir.Activation.TANH: nn.Tanh,
    ir.Activation.SIGMOID: nn.Sigmoid,
    ir.Activation.HARDSWISH: nn.Hardswish,
    ir.Activation.GELU: nn.GELU,
    ir.Activation.SILU: nn.SiLU,
}


def activation(function: ir.Activation) -> nn.Module:
    if function is ir.Activation.SOFTMAX:
        return nn.Softmax(dim=1)
    return ACTIVATIONS[function]()


def _with_activation(module: nn.Module, function: ir.Activation | None) -> nn.Module:
    return module if function is None else nn.Sequential(module, activation(function))


def _ints(values: Sequence[object]) -> tuple[int, ...]:
    return tuple(int(v) for v in values)  # type: ignore[call-overload]


def _same_padding(spatial: Shape, kernel: Sequence[int], stride: Sequence[int],
                  dilation: Sequence[int]) -> tuple[tuple[int, int], ...]:  # fmt: skip
    """TensorFlow's ``same``: output ``ceil(n/s)``, the odd pixel of padding after."""
    pads = []
    for n, k, s, d in zip(spatial, kernel, stride, dilation, strict=True):
        n = int(n)
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _padded(module: nn.Module, pads: tuple[tuple[int, int], ...]) -> nn.Module:
    """``module`` after explicit zero padding when the padding is not symmetric."""
    flat: list[int] = []
    for before, after in reversed(pads):  # torch pads the last axis first
        flat += [before, after]
    pad = {1: nn.ZeroPad1d, 2: nn.ZeroPad2d, 3: nn.ZeroPad3d}[len(pads)](tuple(flat))
    return nn.Sequential(pad, module)


def _padding(spatial: Shape, node: ir.Conv | ir.Pool, dilation: Sequence[int]) -> Any:
    """(symmetric padding for the module, or None and the explicit pads to put before it)."""
    kernel, stride = _ints(node.kernel), _ints(node.stride)
    pads = (
        _same_padding(spatial, kernel, stride, dilation)
        if node.padding == "same"
        else tuple((int(a), int(b)) for a, b in node.padding)
    )
    if all(a == b for a, b in pads):
        return tuple(a for a, _ in pads), None
    return (0,) * len(pads), pads


class Subsampling(nn.Module):
    """Not in PyTorch: LeNet-5's window sum × coefficient + bias, per map (for parameters)."""

    def __init__(self, channels: int, kernel: tuple[int, ...], stride: tuple[int, ...]) -> None:
        super().__init__()
        self.pool = nn.AvgPool2d(kernel, stride)
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x) * self.weight[:, None, None] + self.bias[:, None, None]


class LayerNorm2d(nn.Module):
    """Layer norm over the channels of each position (ConvNeXt's LayerNorm2d)."""

    def __init__(self, channels: int, affine: bool) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels, elementwise_affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class Merge(nn.Module):
    def __init__(self, kind: type[ir.Node]) -> None:
        super().__init__()
        self.kind = kind

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        if self.kind is ir.Concat:
            return torch.cat(inputs, dim=1)
        result = inputs[0]
        for other in inputs[1:]:
            if self.kind is ir.Add:
                result = result + other
            else:  # cnncalc broadcasts from the channel axis: (N, C) scales (N, C, H, W)
                while other.dim() < result.dim():
                    other = other[..., None]
                while result.dim() < other.dim():
                    result = result[..., None]
                result = result * other
        return result


def module_for(node: ir.Node, inputs: tuple[Shape, ...]) -> nn.Module:
    """The PyTorch module that computes ``node`` on inputs of these shapes."""
    shape = inputs[0]
    rank = len(shape) - 1
    if isinstance(node, ir.Conv):
        if node.connection_table is not None:
            raise Untranslatable("a sparse connection table")
        dilation = _ints(node.dilation)
        padding, pads = _padding(shape[1:], node, dilation)
        conv = getattr(nn, f"Conv{len(node.kernel)}d")(
            int(shape[0]), int(node.filters), _ints(node.kernel), _ints(node.stride),
            padding, dilation, int(node.groups), node.bias,
        )  # fmt: skip
        return _with_activation(conv if pads is None else _padded(conv, pads), node.activation)
    if isinstance(node, ir.ConvTranspose):
        pads = [(int(a), int(b)) for a, b in node.padding]
        if any(a != b for a, b in pads):
            raise Untranslatable("asymmetric transposed-convolution padding")
        conv = nn.ConvTranspose2d(
            int(shape[0]), int(node.filters), _ints(node.kernel), _ints(node.stride),
            tuple(a for a, _ in pads), _ints(node.output_padding), int(node.groups), node.bias,
            _ints(node.dilation),
        )  # fmt: skip
        return _with_activation(conv, node.activation)
    if isinstance(node, ir.Pool):
        kernel, stride = _ints(node.kernel), _ints(node.stride)
        if node.kind is ir.PoolKind.SUBSAMPLING:
            if node.padding != "same" and any(a or b for a, b in node.padding):
                raise Untranslatable("padded subsampling")
            pool: nn.Module = Subsampling(int(shape[0]), kernel, stride)
            return _with_activation(pool, node.activation)
        padding, pads = _padding(shape[1:], node, (1,) * len(kernel))
        kind = nn.MaxPool2d if node.kind is ir.PoolKind.MAX else nn.AvgPool2d
        pool = kind(kernel, stride, padding, ceil_mode=node.ceil_mode)
        return _with_activation(pool if pads is None else _padded(pool, pads), node.activation)
    if isinstance(node, ir.AdaptivePool):
        size = _ints(node.output_size) if node.output_size is not None else (1,) * rank
        kind = "Max" if node.kind is ir.PoolKind.MAX else "Avg"
        pooled = getattr(nn, f"Adaptive{kind}Pool{rank}d")(size)
        return nn.Sequential(pooled, nn.Flatten()) if node.flatten else pooled
    if isinstance(node, ir.Dense):
        return _with_activation(nn.Linear(int(shape[0]), int(node.units), node.bias),
                                node.activation)  # fmt: skip
    if isinstance(node, ir.RBF):
        raise Untranslatable("LeNet-5's RBF units")
    if isinstance(node, ir.Flatten):
        return nn.Flatten()
    if isinstance(node, ir.ElementWise):
        return activation(node.function)
    if isinstance(node, ir.Dropout):
        return nn.Dropout(node.rate)
    if isinstance(node, ir.Identity):
        return nn.Identity()
    if isinstance(node, ir.BatchNorm):
        if node.center != node.scale:
            raise Untranslatable("batch norm with only one of scale and shift")
        return getattr(nn, f"BatchNorm{max(rank, 1)}d")(int(shape[0]), affine=node.scale)
    if isinstance(node, ir.LayerNorm):
        if node.over == "channels":
            return LayerNorm2d(int(shape[0]), node.affine)
        return nn.LayerNorm(list(_ints(shape)), elementwise_affine=node.affine)
    if isinstance(node, ir.GroupNorm):
        return nn.GroupNorm(int(node.groups), int(shape[0]), affine=node.affine)
    if isinstance(node, ir.LRN):
        return nn.LocalResponseNorm(int(node.size))
    if isinstance(node, ir.ZeroPad):
        return _padded(nn.Identity(), tuple((int(a), int(b)) for a, b in node.padding))
    if isinstance(node, ir.Upsample):
        return nn.Upsample(scale_factor=tuple(float(s) for s in node.scale), mode=node.mode)
    if isinstance(node, ir.Add | ir.Concat | ir.Multiply):
        return Merge(type(node))
    raise Untranslatable(type(node).__name__)


class Network(nn.Module):
    """A cnncalc network as one module: layers run in order on the outputs they name."""

    def __init__(self, network: ir.Network, input_shapes: Sequence[tuple[Shape, ...]]) -> None:
        super().__init__()
        self.names = [layer.name for layer in network.layers]
        self.sources = [layer.inputs for layer in network.layers]
        self.blocks = nn.ModuleList(
            module_for(layer.op, shapes)
            for layer, shapes in zip(network.layers, input_shapes, strict=True)
        )

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        values = {ir.NETWORK_INPUT: x}
        for name, sources, block in zip(self.names, self.sources, self.blocks, strict=True):
            values[name] = block(*(values[s] for s in sources))
        return values
