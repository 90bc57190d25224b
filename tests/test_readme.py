"""The README's promises: its commands are what CI runs, its examples are real output."""

from __future__ import annotations

import contextlib
import io
import re
import shlex

import pytest

import cnncalc
from cnncalc.cli import main
from cnncalc.conventions import Convention
from cnncalc.render import render
from tests.conftest import ROOT, SPECS

README = (ROOT / "README.md").read_text(encoding="utf-8")
README_ZH = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    return re.findall(r"```sh\n(python3 -m venv .*)\n```", README)


def test_two_commands() -> None:
    main_job, test_command = commands()
    assert main_job.endswith("pip install . && cnncalc specs/lenet5.yaml")
    assert "'.[test]'" in test_command and "pytest" in test_command
    assert "ruff check" in test_command and "mypy --strict" in test_command


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands()[1] in ci.splitlines()


def test_the_readme_table_is_real_output() -> None:
    table = render(cnncalc.analyze(SPECS / "lenet5.yaml"), "table")
    assert table.strip() in README


def test_the_readme_convention_tables_have_every_convention() -> None:
    # One row per convention, in order, then one column each in the per-layer table.
    section = README.split("## FLOP conventions")[1].split("Per layer type")[0]
    named = re.findall(r"^\| `(\w+)` \|", section, re.M)
    assert named == [c.value for c in Convention]
    header = "| layer | " + " | ".join(c.value for c in Convention) + " |"
    assert f"\n{header}\n|" + "---|" * (len(Convention) + 1) + "\n" in README


def test_the_readme_python_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 2
    with contextlib.redirect_stdout(io.StringIO()) as out:
        for block in blocks:
            exec(compile(block, "README.md", "exec"), {})
    assert "conv2d_1 (6, 28, 28) 156" in out.getvalue()


CONSOLE = re.findall(r"```console\n\$ cnncalc (.*?)\n(.*?)```", README, re.S)
CONSOLE_ZH = re.findall(r"```console\n\$ cnncalc (.*?)\n(.*?)```", README_ZH, re.S)


def test_there_are_console_examples() -> None:
    explained = {args.split()[-1] for args, _ in CONSOLE if args.startswith("explain")}
    assert {"C1", "S2", "C3"} <= explained


@pytest.mark.parametrize(
    ("args", "output"), CONSOLE + CONSOLE_ZH, ids=[a for a, _ in CONSOLE + CONSOLE_ZH]
)
def test_console_examples_are_real_output(
    args: str, output: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(shlex.split(args)) == 0
    assert capsys.readouterr().out == output


def test_the_chinese_readme_has_the_two_commands() -> None:
    main_job, test_command = re.findall(r"```sh\n(python3 -m venv .*)\n```", README_ZH)
    assert main_job.endswith("pip install . && cnncalc specs/lenet5-full-c3.yaml --lang zh")
    assert test_command == commands()[1]


def test_the_chinese_readme_works_the_lenet5_example_in_chinese() -> None:
    """The post's table, and C1, S2 and C3 derived, all in Chinese and from real output."""
    shown = {args for args, _ in CONSOLE_ZH}
    assert "specs/lenet5-full-c3.yaml --lang zh" in shown
    assert {"C1", "S2", "C3"} <= {a.split()[2] for a in shown if a.startswith("explain")}
    assert all("--lang zh" in args for args in shown)
    assert "可训练参数量" in README_ZH and "连接数" in README_ZH


def test_the_chinese_readme_prints_the_glossary() -> None:
    from cnncalc.glossary import TERMS

    rows = [f"| {t.english} | {t.chinese} | {'、'.join(t.aliases)} | {t.note} |" for t in TERMS]
    table = "\n".join(["| English | 中文 | 别名 | 说明 |", "|---|---|---|---|", *rows])
    assert f"\n{table}\n" in README_ZH
