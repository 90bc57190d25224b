"""Formulas beside the numbers (``--formulas``) and step-by-step derivations (``explain``).

Every formula comes from :func:`cnncalc.formulas.derive`, i.e. from the layer's
own rule run on symbols; this module only lays it out: Unicode for the
terminal, LaTeX in Markdown and JSON (``latex`` fields), ASCII that sympy parses
back in JSON's ``formula`` fields. Layer and network names are the user's text,
escaped for each format by :mod:`cnncalc.safe_text`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import sympy

from cnncalc.analysis import LayerReport, Report
from cnncalc.errors import CnncalcError
from cnncalc.formulas import Derivation, LayerDerivation, derive
from cnncalc.render.math import formula_text
from cnncalc.render.text import convention_note, count, shape
from cnncalc.safe_text import csv_cell, csv_formula, json_safe, markdown_text, visible
from cnncalc.solve import Solution
from cnncalc.symbolic import symbol

FORMATS = ("table", "json", "csv", "markdown")


def layer_derivation(report: Report, layer: LayerReport) -> LayerDerivation:
    """The derivation of ``layer``'s metrics, under the report's convention."""
    if layer.node is None:
        raise CnncalcError(f"'{layer.name}' is a folded block: derive its layers one by one")
    return derive(layer.node, layer.input_shapes, report.convention)


def _shown(derivation: LayerDerivation) -> Iterator[tuple[str, Derivation]]:
    """The quantities worth showing: output sizes, and every count that is not 0."""
    for key, quantity in derivation.quantities.items():
        if quantity.formula != 0:
            yield key, quantity


def _same_size_axes(derivation: LayerDerivation) -> dict[str, str]:
    """``h_out`` and ``w_out`` shown once as ``h_out, w_out`` when both axes agree.

    Agreeing means the same result and the same formula once each symbol's axis
    letter (``w_in``, ``k_w``) is read as the first axis's (``h_in``, ``k_h``).
    """
    sizes = [k for k in derivation.quantities if k.endswith("_out")]
    if len(sizes) < 2:
        return {}
    first = sizes[0].split("_")[0]

    def on_first_axis(key: str) -> object:
        axis = key.split("_", maxsplit=1)[0]
        formula = derivation[key].formula
        renamed = {
            s: symbol("_".join(first if part == axis else part for part in str(s).split("_")))
            for s in getattr(formula, "free_symbols", ())
        }
        return formula.xreplace(renamed) if renamed else formula

    same_formula = len({on_first_axis(k) for k in sizes}) == 1
    same_result = len({derivation[k].result for k in sizes}) == 1
    if same_formula and same_result:
        return {sizes[0]: ", ".join(sizes), **dict.fromkeys(sizes[1:], "")}
    return {}


# -- explain ---------------------------------------------------------------------


def explain(report: Report, name: str, fmt: str = "table") -> str:
    """The derivation of every metric of layer ``name``, as the documents write it."""
    layer = report.layer(name)
    if fmt == "html":
        from cnncalc.render.html_format import explain as explain_html

        return explain_html(report, layer)
    derivation = layer_derivation(report, layer)
    if fmt == "json":
        data = _explain_data(report, layer, derivation)
        return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
    if fmt == "markdown":
        return _explain_markdown(report, layer, derivation)
    if fmt == "csv":
        return _explain_csv(report, layer, derivation)
    return _explain_text(report, layer, derivation)


def _explain_csv(report: Report, layer: LayerReport, derivation: LayerDerivation) -> str:
    """One row per quantity: ``layer, type, quantity, formula, substituted, value, convention``.

    The formula is sympy's spelling (``sympy.sympify`` reads it back); the layer's
    name and type are the user's text, neutralised as in the CSV report.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["layer", "type", "quantity", "formula", "substituted", "value", "convention"])
    for key, quantity in derivation.quantities.items():
        value = quantity.result
        writer.writerow([
            csv_cell(layer.name), csv_cell(layer.type), key,
            csv_formula(str(quantity.formula)), csv_formula(quantity.substituted()),
            value if isinstance(value, int) else csv_formula(str(value)),
            report.convention.value,
        ])  # fmt: skip
    return out.getvalue()


def _heading(layer: LayerReport, text: Callable[[str], str] = visible) -> str:
    """``C1 (conv2d): 1×32×32 → 6×28×28``, the name and type passed through ``text``."""
    inputs = " + ".join(shape(s) for s in layer.input_shapes)
    return f"{text(layer.name)} ({text(layer.type)}): {inputs} → {shape(layer.output_shape)}"


def _where(derivation: LayerDerivation, style: str = "unicode") -> str:
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


def _explain_text(report: Report, layer: LayerReport, derivation: LayerDerivation) -> str:
    where = _where(derivation)
    lines = [_heading(layer), *([f"where {where}"] if where else []), ""]
    merged = _same_size_axes(derivation)
    rows = [
        (merged.get(key, key) if key.endswith("_out") else q.name, q)
        for key, q in _shown(derivation)
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
    lines += ["", convention_note(report.convention)]
    return "\n".join(lines) + "\n"


def _explain_markdown(report: Report, layer: LayerReport, derivation: LayerDerivation) -> str:
    where = _where(derivation, "latex")
    heading = _heading(layer, markdown_text)
    lines = [f"### {heading}", "", *([f"where ${where}$", ""] if where else [])]
    lines += ["| quantity | formula | value |", "|:--|:--|--:|"]
    for _, quantity in _shown(derivation):
        steps = [quantity.general("latex"), quantity.substituted("latex"), str(quantity.result)]
        unique = [s for i, s in enumerate(steps) if s not in steps[:i]]
        lines.append(f"| {quantity.name} | ${' = '.join(unique)}$ | {count(quantity.result)} |")
    lines += ["", convention_note(report.convention), ""]
    return "\n".join(lines)


def _explain_data(
    report: Report, layer: LayerReport, derivation: LayerDerivation
) -> dict[str, Any]:
    return {
        "layer": layer.name,
        "type": layer.type,
        "input_shape": _plain(layer.input_shape),
        "input_shapes": [_plain(s) for s in layer.input_shapes],
        "output_shape": _plain(layer.output_shape),
        "convention": report.convention.value,
        "values": {str(k): _plain(v) for k, v in derivation.values.items()},
        "quantities": {key: _quantity_data(q) for key, q in derivation.quantities.items()},
    }


def _quantity_data(quantity: Derivation) -> dict[str, Any]:
    return {
        "name": quantity.name,
        "formula": str(quantity.formula),
        "latex": quantity.general("latex"),
        "text": quantity.general(),
        "substituted": quantity.substituted(),
        "substituted_latex": quantity.substituted("latex"),
        "value": _plain(quantity.result),
    }


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
    rows = [
        (layer, key, quantity)
        for layer in report.layers
        for key, quantity in _shown(layer_derivation(report, layer))
    ]
    if fmt == "json":
        data: dict[str, Any] = {"name": report.name, "convention": report.convention.value}
        data["layers"] = [
            {
                "name": layer.name,
                "type": layer.type,
                "formulas": {
                    key: _quantity_data(q)
                    for key, q in layer_derivation(report, layer).quantities.items()
                },
            }
            for layer in report.layers
        ]
        return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["layer", "quantity", "formula", "value", "convention"])
        for layer, key, q in rows:
            result = q.result if isinstance(q.result, int) else csv_formula(str(q.result))
            writer.writerow(
                [csv_cell(layer.name), key, csv_formula(str(q.formula)), result, report.convention]
            )
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


def _formulas_text(report: Report) -> str:
    from rich.table import Table
    from rich.text import Text

    from cnncalc.render.table_format import to_text

    # Text, not str, for what holds a name: rich would read "[bold]" in it as markup.
    table = Table(
        title=Text(f"{visible(report.name)}: formulas", style="table.title"),
        caption=convention_note(report.convention), caption_justify="left",
    )  # fmt: skip
    for heading, justify in (("Layer", "left"), ("Quantity", "left"), ("Formula", "left"),
                             ("Value", "right")):  # fmt: skip
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for layer in report.layers:
        derivation = layer_derivation(report, layer)
        merged = _same_size_axes(derivation)
        first = True
        for key, q in _shown(derivation):
            title = merged.get(key, key) if key.endswith("_out") else q.name
            if not title:
                continue
            name = Text(visible(layer.name) if first else "")
            table.add_row(name, title, Text(q.general()), count(q.result))
            first = False
        if first:
            table.add_row(Text(visible(layer.name)), "(passes values through)", "", "")
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
