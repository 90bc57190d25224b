"""Formulas beside the numbers (``--formulas``) and step-by-step derivations (``explain``).

Every formula comes from :func:`cnncalc.formulas.derive`, i.e. from the layer's
own rule run on symbols; this module only lays it out: Unicode for the
terminal, LaTeX in Markdown and JSON (``latex`` fields), ASCII that sympy parses
back in JSON's ``formula`` fields. Layer and network names are the user's text,
escaped for each format by :mod:`cnncalc.safe_text`. The words around the formulas
are in the active language (:mod:`cnncalc.i18n`, the glossary's terms); JSON's and
CSV's stay English, as their keys do: they are contracts.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from cnncalc.analysis import LayerReport, Report
from cnncalc.arith import Dim
from cnncalc.errors import CnncalcError, show_value
from cnncalc.formulas import Derivation, LayerDerivation, derive
from cnncalc.i18n import _, current, pgettext, speaking
from cnncalc.receptive_field import ReceptiveField, mean_jump, period
from cnncalc.render.math import Style, formula_text
from cnncalc.render.table_format import PAGE_WIDTH, wrap
from cnncalc.render.text import convention_note, count, layer_shape, shape
from cnncalc.safe_text import csv_cell, csv_formula, json_safe, markdown_text, visible
from cnncalc.solve import Solution
from cnncalc.spec.tables import LENET5_C3
from cnncalc.step_derivations import (
    FieldDerivation,
    TableDerivation,
    TrainingDerivation,
    field_derivation,
    table_derivation,
    training_derivation,
)
from cnncalc.symbolic import symbol
from cnncalc.wrapping import width

FORMATS = ("table", "json", "csv", "markdown", "html", "latex")
"""What ``explain`` writes."""
FORMULA_FORMATS = ("table", "json", "csv", "markdown", "html")
"""What ``--formulas`` writes (its LaTeX would be the report's table with a formula per
cell: not written yet)."""
"""The formats ``explain`` writes (``-f``); any other is refused."""


def layer_derivation(report: Report, layer: LayerReport) -> LayerDerivation:
    """The derivation of ``layer``'s metrics, under the report's convention."""
    if layer.node is None:
        raise CnncalcError(
            _("'{name}' is a folded block: derive its layers one by one").format(name=layer.name)
        )
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
    """What ``explain`` derives beyond the counts: the receptive field
    (``--receptive-field``), the training FLOPs (``--training``), and the connection
    table of a convolution that has one (LeNet-5's C3)."""

    field: FieldDerivation | None = None
    training: TrainingDerivation | None = None
    table: TableDerivation | None = None


def explain(
    report: Report,
    name: str,
    fmt: str = "table",
    *,
    receptive_field: bool = False,
    training: bool = False,
) -> str:
    """The derivation of every metric of layer ``name``, as the documents write it; with
    ``receptive_field`` and ``training``, of its receptive field and training FLOPs too.

    ``fmt`` is one of :data:`FORMATS`; JSON's words (a rule, a why) are English in every
    language, as its keys are: it is a contract, not prose.
    """
    if fmt not in FORMATS:
        raise CnncalcError(
            _("explain writes {formats}, not {format}").format(
                formats=", ".join(FORMATS), format=show_value(fmt)
            )
        )
    layer = report.layer(name)
    if fmt == "json":
        derivation = layer_derivation(report, layer)
        with speaking("en"):  # the rules' and whys' words; an error is still the user's
            steps = _steps(report, layer, receptive_field, training)
        data = _explain_data(report, layer, derivation, steps)
        return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
    steps = _steps(report, layer, receptive_field, training)
    if fmt == "html":
        from cnncalc.render.html_format import explain as explain_html

        lines = [*table_lines(steps.table, step_width()), *step_lines(layer, steps, step_width())]
        return explain_html(report, layer, lines)
    derivation = layer_derivation(report, layer)
    if fmt == "latex":
        from cnncalc.render.latex_explain import explain as explain_latex

        return explain_latex(report, layer, derivation, steps)
    if fmt == "markdown":
        return _explain_markdown(report, layer, derivation, steps)
    if fmt == "csv":
        return _explain_csv(report, layer, derivation, steps)
    return _explain_text(report, layer, derivation, steps)


def _steps(report: Report, layer: LayerReport, receptive_field: bool, training: bool) -> Steps:
    return Steps(
        field_derivation(report, layer) if receptive_field else None,
        training_derivation(report, layer) if training else None,
        table_derivation(layer),
    )


def _explain_csv(
    report: Report, layer: LayerReport, derivation: LayerDerivation, steps: Steps
) -> str:
    """One row per quantity: ``layer, type, quantity, formula, substituted, value, convention``.

    The formula is sympy's spelling (``sympy.sympify`` reads it back); the layer's
    name and type are the user's text, neutralised as in the CSV report. The header
    and the quantities' keys are English in every language (they are column keys).
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


@functools.lru_cache(maxsize=8)
def _titles(language: str) -> dict[str, str]:
    """Each quantity's name as ``explain`` shows it, in ``language`` (the active one)."""
    del language  # the cache's key: the words below are the active language's
    return {
        "trainable params": pgettext("quantity", "trainable params"),
        "non-trainable params": pgettext("quantity", "non-trainable params"),
        "MACs": pgettext("quantity", "MACs"),
        "FLOPs": pgettext("quantity", "FLOPs"),
        "neurons": pgettext("quantity", "neurons"),
        "connections": pgettext("quantity", "connections"),
        "size": pgettext("receptive field", "size"),
        "jump": pgettext("receptive field", "jump"),
        "start": pgettext("receptive field", "start"),
        "field": pgettext("receptive field", "field"),
        "forward": pgettext("training FLOPs", "forward"),
        "backward: input": pgettext("training FLOPs", "backward: input"),
        "backward: weights": pgettext("training FLOPs", "backward: weights"),
        "step": pgettext("training FLOPs", "step"),
    }


def quantity_title(name: str) -> str:
    """A quantity's name as ``explain`` shows it: ``trainable params`` is 可训练参数量 in
    Chinese, ``h_out, w_out`` 输出特征图大小 h_out, w_out (the glossary's words).

    ``name`` is :attr:`Derivation.name`, English: JSON's ``name`` fields keep it.
    """
    title = _titles(current()).get(name)
    if title is not None:
        return title
    if name.endswith("_out"):  # output sizes, by their symbols
        return pgettext("the output sizes, by their symbols", "{symbols}").format(symbols=name)
    return name


def titled_quantities(derivation: LayerDerivation) -> Iterator[tuple[str, Derivation]]:
    """The quantities :func:`shown_quantities` gives, each with its title; output sizes
    that agree shown once (``h_out, w_out``)."""
    merged = same_size_axes(derivation)
    for key, quantity in shown_quantities(derivation):
        title = merged.get(key, key) if key.endswith("_out") else quantity.name
        if title:
            yield quantity_title(title), quantity


def where_clause(derivation: LayerDerivation, style: str = "unicode") -> str:
    """``c_in = 6, h_in = w_in = 14, k_h = k_w = 5, …`` for the symbols the formulas use."""
    used: set[sympy.Basic] = set()
    for quantity in derivation.quantities.values():
        used |= getattr(quantity.formula, "free_symbols", set())
    # (names as shown, the value, the last symbol's own name): axes are related by their
    # symbols' names, whatever the style shows (``h_{in}`` in LaTeX is ``h_in``).
    groups: list[tuple[list[str], object, str]] = []
    for sym, value in derivation.values.items():
        if sym not in used:
            continue
        name = formula_text(sym, style)  # type: ignore[arg-type]
        last = groups[-1] if groups else None
        if last and last[1] == value and _related(last[2], str(sym)):
            last[0].append(name)
            groups[-1] = (last[0], value, str(sym))
        else:
            groups.append(([name], value, str(sym)))
    return ", ".join(" = ".join([*names, _value(value, style)]) for names, value, _sym in groups)


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


def _left(text: str, columns: int) -> str:
    """``text`` padded to ``columns`` terminal columns (a Chinese character takes two)."""
    return text + " " * (columns - width(text))


def _explain_text(
    report: Report, layer: LayerReport, derivation: LayerDerivation, steps: Steps
) -> str:
    where = where_clause(derivation)
    lines = [layer_heading(layer), *([_("where {values}").format(values=where)] if where else [])]
    lines.append("")
    rows = list(titled_quantities(derivation))
    zeros = [quantity_title(q.name) for q in derivation.quantities.values() if q.formula == 0]
    columns = max([0, *(width(title) for title, _ in rows)]) + 2
    columns = max([columns, *(width(z) + 2 for z in zeros)])
    for title, quantity in rows:
        lines += _aligned(title, _steps_of(quantity), columns)
    lines += [f"{_left(name, columns)}0" for name in zeros]
    lines += table_lines(steps.table, columns)
    lines += step_lines(layer, steps, max(columns, step_width()))
    lines += ["", convention_note(report.convention)]
    return "\n".join(lines) + "\n"


def _steps_of(quantity: Derivation) -> list[str]:
    """The general formula, the values put in, the result: each shown once (as counted
    with thousands separators, the result is the same as a formula's digits)."""
    general, substituted = quantity.general(), quantity.substituted()
    result = count(quantity.result)
    steps = [general]
    if substituted not in (general, result.replace(",", "")):
        steps.append(substituted)
    return [*steps, result]


def _aligned(title: str, steps: list[str], columns: int) -> list[str]:
    """``title`` in a column ``columns`` wide before the first step, then ``= step`` below."""
    first, *rest = steps
    return [f"{_left(title, columns)}{first}", *(f"{'':<{columns - 2}}= {s}" for s in rest)]


TRAINING_KEYS = ("forward", "input_grad", "weight_grad", "total")
"""The training terms' keys in JSON and CSV, as ``--training``'s JSON names them."""
STEP_TITLES = ("size", "jump", "start", "field", "forward", "backward: input",
               "backward: weights", "step")  # fmt: skip
"""The titles of the receptive field's and the training FLOPs' quantities."""


def step_width() -> int:
    """The title column's width the receptive field's and training terms' titles need
    (``backward: weights``, or its translation, and two spaces)."""
    return max(width(quantity_title(title)) for title in STEP_TITLES) + 2


def step_lines(layer: LayerReport, steps: Steps, width: int) -> list[str]:
    """The receptive field's and the training FLOPs' derivations, as the counts' above."""
    lines: list[str] = []
    field, training = steps.field, steps.training
    if field is not None:
        lines += ["", _("receptive field: {rule}").format(rule=visible(field.rule))]
        for axis in field.axes:
            lines.append(
                _("{axes}: where {values}").format(
                    axes=", ".join(axis.axes), values=_step_where(axis.values)
                )
            )
            lines += _derived(axis.quantities, width)
        lines.append(f"{_left(quantity_title('field'), width)}{field_text(field.field)}")
    if training is None:
        return lines
    heading = _(
        "training FLOPs of one sample, as FlopCounterMode counts them around loss.backward()"
    )
    if training.values:
        heading += _(", where {values}").format(values=_step_where(training.values))
    lines += ["", heading]
    if training.why:
        lines.append(training.why)
    for term in training.terms:
        lines += _derived((term.derivation,), width)
        lines.append(f"{'':<{width}}{term.why}")
    if layer.frozen and layer.non_trainable_params != 0:
        lines.append(_frozen_note(layer))
    return lines


def _frozen_note(layer: LayerReport) -> str:
    return _(
        "frozen: its parameters count as non-trainable ({count}, the trainable params above "
        "included)"
    ).format(count=count(layer.non_trainable_params))


def _derived(quantities: tuple[Derivation, ...], width: int) -> list[str]:
    """Each quantity as the counts are laid out: general formula, values put in, result."""
    lines = []
    for quantity in quantities:
        general, substituted = quantity.general(), quantity.substituted()
        result = _signed(quantity.result)
        steps = [general]
        if substituted not in (general, result.replace(",", "")):
            steps.append(substituted)
        if result.replace(",", "") != general:
            steps.append(result)
        lines += _aligned(quantity_title(quantity.name), steps, width)
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
        return _("the whole input")
    if field.kind == "unknown":
        return _("unknown ({why})").format(why=visible(field.why))
    mark = _(" (the branches' grids do not align)") if field.misaligned else ""
    size = "×".join(_signed(axis.size) for axis in field.axes)
    start = ", ".join(_signed(axis.start) for axis in field.axes)
    periods = period(field)
    if periods is not None:  # after a resize: the largest field, the mean jump (a fraction)
        return (
            _(
                "up to {size}, mean jump {jump}, start {start}, repeating every {period} outputs"
            ).format(
                size=size,
                jump="×".join(str(mean_jump(axis)) for axis in field.axes),
                start=start,
                period="×".join(str(p) for p in periods),
            )
            + mark
        )
    jump = "×".join(_signed(axis.jump) for axis in field.axes)
    return _("{size}, jump {jump}, start {start}").format(size=size, jump=jump, start=start) + mark


# -- the connection table -------------------------------------------------------------


MAX_DRAWN_MAPS = 64
"""A connection table is drawn when it has at most this many input and output maps; a
larger one's counts are derived all the same (its drawing would grow as their product)."""


def table_lines(table: TableDerivation | None, columns: int) -> list[str]:
    """A connection table as LeCun et al. 1998 draw C3's (Table I): the input maps as
    rows, the output maps as columns, an X where one reads the other; then the
    trainable parameters and connections it implies, laid out as the counts are."""
    if table is None:
        return []
    lines = ["", _table_heading(table, visible)]
    if _drawn(table):
        grid = _grid(table)
        labels = max(width(row[0]) for row in grid)
        cells = max(width(cell) for row in grid for cell in row[1:])
        lines += [
            " ".join([row[0].rjust(labels), *(cell.rjust(cells) for cell in row[1:])]).rstrip()
            for row in grid
        ]
    else:
        lines.append(_not_drawn(table))
    params, connections = table.params, table.connections
    columns = max(columns, width(quantity_title(params.name)) + 2,
                  width(quantity_title(connections.name)) + 2)  # fmt: skip
    lines += _aligned(
        quantity_title(params.name),
        [table.general(), params.substituted(), count(params.result)],
        columns,
    )
    lines += _aligned(
        quantity_title(connections.name),
        [table.connections_general(), connections.substituted(), count(connections.result)],
        columns,
    )
    return lines


def _table_heading(table: TableDerivation, text: Callable[[str], str]) -> str:
    """What the table shows, citing the paper for LeNet-5's own table."""
    if table.reads == LENET5_C3:
        heading = _(
            "connection table (LeCun et al. 1998, Table I): X where map j of {layer} (a column) "
            "reads map i of {source} (a row), n_j maps in all"
        )
    else:
        heading = _(
            "connection table: X where map j of {layer} (a column) reads map i of {source} "
            "(a row), n_j maps in all"
        )
    return heading.format(layer=text(table.layer), source=text(table.source))


def _drawn(table: TableDerivation) -> bool:
    return table.input_maps <= MAX_DRAWN_MAPS and len(table.reads) <= MAX_DRAWN_MAPS


def _not_drawn(table: TableDerivation) -> str:
    return _(
        "(not drawn: {outputs} output maps read {inputs} input maps; a table is drawn up to "
        "{limit} maps a side)"
    ).format(outputs=len(table.reads), inputs=table.input_maps, limit=MAX_DRAWN_MAPS)


def _grid(table: TableDerivation) -> list[list[str]]:
    """``[["", "0", "1", …], ["0", "X", "", …], …, ["n_j", "3", …]]``: the column
    numbers, a row per input map, and how many maps each output map reads."""
    reads = [set(row) for row in table.reads]
    return [
        ["", *(str(j) for j in range(len(reads)))],
        *([str(i), *("X" if i in row else "" for row in reads)] for i in range(table.input_maps)),
        ["n_j", *(str(n) for n in table.inputs)],
    ]


def _table_markdown(table: TableDerivation | None) -> list[str]:
    """The connection table as a Markdown table, and what it implies in LaTeX."""
    if table is None:
        return []
    heading = _table_heading(table, markdown_text)
    lines = ["", f"#### {heading[:1].upper()}{heading[1:]}", ""]
    if _drawn(table):
        grid = _grid(table)
        grid[0][0] = "i \\\\ j"
        lines += [f"| {' | '.join(grid[0])} |", "|--:|" + ":-:|" * len(table.reads)]
        lines += [f"| {' | '.join(row)} |" for row in grid[1:]]
    else:
        lines.append(markdown_text(_not_drawn(table)))
    lines += ["", *_markdown_header(), f"|{_LEFT}|{_LEFT}|{_RIGHT}|"]
    for quantity, general in ((table.params, table.general("latex")),
                              (table.connections, table.connections_general("latex"))):  # fmt: skip
        steps = [general, quantity.substituted("latex"), _signed(quantity.result, "latex")]
        title, value = quantity_title(quantity.name), count(quantity.result)
        lines.append(f"| {title} | ${' = '.join(steps)}$ | {value} |")
    return lines


def _table_data(table: TableDerivation) -> dict[str, Any]:
    """The table as the spec gives it, per output map, and what it implies."""
    return {
        "source": table.source,
        "input_maps": table.input_maps,
        "reads": [list(row) for row in table.reads],
        "inputs": list(table.inputs),
        "trainable_params": {**quantity_data(table.params), "sum": table.general(),
                             "sum_latex": table.general("latex")},
        "connections": {**quantity_data(table.connections), "sum": table.connections_general(),
                        "sum_latex": table.connections_general("latex")},
    }  # fmt: skip


# -- explain in Markdown and JSON -------------------------------------------------------------


_LEFT, _RIGHT = ":--", "--:"


def _markdown_header(training: bool = False) -> list[str]:
    """``| quantity | formula | value |`` (a training term's: ``| term | … | why |``), in the
    active language."""
    first = pgettext("column", "term") if training else pgettext("column", "quantity")
    words = [first, pgettext("column", "formula"), pgettext("column", "value"),
             *([pgettext("column", "why")] if training else [])]  # fmt: skip
    return [f"| {' | '.join(words)} |"]


def _explain_markdown(
    report: Report, layer: LayerReport, derivation: LayerDerivation, more: Steps
) -> str:
    where = where_clause(derivation, "latex")
    heading = layer_heading(layer, markdown_text)
    lines = [f"### {heading}", ""]
    if where:
        lines += [_("where {values}").format(values=f"${where}$"), ""]
    lines += [*_markdown_header(), f"|{_LEFT}|{_LEFT}|{_RIGHT}|"]
    for _key, quantity in shown_quantities(derivation):
        steps = [quantity.general("latex"), quantity.substituted("latex"), str(quantity.result)]
        unique = [s for i, s in enumerate(steps) if s not in steps[:i]]
        lines.append(
            f"| {quantity_title(quantity.name)} | ${' = '.join(unique)}$ | "
            f"{count(quantity.result)} |"
        )
    lines += _table_markdown(more.table)
    lines += _steps_markdown(layer, more)
    lines += ["", convention_note(report.convention), ""]
    return "\n".join(lines)


def _steps_markdown(layer: LayerReport, steps: Steps) -> list[str]:
    """The receptive field's and the training FLOPs' derivations, as tables in LaTeX."""
    lines: list[str] = []
    field, training = steps.field, steps.training
    if field is not None:
        rule = markdown_text(field.rule)
        lines += ["", "#### " + _("Receptive field: {rule}").format(rule=rule), ""]
        for axis in field.axes:
            where = f"${_step_where(axis.values, 'latex')}$"
            lines += [_("{axes}: where {values}").format(axes=", ".join(axis.axes), values=where)]
            lines += ["", *_markdown_header(), f"|{_LEFT}|{_LEFT}|{_RIGHT}|"]
            lines += [_markdown_row(q) for q in axis.quantities]
            lines.append("")
        lines.append(_("Field: {field}").format(field=markdown_text(field_text(field.field))))
    if training is None:
        return lines
    where = (
        _(", where {values}").format(values=f"${_step_where(training.values, 'latex')}$")
        if training.values
        else ""
    )
    heading = _("Training FLOPs of one sample (FlopCounterMode)")
    lines += ["", f"#### {heading}{where}", ""]
    if training.why:
        lines.append(markdown_text(training.why))
    if training.terms:
        lines += [*_markdown_header(training=True), f"|{_LEFT}|{_LEFT}|{_RIGHT}|{_LEFT}|"]
        lines += [_markdown_row(t.derivation, t.why) for t in training.terms]
    if layer.frozen and layer.non_trainable_params != 0:
        lines += ["", markdown_text(_frozen_note(layer))]
    return lines


def _markdown_row(quantity: Derivation, why: str | None = None) -> str:
    steps = [quantity.general("latex"), quantity.substituted("latex"), str(quantity.result)]
    unique = [s for i, s in enumerate(steps) if s not in steps[:i]]
    last = "" if why is None else f" {markdown_text(why)} |"
    title = quantity_title(quantity.name)
    return f"| {title} | ${' = '.join(unique)}$ | {count(quantity.result)} |{last}"


def _explain_data(
    report: Report, layer: LayerReport, derivation: LayerDerivation, steps: Steps
) -> dict[str, Any]:
    data = {
        "layer": layer.name,
        "type": layer.type,
        "input_shape": plain(layer.input_shape),
        "input_shapes": [plain(s) for s in layer.input_shapes],
        "output_shape": plain(layer.output_shape),
        "convention": report.convention.value,
        "values": {str(k): plain(v) for k, v in derivation.values.items()},
        "quantities": {key: quantity_data(q) for key, q in derivation.quantities.items()},
    }
    if steps.table is not None:
        data["connection_table"] = _table_data(steps.table)
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
            "size": [plain(axis.size) for axis in result.axes],
            "jump": [plain(axis.jump) for axis in result.axes],
            "start": [plain(axis.start) for axis in result.axes],
            "misaligned": result.misaligned,
        }
        periods = period(result)
        if periods is not None:  # after a resize: the mean jump ("1/2" as text), as
            # --receptive-field's JSON gives it, the period and the advance per period
            data |= {
                "jump": [plain(mean_jump(axis)) for axis in result.axes],
                "period": list(periods),
                "advance": [plain(axis.jump) for axis in result.axes],
            }
    data["axes"] = [
        {
            "axes": list(axis.axes),
            "values": {str(k): plain(v) for k, v in axis.values.items()},
            "quantities": {q.name: quantity_data(q) for q in axis.quantities},
        }
        for axis in field.axes
    ]
    return data


def _training_data(training: TrainingDerivation) -> dict[str, Any]:
    """One sample's terms, each with its derivation and why."""
    return {
        "values": {str(k): plain(v) for k, v in training.values.items()},
        **({"why": training.why} if training.why else {}),
        "terms": {
            key: {**quantity_data(term.derivation), "why": term.why}
            for key, term in zip(TRAINING_KEYS, training.terms, strict=False)
        },
    }


def quantity_data(quantity: Derivation) -> dict[str, Any]:
    """A derivation as JSON: its name, the general formula (sympy's text, LaTeX, Unicode),
    the values put in (Unicode, LaTeX) and the value (explain's and quiz's JSON)."""
    return {
        "name": quantity.name,
        "formula": sympy_text(quantity.formula),
        "latex": quantity.general("latex"),
        "text": quantity.general(),
        "substituted": quantity.substituted(),
        "substituted_latex": quantity.substituted("latex"),
        "value": plain(quantity.result),
    }


@functools.lru_cache(maxsize=4096)
def sympy_text(formula: Any) -> str:
    """sympy's own ASCII form of a formula (which it parses back), cached.

    Printing costs a fraction of a millisecond; the layers of a long network
    share a handful of general formulas, so each is printed once.
    """
    return str(formula)


def plain(value: Any) -> Any:
    """An int (or a tuple of them) as JSON numbers; anything else (a formula) as text."""
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return value if isinstance(value, int) else str(value)


# -- --formulas --------------------------------------------------------------------


def formulas(report: Report, fmt: str = "table") -> str:
    """Every layer's quantities beside their general formulas, in one of :data:`FORMULA_FORMATS`."""
    if fmt not in FORMULA_FORMATS:
        raise CnncalcError(
            _("--formulas writes {formats}, not {format}").format(
                formats=", ".join(FORMULA_FORMATS), format=show_value(fmt)
            )
        )
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
        header = [pgettext("column", "layer"), pgettext("column", "quantity"),
                  pgettext("column", "formula"), pgettext("column", "value")]  # fmt: skip
        lines = [f"### {markdown_text(report.name)}", "", f"| {' | '.join(header)} |"]
        lines.append("|:--|:--|:--|--:|")
        for layer, _key, q in rows:
            lines.append(
                f"| {markdown_text(layer.name)} | {quantity_title(q.name)} | "
                f"${q.general('latex')}$ | {count(q.result)} |"
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
                key: quantity_data(q)
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
        rows: list[list[str]] = []
        name = visible(layer.name)
        for title, q in titled_quantities(layer_derivation(report, layer)):
            rows.append([name if not rows else "", title, q.general(), count(q.result)])
        sections.append(rows or [[name, _("(passes values through)"), "", ""]])
    title = _("{network}: formulas").format(network=visible(report.name))
    caption = convention_note(report.convention)
    plain = draw_sections(title, formula_headings(), sections, caption, wraps=FORMULA_COLUMN)
    return plain if plain is not None else _formulas_rich(title, sections, caption)


def formula_headings() -> tuple[tuple[str, bool], ...]:
    """The formulas table's headings, and whether each column is right-justified."""
    return (
        (pgettext("formulas table", "Layer"), False),
        (pgettext("formulas table", "Quantity"), False),
        (pgettext("formulas table", "Formula"), False),
        (pgettext("formulas table", "Value"), True),
    )


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
    for heading, right in formula_headings():
        table.add_column(heading, justify="right" if right else "left")
    for rows in sections:
        for row in rows:
            table.add_row(*map(Text, row))
        table.add_section()
    return to_text(table)


# -- solve ---------------------------------------------------------------------------


def solution_text(solution: Solution, condition: str, fmt: str = "table") -> str:
    """``n = 227…258 (32 values)``, with how it was found; or JSON (English words, as its
    keys: ``method`` is :attr:`Solution.method`)."""
    if fmt == "json":
        return _solution_json(solution, condition)
    if fmt != "table":
        raise CnncalcError(
            _("solve writes table or json, not {format}").format(format=show_value(fmt))
        )
    # The condition and the symbol are typed by the user: shown, never obeyed.
    unknown, condition = visible(solution.unknown), visible(condition)
    if solution.intervals is not None:
        return _intervals_text(solution, unknown, condition)
    searched = solution.searched
    if not solution.runs:
        if searched is None:
            text = _("No {symbol} satisfies {condition} (found in closed form).")
        else:
            text = _(
                "No {symbol} satisfies {condition} (found by trying every {symbol} from {first} "
                "to {last})."
            )
        low, high = searched or (0, 0)
        return text.format(symbol=unknown, condition=condition, first=low, last=high) + "\n"
    parts = []
    for first, last in solution.runs:
        if last is None:
            parts.append(f"{unknown} ≥ {first}")
        elif first == last:
            parts.append(f"{unknown} = {first}")
        else:
            parts.append(f"{unknown} = {first}…{last}")
    many = solution.count is not None and solution.count > 1
    holds = (
        _("{condition} holds for {values} ({count} values).")
        if many
        else _("{condition} holds for {values}.")
    ).format(condition=condition, values=", ".join(parts), count=f"{solution.count or 0:,}")
    formula = condition_text(solution.condition)
    if searched is None:
        found = _("Found in closed form, from {formula}.").format(formula=formula)
    else:
        found = _("Found by trying every {symbol} from {first} to {last}, from {formula}.").format(
            symbol=unknown, first=searched[0], last=searched[1], formula=formula
        )
    return f"{holds}\n{found}\n"


def _solution_json(solution: Solution, condition: str) -> str:
    data: dict[str, Any] = {
        "condition": condition,
        "symbol": solution.unknown,
        "runs": [[first, last] for first, last in solution.runs],
        "count": solution.count,
        "method": solution.method,
    }
    if solution.intervals is not None:  # a multiplier: exact fractions, as text
        data["intervals"] = [
            {"low": str(i.low), "high": str(i.high), "low_closed": i.low_closed,
             "high_closed": i.high_closed}
            for i in solution.intervals
        ]  # fmt: skip
    return json.dumps(data, indent=2) + "\n"


def _intervals_text(solution: Solution, unknown: str, condition: str) -> str:
    """A multiplier's solutions: ``1/32 ≤ a < 369/512 (≈ 0.7207)``, and how they were found."""
    assert solution.span is not None and solution.intervals is not None
    low, high = solution.span
    span = (
        f"0 < {unknown} ≤ {_fraction(high)}"
        if low == 0
        else f"{_fraction(low)} ≤ {unknown} ≤ {_fraction(high)}"
    )
    found = _(
        "Found exactly: {symbol}'s roundings may step at {count} points of {span}; each, and "
        "one value between each two (where the network is the same), tried."
    ).format(symbol=unknown, count=f"{solution.breakpoints:,}", span=span)
    if not solution.intervals:
        text = _("No {symbol} satisfies {condition}.").format(symbol=unknown, condition=condition)
        return f"{text}\n{found}\n"
    parts = []
    for interval in solution.intervals:
        if interval.low == interval.high:
            parts.append(f"{unknown} = {_fraction(interval.low)}")
            continue
        left = "≤" if interval.low_closed else "<"
        right = "≤" if interval.high_closed else "<"
        parts.append(
            f"{_fraction(interval.low)} {left} {unknown} {right} {_fraction(interval.high)}"
        )
    holds = _("{condition} holds for {values}.").format(
        condition=condition, values=", ".join(parts)
    )
    return f"{holds}\n{found}\n"


def _fraction(value: Fraction) -> str:
    """``369/512 (≈ 0.7207)``, ``3/4 (0.75)``, ``2``: exact, with the decimal beside."""
    if value.denominator == 1:
        return str(value.numerator)
    decimal = f"{float(value):.4g}"
    exact = Fraction(decimal) == value
    return f"{value} ({'' if exact else '≈ '}{decimal})"


def condition_text(condition: Any) -> str:
    """A condition as formulas print it; the relations of a conjunction one by one
    (``⌊n/4⌋ − 7 = 1 and …``), not sympy's ``Eq(…) & Ne(…)``."""
    if isinstance(condition, sympy.And):
        joint = pgettext("between conditions", " and ")
        return joint.join(formula_text(relation) for relation in condition.args)
    return formula_text(condition)
