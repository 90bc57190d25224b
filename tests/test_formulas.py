"""General formulas and derivations: cnncalc.formula, layer.formula, explain, --formulas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sympy

import cnncalc
from cnncalc.cli import main
from cnncalc.formulas import formula
from cnncalc.render import derivations
from cnncalc.render.derivations import formulas
from cnncalc.symbolic import symbol
from tests.conftest import SPECS

NAMES = ["c_in", "c_out", "g", "k_h", "k_w", "h_out", "w_out", "n_in", "n_out"]
S = {name: symbol(name) for name in NAMES}


@pytest.mark.parametrize(
    ("layer_type", "metric", "expected"),
    [
        # 《卷积神经网络CNN与LeNet5详解》's 计算公式, in cnncalc's names:
        # (a·k·k+1)·b, (a·k·k+1)·b·m·m.
        ("conv2d", "trainable_params", S["c_out"] * (S["c_in"] * S["k_h"] * S["k_w"] / S["g"] + 1)),
        ("conv2d", "connections",
         S["c_out"] * S["h_out"] * S["w_out"] * (S["c_in"] * S["k_h"] * S["k_w"] / S["g"] + 1)),
        ("subsampling", "trainable_params", 2 * S["c_in"]),
        ("maxpool2d", "flops", (S["k_h"] * S["k_w"] + 1) * S["c_in"] * S["h_out"] * S["w_out"]),
        ("dense", "trainable_params", (S["n_in"] + 1) * S["n_out"]),
        ("rbf", "non_trainable_params", S["n_in"] * S["n_out"]),
        ("batchnorm", "non_trainable_params", 2 * S["c_in"]),
    ],
)  # fmt: skip
def test_formula_of_a_layer_type(layer_type: str, metric: str, expected: sympy.Expr) -> None:
    assert sympy.simplify(formula(layer_type, metric) - expected) == 0


def test_formula_under_another_convention() -> None:
    macs = S["c_in"] * S["k_h"] * S["k_w"] * S["c_out"] * S["h_out"] * S["w_out"] / S["g"]
    assert sympy.simplify(cnncalc.formula("conv2d", "flops", "flops") - 2 * macs) == 0


def test_layer_formula_and_totals_formula() -> None:
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    c3 = report.layer("C3").formula("connections")
    assert c3.xreplace({S["k_h"]: 5, S["k_w"]: 5, S["h_out"]: 10, S["w_out"]: 10}) == 151_600
    symbolic = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
    total = symbolic.totals.formula("trainable_params")
    assert total.xreplace({symbol("n"): 32, symbol("k"): 5}) == 60_000


def test_explain_json_has_latex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(SPECS / "lenet5.yaml"), "S2", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    connections = data["quantities"]["connections"]
    assert connections["text"] == "(k_h·k_w + 1)·c_in·h_out·w_out"
    assert connections["substituted"] == "(2·2 + 1)·6·14·14"
    assert connections["value"] == 5880
    assert connections["latex"].startswith(r"\left(k_{h} \cdot k_{w} + 1\right)")


def test_explain_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(SPECS / "lenet5.yaml"), "C1", "-f", "markdown"]) == 0
    out = capsys.readouterr().out
    assert r"| trainable params | $\left(\frac{c_{in} \cdot k_{h} \cdot k_{w}}{g} + 1\right)" in out
    assert r"= \left(5 \cdot 5 + 1\right) \cdot 6 = 156$ | 156 |" in out


def test_explain_csv_is_one_row_per_quantity(capsys: pytest.CaptureFixture[str]) -> None:
    import csv

    assert main(["explain", str(SPECS / "lenet5.yaml"), "C3", "-f", "csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    by_quantity = {row["quantity"]: row for row in rows}
    # The paper's C3: 1,516 trainable parameters and 151,600 connections (§II.B).
    assert by_quantity["trainable_params"]["value"] == str(
        6 * (3 * 25 + 1) + 9 * (4 * 25 + 1) + (6 * 25 + 1)
    )
    assert by_quantity["connections"]["value"] == "151600"
    assert by_quantity["macs"]["formula"] == "60*h_out*k_h*k_w*w_out"
    assert {row["layer"] for row in rows} == {"C3"} and len(rows) == 8


def test_explain_unknown_layer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(SPECS / "lenet5.yaml"), "C4"]) == 2
    assert "no layer named 'C4' (did you mean 'S4'?)" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_formulas_view(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SPECS / "lenet5.yaml"), "--formulas", "-f", fmt]) == 0
    out = capsys.readouterr().out
    assert "122,304" in out or "122304" in out
    assert "c_in" in out or "c_{in}" in out


def test_subs_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SPECS / "lenet5-symbolic.yaml"), "--subs", "n=32,k=5", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["trainable_params"] == 60_000
    assert data["totals"]["connections"] == 340_908
    assert main([str(SPECS / "lenet5-symbolic.yaml"), "--subs", "n=twenty"]) == 2
    assert "--subs expects name=value pairs" in capsys.readouterr().err


def test_explain_a_symbolic_layer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(SPECS / "lenet5-symbolic.yaml"), "C1", "--symbolic"]) == 0
    out = capsys.readouterr().out
    assert "h_out, w_out          ⌊(h_in + 2·p_h − (k_h − 1)·d_h − 1)/s_h⌋ + 1" in out
    assert "                    = n − (k − 1) − 1 + 1\n                    = n − k + 1" in out


def test_explain_a_symbolic_layer_at_its_values(capsys: pytest.CaptureFixture[str]) -> None:
    # The spec's values (n = 32, k = 5) are defaults: the derivation is lenet5.yaml's.
    assert main(["explain", str(SPECS / "lenet5-symbolic.yaml"), "C1"]) == 0
    at_values = capsys.readouterr().out
    assert main(["explain", str(SPECS / "lenet5.yaml"), "C1"]) == 0
    assert at_values == capsys.readouterr().out
    assert "                    = 32 − (5 − 1) − 1 + 1\n                    = 28" in at_values


def test_formulas_of_a_long_chain_derive_each_structure_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every layer's numbers come from its own rule, but its general formulas depend only
    # on its structure: 300 layers of two structures run the rule on symbols twice.
    import cnncalc.formulas as module

    module._general.cache_clear()
    symbolic: list[bool] = []
    original = cnncalc.rules.apply_rule

    def counting(node: object, shapes: tuple[tuple[object, ...], ...]) -> object:
        symbolic.append(any(isinstance(size, sympy.Symbol) for shape in shapes for size in shape))
        return original(node, shapes)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "apply_rule", counting)
    conv = {"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1}
    report = cnncalc.analyze({"input": [4, 8, 8], "layers": [conv, {"type": "relu"}] * 150})
    text = formulas(report, "csv")
    assert symbolic.count(True) == 2
    assert symbolic.count(False) == 300
    assert text.count("conv2d_150,trainable_params,c_out*(c_in*k_h*k_w/g + 1),148,") == 1


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_plain_formulas_table_is_what_rich_draws(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = cnncalc.analyze(path)
    drawn: list[str | None] = []
    original = derivations.draw_sections

    def spy(*args: Any, **kwargs: Any) -> str | None:
        drawn.append(original(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(derivations, "draw_sections", spy)
    plain = formulas(report, "table")
    assert drawn[0] is not None  # drawn without rich (wide formulas wrapped as rich wraps them)
    monkeypatch.setattr(derivations, "draw_sections", lambda *args, **kwargs: None)
    assert plain == formulas(report, "table")  # what rich draws


def test_formulas_json_is_written_layer_by_layer_as_one_document() -> None:
    # Serialised a layer at a time (a 100,000-layer report as Python data took ten times the
    # memory of its text), the document is still exactly json.dumps of the whole.
    report = cnncalc.analyze(SPECS / "resnet18.yaml")
    text = formulas(report, "json")
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert [layer["name"] for layer in data["layers"]] == [layer.name for layer in report.layers]
    assert data["layers"][0]["formulas"]["trainable_params"]["value"] == 7 * 7 * 3 * 64


@pytest.mark.parametrize(
    ("spec", "layer", "shown"),
    [
        # 《经典网络(四)AlexNet全解析》: the 6×6×256 maps flattened to 9,216 inputs of fc1.
        ("alexnet.yaml", "flatten", "= 256·6·6 = 9,216"),
        # 《第五章 深度学习用于计算机视觉(一)》: the 3×3×64 maps flattened to 576.
        ("keras-mnist.yaml", "flatten_1", "= 64·3·3 = 576"),
    ],
)
def test_explain_derives_a_flatten_s_size(
    spec: str, layer: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", str(SPECS / spec), layer, "-f", "json"]) == 0
    derived = json.loads(capsys.readouterr().out)
    n_out = derived["quantities"]["n_out"]
    assert f"= {n_out['substituted']} = {n_out['value']:,}" == shown
