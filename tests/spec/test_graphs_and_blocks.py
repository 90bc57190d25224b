"""Graphs (named inputs, merges) and reusable blocks."""

from __future__ import annotations

from typing import Any

import pytest

import cnncalc
import cnncalc.render.json_format
from cnncalc.errors import SpecError
from tests.conftest import SPECS


def spec(layers: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"input": [8, 16, 16], "layers": layers, **extra}


def test_residual_add_and_concat() -> None:
    report = cnncalc.analyze(spec([
        {"name": "a", "type": "conv2d", "filters": 8, "kernel": 3, "padding": 1},
        {"name": "b", "type": "conv2d", "filters": 8, "kernel": 3, "padding": 1},
        {"name": "sum", "type": "add", "inputs": ["a", "b"]},
        {"name": "cat", "type": "concat", "inputs": ["input", "sum", "a"]},
        {"name": "gate", "type": "global_avgpool", "keepdims": True, "input": "cat"},
        {"name": "scaled", "type": "multiply", "inputs": ["cat", "gate"]},
    ]))  # fmt: skip
    assert report.layer("sum").output_shape == (8, 16, 16)
    assert report.layer("sum").connections == 2 * 8 * 16 * 16
    assert report.layer("cat").output_shape == (8 + 8 + 8, 16, 16)
    assert report.layer("gate").output_shape == (24, 1, 1)
    assert report.layer("scaled").output_shape == (24, 16, 16)
    assert report.layer("b").inputs == ("a",)
    assert report.layer("cat").inputs == ("input", "sum", "a")


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (
            [{"name": "a", "type": "relu", "input": "b"}, {"name": "b", "type": "relu"}],
            "layer 'a' reads 'b', which comes after it (layer 2): a layer reads only layers "
            "above it, so this would be a cycle",
        ),
        (
            [{"name": "a", "type": "relu", "input": "inptu"}],
            "layer 'a' reads 'inptu', but no layer is named so (did you mean 'input'?)",
        ),
        (
            [{"name": "a", "type": "conv2d", "filters": 4, "kernel": 1},
             {"name": "s", "type": "add", "inputs": ["input", "a"]}],
            "add: axis 0 of (4, 16, 16) does not match (8, 16, 16)",
        ),
        (
            [{"name": "a", "type": "relu", "inputs": ["input", "input"]}],
            "this layer takes one input, not 2: merge them with add or concat",
        ),
        ([{"name": "s", "type": "add"}], "add needs at least two inputs, got 1"),
    ],
)  # fmt: skip
def test_graph_errors_name_both_ends(layers: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(SpecError) as error:
        cnncalc.analyze(spec(layers))
    assert error.value.message == message


BLOCKS = {
    "unit": {
        "params": {"filters": 8, "wide": False},
        "layers": [
            {"name": "conv", "type": "conv2d", "filters": "filters", "kernel": 3, "padding": 1},
            {"name": "more", "type": "conv2d", "filters": "2*filters", "kernel": 1, "when": "wide"},
            {"name": "out", "type": "concat", "inputs": ["in", "conv"], "when": "not wide"},
        ],
    }
}  # fmt: skip


def test_blocks_expand_with_parameters_repeats_and_conditions() -> None:
    report = cnncalc.analyze(spec(
        [{"name": "stage", "block": "unit", "repeat": 2, "filters": 4, "first": {"wide": True}}],
        blocks=BLOCKS,
    ))  # fmt: skip
    assert [layer.name for layer in report] == [
        "stage.0.conv", "stage.0.more", "stage.1.conv", "stage.1.out",
    ]  # fmt: skip
    assert report.layer("stage.0.more").output_shape == (8, 16, 16)  # 2*filters
    assert report.layer("stage.1.out").inputs == ("stage.0.more", "stage.1.conv")
    assert report.layer("stage.1.out").output_shape == (8 + 4, 16, 16)
    folded = report.folded(1)
    assert [(row.name, row.type, row.members) for row in folded] == [("stage", "unit ×2", 4)]
    assert folded.layers[0].trainable_params == report.totals.trainable_params


@pytest.mark.parametrize(
    ("instance", "message", "line"),
    [
        ({"block": "unt"}, "no block is named 'unt' (did you mean 'unit'?)", 3),
        ({"block": "unit", "filter": 3}, "block 'unit' has no parameter 'filter' (did you "
         "mean 'filters'?)", 3),
        ({"block": "unit", "filters": -2}, "expected a positive integer or a size formula "
         "such as 'n' or '2*k + 1', got -2", 8),
    ],
)  # fmt: skip
def test_block_errors_are_located(instance: dict[str, Any], message: str, line: int) -> None:
    import yaml

    text = yaml.safe_dump(spec([instance], blocks=BLOCKS), sort_keys=False, default_flow_style=None)
    with pytest.raises(SpecError) as error:
        cnncalc.analyze(cnncalc.loads(text, "net.yaml"))
    assert error.value.message == message
    assert error.value.line == line, text


def test_resnet18_stages_fold() -> None:
    report = cnncalc.analyze(SPECS / "resnet18.yaml")
    folded = report.folded(1)
    assert [row.name for row in folded][4:8] == ["layer1", "layer2", "layer3", "layer4"]
    assert folded.totals == report.totals
    assert sum(row.trainable_params for row in folded) == 11_689_512


def _expansion_count(data: dict[str, Any]) -> tuple[int, int]:
    from cnncalc.spec.blocks import (
        block_specs,
        check_expansion,
        network_params,
        with_network_params,
    )

    layers = data["layers"]
    if "params" in data:  # the network's own parameters go in first, as in expand_blocks
        layers, _ = with_network_params(layers, network_params(data))
    return check_expansion(layers, block_specs(data))


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "densenet121", "mobilenet_v2"])
def test_the_expansion_is_counted_exactly_before_expanding(name: str) -> None:
    import yaml

    data = yaml.safe_load((SPECS / f"{name}.yaml").read_text(encoding="utf-8"))
    layers, _ = _expansion_count(data)
    assert layers == len(cnncalc.load(SPECS / f"{name}.yaml").layers)


def test_the_count_follows_when_first_and_parameters_passed_to_inner_blocks() -> None:
    data = spec(
        [
            {"name": "a", "block": "outer", "repeat": 3, "first": {"down": True}},
            {"type": "relu"},
        ],
        blocks={
            "inner": {
                "params": {"down": False},
                "layers": [{"type": "relu"}, {"type": "relu", "when": "down"}],
            },
            "outer": {
                "params": {"down": False},
                "layers": [
                    {"block": "inner", "repeat": 2, "down": "down"},
                    {"type": "relu", "when": "not down"},
                ],
            },
        },
    )
    # First repetition: inner ×2 with 'down' (2 layers each); then 2 × (inner ×2 of 1, + 1).
    expected = 2 * 2 + 2 * (2 * 1 + 1) + 1
    assert _expansion_count(data)[0] == expected
    assert len(cnncalc.analyze(data).layers) == expected


def test_an_expansion_past_the_bound_is_refused_before_expanding() -> None:
    data = spec(
        [{"name": "deep", "block": "b", "repeat": 200_000}],
        blocks={
            "b": {"layers": [{"block": "c", "repeat": 200_000}]},
            "c": {"layers": [{"type": "relu"}]},
        },
    )  # 4·10**10 layers: expanding would never end
    with pytest.raises(SpecError) as error:
        cnncalc.analyze(data)
    assert str(error.value) == (
        "<spec>: layer 1 'deep': field 'repeat': block 'b' repeated 200,000 times expands to "
        "40,000,000,000 layers, over the limit of 200,000 layers after expanding blocks"
    )


# -- several inputs --------------------------------------------------------------------------

SIAMESE: dict[str, Any] = {
    "input": [3, 32, 32],
    "inputs": {"other": [3, 32, 32]},
    "layers": [
        {"name": "a", "type": "conv2d", "filters": 8, "kernel": 3},
        {"name": "b", "type": "conv2d", "filters": 8, "kernel": 3, "input": "other"},
        {"name": "sum", "type": "add", "inputs": ["a", "b"]},
    ],
}


def test_a_second_input_is_read_by_name() -> None:
    report = cnncalc.analyze(SIAMESE, "macs")
    # Two 3×3 convolutions, 8 filters on 3 channels, 30×30 outputs each: 27·8·900 MACs.
    assert report.layer("b").input_shapes == ((3, 32, 32),)
    assert report.layer("b").inputs == ("other",)
    assert report.totals.macs == 2 * 27 * 8 * 900
    assert report.other_inputs == (("other", (3, 32, 32)),)
    assert cnncalc.render.json_format.to_dict(report)["other_inputs"] == {"other": [3, 32, 32]}


def test_a_second_input_may_hold_a_size_symbol() -> None:
    spec = {**SIAMESE, "inputs": {"other": [3, "m", "m"]}, "values": {"m": 32}}
    report = cnncalc.analyze(spec, "macs")
    assert str(report.layer("b").macs) == "216*(m - 2)**2"


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"a": [3, 8, 8]}, "field 'inputs.a': 'a' is a layer's name; name the input otherwise"),
        ({"total": [3, 8, 8]}, "field 'inputs.total': 'total' is reserved; name the input "
         "otherwise"),
        ({"input": [3, 8, 8]}, "field 'inputs.input': 'input' is reserved; name the input "
         "otherwise"),
    ],
)  # fmt: skip
def test_a_second_input_s_name_is_its_own(inputs: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError) as raised:
        cnncalc.analyze({**SIAMESE, "inputs": inputs})
    assert str(raised.value) == f"<spec>: {message}"


def test_a_layer_reading_an_unknown_input_is_told_the_names() -> None:
    layers = [*SIAMESE["layers"][:1], {**SIAMESE["layers"][1], "input": "othre"}]
    with pytest.raises(SpecError) as raised:
        cnncalc.analyze({**SIAMESE, "layers": layers})
    assert str(raised.value) == (
        "<spec>: layer 2 'b' (conv2d): field 'input': layer 'b' reads 'othre', but no layer is "
        "named so (did you mean 'other'?)"
    )


def test_a_folded_block_used_once_is_not_a_repetition() -> None:
    """``--depth 1``: ResNet-18's ``layer1`` repeats its basic block twice (``layer1.0``,
    ``layer1.1``); MobileNetV2's ``stem`` is one conv-bn-relu6 block, whose three layers
    (``stem.conv``, ``stem.bn``, ``stem.relu6``) were once counted as 3 repetitions."""
    resnet = cnncalc.analyze(SPECS / "resnet18.yaml").folded(1)
    assert resnet.layer("layer1").type == "basic ×2"
    mobilenet = cnncalc.analyze(SPECS / "mobilenet_v2.yaml").folded(1)
    assert mobilenet.layer("stem").type == "conv_bn_relu6"
    assert mobilenet.layer("stem").members == 3


SHUFFLE = {
    "unit": {
        "params": {"half": 4},
        "layers": [
            {"name": "split", "type": "chunk", "chunks": 2},
            {"name": "conv", "type": "conv2d", "filters": "half", "kernel": 1, "input": "split.1"},
            {"name": "concat", "type": "concat", "inputs": ["split.0", "conv"]},
        ],
    }
}
"""ShuffleNet V2's stride-1 unit: a block's layer reads part i of a chunk above it."""


def test_a_block_layer_reads_a_part_of_a_split_above_it() -> None:
    instance = {"name": "stage", "block": "unit", "repeat": 2}
    report = cnncalc.analyze(spec([instance], blocks=SHUFFLE))
    assert report.layer("stage.1.conv").inputs == ("stage.1.split.1",)
    assert report.layer("stage.1.concat").inputs == ("stage.1.split.0", "stage.1.conv")
    assert report.layer("stage.1.concat").output_shape == (8, 16, 16)
    assert report.totals.trainable_params == 2 * (4 * 4 + 4)


def test_a_block_layer_reading_a_part_that_is_not_there_is_told_so() -> None:
    layers: list[dict[str, Any]] = [
        {"name": "split", "type": "chunk", "chunks": 2},
        {"name": "conv", "type": "conv2d", "filters": 4, "kernel": 1, "input": "split.2"},
    ]
    blocks = {"unit": {"params": {}, "layers": layers}}
    with pytest.raises(SpecError) as error:
        cnncalc.analyze(spec([{"name": "stage", "block": "unit"}], blocks=blocks))
    assert error.value.message == (
        "'stage.split' has 2 outputs, 'stage.split.0' to 'stage.split.1'; there is no output 2"
    )
    # A name that is neither a layer above nor a part of one is the block's own error.
    layers[1]["input"] = "splat.1"
    with pytest.raises(SpecError) as error:
        cnncalc.analyze(spec([{"name": "stage", "block": "unit"}], blocks=blocks))
    assert error.value.message.startswith("'splat.1' is not a layer above this one in block")
