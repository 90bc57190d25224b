"""Merging layers (Keras API reference, "Merging layers"): several inputs, one output.

Each becomes a spec layer with ``inputs:``; cnncalc has ``add``, ``multiply``
and ``concat``.
"""

from __future__ import annotations

from functools import partial

from cnncalc.i18n import N_
from cnncalc.importers.keras_config.layers.base import NO_WEIGHTS, Call, Layer, Skip, Translator


def _merge(call: Call, kind: str) -> list[Layer]:
    """Keras ``Add``, ``Multiply``: element-wise over their inputs (cnncalc's ``inputs:``)."""
    return [{"type": kind}]


def _concat(call: Call) -> list[Layer]:
    """Keras ``Concatenate(axis=-1)``: maps stacked on the channel axis."""
    if not call.channel_axes("axis"):
        raise Skip(
            N_("concatenates on axis {axis}: cnncalc's concat stacks channels"),
            keeps_shape=False,
            weights=NO_WEIGHTS,
            axis=call.value("axis", -1),
        )
    return [{"type": "concat"}]


def _elementwise_as_add(call: Call) -> list[Layer]:
    """Keras ``Subtract``, ``Average``, ``Maximum``, ``Minimum``: as ``add``, which has
    their output shape and reads each input once per output."""
    call.note(N_("cnncalc has no {name}: translated as add, which has the same output shape "
                 "and connections"), name=call.node.keras_class.lower())  # fmt: skip
    return [{"type": "add"}]


TRANSLATORS: dict[str, Translator] = {
    "Add": partial(_merge, kind="add"),
    "Multiply": partial(_merge, kind="multiply"),
    "Concatenate": _concat,
    **dict.fromkeys(("Subtract", "Average", "Maximum", "Minimum"), _elementwise_as_add),
}
