"""Formulas beside the numbers (``--formulas``) and step-by-step derivations (``explain``).

Every formula comes from :func:`cnncalc.formulas.derive`, i.e. from the layer's
own rule run on symbols; this module only lays it out: Unicode for the
terminal, LaTeX in Markdown and JSON (``latex`` fields), ASCII that sympy parses
back in JSON's ``formula`` fields. Layer and network names are the user's text,
escaped for each format by :mod:`cnncalc.safe_text`.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from cnncalc.analysis import LayerReport, Report
from cnncalc.arith import Dim
from cnncalc.errors import CnncalcError
from cnncalc.formulas import Derivation, LayerDerivation, derive
from cnncalc.receptive_field import ReceptiveField, mean_jump, period
from cnncalc.render.math import Style, formula_text
from cnncalc.render.table_format import PAGE_WIDTH, width, wrap
from cnncalc.render.text import convention_note, count, layer_shape, shape
from cnncalc.safe_text import csv_cell, csv_formula, json_safe, markdown_text, visible
from cnncalc.solve import Solution
from cnncalc.step_derivations import (
    FieldDerivation,
    TrainingDerivation,
    field_derivation,
    training_derivation,
)
from cnncalc.symbolic import symbol

FORMATS = ("table", "json", "csv", "markdown")


def layer_derivation(report: Report, layer: LayerReport) -> LayerDerivation:
    """The derivation of ``layer``'s metrics, under the report's convention."""
    if layer.node is None:
        raise CnncalcError(f"'{layer.name}' is a folded block: derive its layers one by one")
    return derive(layer.node, layer.input_shapes, report.convention)


def shown_quantities(derivation: LayerDerivation) -> Iterator[tuple[str, Derivation]]:
    """The quantities worth showing: output sizes, and every count that is not 0."""
    for key, quantity in derivation.quantities.items():
        if quantity.formula != 0:
            yield key, quantity


def same_size_axes(derivation: LayerDerivation) -> dict[str, str]:
    """``h_out`` and ``w_out`` shown once as ``h_out, w_out`` when both axes agree.

    Agreeing means the same result and the same formula once each symbol's axis
    letter (``w_in``, ``k_w``) is read as the first axis's (``h_in``, ``k_h``).
    """
    sizes = [k for k in derivation.quantities if k.endswith("_out")]
    if len(sizes) < 2:
        return {}
    same_result = len({derivation[k].result for k in sizes}) == 1
    if same_result and _same_formula(tuple((k, derivation[k].formula) for k in sizes)):
        return {sizes[0]: ", ".join(sizes), **dict.fromkeys(sizes[1:], "")}
    return {}


@functools.lru_cache(maxsize=1024)
def _same_formula(sizes: tuple[tuple[str, Any], ...]) -> bool:
    """Whether the axes' formulas agree once renamed to the first axis (cached: the
    layers of a network share a few general formulas)."""
    first = sizes[0][0].split("_")[0]

    def on_first_axis(key: str, formula: Any) -> object:
        axis = key.split("_", maxsplit=1)[0]
        renamed = {
            s: symbol("_".join(first if part == axis else part for part in str(s).split("_")))
            for s in getattr(formula, "free_symbols", ())
        }
        return formula.xreplace(renamed) if renamed else formula

    return len({on_first_axis(key, formula) for key, formula in sizes}) == 1


# -- explain ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Steps:
    """What ``explain`` derives beyond the counts, when asked: the receptive field
    (``--receptive-field``) and the training FLOPs (``--training``)."""

    field: FieldDerivation | None = None
    training: TrainingDerivation | None = None


def explain(
    report: Report,
    name: str,
    fmt: str = "table",
    *,
    receptive_field: bool = False,
    training: bool = False,
) -> str:
    """The derivation of every metric of layer ``name``, as the documents write it; with
    ``receptive_field`` and ``training``, of its receptive field and training FLOPs too."""
    layer = report.layer(name)
    steps = Steps(
        field_derivation(report, layer) if receptive_field else None,
        training_derivation(report, layer) if training else None,
    )
    if fmt == "html":
        from cnncalc.render.html_format import explain as explain_html

        return explain_html(report, layer, step_lines(layer, steps, STEP_WIDTH))
    derivation = layer_derivation(report, layer)
    if fmt == "latex":
        from cnncalc.render.latex_explain import explain as explain_latex

        return explain_latex(report, layer, derivation, steps)
    if fmt == "json":
        data = _explain_data(report, layer, derivation, steps)
        return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
    if fmt == "markdown":
        return _explain_markdown(report, layer, derivation, steps)
    if fmt == "csv":
        return _explain_csv(report, layer, derivation, steps)
    return _explain_text(report, layer, derivation, steps)


def _explain_csv(
    report: Report, layer: LayerReport, derivation: LayerDerivation, steps: Steps
) -> str:
    """One row per quantity: ``layer, type, quantity, formula, substituted, value, convention``.

    The formula is sympy's spelling (``sympy.sympify`` reads it back); the layer's
    name and type are the user's text, neutralised as in the CSV report.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["layer", "type", "quantity", "formula", "substituted", "value", "convention"])
    field, training = steps.field, steps.training
    rows = [
        *derivation.quantities.items(),
        *((f"receptive_field.{'_'.join(axis.axes)}.{q.name}", q)
          for axis in (field.axes if field else ()) for q in axis.quantities),
        *((f"training.{key}", term.derivation)
          for key, term in zip(TRAINING_KEYS, training.terms if training else (), strict=False)),
    ]  # fmt: skip
    for key, quantity in rows:
        value = quantity.result
        writer.writerow([
            csv_cell(layer.name), csv_cell(layer.type), key,
            csv_formula(str(quantity.formula)), csv_formula(quantity.substituted()),
            value if isinstance(value, int) else csv_formula(str(value)),
            report.convention.value,
        ])  # fmt: skip
    return out.getvalue()


def layer_heading(layer: LayerReport, text: Callable[[str], str] = visible) -> str:
    """``C1 (conv2d): 1×32×32 → 6×28×28``, the name and type passed through ``text``."""
    inputs = " + ".join(shape(s) for s in layer.input_shapes)
    return f"{text(layer.name)} ({text(layer.type)}): {inputs} → {layer_shape(layer, shape)}"


def where_clause(derivation: LayerDerivation, style: str = "unicode") -> str:
    """``c_in = 6, h_in = w_in = 14, k_h = k_w = 5, …`` for the symbols the formulas use."""
    used: set[sympy.Basic] = set()
    for quantity in derivation.quantities.values():
        used |= getattr(quantity.formula, "free_symbols", set())
    groups: list[tuple[list[str], object]] = []
    for sym, value in derivation.values.items():
        if sym not in used:
            continue
        name = formula_text(sym, style)  # type: ignore[arg-type]
        last = groups[-1] if groups else None
        if last and last[1] == value and _related(last[0][-1], str(sym)):
            last[0].append(name)
        else:
            groups.append(([name], value))
    return ", ".join(" = ".join([*names, _value(value, style)]) for names, value in groups)


def _related(a: str, b: str) -> bool:
    """``k_h`` and ``k_w`` (one field, two axes) or ``h_in`` and ``w_in`` (one shape)."""
    return (
        a.split("_", maxsplit=1)[0] == b.split("_", maxsplit=1)[0]
        or a.rsplit("_", maxsplit=1)[-1] == b.rsplit("_", maxsplit=1)[-1]
    )


def _value(value: object, style: str) -> str:
    if isinstance(value, int):
        return str(value)
    return formula_text(value, style)  # type: ignore[arg-type]


def _explain_text(
    report: Report, layer: LayerReport, derivation: LayerDerivation, steps: Steps
) -> str:
    where = where_clause(derivation)
    lines = [layer_heading(layer), *([f"where {where}"] if where else []), ""]
    merged = same_size_axes(derivation)
    rows = [
        (merged.get(key, key) if key.endswith("_out") else q.name, q)
        for key, q in shown_quantities(derivation)
        if merged.get(key, key)
    ]
    width = max((len(title) for title, _ in rows), default=0) + 2
    zeros = [q.name for q in derivation.quantities.values() if q.formula == 0]
    width = max([width, *(len(z) + 2 for z in zeros)])
    for title, quantity in rows:
        general = quantity.general()
        substituted = quantity.substituted()
        result = count(quantity.result)
        lines.append(f"{title:<{width}}{general}")
        if substituted not in (general, result.replace(",", "")):
            lines.append(f"{'':<{width - 2}}= {substituted}")
        lines.append(f"{'':<{width - 2}}= {result}")
    lines += [f"{name:<{width}}0" for name in zeros]
    lines += step_lines(layer, steps, max(width, STEP_WIDTH))
    lines += ["", convention_note(report.convention)]
    return "\n".join(lines) + "\n"


TRAINING_KEYS = ("forward", "input_grad", "weight_grad", "total")
"""The training terms' keys in JSON and CSV, as ``--training``'s JSON names them."""
STEP_WIDTH = len("backward: weights") + 2
"""The title column's width the training terms need."""


def step_lines(layer: LayerReport, steps: Steps, width: int) -> list[str]:
    """The receptive field's and the training FLOPs' derivations, as the counts' above."""
    lines: list[str] = []
    field, training = steps.field, steps.training
    if field is not None:
        lines += ["", f"receptive field: {visible(field.rule)}"]
        for axis in field.axes:
            lines.append(f"{', '.join(axis.axes)}: where {_step_where(axis.values)}")
            lines += _derived(axis.quantities, width)
        lines.append(f"{'field':<{width}}{field_text(field.field)}")
    if training is None:
        return lines
    lines += ["", "training FLOPs of one sample, as FlopCounterMode counts them around "
              "loss.backward()" + (f", where {_step_where(training.values)}"
                                   if training.values else "")]  # fmt: skip
    if training.why:
        lines.append(training.why)
    for term in training.terms:
        lines += _derived((term.derivation,), width)
        lines.append(f"{'':<{width}}{term.why}")
    if layer.frozen and layer.non_trainable_params != 0:
        lines.append(_frozen_note(layer))
    return lines


def _frozen_note(layer: LayerReport) -> str:
    return (
        f"frozen: its parameters count as non-trainable ({count(layer.non_trainable_params)}, "
        "the trainable params above included)"
    )


def _derived(quantities: tuple[Derivation, ...], width: int) -> list[str]:
    """Each quantity as the counts are laid out: general formula, values put in, result."""
    lines = []
    for quantity in quantities:
        general, substituted = quantity.general(), quantity.substituted()
        result = _signed(quantity.result)
        lines.append(f"{quantity.name:<{width}}{general}")
        if substituted not in (general, result.replace(",", "")):
            lines.append(f"{'':<{width - 2}}= {substituted}")
        if result.replace(",", "") != general:
            lines.append(f"{'':<{width - 2}}= {result}")
    return lines


def _step_where(values: Mapping[sympy.Symbol, Dim], style: Style = "unicode") -> str:
    """``r_in = 131, j_in = 16, …``."""
    return ", ".join(
        f"{formula_text(name, style)} = {_signed(value, style)}" for name, value in values.items()
    )


def _signed(value: Dim, style: Style = "unicode") -> str:
    """A count as the table shows it (``149,520,384``), a negative one with a true minus
    (``−48``, as formulas print it); a formula printed."""
    if isinstance(value, int):  # LaTeX: the digits alone, as its formulas print them
        return count(value).replace("-", "−") if style == "unicode" else str(value)
    return formula_text(value, style)


def field_text(field: ReceptiveField) -> str:
    """``163×163, jump 16×16, start −64, −64`` (as ``--receptive-field`` shows it)."""
    if field.kind == "whole":
        return "the whole input"
    if field.kind == "unknown":
        return f"unknown ({visible(field.why)})"
    mark = " (the branches' grids do not align)" if field.misaligned else ""
    periods = period(field)
    if periods is not None:  # after a resize: the largest field, the mean jump (a fraction)
        return (
            "up to " + "×".join(_signed(axis.size) for axis in field.axes)
            + ", mean jump " + "×".join(str(mean_jump(axis)) for axis in field.axes)
            + ", start " + ", ".join(_signed(axis.start) for axis in field.axes)
            + ", repeating every " + "×".join(str(p) for p in periods) + " outputs" + mark
        )  # fmt: skip
    return (
        "×".join(_signed(axis.size) for axis in field.axes)
        + ", jump " + "×".join(_signed(axis.jump) for axis in field.axes)
        + ", start " + ", ".join(_signed(axis.start) for axis in field.axes) + mark
    )  # fmt: skip


def _explain_markdown(
    report: Report, layer: LayerReport, derivation: LayerDerivation, more: Steps
) -> str:
    where = where_clause(derivation, "latex")
    heading = layer_heading(layer, markdown_text)
    lines = [f"### {heading}", "", *([f"where ${where}$", ""] if where else [])]
    lines += ["| quantity | formula | value |", "|:--|:--|--:|"]
    for _, quantity in shown_quantities(derivation):
        steps = [quantity.general("latex"), quantity.substituted("latex"), str(quantity.result)]
        unique = [s for i, s in enumerate(steps) if s not in steps[:i]]
        lines.append(f"| {quantity.name} | ${' = '.join(unique)}$ | {count(quantity.result)} |")
    lines += _steps_markdown(layer, more)
    lines += ["", convention_note(report.convention), ""]
    return "\n".join(lines)


def _steps_markdown(layer: LayerReport, steps: Steps) -> list[str]:
    """The receptive field's and the training FLOPs' derivations, as tables in LaTeX."""
    lines: list[str] = []
    field, training = steps.field, steps.training
    if field is not None:
        lines += ["", f"#### Receptive field: {markdown_text(field.rule)}", ""]
        for axis in field.axes:
            lines += [f"{', '.join(axis.axes)}: where ${_step_where(axis.values, 'latex')}$", ""]
            lines += ["| quantity | formula | value |", "|:--|:--|--:|"]
            lines += [_markdown_row(q) for q in axis.quantities]
            lines.append("")
        lines.append(f"Field: {markdown_text(field_text(field.field))}")
    if training is None:
        return lines
    where = f", where ${_step_where(training.values, 'latex')}$" if training.values else ""
    lines += ["", f"#### Training FLOPs of one sample (FlopCounterMode){where}", ""]
    if training.why:
        lines.append(markdown_text(training.why))
    if training.terms:
        lines += ["| term | formula | value | why |", "|:--|:--|--:|:--|"]
        lines += [_markdown_row(t.derivation, t.why) for t in training.terms]
    if layer.frozen and layer.non_trainable_params != 0:
        lines += ["", markdown_text(_frozen_note(layer))]
    return lines


def _markdown_row(quantity: Derivation, why: str | None = None) -> str:
    steps = [quantity.general("latex"), quantity.substituted("latex"), str(quantity.result)]
    unique = [s for i, s in enumerate(steps) if s not in steps[:i]]
    last = "" if why is None else f" {markdown_text(why)} |"
    return f"| {quantity.name} | ${' = '.join(unique)}$ | {count(quantity.result)} |{last}"


def _explain_data(
    report: Report, layer: LayerReport, derivation: LayerDerivation, steps: Steps
) -> dict[str, Any]:
    data = {
        "layer": layer.name,
        "type": layer.type,
        "input_shape": _plain(layer.input_shape),
        "input_shapes": [_plain(s) for s in layer.input_shapes],
        "output_shape": _plain(layer.output_shape),
        "convention": report.convention.value,
        "values": {str(k): _plain(v) for k, v in derivation.values.items()},
        "quantities": {key: _quantity_data(q) for key, q in derivation.quantities.items()},
    }
    if steps.field is not None:
        data["receptive_field"] = _field_data(steps.field)
    if steps.training is not None:
        data["training"] = _training_data(steps.training)
    return data


def _field_data(field: FieldDerivation) -> dict[str, Any]:
    """The rule, each axis group's values and quantities, and the result."""
    result = field.field
    data: dict[str, Any] = {"rule": field.rule, "kind": result.kind}
    if result.kind == "axes":
        data |= {
            "size": [_plain(axis.size) for axis in result.axes],
            "jump": [_plain(axis.jump) for axis in result.axes],
            "start": [_plain(axis.start) for axis in result.axes],
            "misaligned": result.misaligned,
        }
        periods = period(result)
        if periods is not None:  # after a resize: the mean jump ("1/2" as text), as
            # --receptive-field's JSON gives it, the period and the advance per period
            data |= {
                "jump": [_plain(mean_jump(axis)) for axis in result.axes],
                "period": list(periods),
                "advance": [_plain(axis.jump) for axis in result.axes],
            }
    data["axes"] = [
        {
            "axes": list(axis.axes),
            "values": {str(k): _plain(v) for k, v in axis.values.items()},
            "quantities": {q.name: _quantity_data(q) for q in axis.quantities},
        }
        for axis in field.axes
    ]
    return data


def _training_data(training: TrainingDerivation) -> dict[str, Any]:
    """One sample's terms, each with its derivation and why."""
    return {
        "values": {str(k): _plain(v) for k, v in training.values.items()},
        **({"why": training.why} if training.why else {}),
        "terms": {
            key: {**_quantity_data(term.derivation), "why": term.why}
            for key, term in zip(TRAINING_KEYS, training.terms, strict=False)
        },
    }


def _quantity_data(quantity: Derivation) -> dict[str, Any]:
    return {
        "name": quantity.name,
        "formula": sympy_text(quantity.formula),
        "latex": quantity.general("latex"),
        "text": quantity.general(),
        "substituted": quantity.substituted(),
        "substituted_latex": quantity.substituted("latex"),
        "value": _plain(quantity.result),
    }


@functools.lru_cache(maxsize=4096)
def sympy_text(formula: Any) -> str:
    """sympy's own ASCII form of a formula (which it parses back), cached.

    Printing costs a fraction of a millisecond; the layers of a long network
    share a handful of general formulas, so each is printed once.
    """
    return str(formula)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value if isinstance(value, int) else str(value)


# -- --formulas --------------------------------------------------------------------


def formulas(report: Report, fmt: str = "table") -> str:
    """Every layer's quantities beside their general formulas."""
    if fmt == "html":  # the page always carries every layer's formulas
        from cnncalc.render.html_format import render

        return render(report)
    # Lazily, one layer's derivation at a time: a long network's are never all held at once.
    rows = (
        (layer, key, quantity)
        for layer in report.layers
        for key, quantity in shown_quantities(layer_derivation(report, layer))
    )
    if fmt == "json":
        return json_safe(_formulas_json(report))
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["layer", "quantity", "formula", "value", "convention"])
        for layer, key, q in rows:
            result = q.result if isinstance(q.result, int) else csv_formula(str(q.result))
            formula = csv_formula(sympy_text(q.formula))
            writer.writerow([csv_cell(layer.name), key, formula, result, report.convention])
        return out.getvalue()
    if fmt == "markdown":
        lines = [f"### {markdown_text(report.name)}", "", "| layer | quantity | formula | value |"]
        lines.append("|:--|:--|:--|--:|")
        for layer, _, q in rows:
            lines.append(
                f"| {markdown_text(layer.name)} | {q.name} | ${q.general('latex')}$ | "
                f"{count(q.result)} |"
            )
        return "\n".join([*lines, "", convention_note(report.convention), ""])
    return _formulas_text(report)


def _formulas_json(report: Report) -> str:
    """``{"name", "convention", "layers": [{"name", "type", "formulas"}]}``, indented.

    Each layer is serialised as soon as it is derived, and the text is exactly
    ``json.dumps`` of the whole (indented by two levels inside ``layers``): the
    whole as Python data first took ten times the memory of the text.
    """
    head = json.dumps({"name": report.name, "convention": report.convention.value},
                      indent=2, ensure_ascii=False)  # fmt: skip
    parts = [f'{head[:-2]},\n  "layers": [\n']  # one join at the end: one copy of the text
    for index, layer in enumerate(report.layers):
        data = {
            "name": layer.name,
            "type": layer.type,
            "formulas": {
                key: _quantity_data(q)
                for key, q in layer_derivation(report, layer).quantities.items()
            },
        }
        text = json.dumps(data, indent=2, ensure_ascii=False)
        parts.append((",\n    " if index else "    ") + text.replace("\n", "\n    "))
    parts.append("\n  ]\n}\n")
    return "".join(parts)


def _formulas_text(report: Report) -> str:
    """The formulas table, drawn in rich's style without rich (a test keeps the two alike).

    rich lays a table out at about half a millisecond a row, which is minutes
    for the six rows a layer of a 100,000-layer network has; drawn here the
    cost is that of joining strings. Only a table whose formula column cannot
    narrow to the page (a word of a formula too wide) is left to rich.
    """
    sections: list[list[list[str]]] = []
    for layer in report.layers:
        derivation = layer_derivation(report, layer)
        merged = same_size_axes(derivation)
        rows: list[list[str]] = []
        name = visible(layer.name)
        for key, q in shown_quantities(derivation):
            title = merged.get(key, key) if key.endswith("_out") else q.name
            if not title:
                continue
            rows.append([name if not rows else "", title, q.general(), count(q.result)])
        sections.append(rows or [[name, "(passes values through)", "", ""]])
    title, caption = f"{visible(report.name)}: formulas", convention_note(report.convention)
    plain = draw_sections(title, FORMULA_HEADINGS, sections, caption, wraps=FORMULA_COLUMN)
    return plain if plain is not None else _formulas_rich(title, sections, caption)


FORMULA_HEADINGS = (("Layer", False), ("Quantity", False), ("Formula", False), ("Value", True))
"""The formulas table's headings, and whether each column is right-justified."""
FORMULA_COLUMN = 2
"""The column that wraps when the table is wider than the page."""


def draw_sections(
    title: str,
    headings: tuple[tuple[str, bool], ...],
    sections: list[list[list[str]]],
    caption: str,
    *,
    page: int = PAGE_WIDTH,
    wraps: int | None = None,
) -> str | None:
    """Rows in sections, drawn as rich draws a table with ``add_section`` (heavy head,
    a line between sections); None where rich's own drawing is needed.

    A table wider than ``page`` narrows column ``wraps`` (the formulas) to fit and
    breaks its cells between words, as rich does when that column alone is too wide;
    if a word would not fit, or there is no such column, it is left to rich.
    """
    everything = [[h for h, _ in headings], *(row for rows in sections for row in rows)]
    widths = [max(width(row[i]) for row in everything) for i in range(len(headings))]
    total = sum(widths) + 3 * len(widths) + 1
    if total > page and wraps is not None:
        narrower = widths[wraps] - (total - page)
        longest_word = max(width(word) for row in everything for word in row[wraps].split(" "))
        if narrower < max(longest_word, width(headings[wraps][0])):
            return None
        widths[wraps], total = narrower, page
    if total > page or width(title) > total:
        return None

    def line(left: str, fill: str, joint: str, right: str) -> str:
        return left + joint.join(fill * (w + 2) for w in widths) + right

    def cells(row: list[str], bar: str) -> list[str]:
        parts = [
            wrap(cell, w) if i == wraps and width(cell) > w else [cell]
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines = []
        for depth in range(max(len(part) for part in parts)):
            padded = [
                _pad(part[depth] if depth < len(part) else "", w, right)
                for part, w, (_, right) in zip(parts, widths, headings, strict=True)
            ]
            lines.append(bar + bar.join(f" {cell} " for cell in padded) + bar)
        return lines

    between = line("├", "─", "┼", "┤")
    lines = [" " * ((total - width(title)) // 2) + title]
    lines += [line("┏", "━", "┳", "┓"), *cells(everything[0], "┃"), line("┡", "━", "╇", "┩")]
    for index, rows in enumerate(sections):
        if index:
            lines.append(between)
        lines += [text for row in rows for text in cells(row, "│")]
    lines += [line("└", "─", "┴", "┘"), *wrap(caption, total)]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _pad(cell: str, columns: int, right: bool) -> str:
    space = " " * (columns - width(cell))
    return space + cell if right else cell + space


def _formulas_rich(title: str, sections: list[list[list[str]]], caption: str) -> str:
    from rich.table import Table
    from rich.text import Text

    from cnncalc.render.table_format import to_text

    # Text, not str, for what holds a name: rich would read "[bold]" in it as markup.
    table = Table(title=Text(title, style="table.title"), caption=caption, caption_justify="left")
    for heading, right in FORMULA_HEADINGS:
        table.add_column(heading, justify="right" if right else "left")
    for rows in sections:
        for row in rows:
            table.add_row(*map(Text, row))
        table.add_section()
    return to_text(table)


# -- solve ---------------------------------------------------------------------------


def solution_text(solution: Solution, condition: str, fmt: str = "table") -> str:
    """``n = 227…258 (32 values)``, with how it was found; or JSON."""
    if fmt == "json":
        data = {
            "condition": condition,
            "symbol": solution.unknown,
            "runs": [[first, last] for first, last in solution.runs],
            "count": solution.count,
            "method": solution.method,
        }
        return json.dumps(data, indent=2) + "\n"
    # The condition and the symbol are typed by the user: shown, never obeyed.
    unknown, condition = visible(solution.unknown), visible(condition)
    if not solution.runs:
        return f"No {unknown} satisfies {condition} (found {solution.method}).\n"
    parts = []
    for first, last in solution.runs:
        if last is None:
            parts.append(f"{unknown} ≥ {first}")
        elif first == last:
            parts.append(f"{unknown} = {first}")
        else:
            parts.append(f"{unknown} = {first}…{last}")
    total = f" ({solution.count:,} values)" if solution.count and solution.count > 1 else ""
    lines = [
        f"{condition} holds for {', '.join(parts)}{total}.",
        f"Found {solution.method}, from {formula_text(solution.condition)}.",
    ]
    return "\n".join(lines) + "\n"
