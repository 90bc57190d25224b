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


@pytest.mark.parametrize(
    ("formula", "complaint"),
    [
        ("((2**8)**8)**8", None),  # at most 2**1,024 on the way: computed, then refused as a size
        ("((((2**8)**8)**8)**8)**8", "its value could reach 2**65,536; a formula's values are"),
        ("(n**8)**2", None),  # at most 1,008 bits with n = 2**63 − 1
        ("(n**8)**8", "its value could reach 2**4,032 with its symbols at 2**63 − 1"),
        ("(a+b+c+d+e)**4", None),  # 70 terms
        ("(a+b+c+d+e+f)**4", "it multiplies out to as many as 126 terms; a formula may have 100"),
        ("(a+b)*(c+d)*(e+f)*(g+h)*(i+j)*(k+l)*(m+o)", "it multiplies out to as many as 128"),
    ],
)
def test_formula_values_and_terms_are_bounded(formula: str, complaint: str | None) -> None:
    from cnncalc.expressions import Formula, FormulaError

    if complaint is None:
        assert Formula(formula) == formula
        return
    with pytest.raises(FormulaError) as error:
        Formula(formula)
    assert complaint in str(error.value)


def test_a_constant_formula_is_a_size_within_the_bound() -> None:
    with pytest.raises(ValidationError, match="≈10\\^154 is larger than 2\\*\\*63 − 1"):
        Conv2d.model_validate({"filters": "((2**8)**8)**8", "kernel": 3})


@pytest.mark.parametrize("value", [2**63, "4294967296*4294967296", [3, 2**63]])
def test_sizes_above_int64_are_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="is larger than 2\\*\\*63 − 1, the largest size"):
        Conv2d.model_validate({"filters": 2, "kernel": value})


def test_the_largest_size_is_accepted() -> None:
    assert Conv2d.model_validate({"filters": 2**63 - 1, "kernel": 3}).filters == 2**63 - 1
    product = Conv2d.model_validate({"filters": "3037000499*3037000499", "kernel": 3})
    assert product.filters == 3037000499**2


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), True, "0.1"])
def test_lrn_constants_are_finite_numbers(value: object) -> None:
    from cnncalc.spec.layers import LRN

    for field in ("alpha", "beta", "k"):
        with pytest.raises(ValidationError, match="expected a finite number"):
            LRN.model_validate({field: value})
    assert LRN(alpha=1, beta=0.5, k=10**4000).k == 10**4000  # any finite number; counts ignore it
