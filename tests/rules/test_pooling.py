"""The pooling rule: LeNet-5's subsampling, max and average pooling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.errors import RuleError
from cnncalc.ir import Padding, Pool, PoolKind
from cnncalc.rules import LayerCounts, rule_for
from tests.rules.strategies import brute_force_positions, sizes, small


def pool(
    kind: PoolKind,
    input_shape: tuple[int, ...],
    kernel: int,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
    same: bool = False,
) -> LayerCounts:
    pad: Padding = "same" if same else ((padding, padding), (padding, padding))
    s = stride or kernel
    node = Pool(kind, (kernel, kernel), (s, s), pad, ceil_mode)
    return rule_for(node)(node, input_shape)


def test_lenet5_s2_subsampling() -> None:
    s2 = pool(PoolKind.SUBSAMPLING, (6, 28, 28), 2)
    assert s2.output_shape == (6, 14, 14)
    assert s2.trainable_params == (1 + 1) * 6 == 12
    assert s2.connections == (2 * 2 + 1) * 6 * 14 * 14 == 5880
    assert s2.flops.connections == (2 * 2 + 1) * 14 * 14 * 6
    assert s2.neurons == (14 * 14) * 6


def test_lenet5_s4_subsampling() -> None:
    s4 = pool(PoolKind.SUBSAMPLING, (16, 10, 10), 2)
    assert s4.trainable_params == (1 + 1) * 16 == 32
    assert s4.connections == 16 * (2 * 2 + 1) * 5 * 5 == 2000


def test_max_pooling_has_no_parameters_and_no_bias_connection() -> None:
    s2 = pool(PoolKind.MAX, (6, 28, 28), 2)
    assert s2.trainable_params == 0
    assert s2.connections == 2 * 2 * 6 * 14 * 14
    # The documents' operation count still charges (k·k+1) per output
    # (《卷积神经网络CNN与LeNet5详解》, 《LeNet卷积神经网络详解》).
    assert s2.flops.connections == (2 * 2 + 1) * 6 * 14 * 14 == 5880
    assert s2.macs == 0
    assert s2.flops.flops == 0
    assert s2.flops.ptflops == 2 * 6 * 28 * 28  # a hook and a patched F.max_pool2d


def test_alexnet_pools() -> None:
    assert pool(PoolKind.MAX, (96, 55, 55), 3, 2).output_shape == (96, (55 - 3) // 2 + 1, 27)
    assert pool(PoolKind.MAX, (256, 13, 13), 3, 2).output_shape == (256, 6, 6)


def test_keras_pooling_floors_odd_sizes() -> None:
    # 《第五章 深度学习用于计算机视觉(一)》: "11整除2是5,直接舍弃余数".
    assert pool(PoolKind.MAX, (64, 11, 11), 2).output_shape == (64, 5, 5)


def test_keras_same_padding_is_ceil() -> None:
    assert pool(PoolKind.MAX, (64, 11, 11), 2, same=True).output_shape == (64, 6, 6)


def test_ceil_mode() -> None:
    assert pool(PoolKind.MAX, (1, 11, 11), 2, ceil_mode=True).output_shape == (1, 6, 6)
    # The last window would start in the right padding: dropped (PyTorch).
    assert pool(PoolKind.MAX, (1, 5, 5), 2, 2, 1, ceil_mode=True).output_shape == (1, 3, 3)


def test_padding_over_half_the_window_is_an_error() -> None:
    with pytest.raises(RuleError, match="more than half the pooling window"):
        pool(PoolKind.MAX, (1, 8, 8), 2, padding=2)


@given(
    kind=st.sampled_from(PoolKind), n=sizes, k=small, s=small, data=st.data(),
    ceil_mode=st.booleans(), c=small,
)  # fmt: skip
def test_output_size_counts_windows(
    kind: PoolKind, n: int, k: int, s: int, data: st.DataObject, ceil_mode: bool, c: int
) -> None:
    p = data.draw(st.integers(0, k // 2))
    expected = brute_force_positions(n, k, s, p, p, ceil_mode=ceil_mode)
    if expected == 0:
        with pytest.raises(RuleError):
            pool(kind, (c, n, n), k, s, p, ceil_mode)
        return
    counts = pool(kind, (c, n, n), k, s, p, ceil_mode)
    assert counts.output_shape == (c, expected, expected)
    outputs = c * expected * expected
    assert counts.flops.connections == (k * k + 1) * outputs
    if kind is PoolKind.SUBSAMPLING:
        assert counts.trainable_params == 2 * c
        assert counts.connections == (k * k + 1) * outputs
    else:
        assert counts.trainable_params == 0
        assert counts.connections == k * k * outputs


@given(n=sizes, s=small, c=small)
def test_same_padding_output_is_ceil_of_n_over_s(n: int, s: int, c: int) -> None:
    assert pool(PoolKind.AVG, (c, n, n), 2, s, same=True).output_shape == (
        c,
        -(-n // s),
        -(-n // s),
    )
