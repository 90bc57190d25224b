"""``solve --for k,n``: the region where a condition holds, and conditions read exactly."""

from __future__ import annotations

import json

import pytest

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.solve import RegionRow, solve, solve_region
from tests.conftest import SPECS

LENET = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
ALEXNET = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml")


def brute_force(condition: str, ks: range, ns: range) -> set[tuple[int, int]]:
    """The same region by substituting every point (milliseconds each: a small grid)."""
    quantity, _operator, number = condition.split()
    metric, bound = quantity.removeprefix("total."), int(number)
    points = set()
    for k in ks:
        for n in ns:
            try:
                value = LENET.subs({"k": k, "n": n}).totals.metric(metric)
            except CnncalcError:
                continue
            if value <= bound:
                points.add((k, n))
    return points


def points_of(rows: tuple[RegionRow, ...]) -> set[tuple[int, int]]:
    return {
        (k, n)
        for row in rows
        for k in range(row.run[0], row.run[1] + 1)
        for first, last in row.inner
        for n in range(first, (last or first) + 1)
    }


def test_lenet5_s_region_is_every_point_that_holds() -> None:
    condition = "total.connections <= 340908"
    region = solve_region(LENET, condition, ["k", "n"], {}, {"k": (1, 8), "n": (1, 64)})
    assert region.rows == (
        RegionRow((), (1, 1), ((4, 23),)),
        RegionRow((), (2, 2), ((11, 24),)),
        RegionRow((), (3, 3), ((18, 25),)),
        RegionRow((), (4, 4), ((25, 29),)),
        RegionRow((), (5, 5), ((32, 32),)),  # the paper's LeNet-5, and nothing larger
    )
    assert region.count == 48
    assert points_of(region.rows) == brute_force(condition, range(1, 9), range(1, 65))


def test_rows_with_the_same_runs_merge() -> None:
    # A condition on k alone: the values of k whose runs of n are the same share a row.
    region = solve_region(LENET, "C1.params <= 400", ["k", "n"], {}, {"k": (1, 8), "n": (30, 40)})
    # C1 has 6·(k² + 1) parameters: k ≤ 8 all qualify (390 at k = 8); LeNet fits n ≥ 7k − 3.
    assert region.rows == (
        RegionRow((), (1, 4), ((30, 40),)),
        RegionRow((), (5, 5), ((32, 40),)),
        RegionRow((), (6, 6), ((39, 40),)),
    )
    assert region.count == 4 * 11 + 9 + 2


def test_the_region_command(capsys: pytest.CaptureFixture[str]) -> None:
    spec = str(SPECS / "lenet5-symbolic.yaml")
    argv = ["solve", spec, "total.connections <= 340908", "--for", "k,n",
            "--range", "k=1:8", "--range", "n=1:64"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:6] == [
        "total.connections <= 340908 holds at 48 points of k = 1…8, n = 1…64:",
        "  k = 1: n = 4…23",
        "  k = 2: n = 11…24",
        "  k = 3: n = 18…25",
        "  k = 4: n = 25…29",
        "  k = 5: n = 32",
    ]
    assert out[6].startswith("Found by trying every point, from ")
    assert main([*argv, "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"][0] == {"k": [1, 1], "n": [[4, 23]]}
    assert (data["count"], data["method"]) == (
        48, "by trying every point of k = 1…8, n = 1…64",
    )  # fmt: skip
    assert main(["solve", spec, "total.connections <= 10", "--for", "k,n", "--range",
                 "1:16"]) == 1  # fmt: skip
    assert capsys.readouterr().out == (
        "No point of k = 1…16, n = 1…16 satisfies total.connections <= 10 (found by trying each).\n"
    )


@pytest.mark.parametrize(
    ("unknowns", "ranges", "message"),
    [
        (["k", "m"], {}, "no size symbol named m (symbols: k, n)"),
        (["k", "k"], {}, "--for names a symbol twice: k,k"),
        (["k", "n"], {}, "search at most 1,000,001 points at once (--range NAME=LO:HI for "
                         "each unknown); these ranges have 16,777,216"),
    ],
)  # fmt: skip
def test_region_errors(
    unknowns: list[str], ranges: dict[str, tuple[int, int]], message: str
) -> None:
    with pytest.raises(CnncalcError) as error:
        solve_region(LENET, "total.params <= 1", unknowns, {}, ranges)
    assert str(error.value) == message


def test_numbers_in_conditions_are_exact() -> None:
    # 300e6 is the integer 300,000,000, never a float; 2.5e8 too.
    assert solve(ALEXNET, "total.macs <= 300e6", "n").runs == ((67, 130),)
    assert solve(ALEXNET, "total.macs <= 300000000", "n").runs == ((67, 130),)
    assert (
        solve(ALEXNET, "total.macs < 2.5e8", "n").runs
        == solve(ALEXNET, "total.macs < 250000000", "n").runs
    )
    # A fraction may scale a quantity: MACs at most 20 times the parameters.
    scaled = solve(ALEXNET, "total.macs <= 0.05*total.params*400", "n", {}, (1, 400)).runs
    assert scaled == solve(ALEXNET, "total.macs <= 20*total.params", "n", {}, (1, 400)).runs
    with pytest.raises(CnncalcError) as error:
        solve(ALEXNET, "total.macs <= 3e-1", "n")
    assert str(error.value) == (
        "'3e-1' is not a whole number, and total.macs always is: compare it with a whole number"
    )
    with pytest.raises(CnncalcError) as error:
        solve(ALEXNET, "total.macs <= 1e99999", "n")
    assert str(error.value) == "'1e99999' is not a number a condition can compare (up to 1e4300)"


@pytest.mark.parametrize(
    ("condition", "unknowns"),
    [
        ("C5.output_shape[1] == 1", ["k", "n"]),
        ("C5.output_shape[1] == 1", ["n", "k"]),
        ("S4.output_shape[1] >= 3 and S4.output_shape[1] < 6", ["k", "n"]),
        ("C3.output_shape[2] <= 9", ["n", "k"]),
    ],
)
def test_a_closed_form_region_is_the_one_every_point_gives(
    condition: str, unknowns: list[str]
) -> None:
    ranges = {"k": (1, 9), "n": (1, 90)}
    closed = solve_region(LENET, condition, unknowns, {}, ranges)
    assert closed.bounds is not None and closed.method.startswith("in closed form in ")
    # '!= 0' peels into no bound: the same question, every point tried.
    tried = solve_region(LENET, f"{condition} and total.params != 0", unknowns, {}, ranges)
    assert tried.bounds is None
    assert (closed.rows, closed.count) == (tried.rows, tried.count)
    assert closed.count > 0


def test_a_closed_form_region_reaches_any_size() -> None:
    # 10**9 values of n: far beyond what trying every point may (1,000,001), 4 per k.
    region = solve_region(
        LENET, "C5.output_shape[1] == 1", ["k", "n"], {}, {"k": (1, 1000), "n": (1, 10**9)}
    )
    assert region.count == 4000
    assert region.rows[-1] == RegionRow((), (1000, 1000), ((6997, 7000),))
    assert region.bounds is not None
    assert [str(bound) for bound in region.bounds.lows + region.bounds.highs] == [
        "7*k - 3",
        "7*k",
    ]
