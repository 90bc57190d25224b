"""The README's per-layer convention table, evaluated: each cell's formula against cnncalc.

The table is what a user reads to know what a number means, so it is checked
against the convention functions it describes: for a layer of each row, built
with known sizes, every cell that states a formula (or 0) is evaluated with
those sizes and must equal the layer's count under that column's convention.
A cell in words (``trainable params``) is not evaluated; every row named here
must exist and every convention must have its column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pytest

import cnncalc
from cnncalc.conventions import Convention
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def per_layer_table() -> dict[str, dict[str, str]]:
    """Each row's cells by convention, keyed by the row's first cell."""
    section = README.split("Per layer type (", 1)[1].split("\n\n", 2)[1]
    lines = section.splitlines()  # the table, up to the blank line after it
    header = [cell.strip() for cell in lines[0].strip("|").split(" | ")]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        rows[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    return rows


TOKEN = re.compile(r"`([^`]+)`|(?:^|(?<=[\s(,;]))0(?=$|[\s),;])")
"""A formula in backticks, or a bare 0: a cell's variants, in order."""


def variants(cell: str) -> list[str]:
    return [match.group(1) or "0" for match in TOKEN.finditer(cell)]


def evaluate(formula: str, sizes: dict[str, int]) -> Fraction:
    """A README formula (``(c·K + b)·out``, ``8·c²·P``) with the sizes put in, exactly."""
    python = formula.replace("·", "*").replace("−", "-").replace("²", "**2")
    python = re.sub(r"\bin\b", "in_", python.replace(" mod ", " % "))  # a keyword
    if not re.fullmatch(r"[\w\s()*+\-/%.]+", python):
        raise ValueError(f"not a formula: {formula!r}")
    values = {("in_" if name == "in" else name): Fraction(n) for name, n in sizes.items()}
    result: Fraction = eval(python, {"__builtins__": {}}, values)  # the README, not input
    return Fraction(result)


@dataclass(frozen=True)
class Example:
    """A spec whose last layer is an instance of ``row``, its sizes in the table's letters,
    and which of a cell's variants it is (0: the first; a cell with fewer, its last)."""

    row: str
    spec: dict[str, Any]
    sizes: dict[str, int]
    variant: int = 0


def net(shape: list[int], *layers: dict[str, Any]) -> dict[str, Any]:
    return {"input": shape, "framework": "pytorch", "layers": list(layers)}


EXAMPLES = [
    Example("conv2d", net([3, 12, 12], {"type": "conv2d", "filters": 8, "kernel": 3,
                                         "padding": 1}),
            {"c": 3, "K": 9, "b": 1, "out": 8 * 144}),
    Example("conv2d", net([4, 10, 10], {"type": "conv2d", "filters": 6, "kernel": 3,
                                         "groups": 2, "bias": False}),
            {"c": 2, "K": 9, "b": 0, "out": 6 * 64}),
    Example("dense (`n` → `m`)", net([20], {"type": "dense", "units": 7}),
            {"n": 20, "m": 7, "b": 1}),
    Example("subsampling", net([6, 28, 28], {"type": "subsampling", "kernel": 2, "stride": 2}),
            {"K": 4, "out": 6 * 14 * 14}),
    Example("maxpool2d, avgpool2d", net([6, 28, 28], {"type": "maxpool2d", "kernel": 2,
                                                       "stride": 2}),
            {"K": 4, "out": 6 * 14 * 14, "in": 6 * 28 * 28}, 0),
    Example("maxpool2d, avgpool2d", net([6, 28, 28], {"type": "avgpool2d", "kernel": 3,
                                                       "stride": 2}),
            {"K": 9, "out": 6 * 13 * 13, "in": 6 * 28 * 28}, 1),
    Example("rbf (`n` → `m`)", net([84], {"type": "rbf", "units": 10}), {"n": 84, "m": 10}),
    Example("conv_transpose2d", net([3, 5, 5], {"type": "conv_transpose2d", "filters": 8,
                                                 "kernel": 3, "stride": 2}),
            {"c_in": 3, "h_in": 5, "w_in": 5, "c_out": 8, "g": 1, "K": 9, "b": 1,
             "h_out": 11, "w_out": 11, "out": 8 * 121, "macs": 3 * 25 * 8 * 9}),
    Example("adaptive / global pooling (`R` window elements read)",
            net([3, 14, 14], {"type": "global_avgpool"}),
            {"R": 3 * 196, "W": 196, "out": 3, "in": 3 * 196}, 0),
    Example("adaptive / global pooling (`R` window elements read)",
            net([3, 7, 7], {"type": "adaptive_maxpool2d", "output_size": [3, 3]}),
            {"R": 3 * 9 * 9, "W": 4, "out": 27, "in": 3 * 49}, 1),
    Example("relu, gelu, elu", net([4, 5, 5], {"type": "relu"}), {"out": 100}),
    Example("tanh, sigmoid, hardswish, hardsigmoid, mish", net([4, 5, 5], {"type": "tanh"}),
            {"out": 100}),
    Example("batchnorm", net([4, 5, 5], {"type": "batchnorm"}), {"out": 100}, 0),
    Example("batchnorm", net([4, 5, 5], {"type": "batchnorm", "center": False, "scale": False}),
            {"out": 100}, 1),
    Example("layernorm", net([6, 10], {"type": "layernorm", "over": "last"}), {"out": 60}, 0),
    Example("groupnorm", net([4, 5, 5], {"type": "groupnorm", "groups": 2, "affine": False}),
            {"out": 100}, 1),
    Example("add, multiply (`k` inputs); position_embedding, layer_scale, "
            "relative_position_bias (2)",
            net([4, 5, 5], {"name": "a", "type": "relu"}, {"name": "b", "type": "tanh",
                                                            "input": "input"},
                {"type": "add", "inputs": ["a", "b", "input"]}),
            {"k": 3, "out": 100}),
    Example("dense on `t` tokens (`n` → `m`)", net([6, 10], {"type": "dense", "units": 4}),
            {"t": 6, "n": 10, "m": 4, "b": 1}),
    Example("patch_merging (`P = ⌈h/2⌉·⌈w/2⌉` positions, `c`)",
            net([5, 7, 8], {"type": "patch_merging"}),
            {"P": 4 * 3, "c": 8, "macs": 8 * 8**2 * 4 * 3}),
    Example("flatten, dropout, identity, zeropad2d, concat, reshape, permute, transpose, "
            "unflatten, split, chunk, select, slice, channel_shuffle, crop2d, scalar",
            net([4, 5, 5], {"type": "flatten"}), {}),
]  # fmt: skip


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.row[:24]}-{e.variant}")
def test_each_cell_with_a_formula_is_the_conventions_count(example: Example) -> None:
    row = per_layer_table()[example.row]
    report = cnncalc.analyze(example.spec)
    layer = report.layers[-1]
    checked = 0
    for convention in Convention:
        options = variants(row[convention.value])
        if not options:
            continue  # a cell in words
        formula = options[min(example.variant, len(options) - 1)]
        expected = evaluate(formula, example.sizes)
        assert layer.flops_by_convention[convention] == expected, (convention, formula)
        checked += 1
    assert checked >= len(Convention) - 1  # at most one cell in words per row


def test_every_convention_has_a_column_and_the_examples_cover_most_rows() -> None:
    table = per_layer_table()
    assert all(set(cells) == {c.value for c in Convention} for cells in table.values())
    covered = {example.row for example in EXAMPLES}
    assert covered <= set(table)
    assert len(covered) >= len(table) // 2
