"""Tensor layouts (strides) through views, as PyTorch lays them out, for numeric shapes.

Whether a reshape is a view or a copy, and whether ``nn.Linear`` or ``torch.matmul`` can
fold a tensor's leading axes without copying it, depends on its strides, which views
(permute, transpose, select, slice, split, crop) change. This module follows them for a
batch of 2 (any batch above 1 lays out alike; a batch of 1 can make more views
contiguous). A layout is ``(sizes, strides)`` with the batch axis first.
"""

from __future__ import annotations

from typing import TypeAlias

Layout: TypeAlias = tuple[tuple[int, ...], tuple[int, ...]]
"""``(sizes, strides)`` of a tensor, batch axis first, in elements."""

BATCH = 2
"""The batch the layouts are followed for."""


def contiguous(sizes: tuple[int, ...]) -> Layout:
    """Row-major strides of ``sizes``."""
    strides: list[int] = []
    step = 1
    for size in reversed(sizes):
        strides.append(step)
        step *= max(size, 1)
    return sizes, tuple(reversed(strides))


def is_contiguous(layout: Layout) -> bool:
    """PyTorch's ``is_contiguous``: row-major, axes of size 1 ignored."""
    sizes, strides = layout
    expected = 1
    for size, stride in zip(reversed(sizes), reversed(strides), strict=True):
        if size == 1:
            continue
        if stride != expected:
            return False
        expected *= size
    return True


def is_dense(layout: Layout) -> bool:
    """Non-overlapping and dense: a permutation of a contiguous layout (no gaps)."""
    sizes, strides = layout
    order = sorted((s, n) for n, s in zip(sizes, strides, strict=True) if n != 1)
    expected = 1
    for stride, size in order:
        if stride != expected:
            return False
        expected *= size
    return True


def permuted(layout: Layout, dims: tuple[int, ...]) -> Layout:
    """Axes reordered: output axis ``i`` is input axis ``dims[i]``."""
    sizes, strides = layout
    return tuple(sizes[d] for d in dims), tuple(strides[d] for d in dims)


def like(layout: Layout, sizes: tuple[int, ...]) -> Layout:
    """A new tensor of ``sizes`` laid out in ``layout``'s axis order (TensorIterator's
    output for an element-wise step: the input's order of strides, packed)."""
    _, strides = layout
    order = sorted(range(len(sizes)), key=lambda axis: -strides[axis])  # stable: ties keep order
    packed = contiguous(tuple(sizes[axis] for axis in order))[1]
    result = [0] * len(sizes)
    for position, axis in enumerate(order):
        result[axis] = packed[position]
    return sizes, tuple(result)


def view(layout: Layout, sizes: tuple[int, ...]) -> Layout | None:
    """``tensor.view(sizes)``'s layout, or None where a view cannot express it (``reshape``
    copies): PyTorch's ``computeStride``."""
    old_sizes, old_strides = layout
    if 0 in old_sizes:
        return contiguous(sizes)
    new_strides = [0] * len(sizes)
    view_d = len(sizes) - 1
    chunk_base_stride = old_strides[-1] if old_strides else 1
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(old_sizes) - 1, -1, -1):
        tensor_numel *= old_sizes[tensor_d]
        if tensor_d == 0 or (
            old_sizes[tensor_d - 1] != 1
            and old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride
        ):
            while view_d >= 0 and (view_numel < tensor_numel or sizes[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= sizes[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return sizes, tuple(new_strides)


def sliced(layout: Layout, axis: int, size: int, step: int = 1) -> Layout:
    """Axis ``axis`` cut to ``size`` positions ``step`` apart."""
    sizes, strides = layout
    return (
        (*sizes[:axis], size, *sizes[axis + 1 :]),
        (*strides[:axis], strides[axis] * step, *strides[axis + 1 :]),
    )


def selected(layout: Layout, axis: int) -> Layout:
    """Axis ``axis`` removed (one index taken)."""
    sizes, strides = layout
    return sizes[:axis] + sizes[axis + 1 :], strides[:axis] + strides[axis + 1 :]


def folds(layout: Layout, kept: int) -> bool:
    """Whether all but the last ``kept`` axes merge into one as a view (``reshape`` without
    a copy): what ``nn.Linear`` (``kept`` 1) and ``torch.matmul`` (2) do to batch them."""
    sizes, _ = layout
    lead = 1
    for size in sizes[:-kept]:
        lead *= size
    return view(layout, (lead, *sizes[len(sizes) - kept :])) is not None
