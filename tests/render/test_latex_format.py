"""``--format latex``: goldens in English and Chinese, escaping, and the documents compiled.

The compile tests run XeLaTeX (and pdfLaTeX on a document in plain ASCII) on the
output in a temporary directory; they are skipped where the engine is not
installed, unless ``CNNCALC_REQUIRE_TEX=1`` (CI sets it), which makes a missing
engine a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import cnncalc
from cnncalc import i18n
from cnncalc.cli import main
from cnncalc.render import render
from cnncalc.render.derivations import explain
from cnncalc.render.latex import document, escape, preamble
from cnncalc.render.latex_format import LONG_TABLE, fill, first_cell, number
from tests.conftest import ROOT, SPECS, Golden
from tests.fuzzing.properties import latex_text
from tests.render.test_hostile_names import HOSTILE, hostile_spec

LENET = str(SPECS / "lenet5.yaml")
STEPS = ["--receptive-field", "--training"]
REQUIRE_TEX = os.environ.get("CNNCALC_REQUIRE_TEX") == "1"

ATTACKS = [r"\input{/etc/passwd}", "$&%#_{}~^\\", "[3pt]row", "*star", "\\\\[1ex]", "x\n\ny"]
"""Names aimed at LaTeX: a command, every special, what a row's ``\\\\`` would read as its
own argument, and a blank line (a paragraph end inside a heading)."""

COMMANDS = frozenset([
    "documentclass", "usepackage", "begin", "end", "section", "subsection", "caption",
    "centering", "toprule", "midrule", "bottomrule", "endfirsthead", "endhead", "endfoot",
    "addlinespace", "begingroup", "endgroup", "setlength", "LTcapwidth", "linewidth",
    "footnotesize", "dimexpr", "tabcolsep", "relax", "raggedright", "arraybackslash", "text",
    "intertext", "allowdisplaybreaks", "textbackslash", "textasciicircum", "textasciitilde",
    "textless", "textgreater", "textbar", "char", "ensuremath", "cdot", "times", "rightarrow",
    "geq", "leq", "lfloor", "rfloor", "left", "right", "frac", "textendash", "ldots", "smallskip",
])  # fmt: skip
"""Every command the LaTeX documents of the hostile spec may hold: cnncalc's own."""


def cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> str:
    """``cnncalc ARGV``'s standard output; the language is English again afterwards."""
    with i18n.speaking("en"):
        assert main(list(argv)) == 0
    return capsys.readouterr().out


# -- goldens -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("golden_name", "argv"),
    [
        ("lenet5.zh.tex", [LENET, "-f", "latex", "--lang", "zh"]),
        ("lenet5-C3.tex", ["explain", LENET, "C3", "-f", "latex"]),
        ("lenet5-C3.zh.tex", ["explain", LENET, "C3", "-f", "latex", "--lang", "zh"]),
        ("lenet5-C3-steps.zh.tex", ["explain", LENET, "C3", "-f", "latex", *STEPS, "--lang", "zh"]),
        ("lenet5-symbolic.tex", [str(SPECS / "lenet5-symbolic.yaml"), "-f", "latex", "--symbolic"]),
    ],
)
def test_golden(
    golden_name: str, argv: list[str], golden: Golden, capsys: pytest.CaptureFixture[str]
) -> None:
    text = cli(*argv, capsys=capsys)
    assert latex_text(text) == []
    golden.check(golden_name, text)


def test_the_chinese_table_is_a_ctexart_document_with_the_glossarys_headings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = cli(LENET, "-f", "latex", "--lang", "zh", capsys=capsys)
    assert r"\documentclass[UTF8]{ctexart}" in text
    assert "层 & 类型 & 输出特征图大小 & 可训练参数量 & 不可训练参数量 & 乘加次数 & 计算量" in text
    # C3's row and the totals: LeNet-5's 60,000 trainable parameters, 340,908 connections.
    assert r"C3 & conv2d & $16 \times 10 \times 10$ & 1{,}516 & 0 & 150{,}000 & 151{,}600" in text
    totals = r"合计 &  & $10$ & 60{,}000 & 840 & 332{,}824 & 340{,}908 & 8{,}094 & 340{,}908 \\"
    assert totals in text


def test_explain_derives_each_count_in_one_align(capsys: pytest.CaptureFixture[str]) -> None:
    text = cli("explain", LENET, "C3", "-f", "latex", capsys=capsys)
    assert text.count(r"\begin{align*}") == 1
    assert (
        r"\text{neurons} &= c_{out} \cdot h_{out} \cdot w_{out} \\" + "\n"
        r"&= 16 \cdot 10 \cdot 10 \\" + "\n"
        r"&= 1{,}600 \\[1ex]"
    ) in text
    heading = r"C3 (conv2d): $6 \times 14 \times 14 \rightarrow 16 \times 10 \times 10$"
    assert rf"\subsection*{{{heading}}}" in text


# -- the table's forms ---------------------------------------------------------------


def test_a_long_network_is_a_longtable_a_short_one_a_tabular() -> None:
    resnet = render(cnncalc.analyze(SPECS / "resnet50.yaml"), "latex")
    assert len(cnncalc.analyze(SPECS / "resnet50.yaml").layers) > LONG_TABLE
    assert r"\begin{longtable}{llrrrrrrr}" in resnet and r"\begin{table}" not in resnet
    assert r"\endhead" in resnet  # the header repeats on every page
    assert "& 25{,}557{,}032 &" in resnet.split(r"\midrule")[-1]  # ResNet-50's parameters
    lenet = render(cnncalc.analyze(LENET), "latex")
    assert r"\begin{tabular}{llrrrrrrr}" in lenet and r"\begin{longtable}" not in lenet


def test_the_readme_states_the_longtable_threshold() -> None:
    assert f"Up to {LONG_TABLE} layers it is a `tabular`" in (ROOT / "README.md").read_text(
        encoding="utf-8"
    ).replace("\n", " ")


def test_a_symbolic_table_breaks_its_formulas_in_columns_of_one_width() -> None:
    text = render(cnncalc.analyze(SPECS / "lenet5-symbolic.yaml"), "latex")
    assert r"\begin{longtable}{ll*{7}{>{\raggedright\arraybackslash}p{" in text
    assert r"\left(" not in text.split(r"\endfoot")[1]  # plain parentheses: lines may break
    c1 = r"C1 & conv2d & $6 \times (n - k + 1) \times (n - k + 1)$ & $6 \cdot ({k}^{2} + 1)$"
    assert c1 in text
    assert r"Requires $n \geq k$" in text


# -- escaping ------------------------------------------------------------------------


def test_escape_prints_specials_and_cnncalcs_unicode_math() -> None:
    assert escape("$&%#_{}~^\\") == (
        r"\char36{}\&\%\#\_\{\}\textasciitilde{}\textasciicircum{}\textbackslash{}"
    )
    assert escape("(c_in·k·k + 1), 3·c−1, ⌊x⌋ ≥ 2") == (
        r"(c\_in\ensuremath{\cdot}k\ensuremath{\cdot}k + 1), 3\ensuremath{\cdot}c\ensuremath{-}1, "
        r"\ensuremath{\lfloor}x\ensuremath{\rfloor} \ensuremath{\geq} 2"
    )
    assert escape("\x1b[2J") == "U+001B[2J"
    assert escape("<!-- ''x'' !`") == r"\textless{}!-{}- '{}'x'{}' !{}`"


def test_numbers_are_grouped_with_braced_commas() -> None:
    assert number(122_304) == "122{,}304"
    assert number(25_557_032) == "25{,}557{,}032"
    assert number(840) == "840"


def test_a_row_that_starts_with_a_bracket_or_a_star_is_braced() -> None:
    assert first_cell("[3pt]x") == "{[3pt]x}"
    assert first_cell("*x") == "{*x}"
    assert first_cell("C1") == "C1"


def test_a_translations_words_are_escaped_its_placeholders_filled() -> None:
    assert fill("50% of {x}_y {{z}}", x="$1$") == r"50\% of $1$\_y \{z\}"


def test_hostile_names_are_printed_not_obeyed() -> None:
    report = cnncalc.analyze(hostile_spec([*HOSTILE, *ATTACKS]))
    text = render(report, "latex")
    assert latex_text(text) == []
    assert set(re.findall(r"\\([A-Za-z]+)", text)) <= COMMANDS
    assert r"\textbackslash{}input\{/etc/passwd\} & dense" in text
    assert (
        r"\char36{}\&\%\#\_\{\}\textasciitilde{}\textasciicircum{}\textbackslash{} & dense" in text
    )
    assert r"{[3pt]row} & dense" in text and r"{*star} & dense" in text
    assert r"x\textbackslash{}n\textbackslash{}ny & dense" in text  # no blank line
    assert "卷积层1 & dense" in text
    for name in ATTACKS:
        derivation = explain(report, name, "latex")
        assert latex_text(derivation) == [], name
        assert set(re.findall(r"\\([A-Za-z]+)", derivation)) <= COMMANDS | {"subsection"}


# -- the document's class ----------------------------------------------------------------


def test_the_class_follows_the_language_and_the_characters() -> None:
    assert preamble("x", "zh") == ("xelatex", [r"\documentclass[UTF8]{ctexart}"])
    assert preamble("《卷积神经网络CNN与LeNet5详解》", "en") == (
        "xelatex",
        [r"\documentclass{article}", r"\usepackage[scheme=plain]{ctex}"],
    )
    assert preamble("café", "en") == (
        "xelatex",
        [r"\documentclass{article}", r"\usepackage{fontspec}"],
    )
    assert preamble("cafe", "en") == ("xelatex or pdflatex", [r"\documentclass{article}"])
    assert document("x", language="en").startswith(
        "% Written by cnncalc. Compile with xelatex or pdflatex.\n\\documentclass{article}\n"
    )


# -- the commands without a LaTeX form -------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "--formulas",
            "--formulas has no LaTeX form: 'cnncalc explain SPEC LAYER -f latex' derives one "
            "layer's counts",
        ),
        ("--memory", "--memory goes with --format table or json, without --depth or --formulas"),
        (
            "--roofline",
            "--roofline goes with --format table or json, without --depth or --formulas",
        ),
    ],
)
def test_reports_without_a_latex_form_refuse_it(
    option: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with i18n.speaking("en"):
        assert main([LENET, "-f", "latex", option]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"error: {message}\n")


def test_solve_has_no_latex_form(capsys: pytest.CaptureFixture[str]) -> None:
    with i18n.speaking("en"):
        status = main(["solve", str(SPECS / "lenet5-symbolic.yaml"), "C1.neurons == 4704",
                       "--for", "n", "-f", "latex"])  # fmt: skip
    assert status == 2
    assert "invalid choice: 'latex'" in capsys.readouterr().err


# -- compiled ------------------------------------------------------------------------------


def engine(name: str) -> str:
    """The engine's path; a skip where it is not installed (a failure under
    ``CNNCALC_REQUIRE_TEX=1``)."""
    path = shutil.which(name)
    if path is None:
        if REQUIRE_TEX:
            pytest.fail(f"{name} is not installed, and CNNCALC_REQUIRE_TEX=1")
        pytest.skip(f"{name} is not installed")
    return path


def compile_tex(text: str, directory: Path, name: str) -> Path:
    """``text`` compiled by engine ``name`` in ``directory`` (shell escape off): exit 0 and
    no glyph missing from the fonts. Returns the PDF."""
    source = directory / "report.tex"
    source.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [engine(name), "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
         source.name],
        cwd=directory, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    log = (directory / "report.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-3000:]
    assert "Missing character" not in log
    return directory / "report.pdf"


@pytest.mark.parametrize(
    "argv",
    [
        [LENET, "-f", "latex"],
        [LENET, "-f", "latex", "--lang", "zh"],
        ["explain", LENET, "C3", "-f", "latex"],
        ["explain", LENET, "C3", "-f", "latex", *STEPS, "--lang", "zh"],
        [str(SPECS / "lenet5-symbolic.yaml"), "-f", "latex", "--symbolic"],
    ],
    ids=["table", "table-zh", "explain", "explain-steps-zh", "symbolic"],
)
def test_xelatex_compiles_the_documents(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = cli(*argv, capsys=capsys)
    assert compile_tex(text, tmp_path, "xelatex").read_bytes().startswith(b"%PDF")


def test_xelatex_prints_hostile_names_as_written(tmp_path: Path) -> None:
    report = cnncalc.analyze(hostile_spec([*HOSTILE, *ATTACKS]))
    pdf = compile_tex(render(report, "latex"), tmp_path, "xelatex")
    if shutil.which("pdftotext") is None:
        return  # compiled is what CI requires; the printed text is checked where it can be
    printed = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert r"\input{/etc/passwd}" in printed
    assert "$&%#_{}~^\\" in printed
    assert "<!--" in printed  # not an en dash
    assert "卷积层" in printed  # (ctex puts a thin space between 层 and 1)


def test_pdflatex_compiles_a_document_in_ascii(tmp_path: Path) -> None:
    """Names and a convention in plain ASCII: an ``article`` pdfLaTeX compiles, with the
    Type 1 fonts every TeX has (no bitmap fonts made on the fly)."""
    names = [name for name in [*HOSTILE, *ATTACKS] if name != "卷积层1"]
    text = render(cnncalc.analyze(hostile_spec(names), "flops"), "latex")
    assert text.startswith("% Written by cnncalc. Compile with xelatex or pdflatex.\n")
    pdf = compile_tex(text, tmp_path, "pdflatex")
    if shutil.which("pdffonts") is not None:
        fonts = subprocess.run(
            ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        assert "Type 3" not in fonts
