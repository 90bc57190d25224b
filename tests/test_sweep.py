"""Sweeps: every grid point's totals, exactly as ``--subs`` gives them."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.grid import parse_grid
from cnncalc.sweep import pareto_front, sweep
from tests.conftest import ROOT, SPECS
from tests.test_cli import imported_after

LENET = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
ALEXNET = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml")
METRICS = ("trainable_params", "params", "macs", "flops", "neurons", "connections")


@pytest.mark.parametrize("vectorise", [True, False])
def test_each_row_is_the_substitution(vectorise: bool) -> None:
    result = sweep(LENET, parse_grid("k=3,5,7; n=28:40:4"), METRICS, vectorise=vectorise)
    rows = list(result.rows())
    assert [point for point, _values in rows] == [
        (3, 28), (3, 32), (3, 36), (3, 40), (5, 32), (5, 36), (5, 40),
    ]  # fmt: skip
    for (k, n), values in rows:
        totals = LENET.subs({"k": int(k), "n": int(n)}).totals
        assert values == tuple(totals.metric(metric) for metric in METRICS)
    # The paper's network is one of them: 60,000 trainable parameters, 340,908 connections.
    assert rows[4][1][0] == 60_000 and rows[4][1][-1] == 340_908
    # k = 5 at n = 28 and all of k = 7 (it needs n ≥ 46) are no network.
    assert (result.points, result.invalid, result.filtered) == (12, 5, 0)
    assert result.first_invalid == (
        "k=5, n=28 breaks layer 'C5', field 'kernel': it requires n + 3 ≥ 7·k, and "
        "28 + 3 ≥ 7·5 is false"
    )


def test_where_keeps_the_networks_it_holds_for() -> None:
    grid = parse_grid("n=64:256:32")
    result = sweep(ALEXNET, grid, ("macs",), where="total.macs <= 300e6")
    assert list(result.rows()) == [((96,), (149_773_440,)), ((128,), (288_329_856,))]
    assert (result.points, result.invalid, result.filtered) == (7, 1, 4)
    assert result.first_invalid is not None and result.first_invalid.startswith("n=64 breaks")
    # AlexNet at 227 is the post's network: 1,135,256,096 MACs.
    (row,) = sweep(ALEXNET, parse_grid("n=227"), ("macs", "params")).rows()
    assert row == ((227,), (1_135_256_096, 62_378_344))


def test_the_other_symbols_take_the_spec_s_values_or_subs() -> None:
    result = sweep(LENET, parse_grid("n=32"), ("params",), values={"k": 5, "n": 99})
    assert result.fixed == (("k", 5),)
    assert list(result.rows()) == [((32,), (60_840,))]
    with pytest.raises(CnncalcError) as error:
        sweep(LENET, parse_grid("n=32"), ("params",))
    assert str(error.value) == 'give values for k (--subs k=… or --grid "k=…")'


@pytest.mark.parametrize(
    ("grid", "metrics", "where", "message"),
    [
        ("m=3", ("params",), None, "no size symbol named m (symbols: k, n)"),
        ("n=0", ("params",), None, "n must be a positive integer up to 2**63 − 1, got 0"),
        # Today's symbols are integers: a fraction is the substitution layer's to refuse.
        ("n=32; k=1/2", ("params",), None,
         "k is a size of this spec, a whole number (a formula uses it outside int(), round(), "
         "floor(), ceil() or make_divisible()), so k=1/2 is not a value for it"),
        ("n=32; k=5", ("params", "mac"), None,
         "--metrics takes names among trainable_params, non_trainable_params, params, "
         "buffers, macs, flops, neurons, connections, got mac"),
        ("n=32; k=5", ("params",), "total.macs <= 3e-1",
         "'3e-1' is not a whole number, and total.macs always is: compare it with a whole "
         "number"),
    ],
)  # fmt: skip
def test_bad_sweeps(grid: str, metrics: tuple[str, ...], where: str | None, message: str) -> None:
    with pytest.raises(CnncalcError) as error:
        sweep(LENET, parse_grid(grid), metrics, where)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--grid", "n=1::0"],
         "error: --grid: n: expected a number (3, 0.75, 3/4, 300e6, up to 1e30), got ''"),
        (["--grid", "k=5; n=32", "--grid", "n=36"], "error: --grid gives n twice"),
        (["--grid", "k=5; m=32"], "error: no size symbol named m (symbols: k, n)"),
        (["--grid", "n=32", "--plot", "x.png", "--plot-axes", "params"],
         "error: --plot-axes takes two metrics, X,Y, got params"),
    ],
)  # fmt: skip
def test_bad_grids_on_the_command_line_are_one_line(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", str(SPECS / "lenet5-symbolic.yaml"), *arguments]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message + "\n")


def test_a_numeric_spec_has_nothing_to_sweep(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", str(SPECS / "lenet5.yaml"), "--grid", "n=32"]) == 2
    assert capsys.readouterr().err == "error: no size symbol named n (symbols: none)\n"


def test_pareto_front_of_a_tiny_known_set() -> None:
    xs = [1, 2, 2, 3, 4, 4, 5]
    ys = [9, 5, 7, 5, 2, 2, 1]
    # Both costs: (1, 9), (2, 5), (4, 2) twice and (5, 1); (2, 7) and (3, 5) are beaten by (2, 5).
    assert pareto_front(xs, ys) == [True, True, False, False, True, True, True]
    # The most x for the least y: (5, 1) beats every other point.
    assert pareto_front(xs, ys, most_x=True) == [False, False, False, False, False, False, True]
    capacity, cost = [10, 20, 20, 30, 15], [5, 8, 6, 9, 7]
    assert pareto_front(capacity, cost, most_x=True) == [True, False, True, True, False]
    assert pareto_front([], []) == []


def test_json_reads_back(capsys: pytest.CaptureFixture[str]) -> None:
    spec = str(SPECS / "lenet5-symbolic.yaml")
    assert main(["sweep", spec, "--grid", "n=28:32:4; k=5", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["grid"] == {"n": [28, 32], "k": [5]}
    assert (data["points"], data["invalid"], data["filtered"]) == (2, 1, 0)
    assert data["rows"] == [
        {"point": {"n": 32, "k": 5}, "totals": {"params": 60840, "macs": 332824,
                                                 "flops": 340908}},
    ]  # fmt: skip


def test_fractions_are_written_as_fractions(capsys: pytest.CaptureFixture[str]) -> None:
    # A grid value that is a fraction reaches the substitution layer as one (and today's
    # integer symbols refuse it there); the JSON writes fractions of a sweep as "3/4".
    from cnncalc.render.sweep_format import render_sweep

    result = sweep(ALEXNET, parse_grid("n=227"), ("macs",))
    fractional = dataclasses.replace(result, axes=parse_grid("n=3/4"))
    assert json.loads(render_sweep(fractional, "json"))["rows"][0]["point"] == {"n": "3/4"}


def test_the_sweep_command_s_help_imports_nothing_heavy() -> None:
    assert imported_after(["sweep", "--help"]) == set()


def test_a_sweep_writes_its_file_and_plot(tmp_path: Path) -> None:
    out, picture = tmp_path / "sweep.csv", tmp_path / "sweep.svg"
    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", "sweep", str(SPECS / "lenet5-symbolic.yaml"),
         "--grid", "k=3:5; n=28:36:4", "--metrics", "macs", "-f", "csv", "-o", str(out),
         "--plot", str(picture)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert out.read_text().splitlines()[:2] == [
        "k,n,macs,params,convention",
        "3,28,354580,109704,connections",
    ]
    svg = picture.read_text()
    assert "Pareto front: the most Parameters for the fewest MACs" in svg
    # Labelled: the front, the most parameters for their MACs. By MACs: k=4, n=28 (the
    # fewest), k=5, n=32 (more parameters), then k = 3 at every n; k=4, n=32 is beaten by
    # k=3, n=28 (more parameters, fewer MACs), k=5, n=36 and k=4, n=36 by k=3, n=32.
    labels = {"k=3, n=28", "k=3, n=32", "k=3, n=36", "k=4, n=28", "k=5, n=32"}
    assert {label for label in labels if label in svg} == labels
    assert "k=5, n=36" not in svg
