"""Translators of the operations that move values: reshapes, indexing, parts, products.

``x.view(…)``, ``x[:, 0]``, ``x.chunk(3, -1)``, ``q @ k.transpose(-2, -1)``,
``torch.einsum("bhid,bhjd->bhij", q, k)``: each becomes the spec's shape layer
or ``matmul``, its axis counted as cnncalc counts (no batch axis).
"""

from __future__ import annotations

from typing import Any

from cnncalc.importers.torch_fx.calls import Attr, Ref
from cnncalc.importers.torch_fx.op import FunctionTranslator, Layer, Op, Untranslatable
from cnncalc.importers.torch_fx.spec_layers import flatten_layer, put


def reshape(op: Op) -> Layer | None:
    """``torch.flatten(x, 1)``, ``x.view(…)``, ``x.reshape``, ``x.unflatten``, ``x.squeeze``.

    To one axis: ``flatten``; to another shape: ``reshape`` (to torch's); to the same: nothing.
    """
    if op.output == op.input:
        return None
    return flatten_layer(op)


def same(op: Op) -> Layer | None:
    """``x.contiguous()``, ``x.clone()``, ``x.float()``: no layer, when the shape is kept."""
    if op.output != op.input:
        raise Untranslatable("it changes the shape")
    return None


def sample_axis(op: Op, dim: Any) -> int:
    """cnncalc's axis (no batch axis) for torch's ``dim`` of the batched input."""
    rank = len(op.input) + 1
    if not isinstance(dim, int) or dim % rank == 0:
        raise Untranslatable(f"an operation along axis {dim}, the batch")
    return dim % rank - 1


def matmul(op: Op) -> Layer:
    """``a @ b``, ``torch.matmul``, ``torch.bmm`` of two layers' outputs → ``matmul``;
    ``x @ self.weight`` → ``dense`` without a bias (its units the weight's columns)."""
    left, right = op.arg(0, "input"), op.arg(1, "other")
    if isinstance(left, Ref) and isinstance(right, Ref):
        return {"type": "matmul"}
    if isinstance(left, Ref) and isinstance(right, Attr) and right.name in op.params:
        weight = op.params[right.name]
        if weight.dim() == 2:
            layer: Layer = {"type": "dense", "units": int(weight.shape[1]), "bias": False}
            if len(op.input) > 2:
                layer["axis"] = -1
            return layer
    raise Untranslatable("a matrix product with a constant")


def einsum(op: Op) -> Layer:
    """``torch.einsum("bhid,bhjd->bhij", q, k)``: a batched matrix product → ``matmul``.

    The equation must be one: the same leading batch axes in all three, one
    axis summed over, the first operand ``(…, i, k)``, the second ``(…, k, j)``
    or ``(…, j, k)`` (``transpose_b``), the result ``(…, i, j)``.
    """
    equation, operands = op.call.args[0], op.call.args[1:]
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    if not isinstance(equation, str) or len(operands) != 2 or "->" not in equation:
        raise Untranslatable("an einsum that is not of two operands with an explicit result")
    inputs, result = equation.replace(" ", "").split("->")
    terms = inputs.split(",")
    if len(terms) != 2:
        raise Untranslatable(f"einsum '{equation}'")
    first, second = terms
    batch = result[:-2]
    if not (first.startswith(batch) and second.startswith(batch) and len(first) == len(second)
            == len(result) == len(batch) + 2):  # fmt: skip
        raise Untranslatable(f"einsum '{equation}' is not a batched matrix product")
    i, k, j, n = first[-2], first[-1], result[-2], result[-1]
    if i != j:
        raise Untranslatable(f"einsum '{equation}' is not a batched matrix product")
    if second[-2:] == k + n:
        return {"type": "matmul"}
    if second[-2:] == n + k:
        return {"type": "matmul", "transpose_b": True}
    raise Untranslatable(f"einsum '{equation}' is not a batched matrix product")


def indexing(op: Op) -> Layer | None:
    """``x[:, 0]`` → ``select``; ``x[:, 1:]`` → ``slice``; ``x[:]`` → nothing.

    One axis other than the batch may be indexed, by an int or a slice of ints.
    """
    index = op.call.args[1]
    items = list(index) if isinstance(index, tuple) else [index]
    rank = len(op.input) + 1
    if any(item is None for item in items):
        raise Untranslatable("indexing that adds an axis")
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at : at + 1] = [slice(None)] * (rank - len(items) + 1)
    items += [slice(None)] * (rank - len(items))
    if items[0] != slice(None):
        raise Untranslatable("indexing the batch axis")
    cuts = [(axis, item) for axis, item in enumerate(items[1:]) if not _whole(item, op.input[axis])]
    if not cuts:
        return None
    if len(cuts) > 1:
        return _crop(op, cuts)
    axis, item = cuts[0]
    if isinstance(item, int) and not isinstance(item, bool):
        return {"type": "select", "axis": axis, "index": item}
    bounds = (item.start, item.stop, item.step) if isinstance(item, slice) else (Ellipsis,)
    if not all(b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds):
        raise Untranslatable("indexing with a tensor or a computed bound")
    assert isinstance(item, slice)
    size = op.input[axis]
    start, stop, step = item.indices(size)  # torch clips bounds past the end, as Python does
    layer: Layer = {"type": "slice", "axis": axis}
    put(layer, "start", start, 0)
    put(layer, "stop", stop, size)
    put(layer, "step", step, 1)
    return layer


def select(op: Op) -> Layer:
    """``x.select(dim, i)``, ``torch.select`` → ``select``."""
    index = op.arg(2, "index")
    if not isinstance(index, int) or isinstance(index, bool):
        raise Untranslatable("an index that is not a number")
    return {"type": "select", "axis": sample_axis(op, op.arg(1, "dim")), "index": index}


def _whole(item: Any, size: int) -> bool:
    """Whether an index keeps an axis as it is: ``:``, or ``0:n`` of an axis of ``n``."""
    if not isinstance(item, slice):
        return False
    bounds = (item.start, item.stop, item.step)
    if not all(b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds):
        return False
    return item.indices(size) == (0, size, 1)


def _crop(op: Op, cuts: list[tuple[int, Any]]) -> Layer:
    """``x[:, :, top:h - bottom, left:w - right]`` of a map → ``crop2d``."""
    if len(op.input) != 3 or [axis for axis, _ in cuts] != [1, 2]:
        raise Untranslatable("indexing along more than one axis")
    borders = []
    for (_, item), size in zip(cuts, op.input[1:], strict=True):
        if not isinstance(item, slice) or not all(
            b is None or (isinstance(b, int) and not isinstance(b, bool))
            for b in (item.start, item.stop, item.step)
        ):
            raise Untranslatable("indexing along more than one axis")
        start, stop, step = item.indices(size)
        if step != 1 or stop < start:
            raise Untranslatable("a strided or empty crop")
        borders.append([start, size - stop])
    return {"type": "crop2d", "cropping": borders}


def parts(kind: str) -> FunctionTranslator:
    """``x.chunk(n, dim)`` → ``chunk``; ``torch.split(x, sizes, dim)`` → ``split`` (the
    parts' sizes PyTorch made: ``chunk`` makes fewer than ``n`` where they do not divide)."""

    def translate(op: Op) -> Layer:
        axis = sample_axis(op, op.arg(2, "dim", 0))
        sizes = [part[axis] for part in op.call.parts if part is not None]
        chunks = op.arg(1, "chunks") if kind == "chunk" else None
        if chunks == len(sizes) and len(set(sizes)) == 1:
            layer: Layer = {"type": "chunk", "chunks": chunks}
        else:
            layer = {"type": "split", "sizes": sizes}
        put(layer, "axis", axis, 0)
        return layer

    return translate
