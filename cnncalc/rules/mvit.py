"""MViT's layers on ``[1 + t·h·w, c]`` tokens, a class token first and then a ``t×h×w`` grid:
pooling attention, the skip connection's max pool, v1's separable position embedding.

As torchvision 0.29 writes them (``MultiscaleAttention``, ``Pool``,
``PositionalEncoding``): the projections are ``nn.Linear`` modules, the pools
``nn.Conv3d`` and ``nn.LayerNorm`` modules, the products ``torch.matmul`` (v2's
relative positions two ``torch.einsum`` and a ``torch.matmul``), the softmax
``Tensor.softmax``; the facts say so (:mod:`cnncalc.work`).
"""

from __future__ import annotations

from functools import partial

from cnncalc.arith import Dim, Shape, divides, equals, exact_div, prod, require, where
from cnncalc.errors import RuleError, show_value
from cnncalc.i18n import _
from cnncalc.ir import (
    Activation,
    Pool,
    PoolingAttention,
    PoolKind,
    SeparablePositionEmbedding,
    TokenMaxPool,
)
from cnncalc.rules.base import LayerCounts, rule
from cnncalc.rules.pooling import pooling
from cnncalc.rules.window import format_shape, output_sizes
from cnncalc.work import (
    Activations,
    Combination,
    MatrixProducts,
    Normalisation,
    NormKind,
    WeightedSums,
    Work,
)


def _grid_tokens(input_shape: Shape, grid: tuple[Dim, Dim, Dim], layer: str) -> Dim:
    """The features of ``[1 + t·h·w, c]`` tokens whose grid is ``grid``."""
    if len(input_shape) != 2:
        raise RuleError(
            None,
            _(
                "{layer} needs tokens [1 + t·h·w, features] (a class token, then the grid), "
                "got {shape}"
            ).format(layer=layer, shape=format_shape(input_shape)),
        )
    require(
        equals(input_shape[0], 1 + prod(grid)),
        "grid",
        partial(_grid_mismatch, input_shape[0], grid),
    )
    return input_shape[1]


def _grid_mismatch(tokens: Dim, grid: tuple[Dim, ...], extra: int = 1) -> str:
    what = "1 + " if extra else ""
    sizes = "×".join(show_value(n) for n in grid)
    return _("a grid of {sizes} needs {needed} tokens, got {tokens}").format(
        sizes=sizes, needed=what + show_value(prod(grid)), tokens=show_value(tokens)
    )


def _heads(heads: Dim, units: Dim) -> str:
    return _("heads={heads} must divide the {units} output features").format(
        heads=show_value(heads), units=show_value(units)
    )


def _pooled(kernel: tuple[Dim, ...], stride: tuple[Dim, ...]) -> bool:
    """Whether torchvision pools: a kernel or a stride of more than 1 (``_prod(...) > 1``)."""
    return any(type(n) is not int or n > 1 for n in (*kernel, *stride))


@rule(PoolingAttention)
def pooling_attention(node: PoolingAttention, input_shape: Shape) -> LayerCounts:
    """Multi-head pooling attention (Fan et al. 2021, MViT; Li et al. 2022, MViTv2) on
    ``[1 + T, c]`` tokens, ``T = t·h·w``; ``u`` output features (``units``), ``d = u/heads``.

    Each of q, k, v is pooled where its kernel or stride exceeds 1: a depthwise
    ``Conv3d(d, d, kernel, stride, padding=kernel // 2, groups=d)`` without bias
    on each head's grid (output grid by the convolution's formula), then
    ``LayerNorm(d)`` on the class token and the pooled grid. ``T_q``, ``T_k`` are
    the pooled grids' sizes (the keys' and values' alike). Output ``[1 + T_q, u]``.

    - trainable params: ``3·(c + 1)·u`` (the query, key and value projection),
      ``(u + 1)·u`` (the output projection), per pool ``d·k_t·k_h·k_w + 2·d``;
      v2's relative positions ``(2·(2·s − 1) + 2·t − 1)·d`` with
      ``s = max(⌊m/σ_q⌋, ⌊m/σ_kv⌋)``, ``m = max(h, w)``, ``σ`` the pools' height
      strides (as torchvision sizes its tables)
    - work: the projections (``3·(1 + T)·c·u + (1 + T_q)·u²`` MACs), each pool's
      ``heads·T'·d·k_t·k_h·k_w`` MACs on its output grid ``T'`` and its norm,
      ``q·kᵀ`` and the weights times ``v`` (``2·heads·(1 + T_q)·(1 + T_k)·d``),
      a softmax over each row; v2 adds the relative positions, per head and
      query of the grid ``d·(k_t + k_h + k_w)`` MACs (two ``einsum`` and a
      ``matmul``). The scaling, the additions (the position terms, the residual
      pool) are element-wise steps no peer counts
    - neurons: the ``(1 + T_q)·u`` outputs; connections: every weight, bias and
      product use
    """
    channels = _grid_tokens(input_shape, node.grid, "pooling_attention")
    units = channels if node.units is None else node.units
    heads = node.heads
    require(divides(heads, units), "heads", partial(_heads, heads, units))
    head_dim = exact_div(units, heads)
    tokens = 1 + prod(node.grid)
    qkv = WeightedSums(weights=3 * channels * units, parameters=3 * (channels + 1) * units,
                       rows=tokens)  # fmt: skip
    work: list[WeightedSums | Normalisation | MatrixProducts | Activations] = [qkv]
    params: Dim = qkv.parameters
    connections: Dim = qkv.uses
    grids: dict[str, tuple[Dim, ...]] = {}
    for name, kernel, stride, copies in (
        ("kv", node.kernel_kv, node.stride_kv, 2),
        ("q", node.kernel_q, node.stride_q, 1),
    ):
        if not _pooled(kernel, stride):
            grids[name] = node.grid
            continue
        padding = tuple((k // 2, k // 2) for k in kernel)
        grid = output_sizes(node.grid, kernel, stride, padding)
        grids[name] = grid
        window = prod(kernel)
        conv = WeightedSums(
            weights=head_dim * window, parameters=head_dim * window,
            positions=heads * prod(grid),
        )  # fmt: skip
        norm = Normalisation(
            kind=NormKind.LAYER, elements=heads * (1 + prod(grid)) * head_dim, affine=True,
            parameters=2 * head_dim,
        )  # fmt: skip
        for _copy in range(copies):
            work += [conv, norm]
            params += conv.parameters + norm.parameters
            connections += conv.uses
    queries, keys = 1 + prod(grids["q"]), 1 + prod(grids["kv"])
    scores = MatrixProducts(batch=heads, rows=queries, columns=keys, inner=head_dim)
    work.append(scores)
    connections += scores.macs
    if node.rel_pos:
        t, h, w = node.grid
        size = where(h >= w, h, w)
        q_size, kv_size = size // node.stride_q[1], size // node.stride_kv[1]
        spatial = 2 * where(q_size >= kv_size, q_size, kv_size) - 1
        params += (2 * spatial + 2 * t - 1) * head_dim
        (q_t, q_h, q_w), (k_t, k_h, k_w) = grids["q"], grids["kv"]
        positions = (
            # einsum over the heights, then the widths (ptflops does not patch torch.einsum)
            MatrixProducts(batch=q_h, rows=heads * q_t * q_w, columns=k_h, inner=head_dim,
                           operator=True),
            MatrixProducts(batch=q_w, rows=heads * q_t * q_h, columns=k_w, inner=head_dim,
                           operator=True),
            # torch.matmul over the frames
            MatrixProducts(batch=q_t, rows=heads * q_h * q_w, columns=k_t, inner=head_dim),
        )  # fmt: skip
        work += positions
        connections += sum((fact.macs for fact in positions), start=0)
    mixed = MatrixProducts(batch=heads, rows=queries, columns=head_dim, inner=keys)
    softmax = Activations(
        function=Activation.SOFTMAX, elements=heads * queries * keys, channels=keys,
        module=False, method=True,
    )  # fmt: skip
    proj = WeightedSums(weights=units * units, parameters=(units + 1) * units, rows=queries)
    work += [softmax, mixed, proj]
    params += proj.parameters
    connections += mixed.macs + proj.uses
    return LayerCounts(
        output_shape=(queries, units),
        trainable_params=params,
        neurons=queries * units,
        connections=connections,
        work=tuple(work),
    )


@rule(TokenMaxPool)
def token_maxpool(node: TokenMaxPool, input_shape: Shape) -> LayerCounts:
    """Max pooling of the ``t×h×w`` grid of ``[1 + t·h·w, c]`` tokens, the class token passed on:
    ``[1 + t'·h'·w', c]``, the grid pooled as ``maxpool3d`` pools ``[c, t, h, w]`` (its counts
    are that layer's: no parameters, ``k_t·k_h·k_w`` connections per pooled value)."""
    channels = _grid_tokens(input_shape, node.grid, "token_maxpool")
    pooled = pooling(
        Pool(kind=PoolKind.MAX, kernel=node.kernel, stride=node.stride, padding=node.padding),
        (channels, *node.grid),
    )
    grid = pooled.output_shape[1:]
    return LayerCounts(
        output_shape=(1 + prod(grid), channels),
        neurons=pooled.neurons,
        connections=pooled.connections,
        work=pooled.work,
    )


@rule(SeparablePositionEmbedding)
def separable_position_embedding(
    node: SeparablePositionEmbedding, input_shape: Shape
) -> LayerCounts:
    """``[t·h·w, d]`` tokens plus a learned position, the sum of one per frame and one per
    spatial position: ``(t + h·w)·d`` parameters; with ``class_token`` a learned token put
    first, with a position of its own: ``[1 + t·h·w, d]``, ``2·d`` more (MViT-B: ``d = 96``,
    8×56×56: ``(8 + 3136 + 2)·96 = 302,016``). Counted as an ``add`` of the tokens and their
    positions, as ``position_embedding`` is."""
    if len(input_shape) != 2:
        raise RuleError(
            None,
            _("separable_position_embedding needs tokens [t·h·w, features], got {shape}").format(
                shape=format_shape(input_shape)
            ),
        )
    t, h, w = node.grid
    require(
        equals(input_shape[0], prod(node.grid)),
        "grid",
        partial(_grid_mismatch, input_shape[0], node.grid, 0),
    )
    dim = input_shape[1]
    tokens = input_shape[0] + (1 if node.class_token else 0)
    values = tokens * dim
    work: Work = (Combination(kind="add", operands=2, outputs=values),)
    return LayerCounts(
        output_shape=(tokens, dim),
        trainable_params=(t + h * w + (2 if node.class_token else 0)) * dim,
        neurons=values,
        connections=2 * values,
        work=work,
    )
