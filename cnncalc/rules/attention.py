"""Token layers: matrix products, multi-head self- and cross-attention, ViT's learned tokens.

A token tensor is ``[tokens, features]`` (``[n, d]``, no batch axis). Attention
is counted as its parts, each as the peers count that part when it is written
out by hand (``nn.Linear`` projections, ``torch.matmul``, ``nn.Softmax``):
``nn.MultiheadAttention`` itself is counted differently by every peer, and by
some not at all (measured with torch 2.13: torchinfo and thop 0; fvcore and
FlopCounterMode its projections only, and nothing on the fused inference path).
"""

from __future__ import annotations

from functools import partial

from cnncalc.arith import Dim, Shape, divides, equals, exact_div, prod, require, total
from cnncalc.errors import RuleError, show_value
from cnncalc.i18n import _
from cnncalc.ir import (
    Activation,
    Attention,
    ClassToken,
    LayerScale,
    MatMul,
    PositionEmbedding,
    RelativePositionBias,
)
from cnncalc.rules.base import LayerCounts, merge_rule, rule
from cnncalc.rules.shape import axis_index
from cnncalc.rules.window import format_shape
from cnncalc.work import Activations, Combination, MatrixProducts, WeightedSums


def _tokens(input_shape: Shape, layer: str) -> tuple[Dim, Dim]:
    if len(input_shape) != 2:
        raise RuleError(
            None,
            _(
                "{layer} needs [tokens, features], got {shape}: reshape or flatten a map into "
                "tokens first (ViT: flatten with start: 1, then transpose)"
            ).format(layer=layer, shape=format_shape(input_shape)),
        )
    return input_shape[0], input_shape[1]


def _inner_mismatch(a: Shape, b: Shape, k: Dim, other: Dim) -> str:
    return _("matmul of {a} and {b}: {columns} columns against {rows} rows").format(
        a=format_shape(a), b=format_shape(b), columns=show_value(k), rows=show_value(other)
    )


@merge_rule(MatMul)
def matmul(node: MatMul, inputs: tuple[Shape, ...]) -> LayerCounts:
    """``(…, m, k)·(…, k, n) → (…, m, n)``; with ``transpose_b`` the second is ``(…, n, k)``.

    The leading axes must agree (one of size 1 broadcasts). Each of the ``b·m·n``
    outputs is a sum of ``k`` products: ``b·m·n·k`` multiply-accumulates (FlopCounterMode:
    ``2·b·m·n·k``); no parameters; ``b·m·n`` neurons, ``k`` connections each.
    """
    if len(inputs) != 2:
        raise RuleError(
            "inputs", _("matmul multiplies two inputs, got {count}").format(count=len(inputs))
        )
    a, b = inputs
    if len(a) < 2 or len(b) < 2 or len(a) != len(b):
        raise RuleError(
            "inputs",
            _("matmul needs two inputs of one rank, 2 or more: got {a} and {b}").format(
                a=format_shape(a), b=format_shape(b)
            ),
        )
    rows, inner = a[-2], a[-1]
    other, columns = (b[-1], b[-2]) if node.transpose_b else (b[-2], b[-1])
    require(equals(inner, other), "inputs", partial(_inner_mismatch, a, b, inner, other))
    batch_axes: list[Dim] = []
    for size_a, size_b in zip(a[:-2], b[:-2], strict=True):
        one_a, one_b = size_a == 1 and type(size_a) is int, size_b == 1 and type(size_b) is int
        if not (one_a or one_b):
            require(equals(size_a, size_b), "inputs", partial(_batch_mismatch, a, b))
        batch_axes.append(size_b if one_a else size_a)
    batch = prod(batch_axes)
    outputs = batch * rows * columns
    products = MatrixProducts(batch=batch, rows=rows, columns=columns, inner=inner)
    return LayerCounts(
        output_shape=(*batch_axes, rows, columns),
        neurons=outputs,
        connections=products.macs,
        work=(products,),
    )


def _batch_mismatch(a: Shape, b: Shape) -> str:
    return _("matmul of {a} and {b}: the leading axes do not match").format(
        a=format_shape(a), b=format_shape(b)
    )


def _heads(heads: Dim, dim: Dim) -> str:
    return _("heads={heads} must divide the {dim} features").format(
        heads=show_value(heads), dim=show_value(dim)
    )


@merge_rule(Attention)
def attention(node: Attention, inputs: tuple[Shape, ...]) -> LayerCounts:
    """Multi-head attention of ``n`` query tokens of ``d`` features, ``h`` heads, over ``m``
    key and value tokens: the same ``n`` tokens (one input, self-attention), the second
    input's (cross-attention, ``k = v`` features), or the second's and third's (``k``, ``v``).

    - trainable params: self-attention ``4·d² + 4·d`` with biases (query, key,
      value and output projections, ``nn.MultiheadAttention``): ViT-B/16, ``d =
      768``: 2,362,368; cross-attention ``2·d² + d·k + d·v + 4·d``
      (``nn.MultiheadAttention(d, h, kdim=k, vdim=v)``)
    - work: the projections, weighted sums of ``d``, ``k`` and ``v`` inputs per
      token and feature (``4·n·d²`` MACs for self-attention; ``2·n·d² + m·d·(k + v)``
      across); per head ``q·kᵀ`` (``n·m·d/h``) and the weights times ``v``
      (``n·d/h·m``), ``2·n·m·d`` MACs in all; a softmax over each of the ``h·n``
      rows of ``m`` scores
    - output ``[n, d]``; neurons: the ``n·d`` outputs; connections: every weight,
      bias and product use
    """
    if not 1 <= len(inputs) <= 3:
        raise RuleError(
            "inputs",
            _(
                "attention reads 1 input (self-attention), 2 (queries, then keys and values) "
                "or 3 (queries, keys, values), not {count}"
            ).format(count=len(inputs)),
        )
    tokens, dim = _tokens(inputs[0], "attention")
    require(divides(node.heads, dim), "heads", partial(_heads, node.heads, dim))
    head_dim = exact_div(dim, node.heads)
    biases: Dim = dim if node.bias else 0
    out = WeightedSums(weights=dim * dim, parameters=dim * dim + biases, rows=tokens)
    projections: tuple[WeightedSums, ...]
    if len(inputs) == 1:
        others = tokens
        projections = (
            WeightedSums(weights=3 * dim * dim, parameters=3 * (dim * dim + biases), rows=tokens),
        )
    else:
        keys, key_dim = _tokens(inputs[1], "attention")
        values, value_dim = _tokens(inputs[-1], "attention")
        if len(inputs) == 3:
            require(equals(keys, values), "inputs", partial(_kv_mismatch, keys, values))
        others = keys
        projections = (
            WeightedSums(weights=dim * dim, parameters=dim * dim + biases, rows=tokens),
            WeightedSums(weights=dim * key_dim, parameters=dim * key_dim + biases, rows=keys),
            WeightedSums(weights=dim * value_dim, parameters=dim * value_dim + biases, rows=values),
        )
    scores = MatrixProducts(batch=node.heads, rows=tokens, columns=others, inner=head_dim)
    mixed = MatrixProducts(batch=node.heads, rows=tokens, columns=head_dim, inner=others)
    softmax = Activations(
        function=Activation.SOFTMAX, elements=node.heads * tokens * others, channels=others
    )
    uses = total(projection.uses for projection in projections)
    return LayerCounts(
        output_shape=(tokens, dim),
        trainable_params=total(p.parameters for p in projections) + out.parameters,
        neurons=tokens * dim,
        connections=uses + scores.macs + mixed.macs + out.uses,
        work=(*projections, scores, softmax, mixed, out),
    )


def _kv_mismatch(keys: Dim, values: Dim) -> str:
    return _("{keys} key tokens but {values} value tokens: they must match").format(
        keys=show_value(keys), values=show_value(values)
    )


@rule(ClassToken)
def class_token(node: ClassToken, input_shape: Shape) -> LayerCounts:
    """A learned token before the ``n`` others: ``[n, d] → [n + 1, d]``, ``d`` parameters."""
    tokens, dim = _tokens(input_shape, "class_token")
    return LayerCounts(output_shape=(tokens + 1, dim), trainable_params=dim)


@rule(PositionEmbedding)
def position_embedding(node: PositionEmbedding, input_shape: Shape) -> LayerCounts:
    """A learned ``[n, d]`` added to the tokens: ``n·d`` parameters (ViT-B/16: 197·768 =
    151,296); counted as an ``add`` of two inputs, the tokens and the embedding."""
    values = prod(input_shape)
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=values,
        neurons=values,
        connections=2 * values,
        work=(Combination(kind="add", operands=2, outputs=values),),
    )


@rule(LayerScale)
def layer_scale(node: LayerScale, input_shape: Shape) -> LayerCounts:
    """A learned scale per entry of ``axis`` (a map's channels, a token's features),
    multiplied into every value: that axis's size in parameters; counted as a
    ``multiply`` of two inputs, the values and their scales."""
    axis = axis_index(node.axis, len(input_shape), "axis")
    values = prod(input_shape)
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=input_shape[axis],
        neurons=values,
        connections=2 * values,
        work=(Combination(kind="multiply", operands=2, outputs=values),),
    )


@rule(RelativePositionBias)
def relative_position_bias(node: RelativePositionBias, input_shape: Shape) -> LayerCounts:
    """Scores ``[…, heads, N, N]`` plus a learned bias per head and pair of the ``N = w_h·w_w``
    positions of a window, read from a table by their relative position.

    - trainable params: the table, ``(2·w_h − 1)·(2·w_w − 1)·heads`` (MaxViT-T,
      window 7, 2 heads: 169·2 = 338); buffers: PyTorch's index of each pair's
      table entry, ``N²`` integers (torchvision's ``relative_position_index``, int64)
    - work: an ``add`` of two inputs per score (the peers count none)
    - neurons: the scores; connections: two per score, as an ``add``
    """
    if len(node.window) != 2:
        raise RuleError(
            "window",
            _("a 2-D window, [n_h, n_w]; got {count} sides").format(count=len(node.window)),
        )
    window_h, window_w = node.window
    positions = window_h * window_w
    if len(input_shape) < 3:
        raise RuleError(
            None,
            _("relative_position_bias needs scores [..., heads, N, N], got {shape}").format(
                shape=format_shape(input_shape)
            ),
        )
    heads, rows, columns = input_shape[-3:]
    for size in (rows, columns):
        require(equals(size, positions), "window", partial(_positions, node.window, input_shape))
    values = prod(input_shape)
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=(2 * window_h - 1) * (2 * window_w - 1) * heads,
        buffers=positions * positions,
        integer_buffers=positions * positions,
        neurons=values,
        connections=2 * values,
        work=(Combination(kind="add", operands=2, outputs=values),),
    )


def _positions(window: tuple[int, ...], shape: Shape) -> str:
    return _(
        "a {height}×{width} window has {positions} positions, but the scores are {shape}: the "
        "last two axes must both be the window's positions"
    ).format(
        height=window[0], width=window[1], positions=window[0] * window[1],
        shape=format_shape(shape),
    )  # fmt: skip
