"""Layers that move values without computing: reshape, permute, split, select, slice, crop.

Axes are the sample's axes, without the batch: ``0`` is the channels of a map
(or the tokens of a ``[tokens, features]`` tensor) and a negative axis counts
from the end, as in PyTorch (``transpose(-2, -1)``). None of these layers has
parameters, creates neurons or connections, or costs an operation in any
convention: PyTorch's ``view``/``permute``/``split`` are views or copies that
FlopCounterMode, fvcore, ptflops and torchinfo all count as nothing.
"""

from __future__ import annotations

from functools import partial

from cnncalc.arith import Dim, Shape, ceil_div, divides, equals, exact_div, prod, require
from cnncalc.errors import RuleError, show_value
from cnncalc.i18n import _
from cnncalc.ir import (
    ChannelShuffle,
    Crop,
    Flatten,
    Permute,
    Reshape,
    Scalar,
    Select,
    Slice,
    Split,
    Transpose,
    Unflatten,
)
from cnncalc.rules.base import LayerCounts, rule
from cnncalc.rules.normalization import groups_must_divide
from cnncalc.rules.window import format_shape, split_input


def axis_index(axis: int, rank: int, field: str) -> int:
    """``axis`` of a rank-``rank`` sample as an index ``0 … rank − 1`` (negative: from the end)."""
    if not -rank <= axis < rank:
        raise RuleError(
            field,
            _(
                "axis {axis} does not exist: the input has {rank} axes (0 to {last}, or "
                "-{rank} to -1 from the end; the batch axis is not counted)"
            ).format(axis=axis, rank=rank, last=rank - 1),
        )
    return axis % rank


def _not_divisible(known: Dim, total: Dim, shape: Shape) -> str:
    return _("{total} values do not fill {shape}: not a multiple of {known}").format(
        total=show_value(total), shape=format_shape(shape), known=show_value(known)
    )


def _sizes_mismatch(total: Dim, wanted: Dim, shape: Shape) -> str:
    return _("{shape} holds {wanted} values, the input {total}").format(
        shape=format_shape(shape), wanted=show_value(wanted), total=show_value(total)
    )


def with_inferred(sizes: tuple[Dim, ...], total: Dim, field: str) -> Shape:
    """``sizes`` holding ``total`` values, its one ``-1`` (if any) inferred as PyTorch does."""
    unknown = [i for i, size in enumerate(sizes) if type(size) is int and size == -1]
    if len(unknown) > 1:
        raise RuleError(field, _("only one size may be -1 (inferred)"))
    if not unknown:
        require(
            equals(prod(sizes), total), field, partial(_sizes_mismatch, total, prod(sizes), sizes)
        )
        return sizes
    (position,) = unknown
    known = prod(size for i, size in enumerate(sizes) if i != position)
    require(divides(known, total), field, partial(_not_divisible, known, total, sizes))
    return (*sizes[:position], exact_div(total, known), *sizes[position + 1 :])


@rule(Flatten)
def flatten(node: Flatten, input_shape: Shape) -> LayerCounts:
    """Axes ``start`` to ``end`` become one of their product; the whole sample by default.

    ``(c, h, w) → (c·h·w,)``: 《第五章 深度学习用于计算机视觉(一)》, ``3·3·64 = 576``.
    ``start: 1`` keeps the channels: ``(c, h, w) → (c, h·w)``, ViT's patches before
    their transpose to tokens.
    """
    rank = len(input_shape)
    start = axis_index(node.start, rank, "start")
    end = axis_index(node.end, rank, "end")
    if start > end:
        raise RuleError(
            "end",
            _("end axis {end} comes before start axis {start}").format(
                end=node.end, start=node.start
            ),
        )
    merged = prod(input_shape[start : end + 1])
    return LayerCounts(output_shape=(*input_shape[:start], merged, *input_shape[end + 1 :]))


@rule(Reshape)
def reshape(node: Reshape, input_shape: Shape) -> LayerCounts:
    """The same values in ``shape`` (its product must equal the input's; one ``-1`` inferred)."""
    return LayerCounts(output_shape=with_inferred(node.shape, prod(input_shape), "shape"))


@rule(Permute)
def permute(node: Permute, input_shape: Shape) -> LayerCounts:
    """Output axis ``i`` is input axis ``dims[i]``: ``[1, 2, 0]`` makes ``(c, h, w)`` into
    ``(h, w, c)``."""
    rank = len(input_shape)
    if len(node.dims) != rank:
        raise RuleError(
            "dims",
            _("{count} axes for an input of {rank}: {shape}").format(
                count=len(node.dims), rank=rank, shape=format_shape(input_shape)
            ),
        )
    order = [axis_index(axis, rank, "dims") for axis in node.dims]
    if len(set(order)) != rank:
        raise RuleError(
            "dims",
            _("{dims} names an axis twice: not a permutation").format(dims=list(node.dims)),
        )
    return LayerCounts(output_shape=tuple(input_shape[axis] for axis in order))


@rule(Transpose)
def transpose(node: Transpose, input_shape: Shape) -> LayerCounts:
    """Axes ``dims[0]`` and ``dims[1]`` swapped."""
    rank = len(input_shape)
    first, second = (axis_index(axis, rank, "dims") for axis in node.dims)
    shape = list(input_shape)
    shape[first], shape[second] = shape[second], shape[first]
    return LayerCounts(output_shape=tuple(shape))


@rule(Unflatten)
def unflatten(node: Unflatten, input_shape: Shape) -> LayerCounts:
    """Axis ``axis`` becomes the axes ``sizes`` (their product its size; one ``-1`` inferred)."""
    axis = axis_index(node.axis, len(input_shape), "axis")
    sizes = with_inferred(node.sizes, input_shape[axis], "sizes")
    return LayerCounts(output_shape=(*input_shape[:axis], *sizes, *input_shape[axis + 1 :]))


@rule(ChannelShuffle)
def channel_shuffle(node: ChannelShuffle, input_shape: Shape) -> LayerCounts:
    """Channels regrouped (ShuffleNet): ``groups`` must divide them; the shape is unchanged.
    Like PyTorch's, it needs maps (channels and at least one more axis)."""
    if len(input_shape) < 2:
        raise RuleError(
            None,
            _("channel_shuffle needs maps (channels, …), got {shape}").format(
                shape=format_shape(input_shape)
            ),
        )
    channels = input_shape[0]
    message = partial(groups_must_divide, node.groups, channels)
    require(divides(node.groups, channels), "groups", message)
    return LayerCounts(output_shape=input_shape)


def _parts_mismatch(total: Dim, parts: Dim) -> str:
    return _("the parts' sizes add up to {parts}, the axis has {total}").format(
        parts=show_value(parts), total=show_value(total)
    )


def _chunks_mismatch(chunks: Dim, size: Dim) -> str:
    return _(
        "{chunks} chunks do not divide the axis of {size}: give the parts' sizes with 'sizes'"
    ).format(chunks=show_value(chunks), size=show_value(size))


@rule(Split)
def split(node: Split, input_shape: Shape) -> LayerCounts:
    """The axis cut into parts, each an output: ``sizes`` must add up to the axis,
    ``chunks`` must divide it. Later layers read part ``i`` as ``NAME.i``."""
    axis = axis_index(node.axis, len(input_shape), "axis")
    size = input_shape[axis]
    if node.sizes is not None:
        parts = node.sizes
        require(equals(sum(parts[1:], parts[0]), size), "sizes",
                partial(_parts_mismatch, size, sum(parts[1:], parts[0])))  # fmt: skip
    else:
        chunks = node.chunks if node.chunks is not None else 1
        if type(chunks) is not int:
            raise RuleError("chunks", _("the number of chunks must be a number, not a formula"))
        require(divides(chunks, size), "chunks", partial(_chunks_mismatch, chunks, size))
        parts = (exact_div(size, chunks),) * chunks
    outputs = tuple((*input_shape[:axis], part, *input_shape[axis + 1 :]) for part in parts)
    return LayerCounts(output_shape=outputs[0], outputs=outputs)


@rule(Select)
def select(node: Select, input_shape: Shape) -> LayerCounts:
    """One index of the axis (``x[i]``; negative from its end): the axis is removed, so the
    input needs two axes at least (a sample of no axis is one number, not a tensor)."""
    if len(input_shape) < 2:
        raise RuleError(
            None,
            _("select would leave no axis of {shape}: use slice").format(
                shape=format_shape(input_shape)
            ),
        )
    axis = axis_index(node.axis, len(input_shape), "axis")
    size = input_shape[axis]
    out_of_range = partial(_index_out_of_range, node.index, size)
    if node.index >= 0:
        require(node.index < size, "index", out_of_range)
    else:
        require(size + node.index >= 0, "index", out_of_range)
    return LayerCounts(output_shape=(*input_shape[:axis], *input_shape[axis + 1 :]))


def _index_out_of_range(index: int, size: Dim) -> str:
    return _("index {index} is out of range for an axis of {size}").format(
        index=index, size=show_value(size)
    )


def _slice_bound(value: int | None, default: Dim, size: Dim, field: str) -> Dim:
    """A slice bound as an index ``0 … size``: a negative one counts from the end. It must
    lie within the axis: Python clamps ``x[:100]`` of 10 values to 10, but a formula
    cannot be clamped, so numbers and formulas follow the one rule."""
    if value is None:
        return default
    bound = size + value if value < 0 else value
    require(bound >= 0, field, partial(_bound_outside, value, size))
    require(bound <= size, field, partial(_bound_outside, value, size))
    return bound


def _bound_outside(value: int, size: Dim) -> str:
    return _("{value} is outside an axis of {size}").format(value=value, size=show_value(size))


def _keeps_nothing(node: Slice, size: Dim) -> str:
    start = "" if node.start is None else node.start
    stop = "" if node.stop is None else node.stop
    return _("{slice} keeps nothing of an axis of {size}").format(
        slice=f"[{start}:{stop}:{node.step}]", size=show_value(size)
    )


@rule(Slice)
def slice_(node: Slice, input_shape: Shape) -> LayerCounts:
    """``x[start:stop:step]`` along the axis: ``⌈(stop − start)/step⌉`` values, a negative
    bound counting from the axis's end (ViT's class token: ``[0:1]`` of the tokens).
    Both bounds must lie within the axis, and at least one value must be kept."""
    axis = axis_index(node.axis, len(input_shape), "axis")
    size = input_shape[axis]
    start = _slice_bound(node.start, 0, size, "start")
    stop = _slice_bound(node.stop, size, size, "stop")
    require(stop - start >= 1, "stop", partial(_keeps_nothing, node, size))
    length = ceil_div(stop - start, node.step)
    return LayerCounts(output_shape=(*input_shape[:axis], length, *input_shape[axis + 1 :]))


def _cropped_away(size: Dim, cut: Dim) -> str:
    return _("cropping {cut} leaves nothing of an axis of {size}").format(
        cut=show_value(cut), size=show_value(size)
    )


@rule(Crop)
def crop(node: Crop, input_shape: Shape) -> LayerCounts:
    """Each spatial axis shrinks by its cropping: ``n − before − after`` (at least 1)."""
    channels, spatial = split_input(input_shape, len(node.cropping), _("crop"))
    sizes = []
    for n, (before, after) in zip(spatial, node.cropping, strict=True):
        require(n - before - after >= 1, "cropping", partial(_cropped_away, n, before + after))
        sizes.append(n - before - after)
    return LayerCounts(output_shape=(channels, *sizes))


@rule(Scalar)
def scalar(node: Scalar, input_shape: Shape) -> LayerCounts:
    """Each value combined with a constant (``x + 3``, ``x / 6``): the shape is unchanged.

    Like an activation it transforms each unit in place (no neurons, no
    connections); no peer counts it: FlopCounterMode has no entry for ``add``
    or ``mul`` with a number, fvcore and ptflops skip it, torchinfo counts modules.
    """
    return LayerCounts(output_shape=input_shape)
