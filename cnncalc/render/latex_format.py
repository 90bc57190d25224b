"""``--format latex``: the report as a booktabs table, and ``explain``'s derivations in ``align*``.

Both are whole documents (:func:`cnncalc.render.latex.document`): they compile
as they are, and a thesis takes one in with ``\\usepackage{docmute}`` and
``\\input``, which skips its preamble (the body needs booktabs, amsmath,
longtable and array).

The table has the terminal table's columns (:func:`cnncalc.render.text.columns`),
a totals row, and a caption with the FLOP convention in force (and a symbolic
network's requirements). It is a ``tabular`` in a ``table`` float when it has at
most :data:`LONG_TABLE` layers, the form slides (beamer) and two-column pages
accept; a longer table, or one of formulas (whose rows wrap), is a ``longtable``,
which breaks across pages. Counts are grouped by ``{,}`` (``122{,}304``): the
braces keep a comma in math mode from adding space, so a number reads the same
copied into a formula. A symbolic network's counts are inline math in columns
of fixed width, printed with plain parentheses so that a long total breaks
between its terms.

Every heading and sentence comes from the same translated strings as the other
renderers (``--lang zh`` gives a Chinese table in a ``ctexart`` document); the
user's text (names, types) is shown, never obeyed: control characters as
escapes (:func:`cnncalc.safe_text.visible`), then LaTeX's specials escaped.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

import sympy

from cnncalc.analysis import LayerReport, Report
from cnncalc.arith import Dim, Shape
from cnncalc.formulas import Derivation, LayerDerivation
from cnncalc.i18n import _
from cnncalc.render.derivations import (
    Steps,
    field_text,
    same_size_axes,
    shown_quantities,
    where_clause,
)
from cnncalc.render.latex import document, escape
from cnncalc.render.math import formula_text
from cnncalc.render.text import columns, convention_note, count, layer_shape, requirements, shape
from cnncalc.safe_text import visible
from cnncalc.symbolic import symbol

LONG_TABLE = 30
"""Layers a ``tabular`` holds at most; a longer table is a ``longtable``, which breaks
across pages (a landscape page holds about 35 rows)."""
FORMULA_COLUMNS = 0.82
"""The share of the line a symbolic table's shape and count columns have between them
(the names and types have the rest)."""


SMALL = r"\footnotesize"
"""A symbolic table's type size: its formula columns are narrow."""


def user_text(value: str) -> str:
    """A name or type from the spec, as LaTeX prints it: controls shown, specials escaped."""
    return escape(visible(value))


def fill(template: str, **parts: str) -> str:
    """A translated sentence as LaTeX: its words escaped (a translation may hold ``%`` or
    ``_``), each ``{placeholder}`` replaced by the LaTeX given for it."""
    out = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        out.append(escape(literal))
        if field is not None:
            out.append(parts[field])
    return "".join(out)


def first_cell(name: str) -> str:
    """A row's first cell: the name, in braces if it starts with ``[`` or ``*``, which the
    previous row's ``\\\\`` would read as its own (an optional space or the no-break star)."""
    text = user_text(name)
    return f"{{{text}}}" if text.startswith(("[", "*")) else text


def number(value: int) -> str:
    """``122{,}304``: thousands grouped, the same in text and in math mode."""
    return f"{value:,}".replace(",", "{,}")


def breakable(formula: str) -> str:
    """A LaTeX formula whose ``\\left( … \\right)`` are plain parentheses: TeX breaks an
    inline formula only between terms outside a group, and ``\\left … \\right`` is one."""
    return formula.replace(r"\left(", "(").replace(r"\right)", ")")


def cell(value: Dim) -> str:
    """A count as a table cell: ``1{,}516``, or a formula in math mode."""
    if isinstance(value, int):
        return number(value)
    return f"${breakable(count(value, 'latex'))}$"


def shape_math(value: Shape) -> str:
    """``6 \\times 28 \\times 28``: a shape in math mode (without the dollars)."""
    return breakable(shape(value, "latex").replace("×", r" \times "))


def layer_shape_math(layer: LayerReport) -> str:
    """A layer's output shape, or shapes, in math mode (with the dollars)."""
    return "$" + layer_shape(layer, shape_math).replace("×", r" \times ") + "$"


def heading(report: Report) -> str:
    """``LeNet-5 (input $1 \\times 32 \\times 32$)``, as the table's title says it."""
    shapes = f"${shape_math(report.input_shape)}$" + "".join(
        f", {user_text(name)} ${shape_math(dims)}$" for name, dims in report.other_inputs
    )
    return fill(_("{network}  (input {shape})"), network=user_text(report.name), shape=shapes)


def caption(report: Report) -> str:
    """The requirements of a symbolic network, then the FLOP convention with its source."""
    needed = requirements(report, "latex")
    parts = []
    if needed:
        conditions = ", ".join(f"${text}$" for text in needed)
        parts.append(fill(_("Requires {conditions}."), conditions=conditions))
    parts.append(escape(convention_note(report.convention)))
    return " ".join(parts)


def render(report: Report) -> str:
    """The report as a whole LaTeX document: a heading, then the table."""
    return document(rf"\section*{{{heading(report)}}}" + "\n" + table(report))


def table(report: Report) -> str:
    """The table alone: ``tabular`` in a ``table`` float, or a ``longtable``."""
    metrics = columns(report)
    head = [_("Layer"), _("Type"), _("Output shape"), *(title for _metric, title in metrics)]
    rows = [
        [first_cell(layer.name), user_text(layer.type), layer_shape_math(layer),
         *(cell(layer.metric(metric)) for metric, _title in metrics)]
        for layer in report.layers
    ]  # fmt: skip
    total = [escape(_("Total")), "", f"${shape_math(report.output_shape)}$"]
    total += [cell(report.totals.metric(metric)) for metric, _title in metrics]
    symbolic = any("$" in text for row in [*rows, total] for text in row[3:])
    if symbolic:  # columns of one width, left-aligned: a formula that wraps reads from its left
        width = rf"\dimexpr {FORMULA_COLUMNS}\linewidth/{1 + len(metrics)}-2\tabcolsep\relax"
        spec = rf"ll*{{{1 + len(metrics)}}}{{>{{\raggedright\arraybackslash}}p{{{width}}}}}"
    else:
        spec = "ll" + "r" * (1 + len(metrics))
    header = " & ".join(escape(title) for title in head) + r" \\"
    # A symbolic table's rows wrap: a little space keeps them apart.
    end = r" \\ \addlinespace" if symbolic else r" \\"
    body = [" & ".join(row) + end for row in rows]
    last = [r"\midrule", " & ".join(total) + r" \\"]
    if symbolic or len(rows) > LONG_TABLE:
        return "\n".join([
            # In a group, so that a document that takes this one in keeps its settings:
            # the caption as wide as the table; formulas smaller, so more fits a line.
            r"\begingroup\setlength{\LTcapwidth}{\linewidth}" + (SMALL if symbolic else ""),
            rf"\begin{{longtable}}{{{spec}}}",
            rf"\caption{{{caption(report)}}}\\",
            r"\toprule", header, r"\midrule", r"\endfirsthead",
            r"\toprule", header, r"\midrule", r"\endhead",
            r"\bottomrule", r"\endfoot",
            *body, *last,
            r"\end{longtable}",
            r"\endgroup",
        ])  # fmt: skip
    return "\n".join([
        r"\begin{table}[htbp]", r"\centering",
        # A caption above a table: LaTeX leaves no space below it, before the top rule.
        rf"\caption{{{caption(report)}}}\smallskip",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule", header, r"\midrule",
        *body, *last,
        r"\bottomrule", r"\end{tabular}", r"\end{table}",
    ])  # fmt: skip


# -- explain ---------------------------------------------------------------------


def explain(report: Report, layer: LayerReport, derivation: LayerDerivation, steps: Steps) -> str:
    """``cnncalc explain SPEC LAYER -f latex``: every quantity of the layer derived in an
    ``align*`` (general formula = values put in = result), under the layer's heading;
    with ``steps``, its receptive field and training FLOPs too."""
    lines = [
        rf"\section*{{{user_text(report.name)}}}",
        rf"\subsection*{{{layer_heading(layer)}}}",
    ]
    where = where_clause(derivation, "latex")
    if where:
        lines += [fill(_("where {values}"), values=f"${where}$"), ""]
    merged = same_size_axes(derivation)
    rows: list[tuple[str, list[str]]] = []
    for key, quantity in shown_quantities(derivation):
        shown = merged.get(key, key)
        if not shown:
            continue
        if key.endswith("_out"):
            title = ", ".join(formula_text(symbol(name), "latex") for name in shown.split(", "))
        else:
            title = name_text(quantity)
        rows.append((title, derived(quantity, always=True)))
    rows += [(name_text(q), ["0"]) for q in derivation.quantities.values() if q.formula == 0]
    lines += aligned(rows)
    lines += step_sections(layer, steps)
    lines += ["", escape(convention_note(report.convention))]
    return document("\n".join(lines))


def layer_heading(layer: LayerReport) -> str:
    """``C3 (conv2d): $6 \\times 14 \\times 14 \\rightarrow 16 \\times 10 \\times 10$``."""
    inputs = " + ".join(shape_math(s) for s in layer.input_shapes)
    outputs = layer_shape(layer, shape_math).replace("×", r" \times ")
    return f"{user_text(layer.name)} ({user_text(layer.type)}): ${inputs} \\rightarrow {outputs}$"


def name_text(quantity: Derivation) -> str:
    """A quantity's name, translated, as text inside math."""
    return rf"\text{{{escape(_(quantity.name))}}}"


def result_math(value: Dim) -> str:
    """A result in math mode: ``1{,}516``, or a formula."""
    return number(value) if isinstance(value, int) else formula_text(value, "latex")


def derived(quantity: Derivation, *, always: bool = False) -> list[str]:
    """The steps of one derivation: the general formula, the values put in (unless the same
    as either end), the result (``always``, or unless it is the formula itself)."""
    general, substituted = quantity.general("latex"), quantity.substituted("latex")
    result = result_math(quantity.result)
    plain = str(quantity.result) if isinstance(quantity.result, int) else result
    steps = [general]
    if substituted not in (general, plain):
        steps.append(substituted)
    if always or plain != general:
        steps.append(result)
    return steps


def aligned(rows: Iterable[tuple[str, list[str]]], notes: Iterable[str] = ()) -> list[str]:
    """``title = step = step …`` for each row, in one ``align*``: one step a line, every
    ``=`` under the first; each of ``notes`` (LaTeX text) follows its row, the last one
    below the display. Display breaks are allowed (in a group: a document that takes
    this one in keeps its own setting), so a long derivation breaks across pages."""
    texts = [
        " \\\\\n".join([f"{title} &= {first}", *(f"&= {step}" for step in rest)])
        for title, (first, *rest) in rows
    ]
    after = list(notes)
    if not texts:
        return after
    joints = [f" \\\\\n\\intertext{{{note}}}\n" for note in after[: len(texts) - 1]]
    joints += [" \\\\[1ex]\n"] * (len(texts) - 1 - len(joints))
    body = texts[0] + "".join(joint + text for joint, text in zip(joints, texts[1:], strict=True))
    return [
        r"\begingroup\allowdisplaybreaks",
        r"\begin{align*}",
        body,
        r"\end{align*}",
        r"\endgroup",
        *after[len(texts) - 1 :],
    ]


def values_math(values: Mapping[sympy.Symbol, Dim]) -> str:
    """``r_{in} = 6, j_{in} = 2, …`` (without the dollars)."""
    return ", ".join(
        f"{formula_text(name, 'latex')} = {result_math(value)}" for name, value in values.items()
    )


def step_sections(layer: LayerReport, steps: Steps) -> list[str]:
    """``--receptive-field`` and ``--training``: their derivations, as the counts'."""
    lines: list[str] = []
    field, training = steps.field, steps.training
    if field is not None:
        heading = escape(_("Receptive field"))
        lines += [rf"\subsection*{{{heading}}}", user_text(field.rule)]
        for axis in field.axes:
            where = fill(_("where {values}"), values=f"${values_math(axis.values)}$")
            lines += ["", f"{escape(', '.join(axis.axes))}: {where}"]
            lines += aligned((name_text(q), derived(q)) for q in axis.quantities)
        field_line = fill(_("Field: {field}"), field=user_text(field_text(field.field)))
        lines += ["", field_line]
    if training is not None:
        title = escape(_("Training FLOPs of one sample, as FlopCounterMode counts them"))
        lines.append(rf"\subsection*{{{title}}}")
        if training.values:
            lines += [fill(_("where {values}"), values=f"${values_math(training.values)}$")]
        if training.why:
            lines += ["", user_text(training.why)]
        if training.terms:
            terms = [(name_text(t.derivation), derived(t.derivation)) for t in training.terms]
            lines += aligned(terms, (user_text(term.why) for term in training.terms))
        if layer.frozen and layer.non_trainable_params != 0:
            frozen = fill(
                _(
                    "Frozen: its parameters count as non-trainable ({count}), the trainable "
                    "parameters above included."
                ),
                count=cell(layer.non_trainable_params),
            )
            lines += ["", frozen]
    return lines
