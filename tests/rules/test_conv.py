"""The convolution rule: known numbers from the sources, properties for all sizes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.errors import RuleError
from cnncalc.ir import Activation, Conv
from cnncalc.rules import LayerCounts, rule_for
from cnncalc.spec.tables import LENET5_C3
from tests.rules.strategies import brute_force_positions, sizes, small


def conv(
    input_shape: tuple[int, ...],
    filters: int,
    kernel: int | tuple[int, int],
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    groups: int = 1,
    bias: bool = True,
    table: tuple[tuple[int, ...], ...] | None = None,
    activation: Activation | None = None,
) -> LayerCounts:
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    node = Conv(
        filters=filters,
        kernel=(kh, kw),
        stride=(stride, stride),
        padding=((padding, padding), (padding, padding)),
        dilation=(dilation, dilation),
        groups=groups,
        bias=bias,
        connection_table=table,
        activation=activation,
    )
    return rule_for(node)(node, input_shape)


def test_lenet5_c1_as_the_paper_counts_it() -> None:
    c1 = conv((1, 32, 32), 6, 5)
    assert c1.output_shape == (6, 32 - 5 + 1, 32 - 5 + 1)
    assert c1.trainable_params == (5 * 5 + 1) * 6 == 156
    assert c1.connections == (5 * 5 + 1) * 6 * 28 * 28 == 122_304
    assert c1.neurons == 28 * 28 * 6
    assert c1.macs == 5 * 5 * 6 * 28 * 28


def test_lenet5_c3_sparse_table() -> None:
    c3 = conv((6, 14, 14), 16, 5, table=LENET5_C3)
    assert c3.trainable_params == 6 * (3 * 25 + 1) + 6 * (4 * 25 + 1) + 3 * (4 * 25 + 1) + (
        6 * 25 + 1
    )
    assert c3.trainable_params == 1516
    assert c3.connections == 1516 * 10 * 10 == 151_600


def test_seed000_full_c3() -> None:
    c3 = conv((6, 14, 14), 16, 5)
    assert c3.trainable_params == (6 * 5 * 5 + 1) * 16 == 2416
    assert c3.connections == (6 * 5 * 5 + 1) * 16 * 10 * 10


def test_alexnet_conv1_and_conv2() -> None:
    conv1 = conv((3, 227, 227), 96, 11, stride=4)
    assert conv1.output_shape == (96, (227 - 11) // 4 + 1, 55)
    assert conv1.trainable_params == (11 * 11 * 3 + 1) * 96 == 34_944
    conv2 = conv((96, 27, 27), 256, 5, padding=2)
    assert conv2.output_shape == (256, 27, 27)
    assert conv2.trainable_params == (5 * 5 * 96 + 1) * 256 == 614_656


def test_flops_under_each_convention() -> None:
    c = conv((3, 8, 8), 4, 3, activation=Activation.RELU)
    macs = 3 * 3 * 3 * 4 * 6 * 6
    outputs = 4 * 6 * 6
    assert c.flops.macs == macs
    assert c.flops.flops == 2 * macs
    assert c.flops.connections == macs + outputs
    assert c.flops.torchinfo == macs + outputs
    assert c.flops.fvcore == macs
    assert c.flops.ptflops == macs + outputs + 2 * outputs  # + nn.ReLU counted twice


def test_no_bias() -> None:
    c = conv((3, 8, 8), 4, 3, bias=False)
    assert c.trainable_params == 3 * 3 * 3 * 4
    assert c.connections == c.macs


def test_depthwise() -> None:
    c = conv((8, 10, 10), 8, 3, groups=8, padding=1)
    assert c.trainable_params == (1 * 3 * 3 + 1) * 8
    assert c.output_shape == (8, 10, 10)


def test_kernel_larger_than_input_is_an_error() -> None:
    with pytest.raises(RuleError, match="kernel 5 is larger than its padded input 4") as error:
        conv((1, 4, 4), 1, 5)
    assert error.value.field == "kernel"


def test_groups_must_divide_channels() -> None:
    with pytest.raises(RuleError, match="groups=2 must divide the 3 input channels"):
        conv((3, 8, 8), 4, 3, groups=2)
    with pytest.raises(RuleError, match="must divide the 3 filters"):
        conv((4, 8, 8), 3, 3, groups=2)


def test_connection_table_is_checked() -> None:
    with pytest.raises(RuleError, match="input map 6 does not exist"):
        conv((6, 14, 14), 2, 5, table=((0, 1), (5, 6)))
    with pytest.raises(RuleError, match="2 rows but the layer has 3 filters"):
        conv((6, 14, 14), 3, 5, table=((0, 1), (4, 5)))


def test_flat_input_is_an_error() -> None:
    with pytest.raises(RuleError, match="conv2d needs a \\(channels, height, width\\) input"):
        conv((120,), 4, 1)


@given(
    n=sizes, k=small, s=small, p=st.integers(0, 3), d=st.integers(1, 3),
    c_in=small, c_out=small,
)  # fmt: skip
def test_output_size_counts_the_windows_that_fit(
    n: int, k: int, s: int, p: int, d: int, c_in: int, c_out: int
) -> None:
    expected = brute_force_positions(n, k, s, p, p, d)
    if expected == 0:
        with pytest.raises(RuleError):
            conv((c_in, n, n), c_out, k, stride=s, padding=p, dilation=d)
        return
    counts = conv((c_in, n, n), c_out, k, stride=s, padding=p, dilation=d)
    assert counts.output_shape == (c_out, expected, expected)
    assert counts.neurons == c_out * expected * expected


@given(n1=sizes, n2=sizes, k=small, c_in=small, c_out=small, bias=st.booleans())
def test_params_do_not_depend_on_input_size(
    n1: int, n2: int, k: int, c_in: int, c_out: int, bias: bool
) -> None:
    n1, n2 = n1 + k, n2 + k
    a = conv((c_in, n1, n1), c_out, k, bias=bias)
    b = conv((c_in, n2, n2), c_out, k, bias=bias)
    assert a.trainable_params == b.trainable_params == (c_in * k * k + bias) * c_out


@given(
    n=st.integers(3, 12), kh=st.integers(1, 3), kw=st.integers(1, 3), g=st.integers(1, 3),
    per_group_in=small, per_group_out=small, p=st.integers(0, 1), bias=st.booleans(),
)  # fmt: skip
def test_connections_are_weight_uses_plus_biases_counted_one_by_one(
    n: int, kh: int, kw: int, g: int, per_group_in: int, per_group_out: int, p: int, bias: bool
) -> None:
    c_in, c_out = g * per_group_in, g * per_group_out
    counts = conv((c_in, n, n), c_out, (kh, kw), padding=p, groups=g, bias=bias)
    _, h, w = counts.output_shape
    # Enumerate: every output unit reads c_in/g maps through a kh×kw kernel, plus a bias.
    connections = sum(
        per_group_in * kh * kw + bias for _ in range(c_out) for _ in range(h) for _ in range(w)
    )
    assert counts.connections == connections
    assert counts.macs == connections - bias * c_out * h * w
    assert counts.flops.flops == 2 * counts.macs


@given(st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=6, unique=True), min_size=1))
def test_connection_table_params_sum_over_rows(rows: list[list[int]]) -> None:
    table = tuple(tuple(r) for r in rows)
    counts = conv((6, 9, 9), len(rows), 3, table=table)
    assert counts.trainable_params == sum(len(r) * 9 + 1 for r in rows)
    assert counts.connections == counts.trainable_params * 7 * 7
