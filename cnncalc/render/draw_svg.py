"""The network drawn the way the LeNet-5 figure draws it (LeCun et al. 1998, Fig. 2).

The figure shows each layer's output, left to right: a stack of feature maps
labelled ``C1: feature maps 6@28x28``, and the fully connected layers as
columns of units (``F6: layer 84``). This drawing follows it:

- a layer's output is a stack of offset rectangles, one for a few of its maps
  (their number grows with the log of the channel count), each rectangle's
  sides growing with the square root of the spatial sizes (with a minimum and
  a maximum), so 224×224 and 7×7 both read; a flat output, or maps of 1×1, is
  a thin bar whose length grows with the square root of the units, capped
  (a capped bar carries a break mark);
- layers that keep the shape (activations, dropout, normalisation, a flatten
  of 1×1 maps) get no stack of their own: they are named in the label of the
  layer they follow (``conv1 + bn1 + relu``), or of the one they feed;
- graphs (residual adds, concatenations) are laid out in columns by their
  longest path from the input, branches in lanes below one another, and every
  edge is an arrow; the edges that leave one layer for columns further on run
  in one lane of their own (a bus), and the main line keeps the top lane
  before dead ends (:func:`lay_out`), so the drawing's height follows the
  graph's width, and its cost the number of layers, edges and columns passed;
- sizes that are formulas (a symbolic spec) are drawn at a nominal size with
  a dashed outline, and labelled with the formula.

The SVG is written with :mod:`xml.etree.ElementTree` (which escapes ``<``,
``&`` and quotes in layer names; their control characters, which XML forbids,
are shown as escapes by :func:`cnncalc.safe_text.xml_text`, so the file always
parses) and presentation attributes only, no ids or CSS, so that it can be
inlined in HTML pages next to other drawings. Text widths are estimated from
DejaVu Sans's advance widths, the widest of the usual sans-serif fonts, so
labels do not overlap in narrower fonts either; a Chinese character counts a
full em, as CJK fonts draw it. The fonts named (:data:`FONT_FAMILY`) include
the usual CJK ones, so that a viewer draws Chinese names and words
(``--lang zh``) in a Chinese font. The output depends only on the report (and
the language): golden files can pin it.
"""

from __future__ import annotations

import itertools
import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from cnncalc.analysis import LayerReport, Report
from cnncalc.arith import Dim, Shape
from cnncalc.i18n import _
from cnncalc.ir import NETWORK_INPUT
from cnncalc.render.fonts import CSS_CJK_FAMILIES
from cnncalc.render.text import count
from cnncalc.render.text import shape as shape_text
from cnncalc.safe_text import xml_text

PASS_THROUGH = frozenset({
    "relu", "relu6", "tanh", "sigmoid", "softmax", "hardswish", "gelu", "silu",
    "dropout", "identity", "batchnorm", "layernorm", "groupnorm", "lrn",
})  # fmt: skip
"""Layer types that keep their input's shape and get no stack of their own."""

# -- sizes (px) --------------------------------------------------------------------

SIDE_SCALE, SIDE_MIN, SIDE_MAX = 8.0, 8.0, 120.0
"""A map's side is 8·√size: 32 → 45, 28 → 42, 7 → 21, 224 → 120 (the cap)."""
BAR_WIDTH, BAR_SCALE, BAR_MIN, BAR_MAX = 10.0, 4.0, 12.0, 160.0
"""A flat output's bar is 4·√units long: 10 → 13, 84 → 37, 1000 → 126, 4096 capped."""
NOMINAL_SIDE, NOMINAL_BAR, NOMINAL_MAPS = 40.0, 60.0, 4
"""Sizes drawn for dimensions that are formulas."""
MAX_MAPS, MAP_DX, MAP_DY = 10, 4.0, 3.0
"""At most 10 rectangles per stack, each 4 px right of and 3 px above the one before."""
FONT, SMALL, TITLE = 11.0, 10.0, 16.0
LINE = 14.0
"""Font sizes and the label line height."""
GAP, LANE_GAP, MARGIN = 36.0, 18.0, 20.0
"""Space between columns (for the arrows), between lanes, and around the drawing."""
ARROW = 6.0
MIN_WIDTH = 640.0
"""The narrowest drawing: room for the caption's totals on one line."""
SINGLE_LINE_MAX = 110.0
"""Labels are one line (``C1: 6@28×28``) when every label fits in this width."""

FONT_FAMILY = f"DejaVu Sans, Verdana, Arial, Helvetica, {CSS_CJK_FAMILIES}, sans-serif"
"""Latin fonts first (the widths are DejaVu Sans's), then CJK fonts for Chinese."""
INK, EDGE, MUTED = "#222222", "#555555", "#666666"
COLOURS = {
    "input": ("#eeeeee", "#555555"),
    "conv": ("#dbe9f6", "#2f5f8f"),
    "pool": ("#dcefdc", "#2e6b2e"),
    "dense": ("#fbe5cc", "#8a5a14"),
    "merge": ("#eadcf2", "#5e3a78"),
    "other": ("#f2f2f2", "#555555"),
}
"""(fill, stroke) by layer family."""

# DejaVu Sans advance widths of the printable ASCII characters, in thousandths of an em.
_ADVANCE = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
_ADVANCE_OTHER = {
    "×": 838, "·": 318, "−": 838, "⌊": 390, "⌋": 390, "⌈": 390, "⌉": 390, "²": 401, "³": 401,
}  # fmt: skip


def text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """Estimated width of ``text`` in px (other characters count as a full em)."""
    thousandths = sum(
        _ADVANCE[ord(ch) - 32] if " " <= ch <= "~" else _ADVANCE_OTHER.get(ch, 1000) for ch in text
    )
    return thousandths * size / 1000 * (1.1 if bold else 1.0)


# -- the graph of drawn nodes --------------------------------------------------------


@dataclass(slots=True)
class Node:
    """One stack in the drawing: a layer and the shape-keeping layers folded into it."""

    order: int
    """Position in the report (0 is the network's input)."""
    members: list[LayerReport]
    """The layers it stands for, in report order; empty for the network's input."""
    shape: Shape
    column: int = 0
    lane: int = 0

    @property
    def anchor(self) -> LayerReport | None:
        """The member that gives the node its name: the first that changes the shape."""
        if not self.members:
            return None
        changing = [m for m in self.members if not _keeps_shape(m)]
        return (changing or self.members)[0]

    @property
    def type(self) -> str:
        anchor = self.anchor
        return xml_text(anchor.type) if anchor else "input"

    @property
    def names(self) -> list[str]:
        """The members' names as drawn (XML-safe: controls shown as escapes)."""
        return [xml_text(m.name) for m in self.members] or [NETWORK_INPUT]


@dataclass(frozen=True, slots=True)
class Edge:
    source: int
    """Index of the source node."""
    target: int


def _keeps_shape(layer: LayerReport) -> bool:
    """Whether the layer only passes its single input on in the same shape, as drawn.

    A flatten of ``c×1×1`` maps counts: LeNet-5's figure draws C5 (120 maps of
    1×1) as the column of 120 units that F6 reads.
    """
    if len(layer.input_shapes) != 1:
        return False
    before, after = layer.input_shape, layer.output_shape
    if layer.type in PASS_THROUGH:
        return before == after
    if layer.type == "flatten":
        return before == after or (
            len(after) == 1 and before[0] == after[0] and all(d == 1 for d in before[1:])
        )
    return False


def _sources(report: Report) -> list[list[int]]:
    """Each layer's inputs as layer indices (-1 for the network's input).

    A folded report (``Report.folded``) keeps what each group's layers read
    from outside it, which may name a layer folded into a row: it is read as the latest
    row above whose name is a prefix of it (``layer1`` for ``layer1.1.relu``),
    found by looking up the name's prefixes, not by scanning the rows above.
    """
    latest: dict[str, int] = {}
    others = {name for name, _ in report.other_inputs}
    result: list[list[int]] = []
    for i, layer in enumerate(report.layers):
        found: list[int] = []
        for name in layer.inputs:
            if name == NETWORK_INPUT or name in others:  # an input of the network
                source = -1
            elif name in latest:
                source = latest[name]
            else:
                parts = name.split(".")
                rows = [latest.get(".".join(parts[:end]), -2) for end in range(1, len(parts))]
                source = max(rows, default=-2)
                if source == -2:
                    source = i - 1
            if source not in found:
                found.append(source)
        result.append(found)
        latest[layer.name] = i
    return result


def _fold(report: Report, sources: list[list[int]]) -> list[list[int]]:
    """The layers of each drawn node (as indices, in report order), nodes in report order.

    A shape-keeping layer joins the node of the layer it reads when that layer
    feeds nothing else (``conv1 + bn1 + relu``); failing that (its input also
    feeds a skip connection, as in DenseNet) it joins the node of the one layer
    it feeds, if that layer reads nothing else (``norm1 + relu1 + conv1``).
    Otherwise it keeps a stack of its own. Either way only a node's last layer
    feeds other nodes, and only its first reads them.
    """
    layers = report.layers
    consumers: list[list[int]] = [[] for _ in layers]
    for i, found in enumerate(sources):
        for source in found:
            if source >= 0:
                consumers[source].append(i)
    parent = list(range(len(layers)))

    def root(i: int) -> int:
        top = i
        while parent[top] != top:
            top = parent[top]
        while parent[i] != top:  # path compression: a long chain is walked once
            parent[i], i = top, parent[i]
        return top

    tail = list(range(len(layers)))
    for i, layer in enumerate(layers):
        source = sources[i][0] if len(sources[i]) == 1 else -1
        if _keeps_shape(layer) and source >= 0 and consumers[source] == [i]:
            parent[i] = root(source)
            tail[parent[i]] = i
    # Latest first, so that the node a chain joins has already joined its own.
    for i in reversed(range(len(layers))):
        last = tail[i]
        if (
            parent[i] == i
            and _keeps_shape(layers[i])
            and len(consumers[last]) == 1
            and sources[consumers[last][0]] == [last]
        ):
            parent[i] = root(consumers[last][0])
    groups: dict[int, list[int]] = {}
    for i in range(len(layers)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values())


def build_graph(report: Report) -> tuple[list[Node], list[Edge]]:
    """The drawn nodes (the input first, then in report order) and the edges between them."""
    sources = _sources(report)
    nodes = [Node(0, [], report.input_shape)]
    node_of = {-1: 0}
    for group in _fold(report, sources):
        members = [report.layers[i] for i in group]
        nodes.append(Node(len(nodes), members, members[-1].output_shape))
        node_of.update(dict.fromkeys(group, len(nodes) - 1))
    edges: list[Edge] = []
    seen: set[Edge] = set()
    for i, found in enumerate(sources):
        for source in found:
            edge = Edge(node_of[source], node_of[i])
            if edge.source != edge.target and edge not in seen:
                seen.add(edge)
                edges.append(edge)
    return nodes, edges


# -- layout: columns by longest path, lanes for branches -----------------------------


@dataclass(slots=True)
class Layout:
    nodes: list[Node]
    edges: list[Edge]
    columns: int
    lanes: int
    bus_lanes: dict[tuple[int, int], int] = field(default_factory=dict)
    """(bus, column) → lane, for the columns a bus passes through.

    A bus carries the edges that leave one node for columns beyond the next
    (its id is that node's order): they share one lane, as wires from one
    terminal share a trunk, so a layer read by a thousand later ones takes one
    lane, not a thousand, and each column is visited once per bus, not per edge.
    """
    trunks: dict[int, int] = field(default_factory=dict)
    """bus → the edge drawn along its whole length (to the farthest target); the
    bus's other edges are drawn from the trunk, where they leave it."""
    arriving: list[tuple[int, int]] = field(default_factory=list)
    """For each edge: its position among the edges into its target, and their number."""

    def is_long(self, k: int) -> bool:
        """Whether edge ``k`` passes a column (and so runs in its source's bus)."""
        edge = self.edges[k]
        return self.nodes[edge.target].column > self.nodes[edge.source].column + 1


def lay_out(nodes: list[Node], edges: list[Edge]) -> Layout:
    """Columns by longest path from the input; lanes so that each branch runs straight.

    Column by column, each node asks for the highest lane among those its
    edges arrive in, and each bus passing through asks for the lane it was
    in; nodes are served before passing buses, and whoever finds a lane taken
    moves down to the next free one. A chain thus stays in lane 0, and a skip
    connection runs beside it in lane 1. Among equals, what leads to the
    network's output goes first: a dead end (an auxiliary head nobody reads)
    steps aside for the main line, so it never pushes the main line down, and
    the drawing is as tall as the graph is wide, whatever its length.

    Cost: one visit per node, edge and column a bus passes, and a sort per
    column; nodes are in report order, so every edge points forward.
    """
    incoming: list[list[int]] = [[] for _ in nodes]
    outgoing: list[list[int]] = [[] for _ in nodes]
    for k, edge in enumerate(edges):
        incoming[edge.target].append(k)
        outgoing[edge.source].append(k)
    for node in nodes:
        node.column = max((nodes[edges[k].source].column + 1 for k in incoming[node.order]),
                          default=0)  # fmt: skip
    layout = Layout(nodes, edges, max(node.column for node in nodes) + 1, 1)
    live = _main_line(nodes, edges, incoming)
    in_column: list[list[Node]] = [[] for _ in range(layout.columns)]
    for node in nodes:
        in_column[node.column].append(node)
    passing = _buses(layout, outgoing)

    def bus_lane(bus: int, column: int) -> int:
        """The lane bus ``bus`` occupies in ``column`` (its source's, right of the source)."""
        source = nodes[bus]
        return source.lane if column == source.column else layout.bus_lanes[bus, column]

    for column in range(1, layout.columns):
        wants: list[tuple[int, int, bool, int, int, int]] = []
        # (lane, kind, dead end, order, edge, key): nodes (kind 0) before buses (1).
        for node in in_column[column]:
            lane = min(bus_lane(edges[k].source, column - 1) for k in incoming[node.order])
            wants.append((lane, 0, not live[node.order], node.order, node.order, node.order))
        for bus in passing[column]:
            trunk = layout.trunks[bus]
            target = edges[trunk].target
            wants.append((bus_lane(bus, column - 1), 1, not live[target], target, trunk, bus))
        wants.sort()
        # Sorted by the lane wanted, each takes the first free one at or below it:
        # the lanes taken so far end at the last one given.
        last = -1
        for wanted, kind, _dead_end, _order, _edge, key in wants:
            last = max(wanted, last + 1)
            if kind == 0:
                nodes[key].lane = last
            else:
                layout.bus_lanes[key, column] = last
    _close_up(layout)
    layout.arriving = [(0, 1)] * len(edges)
    for arrows in incoming:
        for position, k in enumerate(arrows):
            layout.arriving[k] = (position, len(arrows))
    return layout


def _main_line(nodes: list[Node], edges: list[Edge], incoming: list[list[int]]) -> list[bool]:
    """For each node, whether the last one (the network's output) is reached from it."""
    live = [False] * len(nodes)
    live[-1] = True
    for node in reversed(nodes):
        if live[node.order]:
            for k in incoming[node.order]:
                live[edges[k].source] = True
    return live


def _buses(layout: Layout, outgoing: list[list[int]]) -> list[list[int]]:
    """Each node's edges that pass columns, as one bus: its trunk, and the columns it passes."""
    nodes, edges = layout.nodes, layout.edges
    passing: list[list[int]] = [[] for _ in range(layout.columns)]
    for node in nodes:
        long = [k for k in outgoing[node.order] if layout.is_long(k)]
        if long:
            trunk = max(long, key=lambda k: (nodes[edges[k].target].column, -k))
            layout.trunks[node.order] = trunk
            for column in range(node.column + 1, nodes[edges[trunk].target].column):
                passing[column].append(node.order)
    return passing


def _close_up(layout: Layout) -> None:
    """Number the lanes in use from 0, closing up those that ended up empty."""
    used = sorted({node.lane for node in layout.nodes} | set(layout.bus_lanes.values()))
    rank = {lane: i for i, lane in enumerate(used)}
    for node in layout.nodes:
        node.lane = rank[node.lane]
    layout.bus_lanes = {key: rank[lane] for key, lane in layout.bus_lanes.items()}
    layout.lanes = len(used)


# -- glyphs: stacks and bars ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Glyph:
    """A stack of ``maps`` rectangles of ``width × height``, or a bar (``maps == 1``)."""

    width: float
    height: float
    maps: int
    nominal: bool
    """Drawn at a nominal size because a dimension is a formula."""
    capped: bool = False
    """A bar cut short at :data:`BAR_MAX`."""

    @property
    def box_width(self) -> float:
        return self.width + (self.maps - 1) * MAP_DX

    @property
    def above(self) -> float:
        """How far it reaches above the front map's centre line."""
        return self.height / 2 + (self.maps - 1) * MAP_DY

    @property
    def right_at_centre(self) -> float:
        """x offset of the rightmost map edge on the centre line (where edges leave)."""
        behind = min(self.maps - 1, math.floor(self.height / 2 / MAP_DY))
        return self.width + behind * MAP_DX


def _side(size: Dim) -> tuple[float, bool]:
    if not isinstance(size, int):
        return NOMINAL_SIDE, True
    return min(SIDE_MAX, max(SIDE_MIN, SIDE_SCALE * math.sqrt(size))), False


def _bar(units: Dim) -> Glyph:
    if not isinstance(units, int):
        return Glyph(BAR_WIDTH, NOMINAL_BAR, 1, nominal=True)
    length = max(BAR_MIN, BAR_SCALE * math.sqrt(units))
    return Glyph(BAR_WIDTH, min(length, BAR_MAX), 1, nominal=False, capped=length > BAR_MAX)


def glyph(shape: Shape) -> Glyph:
    """The stack (or bar) that stands for an output of ``shape``."""
    if len(shape) <= 1 or all(d == 1 for d in shape[1:]):
        return _bar(shape[0] if shape else 1)
    channels = shape[0]
    if isinstance(channels, int):
        maps = min(channels, MAX_MAPS, 1 + math.ceil(math.log2(channels)))
    else:
        maps = NOMINAL_MAPS
    height, nominal_h = _side(shape[-2] if len(shape) > 2 else shape[-1])
    width, nominal_w = _side(shape[-1]) if len(shape) > 2 else (BAR_WIDTH, False)
    nominal = nominal_h or nominal_w or not isinstance(channels, int)
    return Glyph(width, height, max(1, maps), nominal)


# -- labels ------------------------------------------------------------------------


def shape_label(shape: Shape) -> str:
    """The figure's notation: ``6@28×28`` for maps, ``84`` for a flat output."""
    if len(shape) <= 1:
        return count(shape[0]).replace(",", "") if shape else "1"
    spatial = [shape_text((d,)) for d in shape[1:]]
    # A square of formulas once: 6@(n − k + 1)² rather than the formula twice.
    if len(set(shape[1:])) == 1 and not isinstance(shape[1], int) and not shape[1].is_Atom:
        spatial = [f"{spatial[0]}{'²' if len(spatial) == 2 else '³'}"]
    return f"{shape_text(shape[:1])}@{'×'.join(spatial)}"


def _short(name: str, anchor: str) -> str:
    """``layer1.0.bn1`` shown as ``bn1`` beside ``layer1.0.conv1``: the shared prefix dropped."""
    parts, anchor_parts = name.split("."), anchor.split(".")
    shared = 0
    while shared < min(len(parts), len(anchor_parts)) - 1 and parts[shared] == anchor_parts[shared]:
        shared += 1
    # A bare number says nothing: downsample.1, not 1, beside downsample.0.
    while shared > 0 and parts[shared].isdigit():
        shared -= 1
    return ".".join(parts[shared:])


def _name_lines(node: Node) -> list[str]:
    """The first member's full name, then ``+ bn1 + relu1`` wrapped to about its width."""
    names = node.names
    first, rest = names[0], [_short(n, names[0]) for n in names[1:]]
    lines = [first]
    limit = max(text_width(first), 90.0)
    for name in rest:
        piece = f"+ {name}"
        if len(lines) > 1 and text_width(f"{lines[-1]} {piece}") <= limit:
            lines[-1] = f"{lines[-1]} {piece}"
        else:
            lines.append(piece)
    return lines


def labels(nodes: list[Node]) -> dict[int, list[str]]:
    """Each node's label lines: ``C1: 6@28×28`` if every label fits one line, else stacked."""
    single = {
        node.order: " + ".join([node.names[0], *(_short(n, node.names[0]) for n in node.names[1:])])
        + f": {shape_label(node.shape)}"
        for node in nodes
    }
    if all(text_width(line) <= SINGLE_LINE_MAX for line in single.values()):
        return {order: [line] for order, line in single.items()}
    return {node.order: [*_name_lines(node), shape_label(node.shape)] for node in nodes}


def _family(node: Node) -> str:
    kind = node.type
    if not node.members:
        return "input"
    if kind.startswith("conv"):
        return "conv"
    if "pool" in kind or kind == "subsampling":
        return "pool"
    if kind in {"dense", "rbf"}:
        return "dense"
    if kind in {"add", "concat", "multiply"}:
        return "merge"
    return "other"


# -- placing ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Geometry:
    """Where everything goes: columns left to right, lanes top to bottom."""

    glyphs: dict[int, Glyph]
    lefts: list[float]
    widths: list[float]
    centres: list[float]
    """The centre line of each lane, through the front maps of its stacks."""
    channels: list[float]
    """The height at which edges run through a column where their lane is free."""
    width: float
    height: float
    caption: list[str]

    def front(self, node: Node) -> tuple[float, float]:
        """The left edge of the node's front map, and its centre line."""
        spare = self.widths[node.column] - self.glyphs[node.order].box_width
        return self.lefts[node.column] + spare / 2, self.centres[node.lane]


def measure(report: Report, layout: Layout, texts: dict[int, list[str]]) -> Geometry:
    """Columns as wide as their widest stack or label; lanes as tall as theirs."""
    glyphs = {node.order: glyph(node.shape) for node in layout.nodes}
    widths = [16.0] * layout.columns
    above = [10.0] * layout.lanes
    below = [10.0] * layout.lanes
    for node in layout.nodes:
        g, lines = glyphs[node.order], texts[node.order]
        label = max(text_width(line) for line in lines)
        kind = text_width(node.type, SMALL) if node.members else 0.0
        widths[node.column] = max(widths[node.column], g.box_width, label, kind)
        above[node.lane] = max(above[node.lane], g.above + 6 + len(lines) * LINE)
        below[node.lane] = max(below[node.lane], g.height / 2 + 6 + LINE)
    # Running sums (one pass): the sum of widths[:c] for every c would be quadratic.
    before = itertools.accumulate(widths[:-1], initial=0.0)
    lefts = [MARGIN + left + c * GAP for c, left in enumerate(before)]
    top = MARGIN + TITLE + 16
    centres, channels = [], []
    for lane in range(layout.lanes):
        centres.append(top + above[lane])
        # An edge passing a column runs near the top of its lane, close to the
        # branch it bypasses, rather than down at the centre line of the lane.
        channels.append(top + 4 if lane else centres[-1])
        top += above[lane] + below[lane] + LANE_GAP
    width = max(
        lefts[-1] + widths[-1] + MARGIN,
        2 * MARGIN + text_width(xml_text(report.name), TITLE, bold=True),
        MIN_WIDTH,
    )
    # A symbolic report's totals are long formulas: the caption wraps to the drawing.
    caption = _wrap(_caption(report), width - 2 * MARGIN)
    height = top - LANE_GAP + 10 + len(caption) * LINE + MARGIN
    return Geometry(glyphs, lefts, widths, centres, channels, width, height, caption)


def _caption(report: Report) -> str:
    """Total parameters and FLOPs, and the convention the FLOPs are counted under."""
    totals = report.totals
    params = _("{count} parameters").format(count=count(totals.params))
    if totals.non_trainable_params != 0:
        params += _(" ({count} trainable)").format(count=count(totals.trainable_params))
    return _("{parameters} · {flops} FLOPs ('{convention}' convention)").format(
        parameters=params, flops=count(totals.flops), convention=report.convention
    )


def _wrap(text: str, width: float) -> list[str]:
    """Words filled greedily into lines of at most ``width`` px."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


# -- writing --------------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate with at most one decimal, without trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def draw(report: Report) -> str:
    """The report's network as a standalone SVG document (see the module docstring)."""
    nodes, edges = build_graph(report)
    layout = lay_out(nodes, edges)
    texts = labels(nodes)
    geometry = measure(report, layout, texts)
    width, height = _n(geometry.width), _n(geometry.height)
    svg = ET.Element("svg", {
        "xmlns": "http://www.w3.org/2000/svg", "width": width, "height": height,
        "viewBox": f"0 0 {width} {height}", "font-family": FONT_FAMILY, "font-size": _n(FONT),
        "fill": INK,
    })  # fmt: skip
    title = xml_text(report.name)
    ET.SubElement(svg, "title").text = _("{network}: network diagram").format(network=title)
    ET.SubElement(svg, "rect", {"width": "100%", "height": "100%", "fill": "#ffffff"})
    ET.SubElement(svg, "text", {
        "x": _n(MARGIN), "y": _n(MARGIN + TITLE), "font-size": _n(TITLE), "font-weight": "bold",
    }).text = title  # fmt: skip
    edge_group = ET.SubElement(svg, "g", {"fill": "none", "stroke": EDGE, "stroke-width": "1.2"})
    for k in range(len(edges)):
        _draw_edge(edge_group, layout, k, geometry)
    for node in nodes:
        _draw_node(svg, node, texts[node.order], geometry)
    for i, line in enumerate(geometry.caption):
        y = geometry.height - MARGIN - (len(geometry.caption) - 1 - i) * LINE
        ET.SubElement(svg, "text", {"x": _n(MARGIN), "y": _n(y), "fill": MUTED}).text = line
    ET.indent(svg, space=" ")
    return ET.tostring(svg, encoding="unicode") + "\n"


def _draw_node(parent: ET.Element, node: Node, lines: list[str], geometry: Geometry) -> None:
    """The stack (back maps first, so the front one is whole), its label and its type."""
    fill, stroke = COLOURS[_family(node)]
    g = geometry.glyphs[node.order]
    x, y = geometry.front(node)
    # data-*: what the node stands for, for tests and scripts (the layers as a JSON list).
    group = ET.SubElement(parent, "g", {
        "class": "node", "data-name": node.names[0], "data-type": node.type,
        "data-layers": json.dumps(node.names, ensure_ascii=False),
        "data-shape": shape_label(node.shape),
    })  # fmt: skip
    ET.SubElement(group, "title").text = "\n".join(
        [f"{xml_text(f'{m.name} ({m.type})')} → {shape_text(m.output_shape)}" for m in node.members]
        or [f"{NETWORK_INPUT} {shape_text(node.shape)}"]
    )
    style = {"fill": fill, "stroke": stroke}
    if g.nominal:
        style["stroke-dasharray"] = "4 2"
    top = y - g.height / 2
    for i in reversed(range(g.maps)):
        ET.SubElement(group, "rect", {
            "x": _n(x + i * MAP_DX), "y": _n(top - i * MAP_DY),
            "width": _n(g.width), "height": _n(g.height), **style,
        })  # fmt: skip
    if g.capped:  # in the upper quarter, away from the arrows at the centre line
        _break_mark(group, x, top + g.height / 4, g.width, stroke)
    centre = geometry.lefts[node.column] + geometry.widths[node.column] / 2
    first_baseline = y - g.above - 9 - (len(lines) - 1) * LINE
    for i, line in enumerate(lines):
        ET.SubElement(group, "text", {
            "x": _n(centre), "y": _n(first_baseline + i * LINE), "text-anchor": "middle",
        }).text = line  # fmt: skip
    if node.members:
        ET.SubElement(group, "text", {
            "x": _n(centre), "y": _n(y + g.height / 2 + 6 + SMALL), "text-anchor": "middle",
            "font-size": _n(SMALL), "font-style": "italic", "fill": MUTED,
        }).text = node.type  # fmt: skip


def _break_mark(parent: ET.Element, x: float, y: float, width: float, stroke: str) -> None:
    """The axis-break sign across a bar cut short: two slanted lines with a gap between."""
    corners = ((x - 2, y + 1), (x + width + 2, y - 3), (x + width + 2, y + 1), (x - 2, y + 5))
    ET.SubElement(parent, "polygon", {
        "points": " ".join(f"{_n(px)},{_n(py)}" for px, py in corners),
        "fill": "#ffffff", "stroke": "none",
    })  # fmt: skip
    for dy in (1.0, 5.0):
        ET.SubElement(parent, "line", {
            "x1": _n(x - 2), "y1": _n(y + dy), "x2": _n(x + width + 2), "y2": _n(y + dy - 4),
            "stroke": stroke,
        })  # fmt: skip


def _draw_edge(parent: ET.Element, layout: Layout, k: int, geometry: Geometry) -> None:
    """An arrow from the source's right side to the target's left, through its own lanes.

    Between columns the line bends in an S; through a column it runs level.
    Several arrows into one node (an add, a concat) end side by side.
    """
    edge = layout.edges[k]
    source, target = layout.nodes[edge.source], layout.nodes[edge.target]
    if layout.is_long(k) and layout.trunks[source.order] != k:
        # The trunk draws the bus up to here: this edge leaves it after the column
        # before its target (drawing the shared part again would cost its length).
        column = target.column - 1
        level = geometry.channels[layout.bus_lanes[source.order, column]]
        points = [(geometry.lefts[column] + geometry.widths[column], level)]
    else:
        x, y = geometry.front(source)
        points = [(x + geometry.glyphs[source.order].right_at_centre, y)]
        for column in range(source.column + 1, target.column):
            level = geometry.channels[layout.bus_lanes[source.order, column]]
            left = geometry.lefts[column]
            points += [(left, level), (left + geometry.widths[column], level)]
    position, arrows = layout.arriving[k]
    height = geometry.glyphs[target.order].height
    spread = min(6.0, (height - 4) / (arrows - 1)) if arrows > 1 else 0.0
    x, y = geometry.front(target)
    y += (position - (arrows - 1) / 2) * spread
    points.append((x - ARROW, y))
    path = [f"M{_n(points[0][0])},{_n(points[0][1])}"]
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        if abs(y1 - y2) < 0.05:
            path.append(f"L{_n(x2)},{_n(y2)}")
        else:
            middle = _n((x1 + x2) / 2)
            path.append(f"C{middle},{_n(y1)} {middle},{_n(y2)} {_n(x2)},{_n(y2)}")
    ET.SubElement(parent, "path", {
        "class": "edge", "data-from": source.names[0], "data-to": target.names[0],
        "d": " ".join(path),
    })  # fmt: skip
    ET.SubElement(parent, "polygon", {
        "points": f"{_n(x - ARROW)},{_n(y - 3.5)} {_n(x)},{_n(y)} {_n(x - ARROW)},{_n(y + 3.5)}",
        "fill": EDGE, "stroke": "none",
    })  # fmt: skip
