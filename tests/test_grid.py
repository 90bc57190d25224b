"""The grid language of ``cnncalc sweep`` and the ranges of ``solve --for a,n``."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc.errors import CnncalcError
from cnncalc.grid import MAX_GRID_POINTS, parse_grid, parse_ranges


def test_lists_and_ranges_with_their_ends() -> None:
    k, n = parse_grid("k=3,5,7; n=128:224:32")
    assert (k.name, tuple(k.values)) == ("k", (3, 5, 7))
    assert (n.name, list(n.values)) == ("n", [128, 160, 192, 224])
    assert isinstance(n.values, range)  # a million integers are not a list of a million
    assert n.ends() == (128, 224)
    assert list(parse_grid("n=1:10:4")[0].values) == [1, 5, 9]  # 10 is not on a step
    assert list(parse_grid("n=7:7")[0].values) == [7]


def test_numbers_are_exact() -> None:
    (a,) = parse_grid("a=1/4, 0.5, 3/4, 1")
    assert a.values == (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), 1)
    assert type(a.values[3]) is int
    assert parse_grid("a=0.25:1:0.25")[0].values == a.values
    assert parse_grid("n=300e6")[0].values == (300_000_000,)
    assert parse_grid("n=2.5e1, 6/2")[0].values == (25, 3)
    # 0.1 is 1/10, not the float 0.1000000000000000055…
    assert parse_grid("a=0.1")[0].values == (Fraction(1, 10),)
    assert parse_grid("n=1:3,10")[0].values == (1, 2, 3, 10)


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ("", "--grid expects NAME=VALUES parts separated by ';', like \"k=3,5,7; "
             "n=128:224:32\"; got an empty part (two ';' in a row?)"),
        ("k", "--grid expects NAME=VALUES parts separated by ';', like \"k=3,5,7; "
              "n=128:224:32\"; got 'k'"),
        ("1n=3", "--grid expects NAME=VALUES parts separated by ';', like \"k=3,5,7; "
                 "n=128:224:32\"; got '1n=3'"),
        ("n=3; n=4", "--grid gives n twice"),
        ("n=3,3", "--grid: n takes 3 twice"),
        ("n=1:4,2", "--grid: n takes 2 twice"),
        ("n=a", "--grid: n: expected a number (3, 0.75, 3/4, 300e6, up to 1e30), got 'a'"),
        ("n=0x10", "--grid: n: expected a number (3, 0.75, 3/4, 300e6, up to 1e30), got '0x10'"),
        ("n=١٢", "--grid: n: expected a number (3, 0.75, 3/4, 300e6, up to 1e30), got '١٢'"),
        ("n=1e31", "--grid: n: expected a number (3, 0.75, 3/4, 300e6, up to 1e30), got '1e31'"),
        ("n=3/0", "--grid: n: '3/0' divides by zero"),
        ("n=5:1", "--grid: n: the range '5:1' is empty or goes backwards (lo ≤ hi, step > 0)"),
        ("n=1:5:-1", "--grid: n: the range '1:5:-1' is empty or goes backwards (lo ≤ hi, "
                     "step > 0)"),
        ("n=1:2:3:4", "--grid: n: a range is lo:hi or lo:hi:step, got '1:2:3:4'"),
        ("n=1:2000000", "--grid: n takes over 1,000,000 values"),
        ("a=1:1000; b=1:1001", "--grid: a sweep evaluates at most 1,000,000 points, and this "
                               "grid has 1,001,000 (a: 1,000 × b: 1,001): sweep it in parts"),
    ],
)  # fmt: skip
def test_bad_grids_are_one_line(grid: str, message: str) -> None:
    with pytest.raises(CnncalcError) as error:
        parse_grid(grid)
    assert str(error.value) == message


def test_the_limit_is_a_million_points() -> None:
    assert MAX_GRID_POINTS == 1_000_000
    assert len(parse_grid("a=1:1000; b=1:1000")[1].values) == 1000


def test_ranges_per_unknown() -> None:
    assert parse_ranges(["n=1:512", "a=1:8"], ["a", "n"]) == {"a": (1, 8), "n": (1, 512)}
    assert parse_ranges(["1:64"], ["a", "n"]) == {"a": (1, 64), "n": (1, 64)}
    assert parse_ranges([], ["n"]) == {}  # the default is solve's: a size's or a multiplier's
    with pytest.raises(CnncalcError) as error:
        parse_ranges(["m=1:8"], ["a", "n"])
    assert str(error.value) == "--range names 'm', which is not an unknown (--for a,n)"
    with pytest.raises(CnncalcError, match="--range expects LO:HI"):
        parse_ranges(["n=8:1"], ["n"])
    with pytest.raises(CnncalcError, match="--range expects LO:HI"):
        parse_ranges(["n=1/4:1"], ["n"])  # a size's ends are whole


def test_a_multiplier_s_range_is_exact() -> None:
    assert parse_ranges(["a=1/4:1.5"], ["a"], {"a"}) == {"a": (Fraction(1, 4), Fraction(3, 2))}
    both = parse_ranges(["2:8"], ["a", "n"], {"a"})
    assert both == {"a": (2, 8), "n": (2, 8)}
    assert [type(end) for end in both["a"]] == [Fraction, Fraction]
    assert [type(end) for end in both["n"]] == [int, int]
    with pytest.raises(CnncalcError) as error:
        parse_ranges(["a=1:1"], ["a"], {"a"})
    assert str(error.value) == (
        "a multiplier's --range is LO:HI with 0 ≤ LO < HI, exact (1/4:1, 0:2.5), got '1:1'"
    )
