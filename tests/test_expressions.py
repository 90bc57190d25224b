"""The formula language: exact numbers, the functions frameworks size channels with, and bounds.

Every function is checked three ways: its value on numbers (``evaluate``), its
symbolic form (``to_expr``) put at the same values, and the errors and bounds a
hostile formula meets. The symbolic and numeric paths must agree exactly on any
formula and any values (a hypothesis test draws both).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.expressions import (
    MAX_NESTING,
    Formula,
    FormulaError,
    constant_value,
    evaluate,
    make_divisible,
    put_in,
    read_exact,
)
from cnncalc.symbolic import substitute, symbol, to_expr
from cnncalc.symbolic_functions import MakeDivisible, RoundHalfEven, Truncate, written_out

F = Fraction


def value(text: str, **values: int | Fraction) -> int | Fraction:
    return evaluate(Formula(text), values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3/4", F(3, 4)),
        ("0.75", F(3, 4)),  # the decimal as written, never the binary float 0.75000000000000…
        ("0.1 + 0.2", F(3, 10)),  # a float would give 0.30000000000000004
        ("1.5e3", 1500),
        ("64*0.75", 48),  # a whole fraction is an int
        ("7/2//1", 3),
        ("round(2.5)", 2),  # half to even, as Python, NumPy, PyTorch and TensorFlow round
        ("round(3.5)", 4),
        ("round(-2.5)", -2),
        ("round(2.5000001)", 3),
        ("round(7/3)", 2),
        ("floor(-1/2)", -1),
        ("ceil(7/2)", 4),
        ("ceil(-7/2)", -3),
        ("int(7/2)", 3),
        ("int(-7/2)", -3),  # truncation towards zero, as Python's and Keras's int()
        ("min(3, 1/2, 2)", F(1, 2)),
        ("max(3, 7/2, 2)", F(7, 2)),
        ("make_divisible(32*0.75, 8)", 24),
        ("make_divisible(10, 8)", 16),  # 8 would drop more than 10 %: one more step
        ("make_divisible(3, 8)", 8),  # never below the divisor
        ("make_divisible(3, 8, 4)", 4),  # ... or below the least value given
        ("make_divisible(96*0.35, 8)", 32),  # MobileNetV2 at width 0.35: 33.6 → 32
        ("make_divisible(100, 8)", 104),
        ("max(8, make_divisible(int(16*0.7), 8))", 16),
    ],
)
def test_numbers(text: str, expected: int | Fraction) -> None:
    got = constant_value(Formula(text))
    assert got == expected
    assert type(got) is type(expected)


def torchvision_make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """torchvision/models/_utils.py::_make_divisible, as written (floats)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


@settings(max_examples=300)
@given(
    quarters=st.integers(-(2**20), 2**20),
    divisor=st.integers(1, 64),
    least=st.none() | st.integers(1, 64),
)
def test_make_divisible_is_torchvisions_wherever_floats_are_exact(
    quarters: int, divisor: int, least: int | None
) -> None:
    # Multiples of 1/4 up to 2**18 are exact floats, and 9/10 of them is never within an
    # ulp of an integer: there the float code computes what the exact one does.
    x = F(quarters, 4)
    assert make_divisible(x, divisor, least) == torchvision_make_divisible(
        quarters / 4, divisor, least
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("int(32*a)", "floor(32*a)"),  # a ≥ 0: truncation is the floor
        ("floor(a/3)", "floor(a/3)"),
        ("ceil(2*a)", "ceiling(2*a)"),
        ("round(n)", "n"),  # a whole number rounds to itself
        ("max(n, 8)", "Max(8, n)"),
        ("min(n, 8)", "Min(8, n)"),
        ("n/2", "n/2"),
        ("0.5*n", "n/2"),
        ("make_divisible(64*a, 8)", "make_divisible(64*a, 8)"),  # as written: see below
        ("make_divisible(64*a, 8, 16)", "make_divisible(64*a, 8, 16)"),
        ("round(10*a)", "round(10*a)"),
        ("int(n - 10*a)", "int(-10*a + n)"),  # of unknown sign: stays a truncation
    ],
)
def test_symbolic_forms(text: str, expected: str) -> None:
    assert str(to_expr(text, {"a"})) == expected


def test_a_multiplier_is_a_positive_rational_and_a_size_a_positive_integer() -> None:
    a, n = symbol("a", multiplier=True), symbol("n")
    assert a.is_rational and a.is_positive and not a.is_integer
    assert n.is_integer and n.is_positive
    assert to_expr("int(32*a) + n", {"a"}) == sympy.floor(32 * a) + n
    assert symbol("a") != a  # one object per name and kind


def test_round_int_and_make_divisible_are_exact_cases() -> None:
    a = symbol("a", multiplier=True)
    rounded = to_expr("round(10*a)", {"a"})
    assert rounded.is_integer and not rounded.is_number
    assert [substitute(rounded, {a: sympy.Rational(k, 4)}) for k in (1, 2, 3, 5, 6, 7)] == [
        2, 5, 8, 12, 15, 18,  # 2.5 → 2, 7.5 → 8, 12.5 → 12, 17.5 → 18: halves to even
    ]  # fmt: skip
    divisible = to_expr("make_divisible(64*a, 8)", {"a"})
    assert [substitute(divisible, {a: sympy.Rational(k, 8)}) for k in (1, 2, 3, 5, 8)] == [
        8, 16, 24, 40, 64,
    ]  # fmt: skip
    truncated = to_expr("int(n - 10*a)", {"a"})  # of unknown sign: towards zero, exactly
    assert substitute(truncated, {a: sympy.Rational(1, 4), symbol("n"): 1}) == -1  # int(-1.5)
    assert substitute(truncated, {a: sympy.Rational(1, 4), symbol("n"): 4}) == 1  # int(1.5)
    assert divisible.is_positive and rounded.is_integer  # no requirement on their sizes


@settings(max_examples=60, deadline=None)
@given(
    text=st.sampled_from(["make_divisible(64*a, 8)", "make_divisible(10*a, 8, 16)",
                          "round(10*a)", "int(n - 10*a)", "round(a*n/3)"]),
    a=st.fractions(min_value=F(1, 64), max_value=8, max_denominator=64),
    n=st.integers(1, 100),
)  # fmt: skip
def test_written_out_in_floors_and_cases_they_are_the_same(text: str, a: Fraction, n: int) -> None:
    expr = to_expr(text, {"a"})
    cases = written_out(expr)
    assert not cases.has(MakeDivisible, RoundHalfEven, Truncate)
    values = {symbol("a", multiplier=True): sympy.Rational(a.numerator, a.denominator),
              symbol("n"): n}  # fmt: skip
    assert substitute(cases, values) == substitute(expr, values) == value(text, a=a, n=n)


FUNCTIONS = ("round", "floor", "ceil", "int")


@st.composite
def formulas(draw: st.DrawFn, depth: int = 0) -> str:
    """Random formulas in a (a multiplier, used only inside roundings) and n (a size)."""
    leaves = st.sampled_from(["n", "2", "3", "7", "0.75", "1/3", "5/2"])
    if depth >= 3 or draw(st.booleans()):
        return draw(leaves)
    kind = draw(st.sampled_from(["op", "op", "round", "minmax", "divisible", "a"]))
    if kind == "a":  # the multiplier, rounded
        function = draw(st.sampled_from(FUNCTIONS))
        return f"{function}({draw(st.integers(1, 64))}*a + {draw(formulas(depth + 1))})"
    if kind == "round":
        return f"{draw(st.sampled_from(FUNCTIONS))}({draw(formulas(depth + 1))})"
    if kind == "minmax":
        function = draw(st.sampled_from(["min", "max"]))
        return f"{function}({draw(formulas(depth + 1))}, {draw(formulas(depth + 1))})"
    if kind == "divisible":
        divisor = draw(st.integers(1, 16))
        return f"make_divisible({draw(formulas(depth + 1))}, {divisor})"
    op = draw(st.sampled_from(["+", "-", "*", "/", "//"]))
    return f"({draw(formulas(depth + 1))}) {op} ({draw(formulas(depth + 1))})"


@settings(max_examples=150, deadline=None)
@given(
    text=formulas(),
    a=st.fractions(min_value=F(1, 64), max_value=8, max_denominator=64),
    n=st.integers(1, 2**62),
)
def test_the_symbolic_path_computes_what_the_numeric_path_does(
    text: str, a: Fraction, n: int
) -> None:
    formula = Formula(text)
    try:
        expected = evaluate(formula, {"a": a, "n": n})
    except FormulaError:  # a division by zero at these values
        return
    got = substitute(
        to_expr(formula, {"a"}),
        {symbol("a", multiplier=True): sympy.Rational(a.numerator, a.denominator),
         symbol("n"): n},
    )  # fmt: skip
    if not isinstance(got, int):
        got = Fraction(int(got.p), int(got.q))
    assert got == expected


def test_names_used_as_sizes_and_as_multipliers() -> None:
    formula = Formula("int(32*a) + n*max(b, round(c/2))")
    assert formula.names == {"a", "b", "c", "n"}
    assert formula.bare_names == {"n", "b"}  # a and c only inside roundings
    assert Formula("make_divisible(64*w, 8)").bare_names == frozenset()
    assert Formula("floor(k/2) + k").bare_names == {"k"}  # also outside: a size
    assert Formula("round(x)").names == {"x"}  # the function's name is no symbol


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("sqrt(n)", "'sqrt' is not a function of size formulas; they have round, floor, ceil, "
                    "int, min, max, make_divisible"),
        ("flor(n)", "'flor' is not a function of size formulas (did you mean 'floor'?)"),
        ("round(n, 2)", "round() takes 1 argument, got 2"),
        ("max(n)", "max() takes 2 or more arguments, got 1"),
        ("make_divisible(n)", "make_divisible() takes 2–3 arguments, got 1"),
        ("round(x=n)", "round() takes its arguments by position only"),
        ("max(*n)", "max() takes its arguments by position only"),
        ("make_divisible(n, k)", "make_divisible(x, d) takes its divisor d (and its least value) "
                                 "as a whole number from 1 to 2**63 − 1, such as 8; got 'k'"),
        ("make_divisible(n, 0)", "got '0'"),
        ("make_divisible(n, 8, 0.5)", "got '0.5'"),
        ("n.real", "'n.real' is not allowed in a size formula"),
        ("(n).bit_length()", "'n.bit_length()' is not allowed in a size formula"),
        ("n % 2", "'n % 2' is not allowed in a size formula"),
        ("2j", "2j is not a number"),
        ("True", "True is not a number"),
        ("'7'", "'7' is not a number"),
        ("0.1234567890123456", "the decimal 0.1234567890123456 has more than 15 significant"),
        ("1e400", "the decimal 1e400 has more than 15 significant digits or is out of range"),
        ("1_0.5", "1_0.5 is not a number"),
        ("n**0.5", "a power must be a whole number from 0 to 8"),
        ("n**-1", "a power must be a whole number from 0 to 8"),
        ("int(int(int(int(int(n)))))", f"functions nest 5 deep here; a formula may nest them "
                                       f"{MAX_NESTING} deep"),
        ("((1/n)**8)**8", "its value could reach 2**4,032 with its symbols at 2**63 − 1"),
        ("((1/1000)**8)**8*((1/1000)**8)**8",
         "its value could reach 2**1,280; a formula's values are bounded by 2**1024"),
        ("floor((a+b+c+d+e+f)**4) + a+b+c+d+e+f", "it multiplies out to as many as 126 terms"),
    ],
)  # fmt: skip
def test_hostile_formulas_are_refused_before_anything_is_computed(
    text: str, complaint: str
) -> None:
    with pytest.raises(FormulaError) as error:
        Formula(text)
    assert complaint in str(error.value)


def test_nesting_at_the_bound_stays_small_symbolically() -> None:
    # Four make_divisible in one another: one function each, not cases in cases (which
    # sympy folds, exponentially: three took 35 s to build).
    text = "make_divisible(make_divisible(make_divisible(make_divisible(64*a, 8), 8), 8), 8)"
    a = symbol("a", multiplier=True)
    expr = to_expr(text, {"a"})
    assert sympy.count_ops(expr) < 20
    for k in (1, 3, 5, 7, 13):
        x = F(k, 8)
        assert substitute(expr, {a: sympy.Rational(k, 8)}) == value(text, a=x)


def test_huge_fractions_stay_exact_and_bounded() -> None:
    big = 2**60
    text = f"(({big} + 1)/({big} - 1))**8"
    assert constant_value(Formula(text)) == F(big + 1, big - 1) ** 8
    assert constant_value(Formula(f"round(({2 * big} + 1)/2)")) == big  # a tie, to even
    # a = (2**63 − 1)/(2**63 − 2): 2**62·a is 2**62 + 1/2 + 2**-64, so round() gives
    # 2**62 + 1 and int() 2**62; in floats a is 1.0 and both say 2**62.
    a = F(2**63 - 1, 2**63 - 2)
    assert value(f"round({4 * big}*a)", a=a) == 4 * big + 1
    assert value(f"int({4 * big}*a)", a=a) == 4 * big
    assert round(4 * big * float(a)) == 4 * big  # what a float would have said


def test_division_by_zero_and_missing_values() -> None:
    with pytest.raises(FormulaError, match="division by zero"):
        constant_value(Formula("1/(3 - 3)"))
    with pytest.raises(FormulaError, match="no value for 'n'"):
        value("n + 1")


def test_values_are_put_in_exactly() -> None:
    formula = Formula("make_divisible(64*a, 8) + n//2 + round(a)")
    text = put_in(formula, {"a": F(3, 4), "n": 7})
    assert text == "make_divisible(64 * (3 / 4), 8) + 7 // 2 + round(3 / 4)"
    assert constant_value(Formula(text)) == value(formula, a=F(3, 4), n=7) == 48 + 3 + 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [("32", 32), ("3/4", F(3, 4)), ("0.75", F(3, 4)), (".5", F(1, 2)), ("2.", 2),
     ("6/3", 2), ("1/0", None), ("-1", None), ("1e3", None), ("٣", None), ("1" * 41, None)],
)  # fmt: skip
def test_values_are_read_as_written(text: str, expected: int | Fraction | None) -> None:
    assert read_exact(text) == expected


def test_the_bound_on_bits_counts_fractions_both_ways() -> None:
    # A multiplier is up to 63 bits over 63 bits: int(a**8) is up to 504 bits.
    assert Formula("int(a**8)").names == {"a"}
    assert math.comb(6 + 4 - 1, 4) == 126  # the terms the bound above refuses
