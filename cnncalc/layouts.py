"""Where a tensor's values lie in memory, as PyTorch lays them out on the CPU: strides.

The inference memory analysis (:mod:`cnncalc.memory`) needs to know which layers
PyTorch computes as views of their input (no new storage) and which copy. Most
views always are (``permute``, ``select``, a ``split``'s parts, ``dropout`` at
inference), but a ``flatten`` or ``reshape`` is a view only where the input's
strides allow it (ATen's ``computeStride``), so the strides of every tensor are
followed through the network, batch axis first: a new output is contiguous, but
an element-wise layer's follows its input's layout (TensorIterator), a layer norm
over channels leaves a channels-last tensor (torchvision's ``LayerNorm2d``
permutes around ``F.layer_norm``), and other layers on a channels-last 4-D or 5-D
input write channels-last (``suggest_memory_format``), softmax excepted. On
symbolic sizes only a contiguous tensor is known to be viewable.
"""

from __future__ import annotations

from typing import TypeAlias

from cnncalc import ir
from cnncalc.arith import Dim

Sizes: TypeAlias = tuple[Dim, ...]
"""Sizes or strides of a tensor, batch axis first."""

_VIEWS = (
    ir.Flatten,
    ir.Reshape,
    ir.Unflatten,
    ir.Permute,
    ir.Transpose,
    ir.Select,
    ir.Slice,
    ir.Crop,
    ir.Split,
    ir.Identity,
    ir.Dropout,
)
"""Layers whose output PyTorch makes a view of their input (``dropout`` at inference
returns the input itself)."""

_RESHAPES = (ir.Flatten, ir.Reshape)
"""Views only where the input's strides allow (``torch.reshape`` copies otherwise)."""


def is_view(node: ir.Node | None) -> bool:
    """Whether PyTorch makes the layer's output a view of its input (reshapes: if it can)."""
    return isinstance(node, _VIEWS)


def contiguous(sizes: Sizes) -> Sizes:
    """The strides of a new tensor of ``sizes``: the last axis varies fastest."""
    strides: list[Dim] = []
    step: Dim = 1
    for size in reversed(sizes):
        strides.append(step)
        step = step * size
    return tuple(reversed(strides))


def _numeric(*values: Sizes) -> bool:
    return all(type(v) is int for group in values for v in group)


def _dense(sizes: Sizes, strides: Sizes) -> bool:
    """Whether the values fill a block of memory without gaps (any order of the axes)."""
    if not _numeric(sizes, strides):
        return strides == contiguous(sizes)
    order = sorted((stride, size) for size, stride in zip(sizes, strides, strict=True) if size != 1)
    expected = 1
    for stride, size in order:
        if stride != expected:
            return False
        expected *= size
    return True


def _dense_like(sizes: Sizes, strides: Sizes) -> Sizes:
    """Contiguous strides in the order of ``strides`` (``torch.empty_like`` of a dense tensor)."""
    if not _numeric(sizes, strides):
        return contiguous(sizes)
    axes = sorted(range(len(sizes)), key=lambda a: (strides[a], a))
    result: list[Dim] = [0] * len(axes)
    step = 1
    for axis in axes:
        result[axis] = step
        step *= int(sizes[axis])
    return tuple(result)


def output_strides(node: ir.Node | None, sizes: Sizes, strides: Sizes, new: Sizes) -> Sizes:
    """The strides of a computing layer's new output of sizes ``new`` (batch axis first),
    from its (first) input's ``sizes`` and ``strides``, as PyTorch lays it out on the CPU.

    An element-wise layer follows its (first) input's layout (TensorIterator); a
    layer norm over channels is a permuted channels-last tensor (torchvision's
    ``LayerNorm2d`` normalises ``x.permute(0, 2, 3, 1)`` and permutes back); other
    layers on a channels-last 4-D or 5-D input write a channels-last output of the
    same rank (``suggest_memory_format``: convolutions, pooling, batch norm, padding,
    upsampling, concatenation, …) but softmax; all else is contiguous.
    """
    if not _numeric(new, sizes, strides):
        return contiguous(new)
    if _elementwise(node) and sizes == new and _dense(sizes, strides):
        return _dense_like(sizes, strides)
    rank = len(new)
    if isinstance(node, ir.LayerNorm) and node.over == "channels" and rank == 4:
        return _channels_last(new)
    softmax = isinstance(node, ir.ElementWise) and node.function is ir.Activation.SOFTMAX
    if rank in (4, 5) and len(sizes) == rank and _is_channels_last(sizes, strides) and not softmax:
        return _channels_last(new)
    return contiguous(new)


def _channels_last(sizes: Sizes) -> Sizes:
    """Contiguous strides in the order batch, spatial axes, channels."""
    order = (0, *range(2, len(sizes)), 1)
    inner = contiguous(tuple(sizes[a] for a in order))
    strides: list[Dim] = [0] * len(sizes)
    for position, axis in enumerate(order):
        strides[axis] = inner[position]
    return tuple(strides)


def _is_channels_last(sizes: Sizes, strides: Sizes) -> bool:
    """PyTorch's ``is_channels_last_strides_2d``/``_3d`` (ambiguous cases are not)."""
    rank = len(sizes)
    if strides[1] == 0:
        return False
    smallest: Dim = 0
    for d in (1, *range(rank - 1, 1, -1), 0):
        if sizes[d] == 0 or strides[d] < smallest:
            return False
        if d == 0 and smallest == strides[1]:
            return False  # ambiguous: NCHW, PyTorch's default
        smallest = strides[d]
        if sizes[d] > 1:
            smallest = smallest * sizes[d]
    return True


def _elementwise(node: ir.Node | None) -> bool:
    """Layers PyTorch computes with a TensorIterator, whose output follows its input's layout."""
    kinds = (ir.ElementWise, ir.Scalar, ir.Add, ir.Multiply, ir.PReLU, ir.LayerScale,
             ir.PositionEmbedding)  # fmt: skip
    return isinstance(node, kinds) and not (
        isinstance(node, ir.ElementWise) and node.function is ir.Activation.SOFTMAX
    )


def view_strides(node: ir.Node | None, sizes: Sizes, strides: Sizes, new: Sizes) -> Sizes | None:
    """The strides of a view layer's output of sizes ``new`` (batch axis first) over an input
    of ``sizes`` and ``strides``, or None where PyTorch must copy (a reshape)."""
    if isinstance(node, _RESHAPES):
        return _reshaped(sizes, strides, new)
    if isinstance(node, ir.Permute | ir.Transpose):
        axes = (
            (0, *(_axis(a, len(sizes)) for a in node.dims))
            if isinstance(node, ir.Permute)
            else _swapped(len(sizes), node.dims)
        )
        return tuple(strides[a] for a in axes)
    if isinstance(node, ir.Identity | ir.Dropout):
        return strides
    if isinstance(node, ir.Unflatten):
        return _reshaped(sizes, strides, new) or contiguous(new)
    kept = list(strides)
    if isinstance(node, ir.Select):
        del kept[_axis(node.axis, len(kept))]
    elif isinstance(node, ir.Slice):
        kept[_axis(node.axis, len(kept))] *= node.step
    return tuple(kept)  # crop, a split's part: a part of the input, its strides


def _axis(axis: int, rank: int) -> int:
    """A sample axis (no batch) as an axis of the batched tensor."""
    return axis + 1 if axis >= 0 else axis + rank


def _swapped(rank: int, dims: tuple[int, int]) -> tuple[int, ...]:
    axes = list(range(rank))
    a, b = (_axis(d, rank) for d in dims)
    axes[a], axes[b] = axes[b], axes[a]
    return tuple(axes)


def _reshaped(sizes: Sizes, strides: Sizes, new: Sizes) -> Sizes | None:
    """The strides of ``new`` viewing a tensor of ``sizes``/``strides``, or None (a copy).

    PyTorch's rule (ATen ``computeStride``): each run of input axes that are
    contiguous with one another may be split or merged freely; a new axis may not
    straddle two runs. Sizes of 1 are free. On symbols, only a contiguous tensor.
    """
    if not _numeric(sizes, strides, new):
        return contiguous(new) if strides == contiguous(sizes) else None
    result: list[Dim] = [0] * len(new)
    view_d = len(new) - 1
    chunk = int(strides[-1]) if strides else 1
    tensor_numel, view_numel = 1, 1
    for tensor_d in range(len(sizes) - 1, -1, -1):
        tensor_numel *= int(sizes[tensor_d])
        if tensor_d == 0 or (
            sizes[tensor_d - 1] != 1 and strides[tensor_d - 1] != tensor_numel * chunk
        ):
            while view_d >= 0 and (view_numel < tensor_numel or new[view_d] == 1):
                result[view_d] = view_numel * chunk
                view_numel *= int(new[view_d])
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk = int(strides[tensor_d - 1])
                tensor_numel, view_numel = 1, 1
    if view_d != -1:
        return None
    return tuple(result)
