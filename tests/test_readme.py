"""The README's promises: its commands are what CI runs, its examples are real output."""

from __future__ import annotations

import re

import cnncalc
from cnncalc.render import render
from tests.conftest import ROOT, SPECS

README = (ROOT / "README.md").read_text(encoding="utf-8")


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


def test_the_readme_python_example_runs(monkeypatch: object) -> None:
    import contextlib
    import io
    import os

    (block,) = re.findall(r"```python\n(.*?)```", README, re.S)
    os.chdir(ROOT)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(block, "README.md", "exec"), {})
    assert "conv2d_1 (6, 28, 28) 156" in out.getvalue()
