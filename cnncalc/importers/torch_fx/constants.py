"""A layer's output combined with a number or a parameter: scalar and parameter layers.

``x + 3`` is ``scalar``; ``x + self.pos_embedding`` ``position_embedding``,
``self.gamma * x`` ``layer_scale``, ``torch.cat([self.class_token.expand(n, -1, -1),
x], 1)`` ``class_token``, MaxViT's ``scores + table[index]``
``relative_position_bias``. A parameter is read in the shape the call sees it
(:meth:`.Op.seen`: a view of it broadcasts as its view's shape says).
"""

from __future__ import annotations

import math
from typing import Any

from cnncalc.importers.torch_fx.calls import Attr, Ref
from cnncalc.importers.torch_fx.messages import shape_text
from cnncalc.importers.torch_fx.op import FunctionTranslator, Layer, Op, Untranslatable
from cnncalc.importers.torch_fx.spec_layers import put
from cnncalc.importers.torch_fx.tensor_ops import sample_axis


def with_constant(kind: str, op: Op, constant: Any, first: bool) -> Layer:
    """A merge of a layer's output with a number or a parameter (see :func:`_merge`)."""
    if isinstance(constant, int | float) and not isinstance(constant, bool) and kind != "concat":
        return scalar(kind, constant)
    if not isinstance(constant, Attr) or constant.name not in op.params or not op.input:
        raise Untranslatable(f"a {kind} with a constant tensor")
    table = tuple(int(n) for n in op.params[constant.name].shape)
    count = math.prod(table)
    shape = op.seen(constant.name)  # as torch broadcasts it: a view's shape, or its own
    # ``table[index]``: read through an index buffer, a bias table even where a 1×1 window's
    # one-entry table is as big as its scores (``[1, heads]`` for ``[heads, 1, 1]``)
    indexed = any(not tensor.is_floating_point() for tensor in op.params.values())
    embedding = shape in (op.input, (1, *op.input)) and count == math.prod(op.input)
    if kind == "add" and embedding and not indexed:
        return {"type": "position_embedding"}
    axis = _scaled_axis(shape, op.input, count)
    if kind == "multiply" and axis is not None:  # ConvNeXt's γ, [c, 1, 1]; CaiT's, [d]
        layer: Layer = {"type": "layer_scale"}
        put(layer, "axis", -1 if axis == len(op.input) - 1 and axis else axis, 0)
        return layer
    if kind == "add" and _relative_position_table(table, op.input):
        return {"type": "relative_position_bias", "window": math.isqrt(op.input[-1])}
    tokens = len(op.input) == 2 and shape == (1, 1, op.input[1])
    if kind == "concat" and first and tokens and sample_axis(op, op.arg(1, "dim", 0)) == 0:
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


def scalar(kind: str, value: float) -> Layer:
    if not math.isfinite(value):
        raise Untranslatable(f"arithmetic with {value}")
    return {"type": "scalar", "op": kind, "value": value}


def arithmetic(kind: str) -> FunctionTranslator:
    """``x - 0.5``, ``x / 6`` → ``scalar``; ``6 / x`` (a reciprocal) has no layer."""

    def translate(op: Op) -> Layer:
        left, right = op.arg(0, "input"), op.arg(1, "other")
        if isinstance(left, Ref) and isinstance(right, int | float) and not isinstance(right, bool):
            return scalar(kind, right)
        raise Untranslatable(f"{kind} of {type(left).__name__} by {type(right).__name__}")

    return translate
