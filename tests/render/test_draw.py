"""The LeNet-5-style drawing: goldens (the pictures in docs/), structure, escaping, layout."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import cnncalc
from cnncalc import i18n
from cnncalc.analysis import Report
from cnncalc.render.draw_svg import build_graph, draw, lay_out, text_width
from tests.conftest import ROOT, SPECS, Golden

SVG = "{http://www.w3.org/2000/svg}"
FONT_SIZE = 11.0


def parse(spec: str | Path) -> ET.Element:
    path = spec if isinstance(spec, Path) else SPECS / f"{spec}.yaml"
    return ET.fromstring(draw(cnncalc.analyze(path)))


def nodes(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == "node"]


def edges(svg: ET.Element) -> list[tuple[str, str]]:
    return [
        (str(p.get("data-from")), str(p.get("data-to")))
        for p in svg.iter(f"{SVG}path")
        if p.get("class") == "edge"
    ]


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


# The docs' pictures are the goldens: what the README shows is what the code draws.
@pytest.mark.parametrize("spec", ["lenet5", "resnet18"])
def test_golden(spec: str, golden: Golden) -> None:
    golden.check(ROOT / "docs" / f"{spec}.svg", draw(cnncalc.analyze(SPECS / f"{spec}.yaml")))


def test_lenet5_as_the_figure_labels_it() -> None:
    svg = parse("lenet5")
    labels = [texts(node)[0] for node in nodes(svg)]
    # LeNet-5's Fig. 2: INPUT 32x32, C1: 6@28x28, …; C5 is a column of 120 units.
    assert labels == [
        "input: 1@32×32", "C1: 6@28×28", "S2: 6@14×14", "C3: 16@10×10", "S4: 16@5×5",
        "C5 + FL: 120", "F6: 84", "OUT: 10",
    ]  # fmt: skip
    assert texts(svg)[0] == "LeNet-5 (LeCun et al., 1998)"
    assert texts(svg)[-1] == (
        "60,840 parameters (60,000 trainable) · 340,908 FLOPs ('connections' convention)"
    )
    assert edges(svg) == [
        ("input", "C1"), ("C1", "S2"), ("S2", "C3"), ("C3", "S4"), ("S4", "C5"), ("C5", "F6"),
        ("F6", "OUT"),
    ]  # fmt: skip


def test_stacks_show_channels_and_scale_with_size() -> None:
    svg = parse("lenet5")
    stacks = {node.get("data-name"): list(node.iter(f"{SVG}rect")) for node in nodes(svg)}
    assert len(stacks["input"]) == 1
    assert len(stacks["C1"]) == 1 + 3  # 1 + ⌈log2 6⌉ maps stand for 6
    assert len(stacks["C3"]) == 1 + 4
    side = {name: float(rects[0].get("width", 0)) for name, rects in stacks.items()}
    assert side["input"] > side["C1"] > side["S2"] > side["C3"] > side["S4"]
    heights = {name: float(rects[0].get("height", 0)) for name, rects in stacks.items()}
    assert heights["C5"] > heights["F6"] > heights["OUT"]  # bars: 120, 84, 10 units


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("lenet5", 1 + 7),  # the input, then every layer but FL
        ("alexnet", 1 + 5 + 3 + 1 + 3),  # convs (with their ReLUs), pools, flatten, fcs
        ("resnet18", 1 + 2 + 8 * 3 + 3 + 2),  # stem; conv1, conv2, add per block; downsamples
    ],
)
def test_one_stack_per_shape_changing_layer(spec: str, expected: int) -> None:
    svg = parse(spec)
    report = cnncalc.analyze(SPECS / f"{spec}.yaml")
    drawn = nodes(svg)
    assert len(drawn) == expected
    members = [name for node in drawn for name in json.loads(node.get("data-layers", ""))]
    assert members == ["input", *(layer.name for layer in report.layers)]
    for node in drawn:
        assert node.get("data-type") not in {"relu", "batchnorm", "dropout"}


def test_shape_keeping_layers_are_named_in_the_label_they_join() -> None:
    svg = parse("resnet18")
    first = next(node for node in nodes(svg) if node.get("data-name") == "conv1")
    assert texts(first)[:3] == ["conv1", "+ bn1 + relu", "64@112×112"]
    downsample = next(n for n in nodes(svg) if n.get("data-name") == "layer2.0.downsample.0")
    assert texts(downsample)[1] == "+ downsample.1"


def test_residual_adds_have_two_arrows_in() -> None:
    svg = parse("resnet18")
    adds = [str(node.get("data-name")) for node in nodes(svg) if node.get("data-type") == "add"]
    assert len(adds) == 8
    into = [target for _, target in edges(svg)]
    assert all(into.count(add) == 2 for add in adds)
    # Every other node has one arrow in, from the node before it or a block's input.
    others = [str(n.get("data-name")) for n in nodes(svg)[1:] if n.get("data-type") != "add"]
    assert all(into.count(name) == 1 for name in others)
    assert ("layer1.1.add", "layer2.0.downsample.0") in edges(svg)
    assert ("maxpool", "layer1.0.add") in edges(svg)


def test_branches_take_lanes_and_concats_join_them() -> None:
    svg = parse("squeezenet1_0")
    into = [target for _, target in edges(svg)]
    cats = [str(n.get("data-name")) for n in nodes(svg) if n.get("data-type") == "concat"]
    assert len(cats) == 8 and all(into.count(cat) == 2 for cat in cats)
    report = cnncalc.analyze(SPECS / "squeezenet1_0.yaml")
    drawn, arrows = build_graph(report)
    lay_out(drawn, arrows)
    squeeze = next(n for n in drawn if n.names[0] == "features.3.squeeze")
    one = next(n for n in drawn if n.names[0] == "features.3.expand1x1")
    three = next(n for n in drawn if n.names[0] == "features.3.expand3x3")
    assert one.column == three.column == squeeze.column + 1
    assert one.lane != three.lane


def test_densenet_folds_pre_activations_into_the_convolution_they_feed() -> None:
    drawn, _ = build_graph(cnncalc.analyze(SPECS / "densenet121.yaml"))
    conv = next(n for n in drawn if "features.denseblock1.0.conv1" in n.names)
    assert conv.names == [
        "features.denseblock1.0.norm1", "features.denseblock1.0.relu1",
        "features.denseblock1.0.conv1", "features.denseblock1.0.norm2",
        "features.denseblock1.0.relu2",
    ]  # fmt: skip
    assert conv.type == "conv2d"


def _boxes(svg: ET.Element) -> list[tuple[int, str, tuple[float, float, float, float]]]:
    """(node number, kind, (left, top, right, bottom)) of every label and map."""
    boxes = []
    for number, node in enumerate(nodes(svg)):
        for text in node.iter(f"{SVG}text"):
            size = float(text.get("font-size", FONT_SIZE))
            half = text_width(text.text or "", size) / 2
            x, y = float(text.get("x", 0)), float(text.get("y", 0))
            boxes.append((number, "text", (x - half, y - size, x + half, y + 3)))
        for rect in node.iter(f"{SVG}rect"):
            x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
            w, h = float(rect.get("width", 0)), float(rect.get("height", 0))
            boxes.append((number, "rect", (x, y, x + w, y + h)))
    return boxes


@pytest.mark.parametrize("spec", ["lenet5", "alexnet", "resnet18", "squeezenet1_0"])
def test_no_label_overlaps_another_node(spec: str) -> None:
    boxes = _boxes(parse(spec))
    for i, (node, kind, (l1, t1, r1, b1)) in enumerate(boxes):
        for other, other_kind, (l2, t2, r2, b2) in boxes[i + 1 :]:
            if node == other or "text" not in (kind, other_kind):
                continue
            apart = r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1
            assert apart, f"{kind} of node {node} overlaps {other_kind} of node {other}"


def test_symbolic_sizes_are_drawn_nominal_and_labelled_with_formulas() -> None:
    svg = parse("lenet5-symbolic")
    c1 = next(node for node in nodes(svg) if node.get("data-name") == "C1")
    assert c1.get("data-shape") == "6@(n − k + 1)²"
    assert all(rect.get("stroke-dasharray") for rect in c1.iter(f"{SVG}rect"))
    assert "k" in " ".join(texts(svg)[-2:])  # the totals are formulas too


def test_escaping(tmp_path: Path) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text(
        "name: 'A <net> & \"co\"'\ninput: [1, 8, 8]\nlayers:\n"
        "  - {name: 'a<b&\"c\"', type: conv2d, filters: 2, kernel: 3}\n"
        "  - {name: 'r&d', type: relu}\n  - {name: '<f>', type: flatten}\n"
        '  - {name: "x\'y", type: dense, units: 3}\n'
    )
    text = draw(cnncalc.analyze(spec))
    assert "a<b" not in text and "<f>" not in text and "r&d" not in text
    svg = ET.fromstring(text)  # well-formed
    assert texts(svg)[0] == 'A <net> & "co"'
    first = nodes(svg)[1]
    assert json.loads(first.get("data-layers", "")) == ['a<b&"c"', "r&d"]
    assert ('a<b&"c"', "<f>") in edges(svg)


def test_folded_report_draws_its_rows() -> None:
    report: Report = cnncalc.analyze(SPECS / "resnet18.yaml").folded(1)
    svg = ET.fromstring(draw(report))
    names = [node.get("data-name") for node in nodes(svg)]
    assert names[:3] == ["input", "conv1", "maxpool"]
    assert [target for _, target in edges(svg)] == names[1:]  # one chain
    assert "layer4" in names


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_spec_draws_valid_svg(path: Path) -> None:
    svg = ET.fromstring(draw(cnncalc.analyze(path)))
    assert svg.tag == f"{SVG}svg"
    assert float(svg.get("width", 0)) > 0 and float(svg.get("height", 0)) > 0
    assert len(nodes(svg)) >= 2


# -- Chinese: the words under --lang zh, and fonts that draw them -------------------------


def test_the_fonts_named_include_chinese_ones_before_the_generic_family() -> None:
    family = parse("lenet5").get("font-family")
    assert family == (
        "DejaVu Sans, Verdana, Arial, Helvetica, 'Noto Sans CJK SC', 'Source Han Sans SC', "
        "'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'WenQuanYi Micro Hei', "
        "'Noto Sans SC', SimHei, sans-serif"
    )


def test_in_chinese(golden: Golden) -> None:
    report = cnncalc.analyze(SPECS / "lenet5-full-c3.yaml")
    with i18n.speaking("zh"):
        drawn = draw(report)
    golden.check("lenet5-full-c3.zh.svg", drawn)
    svg = ET.fromstring(drawn)
    assert svg.findtext(f"{SVG}title") == (
        "LeNet-5, fully connected C3 (《卷积神经网络CNN与LeNet5详解》): 网络结构图"
    )
    assert texts(svg)[0] == "LeNet-5, fully connected C3 (《卷积神经网络CNN与LeNet5详解》)"
    assert texts(svg)[-1] == (
        "参数量 61,740 (可训练参数量 60,900) · 计算量 430,908 ('connections' 口径)"
    )
    # A Chinese character is a full em wide, as CJK fonts draw it (labels are laid out by it).
    assert text_width("卷积《》", 10.0) == 4 * 10.0
