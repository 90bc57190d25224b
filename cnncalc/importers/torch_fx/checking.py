"""Checking the spec against PyTorch: every layer's shape, parameters and buffers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnncalc.errors import CnncalcError
from cnncalc.i18n import N_, _
from cnncalc.importers.torch_fx.calls import Shape
from cnncalc.importers.torch_fx.messages import shape_text

_BUG = N_("this is a bug in cnncalc's PyTorch importer: please report it with the model")


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
        raise CnncalcError(
            _("the imported spec does not analyse ({error}); {bug}").format(
                error=error, bug=_(_BUG)
            )
        ) from None
    rows = {row.name: row for row in report.layers}
    for check in checks:
        row = rows[check.name]
        parts = tuple(tuple(int(n) for n in shape) for shape in row.output_shapes)
        if parts != check.parts:
            raise CnncalcError(
                _(
                    "layer '{name}' ({what}): cnncalc gives outputs {ours}, PyTorch {theirs}; {bug}"
                ).format(
                    name=check.name, what=check.what, ours=", ".join(map(shape_text, parts)),
                    theirs=", ".join(map(shape_text, check.parts)), bug=_(_BUG),
                )
            )  # fmt: skip
        ours = (tuple(int(n) for n in row.output_shape), int(row.params), int(row.buffers))
        theirs = (check.shape, check.params, check.buffers)
        if ours != theirs:
            raise CnncalcError(
                _(
                    "layer '{name}' ({what}): cnncalc gives output {shape}, {params} parameters, "
                    "{buffers} buffers, PyTorch {their_shape}, {their_params}, {their_buffers}; "
                    "{bug}"
                ).format(
                    name=check.name, what=check.what, shape=shape_text(ours[0]),
                    params=f"{ours[1]:,}", buffers=f"{ours[2]:,}",
                    their_shape=shape_text(theirs[0]), their_params=f"{theirs[1]:,}",
                    their_buffers=f"{theirs[2]:,}", bug=_(_BUG),
                )
            )  # fmt: skip
    totals = report.totals
    return int(totals.params), int(totals.buffers), int(totals.flops)
