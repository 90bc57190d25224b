"""Dense and RBF rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.errors import RuleError
from cnncalc.ir import RBF, Activation, Dense
from cnncalc.rules import rule_for
from tests.rules.strategies import sizes


def test_lenet5_f6() -> None:
    node = Dense(units=84)
    f6 = rule_for(node)(node, (120,))
    assert f6.trainable_params == (120 + 1) * 84 == 10_164
    assert f6.connections == (120 + 1) * 84
    assert f6.neurons == 84
    assert f6.macs == 120 * 84


def test_seed001_f7_and_seed002_dense() -> None:
    f7 = Dense(units=10)
    assert rule_for(f7)(f7, (84,)).trainable_params == 84 * 10 + 10 == 850
    dense_1 = Dense(units=64, activation=Activation.RELU)
    assert rule_for(dense_1)(dense_1, (576,)).trainable_params == (576 + 1) * 64 == 36_928


def test_dense_needs_a_flat_input() -> None:
    node = Dense(units=10)
    with pytest.raises(RuleError, match="add a flatten layer"):
        rule_for(node)(node, (16, 5, 5))


def test_lenet5_rbf_output_is_fixed_by_hand() -> None:
    node = RBF(units=10)
    out = rule_for(node)(node, (84,))
    assert out.trainable_params == 0
    assert out.non_trainable_params == 84 * 10
    assert out.connections == 84 * 10
    trainable = RBF(units=10, trainable=True)
    assert rule_for(trainable)(trainable, (84,)).trainable_params == 840


@given(n=sizes, m=sizes, bias=st.booleans(), activation=st.sampled_from([None, *Activation]))
def test_dense_counts(n: int, m: int, bias: bool, activation: Activation | None) -> None:
    node = Dense(units=m, bias=bias, activation=activation)
    counts = rule_for(node)(node, (n,))
    assert counts.output_shape == (m,)
    assert counts.trainable_params == (n + bias) * m
    assert counts.connections == counts.trainable_params
    assert counts.flops.flops == 2 * n * m
    assert counts.flops.torchinfo == (n + bias) * m
    # ptflops 0.7.5, measured: ReLU, GELU, ELU and PReLU twice (hook + functional), ReLU6,
    # softmax, SiLU and leaky ReLU once.
    per_element = {
        Activation.RELU: 2, Activation.GELU: 2, Activation.ELU: 2, Activation.PRELU: 2,
        Activation.RELU6: 1, Activation.SOFTMAX: 1, Activation.SILU: 1, Activation.LEAKY_RELU: 1,
    }  # fmt: skip
    assert counts.flops.ptflops == (n + bias) * m + per_element.get(activation, 0) * m  # type: ignore[arg-type]
    assert counts.flops.fvcore == n * m


@given(n=sizes, m=sizes)
def test_rbf_counts(n: int, m: int) -> None:
    node = RBF(units=m)
    counts = rule_for(node)(node, (n,))
    assert counts.trainable_params == 0
    assert counts.non_trainable_params == counts.connections == counts.macs == n * m
    assert counts.neurons == m
