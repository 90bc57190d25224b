"""Inverse questions: closed forms agree with an exhaustive search."""

from __future__ import annotations

import pytest

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.solve import solve
from tests.conftest import SPECS

ALEXNET = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml")
LENET = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")


def exhaustive(report: cnncalc.Report, condition: str, unknown: str, **values: int) -> object:
    """The same question, forced through the search (a '!= -1' clause has no closed form)."""
    return solve(report, f"{condition} and total.params != 0", unknown, values, (1, 600)).runs


def test_alexnet_6x6_before_fc1() -> None:
    solution = solve(ALEXNET, "pool3.output_shape[1] == 6", "n")
    assert solution.method == "in closed form"
    # (227 − 11)/4 + 1 = 55 … 6; the post's 227 is the smallest, 258 the largest.
    assert solution.runs == ((227, 258),)
    assert solution.runs == exhaustive(ALEXNET, "pool3.output_shape[1] == 6", "n")


@pytest.mark.parametrize(
    ("condition", "unknown", "values"),
    [
        ("C5.output_shape[1] == 1", "n", {"k": 5}),
        ("C5.output_shape[1] == 1", "k", {"n": 32}),
        ("S4.output_shape[1] >= 5 and S4.output_shape[1] <= 8", "n", {"k": 5}),
        ("C3.output_shape[2] > 4", "n", {"k": 3}),
    ],
)
def test_closed_forms_agree_with_the_search(
    condition: str, unknown: str, values: dict[str, int]
) -> None:
    closed = solve(LENET, condition, unknown, values, (1, 600))
    assert closed.method == "in closed form"
    runs = closed.runs
    if runs and runs[-1][1] is None:  # unbounded: compare inside the searched range
        runs = (*runs[:-1], (runs[-1][0], 600))
    assert runs == exhaustive(LENET, condition, unknown, **values)


def test_sizes_where_a_stride_is_zero_are_no_solution() -> None:
    # stride n//4 is 0 below n = 4: the network does not exist there (found by the fuzz run,
    # where the search divided by zero). Out of 1..40 the output is 2 wide exactly where
    # ⌊(n − 3)/⌊n/4⌋⌋ + 1 = 2 (and the requirement n ≥ 3 holds), a brute-force count below.
    spec = {"input": [1, "n", "n"],
            "layers": [{"name": "c", "type": "conv2d", "filters": 1, "kernel": 3,
                        "stride": "n//4"}]}  # fmt: skip
    solution = solve(cnncalc.analyze(spec), "c.output_shape[1] == 2", "n", {}, (1, 40))
    expected = [n for n in range(4, 41) if (n - 3) // (n // 4) + 1 == 2]
    assert [n for first, last in solution.runs for n in range(first, (last or 40) + 1)] == expected


def test_errors() -> None:
    with pytest.raises(CnncalcError, match="'m' is not a size symbol"):
        solve(LENET, "C1.params == 1", "m")
    with pytest.raises(CnncalcError, match="give values for k"):
        solve(LENET, "C1.params == 156", "n")
    with pytest.raises(CnncalcError, match="no layer named 'C9'"):
        solve(LENET, "C9.params == 1", "n", {"k": 5})
    with pytest.raises(CnncalcError, match="'flop' is not a quantity here"):
        solve(LENET, "C1.flop == 1", "n", {"k": 5})


def test_solve_command(capsys: pytest.CaptureFixture[str]) -> None:
    spec = str(SPECS / "alexnet-symbolic.yaml")
    assert main(["solve", spec, "pool3.output_shape[1] == 6", "--for", "n"]) == 0
    assert capsys.readouterr().out.startswith(
        "pool3.output_shape[1] == 6 holds for n = 227…258 (32 values).\n"
    )
    impossible = "pool3.output_shape[1] == 6 and conv1.output_shape[1] == 1"
    assert main(["solve", spec, impossible, "--for", "n"]) == 1
    assert capsys.readouterr().out == f"No n satisfies {impossible} (found in closed form).\n"


def test_a_long_search_tries_values_without_sympy(monkeypatch: pytest.MonkeyPatch) -> None:
    # '!=' has no closed form: 100,000 values are tried. The requirements (n ≥ 67) narrow the
    # range, and the condition is compiled once into integer arithmetic: no value goes
    # through sympy's substitution (milliseconds each: minutes for a million values).
    import cnncalc.solve as module

    substituted: list[object] = []
    monkeypatch.setattr(module, "substitute", lambda *args: substituted.append(args))
    solution = solve(ALEXNET, "pool3.output_shape[1] != 6", "n", {}, (1, 100_000))
    assert solution.runs == ((67, 226), (259, 100_000))
    assert solution.method == "by trying every n from 1 to 100000"
    assert substituted == []


def test_ceilings_and_divisions_by_zero_in_the_compiled_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 'same' padding is ⌈n/s⌉ and the stride n//8 is 0 below 8: both through compiled code.
    import cnncalc.solve as module

    monkeypatch.setattr(module, "substitute", lambda *args: pytest.fail("sympy was used"))
    spec = {"input": [1, "n", "n"],
            "layers": [{"name": "c", "type": "conv2d", "filters": 1, "kernel": 1,
                        "stride": "n//8", "padding": "same"}]}  # fmt: skip
    solution = solve(cnncalc.analyze(spec), "c.output_shape[1] != 8", "n", {}, (1, 80))
    expected = [n for n in range(8, 81) if -(-n // (n // 8)) != 8]
    assert [n for first, last in solution.runs for n in range(first, (last or 80) + 1)] == expected


def test_a_range_over_the_limit_is_refused() -> None:
    with pytest.raises(CnncalcError) as error:
        solve(ALEXNET, "pool3.output_shape[1] != 6", "n", {}, (1, 2_000_000))
    assert str(error.value) == (
        "search at most 1,000,001 values at once (--range LO:HI); this range has 2,000,000"
    )
