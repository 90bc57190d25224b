"""Layers that pass values through: activations, dropout, flatten, normalisation."""

from __future__ import annotations

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


def test_ptflops_charges_relu_not_tanh() -> None:
    relu = ElementWise(Activation.RELU)
    tanh = ElementWise(Activation.TANH)
    assert rule_for(relu)(relu, (6, 28, 28)).flops.ptflops == 6 * 28 * 28
    assert rule_for(tanh)(tanh, (6, 28, 28)).flops.ptflops == 0


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
