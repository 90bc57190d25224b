"""Text forms of counts, shapes, conventions and requirements, shared by the renderers."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from cnncalc.arith import Dim, Shape
from cnncalc.conventions import CONVENTIONS, Convention
from cnncalc.i18n import N_, _

if TYPE_CHECKING:
    from cnncalc.analysis import LayerReport, Report
    from cnncalc.render.math import Style

_COUNTS = (
    ("macs", N_("MACs")),
    ("flops", N_("FLOPs")),
    ("neurons", N_("Neurons")),
    ("connections", N_("Connections")),
)


def columns(report: Report) -> list[tuple[str, str]]:
    """The count columns of the table and Markdown renderers: (metric, heading).

    One "Params" column when every parameter is trainable (as in most networks);
    "Trainable" and "Non-trainable" when some are not (LeNet-5's RBF, batch norm).
    """
    params = (
        [("trainable_params", _("Params"))]
        if report.totals.non_trainable_params == 0
        else [("trainable_params", _("Trainable")), ("non_trainable_params", _("Non-trainable"))]
    )
    if report.totals.buffers != 0:
        params.append(("buffers", _("Buffers")))
    return [*params, *((metric, _(title)) for metric, title in _COUNTS)]


def count(value: Dim, style: Style = "unicode") -> str:
    """``122,304``: thousands separators for an int, the formula otherwise."""
    if isinstance(value, int):
        return f"{value:,}"
    return _formula_cell(value, style)


# A table repeats formulas (neurons and connections, a block's layers): tidy each once.
@lru_cache(maxsize=4096)
def _formula_cell(value: Dim, style: Style) -> str:
    import sympy

    from cnncalc.render.math import formula_text

    return formula_text(sympy.factor_terms(value), style)


def shape(value: Shape, style: Style = "unicode") -> str:
    """``6×28×28``; ``120`` for a flat shape; formulas in parentheses where they need them."""
    parts = []
    for dim in value:
        text = str(dim) if isinstance(dim, int) else count(dim, style)
        parts.append(text if isinstance(dim, int) or dim.is_Atom else f"({text})")
    return "×".join(parts)


def layer_shape(layer: LayerReport, render: Callable[[Shape], str] = shape) -> str:
    """A layer's output shape by ``render``; a layer with several outputs (a ``split``)
    shows each, ``16×8, 16×24``, or how many of one: ``3 × 16×16``."""
    outputs = layer.output_shapes
    if not outputs:
        return render(layer.output_shape)
    if all(output == outputs[0] for output in outputs):
        return f"{len(outputs)} × {render(outputs[0])}"
    return ", ".join(render(output) for output in outputs)


def convention_note(convention: Convention) -> str:
    """One sentence naming the convention of the FLOPs column, with its source."""
    info = CONVENTIONS[convention]
    return f"FLOPs: '{convention}' convention, {info.definition} ({info.source})."


def requirements(report: Report, style: Style = "unicode") -> list[str]:
    """What a symbolic report needs of its symbols, strongest bounds only: ``n ≥ 67``."""
    if not report.requirements:
        return []
    import sympy

    from cnncalc.render.math import formula_text

    bounds: dict[object, int] = {}
    others: dict[object, None] = {}  # each once, in order, without scanning the list
    for requirement in report.requirements:
        relation = requirement.relation
        if (
            isinstance(relation, sympy.GreaterThan)
            and relation.lhs.is_Symbol
            and relation.rhs.is_Integer
        ):
            bounds[relation.lhs] = max(bounds.get(relation.lhs, 0), int(relation.rhs))
        else:
            others[relation] = None
    texts = [formula_text(sympy.GreaterThan(s, b), style) for s, b in bounds.items()]
    return texts + [formula_text(relation, style) for relation in others]


def requirements_note(report: Report) -> str:
    """``Requires n ≥ 67.``, or nothing for a report without symbols."""
    needed = requirements(report)
    return _("Requires {conditions}.").format(conditions=", ".join(needed)) if needed else ""


BINARY_UNITS = ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))


def byte_size(value: Dim) -> str:
    """A reading aid beside an exact byte count: ``48.7 MiB``; empty under 1 KiB or for a
    formula (the exact count is always printed beside it)."""
    if isinstance(value, int):
        for size, unit in BINARY_UNITS:
            if value >= size:
                return f"{value / size:.1f} {unit}"
    return ""
