"""The command line in Chinese: --help, types, conventions, check, usage errors, and how
the language is chosen (--lang, CNNCALC_LANG, the locale)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc import i18n
from cnncalc.cli import ANALYZE, COMMANDS, main
from cnncalc.spec.layers import LAYER_MODELS, summary
from cnncalc.wrapping import width
from tests.conftest import ROOT, SPECS, Golden
from tools import messages

LOCALE_VARIABLES = ("CNNCALC_LANG", *i18n.LOCALE_VARIABLES)


@pytest.fixture(autouse=True)
def page(monkeypatch: pytest.MonkeyPatch) -> None:
    """argparse fills help to the terminal's width: the goldens are 80 columns."""
    monkeypatch.setenv("COLUMNS", "80")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["--help", "--lang", "zh"], "help-zh.txt"),
        (["explain", "--help", "--lang", "zh"], "explain-help-zh.txt"),
        (["types", "--lang", "zh"], "types-zh.txt"),
        (["conventions", "--lang", "zh"], "conventions-zh.txt"),
        (["types"], "types.txt"),
    ],
)
def test_goldens(
    argv: list[str], name: str, golden: Golden, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(argv, capsys)
    assert (status, err) == (0, "")
    golden.check(name, out)


def test_the_language_of_main_ends_with_it(capsys: pytest.CaptureFixture[str]) -> None:
    """``main`` speaks the caller's language again when it returns (main in a test, or
    called from Python)."""
    assert run(["conventions", "--lang", "zh"], capsys)[0] == 0
    assert i18n.current() == "en"
    assert i18n.gettext("Connections") == "Connections"


def test_a_usage_error_in_chinese_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "zh", str(SPECS / "lenet5.yaml"), "--format", "nope"], capsys) == (
        2,
        "",
        "错误: 参数 -f/--format: 无效的选择: 'nope' (可选: 'table', 'json', 'csv', 'markdown', "
        "'html', 'latex') (见 'cnncalc --help')\n",
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--depth", "x"], "错误: 参数 --depth: 须为正整数, 得到的是 'x' (见 'cnncalc --help')"),
        (["--batch", "0"], "错误: 参数 --batch: '0' 不是 1 到 2**31 之间的批大小 "
         "(见 'cnncalc --help')"),
        (["--samples", "3"], "错误: --samples 须与 --training 一起使用: "
         "它给出一个 epoch 各步的计算量"),
        (["--depth", "1", "--formulas"], "错误: --depth 不能与 --formulas 一起使用"),
        (["--freeze", "zzz"], "错误: {spec}: --freeze: 没有名为 'zzz' 的层; "
         "各层: C1, S2, C3, S4, C5, … 另有 3 个"),
    ],
)  # fmt: skip
def test_errors_of_the_command_line_in_chinese(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = str(SPECS / "lenet5.yaml")
    expected = message.format(spec=spec) + "\n"
    assert run([spec, *argv, "--lang", "zh"], capsys) == (2, "", expected)


def test_a_command_after_lang(capsys: pytest.CaptureFixture[str]) -> None:
    """``cnncalc --lang zh explain …``: the command word may follow a leading --lang."""
    spec = str(SPECS / "lenet5.yaml")
    status, out, err = run(["--lang", "zh", "explain", spec, "C9"], capsys)
    assert (status, out) == (2, "")
    assert err.startswith(f"错误: {spec}: 没有名为 'C9' 的层")
    assert run(["--lang=zh", "check", spec], capsys) == (
        0, f"{spec}: 全部 21 个期望的数字都相符\n", ""
    )  # fmt: skip


def test_check_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "wrong.yaml"
    spec.write_text(
        "input: [1, 32, 32]\n"
        "layers:\n"
        "  - {name: C1, type: conv2d, filters: 6, kernel: 5}\n"
        "expect:\n"
        "  C1: {trainable_params: 150, connections: 122304, output_shape: [6, 27, 27]}\n"
    )
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        "input: [1, 32, 32]\nlayers:\n  - {name: C1, type: conv2d, filters: 6, kernel: 5}\n"
    )
    assert run(["check", str(spec), str(plain), "--lang", "zh"], capsys) == (
        1,
        f"{spec}: 3 个期望的数字中有 2 个不符\n"
        "  C1 output_shape: 期望 [6, 27, 27], 实为 [6, 28, 28]\n"
        "  C1 trainable_params: 期望 150, 实为 156\n"
        f"{plain}: 没有 'expect' 块: 无可核对\n",
        "",
    )


def help_in(environment: dict[str, str]) -> str:
    """``cnncalc --help``'s first line, run as the user runs it, in ``environment``."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    done = subprocess.run(
        [sys.executable, "-m", "cnncalc", "--help"], capture_output=True, text=True,
        cwd=ROOT, check=True, env={**env, **environment, "COLUMNS": "80"},
    )  # fmt: skip
    return done.stdout.splitlines()[0]


def test_the_locale_chooses_chinese_and_cnncalc_lang_overrides_it() -> None:
    chinese = help_in({"LANG": "zh_CN.UTF-8"})
    assert chinese.startswith("用法: cnncalc [-h] [--lang {en,zh}]")
    english = help_in({"LANG": "zh_CN.UTF-8", "CNNCALC_LANG": "en"})
    assert english.startswith("usage: cnncalc [-h] [--lang {en,zh}]")
    assert help_in({"LANG": "C.UTF-8"}).startswith("usage: cnncalc")


PARSERS = {"": ANALYZE[0], **{name: command[0] for name, command in COMMANDS.items()}}
"""Every command's argument parser, by its command word ("" for ``cnncalc SPEC``)."""


def test_every_help_text_and_description_is_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    """In Chinese, every option's help and every command's description has Chinese in it
    (an untranslated one would be all ASCII, or English with a symbol or two)."""
    # argparse's own words (-h's help) as main() has them: through cnncalc's catalog.
    monkeypatch.setattr(argparse, "_", i18n.gettext)
    english = []
    with i18n.speaking("zh"):
        for make in PARSERS.values():
            parser = make()
            texts = [parser.description, *(action.help for action in parser._actions)]
            english += [text for text in texts if text and not re.search(r"[\u4e00-\u9fff]", text)]
    assert english == []


ENGLISH_WORDS = re.compile(r"[A-Za-z]+(?:'[a-z]+)?(?: [A-Za-z]+(?:'[a-z]+)?){2,}")
"""Three English words in a row: the least of an untranslated sentence."""
ALLOWED = {
    "cnncalc completion bash",  # commands as typed
    "cnncalc completion zsh",
    "YAML language server",  # a program's name
    "pip install",
}


@pytest.mark.parametrize("command", PARSERS)
def test_help_in_chinese_has_no_english_sentence(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """What is left in English is what the user types or a name: options, file names,
    layer types, metrics, programs; three words in a row are a sentence left untranslated."""
    words = command.split()
    status, out, _ = run([*words, "--help", "--lang", "zh"], capsys)
    assert status == 0
    commands = re.sub(r"^  cnncalc .*?(?=  |$)", "", out, flags=re.MULTILINE)  # the command list
    found = {run_ for run_ in ENGLISH_WORDS.findall(commands) if run_ not in ALLOWED}
    assert found == set()
    status, english, _ = run([*words, "--help", "--lang", "en"], capsys)
    assert ENGLISH_WORDS.findall(english)  # the test can fail: English has sentences


def test_chinese_help_lines_fit_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    """Filled by terminal columns (a Chinese character takes two): no line of prose wider
    than the page; only argparse's option lists may be (in English too)."""
    for command in PARSERS:
        out = run([*command.split(), "--help", "--lang", "zh"], capsys)[1]
        wide = [line for line in out.splitlines() if width(line) > 80 and "{" not in line]
        assert wide == [], command


def test_every_layer_summary_is_in_the_catalog() -> None:
    """``cnncalc types``'s summaries are the layer models' docstrings: tools/messages.py adds
    them to types.po, so the catalog tests see them untranslated or stale."""
    added = messages.unmarked()
    assert len(added) == len(LAYER_MODELS) == 55
    assert {area for _message, area in added.values()} == {"types"}
    with i18n.speaking("zh"):
        chinese = {model.__name__: i18n.gettext(summary(model)) for model in LAYER_MODELS}
    assert chinese["Conv2d"] == "二维卷积 (PyTorch nn.Conv2d, Keras Conv2D)。"
    assert [m.__name__ for m in LAYER_MODELS if chinese[m.__name__] == summary(m)] == []
