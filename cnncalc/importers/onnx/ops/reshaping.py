"""Shape ops: the same values in a new shape, a part of them, several joined, resized.

A ``Reshape``, ``Squeeze``, ``Unsqueeze`` or ``Flatten`` (other than from axis 1)
becomes ``reshape`` to ONNX's inferred output shape, without the batch axis;
one that keeps the shape makes no layer. ``Transpose`` is ``permute`` (one that
moves the batch axis is refused, unless at batch 1 it opens an exported
``nn.MultiheadAttention``: :mod:`.attention`),
``Slice`` a ``slice`` per axis it shortens, ``Split`` a ``split`` whose parts
later layers read as ``NAME.i``, ``Gather`` of one index a ``select``,
``Concat`` a ``concat`` (or ViT's ``class_token``, a learned token before the
others), ``Pad`` of zeros around a map ``zeropad2d``, ``Resize`` ``upsample``.
"""

from __future__ import annotations

from cnncalc.i18n import N_
from cnncalc.importers.onnx.base import Layer, Skip, Step, axis_after_batch
from cnncalc.importers.onnx.ops.attention import batch_one_attention

_BIG = 2**62
"""ONNX writes "to the end" as INT64_MAX (or a large negative to the start)."""


def reshape(step: Step) -> list[Layer]:
    out = step.sizes(step.output_shape())
    if out == step.sizes(step.input_shape()):
        return []
    return [{"type": "reshape", "shape": out}]


def flatten(step: Step) -> list[Layer]:
    if int(step.attribute("axis", 1)) == 1:
        return [{"type": "flatten"}]
    return reshape(step)


def transpose(step: Step) -> list[Layer]:
    rank = len(step.input_shape()) + 1
    perm = step.ints("perm", list(range(rank))[::-1]) or []
    if sorted(perm) != list(range(rank)):
        raise Skip(
            N_("attribute 'perm' {perm} is no permutation of {rank} axes"), perm=perm, rank=rank
        )
    if perm[0] != 0:  # the batch axis moves: refused unless it opens a batch-1 attention
        return batch_one_attention(step)
    if perm == sorted(perm):
        return []
    return [{"type": "permute", "dims": [p - 1 for p in perm[1:]]}]


def _constant_list(step: Step, index: int) -> list[int] | None:
    values = step.constant(index)
    return None if values is None else [int(v) for v in values.reshape(-1)]


def slice_(step: Step) -> list[Layer]:
    before, after = step.input_shape(), step.output_shape()
    rank = len(before) + 1
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    if not changed:
        return []
    starts, ends = _constant_list(step, 1), _constant_list(step, 2)
    axes = _constant_list(step, 3) or list(range(len(starts or [])))
    steps = _constant_list(step, 4) or [1] * len(axes)
    stated: dict[int, tuple[int, int, int]] = {}
    if starts is not None and ends is not None:
        for axis, start, end, by in zip(axes, starts, ends, steps, strict=False):
            stated[axis % rank - 1] = (start, end, by)
    layers: list[Layer] = []
    for axis in changed:
        size = after[axis]
        if axis in stated:
            start, end, by = stated[axis]
        elif isinstance(size, int):
            start, end, by = 0, size, 1  # the counts depend on the part's size alone
        else:
            raise Skip(N_("a slice whose bounds are not stated numbers"))
        if by < 1:
            raise Skip(N_("a slice backwards (a negative step)"))
        layer: Layer = {"type": "slice", "axis": axis}
        if start and abs(start) < _BIG:
            layer["start"] = start
        if abs(end) < _BIG:
            layer["stop"] = end
        if by != 1:
            layer["step"] = by
        layers.append(layer)
    if len(layers) > 1:
        name = step.node.name
        layers = [{"name": f"{name}.axis{layer['axis']}"} | layer for layer in layers]
    return layers


def split(step: Step) -> list[Layer]:
    rank = len(step.input_shape()) + 1
    axis = axis_after_batch(int(step.attribute("axis", 0)), rank)
    sizes = [step.shape(out)[axis] for out in step.node.outputs]
    if not all(isinstance(size, int) for size in sizes):
        raise Skip(N_("a split into parts whose sizes are not numbers"))
    return [{"type": "split", "axis": axis, "sizes": sizes}]


def gather(step: Step) -> list[Layer]:
    if not step.is_tensor(0) or step.is_tensor(1):
        raise Skip(N_("a Gather of indices computed from the input (an embedding lookup)"))
    indices = step.constant(1)
    if indices is None or indices.size != 1:
        raise Skip(N_("a Gather of several indices"))
    rank = len(step.input_shape()) + 1
    axis = axis_after_batch(int(step.attribute("axis", 0)), rank)
    index = int(indices.reshape(-1)[0])
    if indices.ndim == 0:
        return [{"type": "select", "axis": axis, "index": index}]
    return [{"type": "slice", "axis": axis, "start": index, "stop": index + 1}]


def concat(step: Step) -> list[Layer]:
    rank = len(step.output_shape()) + 1
    axis = axis_after_batch(int(step.attribute("axis", 0)), rank)
    tensors = step.tensors()
    if len(tensors) == len([v for v in step.node.inputs if v]):
        return [{"type": "concat", "axis": axis, "inputs": tensors}]
    first = step.node.inputs[0]
    token = step.shape(first) if first in step.graph.constants else None
    alone = len(step.node.inputs) == 2 and len(tensors) == 1 and axis == 0
    if alone and token is not None and token[0] == 1 and token[1:] == step.input_shape(1)[1:]:
        step.weight_dims(0)
        return [{"type": "class_token"}]
    raise Skip(N_("a concatenation with a constant that is not a class token"))


def pad(step: Step) -> list[Layer]:
    mode = step.text("mode", "constant")
    pads = _constant_list(step, 1) if step.has(1) else step.ints("pads")
    value = step.constant(2)
    if mode != "constant" or pads is None or (value is not None and float(value.sum()) != 0):
        raise Skip(
            N_("a Pad ({mode}) that is not a constant pad of zeros with stated sizes"), mode=mode
        )
    rank = len(step.input_shape()) + 1
    axes = _constant_list(step, 3) if step.has(3) else list(range(rank))
    if axes is None:
        raise Skip(N_("a Pad whose axes are not stated"))
    begins = dict(zip([a % rank for a in axes], pads[: len(axes)], strict=False))
    ends = dict(zip([a % rank for a in axes], pads[len(axes):], strict=False))  # fmt: skip
    if rank != 4 or any(begins.get(a) or ends.get(a) for a in (0, 1)):
        raise Skip(N_("a Pad of other axes than a map's height and width"))
    pairs = [[begins.get(a, 0), ends.get(a, 0)] for a in (2, 3)]
    if min(min(pair) for pair in pairs) < 0:
        raise Skip(N_("a Pad that crops"))
    return [{"type": "zeropad2d", "padding": pairs}]


def resize(step: Step) -> list[Layer]:
    before, after = step.input_shape(), step.output_shape()
    if len(before) != 3 or before[0] != after[0]:
        raise Skip(N_("a Resize of other axes than a map's height and width"))
    mode = step.text("mode", "nearest")
    modes = {"nearest": "nearest", "linear": "bilinear", "cubic": "bicubic"}
    if mode not in modes:
        raise Skip(N_("a Resize in mode '{mode}'"), mode=mode)
    size = step.sizes(after[1:])
    return [{"type": "upsample", "size": size, "mode": modes[mode]}]
