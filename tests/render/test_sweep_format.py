"""``cnncalc sweep``'s table (English and Chinese), Markdown and CSV, as goldens; hostile names."""

from __future__ import annotations

import pytest

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.grid import parse_grid
from cnncalc.render.sweep_format import render_sweep
from cnncalc.sweep import sweep
from tests.conftest import SPECS, Golden

LENET = str(SPECS / "lenet5-symbolic.yaml")
GRID = ["--grid", "k=3,5,7; n=28:36:4", "--where", "total.macs <= 600000"]


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        ([], "sweep-lenet5-symbolic.en.txt"),
        (["--lang", "zh"], "sweep-lenet5-symbolic.zh.txt"),
        (["-f", "markdown"], "sweep-lenet5-symbolic.en.md"),
        (["-f", "markdown", "--lang", "zh"], "sweep-lenet5-symbolic.zh.md"),
        (["-f", "csv"], "sweep-lenet5-symbolic.csv"),
    ],
)
def test_goldens(
    argv: list[str], name: str, golden: Golden, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", LENET, *GRID, *argv]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    golden.check(name, out)


def test_the_table_says_what_was_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", LENET, *GRID]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "LeNet-5, symbolic (n×n input, k×k kernels): totals at 3 points of k × n"
    )
    assert "│ 5 │ 32 │     60,840 │ 332,824 │ 340,908 │" in out  # the paper's LeNet-5
    assert "4 points of the grid are no network and are left out." in out
    assert "total.macs <= 600000 holds for 3 of the 5 networks." in out


def test_names_are_shown_safely() -> None:
    spec = {"name": "evil\x1b[2J|net", "input": [1, "n", "n"],
            "layers": [{"type": "conv2d", "filters": 2, "kernel": 3}]}  # fmt: skip
    result = sweep(cnncalc.analyze(spec), parse_grid("n=3:4"), ("params",))
    table = render_sweep(result, "table")
    assert "\x1b" not in table and table.startswith("evil\\x1b[2J|net: totals at 2 points")
    assert "\\|net" in render_sweep(result, "markdown")
    with pytest.raises(CnncalcError, match="sweep writes table, csv, json, markdown, not 'html'"):
        render_sweep(result, "html")
