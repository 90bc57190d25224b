"""The registries of function and tensor-method translators (``F.relu``, ``x.flatten(1)``).

fx's ``call_function`` and ``call_method`` nodes, and the recorder's torch
functions, are translated by the function itself, reading its arguments as
https://pytorch.org/docs/stable/nn.functional.html documents them. The
translators of reshapes, indexing and products are in :mod:`.tensor_ops`, those
of arithmetic with a number or a parameter in :mod:`.constants`.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any

from cnncalc.importers.torch_fx.calls import Attr, Ref
from cnncalc.importers.torch_fx.constants import arithmetic, with_constant
from cnncalc.importers.torch_fx.op import FunctionTranslator, Layer, Op, Untranslatable
from cnncalc.importers.torch_fx.spec_layers import (
    adaptive_layer,
    dropout_layer,
    layer_norm_layer,
    linear_layer,
    pool_layer,
    put,
    softmax_layer,
    upsample_layer,
    zero_pad_layer,
)
from cnncalc.importers.torch_fx.tensor_ops import (
    einsum,
    indexing,
    matmul,
    parts,
    reshape,
    same,
    sample_axis,
    select,
)
from cnncalc.importers.torch_fx.torchvision_blocks import FUNCTIONS as TORCHVISION_FUNCTIONS


def _activation(kind: str) -> FunctionTranslator:
    """``F.relu(x)``, ``torch.sigmoid(x)``, ``x.relu()`` → the activation layer."""
    return lambda op: {"type": kind}


def _softmax(op: Op) -> Layer:
    """``F.softmax(x, dim)``, ``x.softmax(dim)`` → ``softmax`` along that axis."""
    return softmax_layer(op, op.arg(1, "dim"))


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
            return with_constant(kind, op, constants[0], given[0] is constants[0])
        layer: Layer = {"type": kind}
        if kind == "concat":
            put(layer, "axis", sample_axis(op, op.arg(1, "dim", 0)), 0)
        return layer

    return translate


def _binary(op: Op) -> Sequence[Any]:
    return [op.arg(0, "input"), op.arg(1, "other")]


def _listed(op: Op) -> Sequence[Any]:
    tensors = op.arg(0, "tensors")
    return list(tensors) if isinstance(tensors, list | tuple) else [tensors]


_add = _merge("add", _binary)
_multiply = _merge("multiply", _binary)
_concat = _merge("concat", _listed)


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


def _normalize(op: Op) -> Layer:
    """``F.normalize(x, p=2, dim=1)`` → ``l2_normalize`` along that axis (SSD300)."""
    if op.arg(1, "p", 2.0) != 2:
        raise Untranslatable(f"a p={op.arg(1, 'p')} norm: cnncalc's is Euclidean (p=2)")
    layer: Layer = {"type": "l2_normalize"}
    put(layer, "axis", sample_axis(op, op.arg(2, "dim", 1)), 0)
    return layer


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
        torch.flatten: reshape, torch.reshape: reshape, torch.squeeze: reshape,
        torch.unsqueeze: reshape,
        torch.clone: same,
        F.dropout: _dropout, F.dropout1d: _dropout, F.dropout2d: _dropout, F.dropout3d: _dropout,
        F.max_pool2d: _pool("maxpool2d"), F.avg_pool2d: _pool("avgpool2d"),
        F.adaptive_avg_pool2d: _adaptive("adaptive_avgpool2d"),
        F.adaptive_max_pool2d: _adaptive("adaptive_maxpool2d"),
        torch.mean: _global_avgpool, torch.amax: _global_maxpool,
        F.interpolate: _interpolate, F.pad: _pad,
        F.linear: _linear, F.layer_norm: _layer_norm, F.normalize: _normalize,
        operator.add: _add, operator.iadd: _add, torch.add: _add,
        operator.mul: _multiply, operator.imul: _multiply, torch.mul: _multiply,
        torch.cat: _concat, torch.concat: _concat, torch.concatenate: _concat,
        operator.sub: arithmetic("subtract"), operator.isub: arithmetic("subtract"),
        torch.sub: arithmetic("subtract"), operator.truediv: arithmetic("divide"),
        operator.itruediv: arithmetic("divide"), torch.div: arithmetic("divide"),
        operator.matmul: matmul, torch.matmul: matmul, torch.bmm: matmul,
        torch.einsum: einsum,
        operator.getitem: indexing, torch.unflatten: reshape, torch.select: select,
        torch.chunk: parts("chunk"), torch.split: parts("split"),
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
        ("flatten", "view", "reshape", "squeeze", "unsqueeze", "unflatten"), reshape
    )
    table |= dict.fromkeys(("sub", "sub_", "__sub__", "__isub__"), arithmetic("subtract"))
    table |= dict.fromkeys(("div", "div_", "__truediv__", "__itruediv__"), arithmetic("divide"))
    table |= dict.fromkeys(("matmul", "__matmul__", "bmm"), matmul)
    table |= {"chunk": parts("chunk"), "split": parts("split"), "__getitem__": indexing,
              "select": select}  # fmt: skip
    table |= dict.fromkeys(("contiguous", "clone", "detach", "float", "to", "type_as"), same)
    table |= dict.fromkeys(("add", "add_", "__add__", "__iadd__"), _add)
    table |= dict.fromkeys(("mul", "mul_", "__mul__", "__imul__"), _multiply)
    table |= {"mean": _global_avgpool, "amax": _global_maxpool}
    return table


FUNCTIONS_READING_LAYOUT: tuple[object, ...] = (_linear, _layer_norm)
"""Function translators that read :attr:`Op.layout`; the others get channels-first tensors only."""
