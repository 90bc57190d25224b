"""Generated networks for the benchmarks: long chains, numeric or with a symbolic input size."""

from __future__ import annotations

from typing import Any


def chain(layers: int, size: int | str = 64) -> dict[str, Any]:
    """A spec of ``layers`` layers: 3×3 convolutions (padding 1), every fifth a 2×2 pool.

    With a numeric ``size`` the pools are left out after the map reaches 2×2, so
    any length stays valid; with a symbolic one every fifth layer pools, and
    the floors nest (the symbolic path compacts them).
    """
    body: list[dict[str, Any]] = []
    current = size if isinstance(size, int) else None
    for index in range(layers):
        if index % 5 == 4 and (current is None or current >= 4):
            body.append({"type": "maxpool2d", "kernel": 2})
            current = current // 2 if current is not None else None
        else:
            body.append({"type": "conv2d", "filters": 16, "kernel": 3, "padding": 1})
    return {"name": f"chain of {layers}", "input": [3, size, size], "layers": body}
