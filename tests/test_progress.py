"""Progress bars: drawn on a terminal for long work, never into a pipe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


def long_symbolic_spec(tmp_path: Path) -> Path:
    layers = "\n".join("  - {type: conv2d, filters: 2, kernel: 3, padding: 1}" for _ in range(150))
    path = tmp_path / "chain.yaml"
    path.write_text(f"input: [2, n, n]\nlayers:\n{layers}\n", encoding="utf-8")
    return path


def run_with_stderr(
    stderr_terminal: bool, spec: Path, environment: dict[str, str] | None = None
) -> tuple[str, str]:
    """stdout and stderr of ``cnncalc SPEC -f json``, stderr on a terminal or a pipe."""
    command = [sys.executable, "-m", "cnncalc", str(spec), "-f", "json"]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env |= {"TERM": "xterm-256color", "COLUMNS": "100", **(environment or {})}
    if not stderr_terminal:
        done = subprocess.run(
            command, capture_output=True, text=True, cwd=ROOT, env=env, check=True
        )
        return done.stdout, done.stderr
    report = spec.with_suffix(".json")
    controller, terminal = os.openpty()
    # stdout to a file: a pipe nobody reads while the terminal is read would fill up.
    with (
        report.open("w") as out,
        subprocess.Popen(command, stdout=out, stderr=terminal, cwd=ROOT, env=env) as process,
    ):
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed: the process has ended
                break
            if not chunk:
                break
            drawn += chunk
        process.wait(timeout=120)
    os.close(controller)
    return report.read_text(encoding="utf-8"), drawn.decode("utf-8", "replace")


def test_a_long_symbolic_analysis_shows_a_bar_on_a_terminal(tmp_path: Path) -> None:
    out, drawn = run_with_stderr(True, long_symbolic_spec(tmp_path))
    assert "analysing network" in drawn
    assert "150/150" in drawn or "/150" in drawn
    assert out.startswith("{")  # the report itself is untouched


def test_a_pipe_gets_no_bar(tmp_path: Path) -> None:
    out, err = run_with_stderr(False, long_symbolic_spec(tmp_path))
    assert err == ""
    assert out.startswith("{")


COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|38|48)[0-9;]*m")
"""An SGR sequence that sets a foreground or background colour."""


def test_no_color_turns_the_bars_colours_off(tmp_path: Path) -> None:
    spec = long_symbolic_spec(tmp_path)
    _, coloured = run_with_stderr(True, spec)
    _, plain = run_with_stderr(True, spec, {"NO_COLOR": "1"})
    assert COLOUR.search(coloured)
    assert "analysing network" in plain
    assert not COLOUR.search(plain)
