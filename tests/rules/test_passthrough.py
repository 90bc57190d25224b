"""Layers that pass values through: activations, dropout, flatten, normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.ir import LRN, Activation, BatchNorm, Dropout, ElementWise, Flatten
from cnncalc.rules import NO_FLOPS, rule_for
from tests.rules.strategies import small

shapes = st.lists(small, min_size=1, max_size=4).map(tuple)


@given(shape=shapes)
def test_flatten_multiplies_the_axes(shape: tuple[int, ...]) -> None:
    counts = rule_for(Flatten())(Flatten(), shape)
    expected = 1
    for d in shape:
        expected *= d
    assert counts.output_shape == (expected,)
    assert (counts.trainable_params, counts.neurons, counts.connections) == (0, 0, 0)
    assert counts.flops == NO_FLOPS


def test_flatten_seed002_576() -> None:
    assert rule_for(Flatten())(Flatten(), (64, 3, 3)).output_shape == (3 * 3 * 64,)


@given(shape=shapes, function=st.sampled_from(Activation), rate=st.floats(0, 0.99))
def test_activations_and_dropout_add_no_neurons(
    shape: tuple[int, ...], function: Activation, rate: float
) -> None:
    for node in (ElementWise(function), Dropout(rate)):
        counts = rule_for(node)(node, shape)
        assert counts.output_shape == shape
        assert counts.neurons == counts.connections == counts.trainable_params == 0
        assert counts.macs == counts.flops.flops == counts.flops.connections == 0


@pytest.mark.parametrize(
    ("function", "ptflops"),
    # Measured with ptflops 0.7.5 on torch 2.13 (1×3×13×11 input, 429 elements).
    [("relu", 858), ("relu6", 429), ("tanh", 0), ("sigmoid", 0), ("softmax", 429)],
)
def test_ptflops_per_activation(function: str, ptflops: int) -> None:
    node = ElementWise(Activation(function))
    assert rule_for(node)(node, (3, 13, 11)).flops.ptflops == ptflops


def test_peer_counts_of_normalisation() -> None:
    # Measured on a 1×3×13×11 input (429 elements): BatchNorm2d(3) eval:
    # torchinfo 6, fvcore 858, ptflops 858; LocalResponseNorm(5): ptflops 2,288.
    bn = BatchNorm()
    counts = rule_for(bn)(bn, (3, 13, 11))
    assert (counts.flops.torchinfo, counts.flops.fvcore, counts.flops.ptflops) == (6, 858, 858)
    lrn = LRN(5)
    assert rule_for(lrn)(lrn, (3, 13, 11)).flops.ptflops == 2288


@given(shape=shapes, center=st.booleans(), scale=st.booleans())
def test_batchnorm_counts_as_keras(shape: tuple[int, ...], center: bool, scale: bool) -> None:
    node = BatchNorm(center=center, scale=scale)
    counts = rule_for(node)(node, shape)
    channels = shape[0]
    assert counts.trainable_params == (center + scale) * channels
    assert counts.non_trainable_params == 2 * channels  # moving mean and variance
    assert counts.output_shape == shape


@given(shape=shapes, size=small)
def test_lrn_has_no_parameters(shape: tuple[int, ...], size: int) -> None:
    counts = rule_for(LRN(size))(LRN(size), shape)
    assert counts.output_shape == shape
    assert counts.trainable_params == counts.non_trainable_params == 0
    assert counts.neurons == counts.connections == 0
