"""Renderers: a :class:`~cnncalc.analysis.Report` as a terminal table, JSON, CSV, Markdown,
HTML or LaTeX.

Formatting lives only here; the report holds numbers. Each format is its own
module, imported only when asked for, so ``--format json`` never imports rich.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cnncalc.analysis import Report

FORMATS = ("table", "json", "csv", "markdown", "html", "latex")


def render(report: Report, fmt: str) -> str:
    """The report rendered in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"cnncalc.render.{fmt}_format")
    text: str = module.render(report)
    return text
