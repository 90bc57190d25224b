"""``explain``'s derivations of the receptive field, the training FLOPs and a connection
table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnncalc
import cnncalc.spec
from cnncalc.analysis import Report
from cnncalc.cli import main
from cnncalc.errors import SpecError
from cnncalc.receptive_field import receptive_fields
from cnncalc.render.derivations import explain
from cnncalc.step_derivations import field_derivation, table_derivation, training_derivation
from cnncalc.symbolic import symbol
from cnncalc.training import training_flops
from tests.conftest import NUMERIC_SPECS, SPECS
from tests.test_torch_differential import networks, networks_1d_3d


def test_alexnet_conv5_sees_163_positions_with_a_jump_of_16() -> None:
    report = cnncalc.analyze(SPECS / "alexnet.yaml")
    derived = field_derivation(report, report.layer("conv5"))
    (axes,) = derived.axes  # h and w alike
    assert axes.axes == ("h", "w")
    size, jump, start = axes.quantities
    # conv4's field, 131 with a jump of 16 from −48, through a 3×3 window padded by 1.
    assert [str(v) for v in axes.values.values()] == ["131", "16", "-48", "3", "1", "1", "1"]
    assert (size.substituted(), size.result) == ("131 + (3 − 1)·16", 163)
    assert (jump.result, start.substituted(), start.result) == (16, "−48 − 16", -64)


def test_the_last_pooling_doubles_the_jump() -> None:
    report = cnncalc.analyze(SPECS / "alexnet.yaml")
    size, jump, _ = field_derivation(report, report.layer("pool3")).axes[0].quantities
    assert (size.substituted(), size.result, jump.substituted(), jump.result) == (
        "163 + (3 − 1)·16", 195, "16·2", 32,
    )  # fmt: skip


def test_lenet5_c1_s_training_flops() -> None:
    # C1: 117,600 multiply-accumulates; it reads the image, which needs no gradient.
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    derived = training_derivation(report, report.layer("C1"))
    assert derived.values == {sympy.Symbol("MACs", integer=True): 117_600}
    terms = [(t.derivation.general(), t.derivation.result) for t in derived.terms]
    assert terms == [
        ("2·MACs", 235_200), ("0", 0), ("2·MACs", 235_200), ("4·MACs", 470_400),
    ]  # fmt: skip
    assert derived.terms[1].why == "none: its input is the network's, which needs no gradient"


def test_a_frozen_layer_s_weights_need_no_gradient() -> None:
    report = cnncalc.analyze(SPECS / "lenet5.yaml").frozen("C1")
    c1, s2 = (training_derivation(report, report.layer(n)) for n in ("C1", "S2"))
    assert (c1.terms[2].derivation.result, c1.terms[3].derivation.result) == (0, 235_200)
    assert c1.terms[2].why == "none: the layer is frozen (trainable: false, or --freeze)"
    assert s2.terms[1].why.startswith("none: its input needs no gradient (no layer before it")


def _every_layer(report: Report) -> list[str]:
    return [layer.name for layer in report.layers]


@pytest.mark.parametrize("path", NUMERIC_SPECS, ids=lambda p: p.name)
def test_the_derivations_give_the_reports_numbers(path: Path) -> None:
    _agrees(cnncalc.analyze(path))


def test_a_merge_a_padding_and_attention() -> None:
    spec = cnncalc.spec.parse_spec({"input": [4, 9, 9], "layers": [
        {"name": "pad", "type": "zeropad2d", "padding": 2},
        {"name": "a", "type": "conv2d", "filters": 4, "kernel": 3, "input": "input"},
        {"name": "b", "type": "conv2d", "filters": 4, "kernel": 5, "padding": 1, "input": "input"},
        {"name": "sum", "type": "add", "inputs": ["a", "b"]},
        {"name": "tokens", "type": "reshape", "shape": [4, 49]},
        {"name": "t", "type": "transpose", "dims": [0, 1]},
        {"name": "attn", "type": "attention", "heads": 2},
    ]})  # fmt: skip
    report = cnncalc.analyze(spec)
    pad = field_derivation(report, report.layer("pad"))
    assert pad.rule == "zero padding p before: the same field, its start p jumps earlier"
    assert [q.result for q in pad.axes[0].quantities] == [1, 1, -2]
    merged = field_derivation(report, report.layer("sum"))
    assert merged.rule == "the union of its inputs' fields: from the first start to the last end"
    # a: 3 from 0; b: 5 from −1: together 5 from −1.
    assert [(axis.size, axis.jump, axis.start) for axis in merged.field.axes] == [(5, 1, -1)] * 2
    attn = training_derivation(report, report.layer("attn"))
    # 49 tokens of 4: projections 4·(4·4)·49 multiply-accumulates, products 2·49·49·4.
    assert [str(s) for s in attn.values] == ["MACs_w", "MACs_p"]
    assert list(attn.values.values()) == [4 * 16 * 49, 2 * 49 * 49 * 4]
    assert attn.terms[1].derivation.general() == "2·MACs_w + 4·MACs_p"


def test_explain_derives_them_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SPECS / "alexnet.yaml")
    assert main(["explain", path, "conv5"]) == 0
    plain = capsys.readouterr().out
    assert "receptive field" not in plain and "training FLOPs" not in plain
    assert main(["explain", path, "conv5", "--receptive-field", "--training"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(plain.rsplit("\n\n", 1)[0])  # the counts as before, then these
    # Laid out as the counts above: titles in 22 columns ("non-trainable params" and 2).
    assert (
        f"\n{'size':<22}r_in + (k − 1)·j_in·d\n{'= 131 + (3 − 1)·16':>38}\n{'= 163':>25}\n"
    ) in text
    assert f"\n{'field':<22}163×163, jump 16×16, start −64, −64\n" in text
    assert f"\n{'step':<22}6·MACs\n{'':20}= 6·149520384\n{'':20}= 897,122,304\n" in text
    assert main(["explain", path, "conv5", "--receptive-field", "--training", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    field = data["receptive_field"]
    assert (field["size"], field["jump"], field["start"]) == ([163] * 2, [16] * 2, [-64] * 2)
    assert data["training"]["terms"]["total"]["value"] == 6 * 149_520_384


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "csv", "html"])
def test_every_format_shows_them(fmt: str) -> None:
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    text = explain(report, "C1", fmt, receptive_field=True, training=True)
    assert "470400" in text.replace(",", "")  # the step's FLOPs
    assert "r_in" in text.replace("r_{in}", "r_in")


def test_explain_freeze(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SPECS / "lenet5.yaml")
    assert main(["explain", path, "C3", "--training", "--freeze", "S2"]) == 0
    text = capsys.readouterr().out
    assert f"\n{'backward: input':<22}0\n" in text
    assert main(["explain", path, "C3", "--freeze", "S22"]) == 2
    assert capsys.readouterr().err.startswith(
        f"error: {path}: --freeze: no layer named 'S22' (did you mean 'S2'?)"
    )


def test_a_symbolic_spec_s_training_flops_are_formulas() -> None:
    report = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml")
    derived = training_derivation(report, report.layer("conv5"))
    step = training_flops(report)["conv5"]
    assert sympy.simplify(derived.terms[3].derivation.result - step.total) == 0
    assert report.subs({"n": 227}).layer("conv5").macs == 149_520_384
    at_227 = sympy.sympify(derived.terms[3].derivation.result).subs(symbol("n"), 227)
    assert at_227 == 6 * 149_520_384


def _agrees(report: Report) -> None:
    """Every layer's derivations give the report's numbers, and every format renders them."""
    fields, steps = receptive_fields(report), training_flops(report)
    for layer in report.layers:
        field = field_derivation(report, layer)
        assert field.field == fields[layer.name]
        for axis in field.axes:
            for quantity in axis.quantities:
                assert sympy.sympify(quantity.formula).xreplace(axis.values) == quantity.result
        training = training_derivation(report, layer)
        results = [term.derivation.result for term in training.terms]
        step = steps[layer.name]
        assert results == ([step.forward, step.input_grad, step.weight_grad, step.total]
                           if training.terms else [])  # fmt: skip
    last = report.layers[-1].name
    for fmt in ("table", "json", "markdown", "csv", "html"):
        assert explain(report, last, fmt, receptive_field=True, training=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(networks(), networks_1d_3d()), st.data())
def test_generated_networks_derive_the_reports_numbers(
    spec: dict[str, Any], data: st.DataObject
) -> None:
    try:
        report = cnncalc.analyze(cnncalc.spec.parse_spec(spec))
    except SpecError:
        return
    freeze = data.draw(st.sampled_from([None, *_every_layer(report)]))
    _agrees(report if freeze is None else report.frozen(freeze))


def test_what_the_recurrence_does_not_cover_is_said_in_words() -> None:
    spec = cnncalc.spec.parse_spec({"input": [2, 8, 8], "layers": [
        {"name": "relu", "type": "relu"},
        {"name": "up", "type": "upsample", "scale": 2},
        {"name": "after", "type": "conv2d", "filters": 2, "kernel": 3},
        {"name": "side", "type": "concat", "axis": 1, "inputs": ["relu", "relu"]},
        {"name": "late", "type": "conv2d", "filters": 2, "kernel": 3},
        {"name": "pool", "type": "global_avgpool", "input": "relu"},
        {"name": "fc", "type": "dense", "units": 3},
    ]})  # fmt: skip
    report = cnncalc.analyze(spec)
    rules = {layer.name: field_derivation(report, layer).rule for layer in report.layers}
    repeats = "; the field repeats every 2×2 outputs (mean jump 1/2×1/2), its largest and output "
    assert rules == {
        "relu": "each output position reads the same position of its input: its input's field",
        "up": "a nearest resize by a/b = 2×2 outputs per input: output i reads input ⌊i·b/a⌋"
        + repeats
        + "0's given",
        "after": "each output's field is the hull of the fields of the inputs it reads"
        + repeats
        + "0's given",
        "side": "not derived: side: a concatenation along a spatial axis",
        "late": "not derived: side: a concatenation along a spatial axis",
        "pool": "the global_avgpool layer combines every position of its input: the whole input",
        "fc": "its input already sees the whole input",
    }
    assert training_derivation(report, report.layer("relu")).why == (
        "FlopCounterMode counts no FLOPs for a relu layer, forward or backward (only "
        "convolutions, linear layers and matrix products)"
    )


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "html", "json"])
def test_a_hostile_name_in_a_field_s_reason_is_shown_not_obeyed(fmt: str) -> None:
    spec = cnncalc.spec.parse_spec({"input": [2, 8, 8], "layers": [
        {"name": "up\x1b[31m", "type": "concat", "axis": 1, "inputs": ["input", "input"]},
        {"name": "c", "type": "conv2d", "filters": 2, "kernel": 3},
    ]})  # fmt: skip
    text = explain(cnncalc.analyze(spec), "c", fmt, receptive_field=True, training=True)
    assert "\x1b" not in text
    if fmt == "json":
        assert json.loads(text)["receptive_field"]["rule"].startswith("not derived: up\x1b[31m")


def test_a_window_that_undoes_an_upsampling_says_so() -> None:
    spec = cnncalc.spec.parse_spec({"input": [2, 8, 8], "layers": [
        {"name": "up", "type": "upsample", "scale": 2},
        {"name": "down", "type": "conv2d", "filters": 2, "kernel": 2, "stride": 2},
    ]})  # fmt: skip
    report = cnncalc.analyze(spec)
    derivation = field_derivation(report, report.layer("down"))
    assert derivation.rule == (
        "each output's field is the hull of the fields of the inputs it reads; the field moves "
        "by a whole jump per output again"
    )
    assert explain(report, "down", "table", receptive_field=True).count("1×1, jump 1×1, start 0, 0")


def test_explain_gives_a_transposed_convolution_s_repeating_field() -> None:
    spec = cnncalc.spec.parse_spec({"input": [2, 8, 8], "layers": [
        {"name": "t", "type": "conv_transpose2d", "filters": 2, "kernel": 4, "stride": 2,
         "padding": 1},
    ]})  # fmt: skip
    report = cnncalc.analyze(spec)
    assert field_derivation(report, report.layer("t")).rule == (
        "a transposed convolution: output i reads the inputs j with i = j·s − p + t·d, t < k; "
        "the field repeats every 2×2 outputs (mean jump 1/2×1/2), its largest and output 0's "
        "given"
    )
    text = explain(report, "t", "table", receptive_field=True)
    assert "up to 2×2, mean jump 1/2×1/2, start −1, −1, repeating every 2×2 outputs" in text
    data = json.loads(explain(report, "t", "json", receptive_field=True))["receptive_field"]
    assert (data["size"], data["jump"], data["start"], data["period"], data["advance"]) == (
        [2, 2], ["1/2", "1/2"], [-1, -1], [2, 2], [1, 1],
    )  # fmt: skip


# -- connection tables ---------------------------------------------------------------------


def test_the_table_s_counts_are_the_rule_s_and_the_paper_s() -> None:
    """LeCun et al. 1998, §II.B: "Layer C3 has 1,516 trainable parameters and 151,600
    connections" — from the table alone, and from the convolution rule."""
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    layer = report.layer("C3")
    table = table_derivation(layer)
    assert table is not None
    assert table.params.result == layer.trainable_params == 1516
    assert table.connections.result == layer.connections == 151_600
    assert table.inputs == (3,) * 6 + (4,) * 9 + (6,)
    assert (table.source, table.input_maps) == ("S2", 6)
    assert table_derivation(report.layer("C1")) is None  # a full convolution has no table


def test_a_symbolic_table_derives_formulas() -> None:
    report = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
    table = table_derivation(report.layer("C3"))
    assert table is not None
    assert table.params.substituted() == "6·(3·k·k + 1) + 9·(4·k·k + 1) + (6·k·k + 1)"
    assert table.params.result == sympy.expand(report.layer("C3").trainable_params)
    assert str(table.params.result) == "60*k**2 + 16"


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 5),
    st.lists(st.sets(st.integers(0, 4), min_size=1), min_size=1, max_size=6),
    st.integers(1, 3),
    st.booleans(),
)
def test_a_table_s_counts_are_the_rule_s(
    channels: int, rows: list[set[int]], kernel: int, bias: bool
) -> None:
    """Σ_j (n_j·k_h·k_w + 1), and as many connections per output position: worked out from
    the table, the numbers the convolution rule gives, for any table."""
    reads = [sorted({i % channels for i in row}) for row in rows]
    spec = {"input": [channels, 5, 5], "layers": [
        {"name": "c", "type": "conv2d", "filters": len(reads), "kernel": kernel, "bias": bias,
         "connections": reads},
    ]}  # fmt: skip
    layer = cnncalc.analyze(spec).layer("c")
    table = table_derivation(layer)
    assert table is not None
    assert table.params.result == layer.trainable_params
    assert table.connections.result == layer.connections
    assert table.params.result == sum(len(row) * kernel * kernel + bias for row in reads)
