"""Rendered reports: golden files for every format, and the JSON contract."""

from __future__ import annotations

import csv
import io
import json

import pytest

import cnncalc
from cnncalc.render import FORMATS, render
from cnncalc.render.json_format import to_dict
from tests.conftest import NUMERIC_SPECS, SPECS, Golden

SUFFIX = {
    "table": "txt", "json": "json", "csv": "csv", "markdown": "md", "html": "html", "latex": "tex",
}  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("spec", ["lenet5", "alexnet", "keras-mnist"])
def test_golden(spec: str, fmt: str, golden: Golden) -> None:
    report = cnncalc.analyze(SPECS / f"{spec}.yaml")
    golden.check(f"{spec}.{SUFFIX[fmt]}", render(report, fmt))


def test_json_contract() -> None:
    data = json.loads(render(cnncalc.analyze(SPECS / "lenet5.yaml"), "json"))
    metrics = {
        "trainable_params", "non_trainable_params", "macs", "flops", "neurons", "connections",
    }  # fmt: skip
    assert {"name", "convention", "layers", "totals"} <= set(data)
    assert data["convention"] == "connections"
    for layer in data["layers"]:
        assert {"name", "type", "output_shape"} | metrics <= set(layer)
        assert all(type(layer[m]) is int for m in metrics)
        assert all(type(d) is int for d in layer["output_shape"])
    assert metrics <= set(data["totals"])
    assert data["totals"]["trainable_params"] == 60_000
    assert data["totals"]["connections"] == 340_908
    assert data["layers"][2] | {"flops_by_convention": None} == {
        "name": "C3", "type": "conv2d", "inputs": ["S2"], "output_shape": [16, 10, 10],
        "trainable_params": 1516, "non_trainable_params": 0, "params": 1516, "buffers": 0,
        "macs": 150_000, "flops": 151_600, "neurons": 1600, "connections": 151_600,
        "flops_by_convention": None,
    }  # fmt: skip


def test_a_formula_that_is_a_number_is_a_json_number() -> None:
    # Found by the long fuzz run: stride "n**0" is 1 whatever n is; the counts it makes
    # were written as strings ("3680") in the JSON report.
    spec = {"input": [2, 100], "layers": [
        {"name": "c1", "type": "conv1d", "filters": 4, "kernel": 5, "stride": "n**0",
         "dilation": 2, "padding": "valid"},
    ]}  # fmt: skip
    layer = json.loads(render(cnncalc.analyze(spec), "json"))["layers"][0]
    # (2·5 + 1)·4 weights and biases at each of 100 − 2·4 = 92 positions: 4,048 connections.
    assert (layer["output_shape"], layer["macs"], layer["connections"]) == ([4, 92], 3680, 4048)


def test_totals_are_the_sums_of_the_layers() -> None:
    for path in NUMERIC_SPECS:
        data = to_dict(cnncalc.analyze(path))
        for metric, total in data["totals"].items():
            if metric == "flops_by_convention":
                for convention, value in total.items():
                    assert value == sum(layer[metric][convention] for layer in data["layers"]), (
                        path.name
                    )
            else:
                assert total == sum(layer[metric] for layer in data["layers"]), path.name


def test_csv_names_the_convention_on_every_row() -> None:
    text = render(cnncalc.analyze(SPECS / "alexnet.yaml", "flops"), "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[-1]["name"] == "total"
    assert int(rows[-1]["flops"]) == 2 * 1_135_256_096
    assert {row["convention"] for row in rows} == {"flops"}


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_human_formats_state_the_convention(fmt: str) -> None:
    text = render(cnncalc.analyze(SPECS / "lenet5.yaml", "ptflops"), fmt)
    assert "'ptflops' convention" in text
    assert "ptflops 0.7.5" in text


@pytest.mark.parametrize("path", NUMERIC_SPECS, ids=lambda p: p.name)
def test_plain_table_is_what_rich_draws(path: object) -> None:
    from cnncalc.render.table_format import build_table, draw, grid, to_text

    report = cnncalc.analyze(path)  # type: ignore[arg-type]
    for shown in (report, report.folded(1)):
        plain = draw(grid(shown))
        assert plain is not None
        assert plain == to_text(build_table(shown))


def test_a_table_wider_than_the_page_is_left_to_rich() -> None:
    from cnncalc.render.table_format import draw, grid

    report = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml")
    assert draw(grid(report)) is None
    assert "⌊(n − 35)/32⌋" in render(report, "table")
