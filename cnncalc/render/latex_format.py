"""``--format latex``: the report as a booktabs table (``explain``'s derivations are
:mod:`cnncalc.render.latex_explain`'s).

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

from cnncalc.analysis import LayerReport, Report
from cnncalc.arith import Dim, Shape
from cnncalc.i18n import _
from cnncalc.render.latex import document, escape
from cnncalc.render.text import (
    columns,
    convention_note,
    count,
    layer_shape,
    requirements,
    shape,
    values_note,
)
from cnncalc.safe_text import visible

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
    parts = [escape(values_note(report))] if report.values else []
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
