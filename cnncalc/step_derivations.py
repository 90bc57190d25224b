"""``explain``'s derivations of a layer's receptive field, training FLOPs and connection table.

In the style of :mod:`cnncalc.formulas`: each quantity is a formula in the
layer's own symbols, the values put in, and the result, which is the number
:mod:`cnncalc.receptive_field` and :mod:`cnncalc.training` give (the tests check
that the two agree).

- Receptive field, per spatial axis, through a window of ``k`` with dilation
  ``d``, stride ``s`` and padding ``p`` before (Araujo et al., Distill 2019):
  ``r_out = r_in + (k − 1)·d·j_in``, ``j_out = j_in·s``,
  ``start_out = start_in − p·j_in``, from the field of the layer's input
  (``r_in``, ``j_in``, ``start_in``; the network's input: 1, 1, 0). Axes with the
  same numbers are derived once. Other layers keep, shift, unite or widen the
  field; that is said in words, with the result. Through an upsampling or a
  transposed convolution (and every layer after one) the field repeats every
  few outputs (:mod:`cnncalc.receptive_periodic`): the rule says which input
  positions each output reads and how the phases follow, in words, with the result.
- Training FLOPs of one sample, as FlopCounterMode counts them around
  ``loss.backward()``, from the layer's multiply-accumulates: the forward
  ``2·MACs``; the input's gradient ``2·MACs`` where the input needs one; the
  weights' ``2·MACs`` where the layer has trainable parameters; each with why it
  is there or not.
- A convolution's connection table (LeNet-5's C3, LeCun et al. 1998 Table I):
  output map ``j`` reads ``n_j`` input maps, so the layer has
  ``Σ_j (n_j·k_h·k_w + 1)`` trainable parameters and that many connections per
  output position, worked out from the table alone.

The words (a rule, a why) are in the active language (:mod:`cnncalc.i18n`): JSON
derives them in English.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy

from cnncalc import ir
from cnncalc.arith import Dim, grouped_sum, prod, total
from cnncalc.formulas import Derivation
from cnncalc.i18n import _, pgettext
from cnncalc.receptive_field import (
    AxisField,
    ReceptiveField,
    adaptive_windows,
    mean_jump,
    padding_before,
    period,
    receptive_fields,
)
from cnncalc.render.math import Style, formula_text
from cnncalc.spec.network import output_of
from cnncalc.training import StepFacts, step_facts

if TYPE_CHECKING:
    from cnncalc.analysis import LayerReport, Report

AXIS_NAMES = {1: ("l",), 2: ("h", "w"), 3: ("d", "h", "w")}
"""The spatial axes' names by rank, as :mod:`cnncalc.formulas` names them."""

WINDOW_RULE = "r_out = r_in + (k − 1)·d·j_in, j_out = j_in·s, start_out = start_in − p·j_in"
"""The recurrence of a window (Araujo et al., Distill 2019, eq. 1–3, start at the first
position)."""


def _symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True)


R_IN, J_IN, START_IN = _symbol("r_in"), _symbol("j_in"), _symbol("start_in")
K, D, S, P = _symbol("k"), _symbol("d"), _symbol("s"), _symbol("p")
MACS, MACS_W, MACS_P = _symbol("MACs"), _symbol("MACs_w"), _symbol("MACs_p")


@dataclass(frozen=True, slots=True)
class AxisDerivation:
    """The field's size, jump and start along ``axes`` (several: their numbers agree)."""

    axes: tuple[str, ...]
    values: dict[sympy.Symbol, Dim]
    quantities: tuple[Derivation, ...]


@dataclass(frozen=True, slots=True)
class FieldDerivation:
    """How a layer's receptive field follows from its input's."""

    rule: str
    """What the layer does to the field, in words."""
    axes: tuple[AxisDerivation, ...]
    """The recurrence worked out per axis; empty where ``rule`` says it all."""
    field: ReceptiveField
    """The result, as :func:`cnncalc.receptive_field.receptive_fields` gives it."""


def field_derivation(report: Report, layer: LayerReport) -> FieldDerivation:
    """The derivation of ``layer``'s receptive field (an unfolded ``report``)."""
    fields = receptive_fields(report)
    start = ReceptiveField(tuple(AxisField(1, 1, 0) for _ in report.input_shape[1:]))
    known = {ir.NETWORK_INPUT, *(name for name, _ in report.other_inputs), *fields}
    sources = [
        fields.get(output_of(name, known), start) for name in layer.inputs
    ]  # the network's inputs see themselves: 1, 1, 0
    field = fields[layer.name]
    node = layer.node
    if field.kind == "unknown":
        return FieldDerivation(_("not derived: {why}").format(why=field.why), (), field)
    if field.kind == "whole":
        if any(source.kind == "whole" for source in sources):
            return FieldDerivation(_("its input already sees the whole input"), (), field)
        if isinstance(node, ir.Flatten):
            what = _("a flatten into a vector leaves no spatial axis: the whole input")
        else:
            what = _(
                "the {type} layer combines every position of its input: the whole input"
            ).format(type=layer.type)
        return FieldDerivation(what, (), field)
    periodic = _periodic_rule(layer, node, sources, field)
    if periodic is not None:
        return FieldDerivation(periodic, (), field)
    if len(sources) > 1:
        return FieldDerivation(
            _("the union of its inputs' fields: from the first start to the last end")
            + (_(" (their grids do not align)") if field.misaligned else ""),
            (),
            field,
        )
    source = sources[0]
    window = _window(layer, node)
    if window is not None:
        kernels, dilations, strides, befores, rule = window
        per_axis = [
            {R_IN: axis.size, J_IN: axis.jump, START_IN: axis.start, K: k, D: d, S: s, P: p}
            for axis, k, d, s, p in zip(
                source.axes, kernels, dilations, strides, befores, strict=True
            )
        ]
        formulas = (R_IN + (K - 1) * D * J_IN, J_IN * S, START_IN - P * J_IN)
        return FieldDerivation(rule, _axes(per_axis, formulas, field), field)
    shift = _shift(node)
    if shift is not None:
        per_axis = [
            {R_IN: axis.size, J_IN: axis.jump, START_IN: axis.start, P: p}
            for axis, p in zip(source.axes, shift, strict=True)
        ]
        formulas = (R_IN, J_IN, START_IN - P * J_IN)
        what = (
            _("zero padding p before: the same field, its start p jumps earlier")
            if isinstance(node, ir.ZeroPad)
            else _("cropping −p before: the same field, its start p jumps earlier")
        )
        return FieldDerivation(what, _axes(per_axis, formulas, field), field)
    return FieldDerivation(
        _("each output position reads the same position of its input: its input's field"),
        (),
        field,
    )


def _periodic_rule(
    layer: LayerReport, node: ir.Node | None, sources: list[ReceptiveField], field: ReceptiveField
) -> str | None:
    """In words, how a field that repeats every few outputs follows (``None``: it does not)."""
    if period(field) is None and not any(period(source) for source in sources):
        return None
    every = "×".join(str(p) for p in period(field) or [1] * len(field.axes))
    if isinstance(node, ir.Upsample):
        reads = {
            "nearest": _("output i reads input ⌊i·b/a⌋"),
            "bilinear": _(
                "output i reads the two inputs around x = (i + ½)·b/a − ½ (one where x is whole)"
            ),
            "bicubic": _(
                "output i reads the four inputs ⌊x⌋ − 1 … ⌊x⌋ + 2 around x = (i + ½)·b/a − ½ "
                "(one where x is whole)"
            ),
        }[node.mode]
        ratios = node.scale or tuple(
            f"{out}/{n}" for out, n in zip(node.size or (), layer.input_shape[1:], strict=True)
        )
        what = _("a {mode} resize by a/b = {ratios} outputs per input: {reads}").format(
            mode=node.mode, ratios="×".join(str(r) for r in ratios), reads=reads
        )
    elif isinstance(node, ir.ConvTranspose):
        what = _(
            "a transposed convolution: output i reads the inputs j with i = j·s − p + t·d, t < k"
        )
    elif len(sources) > 1:
        what = _("the union of its inputs' fields, output by output") + (
            _(" (their grids do not align)") if field.misaligned else ""
        )
    else:
        what = _("each output's field is the hull of the fields of the inputs it reads")
    if period(field) is None:  # a window that undoes the resize: a plain field again
        return _("{what}; the field moves by a whole jump per output again").format(what=what)
    return _(
        "{what}; the field repeats every {period} outputs (mean jump {jump}), its largest and "
        "output 0's given"
    ).format(what=what, period=every, jump="×".join(str(mean_jump(axis)) for axis in field.axes))


def _window(
    layer: LayerReport, node: ir.Node | None
) -> tuple[list[Dim], list[Dim], tuple[Dim, ...], list[Dim], str] | None:
    """A window layer's kernels, dilations, strides, paddings before, and its rule."""
    if isinstance(node, ir.Conv):
        kernels, dilations = list(node.kernel), list(node.dilation)
        what = _("a window of k with dilation d, stride s, padding p before: {rule}").format(
            rule=WINDOW_RULE
        )
    elif isinstance(node, ir.Pool):
        kernels, dilations = list(node.kernel), [1] * len(node.kernel)
        what = _("a window of k (d = 1), stride s, padding p before: {rule}").format(
            rule=WINDOW_RULE
        )
    elif isinstance(node, ir.AdaptivePool) and node.output_size is not None:
        adaptive = adaptive_windows(layer)
        assert adaptive is not None  # else the field is unknown, derived no further
        zeros: list[Dim] = [0] * len(adaptive)
        what = _(
            "an adaptive pooling of an input size n a multiple of its output size m: "
            "PyTorch's windows, stride s = n/m and k = n − (m − 1)·s, no padding: {rule}"
        ).format(rule=WINDOW_RULE)
        return adaptive, [1] * len(adaptive), tuple(adaptive), zeros, what
    else:
        return None
    windows = [d * (k - 1) + 1 for k, d in zip(kernels, dilations, strict=True)]
    befores = padding_before(layer, windows, node.stride, node.padding)
    assert befores is not None  # else the field is unknown, derived no further
    return kernels, dilations, node.stride, befores, what


def _shift(node: ir.Node | None) -> list[Dim] | None:
    """Zero padding's ``p`` before each axis; cropping's as ``−c``."""
    if isinstance(node, ir.ZeroPad):
        return [before for before, _ in node.padding]
    if isinstance(node, ir.Crop):
        return [-before for before, _ in node.cropping]
    return None


def _axes(
    per_axis: list[dict[sympy.Symbol, Dim]], formulas: tuple[Any, ...], field: ReceptiveField
) -> tuple[AxisDerivation, ...]:
    """Each axis's size, jump and start; axes with the same values once."""
    names = AXIS_NAMES.get(len(per_axis), tuple(str(i) for i in range(len(per_axis))))
    groups: list[tuple[list[str], dict[sympy.Symbol, Dim], AxisField]] = []
    for name, values, result in zip(names, per_axis, field.axes, strict=True):
        for axes, seen, _result in groups:
            if seen == values:
                axes.append(name)
                break
        else:
            groups.append(([name], values, result))
    titles = ("size", "jump", "start")
    return tuple(
        AxisDerivation(
            tuple(axes),
            values,
            tuple(
                Derivation(title, formula, values, value)
                for title, formula, value in zip(
                    titles, formulas, (result.size, result.jump, result.start), strict=True
                )
            ),
        )
        for axes, values, result in groups
    )


# -- training FLOPs -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainingTerm:
    """One term of a layer's training FLOPs: its derivation, and why it is what it is."""

    derivation: Derivation
    why: str


@dataclass(frozen=True, slots=True)
class TrainingDerivation:
    """The forward, the input's and the weights' gradients, and the step, of one sample."""

    terms: tuple[TrainingTerm, ...]
    """Empty for a layer FlopCounterMode counts nothing for (``why`` says so)."""
    values: dict[sympy.Symbol, Dim]
    why: str = ""


def training_derivation(report: Report, layer: LayerReport) -> TrainingDerivation:
    """The derivation of ``layer``'s training FLOPs of one sample (an unfolded ``report``)."""
    facts = step_facts(report)[layer.name]
    flops = facts.flops
    if _zero(facts.weighted_macs) and _zero(facts.product_macs):
        return TrainingDerivation(
            (),
            {},
            _(
                "FlopCounterMode counts no FLOPs for a {type} layer, forward or backward (only "
                "convolutions, linear layers and matrix products)"
            ).format(type=layer.type),
        )
    both = not _zero(facts.weighted_macs) and not _zero(facts.product_macs)
    weighted = (MACS_W if both else MACS) if not _zero(facts.weighted_macs) else 0
    products = (MACS_P if both else MACS) if not _zero(facts.product_macs) else 0
    values: dict[sympy.Symbol, Dim] = {}
    if both:
        values = {MACS_W: facts.weighted_macs, MACS_P: facts.product_macs}
    else:
        values = {MACS: facts.weighted_macs if weighted else facts.product_macs}
    forward = 2 * weighted + 2 * products
    input_grad = (2 * weighted if facts.input_needs_grad else 0) + (
        2 * facts.product_operands * products
    )
    weight_grad = 2 * weighted if facts.trainable else 0
    terms = (
        ("forward", forward, flops.forward, _("2 FLOPs per multiply-accumulate")),
        ("backward: input", input_grad, flops.input_grad, _input_why(report, layer, facts)),
        ("backward: weights", weight_grad, flops.weight_grad, _weights_why(layer, facts)),
        ("step", forward + input_grad + weight_grad, flops.total, _("the three together")),
    )
    return TrainingDerivation(
        tuple(
            TrainingTerm(Derivation(name, sympy.sympify(formula), values, result), why)
            for name, formula, result, why in terms
        ),
        values,
    )


def _zero(value: Dim) -> bool:
    return type(value) is int and value == 0


def _input_why(report: Report, layer: LayerReport, facts: StepFacts) -> str:
    parts = []
    if not _zero(facts.weighted_macs):
        if facts.input_needs_grad:
            parts.append(
                _(
                    "the output's gradient through the transposed weights, as many "
                    "multiply-accumulates as the forward"
                )
            )
        elif all(name in _network_inputs(report) for name in layer.inputs):
            parts.append(_("none: its input is the network's, which needs no gradient"))
        else:
            parts.append(
                _(
                    "none: its input needs no gradient (no layer before it has trainable "
                    "parameters: frozen, or none)"
                )
            )
    if not _zero(facts.product_macs):
        parts.append(
            _(
                "{count} of the matrix products' 2 operands need a gradient, each the output's "
                "gradient times the other operand"
            ).format(count=facts.product_operands)
        )
    return pgettext("between clauses", "; ").join(parts)


def _network_inputs(report: Report) -> set[str]:
    return {ir.NETWORK_INPUT, *(name for name, _ in report.other_inputs)}


def _weights_why(layer: LayerReport, facts: StepFacts) -> str:
    if _zero(facts.weighted_macs):
        return _("none: matrix products have no weights")
    if facts.trainable:
        return _(
            "its input times the output's gradient, once per weight use: as many "
            "multiply-accumulates as the forward (the bias's gradient is a sum, which "
            "FlopCounterMode does not count)"
        )
    if layer.frozen:
        return _("none: the layer is frozen (trainable: false, or --freeze)")
    return _("none: it has no trainable parameters")


# -- connection tables ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableDerivation:
    """A convolution's connection table, and the counts it implies.

    Output map ``j`` reads ``n_j`` input maps: it has ``n_j·k_h·k_w`` weights and a
    bias, so the layer has ``Σ_j (n_j·k_h·k_w + 1)`` trainable parameters and, one per
    weight use and one per bias, that many connections per output position. LeNet-5's
    C3 (LeCun et al. 1998, Table I): ``6·(3·5·5 + 1) + 9·(4·5·5 + 1) + (6·5·5 + 1) =
    1,516`` and ``1516·10·10 = 151,600``. Worked out from the table alone, apart from
    the convolution rule (a test checks that the two agree); the terms are grouped by
    ``n_j``, as the table's columns are counted.
    """

    layer: str
    """The layer's name (``C3``)."""
    source: str
    """The layer whose maps are read (``S2``), or the network's input."""
    input_maps: int
    """The table's rows: the input's maps, or up to the last map the table reads when the
    input's channels are a symbol."""
    reads: ir.ConnectionTable
    """For each output map, the input maps it reads, as the spec gives them."""
    params: Derivation
    """The trainable parameters, grouped by ``n_j``."""
    connections: Derivation
    """The parameters times the output positions."""
    kernel: tuple[sympy.Symbol, ...]
    """The kernel's symbols, ``k_h, k_w``."""
    outputs: tuple[sympy.Symbol, ...]
    """The output positions' symbols, ``h_out, w_out``."""
    bias: bool

    @property
    def inputs(self) -> tuple[int, ...]:
        """``n_j``: how many input maps each output map reads."""
        return tuple(len(row) for row in self.reads)

    def general(self, style: Style = "unicode") -> str:
        """``Σ_j (n_j·k_h·k_w + 1)``: the trainable parameters in the table's terms."""
        times = r" \cdot " if style == "latex" else "·"
        weights = times.join(formula_text(s, style) for s in (N_J, *self.kernel))
        if style == "latex":
            return r"\sum_{j} " + (rf"\left({weights} + 1\right)" if self.bias else weights)
        return "Σ_j " + (f"({weights} + 1)" if self.bias else weights)

    def connections_general(self, style: Style = "unicode") -> str:
        """``Σ_j (n_j·k_h·k_w + 1)·h_out·w_out``: one connection per weight use and bias."""
        times = r" \cdot " if style == "latex" else "·"
        return times.join([self.general(style), *(formula_text(s, style) for s in self.outputs)])


N_J = _symbol("n_j")
PARAMS = _symbol("params")


def table_derivation(layer: LayerReport) -> TableDerivation | None:
    """The connection table of ``layer`` and what it implies; None for a layer without one."""
    node = layer.node
    if not isinstance(node, ir.Conv) or node.connection_table is None:
        return None
    table = node.connection_table
    rank = len(node.kernel)
    axes = AXIS_NAMES.get(rank, tuple(str(i) for i in range(rank)))
    kernel = tuple(_symbol(f"k_{axis}") for axis in axes)
    outputs = tuple(_symbol(f"{axis}_out") for axis in axes)
    values: dict[sympy.Symbol, Dim] = dict(zip(kernel, node.kernel, strict=True))
    values |= dict(zip(outputs, layer.output_shape[1:], strict=True))
    bias = int(node.bias)
    weights_per_input = prod(node.kernel)
    counts = Counter(len(row) for row in table)
    params = total(n * weights_per_input + bias for n in (len(row) for row in table))
    grouped = grouped_sum((counts[n], n * sympy.Mul(*kernel) + bias) for n in sorted(counts))
    connections = params * prod(layer.output_shape[1:])
    channels = layer.input_shape[0]
    return TableDerivation(
        layer=layer.name,
        source=layer.inputs[0] if layer.inputs else ir.NETWORK_INPUT,
        input_maps=channels if isinstance(channels, int) else max(max(r) for r in table) + 1,
        reads=table,
        params=Derivation("trainable params", grouped, values, params),
        connections=Derivation(
            "connections",
            sympy.Mul(PARAMS, *outputs, evaluate=False),
            {**values, PARAMS: params},
            connections,
        ),
        kernel=kernel,
        outputs=outputs,
        bias=bool(bias),
    )
