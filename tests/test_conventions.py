"""Whole networks under every convention, against the peers' own measured output.

Recorded 2026-11-22 on torch 2.13.0 (CPU) with torchinfo 1.8.0, fvcore
0.1.5.post20221221, ptflops 0.7.5 (default pytorch backend) and
torch.utils.flop_counter.FlopCounterMode, batch 1, on the documents' networks
built in torch.nn exactly as lenet5-modern.yaml (《LeNet卷积神经网络详解》) and
alexnet.yaml (《经典网络(四)AlexNet全解析》) describe them. The differential test of
issue 5 re-measures them in CI.
"""

from __future__ import annotations

import pytest

import cnncalc
from cnncalc.conventions import CONVENTIONS, NO_FLOPS, Convention, Flops, count
from cnncalc.ir import Activation, PoolKind
from cnncalc.rules import LayerCounts
from cnncalc.symbolic import symbol
from cnncalc.work import (
    Activations,
    AdaptivePooling,
    Combination,
    Fact,
    Interpolation,
    MatrixProducts,
    Normalisation,
    NormKind,
    Pooling,
    ScatteredSums,
    WeightedSums,
)
from tests.conftest import SPECS

PEER_TOTALS = {
    "lenet5-modern.yaml": {
        Convention.TORCHINFO: 423_038,
        Convention.FVCORE: 416_520,
        Convention.PTFLOPS: 448_662,
        Convention.FLOPS: 833_040,
        Convention.MACS: 416_520,  # thop, torchscan and fvcore agree on conv + linear
    },
    "alexnet.yaml": {
        Convention.TORCHINFO: 1_135_915_368,
        Convention.FVCORE: 1_135_256_096,
        Convention.PTFLOPS: 1_138_256_104,
        Convention.FLOPS: 2_270_512_192,
        Convention.MACS: 1_135_256_096,
    },
}

LENET_PTFLOPS_PER_LAYER = {
    # ptflops 0.7.5: module hook + patched functional for ReLU and MaxPool2d.
    "c1": 122_304, "relu1": 9_408, "s2": 9_408, "c3": 241_600, "relu3": 3_200,
    "s4": 3_200, "c5": 48_120, "relu5": 240, "flatten": 0, "f6": 10_164,
    "relu6": 168, "f7": 850,
}  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "convention", "total"),
    [(spec, c, total) for spec, totals in PEER_TOTALS.items() for c, total in totals.items()],
)
def test_network_total_matches_the_peer(spec: str, convention: Convention, total: int) -> None:
    assert cnncalc.analyze(SPECS / spec, convention).totals.flops == total


def test_lenet_ptflops_layer_by_layer() -> None:
    report = cnncalc.analyze(SPECS / "lenet5-modern.yaml", "ptflops")
    assert {layer.name: layer.flops for layer in report} == LENET_PTFLOPS_PER_LAYER


def test_alexnet_bias_is_the_torchinfo_difference() -> None:
    report = cnncalc.analyze(SPECS / "alexnet.yaml")
    biases = (96 * 55 * 55 + 256 * 27 * 27 + 384 * 13 * 13 * 2 + 256 * 13 * 13) + (
        4096 + 4096 + 1000
    )
    assert biases == 659_272
    assert report.flops_by_convention.torchinfo - report.totals.macs == biases


def test_every_convention_is_described_and_offered_on_the_command_line() -> None:
    from cnncalc.cli import CONVENTION_NAMES

    assert set(CONVENTIONS) == set(Convention)
    assert set(CONVENTION_NAMES) == {c.value for c in Convention}


def test_macs_do_not_depend_on_the_convention() -> None:
    reports = [cnncalc.analyze(SPECS / "lenet5.yaml", c) for c in Convention]
    assert len({r.totals.macs for r in reports}) == 1
    assert {r.convention for r in reports} == set(Convention)


# Each fact under each convention: the README's per-layer table, in numbers. Columns:
# connections, macs, flops, torchinfo, ptflops, fvcore, thop, torchscan.
FACTS: list[tuple[Fact, tuple[int, ...]]] = [
    # A conv: 150 weights and 6 biases at 784 positions (LeNet-5's C1).
    (WeightedSums(weights=150, parameters=156, positions=784),
     (122_304, 117_600, 235_200, 122_304, 122_304, 117_600, 117_600, 117_600)),
    # 3×5×5 → 8 maps of 11×11, 3×3 kernel: 75 inputs × 72 weights, 8 biases × 121 positions;
    # torchinfo charges its 216 weights and 8 biases at every output position, thop the
    # weights, torchscan the weights and 4 per spatial axis.
    (ScatteredSums(per_input=72, inputs=75, weights=216, biases=8, positions=121),
     (6_368, 5_400, 10_800, 27_104, 6_368, 5_400, 26_136, 26_144)),
    (Activations(function=Activation.RELU, elements=100, channels=4),
     (0, 0, 0, 0, 200, 0, 0, 0)),
    # thop: 3·4 − 1 per position, 25 positions.
    (Activations(function=Activation.SOFTMAX, elements=100, channels=4),
     (0, 0, 0, 0, 100, 0, 275, 0)),
    (Activations(function=Activation.TANH, elements=100, channels=4),
     (0, 0, 0, 0, 0, 0, 0, 0)),
    # A 2×2 max pool of 6×28×28: k·k+1 per output; ptflops 2 per input; torchscan k·k − 1
    # comparisons per output (max) or k·k − 1 additions and a division per axis (average).
    (Pooling(kind=PoolKind.MAX, window=4, outputs=1_176, inputs=4_704),
     (5_880, 0, 0, 0, 9_408, 0, 0, 3_528)),
    (Pooling(kind=PoolKind.AVG, window=4, outputs=1_176, inputs=4_704),
     (5_880, 0, 0, 0, 9_408, 0, 1_176, 5_880)),
    # 14×14 → 2×2: torchscan's window is 7×7, as adaptive pooling's are.
    (AdaptivePooling(kind=PoolKind.AVG, reads=196, outputs=4, inputs=196,
                     sizes=((14, 2), (14, 2))),
     (200, 0, 0, 0, 392, 196, 200, 200)),
    (AdaptivePooling(kind=PoolKind.MAX, reads=196, outputs=4, inputs=196,
                     sizes=((14, 2), (14, 2))),
     (200, 0, 0, 0, 392, 0, 0, 192)),
    # 7 → 3 (overlapping windows of 3, read 9 times): torchscan guesses 7 mod 3 + 1 = 2.
    (AdaptivePooling(kind=PoolKind.AVG, reads=9, outputs=3, inputs=7, rank=1, sizes=((7, 3),)),
     (12, 0, 0, 0, 14, 0, 10, 6)),
    (Interpolation(mode="bilinear", outputs=100), (400, 0, 0, 0, 200, 400, 1_100, 0)),
    (Normalisation(kind=NormKind.BATCH, elements=100, affine=True, parameters=6),
     (0, 0, 0, 6, 200, 200, 400, 200)),
    (Normalisation(kind=NormKind.BATCH, elements=100, affine=False),
     (0, 0, 0, 0, 100, 100, 200, 100)),
    (Normalisation(kind=NormKind.LAYER, elements=100, affine=True, parameters=8),
     (0, 0, 0, 8, 100, 500, 400, 0)),
    (Normalisation(kind=NormKind.GROUP, elements=100, affine=False),
     (0, 0, 0, 0, 100, 400, 0, 0)),
    (Normalisation(kind=NormKind.LOCAL_RESPONSE, elements=100, affine=False, window_inputs=120),
     (0, 0, 0, 0, 420, 0, 0, 0)),
    (Combination(kind="add", operands=2, outputs=50), (100, 0, 0, 0, 0, 0, 0, 0)),
    # A linear layer on 197 tokens (ViT-B/16's first MLP layer): torchinfo charges its
    # parameters once (measured live), every other convention at each of the 197 rows.
    (WeightedSums(weights=768 * 3072, parameters=769 * 3072, rows=197),
     (465_386_496, 464_781_312, 929_562_624, 2_362_368, 465_386_496, 464_781_312,
      464_781_312, 464_781_312)),
    # q·kᵀ of 12 heads over 197 tokens of 64 features: fvcore and ptflops count matmul
    # once per multiply-accumulate, FlopCounterMode twice; torchinfo and thop see no module.
    (MatrixProducts(batch=12, rows=197, columns=197, inner=64),
     (29_805_312, 29_805_312, 59_610_624, 0, 29_805_312, 29_805_312, 0, 0)),
]  # fmt: skip


@pytest.mark.parametrize(("fact", "expected"), FACTS, ids=lambda f: type(f).__name__)
def test_each_fact_under_each_convention(fact: Fact, expected: tuple[int, ...]) -> None:
    assert tuple(count((fact,), convention) for convention in Convention) == expected
    assert Flops.of((fact,)).counts == expected


def test_a_layer_that_states_no_facts_costs_nothing() -> None:
    counts = LayerCounts(output_shape=(3, 4, 4))
    assert counts.flops == NO_FLOPS == Flops((0,) * len(Convention))
    assert counts.macs == 0


def test_a_layers_count_is_the_sum_over_its_facts() -> None:
    conv = WeightedSums(weights=150, parameters=156, positions=784)
    relu = Activations(function=Activation.RELU, elements=4_704, channels=6)
    assert count((conv, relu), Convention.PTFLOPS) == 122_304 + 9_408
    # A folded block of many facts: one sum, on symbols too.
    n = symbol("n")
    work = (conv, relu, Activations(function=Activation.RELU, elements=n, channels=1))
    assert count(work, Convention.PTFLOPS) == 122_304 + 9_408 + 2 * n


def test_flops_by_name_and_by_convention() -> None:
    flops = Flops.of((WeightedSums(weights=10, parameters=11, positions=2),))
    assert flops.macs == flops[Convention.MACS] == 20
    assert flops.ptflops == 22
    assert list(flops.items()) == [
        ("connections", 22), ("macs", 20), ("flops", 40), ("torchinfo", 22), ("ptflops", 22),
        ("fvcore", 20), ("thop", 20), ("torchscan", 20),
    ]  # fmt: skip
    doubled = Flops((44, 40, 80, 44, 44, 40, 40, 40))
    assert Flops.total([flops, flops]) == flops + flops == doubled
    with pytest.raises(AttributeError, match="no convention named 'mflops'"):
        flops.mflops  # noqa: B018


def test_a_folded_row_counts_what_its_layers_count() -> None:
    report = cnncalc.analyze(SPECS / "resnet18.yaml")
    folded = report.folded(1)
    layer1 = folded.layer("layer1")
    members = [layer for layer in report if layer.name.startswith("layer1.")]
    assert layer1.flops_by_convention == Flops.total(m.flops_by_convention for m in members)
    assert layer1.flops_by_convention.ptflops == sum(m.flops_by_convention.ptflops for m in members)
    assert folded.flops_by_convention == report.flops_by_convention
