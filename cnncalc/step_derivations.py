"""``explain``'s derivations of a layer's receptive field and training FLOPs.

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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy

from cnncalc import ir
from cnncalc.arith import Dim
from cnncalc.formulas import Derivation
from cnncalc.receptive_field import (
    AxisField,
    ReceptiveField,
    mean_jump,
    padding_before,
    period,
    receptive_fields,
)
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
        return FieldDerivation(f"not derived: {field.why}", (), field)
    if field.kind == "whole":
        if any(source.kind == "whole" for source in sources):
            return FieldDerivation("its input already sees the whole input", (), field)
        if isinstance(node, ir.Flatten):
            what = "a flatten into a vector leaves no spatial axis: the whole input"
        else:
            what = f"a {layer.type} layer combines every position of its input: the whole input"
        return FieldDerivation(what, (), field)
    periodic = _periodic_rule(layer, node, sources, field)
    if periodic is not None:
        return FieldDerivation(periodic, (), field)
    if len(sources) > 1:
        return FieldDerivation(
            "the union of its inputs' fields: from the first start to the last end"
            + (" (their grids do not align)" if field.misaligned else ""),
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
        what = "zero padding p before" if isinstance(node, ir.ZeroPad) else "cropping −p before"
        return FieldDerivation(
            f"{what}: the same field, its start p jumps earlier", _axes(per_axis, formulas, field),
            field,
        )  # fmt: skip
    return FieldDerivation(
        "each output position reads the same position of its input: its input's field", (), field
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
            "nearest": "output i reads input ⌊i·b/a⌋",
            "bilinear": "output i reads the two inputs around x = (i + ½)·b/a − ½ "
            "(one where x is whole)",
            "bicubic": "output i reads the four inputs ⌊x⌋ − 1 … ⌊x⌋ + 2 around "
            "x = (i + ½)·b/a − ½ (one where x is whole)",
        }[node.mode]
        ratios = node.scale or tuple(
            f"{out}/{n}" for out, n in zip(node.size or (), layer.input_shape[1:], strict=True)
        )
        what = (
            f"a {node.mode} resize by a/b = {'×'.join(str(r) for r in ratios)} outputs per "
            f"input: {reads}"
        )
    elif isinstance(node, ir.ConvTranspose):
        what = "a transposed convolution: output i reads the inputs j with i = j·s − p + t·d, t < k"
    elif len(sources) > 1:
        what = "the union of its inputs' fields, output by output" + (
            " (their grids do not align)" if field.misaligned else ""
        )
    else:
        what = "each output's field is the hull of the fields of the inputs it reads"
    if period(field) is None:  # a window that undoes the resize: a plain field again
        return f"{what}; the field moves by a whole jump per output again"
    return (
        f"{what}; the field repeats every {every} outputs (mean jump "
        + "×".join(str(mean_jump(axis)) for axis in field.axes)
        + "), its largest and output 0's given"
    )


def _window(
    layer: LayerReport, node: ir.Node | None
) -> tuple[list[Dim], list[Dim], tuple[Dim, ...], list[Dim], str] | None:
    """A window layer's kernels, dilations, strides, paddings before, and its rule."""
    if isinstance(node, ir.Conv):
        kernels, dilations = list(node.kernel), list(node.dilation)
        what = f"a window of k with dilation d, stride s, padding p before: {WINDOW_RULE}"
    elif isinstance(node, ir.Pool):
        kernels, dilations = list(node.kernel), [1] * len(node.kernel)
        what = f"a window of k (d = 1), stride s, padding p before: {WINDOW_RULE}"
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
        for axes, seen, _ in groups:
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
            f"FlopCounterMode counts no FLOPs for a {layer.type} layer, forward or backward "
            "(only convolutions, linear layers and matrix products)",
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
        ("forward", forward, flops.forward, "2 FLOPs per multiply-accumulate"),
        ("backward: input", input_grad, flops.input_grad, _input_why(report, layer, facts)),
        ("backward: weights", weight_grad, flops.weight_grad, _weights_why(layer, facts)),
        ("step", forward + input_grad + weight_grad, flops.total, "the three together"),
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
                "the output's gradient through the transposed weights, as many "
                "multiply-accumulates as the forward"
            )
        elif all(name in _network_inputs(report) for name in layer.inputs):
            parts.append("none: its input is the network's, which needs no gradient")
        else:
            parts.append(
                "none: its input needs no gradient (no layer before it has trainable "
                "parameters: frozen, or none)"
            )
    if not _zero(facts.product_macs):
        parts.append(
            f"{facts.product_operands} of the matrix products' 2 operands need a gradient, "
            "each the output's gradient times the other operand"
        )
    return "; ".join(parts)


def _network_inputs(report: Report) -> set[str]:
    return {ir.NETWORK_INPUT, *(name for name, _ in report.other_inputs)}


def _weights_why(layer: LayerReport, facts: StepFacts) -> str:
    if _zero(facts.weighted_macs):
        return "none: matrix products have no weights"
    if facts.trainable:
        return (
            "its input times the output's gradient, once per weight use: as many "
            "multiply-accumulates as the forward (the bias's gradient is a sum, which "
            "FlopCounterMode does not count)"
        )
    if layer.frozen:
        return "none: the layer is frozen (trainable: false, or --freeze)"
    return "none: it has no trainable parameters"
