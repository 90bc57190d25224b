"""The compiled evaluator: at every point, exactly what sympy's substitution gives."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import pytest
import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st

import cnncalc
import cnncalc.evaluator as evaluator_module
from cnncalc.analysis import METRICS, Report
from cnncalc.errors import CnncalcError
from cnncalc.evaluator import Evaluator, Exact, NotCompilable, compile_formulas
from cnncalc.substitution import sizes_of
from cnncalc.sweep import symbols_named
from cnncalc.symbolic import substitute, symbol
from tests.conftest import SPECS

ALEXNET = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml")
LENET = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")

# Every rule shape the formulas take: 'same' padding (ceilings), ceil_mode pooling, a
# fractional upsampling, adaptive windows (a sum in closed form), symbolic groups, a
# transposed convolution, a stride that is 0 for small n (a division by zero).
ZOO = cnncalc.analyze(
    {
        "input": [3, "n", "n"],
        "layers": [
            {"name": "c1", "type": "conv2d", "filters": "k", "kernel": 3, "stride": 2,
             "padding": "same"},
            {"name": "p1", "type": "maxpool2d", "kernel": 3, "stride": 2, "ceil_mode": True},
            {"name": "u", "type": "upsample", "scale": "3/2", "mode": "bilinear"},
            {"name": "a", "type": "adaptive_avgpool2d", "output_size": 7},
            {"name": "g", "type": "conv2d", "filters": "2*k", "kernel": 1, "groups": "k"},
            {"name": "t", "type": "conv_transpose2d", "filters": 4, "kernel": 3, "stride": 2},
            {"name": "s", "type": "conv2d", "filters": 2, "kernel": 1, "stride": "n//8"},
            {"name": "f", "type": "flatten"},
            {"name": "d", "type": "dense", "units": "m"},
        ],
    }
)  # fmt: skip


def evaluator(report: Report, names: list[str]) -> Evaluator:
    """The totals of every metric, valid where substitution is (requirements and sizes)."""
    sizes = {size for _where, size in sizes_of(report) if getattr(size, "free_symbols", None)}
    return Evaluator(
        symbols_named(report, names),
        [report.totals.metric(metric) for metric in METRICS],
        requirements=[r.relation for r in report.requirements],
        sizes=sorted(sizes, key=str),
        fallback=substitute,
    )


def substituted(report: Report, values: dict[str, int]) -> tuple[Any, ...] | None:
    """The totals by sympy's substitution, or None where it refuses the point."""
    try:
        totals = report.subs(values).totals
    except CnncalcError:
        return None
    return tuple(totals.metric(metric) for metric in METRICS)


ALEXNET_EVALUATOR = evaluator(ALEXNET, ["n"])
LENET_EVALUATOR = evaluator(LENET, ["n", "k"])
ZOO_EVALUATOR = evaluator(ZOO, ["n", "k", "m"])


@settings(max_examples=60, deadline=None)
@given(n=st.one_of(st.integers(1, 600), st.integers(1, 2**40), st.integers(2**40 - 99, 2**40)))
@example(n=2**30)  # MACs ≈ 2**70: far beyond a float's 2**53
@example(n=2**40)  # fc1's input, 256·⌊(n − 35)/32⌋², passes 2**63 − 1: no network
@example(n=66)  # one below the requirement n ≥ 67
def test_alexnet_at_any_size_is_the_substitution(n: int) -> None:
    got = ALEXNET_EVALUATOR.point(n)
    assert got == substituted(ALEXNET, {"n": n})
    if n == 2**30:
        assert got is not None
        macs = got[METRICS.index("macs")]
        assert macs == 28_705_438_282_461_793_689_728
        assert int(float(macs)) != macs  # a float (lambdify's true division) would be wrong
        assert all(type(value) is int for value in got)
    if n in (2**40, 66):
        assert got is None


@settings(max_examples=60, deadline=None)
@given(
    n=st.one_of(st.integers(1, 200), st.integers(2**26 - 99, 2**26), st.integers(1, 2**40)),
    k=st.one_of(st.integers(1, 12), st.integers(1, 2**20)),
)
@example(n=2**26, k=5)  # connections ≈ 2**61: F6 reads 120·(2**24)² inputs
def test_lenet5_at_any_sizes_is_the_substitution(n: int, k: int) -> None:
    got = LENET_EVALUATOR.point(n, k)
    assert got == substituted(LENET, {"n": n, "k": k})
    if (n, k) == (2**26, 5):
        assert got is not None and got[METRICS.index("connections")] > 2**60


@settings(max_examples=60, deadline=None)
@given(
    n=st.one_of(st.integers(1, 300), st.integers(2**40 - 99, 2**40)),
    k=st.integers(1, 64),
    m=st.integers(1, 2**33),
)
def test_every_rule_shape_at_any_sizes_is_the_substitution(n: int, k: int, m: int) -> None:
    assert ZOO_EVALUATOR.point(n, k, m) == substituted(ZOO, {"n": n, "k": k, "m": m})


def test_the_zoo_compiles_whole_and_vectorises() -> None:
    # The adaptive windows' sum is compiled in closed form (n + o − gcd(n, o)), not left to sympy.
    assert ZOO_EVALUATOR.fallbacks == ()
    assert ZOO_EVALUATOR.vectorisable


def test_numpy_and_python_give_the_same_grid() -> None:
    axes = [range(1, 120), range(1, 9), (1, 10, 2**20)]
    vectorised = ZOO_EVALUATOR.grid(axes, vectorise=True)
    python = ZOO_EVALUATOR.grid(axes, vectorise=False)
    assert vectorised.vectorised and not python.vectorised
    assert (vectorised.kept, vectorised.values) == (python.kept, python.values)
    # n < 8 divides by zero (stride n//8), and ceil_mode needs n ≥ 7: no network there.
    assert (vectorised.invalid, vectorised.first_invalid) == (python.invalid, 0)
    assert vectorised.invalid == 7 * 8 * 3
    assert all(type(v) is int for column in vectorised.values for v in column)


def test_a_grid_whose_counts_pass_int64_runs_in_python_integers() -> None:
    # At n = 2**30, AlexNet's MACs pass 2**63: the bounds send the grid to Python's ints.
    result = ALEXNET_EVALUATOR.grid([range(2**30 - 3, 2**30 + 1)])
    assert not result.vectorised
    expected = [substituted(ALEXNET, {"n": n}) for n in range(2**30 - 3, 2**30 + 1)]
    assert [tuple(column[i] for column in result.values) for i in range(4)] == expected
    small = ALEXNET_EVALUATOR.grid([range(60, 70)])
    assert small.vectorised
    assert (small.invalid, small.first_invalid, small.kept) == (7, 0, [7, 8, 9])
    with pytest.raises(ValueError, match="NumPy cannot"):
        ALEXNET_EVALUATOR.grid([range(2**30, 2**30 + 1)], vectorise=True)


A = sympy.Symbol("a", rational=True, positive=True)
N = symbol("n")
ROUNDING = [
    sympy.floor(32 * A),
    sympy.ceiling(N * A / 8),
    sympy.Max(8, sympy.floor((32 * A + 4) / 8) * 8),  # make_divisible(32·a, 8)'s shape
    sympy.Min(N, sympy.Rational(3, 4) * A * N),
    sympy.Piecewise((N, sympy.Lt(A, sympy.Rational(1, 2))), (2 * N, True)),
    N**2 / 2 + N / 2,  # an integer with fractional coefficients
    sympy.Mod(N, 7) * A,
    sympy.floor(sympy.floor(N * A) / 3 - sympy.Rational(5, 3)),
]


@settings(max_examples=80, deadline=None)
@given(
    a=st.fractions(min_value=Fraction(1, 64), max_value=4, max_denominator=64),
    n=st.one_of(st.integers(1, 500), st.integers(2**60, 2**62)),
)
def test_rationals_and_rounding_are_exact(a: Fraction, n: int) -> None:
    # A width multiplier a = 3/4 and the rounding functions the formula language is gaining:
    # exact Fractions only where they are needed, ints wherever the value is whole.
    compiled = Evaluator([A, N], ROUNDING)
    got = compiled.point(a, n)
    values = {A: sympy.Rational(a.numerator, a.denominator), N: n}
    expected = [expr.xreplace(values) for expr in ROUNDING]
    assert list(got) == expected
    assert [type(v) is int for v in got] == [e.is_Integer for e in expected]
    assert compiled.fallbacks == ()
    assert not compiled.vectorisable  # fractions: Python's integers only


def test_fractions_in_sums_stay_integers_where_they_are() -> None:
    compiled = compile_formulas(["n"], [N**2 / 2 + N / 2, N / 2])
    assert compiled.point(10) == (55, 5)
    assert compiled.point(3) == (6, Fraction(3, 2))
    assert type(compiled.point(10)[0]) is int


def test_a_formula_the_generator_cannot_write_goes_to_the_fallback() -> None:
    j = sympy.Dummy("j", integer=True)
    expr = sympy.Sum(j, (j, 0, N))  # a sum of a symbolic length: 0 + 1 + … + n
    with pytest.raises(NotCompilable):
        compile_formulas(["n"], [expr + N])
    compiled = compile_formulas(["n"], [expr + N], fallback=substitute)
    assert compiled.fallbacks == (expr,)  # the sum alone, not the whole formula
    assert compiled.point(4) == (10 + 4,)
    assert compiled.grid([range(1, 5)]).values == [[2, 5, 9, 14]]


def test_the_generated_source_never_holds_the_spec_s_names() -> None:
    # Symbols are positional parameters: a spec's own words never reach compile().
    spec = {"input": [1, "width", "width"], "layers": [{"type": "conv2d", "filters": "depth",
            "kernel": 3}]}  # fmt: skip
    report = cnncalc.analyze(spec)
    compiled = evaluator(report, ["width", "depth"])
    assert "width" not in compiled.source and "depth" not in compiled.source
    assert "def evaluate(s0, s1):" in compiled.source
    assert compiled.point(5, 2) == substituted(report, {"width": 5, "depth": 2})


def test_a_size_past_the_bound_is_no_network() -> None:
    # Upsampling doubles n: at n = 2**62 the output is 2**63, past 2**63 − 1.
    spec = {"input": [1, "n", "n"], "layers": [{"type": "upsample", "scale": 2}]}
    report = cnncalc.analyze(spec)
    compiled = evaluator(report, ["n"])
    assert compiled.point(2**62) is None
    assert substituted(report, {"n": 2**62}) is None
    assert compiled.point(2**62 - 1) == substituted(report, {"n": 2**62 - 1})
    assert compiled.grid([(2**62 - 1, 2**62)]).kept == [0]


def test_conditions_keep_points_and_requirements_refuse_them() -> None:
    compiled = Evaluator([N], [N * 2], [sympy.Eq(sympy.Mod(N, 2), 0)], requirements=[N >= 3])
    assert [compiled.point(n) for n in (2, 3, 4)] == [None, False, (8,)]
    result = compiled.grid([range(1, 11)])
    assert (result.kept, result.values, result.invalid, result.filtered) == (
        [3, 5, 7, 9], [[8, 12, 16, 20]], 2, 4,
    )  # fmt: skip


def test_fractional_axes_are_put_in_and_the_rest_runs_in_numpy() -> None:
    # A width multiplier's values are few: the program is compiled once per value, each
    # with the value put in (⌊32·a⌋ at a = 3/4 is 24), and NumPy runs the whole-number axes.
    # The result is the Python grid's, in grid order whichever axis is the fractional one.
    outputs = [ROUNDING[0], ROUNDING[2], ROUNDING[4], sympy.floor(32 * A) * N**2 * 3]
    widths: list[Exact] = [Fraction(k, 8) for k in range(1, 9)]
    sizes: Sequence[Exact] = range(1, 2001)
    orders: list[tuple[list[Any], list[Sequence[Exact]]]] = [
        ([A, N], [widths, sizes]),
        ([N, A], [sizes, widths]),
    ]
    for symbols, axes in orders:
        compiled = Evaluator(
            symbols, outputs, [sympy.Ne(sympy.Mod(N, 5), 0)], requirements=[N >= 3]
        )
        specialised, python = compiled.grid(axes), compiled.grid(axes, vectorise=False)
        assert specialised.vectorised and not python.vectorised
        assert (specialised.kept, specialised.values) == (python.kept, python.values)
        assert (specialised.invalid, specialised.first_invalid, specialised.filtered) == (
            python.invalid, python.first_invalid, python.filtered,
        )  # fmt: skip
        assert (python.invalid, python.first_invalid, python.filtered) == (16, 0, 8 * 400)
    at_three_quarters = Evaluator([A, N], outputs).grid([[Fraction(3, 4)], range(10, 10_010)])
    assert at_three_quarters.values[0][:2] == [24, 24]
    assert at_three_quarters.values[3][0] == 24 * 100 * 3


def test_without_numpy_fractional_axes_are_put_in_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without NumPy the values of a multiplier are still put in one by one, so that the
    # whole-number axes run in Python's integers rather than in fractions: the same grid.
    outputs = [ROUNDING[0], ROUNDING[2], sympy.floor(32 * A) * N**2 * 3]
    widths: list[Exact] = [Fraction(k, 8) for k in range(1, 5)]
    sizes: Sequence[Exact] = range(1, 1501)
    for symbols, axes in [([A, N], [widths, sizes]), ([N, A], [sizes, widths])]:
        compiled = Evaluator(
            symbols, outputs, [sympy.Ne(sympy.Mod(N, 5), 0)], requirements=[N >= 3]
        )
        fractions = compiled.grid(axes, vectorise=False)  # every point in fractions
        monkeypatch.setattr(evaluator_module, "_has_numpy", lambda: False)
        specialised = compiled.grid(axes)
        monkeypatch.undo()
        assert not specialised.vectorised
        assert (specialised.kept, specialised.values) == (fractions.kept, fractions.values)
        assert (specialised.invalid, specialised.first_invalid, specialised.filtered) == (
            fractions.invalid, fractions.first_invalid, fractions.filtered,
        )  # fmt: skip
        assert (fractions.invalid, fractions.first_invalid, fractions.filtered) == (8, 0, 4 * 300)
