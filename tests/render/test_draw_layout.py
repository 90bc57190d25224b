"""The drawing's layout on large and branching graphs: linear work, bounded height, --depth."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import cnncalc
from cnncalc.cli import main
from cnncalc.render.draw_svg import build_graph, draw, lay_out
from tests.conftest import SPECS

SVG = "{http://www.w3.org/2000/svg}"


def fan_out(layers: int) -> dict[str, Any]:
    """``a0`` then adds that each read the add before and ``a0``: one layer read by all."""
    body: list[dict[str, Any]] = [{"name": "a0", "type": "conv2d", "filters": 4, "kernel": 1}]
    body += [{"name": f"a{i}", "type": "add", "inputs": [f"a{i - 1}", "a0"]}
             for i in range(1, layers)]  # fmt: skip
    return {"name": "fan-out", "input": [4, 8, 8], "layers": body}


def dead_ends(layers: int, branches: int) -> dict[str, Any]:
    """A chain ``main0…`` with a dead-end head ``aux{i}`` beside the first ``branches`` links."""
    body: list[dict[str, Any]] = []
    previous = "input"
    for i in range(layers):
        if i < branches:
            body.append({"name": f"aux{i}", "type": "conv2d", "filters": 2, "kernel": 1,
                         "input": previous})  # fmt: skip
        body.append({"name": f"main{i}", "type": "conv2d", "filters": 4, "kernel": 1,
                     "input": previous})  # fmt: skip
        previous = f"main{i}"
    return {"name": "dead ends", "input": [4, 8, 8], "layers": body}


def height(spec: dict[str, Any]) -> float:
    return float(ET.fromstring(draw(cnncalc.analyze(spec))).get("height", 0))


def path_commands(spec: dict[str, Any]) -> int:
    """Line and curve commands in all the edges' paths: the drawing's routing work."""
    svg = ET.fromstring(draw(cnncalc.analyze(spec)))
    return sum(
        len(re.findall(r"[LC]", path.get("d", "")))
        for path in svg.iter(f"{SVG}path")
        if path.get("class") == "edge"
    )


@pytest.mark.parametrize("layers", [10, 40, 300])
def test_edges_from_one_layer_share_a_bus(layers: int) -> None:
    # a0 feeds every add; each such edge passes the columns up to its add. Drawn one lane
    # an edge, that was layers² work and a staircase of lanes; as one bus it is one lane,
    # entered once per column, and each edge leaves it with one curve.
    nodes, edges = build_graph(cnncalc.analyze(fan_out(layers)))
    layout = lay_out(nodes, edges)
    assert layout.lanes == 2
    assert len(layout.bus_lanes) == layers - 2  # the columns of a1 … a(n−2)
    # n edges to the next column (1 command each), the trunk (2 a column it passes, + 1),
    # and n − 3 other edges that leave it (1 each): 4n − 6.
    assert path_commands(fan_out(layers)) == 4 * layers - 6


def test_the_height_does_not_grow_with_the_length() -> None:
    assert height(fan_out(300)) == height(fan_out(10))


def test_a_dead_end_does_not_push_the_main_line_down() -> None:
    # An auxiliary head nobody reads stands beside each link: the main line stays in the top
    # lane and the heads take the one below, however many there are.
    one, fifty = height(dead_ends(50, 1)), height(dead_ends(50, 50))
    assert fifty == one
    nodes, edges = build_graph(cnncalc.analyze(dead_ends(50, 50)))
    layout = lay_out(nodes, edges)
    assert layout.lanes == 2
    assert {node.lane for node in nodes if node.names[0].startswith("main")} == {0}
    assert {node.lane for node in nodes if node.names[0].startswith("aux")} == {1}


def test_a_dead_end_listed_first_still_steps_aside() -> None:
    # aux0 reads the input before main0 does and comes first in the report: the old layout
    # gave it the lane, pushing every later layer one lane down.
    nodes, edges = build_graph(cnncalc.analyze(dead_ends(3, 1)))
    lay_out(nodes, edges)
    lanes = {node.names[0]: node.lane for node in nodes}
    assert lanes == {"input": 0, "aux0": 1, "main0": 0, "main1": 0, "main2": 0}


def test_draw_depth_folds_blocks_into_one_stack_each(tmp_path: Path) -> None:
    out = tmp_path / "resnet18.svg"
    assert main(["draw", str(SPECS / "resnet18.yaml"), "-o", str(out), "--depth", "1"]) == 0
    svg = ET.parse(out).getroot()
    labels = [
        [text.text for text in group.iter(f"{SVG}text")]
        for group in svg.iter(f"{SVG}g")
        if group.get("class") == "node"
    ]
    assert labels == [
        ["input", "3@224×224"],
        ["conv1", "+ bn1 + relu", "64@112×112", "conv2d"],
        ["maxpool", "64@56×56", "maxpool2d"],
        ["layer1", "64@56×56", "basic ×2"],
        ["layer2", "128@28×28", "basic ×2"],
        ["layer3", "256@14×14", "basic ×2"],
        ["layer4", "512@7×7", "basic ×2"],
        ["avgpool", "+ flatten", "512", "adaptive_avgpool2d"],
        ["fc", "1000", "dense"],
    ]


def test_draw_depth_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.svg"
    assert main(["draw", str(SPECS / "resnet18.yaml"), "-o", str(out), "--depth", "0"]) == 2
    assert capsys.readouterr().err == (
        "error: argument --depth: takes a positive whole number, got '0' "
        "(see 'cnncalc draw --help')\n"
    )


def test_a_folded_row_keeps_the_skips_its_layers_read() -> None:
    # A U-Net's decoder reads the encoder beside its first layer: folded by --depth 1 (a
    # group of one layer keeps its name), the decoder's row reads both, and the drawing has
    # the skip as an edge.
    spec = {
        "input": [4, 8, 8],
        "layers": [
            {"name": "enc.conv", "type": "conv2d", "filters": 4, "kernel": 1},
            {"name": "mid.conv", "type": "conv2d", "filters": 4, "kernel": 1},
            {"name": "dec.conv", "type": "conv2d", "filters": 4, "kernel": 1},
            {"name": "dec.cat", "type": "concat", "inputs": ["dec.conv", "enc.conv"]},
        ],
    }
    folded = cnncalc.analyze(spec).folded(1)
    assert folded.layer("dec").inputs == ("mid.conv", "enc.conv")
    nodes, edges = build_graph(folded)
    names = [node.names[0] for node in nodes]
    assert [(names[e.source], names[e.target]) for e in edges] == [
        ("input", "enc.conv"), ("enc.conv", "mid.conv"), ("mid.conv", "dec"), ("enc.conv", "dec"),
    ]  # fmt: skip
