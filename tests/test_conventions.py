"""Whole networks under every convention, against the peers' own measured output.

Recorded 2026-11-22 on torch 2.13.0 (CPU) with torchinfo 1.8.0, fvcore
0.1.5.post20221221, ptflops 0.7.5 (default pytorch backend) and
torch.utils.flop_counter.FlopCounterMode, batch 1, on the seed networks built
in torch.nn exactly as lenet5-modern.yaml (seed 001) and alexnet.yaml (seed 003)
describe them. The differential test of issue 5 re-measures them in CI.
"""

from __future__ import annotations

import pytest

import cnncalc
from cnncalc.conventions import CONVENTIONS, Convention
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
