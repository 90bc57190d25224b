"""A spec's ``values`` are defaults: the report is numeric at them, ``--subs`` overrides some,
``--symbolic`` gives the formulas (:func:`cnncalc.api.at_values`, and every command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cnncalc
from cnncalc.api import analyze_at_values, at_values
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.render.json_format import to_dict
from tests.conftest import SPECS

LENET = str(SPECS / "lenet5.yaml")
SYMBOLIC = str(SPECS / "lenet5-symbolic.yaml")  # values: {n: 32, k: 5}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def counts(data: dict[str, Any]) -> dict[str, Any]:
    """A JSON report's numbers: each layer's and the totals (not its name or values)."""
    return {"layers": data["layers"], "totals": data["totals"], "output": data["output_shape"]}


def test_the_symbolic_lenet5_at_its_values_is_lenet5(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run([SYMBOLIC, "-f", "json"], capsys)
    at_values_data = json.loads(out)
    assert status == 0
    assert at_values_data["values"] == {"n": 32, "k": 5}
    numeric = json.loads(run([LENET, "-f", "json"], capsys)[1])
    assert "values" not in numeric  # a numeric spec's report is as it was
    assert counts(at_values_data) == counts(numeric)
    # The paper's "340,908 connections, but only 60,000 trainable free parameters".
    assert at_values_data["totals"]["trainable_params"] == 60_000
    assert at_values_data["totals"]["connections"] == 340_908
    assert at_values_data["layers"][2]["trainable_params"] == 1_516  # C3


def test_the_symbolic_alexnet_at_its_values_is_alexnet() -> None:
    symbolic = analyze_at_values(SPECS / "alexnet-symbolic.yaml")
    numeric = cnncalc.analyze(SPECS / "alexnet.yaml")
    assert symbolic.values == (("n", 227),)
    assert symbolic.symbols == frozenset()
    assert counts(to_dict(symbolic)) == counts(to_dict(numeric))
    assert (symbolic.totals.params, symbolic.totals.macs) == (62_378_344, 1_135_256_096)


def test_subs_overrides_one_value_and_the_others_keep_theirs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run([SYMBOLIC, "--subs", "k=3", "-f", "json"], capsys)
    assert status == 0
    data = json.loads(out)
    assert data["values"] == {"n": 32, "k": 3}  # n keeps its default, in the spec's order
    assert data["layers"][0]["output_shape"] == [6, 30, 30]  # C1: 32 − 3 + 1
    assert data["layers"][0]["trainable_params"] == (3 * 3 + 1) * 6
    both = json.loads(run([SYMBOLIC, "--subs", "n=32,k=3", "-f", "json"], capsys)[1])
    assert both == data
    table = run([SYMBOLIC, "--subs", "n=64"], capsys)[1]
    assert "(input 1×64×64)" in table and "At n = 64, k = 5." in table


def test_symbolic_gives_the_formulas_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run([SYMBOLIC, "--symbolic", "-f", "json"], capsys)
    assert status == 0
    data = json.loads(out)
    assert data == to_dict(cnncalc.analyze(SYMBOLIC))  # the analysis, nothing put in
    assert "values" not in data
    assert data["layers"][0]["trainable_params"] == "6*k**2 + 6"  # C1: (1·k·k + 1)·6
    assert data["layers"][0]["output_shape"] == [6, "-k + n + 1", "-k + n + 1"]
    partial = json.loads(run([SYMBOLIC, "--symbolic", "--subs", "k=5", "-f", "json"], capsys)[1])
    assert partial["values"] == {"k": 5}  # only what --subs gives
    assert partial["layers"][0]["output_shape"] == [6, "n - 4", "n - 4"]
    assert partial["layers"][0]["trainable_params"] == 156


def test_the_table_says_at_which_values(capsys: pytest.CaptureFixture[str]) -> None:
    table = run([SYMBOLIC], capsys)[1]
    assert "LeNet-5, symbolic (n×n input, k×k kernels)  (input 1×32×32)" in table
    assert "│ Total │             │           10 │    60,000 │           840 │" in table
    assert "At n = 32, k = 5. FLOPs: 'connections' convention" in table
    chinese = run([SYMBOLIC, "--lang", "zh"], capsys)[1]
    assert "取 n = 32, k = 5。" in chinese
    markdown = run([SYMBOLIC, "-f", "markdown"], capsys)[1]
    assert "\nAt n = 32, k = 5.\n" in markdown
    assert (
        '<p class="cnncalc-values">At n = 32, k = 5.</p>'
        in run([SYMBOLIC, "-f", "html"], capsys)[1]
    )
    assert r"\caption{At n = 32, k = 5. FLOPs" in run([SYMBOLIC, "-f", "latex"], capsys)[1]
    assert "At n" not in run([LENET], capsys)[1]


def test_every_command_takes_the_values(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # explain: lenet5.yaml's derivation; with --symbolic, the formulas'.
    assert run(["explain", SYMBOLIC, "C3"], capsys)[1] == run(["explain", LENET, "C3"], capsys)[1]
    formulas = run(["explain", SYMBOLIC, "C3", "--symbolic"], capsys)[1]
    assert "= 60·k² + 16" in formulas
    # --memory, --training, --receptive-field at the values, as lenet5.yaml's.
    for option in ("--memory", "--training", "--receptive-field"):
        at_values_out = run([SYMBOLIC, option, "-f", "json"], capsys)[1]
        assert (
            json.loads(at_values_out)["layers"]
            == json.loads(run([LENET, option, "-f", "json"], capsys)[1])["layers"]
        )
    # draw: numbers, unless --symbolic (stacks drawn nominal, labelled with formulas).
    assert main(["draw", SYMBOLIC, "-o", str(tmp_path / "n.svg")]) == 0
    assert 'data-shape="6@28×28"' in (tmp_path / "n.svg").read_text()
    assert main(["draw", SYMBOLIC, "--symbolic", "-o", str(tmp_path / "f.svg")]) == 0
    assert 'data-shape="6@(n − k + 1)²"' in (tmp_path / "f.svg").read_text()
    # quiz: at the values (as it always was), --subs over them.
    quiz = ["quiz", SYMBOLIC, "--layers", "C1", "--ask", "output_size", "--seed", "1"]
    assert "input is 1 feature map of 32×32" in run(quiz, capsys)[1]
    assert "input is 1 feature map of 36×36" in run([*quiz, "--subs", "n=36"], capsys)[1]
    # solve: the unknown stays a symbol, the others take the values (unchanged).
    solved = run(["solve", SYMBOLIC, "C1.output_shape[1] == 28", "--for", "n"], capsys)[1]
    assert solved.startswith("C1.output_shape[1] == 28 holds for n = 32.")


def test_a_value_for_a_numeric_spec_is_still_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([LENET, "--subs", "n=32"], capsys) == (
        2,
        "",
        "error: no size symbol named n (symbols: none)\n",
    )
    assert run(["quiz", LENET, "--subs", "n=32"], capsys) == (
        2,
        "",
        "error: no size symbol named n (symbols: none)\n",
    )


def test_the_spec_s_own_values_breaking_a_requirement_are_located(tmp_path: Path) -> None:
    spec = tmp_path / "small.yaml"
    spec.write_text(
        "input: [1, n, n]\nlayers:\n  - {name: c, type: conv2d, filters: 2, kernel: 5}\n"
        "values: {n: 4}\n"
    )
    with pytest.raises(CnncalcError) as caught:
        analyze_at_values(spec)
    assert str(caught.value) == (
        f"{spec}:4: field 'values': n=4 breaks layer 'c', field 'kernel': it requires n ≥ 5, "
        "and 4 ≥ 5 is false"
    )
    # Given on the command line, the values are the user's: no location in the spec.
    with pytest.raises(CnncalcError) as caught:
        analyze_at_values(spec, overrides={"n": 3})
    assert str(caught.value) == (
        "n=3 breaks layer 'c', field 'kernel': it requires n ≥ 5, and 3 ≥ 5 is false"
    )
    symbolic = analyze_at_values(spec, symbolic=True)  # the formulas need no value
    assert symbolic.values == () and symbolic.symbols == frozenset({"n"})


def test_a_symbol_the_analysis_lost_takes_no_default(tmp_path: Path) -> None:
    # n cancels out of every count (n - n + 8): its value is not put in, as check does.
    spec = tmp_path / "lost.yaml"
    spec.write_text(
        "input: [1, 8, 8]\nlayers:\n  - {name: c, type: conv2d, filters: n - n + 8, kernel: 3}\n"
        "values: {n: 5}\n"
    )
    loaded = cnncalc.load(spec)
    report = cnncalc.analyze(loaded)
    assert report.symbols == frozenset()
    assert at_values(loaded, report) is report
    with pytest.raises(CnncalcError, match="no size symbol named n"):
        at_values(loaded, report, {"n": 5})  # named on the command line: an error, as before


def test_a_quiz_on_a_spec_whose_symbols_all_cancel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # padding n**0 is 1 for every n: no symbol is left to take a value (found by the fuzzer).
    spec = tmp_path / "cancel.yaml"
    spec.write_text(
        "input: [3, 224, 224]\nlayers:\n"
        '  - {name: c, type: conv2d, filters: 384, kernel: 3, padding: "n**0"}\n'
    )
    argv = ["quiz", str(spec), "--seed", "1", "--ask", "params", "--layers", "c"]
    status, out, err = run(argv, capsys)
    assert (status, err) == (0, "")
    assert "= 10,752" in out  # (3·3·3 + 1)·384
