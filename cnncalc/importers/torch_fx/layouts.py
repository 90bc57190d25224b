"""Permuted axes: torch tensors whose axes are in another order than cnncalc's.

ConvNeXt permutes its tensors to channels last (``x.permute(0, 2, 3, 1)``)
and back; a permutation is no layer, only a note of each axis's place, which
the translators that read :attr:`Op.layout` use.
"""

from __future__ import annotations

from typing import TypeGuard

from cnncalc.importers.torch_fx.calls import Call, Shape
from cnncalc.importers.torch_fx.naming import target_name

Layout = tuple[int, ...] | None
"""Torch axis ``i`` (batch left out) is cnncalc's axis ``layout[i]``; None: the same order."""


def is_permutation(call: Call) -> bool:
    import torch

    if call.kind == "method":
        return call.target in ("permute", "transpose", "swapaxes", "swapdims", "movedim")
    return call.kind == "function" and call.target in (
        torch.permute,
        torch.transpose,
        torch.swapaxes,
        torch.swapdims,
        torch.movedim,
    )


def is_unbind(call: Call) -> bool:
    """``torch.unbind(x, dim)`` or ``x.unbind(dim)``: the tensor as its slices along an axis."""
    import torch

    if call.kind == "method":
        return bool(call.target == "unbind")
    return call.kind == "function" and call.target is torch.unbind


def permutation(call: Call, rank: int) -> tuple[int, ...] | None:
    """The new order of the (batched) axes of ``permute``/``transpose``, or None if unclear."""
    args = call.args[1:]
    name = target_name(call)
    if name == "permute":
        dims = call.kwargs.get("dims", args[0] if len(args) == 1 else args)
        if not isinstance(dims, list | tuple) or not all(_is_int(d) for d in dims):
            return None  # computed from the tensor (x.dim() - 1): not known here
        order = tuple(int(d) % rank for d in dims)
        return order if sorted(order) == list(range(rank)) else None
    if name == "movedim":
        source = call.kwargs.get("source", args[0] if args else None)
        destination = call.kwargs.get("destination", args[1] if len(args) > 1 else None)
        if not (_is_int(source) and _is_int(destination)):
            return None  # several axes moved at once, or computed ones
        moved = [axis for axis in range(rank) if axis != source % rank]
        moved.insert(destination % rank, source % rank)
        return tuple(moved)
    # transpose(dim0, dim1); swapaxes(axis0, axis1); swapdims(dim0, dim1)
    first = call.kwargs.get("dim0", call.kwargs.get("axis0", args[0] if args else None))
    second = call.kwargs.get("dim1", call.kwargs.get("axis1", args[1] if len(args) > 1 else None))
    if not (_is_int(first) and _is_int(second)):
        return None
    order_list = list(range(rank))
    a, b = first % rank, second % rank
    order_list[a], order_list[b] = order_list[b], order_list[a]
    return tuple(order_list)


def unpermuted(shape: Shape, layout: Layout) -> Shape:
    """A torch shape in cnncalc's axis order: cnncalc's axis ``layout[i]`` is torch's ``i``.

    A shape of another rank than the layout's (the output of a reshape or a flatten
    of a permuted tensor) has no cnncalc order: it is torch's, as it is.
    """
    if layout is None or len(layout) != len(shape):
        return shape
    ordered = [0] * len(shape)
    for torch_axis, axis in enumerate(layout):
        ordered[axis] = shape[torch_axis]
    return tuple(ordered)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
