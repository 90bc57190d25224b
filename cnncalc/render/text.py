"""Text forms of numbers and shapes shared by the human-readable renderers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.arith import Dim, Shape
from cnncalc.conventions import CONVENTIONS, Convention

if TYPE_CHECKING:
    from cnncalc.analysis import Report

_COUNTS = (
    ("macs", "MACs"),
    ("flops", "FLOPs"),
    ("neurons", "Neurons"),
    ("connections", "Connections"),
)


def columns(report: Report) -> list[tuple[str, str]]:
    """The count columns of the table and Markdown renderers: (metric, heading).

    One "Params" column when every parameter is trainable (as in most networks);
    "Trainable" and "Non-trainable" when some are not (LeNet-5's RBF, batch norm).
    """
    if report.totals.non_trainable_params == 0:
        return [("trainable_params", "Params"), *_COUNTS]
    return [("trainable_params", "Trainable"), ("non_trainable_params", "Non-trainable"), *_COUNTS]


def count(value: Dim) -> str:
    """``122,304``: thousands separators for an int, the expression otherwise."""
    return f"{value:,}" if isinstance(value, int) else str(value)


def shape(value: Shape) -> str:
    """``6×28×28``; ``120`` for a flat shape."""
    return "×".join(str(d) for d in value)


def convention_note(convention: Convention) -> str:
    """One sentence naming the convention of the FLOPs column, with its source."""
    info = CONVENTIONS[convention]
    return f"FLOPs: '{convention}' convention, {info.definition} ({info.source})."
