"""``cnncalc compare``: a :class:`~cnncalc.compare.Comparison` as a table, JSON, CSV,
Markdown, HTML or LaTeX.

Every format has a column group per variant: each metric's count, and for a variant
but the first, its difference from the first's (Δ, signed: ``+900``, ``−900``) and its
ratio to it (×, to :data:`~cnncalc.compare.RATIO_PLACES` decimals; ``—`` where the
first's count is 0). A cell is empty where the variant has no such layer. JSON holds
the exact ratio as a fraction (``"604/379"``) and the differences as integers; CSV is
long, a line per layer, variant and metric (``layer,variant,metric,value,delta,ratio``),
so that its columns do not depend on the variants. Variant names (file stems, the
``--subs`` text), layer names and network names are the user's text, escaped for each
format as the report's renderers escape them.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import replace
from typing import Any

from cnncalc.analysis import values_text
from cnncalc.compare import RATIO_PLACES, Cell, Comparison, Row, Variant, ratio_text
from cnncalc.i18n import _
from cnncalc.render.table_format import Grid, draw, fill
from cnncalc.render.text import convention_note, metric_title, shape
from cnncalc.safe_text import csv_cell, html_text, json_safe, markdown_text, visible

DELTA, RATIO = "Δ", "×"
"""The headings of a difference and of a ratio, the same in every language."""
STYLE_COMPARE = """.cnncalc-report table.cnncalc-compare thead th { cursor: auto; }
.cnncalc-report table.cnncalc-compare th[scope="colgroup"] { text-align: center; }
"""
"""The page's style beyond the report's: headings that sort nothing, centred over their
columns."""
NO_RATIO = "—"
"""A ratio to a count of 0."""


def render_comparison(comparison: Comparison, fmt: str) -> str:
    """The comparison in format ``fmt``: table, json, csv, markdown, html or latex."""
    renderers = {
        "table": table,
        "json": to_json,
        "csv": to_csv,
        "markdown": markdown,
        "html": html,
        "latex": latex,
    }
    return renderers[fmt](comparison)


# -- text of the cells -------------------------------------------------------------------


def delta_text(delta: int) -> str:
    """``+900``, ``−900`` (a minus sign), ``0``."""
    if delta > 0:
        return f"+{delta:,}"
    return f"−{-delta:,}" if delta < 0 else "0"


def _texts(comparison: Comparison, row: Row) -> list[str]:
    """A row's cells as text, after its name: per variant, per metric, the count (and
    Δ and × but for the first variant); empty where the variant has no such row."""
    texts: list[str] = []
    base = row.cells[0]
    for index, cells in enumerate(row.cells):
        width = len(comparison.metrics) * (1 if index == 0 else 3)
        if cells is None:
            texts += [""] * width
            continue
        for cell in cells:
            texts.append(f"{cell.value:,}")
            if index:
                texts += _difference(cell, base is not None)
    return texts


def _difference(cell: Cell, has_base: bool) -> list[str]:
    """Δ and × of a cell: empty where the base lacks the row; ``—`` for a ratio to 0."""
    if not has_base or cell.delta is None:
        return ["", ""]
    ratio = ratio_text(cell.ratio) if cell.ratio is not None else NO_RATIO
    return [delta_text(cell.delta), ratio]


def _headers(comparison: Comparison) -> list[str]:
    """The metric headings under each variant: count, then Δ and × but for the first."""
    titles = [metric_title(metric) for metric in comparison.metrics]
    heads = list(titles)
    for _variant in comparison.variants[1:]:
        for title in titles:
            heads += [title, DELTA, RATIO]
    return heads


def _spans(comparison: Comparison) -> list[int]:
    """How many columns each variant's group has."""
    metrics = len(comparison.metrics)
    return [metrics] + [3 * metrics] * (len(comparison.variants) - 1)


def title(comparison: Comparison) -> str:
    """``Comparison: lenet5, lenet5-full-c3`` (names as written: escape for the format)."""
    return _("Comparison: {variants}").format(
        variants=", ".join(variant.name for variant in comparison.variants)
    )


def notes(comparison: Comparison) -> list[str]:
    """The sentences below the table (as written: escape them for the format): what Δ
    and × are, what each variant is, the FLOP convention if FLOPs are compared."""
    lines = [
        _(
            "Δ: the difference from the first variant, {base}; ×: the ratio to it, to "
            "{places} decimals (— where its count is 0). An empty cell: no such layer."
        ).format(base=comparison.base.name, places=RATIO_PLACES)
    ]
    lines += [variant_note(variant) for variant in comparison.variants]
    if comparison.depth is not None:
        lines.append(
            _(
                "Rows: layers named a.b.c folded by their first name parts (--depth {depth})."
            ).format(depth=comparison.depth)
        )
    if "flops" in comparison.metrics:
        lines.append(convention_note(comparison.convention))
    return lines


def variant_note(variant: Variant) -> str:
    """``lenet5: LeNet-5 (specs/lenet5.yaml), input 1×32×32.``, with its values if any."""
    report = variant.report
    fields = {
        "variant": variant.name,
        "network": report.name,
        "source": variant.source,
        "shape": shape(report.input_shape),
    }
    if report.values:
        return _("{variant}: {network} ({source}), input {shape}, at {values}.").format(
            values=values_text(report.values), **fields
        )
    return _("{variant}: {network} ({source}), input {shape}.").format(**fields)


# -- table -------------------------------------------------------------------------------


def table(comparison: Comparison) -> str:
    """The terminal table: a heading over each variant's columns, the totals below."""
    layout = Grid(
        title=visible(title(comparison)),
        headers=[_("Layer"), *_headers(comparison)],
        right=[False, *(True for _ in _headers(comparison))],
        rows=[[visible(row.name), *_texts(comparison, row)] for row in comparison.rows],
        footer=[_("Total"), *_texts(comparison, comparison.totals)],
        caption="\n".join(visible(line) for line in notes(comparison)),
        groups=(
            ("", 1),
            *(
                (visible(variant.name), span)
                for variant, span in zip(comparison.variants, _spans(comparison), strict=True)
            ),
        ),
    )
    # As wide as the variants and names need (no page: a 20,000-character name is a
    # wide table, not an error); a title wider than the table (which each name heads a
    # column of, so it cannot be) would go on a line of its own.
    drawn = draw(layout, page=sys.maxsize, wrapper=fill)
    if drawn is None:
        drawn = layout.title + "\n" + (draw(replace(layout, title=""), sys.maxsize, fill) or "")
    return drawn


# -- JSON --------------------------------------------------------------------------------


def to_dict(comparison: Comparison) -> dict[str, Any]:
    """The comparison as JSON-ready data: the variants (name, spec, network, values), then
    per layer and for the totals each variant's counts (null where it has no such
    layer) and, but for the first, ``delta`` and ``ratio`` by metric (a ratio as exact
    text, ``"604/379"``; null where the first's count is 0)."""
    return {
        "metrics": list(comparison.metrics),
        "convention": comparison.convention.value,
        "depth": comparison.depth,
        "base": comparison.base.name,
        "variants": [
            {
                "name": variant.name,
                "spec": variant.source,
                "network": variant.report.name,
                "values": {
                    name: value if type(value) is int else str(value)
                    for name, value in variant.report.values
                },
            }
            for variant in comparison.variants
        ],
        "layers": [
            {"name": row.name, "variants": _json_cells(comparison, row)} for row in comparison.rows
        ],
        "totals": {"variants": _json_cells(comparison, comparison.totals)},
    }


def _json_cells(comparison: Comparison, row: Row) -> list[dict[str, Any] | None]:
    out: list[dict[str, Any] | None] = []
    for index, cells in enumerate(row.cells):
        if cells is None:
            out.append(None)
            continue
        data: dict[str, Any] = {
            metric: cell.value for metric, cell in zip(comparison.metrics, cells, strict=True)
        }
        if index and row.cells[0] is not None:
            data["delta"] = {m: c.delta for m, c in zip(comparison.metrics, cells, strict=True)}
            data["ratio"] = {
                m: None if c.ratio is None else str(c.ratio)
                for m, c in zip(comparison.metrics, cells, strict=True)
            }
        out.append(data)
    return out


def to_json(comparison: Comparison) -> str:
    """The comparison as indented JSON; hidden characters in names as ``\\uXXXX``."""
    return json_safe(json.dumps(to_dict(comparison), indent=2, ensure_ascii=False)) + "\n"


# -- CSV ---------------------------------------------------------------------------------


def to_csv(comparison: Comparison) -> str:
    """A line per layer (``total`` last), variant and metric: its count, and but for the
    first variant its difference and ratio (to 3 decimals, no thousands separators)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["layer", "variant", "metric", "value", "delta", "ratio"])
    for row, name in [
        *((row, csv_cell(row.name)) for row in comparison.rows),
        (comparison.totals, "total"),
    ]:
        for variant, cells in zip(comparison.variants, row.cells, strict=True):
            if cells is None:
                continue
            for metric, cell in zip(comparison.metrics, cells, strict=True):
                ratio = "" if cell.ratio is None else ratio_text(cell.ratio).replace(",", "")
                delta = "" if cell.delta is None else cell.delta
                writer.writerow([name, csv_cell(variant.name), metric, cell.value, delta, ratio])
    return out.getvalue()


# -- Markdown ----------------------------------------------------------------------------


def markdown(comparison: Comparison) -> str:
    """A GitHub table: each heading names its variant's column (Markdown has no spanning
    headings), a bold totals row, the notes below."""
    heads = [_("Layer")]
    titles = [metric_title(metric) for metric in comparison.metrics]
    for index, variant in enumerate(comparison.variants):
        name = markdown_text(variant.name)
        for heading in titles:
            heads.append(f"{name}: {heading}")
            if index:
                heads += [DELTA, RATIO]
    lines = [
        f"### {markdown_text(title(comparison))}",
        "",
        "| " + " | ".join(heads) + " |",
        "|" + "|".join([":--", *(["--:"] * (len(heads) - 1))]) + "|",
    ]
    for row in comparison.rows:
        lines.append("| " + " | ".join([markdown_text(row.name), *_texts(comparison, row)]) + " |")
    totals = [f"**{text}**" if text else "" for text in _texts(comparison, comparison.totals)]
    lines += ["| " + " | ".join([f"**{_('Total')}**", *totals]) + " |", ""]
    for line in notes(comparison):
        lines += [markdown_text(line), ""]
    return "\n".join(lines)


# -- HTML --------------------------------------------------------------------------------


def html(comparison: Comparison) -> str:
    """One self-contained page: a heading over each variant's columns, totals in the
    footer, the notes below; every count's exact integer in ``data-value``."""
    from cnncalc.render.html_format import STYLE, page

    metrics = comparison.metrics
    first = ['<tr><th scope="col" rowspan="2">' + html_text(_("Layer")) + "</th>"]
    for variant, span in zip(comparison.variants, _spans(comparison), strict=True):
        first.append(f'<th scope="colgroup" colspan="{span}">{html_text(variant.name)}</th>')
    second = "".join(
        f'<th scope="col" class="num">{html_text(h)}</th>' for h in _headers(comparison)
    )
    lines = [
        '<div class="cnncalc-report">',
        f"<style>{STYLE}{STYLE_COMPARE}</style>",
        f"<h1>{html_text(title(comparison))}</h1>",
        '<div class="cnncalc-scroll">',
        '<table class="cnncalc-compare">',
        "<thead>" + "".join(first) + "</tr>",
        f"<tr>{second}</tr></thead>",
        "<tbody>",
    ]
    for row in comparison.rows:
        lines.append(
            f'<tr><th scope="row">{html_text(row.name)}</th>{_html_cells(row, len(metrics))}</tr>'
        )
    lines += [
        "</tbody>",
        f'<tfoot><tr><th scope="row">{html_text(_("Total"))}</th>'
        f"{_html_cells(comparison.totals, len(metrics))}</tr></tfoot>",
        "</table>",
        "</div>",
        *(f"<p>{html_text(line)}</p>" for line in notes(comparison)),
        "</div>",
    ]
    return page(title(comparison) + " — cnncalc", "\n".join(lines) + "\n")


def _html_cells(row: Row, metrics: int) -> str:
    cells: list[str] = []
    has_base = row.cells[0] is not None
    for index, variant in enumerate(row.cells):
        if variant is None:
            cells += ['<td class="num"></td>'] * (metrics if index == 0 else 3 * metrics)
            continue
        for cell in variant:
            cells.append(f'<td class="num" data-value="{cell.value}">{cell.value:,}</td>')
            if index:
                delta, ratio = _difference(cell, has_base)
                exact = f' data-value="{cell.delta}"' if delta else ""
                cells.append(f'<td class="num"{exact}>{html_text(delta)}</td>')
                cells.append(f'<td class="num">{html_text(ratio)}</td>')
    return "".join(cells)


# -- LaTeX -------------------------------------------------------------------------------


def latex(comparison: Comparison) -> str:
    """A whole document: a booktabs table with a spanning heading over each variant
    (a ``longtable`` past :data:`~cnncalc.render.latex_format.LONG_TABLE` rows), the
    notes as its caption."""
    from cnncalc.render.latex import document, escape
    from cnncalc.render.latex_format import LONG_TABLE, first_cell, user_text

    def number(text: str) -> str:  # 1,516 → 1{,}516: the same in text and math mode
        return escape(text).replace(",", "{,}")

    spans = _spans(comparison)
    groups = [""] + [
        rf"\multicolumn{{{span}}}{{c}}{{{user_text(variant.name)}}}"
        for variant, span in zip(comparison.variants, spans, strict=True)
    ]
    rules, column = [], 2
    for span in spans:
        rules.append(rf"\cmidrule(lr){{{column}-{column + span - 1}}}")
        column += span
    header = [
        " & ".join(groups) + r" \\",
        "".join(rules),
        " & ".join([escape(_("Layer")), *(escape(h) for h in _headers(comparison))]) + r" \\",
    ]
    body = [
        " & ".join([first_cell(row.name), *(number(t) for t in _texts(comparison, row))]) + r" \\"
        for row in comparison.rows
    ]
    total = " & ".join(
        [escape(_("Total")), *(number(t) for t in _texts(comparison, comparison.totals))]
    )
    spec = "l" + "r" * (sum(spans))
    caption = " ".join(user_text(line) for line in notes(comparison))
    if len(body) > LONG_TABLE:
        tabular = [
            r"\begingroup\setlength{\LTcapwidth}{\linewidth}",
            rf"\begin{{longtable}}{{{spec}}}",
            rf"\caption{{{caption}}}\\",
            r"\toprule", *header, r"\midrule", r"\endfirsthead",
            r"\toprule", *header, r"\midrule", r"\endhead",
            r"\bottomrule", r"\endfoot",
            *body, r"\midrule", total + r" \\",
            r"\end{longtable}",
            r"\endgroup",
        ]  # fmt: skip
    else:
        tabular = [
            r"\begin{table}[htbp]", r"\centering",
            rf"\caption{{{caption}}}\smallskip",
            rf"\begin{{tabular}}{{{spec}}}",
            r"\toprule", *header, r"\midrule",
            *body, r"\midrule", total + r" \\",
            r"\bottomrule", r"\end{tabular}", r"\end{table}",
        ]  # fmt: skip
    return document("\n".join(tabular), title=title(comparison))
