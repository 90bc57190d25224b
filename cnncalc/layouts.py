"""Where a tensor's values lie in memory, as PyTorch (CPU) lays them out: sizes and strides.

One job: follow every tensor's sizes and strides (in elements, batch axis first)
through every layer type, so that the memory analyses can tell which layers are
views of their input (no storage of their own), which reshapes copy, and which
``nn.Linear``/``torch.matmul`` inputs fold their leading axes without a copy.
:mod:`cnncalc.memory`, :mod:`cnncalc.roofline` and :mod:`cnncalc.saved_tensors`
all use it, and the facts about layer types below are stated here only once.

What it follows, each measured against PyTorch (tests/test_layouts.py):

- a **view** (:data:`VIEWS`) keeps its input's memory: ``permute``, ``transpose``,
  ``select``, ``slice``, ``crop``, a ``split``'s parts, ``unflatten``, ``identity``,
  and ``dropout`` at inference (``F.dropout`` returns its input; in training only at
  rate 0). A ``flatten`` or ``reshape`` (:data:`RESHAPES`) is a view only where ATen's
  ``computeStride`` finds strides for the new shape (:func:`reshaped`), else
  ``reshape`` copies;
- a **new output** is contiguous (row-major) but where PyTorch lays it out otherwise
  (:func:`output_strides`): an element-wise layer (:data:`ELEMENT_WISE`,
  TensorIterator) keeps a dense input's strides and otherwise its input's order of
  strides (softmax does not: its output is always contiguous); a layer norm over
  channels leaves a channels-last tensor (torchvision's ``LayerNorm2d`` permutes
  around ``F.layer_norm``), and so do Swin's layers on ``[c, h, w]`` maps; a dense
  layer along another axis than the last moves it back (a permuted view of the
  linear's output); the layers of :data:`KEEPS_CHANNELS_LAST` on a channels-last 4-D or
  5-D input write a channels-last output of the same rank (``suggest_memory_format``:
  convolutions, pooling, batch and group norm, padding, upsampling, concatenation, …);
- the **batch** is the one the analysis is for: with a batch of 1 its axis has no
  stride to respect, and more reshapes and folds are views (measured: a transposed
  ``[1, t, c]`` folds into ``nn.Linear``'s rows as a view, ``[2, t, c]`` does not); a
  symbolic batch is taken as more than 1 (:data:`BATCH`), and so is every batch by
  :mod:`cnncalc.saved_tensors` (its docstring says why);
- **symbolic sizes** (``Dim`` formulas): only a tensor whose strides are, as
  formulas, the contiguous ones is known to be viewable, and a new output is taken
  as contiguous (whether strides allow more depends on the sizes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from cnncalc import ir
from cnncalc.arith import Dim

Sizes: TypeAlias = tuple[Dim, ...]
"""Sizes or strides of a tensor, batch axis first, in elements."""

Layout: TypeAlias = tuple[Sizes, Sizes]
"""``(sizes, strides)`` of a tensor."""

BATCH = 2
"""The batch layouts are followed for when the batch is a symbol (any batch above 1 lays
out alike; a batch of 1 can make more views)."""

# -- facts about layer types (one list per fact, used by every analysis) --------------------

VIEWS: tuple[type[ir.Node], ...] = (
    ir.Flatten, ir.Reshape, ir.Unflatten, ir.Permute, ir.Transpose, ir.Select, ir.Slice,
    ir.Crop, ir.Split, ir.Identity, ir.Dropout,
)  # fmt: skip
"""Node types PyTorch computes as views of their input at inference (``dropout`` returns
its input; a flatten or reshape only where the strides allow: :data:`RESHAPES`)."""

RESHAPES: tuple[type[ir.Node], ...] = (ir.Flatten, ir.Reshape)
"""Views only where the input's strides allow (``torch.reshape`` copies otherwise;
``unflatten`` splits one axis and always can)."""

WHOLE_VIEWS: tuple[type[ir.Node], ...] = (
    ir.Flatten, ir.Reshape, ir.Unflatten, ir.Permute, ir.Transpose, ir.Dropout, ir.Identity,
)  # fmt: skip
"""Views that always hold all their input's values (a select, slice, crop or split part
holds some)."""

ELEMENT_WISE: tuple[type[ir.Node], ...] = (
    ir.ElementWise, ir.Scalar, ir.Add, ir.Multiply, ir.PReLU, ir.LayerScale,
    ir.PositionEmbedding, ir.Dropout,
)  # fmt: skip
"""Node types PyTorch computes with a TensorIterator, whose output follows its input's
layout (softmax, an ``ElementWise`` function, excepted: :func:`is_element_wise`;
``dropout`` computes only in training, at inference it is a view)."""

KEEPS_CHANNELS_LAST: tuple[type[ir.Node], ...] = (
    ir.Conv, ir.ConvTranspose, ir.Pool, ir.AdaptivePool, ir.BatchNorm, ir.GroupNorm, ir.LRN,
    ir.ZeroPad, ir.Upsample, ir.Concat, ir.ChannelShuffle, ir.L2Normalize, ir.Standardize,
)  # fmt: skip
"""Node types whose CPU kernels write a channels-last output for a channels-last 4-D or 5-D
input (``suggest_memory_format``; measured for each but Keras's ``Standardize``, a
broadcast element-wise step); a layer norm over the last axis or all of them, a matrix
product or Swin's layers on ``[h, w, c]`` write a contiguous one (measured)."""

IN_PLACE_ACTIVATIONS = frozenset(
    {
        ir.Activation.RELU,
        ir.Activation.RELU6,
        ir.Activation.LEAKY_RELU,
        ir.Activation.ELU,
        ir.Activation.SILU,
        ir.Activation.HARDSWISH,
        ir.Activation.HARDSIGMOID,
        ir.Activation.MISH,
        ir.Activation.SIGMOID,
        ir.Activation.TANH,
    }
)
"""Activations PyTorch can compute in place (``inplace=True``, ``sigmoid_``, ``tanh_``)."""

IN_PLACE_NODES: tuple[type[ir.Node], ...] = (
    ir.Add, ir.Multiply, ir.Scalar, ir.LayerScale, ir.PositionEmbedding,
    ir.RelativePositionBias,
)  # fmt: skip
"""Other layers with an in-place form (``add_``, ``mul_``) into an input of their output's
shape."""


def is_view(node: ir.Node | None, *, training: bool = False) -> bool:
    """Whether PyTorch makes the layer's output a view of its input (a reshape: if it can).

    In training a dropout of a non-zero rate computes its output (a mask times the input).
    """
    if training and isinstance(node, ir.Dropout):
        return node.rate == 0
    return isinstance(node, VIEWS)


def is_element_wise(node: ir.Node | None) -> bool:
    """Whether the layer's output follows its input's layout (TensorIterator): softmax not."""
    if isinstance(node, ir.ElementWise):
        return node.function is not ir.Activation.SOFTMAX
    return isinstance(node, ELEMENT_WISE)


def in_place_able(node: ir.Node | None) -> bool:
    """Whether the layer can write its output over an input (when nothing reads it later)."""
    if isinstance(node, ir.ElementWise):
        return node.function in IN_PLACE_ACTIVATIONS
    return isinstance(node, IN_PLACE_NODES)


def moves_axis(node: ir.Node | None, rank: int) -> bool:
    """Whether ``node`` is a dense layer along another axis than the last of a sample of
    ``rank`` axes (PyTorch moves that axis last for ``nn.Linear`` and back after)."""
    return isinstance(node, ir.Dense) and node.axis is not None and node.axis % rank != rank - 1


# -- strides -------------------------------------------------------------------------------


def contiguous(sizes: Sizes) -> Sizes:
    """The strides of a new tensor of ``sizes``: the last axis varies fastest."""
    strides: list[Dim] = []
    step: Dim = 1
    for size in reversed(sizes):
        strides.append(step)
        step = step * size
    return tuple(reversed(strides))


def numeric(*values: Sizes) -> bool:
    """Whether every size or stride given is a number (not a formula)."""
    return all(type(v) is int for group in values for v in group)


def is_contiguous(sizes: Sizes, strides: Sizes) -> bool:
    """PyTorch's ``is_contiguous``: row-major, axes of size 1 ignored (formulas: exactly)."""
    if not numeric(sizes, strides):
        return strides == contiguous(sizes)
    expected = 1
    for size, stride in zip(reversed(sizes), reversed(strides), strict=True):
        if size == 1:
            continue
        if stride != expected:
            return False
        expected *= int(size)
    return True


def is_dense(sizes: Sizes, strides: Sizes) -> bool:
    """Non-overlapping and dense: the values fill a block without gaps, in any axis order."""
    if not numeric(sizes, strides):
        return strides == contiguous(sizes)
    order = sorted((int(s), int(n)) for n, s in zip(sizes, strides, strict=True) if n != 1)
    expected = 1
    for stride, size in order:
        if stride != expected:
            return False
        expected *= size
    return True


def permuted(sizes: Sizes, strides: Sizes, dims: tuple[int, ...]) -> Layout:
    """Axes reordered: output axis ``i`` is input axis ``dims[i]``."""
    return tuple(sizes[d] for d in dims), tuple(strides[d] for d in dims)


def sliced(sizes: Sizes, strides: Sizes, axis: int, size: Dim, step: int = 1) -> Layout:
    """Axis ``axis`` cut to ``size`` positions ``step`` apart."""
    return (
        (*sizes[:axis], size, *sizes[axis + 1 :]),
        (*strides[:axis], strides[axis] * step, *strides[axis + 1 :]),
    )


def like(sizes: Sizes, strides: Sizes) -> Sizes:
    """An element-wise step's output strides over an input of ``sizes``/``strides``
    (TensorIterator): a dense input's own strides; otherwise new strides in the input's
    order of strides (the largest outermost; ties keep the axes' order). Formulas: a
    contiguous input's, else contiguous."""
    if not numeric(sizes, strides):
        return contiguous(sizes)
    if is_dense(sizes, strides):
        return strides
    order = sorted(range(len(sizes)), key=lambda axis: -int(strides[axis]))  # stable
    packed = contiguous(tuple(sizes[axis] for axis in order))
    result: list[Dim] = [0] * len(sizes)
    for position, axis in enumerate(order):
        result[axis] = packed[position]
    return tuple(result)


def _in_order(sizes: Sizes, order: tuple[int, ...]) -> Sizes:
    """Contiguous strides with the axes nested in ``order`` (outermost first)."""
    inner = contiguous(tuple(sizes[a] for a in order))
    strides: list[Dim] = [0] * len(sizes)
    for position, axis in enumerate(order):
        strides[axis] = inner[position]
    return tuple(strides)


def channels_last(sizes: Sizes) -> Sizes:
    """Contiguous strides in the order batch, spatial axes, channels."""
    return _in_order(sizes, (0, *range(2, len(sizes)), 1))


def is_channels_last(sizes: Sizes, strides: Sizes) -> bool:
    """PyTorch's ``is_channels_last_strides_2d``/``_3d`` (ambiguous cases are not)."""
    if len(sizes) not in (4, 5) or not numeric(sizes, strides) or strides[1] == 0:
        return False
    smallest: Dim = 0
    for d in (1, *range(len(sizes) - 1, 1, -1), 0):
        if sizes[d] == 0 or strides[d] < smallest:
            return False
        if d == 0 and smallest == strides[1]:
            return False  # ambiguous: NCHW, PyTorch's default
        smallest = strides[d]
        if sizes[d] > 1:
            smallest = smallest * sizes[d]
    return True


def reshaped(sizes: Sizes, strides: Sizes, new: Sizes) -> Sizes | None:
    """The strides of ``new`` viewing a tensor of ``sizes``/``strides``, or None where
    there are none (``reshape`` copies): ATen's ``computeStride``.

    Each run of input axes that are contiguous with one another may be split or merged
    freely; a new axis may not straddle two runs. Sizes of 1 are free. On formulas,
    only a contiguous tensor.
    """
    if not numeric(sizes, strides, new):
        return contiguous(new) if strides == contiguous(sizes) else None
    if 0 in sizes or not sizes:
        return contiguous(new)
    result: list[Dim] = [0] * len(new)
    view_d = len(new) - 1
    chunk = int(strides[-1])
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


def folds(sizes: Sizes, strides: Sizes, kept: int) -> bool:
    """Whether all but the last ``kept`` axes merge into one as a view (``reshape`` without
    a copy): what ``nn.Linear`` (``kept`` 1) and ``torch.matmul`` (2) do to batch them."""
    lead: Dim = 1
    for size in sizes[:-kept]:
        lead = lead * size
    return reshaped(sizes, strides, (lead, *sizes[len(sizes) - kept :])) is not None


def tensor_axis(axis: int, rank: int) -> int:
    """A sample axis (no batch; negative from the end) of a tensor of ``rank`` axes, batch
    included, as that tensor's axis."""
    return axis % (rank - 1) + 1


def _swapped(rank: int, dims: tuple[int, int]) -> tuple[int, ...]:
    axes = list(range(rank))
    a, b = (tensor_axis(d, rank) for d in dims)
    axes[a], axes[b] = axes[b], axes[a]
    return tuple(axes)


# -- through layers --------------------------------------------------------------------------


def view_strides(node: ir.Node | None, sizes: Sizes, strides: Sizes, new: Sizes) -> Sizes | None:
    """The strides of a view layer's output of sizes ``new`` (a split's part's: its sizes)
    over an input of ``sizes``/``strides``, or None where PyTorch copies (a reshape)."""
    rank = len(sizes)
    if isinstance(node, RESHAPES):
        return reshaped(sizes, strides, new)
    if isinstance(node, ir.Permute):
        return tuple(strides[a] for a in (0, *(tensor_axis(d, rank) for d in node.dims)))
    if isinstance(node, ir.Transpose):
        return tuple(strides[a] for a in _swapped(rank, node.dims))
    if isinstance(node, ir.Unflatten):  # one axis split: always a view
        viewed = reshaped(sizes, strides, new)
        if viewed is not None:
            return viewed
        axis = tensor_axis(node.axis, rank)
        parts = new[axis : axis + len(new) - rank + 1]
        inner: list[Dim] = []
        step = strides[axis]
        for part in reversed(parts):
            inner.insert(0, step)
            step = step * part
        return (*strides[:axis], *inner, *strides[axis + 1 :])
    kept = list(strides)
    if isinstance(node, ir.Select):
        del kept[tensor_axis(node.axis, rank)]
    elif isinstance(node, ir.Slice):
        kept[tensor_axis(node.axis, rank)] *= node.step
    return tuple(kept)  # crop, a split's part, identity, dropout: the input's strides


def output_strides(
    node: ir.Node | None, sizes: Sizes, strides: Sizes, new: Sizes, others: Sequence[Layout] = ()
) -> Sizes:
    """The strides of a computing layer's new output of sizes ``new``, from its first
    input's ``sizes`` and ``strides`` and its ``others`` inputs' layouts (see the module
    docstring; a concatenation is channels-last only if all its inputs are, measured)."""
    if not numeric(new, sizes, strides):
        return contiguous(new)
    rank = len(new)
    if is_element_wise(node) and sizes == new:
        return like(sizes, strides)
    if moves_axis(node, rank - 1):
        assert isinstance(node, ir.Dense) and node.axis is not None
        axis = tensor_axis(node.axis, rank)
        return _in_order(new, (*(d for d in range(rank) if d != axis), axis))
    if getattr(node, "channels_first", False) or (
        isinstance(node, ir.LayerNorm) and node.over == "channels" and rank == 4
    ):
        return channels_last(new)
    kept = isinstance(node, KEEPS_CHANNELS_LAST) and len(sizes) == rank
    if isinstance(node, ir.Concat):
        kept = kept and all(len(n) == rank and is_channels_last(n, s) for n, s in others)
    if kept and is_channels_last(sizes, strides):
        return channels_last(new)
    return contiguous(new)
