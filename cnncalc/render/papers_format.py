"""``cnncalc models``: the built-in models listed by paper; ``--papers``: each paper's
numbers beside cnncalc's exact counts (``docs/papers.md`` is its Markdown).

Text for the terminal, Markdown for documents. The words are translated; the
papers' titles, the models' names and the specs' notes are data and stay as
written (English). Names and notes are the specs' text, made safe per format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cnncalc.i18n import N_, _, pgettext
from cnncalc.library import Entry
from cnncalc.papers import ExactNumber, PaperRow, PaperTable, target_name
from cnncalc.safe_text import markdown_text, visible


def quantity_word(metric: str) -> str:
    """What a published number counts, as the tables name it (``{convention}`` left in)."""
    words = {
        "output_shape": pgettext("papers", "output shape"),
        "trainable_params": pgettext("papers", "trainable parameters"),
        "non_trainable_params": pgettext("papers", "non-trainable parameters"),
        "params": pgettext("papers", "parameters"),
        "buffers": pgettext("papers", "buffers"),
        "macs": pgettext("papers", "MACs (multiply-adds)"),
        "flops": pgettext("papers", "FLOPs ({convention})"),
        "neurons": pgettext("papers", "neurons"),
        "connections": pgettext("papers", "connections"),
    }
    return words[metric]


LISTING_WIDTH = 88
"""Columns the listing's introduction is filled to."""


def cite(paper: Mapping[str, Any]) -> str:
    """``He et al., CVPR 2016``: authors, venue and year, as far as the spec gives them."""
    venue = paper.get("venue")
    year = paper.get("year")
    where = f"{venue} {year}" if venue else str(year)
    return f"{paper.get('authors')}, {where}"


def _by_paper(items: Iterable[Entry]) -> dict[str, list[Entry]]:
    papers: dict[str, list[Entry]] = {}
    for entry in items:
        papers.setdefault(str(entry.paper.get("title")), []).append(entry)
    return papers


def models_listing(items: Iterable[Entry], fmt: str = "table") -> str:
    """Every built-in model under its paper: its name, the network it is, what it varies."""
    papers = _by_paper(items)
    count = sum(len(models) for models in papers.values())
    intro = _(
        "{count} built-in models from {papers} papers. 'cnncalc NAME' analyses one (any "
        "command takes a name where it takes a spec file); 'cnncalc models --papers' sets "
        "each paper's numbers beside cnncalc's exact counts."
    ).format(count=count, papers=len(papers))
    if fmt == "markdown":
        lines = [intro, ""]
        for title, models in papers.items():
            paper = models[0].paper
            lines += [f"### {markdown_text(title)}", "", markdown_text(cite(paper)), ""]
            head = [
                pgettext("papers", "model"),
                pgettext("papers", "network"),
                pgettext("papers", "variant of"),
            ]
            lines += ["| " + " | ".join(head) + " |", "|---|---|---|"]
            for entry in models:
                of = f"`{entry.variant_of}`" if entry.variant_of else ""
                lines.append(f"| `{entry.model}` | {markdown_text(entry.name)} | {of} |")
            lines.append("")
        return "\n".join(lines)
    width = max(len(entry.model) for models in papers.values() for entry in models)
    from cnncalc.wrapping import fill

    lines = fill(intro, LISTING_WIDTH)
    for title, models in papers.items():
        lines += ["", visible(f"{title} ({cite(models[0].paper)})")]
        for entry in models:
            of = _(" (a variant of {model})").format(model=entry.variant_of) if (
                entry.variant_of) else ""  # fmt: skip
            lines.append(f"  {entry.model:<{width}}  {visible(entry.name)}{of}")
    return "\n".join(lines) + "\n"


def quantity(row: PaperRow) -> str:
    """``total MACs (multiply-adds)``, ``conv1 parameters``: what the number counts."""
    entry = row.result.entry
    convention = entry.convention.value if entry.convention else _("the spec's convention")
    what = quantity_word(entry.metric).format(convention=convention)
    target = target_name(entry.layers)
    return what if target == "total" else f"{target}: {what}"


def _count(value: object) -> str:
    if isinstance(value, tuple):
        return "×".join(str(v) for v in value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _printed(row: PaperRow) -> str:
    entry = row.result.entry
    value = entry.value
    if isinstance(value, list):
        return "×".join(str(v) for v in value)
    shown = f"{value:,}" if isinstance(value, int) else value
    return {"below": "< ", "above": "> "}.get(entry.bound or "", "") + shown


def _note(row: PaperRow) -> str:
    entry = row.result.entry
    parts = [entry.note] if entry.note else []
    if entry.differs:
        parts.append(_("Differs: {why}").format(why=entry.differs))
    if row.compared:
        counts = "; ".join(f"{model} {_count(value)}" for model, value in row.compared)
        parts.append(_("Compare: {counts}.").format(counts=counts))
    return " ".join(parts)


def _mark(row: PaperRow) -> str:
    if not row.result.as_explained:
        return "!"
    return "✓" if row.result.agrees else "✗"


def papers_document(tables: Iterable[PaperTable], fmt: str = "table") -> str:
    """Each paper's published numbers beside cnncalc's counts, one table per paper."""
    if fmt == "markdown":
        return _papers_markdown(tables)
    lines: list[str] = []
    for table in tables:
        lines += [visible(f"{table.paper.get('title')} ({cite(table.paper)})")]
        if table.paper.get("note"):
            lines.append(f"  {visible(str(table.paper['note']))}")
        for row in table.rows:
            entry = row.result.entry
            found = _("published {value} ({source}), cnncalc {count}").format(
                value=visible(_printed(row)),
                source=visible(entry.source),
                count=_count(row.result.count),
            )
            lines.append(f"  {_mark(row)} {row.model}  {quantity(row)}: {found}")
            note = _note(row)
            if note:
                lines.append(f"      {visible(note)}")
        lines.append("")
    return "\n".join(lines)


PAPERS_HEADER = N_("""\
# The papers' numbers, reproduced

Generated from the built-in models (`cnncalc/models/`) by
`cnncalc models --papers -f markdown > docs/papers.md`; a test fails when this
file is out of date. Each number a paper (or a framework's documentation) prints
is set beside cnncalc's exact count of the same quantity, and compared at the
precision it is printed with: "3.8×10^9" stands for 3.75–3.85×10^9, "569 M" for
568.5–569.5 million. ✓: the count rounds to it. ✗: it does not, and the note says
why (an erratum, another convention or variant, an unstated detail), with the
counts that explain it. `cnncalc check --models` checks all of them, and fails
when a ✓ stops agreeing or a ✗ starts to.
""")


def _grouped(exact: Iterable[ExactNumber]) -> dict[tuple[str, str], list[tuple[str, object]]]:
    """The exact numbers by model and layer, in order."""
    grouped: dict[tuple[str, str], list[tuple[str, object]]] = {}
    for number in exact:
        grouped.setdefault((number.model, number.target), []).append((number.metric, number.value))
    return grouped


def _papers_markdown(tables: Iterable[PaperTable]) -> str:
    lines = [_(PAPERS_HEADER)]
    for table in tables:
        paper = table.paper
        url = f" · <{paper['url']}>" if paper.get("url") else ""
        lines += [f"## {markdown_text(str(paper.get('title')))}", "",
                  markdown_text(cite(paper)) + url, ""]  # fmt: skip
        if paper.get("note"):
            lines += [markdown_text(str(paper["note"])), ""]
        if table.rows:
            head = [
                pgettext("papers", "model"),
                pgettext("papers", "quantity"),
                pgettext("papers", "published"),
                pgettext("papers", "where"),
                pgettext("papers", "cnncalc"),
                "",
                pgettext("papers", "note"),
            ]
            lines += ["| " + " | ".join(head) + " |", "|---|---|--:|---|--:|:-:|---|"]
            for row in table.rows:
                cells = [
                    f"`{row.model}`", markdown_text(quantity(row)), markdown_text(_printed(row)),
                    markdown_text(row.result.entry.source), _count(row.result.count),
                    _mark(row), markdown_text(_note(row)),
                ]  # fmt: skip
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
        if table.exact:
            names = [
                pgettext("papers", "model"),
                pgettext("papers", "layer"),
                pgettext("papers", "numbers"),
            ]
            columns = "| " + " | ".join(names) + " |"
            lines += [
                _("Exact numbers (`expect`, checked to the unit):"),
                "",
                columns,
                "|---|---|---|",
            ]
            for (model, target), numbers in _grouped(table.exact).items():
                shown = " · ".join(
                    f"{markdown_text(metric)} {_count(value)}" for metric, value in numbers
                )
                lines.append(f"| `{model}` | {markdown_text(target)} | {shown} |")
            lines.append("")
    return "\n".join(lines)
