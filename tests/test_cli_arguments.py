"""Hostile command-line arguments and environments: each gets one line and exit 2, never 70.

Exit 70 ("internal error") is reachable only through the test hook
``CNNCALC_TEST_INTERNAL_ERROR``; every case here is bad input, named in one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc.cli import EXIT_BAD_INPUT, EXIT_INTERNAL_ERROR, main
from tests.conftest import ROOT, SPECS

SYMBOLIC = "specs/lenet5-symbolic.yaml"  # size symbols n and k
NUMERIC = "specs/lenet5.yaml"
DIGITS_5000 = "9" * 5000
SUBS_HELP = (
    "--subs expects name=value pairs of positive integers or fractions, like n=32,k=5 or a=3/4; got"
)
BOUND = "is larger than 2**63 − 1, the largest size PyTorch and ONNX store"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("subs", "message"),
    [
        ("=5", f"{SUBS_HELP} '=5'"),
        ("n=", f"{SUBS_HELP} 'n='"),
        ("n=5=6", f"{SUBS_HELP} 'n=5=6'"),
        ("n=k+1", f"{SUBS_HELP} 'n=k+1'"),
        ("n=³²,k=5", f"{SUBS_HELP} 'n=³²'"),
        ("n=٣٢,k=5", f"{SUBS_HELP} 'n=٣٢'"),
        ("n=-3", f"{SUBS_HELP} 'n=-3'"),
        ("n=32,,k=5", f"{SUBS_HELP} an empty pair (two commas in a row?)"),
        (",", f"{SUBS_HELP} an empty pair (two commas in a row?)"),
        ("n=32,k=5/0", f"{SUBS_HELP} 'k=5/0'"),
        ("n=32,k=1.2.3", f"{SUBS_HELP} 'k=1.2.3'"),
        ("n=32,k=1/2/3", f"{SUBS_HELP} 'k=1/2/3'"),
        ("n=32,k=0/4", "--subs k: values are positive, got 0/4"),
        ("n=32,k=0.0", "--subs k: values are positive, got 0.0"),
        (
            "n=32,k=1/9223372036854775808",
            "--subs k: 1/9223372036854775808 has a numerator or denominator larger than "
            + BOUND.removeprefix("is larger than "),
        ),
        (
            "n=32,k=5/2",
            "k is a size of this spec, a whole number (a formula uses it outside int(), round(), "
            "floor(), ceil() or make_divisible()), so k=5/2 is not a value for it",
        ),
        ("n=32,n=33,k=5", "--subs gives n twice (n=32, n=33)"),
        ("n=0,k=5", "--subs n: sizes are positive integers, got 0"),
        ("q=3", "no size symbol named q (symbols: k, n)"),
        ("kk=3", "no size symbol named kk (did you mean 'k'?) (symbols: k, n)"),
        ("n=9223372036854775808,k=5", f"--subs n: 9223372036854775808 {BOUND}"),
        (f"n={DIGITS_5000},k=5", f"--subs n: a 5,000-digit number {BOUND}"),
        (
            "n=3,k=5",
            "n=3, k=5 breaks layer 'C1', field 'kernel': it requires n ≥ k, and 3 ≥ 5 is false",
        ),
    ],
)
def test_malformed_subs(subs: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([SYMBOLIC, "--subs", subs], capsys) == (EXIT_BAD_INPUT, "", f"error: {message}\n")


def test_large_subs_are_exact(capsys: pytest.CaptureFixture[str]) -> None:
    n = 2**30  # flattened, C5's 120 maps of about (n/4)**2 values stay below 2**63
    status, out, err = run([SYMBOLIC, "--subs", f"n={n},k=5", "-f", "csv"], capsys)
    assert (status, err) == (0, "")
    c1 = out.splitlines()[1].split(",")
    assert c1[:3] == ["C1", "conv2d", f"6x{n - 4}x{n - 4}"]
    assert int(c1[6]) == 6 * 25 * (n - 4) ** 2  # MACs


def test_subs_at_the_size_bound_can_make_a_layer_too_large(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 16 maps of about (n/4)**2 values each: flattened, more than a size can be.
    assert run([SYMBOLIC, "--subs", f"n={2**63 - 1},k=5"], capsys) == (
        EXIT_BAD_INPUT,
        "",
        "error: n=9223372036854775807, k=5 makes layer 'FL''s output size ≈10^38, larger "
        "than 2**63 − 1, the largest size PyTorch and ONNX store\n",
    )


def test_a_substitution_that_breaks_a_size_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "input: [1, 8, 8]\nlayers:\n  - {name: c, type: conv2d, filters: n - 6, kernel: 3}\n"
    )
    status, out, _ = run([str(spec)], capsys)
    assert status == 0
    assert "Requires n ≥ 7." in out  # a size that is not provably positive: a requirement
    assert run([str(spec), "--subs", "n=5"], capsys) == (
        EXIT_BAD_INPUT,
        "",
        "error: n=5 breaks layer 'c', field 'filters': it requires n ≥ 7, and 5 ≥ 7 is false\n",
    )


def test_a_substitution_past_the_size_bound_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "input: [1, 8, 8]\nlayers:\n  - {name: c, type: conv2d, filters: n**2, kernel: 3}\n"
    )
    n = 3037000500  # n**2 = 9,223,372,037,000,250,000 > 2**63 − 1
    assert run([str(spec), "--subs", f"n={n}"], capsys) == (
        EXIT_BAD_INPUT,
        "",
        f"error: n={n} makes layer 'c', field 'filters', {n**2}, larger than 2**63 − 1, "
        "the largest size PyTorch and ONNX store\n",
    )
    assert run([str(spec), "--subs", f"n={n - 1}", "-f", "json"], capsys)[0] == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--range", "1:³²"], "--range expects LO:HI with 1 ≤ LO ≤ HI, got '1:³²'"),
        (["--range", "5:1"], "--range expects LO:HI with 1 ≤ LO ≤ HI, got '5:1'"),
        (["--range", "1-5"], "--range expects LO:HI with 1 ≤ LO ≤ HI, got '1-5'"),
        (["--range", "0:5"], "--range LO: sizes are positive integers, got 0"),
        (["--range", f"1:{DIGITS_5000}"], f"--range HI: a 5,000-digit number {BOUND}"),
        (["--range", "1:9223372036854775808"], f"--range HI: 9223372036854775808 {BOUND}"),
        (["--for", "zz"], "'zz' is not a size symbol of this spec (symbols: batch, k, n)"),
    ],
)
def test_solve_options(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["solve", SYMBOLIC, "C1.output_shape[1] == 28", "--subs", "k=5"]
    argv += options if "--for" in options else ["--for", "n", *options]
    assert run(argv, capsys) == (EXIT_BAD_INPUT, "", f"error: {message}\n")


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("total.params is 5", "'total.params is 5' does not compare with ==, !=, <, <=, > or >="),
        ("C1.output_shape[1] ==", "cannot read the condition 'C1.output_shape[1] =='"),
        (
            "total.params < 5 or total.params > 9",
            'a condition compares quantities, e.g. "pool3.output_shape[1] == 6" (several '
            "joined with 'and')",
        ),
        ("nope.params == 5", "no layer named 'nope'"),
        (" and ".join(["total.params == 5"] * 60), "a condition is limited to 1,000 characters"),
    ],
)
def test_malformed_solve_conditions(
    condition: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["solve", SYMBOLIC, condition, "--for", "n", "--subs", "k=5"]
    assert run(argv, capsys) == (EXIT_BAD_INPUT, "", f"error: {message}\n")


def test_a_huge_range_is_searched_in_closed_form(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["solve", SYMBOLIC, "C1.output_shape[1] == 28", "--for", "n", "--subs", "k=5"]
    status, out, _ = run([*argv, "--range", f"1:{2**63 - 1}"], capsys)
    assert (status, out.splitlines()[0]) == (0, "C1.output_shape[1] == 28 holds for n = 32.")


@pytest.mark.parametrize(
    ("depth", "shown"),
    [("-1", "-1"), ("0", "0"), ("000", "000"), ("³", "³"), ("x", "x"), ("x" * 50, "x" * 39 + "…")],
)
def test_bad_depth(depth: str, shown: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([NUMERIC, "--depth", depth], capsys) == (
        EXIT_BAD_INPUT,
        "",
        f"error: argument --depth: takes a positive whole number, got '{shown}' "
        "(see 'cnncalc --help')\n",
    )


def test_a_huge_depth_folds_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    folded = run([NUMERIC, "--depth", DIGITS_5000, "-f", "csv"], capsys)
    assert folded == run([NUMERIC, "-f", "csv"], capsys)


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["explain", NUMERIC, "C1", "-f", "xml"], capsys) == (
        EXIT_BAD_INPUT,
        "",
        "error: argument -f/--format: invalid choice: 'xml' (choose from 'table', 'json', "
        "'csv', 'markdown', 'html', 'latex') (see 'cnncalc explain --help')\n",
    )


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ("missing/dir/report.md", "No such file or directory"),
        (".", "Is a directory"),
        ("/dev/full", "No space left on device"),
    ],
)
def test_unwritable_output(
    output: str, reason: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    spec = str(SPECS / "lenet5.yaml")
    for argv in ([spec, "-f", "markdown", "-o", output], ["draw", spec, "-o", output]):
        assert run(argv, capsys) == (
            EXIT_BAD_INPUT,
            "",
            f"error: cannot write '{output}': {reason}\n",
        )


def test_a_full_standard_output_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "cnncalc", NUMERIC, "-f", "json"],
            stdout=full, stderr=subprocess.PIPE, text=True, check=False, cwd=ROOT,
        )  # fmt: skip
    assert (result.returncode, result.stderr) == (
        EXIT_BAD_INPUT,
        "error: cannot write the output: No space left on device\n",
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [("abc", "'abc'"), ("-5", "'-5'"), ("0", "'0'"), ("1e6", "'1e6'"), ("١٠٠", "'١٠٠'"),
     ("99999999999999999999999", "'99999999999999999999999'"),
     ("1073741825", "'1073741825'")],
)  # fmt: skip
def test_bad_spec_size_limit_variable(
    value: str, shown: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CNNCALC_MAX_SPEC_BYTES", value)
    assert run([NUMERIC], capsys) == (
        EXIT_BAD_INPUT,
        "",
        "error: CNNCALC_MAX_SPEC_BYTES must be a whole number of bytes from 1 to "
        f"1,073,741,824 (1 GiB), got {shown}\n",
    )


def test_spec_size_limit_variable_in_range(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CNNCALC_MAX_SPEC_BYTES", "100")
    assert run([NUMERIC], capsys) == (
        EXIT_BAD_INPUT,
        "",
        f"error: {NUMERIC}: the spec is over the 100-byte limit (set CNNCALC_MAX_SPEC_BYTES "
        "to raise it)\n",
    )


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("missing.yaml", "cannot read the spec: No such file or directory"),
        (".", "cannot read the spec: Is a directory"),
        ("/dev/zero", "cannot read the spec: it is a character device, not a regular file"),
    ],
)
def test_check_of_what_is_not_a_spec_file(
    spec: str, reason: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["check", spec, str(SPECS / "lenet5.yaml")], capsys)
    assert (status, err) == (EXIT_BAD_INPUT, f"error: {spec}: {reason}\n")
    assert out.endswith("lenet5.yaml: all 21 expected numbers match\n")


def test_a_fifo_without_a_writer_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.fifo"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", "check", str(fifo)],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (
        EXIT_BAD_INPUT,
        f"error: {fifo}: the spec must be a mapping with 'input' and 'layers'; this one is empty\n",
    )


def test_a_pipe_is_read(capsys: pytest.CaptureFixture[str]) -> None:
    text = (SPECS / "lenet5.yaml").read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", "/dev/stdin", "-f", "csv"],
        input=text, capture_output=True, check=False, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines()[-1].startswith("total,,10,60000,840,")


def test_the_internal_error_path_is_one_line_and_exit_70(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CNNCALC_TEST_INTERNAL_ERROR", "1")
    assert run([NUMERIC], capsys) == (
        EXIT_INTERNAL_ERROR,
        "",
        "cnncalc: internal error (RuntimeError: CNNCALC_TEST_INTERNAL_ERROR is set); please "
        "report it with the spec. Set CNNCALC_DEBUG=1 to see the traceback.\n",
    )


def test_check_locates_values_that_break_a_requirement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "input: [1, n, n]\nvalues: {n: 3}\n"
        "layers:\n  - {name: c, type: conv2d, filters: 2, kernel: 5}\n"
        "expect:\n  total: {macs: 1}\n"
    )
    status, out, err = run(["check", str(spec), str(SPECS / "lenet5.yaml")], capsys)
    assert (status, err) == (
        EXIT_BAD_INPUT,
        f"error: {spec}:2: field 'values': n=3 breaks layer 'c', field 'kernel': it requires "
        "n ≥ 5, and 3 ≥ 5 is false\n",
    )
    assert out.endswith("lenet5.yaml: all 21 expected numbers match\n")  # the next spec is checked


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--batch", "32"], "--batch goes with --training, --memory or --roofline"),
        (["--dtype", "fp16", "--training"], "--dtype goes with --memory or --roofline"),
        (["--training", "--receptive-field"],
         "--roofline, --training, --memory and --receptive-field go one at a time"),
        (["--receptive-field", "-f", "csv"],
         "--receptive-field goes with --format table or json, without --depth or --formulas"),
    ],
)  # fmt: skip
def test_options_of_another_metric_are_not_ignored(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([NUMERIC, *options], capsys) == (EXIT_BAD_INPUT, "", f"error: {message}\n")
