"""Hypothesis strategies and brute-force oracles shared by the rule tests."""

from __future__ import annotations

from hypothesis import strategies as st


def brute_force_positions(
    n: int, k: int, s: int, before: int, after: int, d: int = 1, ceil_mode: bool = False
) -> int:
    """How many windows fit, by walking the window over the padded axis.

    A window starts at ``j·s`` (padded coordinates) and spans ``d·(k−1)+1``.
    Floor mode: it must end inside the padded input. Ceil mode (PyTorch): it may
    overhang the end, but must start inside the input or the left padding, and
    it may start no later than one stride past the last floor-mode window.
    """
    extent = d * (k - 1) + 1
    padded = n + before + after
    count = 0
    start = 0
    while True:
        fits = start + extent <= padded
        overhang_ok = ceil_mode and start + extent <= padded + s - 1 and start < n + before
        if not (fits or overhang_ok):
            return count
        count += 1
        start += s


sizes = st.integers(min_value=1, max_value=40)
small = st.integers(min_value=1, max_value=6)
