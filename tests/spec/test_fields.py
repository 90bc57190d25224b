"""Spec field normalisation: what users write → per-axis tuples."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cnncalc.ir import Activation
from cnncalc.spec.layers import Conv2d, Dropout, MaxPool2d
from cnncalc.spec.tables import LENET5_C3


def test_kernel_stride_dilation_per_axis() -> None:
    conv = Conv2d(filters=6, kernel=5)  # type: ignore[arg-type]
    assert (conv.kernel, conv.stride, conv.dilation) == ((5, 5), (1, 1), (1, 1))
    conv = Conv2d.model_validate({"filters": 6, "kernel": [3, 5], "stride": [1, 2]})
    assert (conv.kernel, conv.stride) == ((3, 5), (1, 2))


@pytest.mark.parametrize(
    ("padding", "expected"),
    [
        ("valid", ((0, 0), (0, 0))),
        ("same", "same"),
        (2, ((2, 2), (2, 2))),
        ([1, 2], ((1, 1), (2, 2))),
        ([[0, 1], [2, 3]], ((0, 1), (2, 3))),
    ],
)
def test_padding_forms(padding: object, expected: object) -> None:
    assert (
        Conv2d.model_validate({"filters": 1, "kernel": 3, "padding": padding}).padding == expected
    )


def test_pool_stride_defaults_to_kernel() -> None:
    pool = MaxPool2d.model_validate({"kernel": 3})
    assert pool.to_ir().stride == (3, 3)
    assert MaxPool2d.model_validate({"kernel": 3, "stride": 2}).to_ir().stride == (2, 2)


def test_activation_names() -> None:
    assert Conv2d.model_validate({"filters": 1, "kernel": 1, "activation": "ReLU"}).activation == (
        Activation.RELU
    )
    assert (
        Conv2d.model_validate({"filters": 1, "kernel": 1, "activation": "linear"}).activation
        is None
    )


def test_connection_tables() -> None:
    assert Conv2d.model_validate(
        {"filters": 16, "kernel": 5, "connections": "lenet5"}
    ).connections == (LENET5_C3)
    assert (
        Conv2d.model_validate({"filters": 2, "kernel": 5, "connections": "full"}).connections
        is None
    )
    with pytest.raises(ValidationError):
        Conv2d.model_validate({"filters": 2, "kernel": 5, "connections": [[0, 0]]})


@pytest.mark.parametrize("rate", [-0.1, 1.0, True, "half"])
def test_dropout_rate_is_a_fraction(rate: object) -> None:
    with pytest.raises(ValidationError):
        Dropout.model_validate({"rate": rate})


def test_lenet5_table_matches_the_paper() -> None:
    # Table I, read by rows (S2 maps) as the columns (C3 maps) marked X.
    rows = [
        "X   XXX  XXXX XX",
        "XX   XXX  XXXX X",
        "XXX   XXX  X XXX",
        " XXX  XXXX  X XX",
        "  XXX  XXXX XX X",
        "   XXX  XXXX XXX",
    ]
    for s2_map, row in enumerate(rows):
        for c3_map, mark in enumerate(row):
            assert (s2_map in LENET5_C3[c3_map]) == (mark == "X"), (s2_map, c3_map)
