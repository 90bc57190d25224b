"""Keras 3's op layers: a ``keras.ops`` function called on Keras tensors.

In a Functional model, ``x + 3.0`` or ``ops.add(x, y)`` on Keras tensors becomes a
layer of the op's class (``Add``, ``Multiply``) from module ``keras.src.ops.numpy``
(Keras 3 ``keras/src/ops/numpy.py``), with the constant among the call's
``args`` beside the tensors; the graph reads them as ``ops.Add``, ``ops.Multiply``
(:attr:`.graph.Node.is_op`), apart from the ``Add`` and ``Multiply`` merge layers.
Two tensors are cnncalc's ``add``/``multiply`` (which broadcast an axis of size 1,
as Keras does); a tensor and a number are ``scalar``. An op holds no weights.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from cnncalc.i18n import N_
from cnncalc.importers.keras_config.layers.base import (
    NO_WEIGHTS,
    BadField,
    Call,
    Layer,
    Skip,
    Translator,
)
from cnncalc.importers.keras_config.messages import show


def _is_tensor(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _arithmetic(call: Call, op: str, merge: str) -> list[Layer]:
    """``ops.add``/``subtract``/``multiply``/``divide`` (``x + y``, ``x * 0.5``, ``x / 6``).

    ``x ∘ c`` is ``scalar`` ``op`` ``c``; ``c ∘ x`` too when the op commutes, and for
    ``c − x`` and ``c / x``, which cnncalc's ``scalar`` does not say, the same
    counts (a value per value, no weights) with a note. Two tensors: ``merge``
    (``x − y`` and ``x / y`` as ``add`` and ``multiply``, with a note: the same
    output shape and connections, as :mod:`.merge` does for ``Subtract``).
    """
    args = call.node.call.get("args")
    if not isinstance(args, list) or len(args) != 2:
        raise BadField(f"expected the op's two arguments, got {show(args)}")
    tensors = [_is_tensor(arg) for arg in args]
    if all(tensors):
        if merge != op:
            call.note(N_("cnncalc has no {op} of two tensors: translated as {merge}, which has "
                         "the same output shape and connections"), op=op, merge=merge)  # fmt: skip
        return [{"type": merge}]
    constant = args[tensors.index(False)] if any(tensors) else None
    if not _number(constant):
        raise Skip(N_("an op on {value}, not a number"), keeps_shape=None,
                   weights=NO_WEIGHTS, value=show(constant))  # fmt: skip
    if not tensors[0] and op in ("subtract", "divide"):
        call.note(N_("{constant} {sign} x counted as x {sign} {constant}: the same counts"),
                  constant=constant, sign="-" if op == "subtract" else "/")  # fmt: skip
    return [{"type": "scalar", "op": op, "value": constant}]


TRANSLATORS: dict[str, Translator] = {
    "ops.Add": partial(_arithmetic, op="add", merge="add"),
    "ops.Subtract": partial(_arithmetic, op="subtract", merge="add"),
    "ops.Multiply": partial(_arithmetic, op="multiply", merge="multiply"),
    "ops.Divide": partial(_arithmetic, op="divide", merge="multiply"),
    "ops.TrueDivide": partial(_arithmetic, op="divide", merge="multiply"),
}
"""Keyed ``ops.CLASS``: :attr:`.graph.Node.translator_key` of an op layer."""
