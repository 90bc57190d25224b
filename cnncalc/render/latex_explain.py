"""``cnncalc explain SPEC LAYER -f latex``: a layer's derivations in ``align*``.

Each quantity as the documents write it, general formula = values put in =
result, every ``=`` of the layer in one column; the receptive field's and the
training FLOPs' steps (``--receptive-field``, ``--training``) likewise. The
derivations are :mod:`cnncalc.render.derivations`'s (from the layers' own
rules); this module only sets them in LaTeX, in a document of
:func:`cnncalc.render.latex.document`, with the table's escaping and words
(:mod:`cnncalc.render.latex_format`). Kept apart from the table so that a
numeric report in LaTeX never imports sympy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy

from cnncalc.analysis import LayerReport, Report
from cnncalc.arith import Dim
from cnncalc.formulas import Derivation, LayerDerivation
from cnncalc.i18n import _
from cnncalc.render.derivations import (
    Steps,
    field_text,
    quantity_title,
    same_size_axes,
    shown_quantities,
    where_clause,
)
from cnncalc.render.latex import document, escape
from cnncalc.render.latex_format import cell, fill, number, shape_math, user_text
from cnncalc.render.math import formula_text
from cnncalc.render.text import convention_note, layer_shape
from cnncalc.symbolic import symbol


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
    return rf"\text{{{escape(quantity_title(quantity.name))}}}"


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
