"""Checking the spec against PyTorch: every layer's shape, parameters and buffers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnncalc.errors import CnncalcError
from cnncalc.importers.torch_fx.calls import Shape
from cnncalc.importers.torch_fx.messages import shape_text

_BUG = "this is a bug in cnncalc's PyTorch importer: please report it with the model"


@dataclass(frozen=True, slots=True)
class Check:
    """What PyTorch says of a layer: its output shape, parameters and buffers."""

    name: str
    what: str
    shape: Shape
    params: int
    buffers: int
    parts: tuple[Shape, ...] = ()
    """The shapes of a layer's several outputs (``chunk``); empty for one."""


def verify(spec: dict[str, Any], checks: list[Check]) -> tuple[int, int, int]:
    """Analyse the spec; every layer's shape, parameters and buffers must equal PyTorch's.

    Returns the spec's total parameters, buffers and FLOPs (its convention:
    the importer's is ``flops``), for the header to compare with the model's
    (they differ where layers are skipped or weights shared).
    """
    from cnncalc.api import analyze

    try:
        report = analyze(spec)
    except CnncalcError as error:
        raise CnncalcError(f"the imported spec does not analyse ({error}); {_BUG}") from None
    rows = {row.name: row for row in report.layers}
    for check in checks:
        row = rows[check.name]
        parts = tuple(tuple(int(n) for n in shape) for shape in row.output_shapes)
        if parts != check.parts:
            raise CnncalcError(
                f"layer '{check.name}' ({check.what}): cnncalc gives outputs "
                f"{', '.join(map(shape_text, parts))}, PyTorch "
                f"{', '.join(map(shape_text, check.parts))}; {_BUG}"
            )
        ours = (tuple(int(n) for n in row.output_shape), int(row.params), int(row.buffers))
        theirs = (check.shape, check.params, check.buffers)
        if ours != theirs:
            raise CnncalcError(
                f"layer '{check.name}' ({check.what}): cnncalc gives output "
                f"{shape_text(ours[0])}, {ours[1]:,} parameters, {ours[2]:,} buffers, PyTorch "
                f"{shape_text(theirs[0])}, {theirs[1]:,}, {theirs[2]:,}; {_BUG}"
            )
    totals = report.totals
    return int(totals.params), int(totals.buffers), int(totals.flops)
