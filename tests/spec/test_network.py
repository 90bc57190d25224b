"""Whole-spec checks: generated names, uniqueness, expectations, lowering to IR."""

from __future__ import annotations

import pytest

from cnncalc import ir
from cnncalc.errors import SpecError
from cnncalc.spec import parse_spec
from cnncalc.spec.layers import Conv2d, Dense, Flatten
from cnncalc.spec.network import NetworkSpec


def test_names_are_generated_keras_style_around_given_ones() -> None:
    spec = parse_spec(
        {
            "input": [1, 8, 8],
            "layers": [
                {"type": "conv2d", "filters": 2, "kernel": 3},
                {"type": "conv2d", "filters": 2, "kernel": 3, "name": "conv2d_2"},
                {"type": "conv2d", "filters": 2, "kernel": 1},
                {"type": "flatten"},
            ],
        }
    )
    assert spec.layer_names == ["conv2d_1", "conv2d_2", "conv2d_3", "flatten_1"]


def test_duplicate_names_are_located() -> None:
    with pytest.raises(SpecError, match="duplicate layer name 'a'") as error:
        parse_spec({"input": [4], "layers": [{"type": "relu", "name": "a"}] * 2})
    assert error.value.loc == ("layers", 1, "name")
    assert error.value.layer == "2 'a' (relu)"


def test_expect_names_existing_layers() -> None:
    with pytest.raises(
        SpecError, match="no layer or block instance is named 'C4' \\(did you mean 'C3'\\?\\)"
    ):
        parse_spec(
            {
                "input": [4],
                "layers": [{"type": "relu", "name": "C3"}],
                "expect": {"C4": {"params": 0}},
            }
        )


def test_built_in_python_without_yaml() -> None:
    spec = NetworkSpec(
        name="tiny",
        input=(1, 8, 8),
        layers=[Conv2d(filters=2, kernel=3), Flatten(), Dense(units=10)],  # type: ignore[arg-type]
    )
    network = spec.to_ir()
    assert [layer.name for layer in network.layers] == ["conv2d_1", "flatten_1", "dense_1"]
    assert network.layers[0].op == ir.Conv(
        filters=2, kernel=(3, 3), stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1)
    )
