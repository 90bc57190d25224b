"""The papers' numbers beside cnncalc's: the data of ``cnncalc models --papers`` and
``docs/papers.md``.

Every built-in model is analysed and each of its ``published`` numbers set beside
cnncalc's exact count of the same quantity, with the counts of the models its
entry names in ``compare`` (the same quantity under another variant: ResNet-50
v1 beside torchvision's v1.5); its exact ``expect`` numbers (the frameworks'
counts) come after. The tables are grouped by paper, in the library's order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cnncalc.analysis import Report
from cnncalc.arith import Dim, Shape
from cnncalc.expect import PublishedResult, check_published, published_count
from cnncalc.library import entries, load_model
from cnncalc.spec.network import TOTAL


@dataclass(frozen=True, slots=True)
class PaperRow:
    """One published number of one model, beside cnncalc's counts."""

    model: str
    result: PublishedResult
    compared: tuple[tuple[str, Dim | Shape], ...]
    """Each model of the entry's ``compare``, with its count of the same quantity."""


@dataclass(frozen=True, slots=True)
class ExactNumber:
    """One number of a model's ``expect`` block (exact: a framework's own count)."""

    model: str
    target: str
    metric: str
    value: object


@dataclass(frozen=True, slots=True)
class PaperTable:
    """A paper, the published numbers of its models, and their exact numbers."""

    paper: Mapping[str, Any]
    rows: tuple[PaperRow, ...]
    exact: tuple[ExactNumber, ...]


class _Reports:
    """Each model analysed once, however many entries compare with it."""

    def __init__(self) -> None:
        self.reports: dict[str, Report] = {}

    def __call__(self, model: str) -> Report:
        if model not in self.reports:
            from cnncalc.api import analyze

            self.reports[model] = analyze(load_model(model))
        return self.reports[model]


def paper_tables() -> list[PaperTable]:
    """One table per paper, its models in the library's order."""
    reports = _Reports()
    papers: dict[str, tuple[Mapping[str, Any], list[PaperRow], list[ExactNumber]]] = {}
    for entry in entries():
        spec = load_model(entry.model)
        report = reports(entry.model)
        _, rows, exact = papers.setdefault(str(entry.paper.get("title")), (entry.paper, [], []))
        for result in check_published(spec, report):
            compared = tuple(
                (other, published_count(result.entry, reports(other)))
                for other in result.entry.compare
            )
            rows.append(PaperRow(entry.model, result, compared))
        for target, expectation in spec.expect.items():
            for metric, value in expectation.model_dump(exclude_none=True).items():
                exact.append(ExactNumber(entry.model, target, metric, value))
    return [PaperTable(paper, tuple(rows), tuple(exact)) for paper, rows, exact in papers.values()]


def target_name(layers: list[str]) -> str:
    """``total``, a layer's name, or ``a + b`` for a sum of several."""
    return " + ".join(layers) if layers != [TOTAL] else TOTAL
