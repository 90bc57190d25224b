"""``explain`` and ``solve`` as printed (cnncalc/render/derivations.py): goldens in English
and Chinese, C3's connection table against the paper's Table I, and every format."""

from __future__ import annotations

import csv
import json
import re

import pytest

import cnncalc
from cnncalc import i18n
from cnncalc.cli import FORMAT_NAMES, main
from cnncalc.errors import CnncalcError
from cnncalc.formulas import METRIC_NAMES
from cnncalc.render.derivations import (
    FORMATS,
    STEP_TITLES,
    explain,
    formulas,
    quantity_title,
    solution_text,
)
from cnncalc.solve import solve
from cnncalc.spec.tables import LENET5_C3
from cnncalc.step_derivations import table_derivation
from tests.conftest import SPECS, Golden

LENET5 = str(SPECS / "lenet5.yaml")

# LeCun et al. 1998, Table I, as printed there: "Each column indicates which feature map
# in S2 are combined by the units in a particular feature map of C3." Rows: S2's maps
# 0-5; columns: C3's maps 0-15.
TABLE_I = """\
X   XXX  XXXX XX
XX   XXX  XXXX X
XXX   XXX  X XXX
 XXX  XXXX  X XX
  XXX  XXXX XX X
   XXX  XXXX XXX"""


def paper_table() -> list[tuple[int, ...]]:
    """Table I read column by column: the S2 maps each C3 map reads."""
    rows = TABLE_I.splitlines()
    return [tuple(i for i, row in enumerate(rows) if row[j] == "X") for j in range(16)]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``cnncalc ARGS``: exit code, output, errors; the test's language is back after."""
    with i18n.speaking("en"):  # main() speaks --lang from then on: keep it to this call
        code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_paper_s_table_is_the_well_known_pattern() -> None:
    """An independent statement of Table I: maps 0-5 read 3 contiguous S2 maps, 6-11
    4 contiguous, 12-14 4 not contiguous, 15 all six (contiguous: cyclically)."""

    def contiguous(maps: tuple[int, ...]) -> bool:
        return any({(start + i) % 6 for i in range(len(maps))} == set(maps) for start in maps)

    table = paper_table()
    assert [len(maps) for maps in table] == [3] * 6 + [4] * 9 + [6]
    assert all(contiguous(maps) for maps in table[:12])
    assert not any(contiguous(maps) for maps in table[12:15])
    assert table[0] == (0, 1, 2) and table[15] == (0, 1, 2, 3, 4, 5)
    # Each S2 map feeds ten C3 maps: 60 inputs in all, the MACs' 60·k_h·k_w·h_out·w_out.
    assert [row.count("X") for row in TABLE_I.splitlines()] == [10] * 6


def test_the_spec_s_table_is_the_paper_s() -> None:
    assert [tuple(sorted(row)) for row in LENET5_C3] == paper_table()


def test_explain_draws_table_i(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["explain", LENET5, "C3"], capsys)
    assert code == 0
    lines = out.splitlines()
    start = lines.index("     0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15")
    # A row: its number in 3 columns, then a cell of 2 per C3 map, a space before each.
    drawn = [
        "".join(line.ljust(52)[5 + 3 * j] for j in range(16)) for line in lines[start + 1 :][:6]
    ]
    assert drawn == [row.ljust(16) for row in TABLE_I.splitlines()]
    assert [line[:4] for line in lines[start + 1 : start + 8]] == [
        "  0 ", "  1 ", "  2 ", "  3 ", "  4 ", "  5 ", "n_j ",
    ]  # fmt: skip
    assert lines[start + 7] == "n_j  3  3  3  3  3  3  4  4  4  4  4  4  4  4  4  6"
    assert lines[start + 8 : start + 14] == [
        "trainable params      Σ_j (n_j·k_h·k_w + 1)",
        "                    = 6·(3·5·5 + 1) + 9·(4·5·5 + 1) + (6·5·5 + 1)",
        "                    = 1,516",
        "connections           Σ_j (n_j·k_h·k_w + 1)·h_out·w_out",
        "                    = 1516·10·10",
        "                    = 151,600",
    ]


def test_a_table_of_the_user_s_own_without_bias() -> None:
    spec = {
        "input": [3, 8, 8],
        "layers": [{"name": "c", "type": "conv2d", "filters": 2, "kernel": 3, "bias": False,
                    "connections": [[0], [1, 2]]}],
    }  # fmt: skip
    report = cnncalc.analyze(spec)
    table = table_derivation(report.layer("c"))
    assert table is not None
    assert (table.general(), table.params.substituted(), table.params.result) == (
        "Σ_j n_j·k_h·k_w", "3·3 + 2·3·3", 27,
    )  # fmt: skip
    assert table.connections.result == report.layer("c").connections == 27 * 6 * 6
    text = explain(report, "c")
    assert "connection table: X where map j of c (a column) reads map i of input (a row)" in text
    assert "\n    0 1\n  0 X\n  1   X\n  2   X\nn_j 1 2\n" in text


def test_a_table_too_large_to_draw_is_derived_all_the_same() -> None:
    spec = {
        "input": [65, 4, 4],
        "layers": [{"name": "c", "type": "conv2d", "filters": 2, "kernel": 1,
                    "connections": [[0, 64], [3]]}],
    }  # fmt: skip
    text = explain(cnncalc.analyze(spec), "c")
    assert (
        "(not drawn: 2 output maps read 65 input maps; a table is drawn up to 64 maps a side)"
        in text
    )
    assert text.split("maps a side)\n")[1].startswith(
        "trainable params      Σ_j (n_j·k_h·k_w + 1)\n"
        "                    = (1 + 1) + (2 + 1)\n"
        "                    = 5\n"
        "connections           Σ_j (n_j·k_h·k_w + 1)·h_out·w_out\n"
        "                    = 5·4·4\n"
        "                    = 80\n"
    )


def test_the_table_in_json_is_an_additive_key(capsys: pytest.CaptureFixture[str]) -> None:
    _code, out, _ = run(["explain", LENET5, "C3", "-f", "json", "--lang", "zh"], capsys)
    data = json.loads(out)
    table = data["connection_table"]
    assert table["reads"] == [list(row) for row in LENET5_C3]
    assert table["inputs"] == [3] * 6 + [4] * 9 + [6]
    assert (table["source"], table["input_maps"]) == ("S2", 6)
    assert table["trainable_params"]["value"] == 1516
    assert table["trainable_params"]["sum"] == "Σ_j (n_j·k_h·k_w + 1)"
    assert table["connections"]["value"] == 151_600
    assert data["quantities"]["trainable_params"]["name"] == "trainable params"  # English
    _, english, _ = run(["explain", LENET5, "C1", "-f", "json"], capsys)
    assert "connection_table" not in json.loads(english)


# -- goldens: the English and the Chinese, side by side ------------------------------------

GOLDENS = {
    "explain-lenet5-C3.txt": ["explain", LENET5, "C3"],
    "explain-lenet5-C3.md": ["explain", LENET5, "C3", "-f", "markdown"],
    "explain-alexnet-conv5-receptive-field.txt": [
        "explain", str(SPECS / "alexnet.yaml"), "conv5", "--receptive-field",
    ],
    "explain-lenet5-C1-training.txt": ["explain", LENET5, "C1", "--training"],
    "explain-lenet5-C3-training-frozen.md": [
        "explain", LENET5, "C3", "--training", "--freeze", "C3", "-f", "markdown",
    ],
    "solve-alexnet-symbolic.txt": [
        "solve", str(SPECS / "alexnet-symbolic.yaml"), "pool3.output_shape[1] == 6", "--for", "n",
    ],
    "solve-lenet5-symbolic-search.txt": [
        "solve", str(SPECS / "lenet5-symbolic.yaml"),
        "C5.output_shape[1] == 1 and total.params != 0", "--for", "n", "--subs", "k=5",
        "--range", "1:100",
    ],
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("name", GOLDENS)
def test_golden(
    name: str, language: str, golden: Golden, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([*GOLDENS[name], "--lang", language], capsys)
    assert (code, err) == (0, "")
    stem, suffix = name.rsplit(".", 1)
    golden.check(f"{stem}.{language}.{suffix}", out)


def test_the_chinese_reads_as_the_documents(capsys: pytest.CaptureFixture[str]) -> None:
    """《卷积神经网络CNN与LeNet5详解》: "可训练参数量：(5*5+1)*6=156", "连接数", "神经元数量";
    the formulas and numbers as in English."""
    _, out, _ = run(["explain", LENET5, "C1", "--lang", "zh"], capsys)
    assert "\n可训练参数量                 (c_in·k_h·k_w/g + 1)·c_out\n" in out
    assert "\n                           = (5·5 + 1)·6\n                           = 156\n" in out
    for word in ("输出特征图大小 h_out, w_out", "乘加次数", "计算量", "神经元数量", "连接数"):
        assert f"\n{word} " in out
    assert out.splitlines()[1].startswith("其中 c_in = 1, h_in = w_in = 32")
    _, solved, _ = run([*GOLDENS["solve-alexnet-symbolic.txt"], "--lang", "zh"], capsys)
    assert solved == (
        "当 n = 227…258 时 pool3.output_shape[1] == 6 成立（共 32 个值）。\n"
        "由 ⌊(n − 35)/32⌋ = 6 解析求得。\n"
    )


def test_every_title_has_its_chinese() -> None:
    """Each quantity explain titles (the counts, the receptive field's, the training
    terms') in the glossary's words; an output size keeps its symbols."""
    names = [*METRIC_NAMES.values(), *STEP_TITLES]
    with i18n.speaking("zh"):
        titles = [quantity_title(name) for name in names]
        assert quantity_title("h_out, w_out") == "输出特征图大小 h_out, w_out"
    assert titles[:6] == [
        "可训练参数量",
        "不可训练参数量",
        "乘加次数",
        "计算量",
        "神经元数量",
        "连接数",
    ]
    assert all(re.fullmatch(r"[\u4e00-\u9fff：]+", title) for title in titles)
    assert [quantity_title(name) for name in names] == names  # English: the names themselves


def test_json_and_csv_are_english_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    """Their words are contracts: ``--lang zh`` changes nothing in them."""
    for fmt in ("json", "csv"):
        args = ["explain", LENET5, "C3", "-f", fmt, "--receptive-field", "--training"]
        _, english, _ = run(args, capsys)
        _, chinese, _ = run([*args, "--lang", "zh"], capsys)
        assert chinese == english
        cited = english.replace("《卷积神经网络CNN与LeNet5详解》", "")  # the convention note
        assert not re.search(r"[\u4e00-\u9fff]", cited)
    solve_args = [*GOLDENS["solve-alexnet-symbolic.txt"], "-f", "json"]
    assert run([*solve_args, "--lang", "zh"], capsys)[1] == run(solve_args, capsys)[1]
    assert json.loads(run(solve_args, capsys)[1])["method"] == "in closed form"


# -- every format explain accepts --------------------------------------------------------


def test_explain_writes_every_format_the_command_line_offers() -> None:
    assert set(FORMAT_NAMES) <= set(FORMATS)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_explain_in_each_format(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each -f value gives that format, never the plain text in its place."""
    code, out, err = run(["explain", LENET5, "C3", "-f", fmt, "--receptive-field"], capsys)
    assert (code, err) == (0, "")
    plain = run(["explain", LENET5, "C3", "--receptive-field"], capsys)[1]
    assert (out == plain) == (fmt == "table")
    if fmt == "json":
        assert json.loads(out)["quantities"]["connections"]["value"] == 151_600
    elif fmt == "csv":
        rows = list(csv.reader(out.splitlines()))
        assert rows[0] == [
            "layer", "type", "quantity", "formula", "substituted", "value", "convention",
        ]  # fmt: skip
        assert rows[8][:3] == ["C3", "conv2d", "connections"] and rows[8][5] == "151600"
        assert rows[-1][2] == "receptive_field.h_w.start" and len(rows) == 1 + 8 + 3
    elif fmt == "markdown":
        assert out.startswith("### C3 (conv2d): 6×14×14 → 16×10×10\n")
        assert "| n_j | 3 | 3 | 3 | 3 | 3 | 3 | 4 |" in out
    elif fmt == "html":
        assert out.startswith("<!DOCTYPE html>") and "n_j  3  3  3" in out


@pytest.mark.parametrize("fmt", ["latex", "svg", "text", ""])
def test_a_format_explain_does_not_write_is_refused(fmt: str) -> None:
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    written = "table, json, csv, markdown, html"
    if fmt != "latex":
        with pytest.raises(
            CnncalcError, match=re.escape(f"explain writes {written}, latex, not '{fmt}'")
        ):
            explain(report, "C1", fmt)
    with pytest.raises(CnncalcError, match=re.escape(f"--formulas writes {written}, not '{fmt}'")):
        formulas(report, fmt)
    condition = "pool3.output_shape[1] == 6"
    solution = solve(cnncalc.analyze(SPECS / "alexnet-symbolic.yaml"), condition, "n")
    with pytest.raises(CnncalcError, match=re.escape(f"solve writes table or json, not '{fmt}'")):
        solution_text(solution, condition, fmt)


def test_the_command_line_refuses_an_unknown_format_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["explain", LENET5, "C3", "-f", "yaml"], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "invalid choice: 'yaml'" in err


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        ("table", r"map j of c|*x*\n (a column) reads map i of in|<b>\x1b[31m (a row)"),
        ("markdown", r"map j of c\|\*x\*\\n (a column) reads map i of in\|\<b\>\\x1b\[31m"),
        ("html", r"map j of c|*x*\n (a column) reads map i of in|&lt;b&gt;\x1b[31m (a row)"),
    ],
)
def test_the_table_s_heading_shows_names_never_obeys_them(fmt: str, shown: str) -> None:
    spec = {"input": [2, 4, 4], "layers": [
        {"name": "in|<b>\x1b[31m", "type": "relu"},
        {"name": "c|*x*\n", "type": "conv2d", "filters": 2, "kernel": 1,
         "connections": [[0], [1]]},
    ]}  # fmt: skip
    text = explain(cnncalc.analyze(spec), "c|*x*\n", fmt)
    assert shown in text and "\x1b" not in text
