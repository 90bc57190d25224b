"""The report as one self-contained HTML page: the table, the formulas and the drawing.

The page follows the terminal table (the same columns, :func:`text.columns`,
and totals), states the FLOP convention in force with its definition, lists a
symbolic network's requirements, and inlines the LeNet-5-style drawing of
:mod:`cnncalc.render.draw_svg`. Clicking a layer's name opens the derivation
of its counts (:mod:`cnncalc.render.derivations`: the general formula, the
values put in, the result); clicking a column heading sorts the rows, numbers
by their exact integer (kept in ``data-value``; JavaScript's ``BigInt``
compares them without rounding).

Everything is inline: CSS, a few lines of plain JavaScript, the SVG. No URL is
fetched, so the page works offline, and formulas are Unicode text (no MathJax).
Every string from the spec (names, types) is escaped, and its control
characters shown as escapes (:func:`cnncalc.safe_text.html_text`, the ``escape``
used throughout), so the page is well-formed for an XML parser too. :func:`fragment` is the
page's body alone, for Jupyter (``Report._repr_html_``), where the table, the
drawing and the formulas work without the script; only sorting needs it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cnncalc.analysis import LayerReport, Report
from cnncalc.arith import Dim, Shape
from cnncalc.conventions import CONVENTIONS, Convention
from cnncalc.errors import CnncalcError
from cnncalc.i18n import _, current, ngettext
from cnncalc.render.derivations import (
    layer_derivation,
    layer_heading,
    quantity_title,
    titled_quantities,
    where_clause,
)
from cnncalc.render.text import (
    POOLING_MARK,
    columns,
    count,
    layer_shape,
    pooling_note,
    requirements,
    shape,
    values_note,
    weightless_pooling,
)
from cnncalc.safe_text import html_text as escape  # html.escape, and controls made visible

STYLE = """
.cnncalc-report { font-family: system-ui, "Segoe UI", "DejaVu Sans", sans-serif; color: #222;
  line-height: 1.4; }
.cnncalc-report h1 { font-size: 1.5em; margin: 0.4em 0 0.2em; }
.cnncalc-report .cnncalc-scroll { overflow-x: auto; margin: 1em 0; }
.cnncalc-report table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.cnncalc-report th, .cnncalc-report td { padding: 0.25em 0.6em; text-align: left;
  vertical-align: top; border-bottom: 1px solid #ddd; }
.cnncalc-report .num { text-align: right; white-space: nowrap; }
.cnncalc-report thead th { background: #f3f3f3; border-bottom: 2px solid #999;
  cursor: pointer; }
.cnncalc-report thead button { font: inherit; font-weight: bold; color: inherit;
  background: none; border: none; padding: 0; cursor: pointer; }
.cnncalc-report th[aria-sort="ascending"] button::after { content: " \\25B2"; }
.cnncalc-report th[aria-sort="descending"] button::after { content: " \\25BC"; }
.cnncalc-report tfoot th, .cnncalc-report tfoot td { font-weight: bold;
  border-top: 2px solid #999; }
.cnncalc-report tbody th { font-weight: normal; }
.cnncalc-report summary { cursor: pointer; }
.cnncalc-report tr.cnncalc-formulas > td { background: #f8f8f8; padding: 0.5em 1.5em; }
/* A layer's formulas show while its name is open; where :has() is unknown they always show. */
.cnncalc-report tbody:not(:has(details[open])) > tr.cnncalc-formulas { display: none; }
.cnncalc-report .cnncalc-derivation td { border: none; padding: 0.1em 0.6em; }
.cnncalc-report .cnncalc-where, .cnncalc-report .cnncalc-source { color: #555; }
.cnncalc-report figure { margin: 1em 0; }
"""

SCRIPT = """
(function () {
  function compare(a, b) {
    var x = a.getAttribute("data-value"), y = b.getAttribute("data-value");
    if (x !== null && y !== null) {
      var p = BigInt(x), q = BigInt(y);
      return p < q ? -1 : p > q ? 1 : 0;
    }
    if (x !== null || y !== null) return x !== null ? -1 : 1;
    return a.textContent.localeCompare(b.textContent, undefined, {numeric: true});
  }
  document.querySelectorAll("table.cnncalc-layers:not([data-sortable])").forEach(function (table) {
    table.setAttribute("data-sortable", "");
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    heads.forEach(function (th, column) {
      th.addEventListener("click", function () {  // the whole cell, its button included
        var state = th.getAttribute("aria-sort");
        var first = th.classList.contains("num") ? "descending" : "ascending";
        var order = state === "none" ? first : state === "ascending" ? "descending" : "ascending";
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", order);
        var sign = order === "ascending" ? 1 : -1;
        var bodies = Array.prototype.slice.call(table.tBodies);
        bodies.sort(function (a, b) {
          return sign * compare(a.rows[0].cells[column], b.rows[0].cells[column]) ||
            a.getAttribute("data-index") - b.getAttribute("data-index");
        });
        bodies.forEach(function (body) { table.insertBefore(body, table.tFoot); });
      });
    });
  });
})();
"""


def render(report: Report) -> str:
    """The whole page: ``<!DOCTYPE html>``, head (title, inline style) and :func:`fragment`."""
    return page(f"{report.name} — cnncalc", fragment(report))


HTML_LANG = {"en": "en", "zh": "zh-CN"}
"""The page's ``lang`` for each interface language (BCP 47): fonts and screen readers
read Chinese as Chinese."""


def page(title: str, body: str) -> str:
    """A standalone HTML5 document around ``body``, in the language being spoken."""
    return (
        f'<!DOCTYPE html>\n<html lang="{HTML_LANG.get(current(), "en")}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )


def fragment(report: Report) -> str:
    """The report's body part: style, heading, convention, drawing, table, script."""
    from cnncalc.render.draw_svg import draw

    parts = [
        '<div class="cnncalc-report">',
        f"<style>{STYLE}</style>",
        f"<h1>{escape(report.name)}</h1>",
        "<p>"
        + ngettext(
            "Input {inputs}, output {output}; {count} layer.",
            "Input {inputs}, output {output}; {count} layers.",
            len(report.layers),
        ).format(
            inputs=_shape(report.input_shape)
            + "".join(f", {escape(name)} {_shape(dims)}" for name, dims in report.other_inputs),
            output=_shape(report.output_shape),
            count=len(report.layers),
        )
        + "</p>",
        *_values(report),
        _convention(report.convention),
        *_requirements(report),
        f'<figure class="cnncalc-diagram cnncalc-scroll">\n{draw(report)}</figure>',
        '<div class="cnncalc-scroll">',
        _table(report),
        "</div>",
        *_pooling_note(report),
        f"<script>{SCRIPT}</script>",
        "</div>",
    ]
    return "\n".join(parts) + "\n"


def _shape(value: Shape) -> str:
    return escape(shape(value))


def _convention(convention: Convention) -> str:
    """The convention in force, its one-sentence definition and its source."""
    info = CONVENTIONS[convention]
    title = _("FLOPs: the {convention} convention").format(convention=repr(str(convention)))
    source = _("({source})").format(source=_(info.source))
    sentence = escape(_("{title}: {definition} {source}.")).format(
        title=f"<strong>{escape(title)}</strong>",
        definition=escape(_(info.definition)),
        source=f'<span class="cnncalc-source">{escape(source)}</span>',
    )
    return f'<p class="cnncalc-convention">{sentence}</p>'


def _values(report: Report) -> list[str]:
    """The values a symbolic spec's report was computed at, if any."""
    note = values_note(report)
    return [f'<p class="cnncalc-values">{escape(note)}</p>'] if note else []


def _requirements(report: Report) -> list[str]:
    needed = requirements(report)
    if not needed:
        return []
    items = ", ".join(needed)
    text = escape(_("Requires {conditions}.").format(conditions=items))
    return [f'<p class="cnncalc-requirements">{text}</p>']


def _pooling_note(report: Report) -> list[str]:
    """Below the table: why a max or average pooling layer's connections carry a mark."""
    note = pooling_note(report, name=str)  # the whole note escaped at once
    return [f'<p class="cnncalc-note">{escape(note)}</p>'] if note else []


def _cell(value: Dim, tag: str = "td", mark: str = "") -> str:
    """A count: the exact integer in ``data-value`` for sorting; a formula as text;
    ``mark`` (already HTML) after it."""
    exact = f' data-value="{value}"' if isinstance(value, int) else ""
    return f'<{tag} class="num"{exact}>{escape(count(value))}{mark}</{tag}>'


def _layer_cell(layer: LayerReport, metric: str) -> str:
    """A layer's count; a max or average pooling layer's connections marked."""
    marked = metric == "connections" and weightless_pooling(layer) is not None
    return _cell(layer.metric(metric), mark=f"<sup>{POOLING_MARK}</sup>" if marked else "")


def _shape_cell(value: Shape, text: str | None = None) -> str:
    """An output shape, sorted by its number of values; ``text`` shows several outputs."""
    sizes = [d for d in value if isinstance(d, int)]
    exact = f' data-value="{math.prod(sizes)}"' if len(sizes) == len(value) else ""
    return f'<td class="num"{exact}>{text or _shape(value)}</td>'


def _table(report: Report) -> str:
    """Layers as rows (each with its formulas row), totals in the footer."""
    metrics = columns(report)
    width = 3 + len(metrics)
    heads = [(_("Layer"), ""), (_("Type"), ""), (_("Output shape"), "num")]
    heads += [(title, "num") for _, title in metrics]
    lines = ['<table class="cnncalc-layers">', "<thead><tr>"]
    for title, kind in heads:
        css = f' class="{kind}"' if kind else ""
        lines.append(
            f'<th scope="col"{css} aria-sort="none"><button type="button">{title}</button></th>'
        )
    lines.append("</tr></thead>")
    for index, layer in enumerate(report.layers):
        cells = "".join(_layer_cell(layer, metric) for metric, _title in metrics)
        lines += [
            f'<tbody data-index="{index}">',
            f'<tr class="cnncalc-layer"><th scope="row"><details><summary>{escape(layer.name)}'
            f"</summary></details></th><td>{escape(layer.type)}</td>"
            f"{_shape_cell(layer.output_shape, layer_shape(layer, _shape))}{cells}</tr>",
            f'<tr class="cnncalc-formulas"><td colspan="{width}">{derivation(report, layer)}</td>'
            "</tr>",
            "</tbody>",
        ]
    totals = "".join(_cell(report.totals.metric(metric)) for metric, _title in metrics)
    lines += [
        f'<tfoot><tr><th scope="row">{escape(_("Total"))}</th><td></td>'
        f"{_shape_cell(report.output_shape)}{totals}</tr></tfoot>",
        "</table>",
    ]
    return "\n".join(lines)


def derivation(report: Report, layer: LayerReport) -> str:
    """The layer's counts derived: general formula, values put in, result (as ``explain``)."""
    try:
        derived = layer_derivation(report, layer)
    except CnncalcError:
        text = _(
            "{name} stands for {count} layers: their formulas are in the unfolded report."
        ).format(name=layer.name, count=layer.members)
        return f"<p>{escape(text)}</p>"
    where = where_clause(derived)
    lines = [f"<p>{escape(layer_heading(layer))}"]
    if where:
        where_text = _("where {clause}").format(clause=where)
        lines.append(f'<br><span class="cnncalc-where">{escape(where_text)}</span>')
    lines.append('</p>\n<table class="cnncalc-derivation">')
    for title, quantity in titled_quantities(derived):
        general, substituted, result = (
            quantity.general(), quantity.substituted(), count(quantity.result)
        )  # fmt: skip
        steps = [general]
        if substituted not in (general, result.replace(",", "")):
            steps.append(substituted)
        if result.replace(",", "") != general:
            steps.append(result)
        formula = " = ".join(escape(step) for step in steps)
        lines.append(f"<tr><td>{escape(title)}</td><td>= {formula}</td></tr>")
    zeros = [quantity_title(q.name) for q in derived.quantities.values() if q.formula == 0]
    if zeros:
        lines.append(f"<tr><td>{escape(', '.join(zeros))}</td><td>= 0</td></tr>")
    lines.append("</table>")
    return "\n".join(lines)


def explain(report: Report, layer: LayerReport, steps: Sequence[str] = ()) -> str:
    """``cnncalc explain SPEC LAYER -f html``: one layer's derivation as a page; ``steps``,
    the lines of its receptive field's and training FLOPs' derivations, as ``explain``
    prints them."""
    derived = "\n".join(escape(line) for line in steps).strip()
    body = "\n".join([
        '<div class="cnncalc-report">',
        f"<style>{STYLE}</style>",
        f"<h1>{escape(layer.name)} <small>({escape(report.name)})</small></h1>",
        derivation(report, layer),
        *([f"<pre>{derived}</pre>"] if derived else []),
        _convention(report.convention),
        "</div>",
    ])  # fmt: skip
    return page(f"{layer.name} — {report.name} — cnncalc", body + "\n")
