"""One rule, two arithmetics: ``rule(symbols).subs(values) == rule(ints)`` for every rule.

Each IR node type has a strategy of valid-looking nodes and inputs (valid or
not). The node's sizes become symbols (as ``cnncalc explain`` names them); the
rule runs on them; the values are put back. Every metric, every convention and
the output shape must equal the numeric rule's, and the conditions the
symbolic run states must hold exactly when the numeric rule accepts the input.
"""

from __future__ import annotations

import typing
from dataclasses import fields
from fractions import Fraction

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc import ir
from cnncalc.errors import RuleError
from cnncalc.formulas import _symbolize_node, _symbolize_shape
from cnncalc.rules import LayerCounts, apply_rule, registered_node_types
from cnncalc.spec.tables import LENET5_C3
from cnncalc.symbolic import collecting_conditions, substitute

small = st.integers(1, 7)
pair = st.tuples(small, small)
maps = st.tuples(st.integers(1, 8), st.integers(1, 20), st.integers(1, 20))
activation = st.none() | st.sampled_from(ir.Activation)


@st.composite
def paddings(draw: st.DrawFn) -> ir.Padding:
    if draw(st.booleans()):
        return "same"
    return tuple(draw(st.tuples(st.integers(0, 3), st.integers(0, 3))) for _ in range(2))


@st.composite
def convs(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    groups = draw(st.integers(1, 3))
    shape = draw(maps)
    table = None
    if draw(st.integers(0, 4)) == 0:
        filters = 16
        table = LENET5_C3
        shape = (6, *shape[1:])
    else:
        filters = groups * draw(small)
    node = ir.Conv(
        filters=filters, kernel=draw(pair), stride=draw(pair), padding=draw(paddings()),
        dilation=draw(pair), groups=groups, bias=draw(st.booleans()), connection_table=table,
        activation=draw(activation),
    )  # fmt: skip
    return node, shape


@st.composite
def pools(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    kernel = draw(pair)
    padding = draw(st.sampled_from(["same", "half"]))
    pad: ir.Padding = (
        "same" if padding == "same"
        else tuple((draw(st.integers(0, k // 2)), draw(st.integers(0, k // 2))) for k in kernel)
    )  # fmt: skip
    node = ir.Pool(
        kind=draw(st.sampled_from(ir.PoolKind)), kernel=kernel, stride=draw(pair), padding=pad,
        ceil_mode=draw(st.booleans()), activation=draw(activation),
    )  # fmt: skip
    return node, draw(maps)


@st.composite
def transposed(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    groups = draw(st.integers(1, 3))
    stride, dilation = draw(pair), draw(pair)
    node = ir.ConvTranspose(
        filters=groups * draw(small), kernel=draw(pair), stride=stride,
        padding=tuple(draw(st.tuples(st.integers(0, 2), st.integers(0, 2))) for _ in range(2)),
        output_padding=tuple(
            draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
        ),
        dilation=dilation, groups=groups, bias=draw(st.booleans()),
    )  # fmt: skip
    c, h, w = draw(maps)
    return node, (groups * c, h, w)


@st.composite
def merges(draw: st.DrawFn) -> tuple[ir.Node, tuple[tuple[int, ...], ...]]:
    shape = draw(maps)
    count = draw(st.integers(2, 3))
    kinds: list[type[ir.Add | ir.Multiply | ir.Concat]] = [ir.Add, ir.Multiply, ir.Concat]
    if draw(st.integers(0, 5)) == 0:  # cross-attention: queries, then keys and values
        queries, others = draw(tokens), draw(st.lists(tokens, min_size=1, max_size=2))
        return ir.Attention(heads=draw(st.integers(1, 4)), bias=draw(st.booleans())), (
            queries, *others,
        )  # fmt: skip
    if draw(st.integers(0, 3)) == 0:  # a product: (c, h, w)·(c, w, h) or with transpose_b
        c, h, w = shape
        transpose = draw(st.booleans())
        other = (c, h, w) if transpose else (c, w + draw(st.integers(0, 1)), h)
        return ir.MatMul(transpose_b=transpose), (shape, other)
    kind = draw(st.sampled_from(kinds))
    if kind is ir.Concat:
        shapes = tuple((draw(small), *shape[1:]) for _ in range(count))
    elif kind is ir.Multiply:
        shapes = (shape, *((shape[0], 1, 1) for _ in range(count - 1)))
    else:
        shapes = (shape,) * count
    if draw(st.integers(0, 5)) == 0:  # now and then a mismatch the rule must catch
        shapes = (*shapes[:-1], (shape[0] + 1, shape[1] + 1, shape[2]))
    return kind(), shapes


@st.composite
def reshapes(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    c, h, w = shape = draw(maps)
    sizes = draw(st.sampled_from([(c * h, w), (c, h * w), (-1, w), (c, -1), (h, w), (-1,)]))
    if draw(st.integers(0, 5)) == 0:
        sizes = (-1, draw(small))  # may not divide
    return ir.Reshape(shape=sizes), shape


@st.composite
def splits(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    shape = draw(maps)
    axis = draw(st.integers(-3, 2))
    if draw(st.booleans()):
        return ir.Split(axis=axis, chunks=draw(st.integers(1, 4))), shape
    size = shape[axis]
    cut = draw(st.integers(1, size)) if size > 1 else 1
    sizes = (cut, size - cut) if cut < size else (size,)
    if draw(st.integers(0, 5)) == 0:
        sizes = (*sizes, 1)  # one too many
    return ir.Split(axis=axis, sizes=sizes), shape


tokens = st.tuples(st.integers(1, 12), st.sampled_from([4, 6, 8, 12]))


@st.composite
def attentions(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    shape = draw(tokens)
    return ir.Attention(heads=draw(st.integers(1, 4)), bias=draw(st.booleans())), shape


scale = st.integers(1, 3) | st.sampled_from([Fraction(1, 2), Fraction(3, 4), Fraction(5, 3)])
modes = st.sampled_from(["nearest", "bilinear", "bicubic"])
channels_last = st.tuples(st.integers(1, 20), st.integers(1, 20), st.sampled_from([4, 6, 8]))


@st.composite
def windows(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    window = draw(st.tuples(st.integers(1, 5), st.integers(1, 5)))
    shift = (draw(st.integers(0, window[0])), draw(st.integers(0, window[1])))  # may be too large
    node = ir.WindowAttention(
        window, shift, draw(st.integers(1, 4)), draw(st.sampled_from([1, 2])),
        draw(st.booleans()), draw(st.booleans()), draw(st.booleans()),
    )  # fmt: skip
    return node, draw(channels_last)


@st.composite
def position_biases(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    window = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    positions = window[0] * window[1] + draw(st.sampled_from([0, 0, 0, 1]))  # may not fit
    shape = (draw(st.integers(1, 5)), draw(st.integers(1, 4)), positions, positions)
    return ir.RelativePositionBias(window), shape[draw(st.integers(0, 1)) :]


videos = st.tuples(
    st.integers(1, 9), st.integers(1, 12), st.integers(1, 12), st.sampled_from([4, 6, 8])
)


@st.composite
def video_windows(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    """Video Swin's 3-D windows (sides longer than the map shrink), V2's refused."""
    window = draw(st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5)))
    shift = tuple(draw(st.integers(0, w)) for w in window)  # may be too large
    node = ir.WindowAttention(
        window, shift, draw(st.integers(1, 4)), draw(st.sampled_from([1, 1, 2])),
        draw(st.booleans()), draw(st.booleans()), draw(st.booleans()),
    )  # fmt: skip
    return node, draw(videos)


grids = st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 6))
triples = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))


@st.composite
def pooling_attentions(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    """MViT's attention on [1 + t·h·w, c] tokens (now and then a wrong count)."""
    grid = draw(grids)
    tokens = 1 + grid[0] * grid[1] * grid[2] + draw(st.sampled_from([0, 0, 0, 1]))
    node = ir.PoolingAttention(
        grid, draw(st.integers(1, 3)), draw(st.none() | st.sampled_from([4, 6, 12])),
        draw(triples), draw(triples), draw(triples), draw(triples), draw(st.booleans()),
        draw(st.booleans()),
    )  # fmt: skip
    return node, (tokens, draw(st.sampled_from([4, 6, 8])))


@st.composite
def token_pools(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    grid = draw(grids)
    kernel = draw(triples)
    padding = tuple((k // 2, k // 2) for k in kernel)
    node = ir.TokenMaxPool(grid, kernel, draw(triples), padding)
    return node, (1 + grid[0] * grid[1] * grid[2], draw(st.integers(1, 8)))


@st.composite
def separable_positions(draw: st.DrawFn) -> tuple[ir.Node, tuple[int, ...]]:
    grid = draw(grids)
    tokens = grid[0] * grid[1] * grid[2] + draw(st.sampled_from([0, 0, 0, 1]))
    return ir.SeparablePositionEmbedding(grid, draw(st.booleans())), (tokens, draw(small))


bound = st.none() | st.integers(-25, 25)
axis = st.integers(-4, 3)
flat = st.tuples(st.integers(1, 300))
padding_pair = st.tuples(st.integers(0, 3), st.integers(0, 3))
STRATEGIES: dict[type, st.SearchStrategy[tuple[ir.Node, tuple[int, ...]]]] = {
    ir.Conv: convs(),
    ir.ConvTranspose: transposed(),
    ir.Pool: pools(),
    ir.AdaptivePool: st.tuples(
        st.builds(
            ir.AdaptivePool,
            output_size=st.none()
            | st.tuples(st.integers(1, 9), st.integers(1, 9))
            | st.tuples(st.integers(1, 9)).map(lambda size: size * 3),
            kind=st.sampled_from([ir.PoolKind.AVG, ir.PoolKind.MAX]),
            flatten=st.booleans(),
        ),
        maps
        | st.tuples(st.integers(1, 4), st.integers(1, 20), st.integers(1, 9), st.integers(1, 9)),
    ),
    ir.ZeroPad: st.tuples(st.builds(ir.ZeroPad, st.tuples(padding_pair, padding_pair)), maps),
    ir.Upsample: st.tuples(
        st.builds(ir.Upsample, st.tuples(scale, scale), modes)
        | st.builds(ir.Upsample, st.none(), modes, size=pair),
        maps,
    ),
    ir.WindowAttention: windows() | video_windows(),
    ir.PatchMerging: st.tuples(
        st.builds(ir.PatchMerging, st.sampled_from([1, 2]), st.booleans()),
        channels_last | videos,
    ),
    ir.PoolingAttention: pooling_attentions(),
    ir.TokenMaxPool: token_pools(),
    ir.SeparablePositionEmbedding: separable_positions(),
    ir.Identity: st.tuples(st.just(ir.Identity()), maps),
    ir.LayerNorm: st.tuples(
        st.builds(ir.LayerNorm, st.sampled_from(["channels", "all"]), st.booleans()), maps
    ),
    ir.GroupNorm: st.tuples(st.builds(ir.GroupNorm, st.integers(1, 4), st.booleans()), maps),
    ir.Dense: st.tuples(
        st.builds(ir.Dense, units=st.integers(1, 50), bias=st.booleans(), activation=activation),
        flat | tokens,
    )
    | st.tuples(st.builds(ir.Dense, units=st.integers(1, 9), axis=axis), maps),
    ir.RBF: st.tuples(st.builds(ir.RBF, units=st.integers(1, 50), trainable=st.booleans()), flat),
    ir.Flatten: st.tuples(st.builds(ir.Flatten, axis, axis) | st.just(ir.Flatten()), maps),
    ir.ElementWise: st.tuples(
        st.builds(ir.ElementWise, st.sampled_from(ir.Activation), axis), maps
    ),
    ir.RelativePositionBias: position_biases(),
    ir.L2Normalize: st.tuples(st.builds(ir.L2Normalize, axis), maps),
    ir.Dropout: st.tuples(st.builds(ir.Dropout, st.floats(0, 0.9)), maps),
    ir.BatchNorm: st.tuples(
        st.builds(ir.BatchNorm, st.booleans(), st.booleans(), st.sampled_from(ir.Framework)),
        maps,
    ),
    ir.Standardize: st.tuples(
        st.builds(ir.Standardize, st.booleans(), st.sampled_from(ir.Framework)), maps
    ),
    ir.LRN: st.tuples(st.builds(ir.LRN, small), maps),
    ir.Reshape: reshapes(),
    ir.PReLU: st.tuples(st.builds(ir.PReLU, st.booleans()), maps),
    ir.Attention: attentions(),
    ir.ClassToken: st.tuples(st.just(ir.ClassToken()), tokens),
    ir.PositionEmbedding: st.tuples(st.just(ir.PositionEmbedding()), tokens | maps),
    ir.LayerScale: st.tuples(st.builds(ir.LayerScale, axis), maps),
    ir.Permute: st.tuples(
        st.builds(ir.Permute, st.permutations([0, 1, -1]).map(tuple) | st.just((0, 1))), maps
    ),
    ir.Transpose: st.tuples(st.builds(ir.Transpose, st.tuples(axis, axis)), maps),
    ir.Unflatten: st.tuples(
        st.builds(ir.Unflatten, axis, st.tuples(st.integers(1, 4), st.just(-1))), maps
    ),
    ir.ChannelShuffle: st.tuples(st.builds(ir.ChannelShuffle, st.integers(1, 4)), maps),
    ir.Split: splits(),
    ir.Select: st.tuples(st.builds(ir.Select, axis, st.integers(-21, 21)), maps),
    ir.Slice: st.tuples(st.builds(ir.Slice, axis, bound, bound, st.integers(1, 3)), maps),
    ir.Crop: st.tuples(st.builds(ir.Crop, st.tuples(padding_pair, padding_pair)), maps),
    ir.Scalar: st.tuples(
        st.builds(ir.Scalar, st.sampled_from(ir.ScalarOp), st.floats(-9, 9)), maps
    ),
}
MERGES = merges()


def test_every_rule_has_a_strategy() -> None:
    covered = set(STRATEGIES) | set(ir.MERGES)
    assert covered == registered_node_types() == set(typing.get_args(ir.Node))


def _numbers(counts: LayerCounts, values: dict[sympy.Symbol, int]) -> dict[str, object]:
    flops = counts.flops
    return {
        "output_shape": tuple(substitute(d, values) for d in counts.output_shape),
        "outputs": tuple(tuple(substitute(d, values) for d in s) for s in counts.outputs),
        **{
            f.name: substitute(getattr(counts, f.name), values)
            for f in fields(counts)
            if f.name not in ("output_shape", "outputs", "work")
        },
        **{f"flops.{c}": substitute(value, values) for c, value in flops.items()},
    }


@settings(max_examples=400, deadline=None)
@given(st.one_of(*(s.map(lambda c: (c[0], (c[1],))) for s in STRATEGIES.values()), MERGES))
def test_rule_on_symbols_then_values_equals_rule_on_ints(
    case: tuple[ir.Node, tuple[tuple[int, ...], ...]],
) -> None:
    node, shapes = case
    values: dict[sympy.Symbol, int] = {}
    symbolic_shapes = tuple(
        _symbolize_shape(shape, values, str(i)) for i, shape in enumerate(shapes)
    )
    if isinstance(node, ir.Multiply | ir.Add):
        # Broadcasting is decided by a literal 1 (a gate from global pooling), which
        # a symbol cannot be: sizes of 1 stay numbers.
        symbolic_shapes = tuple(
            tuple(1 if d == 1 else s for d, s in zip(shape, sym, strict=True))
            for shape, sym in zip(shapes, symbolic_shapes, strict=True)
        )
    symbolic_node = _symbolize_node(node, values)
    try:
        numeric = apply_rule(node, shapes)
    except RuleError:
        numeric = None
    try:
        with collecting_conditions() as conditions:
            symbolic = apply_rule(symbolic_node, symbolic_shapes)
    except RuleError:
        # Provably impossible whatever the sizes: then impossible for these too.
        assert numeric is None
        return
    holds = all(sympy.sympify(c.relation).xreplace(values) is sympy.true for c in conditions)
    assert holds == (numeric is not None), [c.relation for c in conditions]
    if numeric is not None:
        assert _numbers(symbolic, values) == _numbers(numeric, {})
        assert all(
            type(v) is int for v in _numbers(numeric, {}).values() if not isinstance(v, tuple)
        )
