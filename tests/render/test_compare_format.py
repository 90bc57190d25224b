"""``cnncalc compare``'s formats: goldens in English and Chinese, hostile names, LaTeX compiled."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import cnncalc
from cnncalc import i18n
from cnncalc.cli import main
from cnncalc.compare import Comparison, Variant, compare
from cnncalc.render.compare_format import render_comparison
from cnncalc.render.latex import escape
from cnncalc.safe_text import markdown_text, visible
from tests.conftest import SPECS, Golden
from tests.fuzzing.properties import latex_text
from tests.render.test_hostile_names import (
    CHINESE,
    FORMULA_PREFIXES,
    HOSTILE,
    NETWORK,
    assert_no_raw_control,
    check_html,
    check_markdown_table,
    hostile_spec,
)
from tests.render.test_latex_format import compile_tex

LENET = ["specs/lenet5.yaml", "specs/lenet5-full-c3.yaml", "--metrics", "params,connections"]
SYMBOLIC = ["specs/lenet5-symbolic.yaml", "--subs", "n=32", "--subs", "n=64"]
GOLDENS = {
    "compare-lenet5-full-c3.txt": [*LENET],
    "compare-lenet5-full-c3.json": [*LENET, "-f", "json"],
    "compare-lenet5-full-c3.csv": [*LENET, "-f", "csv"],
    "compare-lenet5-full-c3.md": [*LENET, "-f", "markdown"],
    "compare-lenet5-full-c3.html": [*LENET, "-f", "html"],
    "compare-lenet5-full-c3.tex": [*LENET, "-f", "latex"],
    "compare-lenet5-full-c3.zh.txt": [*LENET, "--lang", "zh"],
    "compare-lenet5-symbolic-n.txt": SYMBOLIC,
    "compare-resnet18-resnet50-depth1.md": [
        "specs/resnet18.yaml", "specs/resnet50.yaml", "--depth", "1", "-f", "markdown",
    ],
}  # fmt: skip
"""Each golden and the arguments after ``cnncalc compare`` (run from the repository root,
so that the spec paths in the notes are the same on every machine)."""


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with i18n.speaking("en"):
        assert main(["compare", *argv]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", GOLDENS)
def test_golden(
    name: str,
    golden: Golden,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(SPECS.parent)
    golden.check(name, cli(GOLDENS[name], capsys))


def test_the_table_shows_the_documents_numbers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SPECS.parent)
    lines = cli(LENET, capsys).splitlines()
    assert lines[0].strip() == "Comparison: lenet5, lenet5-full-c3"
    c3 = next(line for line in lines if line.startswith("│ C3 "))
    assert c3.split("│")[1:-1] == [
        " C3     ", "  1,516 ", "     151,600 ", "  2,416 ", " +900 ", " 1.594 ",
        "     241,600 ", " +90,000 ", " 1.594 ",
    ]  # fmt: skip
    assert "┃        ┃ lenet5               ┃ lenet5-full-c3" in lines[2]


def test_a_negative_difference_has_a_minus_sign(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SPECS.parent)
    argv = ["specs/lenet5-full-c3.yaml", "specs/lenet5.yaml", "--metrics", "params"]
    c3 = next(line for line in cli(argv, capsys).splitlines() if line.startswith("│ C3 "))
    assert "│ −900 │ 0.627 │" in c3  # 1,516 / 2,416 = 0.6274…
    data = json.loads(cli([*argv, "-f", "json"], capsys))
    assert data["layers"][2]["variants"][1]["delta"]["params"] == -900
    assert data["layers"][2]["variants"][1]["ratio"]["params"] == "379/604"


# -- hostile names -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    """The hostile spec against itself with wider layers, each variant a hostile name."""
    narrow = cnncalc.analyze(hostile_spec())
    wide_spec = hostile_spec()
    wide_spec["layers"] = [{**layer, "units": 3} for layer in wide_spec["layers"]]
    wide = cnncalc.analyze(wide_spec)
    return compare(
        [Variant(HOSTILE[0], NETWORK, narrow), Variant(HOSTILE[8], "x\n.yaml", wide)],
        ["params", "macs"],
    )


def test_hostile_table(comparison: Comparison) -> None:
    text = render_comparison(comparison, "table")
    assert_no_raw_control(text)
    rows = [line for line in text.splitlines() if line.startswith("│ ")]
    assert len(rows) == len(HOSTILE) + 1  # one line a layer (no name splits a row), total
    for name, row in zip(HOSTILE, rows, strict=False):
        assert row.startswith(f"│ {visible(name)} ")
    assert f"┃ {visible(HOSTILE[0])} " in text and f"┃ {visible(HOSTILE[8])} " in text
    assert f"│ {CHINESE} " in text


def test_hostile_json_keeps_every_name(comparison: Comparison) -> None:
    text = render_comparison(comparison, "json")
    assert_no_raw_control(text.replace("\n", ""))
    data = json.loads(text)
    assert [layer["name"] for layer in data["layers"]] == HOSTILE
    assert [v["name"] for v in data["variants"]] == [HOSTILE[0], HOSTILE[8]]
    assert [v["network"] for v in data["variants"]] == [NETWORK, NETWORK]
    assert data["variants"][1]["spec"] == "x\n.yaml"
    first = data["layers"][0]["variants"][1]
    assert (first["params"], first["delta"]["params"], first["ratio"]["params"]) == (
        15,
        5,
        "3/2",
    )  # a dense layer of 4 inputs: (4 + 1)·2, then (4 + 1)·3


def test_hostile_csv(comparison: Comparison) -> None:
    text = render_comparison(comparison, "csv")
    assert_no_raw_control(text.replace("\n", ""))
    rows = list(csv.reader(io.StringIO(text)))
    assert len(text.splitlines()) == len(rows) == 1 + 4 * (len(HOSTILE) + 1)
    assert rows[0] == ["layer", "variant", "metric", "value", "delta", "ratio"]
    for row in rows:
        assert len(row) == 6 and not any(cell.startswith(FORMULA_PREFIXES) for cell in row)
    assert rows[1] == [visible(HOSTILE[0]), visible(HOSTILE[0]), "params", "10", "", ""]
    assert rows[3] == [visible(HOSTILE[0]), "'" + HOSTILE[8], "params", "15", "5", "1.500"]
    assert rows[-1][0] == "total"


def test_hostile_markdown(comparison: Comparison) -> None:
    text = render_comparison(comparison, "markdown")
    parsed = check_markdown_table(text, 1 + 2 + 6, len(HOSTILE) + 1)
    assert [row[0].strip() for row in parsed[2:-1]] == [markdown_text(n) for n in HOSTILE]
    assert parsed[0][1].strip() == f"{markdown_text(HOSTILE[0])}: Params"


def test_hostile_html(comparison: Comparison) -> None:
    page = render_comparison(comparison, "html")
    tags = check_html(page)
    assert tags.started.count("script") == 0
    text = "".join(tags.text)
    for name in HOSTILE:
        assert visible(name) in text
    assert f'<th scope="row">{CHINESE}</th>' in page


def test_hostile_latex(comparison: Comparison) -> None:
    text = render_comparison(comparison, "latex")
    assert latex_text(text) == []
    assert_no_raw_control(text)
    # Shown as visible() shows it (\x1b), every special escaped.
    heading = r"\multicolumn{2}{c}{\textbackslash{}x1b]0;title\textbackslash{}x07}"
    assert heading in text
    assert escape(visible("\\frac{a}{b} % # & _ {")) in text
    assert "\\input" not in text


# -- LaTeX compiles ----------------------------------------------------------------------------


def test_xelatex_compiles_the_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SPECS.parent)
    text = cli([*LENET, "-f", "latex"], capsys)
    assert compile_tex(text, tmp_path, "xelatex").read_bytes().startswith(b"%PDF")


def test_a_very_long_name_makes_a_wide_table_not_an_error() -> None:
    name = "a" * 20_000
    report = cnncalc.analyze(
        {"input": [4], "layers": [{"name": name, "type": "dense", "units": 2}]}
    )
    text = render_comparison(compare([Variant("x", "x.yaml", report)] * 2, ["params"]), "table")
    row = next(line for line in text.splitlines() if line.startswith("│ a"))
    assert row == f"│ {name} │     10 │     10 │ 0 │ 1.000 │"
