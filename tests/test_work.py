"""The facts rules state (cnncalc/work.py): what a layer does, before any convention counts it."""

from __future__ import annotations

import cnncalc
from cnncalc.ir import Activation, Conv, ConvTranspose, PoolKind
from cnncalc.rules import LayerCounts, rule_for
from cnncalc.work import (
    Activations,
    Interpolation,
    Pooling,
    ScatteredSums,
    WeightedSums,
    activations,
)
from tests.conftest import SPECS


def test_lenet5_c1_states_its_weighted_sums_and_its_activation() -> None:
    node = Conv(
        filters=6, kernel=(5, 5), stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1),
        groups=1, bias=True, connection_table=None, activation=Activation.TANH,
    )  # fmt: skip
    counts: LayerCounts = rule_for(node)(node, (1, 32, 32))
    sums = WeightedSums(weights=5 * 5 * 6, parameters=(5 * 5 + 1) * 6, positions=28 * 28)
    tanh = Activations(function=Activation.TANH, elements=6 * 28 * 28, channels=6)
    assert counts.work == (sums, tanh)
    # The paper's C1: 117,600 weight multiply-accumulates, 122,304 connections.
    assert (sums.macs, sums.uses) == (117_600, 122_304)


def test_a_transposed_convolution_scatters_each_input() -> None:
    # 3×5×5 → 8 maps, 3×3 kernel, stride 2: 11×11 outputs.
    node = ConvTranspose(
        filters=8, kernel=(3, 3), stride=(2, 2), padding=((0, 0), (0, 0)),
        output_padding=(0, 0), dilation=(1, 1), groups=1, bias=True, activation=None,
    )  # fmt: skip
    (sums,) = rule_for(node)(node, (3, 5, 5)).work
    assert sums == ScatteredSums(per_input=8 * 9, inputs=75, weights=3 * 8 * 9, biases=8,
                                 positions=121)  # fmt: skip
    assert (sums.macs, sums.bias_adds) == (75 * 72, 8 * 121)


def test_a_fused_activation_is_one_fact_or_none() -> None:
    assert activations(None, 10, 10) == ()
    relu = Activations(function=Activation.RELU, elements=10, channels=10)
    assert activations(Activation.RELU, 10, 10) == (relu,)


def test_interpolation_reads_one_or_four_inputs_per_output() -> None:
    assert Interpolation(mode="nearest", outputs=9).reads == 1
    assert Interpolation(mode="bilinear", outputs=9).reads == 4


def test_facts_of_a_symbolic_spec_substitute_to_the_numeric_ones() -> None:
    symbolic = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml").subs({"n": 227})
    numeric = cnncalc.analyze(SPECS / "alexnet.yaml")
    assert [layer.work for layer in symbolic] == [layer.work for layer in numeric]
    pool1 = numeric.layer("pool1").work
    assert pool1 == (Pooling(kind=PoolKind.MAX, window=9, outputs=96 * 27 * 27,
                             inputs=96 * 55 * 55),)  # fmt: skip
