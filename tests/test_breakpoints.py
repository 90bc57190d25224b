"""A multiplier's exact solutions: intervals that agree with the numeric path everywhere."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.api import analyze_at_values, loads
from cnncalc.breakpoints import breakpoints
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.solve import Interval, Solution, solve
from tests.conftest import SPECS

MOBILENET = SPECS / "mobilenet_v1-symbolic.yaml"

# Every rounding a width goes through, and a requirement (int(24*a) must be at least 1):
# make_divisible's 10 % rule, round's halves to even, int, ceil.
WIDTHS = """
name: widths
input: [3, 16, 16]
layers:
  - {name: a1, type: conv2d, filters: "make_divisible(32*a, 8)", kernel: 3}
  - {name: a2, type: conv2d, filters: round(10*a), kernel: 3}
  - {name: a3, type: conv2d, filters: int(24*a), kernel: 1}
  - {name: a4, type: conv2d, filters: ceil(12*a/5), kernel: 3}
  - {name: flat, type: flatten}
  - {name: fc, type: dense, units: 10}
"""
WIDTH_REPORT = cnncalc.analyze(loads(WIDTHS))


def holds(solution: Solution, value: Fraction) -> bool:
    assert solution.intervals is not None
    return any(
        (i.low < value or (i.low_closed and i.low == value))
        and (value < i.high or (i.high_closed and i.high == value))
        for i in solution.intervals
    )


def numeric(spec: object, values: dict[str, Fraction | int], metric: str) -> int | None:
    """The metric at ``values`` by substitution (None: no network there)."""
    try:
        report = analyze_at_values(spec, overrides=values)  # type: ignore[arg-type]
    except CnncalcError:
        return None
    return int(report.totals.metric(metric))


def test_mobilenet_widths_under_300_million_mult_adds() -> None:
    solution = solve(cnncalc.analyze(MOBILENET), "total.macs <= 300e6", "a", {"n": 224})
    assert solution.intervals == (Interval(Fraction(1, 32), Fraction(369, 512), True, False),)
    assert solution.breakpoints == 4095  # k/1024 for 0 < k < 4096: the 1024-channel layers
    # The ends, against substitution: int(32·a) ≥ 1 from a = 1/32 on; the 1024-channel
    # layers step at 737/1024 → 738/1024 = 369/512, and MACs cross 300 M there.
    assert numeric(MOBILENET, {"a": Fraction(31, 1024), "n": 224}, "macs") is None
    assert numeric(MOBILENET, {"a": Fraction(1, 32), "n": 224}, "macs") is not None
    below = numeric(MOBILENET, {"a": Fraction(7379, 10240), "n": 224}, "macs")
    at = numeric(MOBILENET, {"a": Fraction(369, 512), "n": 224}, "macs")
    assert below is not None and at is not None and below <= 300_000_000 < at
    # The paper's Table 6: 1/2 (149 M) is in, 3/4 (325 M) is not.
    assert holds(solution, Fraction(1, 2)) and not holds(solution, Fraction(3, 4))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4000), st.integers(1, 997))
def test_every_rational_agrees_with_substitution(numerator: int, denominator: int) -> None:
    value = Fraction(numerator, denominator)
    if value > 4:
        value = Fraction(numerator % (4 * denominator) + 1, denominator)
    params = numeric(WIDTHS_SPEC, {"a": value}, "params")
    assert holds(WIDTH_SOLUTION, value) == (params is not None and params <= 20_000)


WIDTHS_SPEC = loads(WIDTHS)
WIDTH_SOLUTION = solve(WIDTH_REPORT, "total.params <= 20000", "a")


def test_the_widths_spec_steps_where_its_roundings_do() -> None:
    # make_divisible(32a, 8) steps at 32a + 4 ∈ 8ℤ and its 10 % rule at 32a ∈ 80ℤ/9;
    # round(10a) at 10a ∈ ℤ + 1/2; int(24a) at 24a ∈ ℤ; ⌈12a/5⌉ at 12a/5 ∈ ℤ.
    x = WIDTH_REPORT.symbol_objects["a"]
    points = breakpoints([WIDTH_REPORT.totals.params], x, Fraction(0), Fraction(1))
    assert points is not None
    assert Fraction(1, 8) in points  # 32a = 4
    assert Fraction(5, 18) in points  # 32a = 80/9: the 10 % rule
    assert Fraction(1, 20) in points  # 10a = 1/2
    assert Fraction(1, 24) in points and Fraction(5, 12) in points
    assert len(points) == len(set(points)) and points == sorted(points)
    # Between two breakpoints the parameters do not change.
    for left, right in itertools.pairwise(points):
        middle, third = (left + right) / 2, left + (right - left) / 3
        assert numeric(WIDTHS_SPEC, {"a": middle}, "params") == numeric(
            WIDTHS_SPEC, {"a": third}, "params"
        )
    # The first width: round(10·a) is 0 at a = 1/20 (a half, to even), 1 just above.
    assert WIDTH_SOLUTION.intervals is not None
    first = WIDTH_SOLUTION.intervals[0]
    assert (first.low, first.low_closed) == (Fraction(1, 20), False)
    assert numeric(WIDTHS_SPEC, {"a": Fraction(1, 20)}, "params") is None


def test_a_rounding_that_is_not_linear_is_refused() -> None:
    report = cnncalc.analyze(loads(WIDTHS.replace("int(24*a)", "int(24*a*a)")))
    with pytest.raises(CnncalcError, match=r"^a enters a rounding other than as c·a \+ d"):
        solve(report, "total.params <= 20000", "a")
    x = sympy.Symbol("a", positive=True, rational=True)
    assert breakpoints([sympy.floor(x * x)], x, Fraction(0), Fraction(1)) is None


def test_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["solve", str(MOBILENET), "total.macs <= 300e6", "--for", "a", "--subs", "n=224"]
    assert main([*args, "--range", "a=1/4:1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "total.macs <= 300e6 holds for 1/4 (0.25) ≤ a < 369/512 (≈ 0.7207)."
    )
    assert main([*args, "--range", "a=3/4:1"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "No a satisfies total.macs <= 300e6."
    assert main(["solve", str(MOBILENET), "total.macs <= 300e6", "--for", "a,n"]) == 2
    assert capsys.readouterr().err.startswith("error: a is a multiplier: solve for it alone")
