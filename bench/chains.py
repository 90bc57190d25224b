"""Generated networks for the benchmarks: long chains, graphs, blocks and Keras configs.

Each generator returns plain data (a spec as a dict, or a Keras config) whose
size is its first argument, so the benchmarks and the tests can grow it tenfold
and watch the cost.
"""

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


def add_chain(layers: int) -> dict[str, Any]:
    """A residual chain: ``relu`` then ``add`` of it and the previous add, ``layers`` in all.

    Every add reads the add two layers above it, so each skip edge passes one
    column of the drawing: a graph as long as it is narrow.
    """
    body: list[dict[str, Any]] = [{"name": "a0", "type": "conv2d", "filters": 4, "kernel": 1}]
    for index in range(1, (layers + 1) // 2):
        body.append({"name": f"r{index}", "type": "relu"})
        body.append({"name": f"a{index}", "type": "add", "inputs": [f"r{index}", f"a{index - 1}"]})
    return {"name": f"add chain of {len(body)}", "input": [4, 8, 8], "layers": body}


def dead_ends(layers: int, branches: bool = True) -> dict[str, Any]:
    """A chain of dense layers with, beside each, a dead-end head nobody reads.

    ``main{i}`` reads ``main{i-1}``; ``aux{i}`` (when ``branches``) reads
    ``main{i-1}`` too and feeds nothing, as an auxiliary classifier does. Few
    fields a layer, so that 100,000 layers stay under the spec's value bound.
    """
    body: list[dict[str, Any]] = []
    previous = "input"
    for index in range(layers):
        if branches:
            body.append({"name": f"x{index}", "type": "dense", "units": 2, "input": previous})
        body.append({"name": f"m{index}", "type": "dense", "units": 16})
        previous = f"m{index}"
    return {"name": "dead ends" if branches else "chain", "input": [16], "layers": body}


def repeat_block(repeat: int, relus: int = 1) -> dict[str, Any]:
    """A block of ``relus`` ReLUs repeated ``repeat`` times (the issue's 100-byte spec)."""
    return {
        "name": f"relu ×{repeat}",
        "input": [1, 4, 4],
        "blocks": {"b": {"layers": [{"type": "relu"}] * relus}},
        "layers": [{"name": "r", "block": "b", "repeat": repeat}],
    }


def relu_chain(layers: int) -> dict[str, Any]:
    """``layers`` unnamed ReLU layers (names generated: ``relu_1``, ``relu_2``, …)."""
    return {"name": f"relu chain of {layers}", "input": [1, 4, 4],
            "layers": [{"type": "relu"}] * layers}  # fmt: skip


def symbolic_chain(layers: int) -> dict[str, Any]:
    """``layers`` 3×3 convolutions (padding 1) on an ``n×n`` input: sizes stay ``n``."""
    conv = {"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1}
    return {"name": f"symbolic chain of {layers}", "input": [3, "n", "n"],
            "layers": [conv] * layers}  # fmt: skip


def keras_reversed(layers: int) -> dict[str, Any]:
    """A Keras 2 Functional config of ``layers`` ReLUs in a chain, listed last first."""
    entries: list[dict[str, Any]] = [{
        "class_name": "InputLayer", "name": "in", "inbound_nodes": [],
        "config": {"name": "in", "batch_input_shape": [None, 8, 8, 4]},
    }]  # fmt: skip
    previous = "in"
    for index in range(layers):
        name = f"relu_{index}"
        entries.append({
            "class_name": "ReLU", "name": name, "config": {"name": name},
            "inbound_nodes": [[[previous, 0, 0, {}]]],
        })  # fmt: skip
        previous = name
    return {
        "class_name": "Functional",
        "config": {
            "name": f"reversed {layers}",
            "layers": [entries[0], *reversed(entries[1:])],
            "input_layers": [["in", 0, 0]],
            "output_layers": [[previous, 0, 0]],
        },
    }


def fan_out(layers: int) -> dict[str, Any]:
    """A chain of adds that each read the first layer too: one layer read by all the others.

    Every edge from ``a0`` passes all the columns before its add, so a drawing
    that routed each edge through a lane of its own would be quadratic.
    """
    body: list[dict[str, Any]] = [{"name": "a0", "type": "conv2d", "filters": 4, "kernel": 1}]
    for index in range(1, layers):
        body.append({"name": f"a{index}", "type": "add", "inputs": [f"a{index - 1}", "a0"]})
    return {"name": f"fan-out of {layers}", "input": [4, 8, 8], "layers": body}
