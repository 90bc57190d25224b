"""Strides through view layers: which reshapes PyTorch can make without copying.

A layer that computes writes its output contiguous (row-major). A view layer
(permute, transpose, select, slice, crop, split, unflatten) keeps its input's
memory and changes only the shape and strides, which :func:`view_strides`
follows. A flatten or reshape is a view only where PyTorch's ``reshape`` finds
strides for the new shape over the same memory (:func:`reshaped`, ATen's
``computeStride``); otherwise it copies (``contiguous().view``), moving the
tensor. Shapes here include the batch axis first; sizes must be ints (a
symbolic network's reshapes are taken as views).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cnncalc import ir

Strides = tuple[int, ...]


def contiguous(shape: Sequence[int]) -> Strides:
    """Row-major strides of ``shape``: the last axis 1, each other the product after it."""
    strides = [1] * len(shape)
    for axis in range(len(shape) - 2, -1, -1):
        strides[axis] = strides[axis + 1] * shape[axis + 1]
    return tuple(strides)


def reshaped(shape: Sequence[int], strides: Strides, new_shape: Sequence[int]) -> Strides | None:
    """Strides of ``new_shape`` over the same memory, or None where there are none
    (a copy): ATen's ``computeStride``, which ``reshape`` and ``flatten`` use.

    Runs of axes that are contiguous among themselves (each stride the next one's
    times its size, size-1 axes ignored) can be regrouped freely; a new axis may
    not straddle two runs.
    """
    if not shape:
        return tuple(1 for _ in new_shape)
    result = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base = strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[tensor_d]
        if tensor_d == 0 or (
            shape[tensor_d - 1] != 1 and strides[tensor_d - 1] != tensor_numel * chunk_base
        ):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                result[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base = strides[tensor_d - 1]
                tensor_numel = view_numel = 1
    return tuple(result) if view_d == -1 else None


def _dim(axis: int, rank: int) -> int:
    """A sample axis (no batch; negative from the end) as a tensor dimension."""
    return axis + 1 if axis >= 0 else rank + axis


def view_strides(
    node: ir.Node, shape: Sequence[int], strides: Strides, new_shape: Sequence[int]
) -> Strides | None:
    """The strides of a view layer's output (one part's, for a split), or None where
    PyTorch copies (a flatten or reshape it cannot view)."""
    rank = len(shape)
    match node:
        case ir.Flatten() | ir.Reshape():
            return reshaped(shape, strides, new_shape)
        case ir.Permute():
            return (strides[0], *(strides[_dim(a, rank) % rank] for a in node.dims))
        case ir.Transpose():
            first, second = (_dim(a, rank) for a in node.dims)
            swapped = list(strides)
            swapped[first], swapped[second] = strides[second], strides[first]
            return tuple(swapped)
        case ir.Select():
            axis = _dim(node.axis, rank)
            return strides[:axis] + strides[axis + 1 :]
        case ir.Slice():
            axis = _dim(node.axis, rank)
            return (*strides[:axis], strides[axis] * node.step, *strides[axis + 1 :])
        case ir.Unflatten():
            axis = _dim(node.axis, rank)
            parts = new_shape[axis : axis + len(new_shape) - rank + 1]
            inner = tuple(strides[axis] * math.prod(parts[i + 1 :]) for i in range(len(parts)))
            return (*strides[:axis], *inner, *strides[axis + 1 :])
    return tuple(strides)  # crop, split, dropout, identity: the same strides
