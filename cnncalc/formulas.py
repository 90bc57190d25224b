"""General formulas and step-by-step derivations, from the same rules that give the numbers.

A layer's general formula is its own rule run on symbols: each size field of
its IR node becomes a symbol named after it (``filters`` → ``c_out``,
``kernel`` → ``k_h, k_w``, ``stride`` → ``s_h, s_w``, ``groups`` → ``g``), its
input shape becomes ``(c_in, h_in, w_in)`` (or ``(n_in,)``), and the output
sizes the rule computes are named ``h_out, w_out``. No formula is written twice:
the derivation of C1's 156 parameters is ``rule(symbols)`` printed, then
printed again with the values put in, then ``rule(ints)``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import sympy

from cnncalc import ir
from cnncalc.arith import Dim, Shape
from cnncalc.conventions import DEFAULT_CONVENTION, Convention, count
from cnncalc.errors import CnncalcError, RuleError
from cnncalc.i18n import _
from cnncalc.render.math import Style, formula_text
from cnncalc.rules import LayerCounts, apply_rule
from cnncalc.symbolic import collecting_conditions, symbol

AXES = {1: ("l",), 2: ("h", "w"), 3: ("d", "h", "w")}
"""Names of the spatial axes by rank."""

FIELD_SYMBOLS = {
    "filters": "c_out",
    "units": "n_out",
    "groups": "g",
    "heads": "h",
    "size": "size",
    "kernel": "k",
    "stride": "s",
    "dilation": "d",
    "padding": "p",
}
"""The symbol each IR size field is written with in formulas."""

METRIC_NAMES = {
    "trainable_params": "trainable params",
    "non_trainable_params": "non-trainable params",
    "macs": "MACs",
    "flops": "FLOPs",
    "neurons": "neurons",
    "connections": "connections",
}
"""The count metrics a derivation covers, with their display names."""


@dataclass(frozen=True, slots=True)
class Derivation:
    """One quantity of a layer: its general formula, the values put in, the result."""

    name: str
    formula: Any
    """A sympy expression in the layer's own quantities."""
    values: Mapping[sympy.Symbol, Dim]
    result: Dim

    def general(self, style: Style = "unicode") -> str:
        """The formula in symbols: ``(c_in·k_h·k_w/g + 1)·c_out``."""
        return _printed(self.formula, style, ())

    def substituted(self, style: Style = "unicode") -> str:
        """The formula with the values put in: ``(5·5 + 1)·6``."""
        return _printed(self.formula, style, tuple(self.values.items()))


@functools.lru_cache(maxsize=8192)
def _printed(formula: Any, style: Style, values: tuple[tuple[sympy.Symbol, Dim], ...]) -> str:
    """:func:`formula_text`, cached: the layers of a long chain print the same few formulas."""
    return formula_text(formula, style, dict(values))


@dataclass(frozen=True, slots=True)
class LayerDerivation:
    """Every quantity of one layer, and the values of its own symbols."""

    quantities: dict[str, Derivation]
    values: Mapping[sympy.Symbol, Dim]

    def __getitem__(self, metric: str) -> Derivation:
        return self.quantities[metric]


def derive(
    node: ir.Node, input_shapes: tuple[Shape, ...], convention: Convention = DEFAULT_CONVENTION
) -> LayerDerivation:
    """The derivation of every metric of ``node`` on its input shapes (ints or expressions)."""
    values: dict[sympy.Symbol, Dim] = {}
    # Inputs first in `values`; several inputs are told apart by a number: c_in1, c_in2.
    tokens = isinstance(node, TOKEN_LAYERS) or (isinstance(node, ir.Dense) and node.axis is None)
    symbolic_shapes = tuple(
        _symbolize_shape(
            shape, values, str(i + 1) if len(input_shapes) > 1 else "", tokens,
            channels_last=_channels_last(node),
        )
        for i, shape in enumerate(input_shapes)
    )  # fmt: skip
    symbolic_node = _symbolize_node(node, values)
    general = _general(symbolic_node, symbolic_shapes, convention)
    actual: LayerCounts = apply_rule(node, input_shapes)
    for index, name in general.outputs:
        values[name] = actual.output_shape[index]
    quantities: dict[str, Derivation] = {}
    for index, name in general.outputs:
        quantities[name.name] = Derivation(
            name.name, general.output_shape[index], values, values[name]
        )
    for metric, title in METRIC_NAMES.items():
        quantities[metric] = Derivation(
            title, general.formulas[metric], values, _metric(actual, metric, convention)
        )
    return LayerDerivation(quantities, values)


@dataclass(frozen=True, slots=True)
class _General:
    """A layer's formulas in its own symbols: the same for every layer of its structure."""

    output_shape: Shape
    outputs: tuple[tuple[int, sympy.Symbol], ...]
    """The output axes worth a name (``h_out``): their index in the shape, and the name."""
    formulas: dict[str, Any]


@functools.lru_cache(maxsize=1024)
def _general(
    symbolic_node: ir.Node, symbolic_shapes: tuple[Shape, ...], convention: Convention
) -> _General:
    """The rule run on symbols, tidied: cached, since it depends on the layer's structure only.

    Running a rule on sympy symbols and tidying its formulas costs milliseconds;
    a network repeats a few structures (a 3×3 convolution with padding, a ReLU)
    many times over, so a 5,000-layer report derives a handful of them, not
    5,000. The key holds symbols, not values: ``c_in``, ``k_h``, ``p_h``.
    """
    with collecting_conditions():
        general = apply_rule(symbolic_node, symbolic_shapes)
    names = _output_names(general.output_shape, _channels_last(symbolic_node))
    renaming = dict(names)
    formulas: dict[str, Any] = {}
    for metric in METRIC_NAMES:
        formula = _metric(general, metric, convention)
        if not isinstance(formula, int):
            formula = _tidy(formula.xreplace(renaming))
        formulas[metric] = formula
    outputs = tuple((general.output_shape.index(expr), name) for expr, name in names.items())
    return _General(general.output_shape, outputs, formulas)


def formula(layer_type: str, metric: str, convention: Convention | str = DEFAULT_CONVENTION) -> Any:
    """The general formula of ``metric`` for a layer type, as a sympy expression.

    >>> formula("conv2d", "trainable_params")
    c_out*(c_in*k_h*k_w/g + 1)

    Symbols (positive integers): ``c_in, h_in, w_in`` (input; ``n_in`` when flat),
    ``c_out`` (filters), ``n_out`` (units), ``k_h, k_w`` (kernel), ``s_h, s_w``
    (stride), ``p_h, p_w`` (padding), ``d_h, d_w`` (dilation), ``g`` (groups),
    ``h_out, w_out`` (output size). ``flops`` is counted under ``convention``.
    """
    from cnncalc.spec.layers import LAYER_TYPES, example_layer

    if layer_type not in LAYER_TYPES:
        raise CnncalcError(_("unknown layer type '{type}'").format(type=layer_type))
    node = example_layer(layer_type).to_ir()
    # Maps first, then a flat input; a merge gets two inputs.
    for shapes in (((1, 1, 1),), ((1,),), ((1, 1, 1), (1, 1, 1))):
        try:
            apply_rule(node, shapes)
        except RuleError:
            continue
        return derive(node, shapes, Convention(convention))[metric].formula
    raise CnncalcError(  # pragma: no cover
        _("no input shape fits a default '{type}' layer").format(type=layer_type)
    )


def _metric(counts: LayerCounts, metric: str, convention: Convention) -> Dim:
    if metric == "flops":
        return count(counts.work, convention)
    value: Dim = getattr(counts, metric)
    return value


def _tidy(expr: Any) -> Any:
    """Common factors pulled out, ``(c_in·k_h·k_w/g + 1)·c_out``, unless groups are kept.

    A rule's raw output holds ``6·(3·k_h·k_w + 1)`` or a sum inside a sum only
    where :func:`cnncalc.arith.grouped_sum` kept the paper's grouping on
    purpose (sympy would have expanded it): those are printed as they are.
    """
    if any(_is_kept_group(node) for node in sympy.preorder_traversal(expr)):
        return expr
    tidy = sympy.factor_terms(expr)
    return tidy if sympy.count_ops(tidy) <= sympy.count_ops(expr) else expr


def _is_kept_group(node: sympy.Basic) -> bool:
    if isinstance(node, sympy.Add):
        return any(isinstance(arg, sympy.Add) for arg in node.args)
    return (
        isinstance(node, sympy.Mul)
        and len(node.args) == 2
        and node.args[0].is_Integer
        and isinstance(node.args[1], sympy.Add)
    )


TOKEN_LAYERS = (
    ir.Attention, ir.ClassToken, ir.PositionEmbedding, ir.MatMul, ir.PoolingAttention,
    ir.TokenMaxPool, ir.SeparablePositionEmbedding,
)  # fmt: skip
"""Layers that read ``[tokens, features]``: a 2-D input is ``(n_in, d_in)``, not a map's
``(c_in, l_in)``."""


def _channels_last(node: ir.Node) -> bool:
    """Whether the layer reads a channels-last ``[h, w, c]`` map (Swin's; a video's
    ``[d, h, w, c]``)."""
    return isinstance(node, ir.WindowAttention | ir.PatchMerging) and not node.channels_first


def _symbolize_shape(
    shape: Shape,
    values: dict[sympy.Symbol, Dim],
    suffix: str = "",
    tokens: bool = False,
    *,
    channels_last: bool = False,
) -> Shape:
    if tokens and len(shape) == 2:
        names = ["n_in", "d_in"]
    elif channels_last and len(shape) in (3, 4):
        names = [*(f"{axis}_in" for axis in AXES[len(shape) - 1]), "c_in"]
    elif len(shape) == 1:
        names = ["n_in"]
    else:
        names = ["c_in", *(f"{axis}_in" for axis in AXES.get(len(shape) - 1, ()))]
    if len(names) != len(shape):
        names = [f"x{i}_in" for i in range(len(shape))]
    names = [name + suffix for name in names]
    symbols = [symbol(name) for name in names]
    values.update(zip(symbols, shape, strict=True))
    return tuple(symbols)


def _symbolize_node(node: ir.Node, values: dict[sympy.Symbol, Dim]) -> ir.Node:
    changes: dict[str, object] = {}
    for f in fields(node):
        base = FIELD_SYMBOLS.get(f.name)
        value = getattr(node, f.name)
        if base is None or value is None or value == "same":
            continue
        if isinstance(value, tuple):
            axes = AXES.get(len(value), tuple(str(i) for i in range(len(value))))
            if f.name == "padding":
                changes[f.name] = tuple(
                    _padding_symbols(axis, pair, values)
                    for axis, pair in zip(axes, value, strict=True)
                )
            else:
                changes[f.name] = tuple(
                    _bind(f"{base}_{axis}", v, values) for axis, v in zip(axes, value, strict=True)
                )
        else:
            changes[f.name] = _bind(base, value, values)
    return replace(node, **changes)  # type: ignore[arg-type]


def _padding_symbols(
    axis: str, pair: tuple[Dim, Dim], values: dict[sympy.Symbol, Dim]
) -> tuple[sympy.Symbol, sympy.Symbol]:
    before, after = pair
    if before == after:  # the usual symmetric padding: one symbol, the documents' 2p
        same = _bind(f"p_{axis}", before, values)
        return same, same
    return _bind(f"p_{axis}0", before, values), _bind(f"p_{axis}1", after, values)


def _bind(name: str, value: Dim, values: dict[sympy.Symbol, Dim]) -> sympy.Symbol:
    s = symbol(name)
    values[s] = value
    return s


def _output_names(output_shape: Shape, channels_last: bool = False) -> dict[Any, sympy.Symbol]:
    """Output sizes worth a name of their own: ``h_out``, ``w_out``, a flattened ``n_out``
    (not bare symbols)."""
    if channels_last:
        axes = (*AXES.get(len(output_shape) - 1, ()), "c")
        return {
            expr: symbol(f"{axis}_out")
            for axis, expr in zip(axes, output_shape, strict=False)
            if not isinstance(expr, sympy.Symbol | int)
        }
    if len(output_shape) == 1:  # a flatten's c_in·h_in·w_in values (a dense's are its units)
        (size,) = output_shape
        return {} if isinstance(size, sympy.Symbol | int) else {size: symbol("n_out")}
    spatial = output_shape[1:]
    axes = AXES.get(len(spatial), ())
    names: dict[Any, sympy.Symbol] = {}
    for axis, expr in zip(axes, spatial, strict=False):
        if not isinstance(expr, sympy.Symbol | int):
            names[expr] = symbol(f"{axis}_out")
    return names
