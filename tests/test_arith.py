"""The integer arithmetic of the rules: exact, and bounded where sizes are bounded."""

from __future__ import annotations

import math

import pytest

import cnncalc
from cnncalc.analysis import METRICS
from cnncalc.arith import MAX_SIZE, window_total
from cnncalc.errors import SpecError
from cnncalc.render import render


def test_window_total_is_the_sum_of_the_windows() -> None:
    for n in range(1, 40):
        for o in range(1, 40):
            windows = sum(-((-(i + 1) * n) // o) - (i * n) // o for i in range(o))
            assert window_total(n, o) == windows


def test_window_total_of_a_huge_output_is_immediate() -> None:
    # A loop over 10**18 windows would never end; the closed form is n + o − gcd(n, o).
    assert window_total(8, 10**18) == 8 + 10**18 - 8
    assert window_total(MAX_SIZE, MAX_SIZE - 1) == 2 * MAX_SIZE - 2


def test_the_largest_counts_print_far_below_the_digit_limit() -> None:
    # The largest counts come from a 3-D convolution: c_in·k³·c_out·out³ with every size
    # at its bound (the kernel half the input maximises k³·(n − k + 1)³).
    n = MAX_SIZE
    spec = {
        "input": [n, n, n, n],
        "layers": [{"type": "conv3d", "filters": n, "kernel": n // 2, "groups": 1}],
    }
    report = cnncalc.analyze(spec, "ptflops")
    counts = [report.totals.metric(metric) for metric in METRICS]
    largest = max(counts)
    assert largest == report.totals.connections
    assert largest.bit_length() == 498  # c_in·c_out = 2**126, k³·out³ ≈ 2**372
    # 200,000 such layers (the expansion bound) add at most 18 bits: 156 digits, while
    # Python refuses to print more than 4,300.
    assert len(str(largest * 200_000)) == 156
    assert str(largest) in render(report, "json")


def test_an_output_above_the_size_bound_is_an_error() -> None:
    spec = {"input": [1, 2**62, 8], "layers": [{"name": "up", "type": "upsample", "scale": 2}]}
    with pytest.raises(SpecError) as error:
        cnncalc.analyze(spec)
    assert str(error.value) == (
        "<spec>: layer 1 'up' (upsample): its output size 9223372036854775808 is larger than "
        "2**63 − 1, the largest size PyTorch and ONNX store"
    )


def test_a_flattened_output_above_the_size_bound_is_an_error() -> None:
    spec = {"input": [2**32, 2**31, 1], "layers": [{"name": "flat", "type": "flatten"}]}
    with pytest.raises(SpecError, match="its output size 9223372036854775808 is larger"):
        cnncalc.analyze(spec)
    ok = {"input": [2**32, 2**31 - 1, 1], "layers": [{"type": "flatten"}]}
    assert cnncalc.analyze(ok).output_shape == (2**32 * (2**31 - 1),)
    assert math.prod([2**32, 2**31 - 1]) <= MAX_SIZE
