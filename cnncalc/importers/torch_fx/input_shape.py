"""The input shape a model is run on: ``--input C,H,W`` read strictly, its size bounded.

The importer runs the model once on ``torch.zeros(1, *shape)``: a shape of
3×100000×100000 would ask for 120 GB before anything could say no, so the
number of values is checked first, against ``MAX_INPUT_VALUES``
(``CNNCALC_IMPORT_MAX_INPUT`` raises it). Sizes are ASCII digits only: Python's
``int`` also reads ``"٣"``, ``"1_000"`` and ``" 3 "``, none of which a person
means as a size on a command line.
"""

from __future__ import annotations

import math
import os
import re

from cnncalc.errors import CnncalcError, show_value
from cnncalc.i18n import _

MAX_INPUT_VALUES = 100_000_000
"""The most values an input may hold (400 MB of float32; a 3×4096×4096 image is 50 million)."""
MAX_INPUT_AXES = 16
"""The most axes an input may have (PyTorch's layers read at most 3 spatial axes)."""
_SIZE = re.compile(r"[0-9]+", re.ASCII)


def max_input_values() -> int:
    """``CNNCALC_IMPORT_MAX_INPUT`` if set (a whole number), else ``MAX_INPUT_VALUES``."""
    value = os.environ.get("CNNCALC_IMPORT_MAX_INPUT", "")
    if not value:
        return MAX_INPUT_VALUES
    if not _SIZE.fullmatch(value) or len(value) > 30:
        raise CnncalcError(
            _("CNNCALC_IMPORT_MAX_INPUT must be a whole number of values, got {got}").format(
                got=show_value(value)
            )
        )
    return int(value)


def parse_input_shape(text: str) -> tuple[int, ...]:
    """``"3,224,224"`` → ``(3, 224, 224)``: sizes of ASCII digits, at least 1, bounded."""
    parts = text.split(",")
    if len(parts) > MAX_INPUT_AXES:
        raise CnncalcError(
            _("--input has {count} sizes; a model's input has at most {most} axes").format(
                count=f"{len(parts):,}", most=MAX_INPUT_AXES
            )
        )
    shape = []
    for axis, part in enumerate(parts, start=1):
        if not _SIZE.fullmatch(part):
            what = _("empty") if not part else show_value(part)
            raise CnncalcError(
                _(
                    "--input size {axis} is {what}: sizes are whole numbers in ASCII digits, "
                    "separated by commas (e.g. 3,224,224)"
                ).format(axis=axis, what=what)
            )
        digits = len(part.lstrip("0"))
        if digits > len(str(max_input_values())):  # before int(): 5,000 digits are refused
            raise CnncalcError(
                _("--input size {axis} has {digits} digits: {why}").format(
                    axis=axis, digits=f"{digits:,}", why=_over_limit(None)
                )
            )
        shape.append(int(part))
    check_input_shape(tuple(shape), "--input")
    return tuple(shape)


def check_input_shape(shape: tuple[int, ...], what: str | None = None) -> None:
    """Refuse a shape that is not positive sizes, or of more than the bound's values;
    ``what`` names it (default: the input shape)."""
    what = _("the input shape") if what is None else what
    if not shape or not all(isinstance(n, int) and not isinstance(n, bool) for n in shape):
        raise CnncalcError(
            _("{what} must be sizes (e.g. 3,224,224), got {got}").format(
                what=what, got=show_value(list(shape))
            )
        )
    if len(shape) > MAX_INPUT_AXES:
        raise CnncalcError(
            _("{what} has {count} axes; a model's input has at most {most}").format(
                what=what, count=f"{len(shape):,}", most=MAX_INPUT_AXES
            )
        )
    if not all(n >= 1 for n in shape):
        axis = next(i for i, n in enumerate(shape, start=1) if n < 1)
        raise CnncalcError(
            _("{what}: size {axis} is {got}; every size is at least 1").format(
                what=what, axis=axis, got=show_value(shape[axis - 1])
            )
        )
    if math.prod(shape) > max_input_values():
        shown = ",".join(show_value(n, 24) for n in shape)
        raise CnncalcError(
            _("{what} {shape}: {why}").format(
                what=what, shape=shown, why=_over_limit(math.prod(shape))
            )
        )


def _over_limit(values: int | None) -> str:
    """``30,000,000,000 values, more than the 100,000,000 cnncalc runs a model on (…)``."""
    limit = f"{max_input_values():,}"
    if values is None:
        return _(
            "larger than the {limit} values cnncalc runs a model on (set "
            "CNNCALC_IMPORT_MAX_INPUT to raise it)"
        ).format(limit=limit)
    count = show_value(values) if values.bit_length() > 128 else f"{values:,}"
    return _(
        "{count} values, more than the {limit} cnncalc runs a model on (set "
        "CNNCALC_IMPORT_MAX_INPUT to raise it)"
    ).format(count=count, limit=limit)
