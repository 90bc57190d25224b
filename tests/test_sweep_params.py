"""Sweeps, tables and comparisons over a network's params (a depth ``repeat:`` reads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cnncalc
from cnncalc.api import analyze_at_values, load
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.grid import parse_grid
from cnncalc.sweep import sweep_params
from tests.conftest import ROOT

# torchvision 0.29's ResNets (weights=None), measured with torch's FlopCounterMode:
# what the library's variants also expect (bench/zoo_torchvision_reference.json).
REFERENCE = json.loads((ROOT / "bench" / "zoo_torchvision_reference.json").read_text())


def build(model: str):  # type: ignore[no-untyped-def]
    return lambda params: cnncalc.analyze(load(model, params))


@pytest.mark.parametrize(
    ("model", "grid", "torchvision"),
    [
        ("resnet18", "blocks1=3; blocks2=4; blocks3=6; blocks4=3", "resnet34"),
        ("resnet50", "blocks3=23", "resnet101"),
        ("resnet50", "blocks2=8; blocks3=36", "resnet152"),
    ],
)
def test_a_depth_grid_gives_the_deeper_networks(model: str, grid: str, torchvision: str) -> None:
    result = sweep_params(
        build(model), parse_grid(grid), load(model).params, metrics=("params", "flops")
    )
    ((_point, (params, flops)),) = result.rows()
    measured = REFERENCE[torchvision]
    assert (params, flops) == (measured["params"], measured["flop_counter"])


def test_the_points_come_in_grid_order_with_the_params_anywhere(tmp_path: Path) -> None:
    spec = tmp_path / "deep.yaml"
    spec.write_text(
        "name: deep\n"
        "input: [3, n, n]\n"
        "params: {depth: 1}\n"
        "blocks:\n"
        "  conv: {params: {}, layers: [{name: c, type: conv2d, filters: 8, kernel: 3, "
        "padding: same}]}\n"
        "layers:\n"
        "  - {name: stem, type: conv2d, filters: 8, kernel: 3}\n"
        "  - {name: body, block: conv, repeat: depth}\n"
        "expect:\n"
        "  body.0.c: {params: 584}\n",  # the spec's numbers: left out at other depths
        encoding="utf-8",
    )
    axes = parse_grid("n=3,8:12:2; depth=1,3")  # the param second: merged in grid order
    result = sweep_params(
        lambda params: cnncalc.analyze(load(str(spec), params)),
        axes, {"depth"}, metrics=("params", "macs"), where="total.macs < 60000",
    )  # fmt: skip
    rows = list(result.rows())
    assert [point for point, _values in rows] == [(3, 1), (3, 3), (8, 1), (10, 1)]
    for (n, depth), values in rows:
        report = analyze_at_values(str(spec), overrides={"n": n, "depth": depth})
        assert values == (report.totals.params, report.totals.macs)
    # stem 3·3·3·8 + 8 = 224, each body conv 3·3·8·8 + 8 = 584; at n = 3 the stem's output
    # is 1×1: 216 + 576·depth MACs.
    assert rows[1][1] == (224 + 3 * 584, 216 + 3 * 576)
    assert (result.points, result.invalid, result.filtered) == (8, 0, 4)


def test_a_param_takes_whole_numbers_and_an_unknown_name_lists_the_params() -> None:
    params = load("resnet18").params
    with pytest.raises(CnncalcError, match=r"^blocks1 is one of the network's params .* got 1/2$"):
        sweep_params(build("resnet18"), parse_grid("blocks1=1/2"), params)
    with pytest.raises(CnncalcError, match=r"got 0$"):
        sweep_params(build("resnet18"), parse_grid("blocks1=0:2"), params)
    with pytest.raises(CnncalcError) as error:
        sweep_params(build("resnet18"), parse_grid("blocks9=1:3"), params)
    assert str(error.value) == (
        "no size symbol or param named blocks9 (symbols: none; params: blocks1, blocks2, "
        "blocks3, blocks4, projection, zeros)"
    )


def test_subs_and_compare_take_a_param(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resnet50", "--subs", "blocks3=23", "-f", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["name"] == "ResNet-50 (torchvision) (blocks3=23)"
    assert report["totals"]["params"] == REFERENCE["resnet101"]["params"]
    assert main(["compare", "resnet50", "--subs", "blocks3=6", "--subs", "blocks3=23",
                 "-f", "json"]) == 0  # fmt: skip
    compared = json.loads(capsys.readouterr().out)
    totals = [variant["params"] for variant in compared["totals"]["variants"]]
    assert totals == [REFERENCE["resnet50"]["params"], REFERENCE["resnet101"]["params"]]
    assert main(["resnet50", "--subs", "blocks3=3/2"]) == 2
    assert capsys.readouterr().err == (
        "error: blocks3 is one of the network's params (a depth, a count): its values are "
        "positive whole numbers, got 3/2\n"
    )


def test_the_sweep_command_over_a_depth(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "resnet50", "--grid", "blocks3=6,23", "-f", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "blocks3,params,macs,flops,convention",
        f"6,25557032,4089184256,{REFERENCE['resnet50']['flop_counter']},flops",
        f"23,44549160,7801405440,{REFERENCE['resnet101']['flop_counter']},flops",
    ]
