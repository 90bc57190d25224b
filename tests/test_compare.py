"""``cnncalc compare``: the data (:mod:`cnncalc.compare`) and the command line's arguments."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import cnncalc
from cnncalc.analysis import METRICS
from cnncalc.api import analyze_at_values
from cnncalc.cli import main
from cnncalc.compare import (
    Comparison,
    Variant,
    compare,
    parse_metrics,
    ratio_text,
    variant_names,
)
from cnncalc.errors import CnncalcError
from tests.conftest import SPECS

LENET = str(SPECS / "lenet5.yaml")
FULL_C3 = str(SPECS / "lenet5-full-c3.yaml")
SYMBOLIC = str(SPECS / "lenet5-symbolic.yaml")


def variant(path: str, name: str | None = None, **values: int) -> Variant:
    report = analyze_at_values(path, overrides=values or None)
    return Variant(name or Path(path).stem, path, report)


def row(comparison: Comparison, name: str) -> Any:
    return next(r for r in comparison.rows if r.name == name)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# -- the documents' numbers ----------------------------------------------------------------


def test_lenet5_against_its_fully_connected_c3() -> None:
    # C3 as the paper connects it (Table I) and fully connected: 1,516 and 2,416 trainable
    # parameters, 151,600 and 241,600 connections (《卷积神经网络CNN与LeNet5详解》).
    comparison = compare([variant(LENET), variant(FULL_C3)], ["trainable_params", "connections"])
    base, full = row(comparison, "C3").cells
    assert [cell.value for cell in base] == [1_516, 151_600]
    assert [cell.delta for cell in base] == [None, None]
    assert [cell.value for cell in full] == [2_416, 241_600]
    assert [cell.delta for cell in full] == [900, 90_000]
    assert [cell.ratio for cell in full] == [Fraction(2_416, 1_516), Fraction(241_600, 151_600)]
    assert full[0].ratio == Fraction(604, 379)
    assert ratio_text(Fraction(604, 379)) == "1.594"
    # Every other layer is the same in both: Δ 0, × 1 (S2's 12 parameters too).
    same = [r for r in comparison.rows if r.name in ("C1", "S2", "S4", "C5", "F6")]
    assert all(c.delta == 0 and c.ratio == 1 for r in same for c in r.cells[1] or ())
    totals = comparison.totals.cells
    assert [c.value for c in totals[0] or ()] == [60_000, 340_908]
    assert [c.value for c in totals[1] or ()] == [60_900, 430_908]


def test_resnet18_against_resnet50_totals_are_their_expect_numbers() -> None:
    r18, r50 = variant(str(SPECS / "resnet18.yaml")), variant(str(SPECS / "resnet50.yaml"))
    comparison = compare([r18, r50], ["params", "macs"])
    small, large = comparison.totals.cells
    assert small is not None and large is not None
    # The shipped specs' expect blocks (torchvision's parameter counts, FlopCounterMode's MACs).
    assert (small[0].value, small[1].value) == (11_689_512, 1_814_073_344)
    assert large[0].value == 25_557_032
    for path, cells in (("resnet18.yaml", small), ("resnet50.yaml", large)):
        assert cells[0].value == cnncalc.load(SPECS / path).expect["total"].params
    assert small[1].value == cnncalc.load(SPECS / "resnet18.yaml").expect["total"].macs
    assert large[0].delta == 25_557_032 - 11_689_512 == 13_867_520
    assert large[0].ratio == Fraction(25_557_032, 11_689_512)
    assert ratio_text(large[0].ratio) == "2.186"


def test_a_symbolic_spec_at_two_values_is_the_numeric_report_at_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["compare", SYMBOLIC, "--subs", "n=32", "--subs", "n=64", "-f", "json"]
    argv += ["--metrics", ",".join(METRICS)]
    status, out, err = run(argv, capsys)
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert [v["name"] for v in data["variants"]] == ["n=32", "n=64"]
    assert [v["values"] for v in data["variants"]] == [{"n": 32, "k": 5}, {"n": 64, "k": 5}]
    for index, n in enumerate((32, 64)):
        numeric = analyze_at_values(SYMBOLIC, overrides={"n": n})
        for layer, layer_data in zip(numeric.layers, data["layers"], strict=True):
            assert layer_data["name"] == layer.name
            column = layer_data["variants"][index]
            assert {m: column[m] for m in METRICS} == {m: layer.metric(m) for m in METRICS}
        totals = data["totals"]["variants"][index]
        assert {m: totals[m] for m in METRICS} == {m: numeric.totals.metric(m) for m in METRICS}
    # At n = 32 it is lenet5.yaml; at 64, C1 has 6×60×60 outputs of 5·5 + 1 connections.
    lenet = cnncalc.analyze(LENET)
    assert data["totals"]["variants"][0]["connections"] == lenet.totals.connections == 340_908
    c1 = data["layers"][0]["variants"][1]
    assert c1["connections"] == 26 * 6 * 60 * 60 == 561_600
    assert c1["delta"]["connections"] == 561_600 - 122_304
    assert c1["ratio"]["connections"] == "225/49"  # (60/28)²


# -- rows ------------------------------------------------------------------------------------


def _spec(tmp_path: Path, name: str, layers: list[str]) -> str:
    path = tmp_path / f"{name}.yaml"
    lines = [f"  - {{name: {layer}, type: dense, units: 4}}" for layer in layers]
    path.write_text("input: [4]\nlayers:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_rows_are_matched_by_name_in_the_first_variant_s_order(tmp_path: Path) -> None:
    first = _spec(tmp_path, "a", ["x", "y", "z"])
    second = _spec(tmp_path, "b", ["w", "x", "new1", "new2", "z"])
    comparison = compare([variant(first), variant(second)], ["params"])
    # A row only the second has follows the row it follows there (new1, new2 after x).
    assert [r.name for r in comparison.rows] == ["w", "x", "new1", "new2", "y", "z"]
    cells = {r.name: r.cells for r in comparison.rows}
    assert cells["y"][1] is None  # only the first has y
    w, x = cells["w"][1], cells["x"][1]
    assert cells["w"][0] is None and w is not None and x is not None
    # w has no base: its count, without a difference or a ratio.
    assert w[0].value == 20 and w[0].delta is None
    assert x[0].delta == 0 and x[0].ratio == 1


def test_depth_folds_every_variant_as_the_report_folds() -> None:
    r18, r50 = variant(str(SPECS / "resnet18.yaml")), variant(str(SPECS / "resnet50.yaml"))
    comparison = compare([r18, r50], ["params", "macs"], depth=1)
    names = [r.name for r in comparison.rows]
    assert names == [
        "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
        "avgpool", "flatten", "fc",
    ]  # fmt: skip
    layer3 = row(comparison, "layer3").cells
    folded = [v.report.folded(1).layer("layer3") for v in (r18, r50)]
    assert [cells[0].value for cells in layer3] == [f.params for f in folded]
    assert [layer3[0][0].value, layer3[1][0].value] == [2_099_712, 7_098_368]


def test_a_ratio_to_zero_is_none_and_differences_are_ints() -> None:
    comparison = compare([variant(LENET), variant(FULL_C3)], ["params"])
    flatten = row(comparison, "FL").cells[1][0]
    assert (flatten.value, flatten.delta, flatten.ratio) == (0, 0, None)
    assert all(
        type(cell.delta) is int
        for r in comparison.rows
        for cells in r.cells[1:]
        for cell in cells or ()
        if cell.delta is not None
    )


def test_a_variant_with_formulas_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "open.yaml"
    path.write_text("input: [1, n, n]\nlayers:\n  - {type: conv2d, filters: 2, kernel: 3}\n")
    open_variant = Variant("open", str(path), cnncalc.analyze(path))
    with pytest.raises(CnncalcError) as caught:
        compare([variant(LENET), open_variant])
    assert str(caught.value) == (
        "'open': compare shows numbers, and n have no value: give them with --subs, or in "
        "the spec's 'values'"
    )


def test_variants_under_two_conventions_are_refused() -> None:
    flops = Variant("flops", LENET, cnncalc.analyze(LENET, "flops"))
    with pytest.raises(CnncalcError, match="'flops' counts FLOPs under 'flops', 'lenet5' under"):
        compare([variant(LENET), flops])


def test_values_may_be_fractions(tmp_path: Path) -> None:
    # The rational values to come (a = 3/4) are carried and written as they are.
    from cnncalc.render.compare_format import to_dict
    from cnncalc.render.json_format import to_dict as report_dict
    from cnncalc.render.text import values_note

    report = replace(cnncalc.analyze(LENET), values=(("a", Fraction(3, 4)), ("n", 224)))
    comparison = compare([Variant("x", LENET, report), variant(LENET)], ["params"])
    assert to_dict(comparison)["variants"][0]["values"] == {"a": "3/4", "n": 224}
    assert report_dict(report)["values"] == {"a": "3/4", "n": 224}
    assert values_note(report) == "At a = 3/4, n = 224."


# -- text of a ratio, metrics, names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        (Fraction(604, 379), "1.594"),
        (Fraction(1, 3), "0.333"),
        (Fraction(2, 3), "0.667"),
        (Fraction(1, 2000), "0.001"),  # half up, exactly: 0.0005
        (Fraction(1, 2001), "0.000"),
        (Fraction(1), "1.000"),
        (Fraction(12_345, 1), "12,345.000"),
        (Fraction(2**600 + 1, 2**600), "1.000"),  # no float: 2**600 overflows none
        (Fraction(10**30 + 1, 1), "1,000,000,000,000,000,000,000,000,000,001.000"),
    ],
)
def test_ratio_text(ratio: Fraction, text: str) -> None:
    assert ratio_text(ratio) == text


def test_parse_metrics() -> None:
    assert parse_metrics("params, macs,params") == ("params", "macs")
    with pytest.raises(CnncalcError) as caught:
        parse_metrics("parms")
    assert str(caught.value) == (
        "--metrics: no metric named 'parms' (did you mean 'params'?); metrics: "
        "trainable_params, non_trainable_params, params, buffers, macs, flops, neurons, "
        "connections"
    )


def test_variant_names() -> None:
    assert variant_names(["specs/lenet5.yaml", "x/lenet5-full-c3.yml"], []) == [
        "lenet5",
        "lenet5-full-c3",
    ]
    assert variant_names(["a/net.yaml", "b/net.yaml"], []) == ["a/net.yaml", "b/net.yaml"]
    assert variant_names(["s.yaml"], ["n=32", "n=64"]) == ["n=32", "n=64"]
    assert variant_names(["a.yaml", "b.yaml"], ["n=1"]) == ["a", "b"]
    assert variant_names(["a.yaml", "b.yaml"], ["n=1", "n=2"]) == [
        "a n=1",
        "a n=2",
        "b n=1",
        "b n=2",
    ]


# -- the command line ------------------------------------------------------------------------


def test_several_specs_at_several_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = tmp_path / "wide.yaml"
    text = Path(SYMBOLIC).read_text(encoding="utf-8").replace("filters: 6,", "filters: 8,")
    other.write_text(text, encoding="utf-8")
    argv = ["compare", SYMBOLIC, str(other), "--subs", "n=32", "--subs", "n=36", "-f", "json"]
    data = json.loads(run(argv, capsys)[1])
    assert [v["name"] for v in data["variants"]] == [
        "lenet5-symbolic n=32",
        "lenet5-symbolic n=36",
        "wide n=32",
        "wide n=36",
    ]
    c1 = [v["params"] for v in data["layers"][0]["variants"]]
    assert c1 == [156, 156, 208, 208]  # (5·5 + 1)·6 and ·8


def test_the_convention_is_the_first_spec_s_unless_chosen(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["compare", LENET, str(SPECS / "lenet5-modern.yaml"), "-f", "json"]
    data = json.loads(run(argv, capsys)[1])
    assert data["convention"] == "connections"
    assert data["totals"]["variants"][0]["flops"] == 340_908
    data = json.loads(run([*argv, "-c", "flops"], capsys)[1])
    assert data["convention"] == "flops"
    # Two per MAC, none for a bias: LeNet-5's 332,824 MACs (with OUT's 840).
    assert data["totals"]["variants"][0]["flops"] == 2 * 332_824


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [LENET],
            "compare needs two variants or more: two specs, or one spec with --subs twice "
            "(--subs n=32 --subs n=64)",
        ),
        (
            [SYMBOLIC, "--subs", "n=32"],
            "compare needs two variants or more: two specs, or one spec with --subs twice "
            "(--subs n=32 --subs n=64)",
        ),
        (
            [LENET, FULL_C3, "--metrics", "macs,nope"],
            "--metrics: no metric named 'nope'; metrics: trainable_params, "
            "non_trainable_params, params, buffers, macs, flops, neurons, connections",
        ),
        (
            [LENET, FULL_C3, "--metrics", ","],
            "--metrics expects metric names, like params,macs; metrics: trainable_params, "
            "non_trainable_params, params, buffers, macs, flops, neurons, connections",
        ),
        (
            [SYMBOLIC, "--subs", "n=32", "--subs", "x=3"],
            "no size symbol named x (symbols: k, n)",
        ),
        (
            [SYMBOLIC, "--subs", "n=32", "--subs", "n=3"],
            "n=3, k=5 breaks layer 'C1', field 'kernel': it requires n ≥ k, and 3 ≥ 5 is false",
        ),
        (
            [SYMBOLIC, "--subs", "n=32", "--subs", "n=thirty"],
            "--subs expects name=value pairs of positive integers or fractions, like n=32,k=5 "
            "or a=3/4; got 'n=thirty'",
        ),
        (
            [LENET, "nope.yaml"],
            "nope.yaml: cannot read the spec: No such file or directory",
        ),
        (
            [LENET, FULL_C3, "--depth", "0"],
            "argument --depth: takes a positive whole number, got '0' (see 'cnncalc compare "
            "--help')",
        ),
        (
            [LENET, FULL_C3, "-f", "xml"],
            "argument -f/--format: invalid choice: 'xml' (choose from 'table', 'json', "
            "'csv', 'markdown', 'html', 'latex') (see 'cnncalc compare --help')",
        ),
    ],
)
def test_bad_arguments_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["compare", *argv], capsys) == (2, "", f"error: {message}\n")


def test_a_spec_without_values_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "open.yaml"
    path.write_text("input: [1, n, n]\nlayers:\n  - {type: conv2d, filters: 2, kernel: 3}\n")
    assert run(["compare", LENET, str(path)], capsys) == (
        2,
        "",
        "error: 'open': compare shows numbers, and n have no value: give them with --subs, "
        "or in the spec's 'values'\n",
    )


def test_comparing_numeric_specs_imports_neither_rich_nor_sympy() -> None:
    from tests.test_cli import imported_after

    for fmt in ("table", "json", "latex"):
        argv = ["compare", LENET, FULL_C3, "-f", fmt]
        assert imported_after(argv) == {"pydantic", "yaml"}
