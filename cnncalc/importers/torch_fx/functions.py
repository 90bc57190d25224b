"""The registries of function and tensor-method translators (``F.relu``, ``x.flatten(1)``).

fx's ``call_function`` and ``call_method`` nodes, and the recorder's torch
functions, are translated by the function itself, reading its arguments as
https://pytorch.org/docs/stable/nn.functional.html documents them.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

from cnncalc.importers.torch_fx.calls import Attr, Ref
from cnncalc.importers.torch_fx.messages import shape_text
from cnncalc.importers.torch_fx.op import FunctionTranslator, Layer, Op, Untranslatable
from cnncalc.importers.torch_fx.spec_layers import (
    adaptive_layer,
    dropout_layer,
    flatten_layer,
    layer_norm_layer,
    linear_layer,
    pool_layer,
    put,
    softmax_layer,
    upsample_layer,
    zero_pad_layer,
)
from cnncalc.importers.torch_fx.torchvision_blocks import FUNCTIONS as TORCHVISION_FUNCTIONS


def _activation(kind: str) -> FunctionTranslator:
    """``F.relu(x)``, ``torch.sigmoid(x)``, ``x.relu()`` → the activation layer."""
    return lambda op: {"type": kind}


def _softmax(op: Op) -> Layer:
    """``F.softmax(x, dim)``, ``x.softmax(dim)`` → ``softmax`` along that axis."""
    return softmax_layer(op, op.arg(1, "dim"))


def _reshape(op: Op) -> Layer | None:
    """``torch.flatten(x, 1)``, ``x.view(…)``, ``x.reshape``, ``x.unflatten``, ``x.squeeze``.

    To one axis: ``flatten``; to another shape: ``reshape`` (to torch's); to the same: nothing.
    """
    if op.output == op.input:
        return None
    return flatten_layer(op)


def _same(op: Op) -> Layer | None:
    """``x.contiguous()``, ``x.clone()``, ``x.float()``: no layer, when the shape is kept."""
    if op.output != op.input:
        raise Untranslatable("it changes the shape")
    return None


def _axis(op: Op, dim: Any) -> int:
    """cnncalc's axis (no batch axis) for torch's ``dim`` of the batched input."""
    rank = len(op.input) + 1
    if not isinstance(dim, int) or dim % rank == 0:
        raise Untranslatable(f"an operation along axis {dim}, the batch")
    return dim % rank - 1


def _merge(kind: str, operands: Callable[[Op], Sequence[Any]]) -> FunctionTranslator:
    """``x + y``, ``torch.mul(x, y)``, ``torch.cat([a, b], 1)`` → ``add``/``multiply``/``concat``.

    With one operand a constant: ``x + 3`` is ``scalar``; ``x + self.pos_embedding``
    ``position_embedding``, ``self.gamma * x`` ``layer_scale``,
    ``torch.cat([self.class_token.expand(n, -1, -1), x], 1)`` ``class_token``.
    """

    def translate(op: Op) -> Layer | None:
        given = operands(op)
        if kind == "concat" and len(given) == 1 and len(op.inputs) == 1:
            return None  # torch.cat([x]) is x
        constants = [g for g in given if not isinstance(g, Ref)]
        if constants:
            if len(constants) != 1 or len(given) != 2:
                raise Untranslatable(f"a {kind} of {len(constants)} constants")
            return _with_constant(kind, op, constants[0], given[0] is constants[0])
        layer: Layer = {"type": kind}
        if kind == "concat":
            put(layer, "axis", _axis(op, op.arg(1, "dim", 0)), 0)
        return layer

    return translate


def _with_constant(kind: str, op: Op, constant: Any, first: bool) -> Layer:
    """A merge of a layer's output with a number or a parameter (see :func:`_merge`)."""
    if isinstance(constant, int | float) and not isinstance(constant, bool) and kind != "concat":
        return _scalar(kind, constant)
    if not isinstance(constant, Attr) or constant.name not in op.params or not op.input:
        raise Untranslatable(f"a {kind} with a constant tensor")
    table = tuple(int(n) for n in op.params[constant.name].shape)
    count = math.prod(table)
    shape = op.seen(constant.name)  # as torch broadcasts it: a view's shape, or its own
    if kind == "add" and shape in (op.input, (1, *op.input)):
        return {"type": "position_embedding"}
    axis = _scaled_axis(shape, op.input, count)
    if kind == "multiply" and axis is not None:  # ConvNeXt's γ, [c, 1, 1]; CaiT's, [d]
        layer: Layer = {"type": "layer_scale"}
        put(layer, "axis", -1 if axis == len(op.input) - 1 and axis else axis, 0)
        return layer
    if kind == "add" and _relative_position_table(table, op.input):
        return {"type": "relative_position_bias", "window": math.isqrt(op.input[-1])}
    tokens = len(op.input) == 2 and shape == (1, 1, op.input[1])
    if kind == "concat" and first and tokens and _axis(op, op.arg(1, "dim", 0)) == 0:
        return {"type": "class_token"}
    raise Untranslatable(f"a {kind} with a parameter of shape {shape_text(shape)}")


def _scaled_axis(shape: tuple[int, ...], values: tuple[int, ...], count: int) -> int | None:
    """The one axis of ``values`` a tensor of ``shape`` and ``count`` entries scales as torch
    broadcasts it (aligned at the last axis), or None."""
    rank = len(values) + 1  # the batch axis too
    if len(shape) > rank:
        return None
    full = (1,) * (rank - len(shape)) + shape
    sized = [axis for axis in range(1, rank) if full[axis] != 1]
    if full[0] != 1 or len(sized) > 1:
        return None
    if not sized:  # one learned value: it scales any axis of size 1 alike
        ones = [axis for axis, size in enumerate(values) if size == 1 == count]
        return ones[-1] if ones else None
    axis = sized[0] - 1
    return axis if values[axis] == count else None


def _relative_position_table(table: tuple[int, ...], scores: tuple[int, ...]) -> bool:
    """Whether ``table`` is a ``[(2·w − 1)², heads]`` bias table for scores ``[…, heads, N, N]``
    of a ``w×w`` window, ``N = w²`` (MaxViT's ``relative_position_bias_table``)."""
    if len(table) != 2 or len(scores) < 3 or scores[-1] != scores[-2] or table[1] != scores[-3]:
        return False
    side = math.isqrt(scores[-1])
    return side * side == scores[-1] and table[0] == (2 * side - 1) ** 2


def _scalar(kind: str, value: float) -> Layer:
    if not math.isfinite(value):
        raise Untranslatable(f"arithmetic with {value}")
    return {"type": "scalar", "op": kind, "value": value}


def _arithmetic(kind: str) -> FunctionTranslator:
    """``x - 0.5``, ``x / 6`` → ``scalar``; ``6 / x`` (a reciprocal) has no layer."""

    def translate(op: Op) -> Layer:
        left, right = op.arg(0, "input"), op.arg(1, "other")
        if isinstance(left, Ref) and isinstance(right, int | float) and not isinstance(right, bool):
            return _scalar(kind, right)
        raise Untranslatable(f"{kind} of {type(left).__name__} by {type(right).__name__}")

    return translate


def _binary(op: Op) -> Sequence[Any]:
    return [op.arg(0, "input"), op.arg(1, "other")]


def _listed(op: Op) -> Sequence[Any]:
    tensors = op.arg(0, "tensors")
    return list(tensors) if isinstance(tensors, list | tuple) else [tensors]


_add = _merge("add", _binary)
_multiply = _merge("multiply", _binary)
_concat = _merge("concat", _listed)


def _matmul(op: Op) -> Layer:
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


def _einsum(op: Op) -> Layer:
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


def _item(op: Op) -> Layer | None:
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


def _select(op: Op) -> Layer:
    """``x.select(dim, i)``, ``torch.select`` → ``select``."""
    index = op.arg(2, "index")
    if not isinstance(index, int) or isinstance(index, bool):
        raise Untranslatable("an index that is not a number")
    return {"type": "select", "axis": _axis(op, op.arg(1, "dim")), "index": index}


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


def _parts(kind: str) -> FunctionTranslator:
    """``x.chunk(n, dim)`` → ``chunk``; ``torch.split(x, sizes, dim)`` → ``split`` (the
    parts' sizes PyTorch made: ``chunk`` makes fewer than ``n`` where they do not divide)."""

    def translate(op: Op) -> Layer:
        axis = _axis(op, op.arg(2, "dim", 0))
        sizes = [part[axis] for part in op.call.parts if part is not None]
        chunks = op.arg(1, "chunks") if kind == "chunk" else None
        if chunks == len(sizes) and len(set(sizes)) == 1:
            layer: Layer = {"type": "chunk", "chunks": chunks}
        else:
            layer = {"type": "split", "sizes": sizes}
        put(layer, "axis", axis, 0)
        return layer

    return translate


def _dropout(op: Op) -> Layer:
    """``F.dropout(x, p)`` (and ``dropout1d/2d/3d``) → ``dropout`` of rate ``p``."""
    return dropout_layer(op.arg(1, "p", 0.5))


def _stochastic_depth(op: Op) -> Layer:
    """torchvision's ``stochastic_depth(input, p, mode, training)`` → ``dropout`` of rate ``p``.

    In training it zeroes a residual branch (a sample's, or the batch's) with
    probability ``p``; at inference (the importer runs the model in eval mode)
    it returns its input, as dropout does: no parameters, no operations.
    torchvision marks it ``torch.fx.wrap``, so fx records the call instead of
    its body (EfficientNet, ConvNeXt, Swin, MaxViT).
    """
    return dropout_layer(op.arg(1, "p"))


_BY_NAME: dict[str, FunctionTranslator] = {
    "torchvision.ops.stochastic_depth.stochastic_depth": _stochastic_depth,
    **TORCHVISION_FUNCTIONS,
}
"""Functions of optional libraries, by ``module.qualname``: cnncalc never imports them."""


def function_translator(target: object) -> FunctionTranslator | None:
    """The translator of a ``call_function`` target: a torch function's, or a function of
    an optional library (torchvision) known by its qualified name; None if there is none."""
    found = function_translators().get(target)
    if found is None:
        module, name = getattr(target, "__module__", None), getattr(target, "__qualname__", None)
        found = _BY_NAME.get(f"{module}.{name}")
    return found


def _pool(kind: str) -> FunctionTranslator:
    """``F.max_pool2d``/``F.avg_pool2d`` (https://pytorch.org/docs/stable/nn.functional.html)."""

    def translate(op: Op) -> Layer:
        if kind == "maxpool2d":
            dilation, ceil_mode = op.arg(4, "dilation", 1), op.arg(5, "ceil_mode", False)
            if op.arg(6, "return_indices", False):
                raise Untranslatable("return_indices=True")
        else:
            dilation, ceil_mode = 1, op.arg(4, "ceil_mode", False)
        return pool_layer(kind, op, kernel=op.arg(1, "kernel_size"), stride=op.arg(2, "stride"),
                          padding=op.arg(3, "padding", 0), dilation=dilation,
                          ceil_mode=ceil_mode)  # fmt: skip

    return translate


def _adaptive(kind: str) -> FunctionTranslator:
    """``F.adaptive_avg_pool2d(x, size)`` → ``adaptive_avgpool2d`` (the size PyTorch produced)."""
    return lambda op: adaptive_layer(kind, op)


def _mean(kind: str) -> FunctionTranslator:
    """``x.mean((2, 3))``, ``torch.amax(x, (-2, -1), keepdim=True)`` → global pooling."""

    def translate(op: Op) -> Layer:
        rank = len(op.input) + 1
        dims = op.arg(1, "dim")
        dims = (dims,) if isinstance(dims, int) else tuple(dims or ())
        if rank < 3 or sorted(d % rank for d in dims) != list(range(2, rank)):
            raise Untranslatable(f"a reduction over axes {dims}: cnncalc pools all spatial axes")
        layer: Layer = {"type": kind}
        put(layer, "keepdims", bool(op.arg(2, "keepdim", False)), False)
        return layer

    return translate


_global_avgpool = _mean("global_avgpool")
_global_maxpool = _mean("global_maxpool")


def _interpolate(op: Op) -> Layer:
    """``F.interpolate(x, size=…)`` or ``(x, scale_factor=…)`` → ``upsample``."""
    return upsample_layer(op, op.arg(3, "mode", "nearest"), op.arg(2, "scale_factor"))


def _pad(op: Op) -> Layer | None:
    """``F.pad(x, (l, r, t, b))`` with zeros → ``zeropad2d``."""
    pad, mode, value = op.arg(1, "pad"), op.arg(2, "mode", "constant"), op.arg(3, "value", None)
    if mode != "constant" or value not in (None, 0, 0.0):
        raise Untranslatable(f"{mode} padding with {value}: cnncalc pads with zeros")
    pads = [*pad, 0, 0, 0, 0][:4]
    if all(n == 0 for n in pad):
        return None  # Video Swin's patch embedding pads by 0 where the patch divides the input
    if len(pad) > 4:
        raise Untranslatable("padding of more than the two spatial axes")
    return zero_pad_layer(op, *pads)


def _linear(op: Op) -> Layer:
    """``F.linear(x, self.weight, self.bias)``: as ``nn.Linear``, sized by the weight."""
    weight = op.arg(1, "weight")
    if not isinstance(weight, Attr) or weight.name not in op.params:
        raise Untranslatable("a weight that is not a parameter of the model")
    return linear_layer(op, int(op.params[weight.name].shape[0]), op.arg(2, "bias") is not None)


def _layer_norm(op: Op) -> Layer:
    """``F.layer_norm(x, shape, self.weight, self.bias)`` (torchvision's ``LayerNorm2d``)."""
    weight, bias = op.arg(2, "weight"), op.arg(3, "bias")
    return layer_norm_layer(op, op.arg(1, "normalized_shape"), weight is not None,
                            bias is not None)  # fmt: skip


@functools.cache
def function_translators() -> dict[Any, FunctionTranslator]:
    """The registry of functions (``call_function`` targets) and their translators."""
    import torch
    import torch.nn.functional as F

    activations = {
        F.relu: "relu", torch.relu: "relu", F.relu_: "relu", torch.relu_: "relu",
        F.relu6: "relu6", torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid", torch.tanh: "tanh",
        F.tanh: "tanh", F.gelu: "gelu", F.silu: "silu", F.hardswish: "hardswish",
    }  # fmt: skip
    table: dict[Any, FunctionTranslator] = {f: _activation(k) for f, k in activations.items()}
    table |= {
        F.softmax: _softmax, torch.softmax: _softmax,
        torch.flatten: _reshape, torch.reshape: _reshape, torch.squeeze: _reshape,
        torch.unsqueeze: _reshape,
        torch.clone: _same,
        F.dropout: _dropout, F.dropout1d: _dropout, F.dropout2d: _dropout, F.dropout3d: _dropout,
        F.max_pool2d: _pool("maxpool2d"), F.avg_pool2d: _pool("avgpool2d"),
        F.adaptive_avg_pool2d: _adaptive("adaptive_avgpool2d"),
        F.adaptive_max_pool2d: _adaptive("adaptive_maxpool2d"),
        torch.mean: _global_avgpool, torch.amax: _global_maxpool,
        F.interpolate: _interpolate, F.pad: _pad,
        F.linear: _linear, F.layer_norm: _layer_norm,
        operator.add: _add, operator.iadd: _add, torch.add: _add,
        operator.mul: _multiply, operator.imul: _multiply, torch.mul: _multiply,
        torch.cat: _concat, torch.concat: _concat, torch.concatenate: _concat,
        operator.sub: _arithmetic("subtract"), operator.isub: _arithmetic("subtract"),
        torch.sub: _arithmetic("subtract"), operator.truediv: _arithmetic("divide"),
        operator.itruediv: _arithmetic("divide"), torch.div: _arithmetic("divide"),
        operator.matmul: _matmul, torch.matmul: _matmul, torch.bmm: _matmul,
        torch.einsum: _einsum,
        operator.getitem: _item, torch.unflatten: _reshape, torch.select: _select,
        torch.chunk: _parts("chunk"), torch.split: _parts("split"),
    }  # fmt: skip
    return table


@functools.cache
def method_translators() -> dict[str, FunctionTranslator]:
    """The registry of tensor methods (``call_method`` targets: ``x.flatten(1)``)."""
    table: dict[str, FunctionTranslator] = {
        name: _activation(kind)
        for kind in ("relu", "sigmoid", "tanh")
        for name in (kind, f"{kind}_")
    }
    table["softmax"] = _softmax
    table |= dict.fromkeys(
        ("flatten", "view", "reshape", "squeeze", "unsqueeze", "unflatten"), _reshape
    )
    table |= dict.fromkeys(("sub", "sub_", "__sub__", "__isub__"), _arithmetic("subtract"))
    table |= dict.fromkeys(("div", "div_", "__truediv__", "__itruediv__"), _arithmetic("divide"))
    table |= dict.fromkeys(("matmul", "__matmul__", "bmm"), _matmul)
    table |= {"chunk": _parts("chunk"), "split": _parts("split"), "__getitem__": _item,
              "select": _select}  # fmt: skip
    table |= dict.fromkeys(("contiguous", "clone", "detach", "float", "to", "type_as"), _same)
    table |= dict.fromkeys(("add", "add_", "__add__", "__iadd__"), _add)
    table |= dict.fromkeys(("mul", "mul_", "__mul__", "__imul__"), _multiply)
    table |= {"mean": _global_avgpool, "amax": _global_maxpool}
    return table


FUNCTIONS_READING_LAYOUT: tuple[object, ...] = (_linear, _layer_norm)
"""Function translators that read :attr:`Op.layout`; the others get channels-first tensors only."""
