"""The command line: exit codes, check, lazy imports, pipes."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc import __version__
from cnncalc.cli import main
from tests.conftest import ROOT, SPECS

HEAVY = ("pydantic", "rich", "yaml", "sympy")


def imported_after(argv: list[str]) -> set[str]:
    """The heavy top-level packages a CLI run imports, in a fresh interpreter."""
    code = (
        "import sys, io, contextlib\n"
        "from cnncalc.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({argv!r})\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(result.stdout.split())


def test_version_and_help_import_nothing_heavy() -> None:
    assert imported_after(["--version"]) == set()
    assert imported_after(["--help"]) == set()


def test_chinese_version_and_help_import_nothing_heavy() -> None:
    """The catalog is read with the standard library's gettext, and Chinese help is filled
    by cnncalc.wrapping: neither brings pydantic, rich, yaml or sympy."""
    assert imported_after(["--lang", "zh", "--version"]) == set()
    assert imported_after(["--help", "--lang", "zh"]) == set()


def test_json_report_imports_neither_rich_nor_sympy() -> None:
    assert imported_after([str(SPECS / "alexnet.yaml"), "--format", "json"]) == {
        "pydantic",
        "yaml",
    }


def test_latex_report_imports_neither_rich_nor_sympy() -> None:
    assert imported_after([str(SPECS / "alexnet.yaml"), "--format", "latex"]) == {
        "pydantic",
        "yaml",
    }


def test_table_report_to_a_pipe_imports_neither_rich_nor_sympy() -> None:
    assert imported_after([str(SPECS / "alexnet.yaml")]) == {"pydantic", "yaml"}


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"cnncalc {__version__}\n"
    assert main(["--lang", "zh", "--version"]) == 0
    assert capsys.readouterr().out == f"cnncalc {__version__}\n"


def test_check_passes_on_the_shipped_specs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *map(str, sorted(SPECS.glob("*.yaml")))]) == 0
    out = capsys.readouterr().out
    assert "specs/lenet5.yaml: all 21 expected numbers match" in out


def test_check_reports_each_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "wrong.yaml"
    spec.write_text(
        "input: [1, 32, 32]\n"
        "layers:\n"
        "  - {name: C1, type: conv2d, filters: 6, kernel: 5}\n"
        "expect:\n"
        "  C1: {trainable_params: 150, connections: 122304, output_shape: [6, 27, 27]}\n"
    )
    assert main(["check", str(spec)]) == 1
    out = capsys.readouterr().out
    assert f"{spec}: 2 of 3 expected numbers differ" in out
    assert "  C1 trainable_params: expected 150, got 156" in out
    assert "  C1 output_shape: expected [6, 27, 27], got [6, 28, 28]" in out


def test_check_of_a_bad_spec_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: [1, 32, 32]\nlayers: []\n")
    assert main(["check", str(spec), str(SPECS / "lenet5.yaml")]) == 2
    captured = capsys.readouterr()
    assert "field 'layers': expected a non-empty list of layers" in captured.err
    assert "lenet5.yaml: all" in captured.out


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no/such/spec.yaml"]) == 2
    assert capsys.readouterr().err == (
        "error: no/such/spec.yaml: cannot read the spec: No such file or directory\n"
    )


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SPECS / "lenet5.yaml"), "--convention", "gflops"]) == 2
    assert "invalid choice: 'gflops'" in capsys.readouterr().err


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    assert main([str(SPECS / "lenet5.yaml"), "-f", "markdown", "-o", str(out)]) == 0
    assert "| **Total** |" in out.read_text()


def test_conventions_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conventions"]) == 0
    out = capsys.readouterr().out
    assert "connections (default)" in out
    assert "FlopCounterMode" in out


def test_closed_pipe_ends_quietly() -> None:
    for fmt in ("table", "json"):
        reader = subprocess.Popen(
            ["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        writer = subprocess.run(
            [sys.executable, "-m", "cnncalc", str(SPECS / "alexnet.yaml"), "-f", fmt],
            stdout=reader.stdin,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            cwd=ROOT,
        )
        assert reader.stdin is not None
        reader.stdin.close()
        reader.wait()
        assert writer.returncode == 0, writer.stderr
        assert writer.stderr == ""


def test_ctrl_c_during_a_long_run_ends_with_one_line(tmp_path: Path) -> None:
    # A 5,000-layer chain with a symbolic input size, pooling every fifth layer so that its floors
    # nest, keeps sympy busy for half a minute (about 3 ms a layer): long enough to be
    # interrupted mid-analysis on any machine.
    layers = "\n".join(
        "  - {type: maxpool2d, kernel: 2}" if i % 5 == 4
        else "  - {type: conv2d, filters: 2, kernel: 3, padding: 1}"
        for i in range(5000)
    )  # fmt: skip
    spec = tmp_path / "long.yaml"
    spec.write_text(f"input: [2, n, n]\nlayers:\n{layers}\n", encoding="utf-8")
    # Ctrl-C as a terminal sends it, whatever this run inherited: a job started in the
    # background (`cmd &`, nohup) ignores SIGINT, and an ignored signal stays ignored
    # across exec; a handled one is reset to the default, which Python then handles.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "cnncalc", str(spec), "--formulas"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, inherited)
    try:
        process.wait(timeout=3)
        pytest.fail("the long run ended before it could be interrupted")
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err == "cnncalc: interrupted\n"
    assert out == ""


def test_explain_writes_its_derivation_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``explain … -o FILE``: the file holds what stdout would (C1's 156), stdout nothing."""
    target = tmp_path / "c1.md"
    assert main(["explain", str(SPECS / "lenet5.yaml"), "C1", "-f", "markdown"]) == 0
    printed = capsys.readouterr().out
    assert (
        main(["explain", str(SPECS / "lenet5.yaml"), "C1", "-f", "markdown", "-o", str(target)])
        == 0
    )
    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8") == printed
    assert "= 156" in printed
