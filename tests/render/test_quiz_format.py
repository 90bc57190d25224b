"""The quiz's sheets: goldens in English and Chinese, LaTeX that XeLaTeX compiles, names
escaped in every format.

The LaTeX tests need ``xelatex`` (TeX Live with ctex and the Noto CJK fonts); they
skip without it unless ``CNNCALC_REQUIRE_TEX=1`` (CI sets it, so a missing TeX fails
there rather than passing in silence).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import cnncalc
from cnncalc.i18n import speaking
from cnncalc.quiz import Quiz, build_quiz
from cnncalc.render.quiz_format import render_quiz
from cnncalc.spec import parse_spec
from tests.conftest import ROOT, SPECS, Golden
from tests.render.test_hostile_names import CHINESE, HOSTILE, NETWORK, assert_no_raw_control


def alexnet_quiz(fmt: str, language: str = "en", sheets: str = "both") -> str:
    """``cnncalc quiz specs/alexnet.yaml --seed 1 [--lang zh] -f FMT``."""
    with speaking(language):
        return render_quiz(build_quiz(cnncalc.load(SPECS / "alexnet.yaml"), seed=1), fmt, sheets)


def test_golden_text_english(golden: Golden) -> None:
    golden.check("quiz-alexnet-seed1.txt", alexnet_quiz("text"))


def test_golden_text_chinese(golden: Golden) -> None:
    text = alexnet_quiz("text", "zh")
    golden.check("quiz-alexnet-seed1.zh.txt", text)
    # The document's words: 卷积核, 步长, 填充, 输出特征图大小, 可训练参数量, 连接数.
    assert "1. conv1 层是卷积层（conv2d），有 96 个 11×11 的卷积核，步长为 4，填充为 0；" in text
    assert "   (2) 可训练参数量：34,944\n" in text
    assert "n 取何值时，pool3 层（maxpool2d）的输出特征图大小为 6×6？" in text


def test_golden_latex_chinese(golden: Golden) -> None:
    golden.check("quiz-alexnet-seed1.zh.tex", alexnet_quiz("latex", "zh"))


def test_golden_markdown_and_html(golden: Golden) -> None:
    spec = cnncalc.load(SPECS / "lenet5.yaml")
    q = build_quiz(spec, layers=["C1", "S2", "C3"], asks=["params", "connections", "input_size"])
    golden.check("quiz-lenet5.md", render_quiz(q, "markdown"))
    golden.check("quiz-lenet5.html", render_quiz(q, "html"))


def test_the_answers_start_a_page_of_their_own() -> None:
    exercises, answers = alexnet_quiz("text").split("\n" + "─" * 72 + "\n\n")
    assert exercises.startswith("AlexNet (《经典网络(四)AlexNet全解析》): exercises\n")
    assert answers.startswith("AlexNet (《经典网络(四)AlexNet全解析》): answers\n")
    latex = alexnet_quiz("latex", "zh")
    exercises, answers = latex.split("\\newpage\n")
    assert "\\section*{AlexNet (《经典网络(四)AlexNet全解析》)：练习}" in exercises
    assert "答案" not in exercises and "\\begin{align*}" not in exercises
    assert answers.startswith("\\section*{AlexNet (《经典网络(四)AlexNet全解析》)：答案}")
    html = alexnet_quiz("html")
    assert '<section class="cnncalc-answers">' in html
    assert "break-before: page" in html


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "latex"])
def test_each_sheet_alone(fmt: str) -> None:
    both = alexnet_quiz(fmt)
    exercises = alexnet_quiz(fmt, sheets="exercises")
    answers = alexnet_quiz(fmt, sheets="answers")
    assert "exercises" in exercises and ": answers" not in exercises
    assert ": answers" in answers and "Find:" not in answers
    assert "34,944" not in exercises and "34,944" in answers.replace("{,}", ",")
    assert len(exercises) + len(answers) > len(both) * 0.9


# -- LaTeX compiles --------------------------------------------------------------------------


def xelatex() -> str:
    found = shutil.which("xelatex")
    if found is None:
        if os.environ.get("CNNCALC_REQUIRE_TEX") == "1":
            pytest.fail("CNNCALC_REQUIRE_TEX=1 but xelatex is not installed")
        pytest.skip("xelatex is not installed (CNNCALC_REQUIRE_TEX=1 makes this a failure)")
    return found


def compile_latex(text: str, directory: Path) -> Path:
    """``text`` compiled by XeLaTeX in ``directory``: the PDF (a failure shows the log's
    first error)."""
    source = directory / "quiz.tex"
    source.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [xelatex(), "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", source.name],
        cwd=directory, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    log = (directory / "quiz.log").read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert result.returncode == 0, errors[:5] or result.stdout[-2000:]
    return directory / "quiz.pdf"


def test_the_done_when_command_compiles_with_xelatex(tmp_path: Path) -> None:
    """``cnncalc quiz specs/alexnet.yaml --seed 1 --lang zh -f latex``: both sheets compile,
    the answers on pages of their own."""
    xelatex()
    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", "quiz", "specs/alexnet.yaml", "--seed", "1", "--lang",
         "zh", "-f", "latex"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    assert result.stdout == alexnet_quiz("latex", "zh")
    pdf = compile_latex(result.stdout, tmp_path)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        pages = text.split("\f")
        assert "练习" in pages[0] and "答案" not in pages[0]
        assert "答案" in pages[1]
        assert "34,944" in text


def test_english_latex_and_hostile_names_compile(tmp_path: Path) -> None:
    xelatex()
    english = tmp_path / "english"
    english.mkdir()
    compile_latex(alexnet_quiz("latex"), english)
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    compile_latex(render_quiz(hostile_quiz(), "latex"), hostile)


# -- hostile names ----------------------------------------------------------------------------


def hostile_quiz() -> Quiz:
    layers = [{"name": name, "type": "conv2d", "filters": 2, "kernel": 1} for name in HOSTILE]
    spec = parse_spec({"name": NETWORK, "input": [1, 4, 4], "layers": layers})
    return build_quiz(spec, layers=HOSTILE, asks=["params", "input_size"])


def test_hostile_names_in_text_are_shown_not_obeyed() -> None:
    text = render_quiz(hostile_quiz(), "text")
    assert_no_raw_control(text)
    assert f"{CHINESE} is a convolutional layer (conv2d)" in text
    assert "\\x1b]0;title\\x07 is a convolutional layer" in text


def test_hostile_names_in_latex_are_escaped() -> None:
    latex = render_quiz(hostile_quiz(), "latex")
    assert "\\frac{a}{b}" not in latex and "\\textbackslash{}frac\\{a\\}\\{b\\}" in latex
    assert "$x$" not in latex and "\\char36{}x\\char36{}" in latex
    assert re.search(r"(?<!\\)%", latex.split("\\begin{document}")[1]) is None
    assert "U+001B" in latex


def test_hostile_names_in_markdown_are_escaped() -> None:
    markdown = render_quiz(hostile_quiz(), "markdown")
    assert_no_raw_control(markdown)
    assert "a\\|b is a convolutional layer" in markdown
    assert "\\$x\\$ is a" in markdown
    assert "\\[x\\](http://evil)" in markdown


def test_hostile_names_in_html_are_escaped() -> None:
    page = render_quiz(hostile_quiz(), "html")
    assert "<script>" not in page and "&lt;/script&gt;&lt;script&gt;" in page

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: set[str] = set()

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.tags.add(tag)

    parser = Tags()
    parser.feed(page)
    assert parser.tags <= {
        "html", "head", "meta", "title", "style", "body", "section", "h1", "p", "ol", "li",
        "ul", "br", "span", "strong", "div",
    }  # fmt: skip
