"""Text forms of counts, shapes, conventions and requirements, shared by the renderers."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from cnncalc.arith import Dim, Shape
from cnncalc.conventions import CONVENTIONS, Convention
from cnncalc.i18n import N_, _, pgettext
from cnncalc.ir import Pool, PoolKind
from cnncalc.safe_text import visible

if TYPE_CHECKING:
    from cnncalc.analysis import LayerReport, Report
    from cnncalc.render.math import Style

_COUNTS = (
    ("macs", N_("MACs")),
    ("flops", N_("FLOPs")),
    ("neurons", N_("Neurons")),
    ("connections", N_("Connections")),
)
METRIC_HEADINGS = {
    "trainable_params": N_("Trainable"),
    "non_trainable_params": N_("Non-trainable"),
    "params": N_("Parameters"),
    "buffers": N_("Buffers"),
    **dict(_COUNTS),
}
"""Each metric's column heading where the metrics are chosen (a sweep), marked: ``_()`` it."""


_TITLES = {
    "trainable_params": N_("Trainable"),
    "non_trainable_params": N_("Non-trainable"),
    "buffers": N_("Buffers"),
    **dict(_COUNTS),
}


def metric_title(metric: str) -> str:
    """A count metric's heading (of :data:`~cnncalc.analysis.METRICS`), in the language
    spoken. ``params``, trainable and not, is "Params" as Keras says it, but not the
    table's "Params" column, which :func:`columns` gives the trainable ones (in Chinese
    参数量, not 可训练参数量)."""
    if metric == "params":
        return pgettext("trainable and non-trainable", "Params")
    return _(_TITLES[metric])


def columns(report: Report) -> list[tuple[str, str]]:
    """The count columns of the table and Markdown renderers: (metric, heading).

    One "Params" column when every parameter is trainable (as in most networks);
    "Trainable" and "Non-trainable" when some are not (LeNet-5's RBF, batch norm).
    """
    params = (
        [("trainable_params", _("Params"))]
        if report.totals.non_trainable_params == 0
        else [("trainable_params", _("Trainable")), ("non_trainable_params", _("Non-trainable"))]
    )
    if report.totals.buffers != 0:
        params.append(("buffers", _("Buffers")))
    return [*params, *((metric, _(title)) for metric, title in _COUNTS)]


def count(value: Dim, style: Style = "unicode") -> str:
    """``122,304``: thousands separators for an int, the formula otherwise."""
    if isinstance(value, int):
        return f"{value:,}"
    return _formula_cell(value, style)


# A table repeats formulas (neurons and connections, a block's layers): tidy each once.
@lru_cache(maxsize=4096)
def _formula_cell(value: Dim, style: Style) -> str:
    import sympy

    from cnncalc.render.math import formula_text

    return formula_text(sympy.factor_terms(value), style)


def shape(value: Shape, style: Style = "unicode") -> str:
    """``6×28×28``; ``120`` for a flat shape; formulas in parentheses where they need them."""
    parts = []
    for dim in value:
        text = str(dim) if isinstance(dim, int) else count(dim, style)
        bracketed = isinstance(dim, int) or dim.is_Atom or _reads_whole(dim)
        parts.append(text if bracketed else f"({text})")
    return "×".join(parts)


def _reads_whole(dim: Dim) -> bool:
    """Whether a size formula reads as one piece without parentheses: ``⌊32·a⌋``, ``max(…)``,
    ``make_divisible(…)``."""
    import sympy

    from cnncalc.symbolic_functions import FUNCTIONS

    return isinstance(dim, sympy.floor | sympy.ceiling | sympy.Min | sympy.Max) or (
        type(dim) in FUNCTIONS
    )


def layer_shape(layer: LayerReport, render: Callable[[Shape], str] = shape) -> str:
    """A layer's output shape by ``render``; a layer with several outputs (a ``split``)
    shows each, ``16×8, 16×24``, or how many of one: ``3 × 16×16``."""
    outputs = layer.output_shapes
    if not outputs:
        return render(layer.output_shape)
    if all(output == outputs[0] for output in outputs):
        return f"{len(outputs)} × {render(outputs[0])}"
    return ", ".join(render(output) for output in outputs)


def convention_note(convention: Convention) -> str:
    """One sentence naming the convention of the FLOPs column, with its source."""
    info = CONVENTIONS[convention]
    return _("FLOPs: '{convention}' convention, {definition} ({source}).").format(
        convention=convention, definition=_(info.definition), source=_(info.source)
    )


def sentences(*parts: str) -> str:
    """Sentences one after another: a space after an English one, none after a Chinese
    one (ending in 。, as Chinese text runs on); empty parts left out."""
    text = ""
    for part in filter(None, parts):
        text += part if not text or text.endswith(("。", "！", "？")) else " " + part
    return text


POOLING_MARK = "*"
"""The mark beside a max or average pooling layer's connections, explained by
:func:`pooling_note` below the table."""

_POOLING_KINDS = {
    frozenset({PoolKind.MAX}): N_("Max pooling has no coefficient and no bias"),
    frozenset({PoolKind.AVG}): N_("Average pooling has no coefficient and no bias"),
    frozenset({PoolKind.MAX, PoolKind.AVG}): N_(
        "Max and average pooling have no coefficient and no bias"
    ),
}


def weightless_pooling(layer: LayerReport) -> Pool | None:
    """The pooling node of a max or average pooling layer (``k·k`` connections per output,
    not the ``k·k+1`` of LeNet-5's trainable subsampling), else None."""
    node = layer.node
    if isinstance(node, Pool) and node.kind in (PoolKind.MAX, PoolKind.AVG):
        return node
    return None


def connections_cell(layer: LayerReport, text: str, mark: str = POOLING_MARK) -> str:
    """``text``, a layer's connections, with ``mark`` if :func:`pooling_note` explains it."""
    return text + mark if weightless_pooling(layer) is not None else text


def pooling_note(
    report: Report,
    *,
    name: Callable[[str], str] = visible,
    style: Style = "unicode",
    math: Callable[[str], str] = str,
    mark: str = POOLING_MARK,
) -> str:
    """Why a max or average pooling layer's connections are not the documents' count.

    Such a layer has no coefficient and no bias: ``k·k`` connections per output,
    ``2·2·6·14·14 = 4,704`` for the modern LeNet-5's S2, where LeNet-5's trainable
    subsampling (LeCun et al. 1998; 《卷积神经网络CNN与LeNet5详解》) has ``(k·k+1)`` per
    output, ``(2·2+1)·6·14·14 = 5,880``, the count 《LeNet卷积神经网络详解》 gives its
    max-pooling S2 — and the layer's FLOPs under the ``connections`` convention. Every
    number is the report's: each layer's kernel, output shape and connections, and the
    first one's count as subsampling from its facts (the ``connections`` convention of
    :data:`cnncalc.conventions.CONVENTIONS`). Empty when no layer is such a pooling.
    ``name`` shows a layer name in the output's escaping; ``math`` wraps a formula
    (Markdown's ``$…$``).
    """
    layers = [
        (layer, node) for layer in report.layers if (node := weightless_pooling(layer)) is not None
    ]
    if not layers:
        return ""
    separator = pgettext("between items of a list", "; ")
    counts = separator.join(
        f"{name(layer.name)}: "
        + math(_equation([*node.kernel, *layer.output_shape], layer.connections, style))
        for layer, node in layers
    )
    kinds = frozenset(node.kind for _layer, node in layers)
    first, node = layers[0]
    subsampling = math(
        _equation(
            [_sum_text([*node.kernel], style), *first.output_shape],
            first.flops_by_convention[Convention.CONNECTIONS],
            style,
        )
    )
    values = {
        "mark": mark,
        "pooling": _(_POOLING_KINDS[kinds]),
        "counts": counts,
        "name": name(first.name),
        "equation": subsampling,
    }
    if report.convention is not Convention.CONNECTIONS:
        return _(
            "{mark} {pooling}: one connection per window element (k·k) per output, {counts}. "
            "LeNet-5's trainable subsampling has a coefficient and a bias per map, k·k+1 "
            "connections per output (LeCun et al. 1998; 《卷积神经网络CNN与LeNet5详解》): "
            "{name} would have {equation}."
        ).format(**values)
    return _(
        "{mark} {pooling}: one connection per window element (k·k) per output, {counts}. "
        "LeNet-5's trainable subsampling has a coefficient and a bias per map, k·k+1 "
        "connections per output (LeCun et al. 1998; 《卷积神经网络CNN与LeNet5详解》): "
        "{name} would have {equation}, its FLOPs under the 'connections' convention."
    ).format(**values)


def _factor(value: Dim, style: Style) -> str:
    if isinstance(value, int):
        return str(value)
    text = count(value, style)
    return text if value.is_Atom or value.is_Function else f"({text})"  # ⌊…⌋ needs none


def _sum_text(kernel: list[Dim], style: Style) -> str:
    """``(2·2+1)``: a window's size plus the subsampling's bias."""
    times = " \\cdot " if style == "latex" else "·"
    return "(" + times.join(_factor(k, style) for k in kernel) + "+1)"


def _equation(factors: list[Dim | str], value: Dim, style: Style) -> str:
    """``2·2·6·14·14 = 4,704``: the factors (text as it is), then the report's value."""
    times = " \\cdot " if style == "latex" else "·"
    product = times.join(f if isinstance(f, str) else _factor(f, style) for f in factors)
    return f"{product} = {count(value, style)}"


def requirements(report: Report, style: Style = "unicode") -> list[str]:
    """What a symbolic report needs of its symbols, strongest bounds only: ``n ≥ 67``."""
    if not report.requirements:
        return []
    import sympy

    from cnncalc.render.math import formula_text

    bounds: dict[object, sympy.Rational] = {}
    others: dict[object, None] = {}  # each once, in order, without scanning the list
    for requirement in report.requirements:
        relation = requirement.relation
        if (
            isinstance(relation, sympy.GreaterThan)
            and relation.lhs.is_Symbol
            and relation.rhs.is_Rational  # a size's whole bound, a multiplier's fraction
        ):
            bounds[relation.lhs] = max(bounds.get(relation.lhs, relation.rhs), relation.rhs)
        else:
            others[relation] = None
    texts = [formula_text(sympy.GreaterThan(s, b), style) for s, b in bounds.items()]
    return texts + [formula_text(relation, style) for relation in others]


def values_note(report: Report) -> str:
    """``At n = 32, k = 5.``: the values put in for a symbolic spec's size symbols (its
    ``values``, ``--subs``); nothing for a numeric spec or formulas."""
    if not report.values:
        return ""
    from cnncalc.analysis import values_text

    return _("At {values}.").format(values=values_text(report.values))


def requirements_note(report: Report) -> str:
    """``Requires n ≥ 67.``, or nothing for a report without symbols."""
    needed = requirements(report)
    return _("Requires {conditions}.").format(conditions=", ".join(needed)) if needed else ""


BINARY_UNITS = ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))


def byte_size(value: Dim) -> str:
    """A reading aid beside an exact byte count: ``48.7 MiB``; empty under 1 KiB or for a
    formula (the exact count is always printed beside it)."""
    if isinstance(value, int):
        for size, unit in BINARY_UNITS:
            if value >= size:
                return f"{value / size:.1f} {unit}"
    return ""
