"""``Add``, ``Sub``, ``Mul``, ``Div`` of tensors and constants.

Two tensors: ``add`` or ``multiply`` (an axis of size 1 broadcasts, as in
ONNX). A tensor and one number: ``scalar``. A tensor plus a learned constant of
its own shape is a ``position_embedding`` (ViT's ``x + pos_embedding``); a
tensor times a constant per channel or per feature is a ``layer_scale``
(ConvNeXt's γ). A ``Div`` by √2 that starts GELU's chain is ``gelu``.
"""

from __future__ import annotations

import math

from cnncalc.i18n import N_
from cnncalc.importers.onnx.base import Layer, Skip, Step
from cnncalc.importers.onnx.ops.activation import erf_gelu, written_out_lrn

_SCALAR_OPS = {"Add": "add", "Sub": "subtract", "Mul": "multiply", "Div": "divide"}


def _written_out(step: Step) -> list[Layer] | None:
    """GELU from its ``Div`` by √2, or LRN from its ``Mul`` of x by x; None if neither."""
    op, inputs = step.node.op, step.node.inputs
    if op == "Div" and step.is_tensor(0) and not step.is_tensor(1):
        return erf_gelu(step)
    if op == "Mul" and inputs[0] == inputs[1] and step.is_tensor(0):
        return written_out_lrn(step)
    return None


def arithmetic(step: Step) -> list[Layer]:
    op = step.node.op
    pattern = _written_out(step)
    if pattern is not None:
        return pattern
    if step.is_tensor(0) and step.is_tensor(1):
        if op in ("Add", "Mul"):
            return [{"type": "add" if op == "Add" else "multiply", "inputs": step.tensors()}]
        raise Skip(N_("{op} of two tensors; cnncalc has add and multiply"), keeps_shape=True, op=op)
    tensor = 0 if step.is_tensor(0) else 1
    constant = step.node.inputs[1 - tensor]
    values = step.graph.constant(constant)
    if values is not None and values.size == 1:
        if tensor == 1 and op in ("Sub", "Div"):
            raise Skip(N_("{op} of a number by a tensor"), keeps_shape=True, op=op)
        value = float(values.reshape(-1)[0])
        if not math.isfinite(value):
            raise Skip(N_("{op} by {value}"), keeps_shape=True, op=op, value=value)
        return [{"type": "scalar", "op": _SCALAR_OPS[op], "value": value}]
    return _by_constant(step, tensor, constant)


def _by_constant(step: Step, tensor: int, constant: str) -> list[Layer]:
    """A tensor plus or times a constant of several values: a learned position embedding
    or scale, or nothing cnncalc has."""
    op = step.node.op
    shape = step.graph.shape(constant)
    own = step.shape(step.node.inputs[tensor])
    if shape is None or not all(isinstance(d, int) for d in shape):
        raise Skip(N_("{op} by a constant of unknown shape"), keeps_shape=True, op=op)
    sizes = [int(d) for d in shape if isinstance(d, int)]
    while len(sizes) > len(own) and sizes[0] == 1:
        sizes.pop(0)  # the batch axis (1), or leading ones
    if op == "Add" and sizes == own and math.prod(sizes) > 1:
        step.weight_dims(1 - tensor)
        return [{"type": "position_embedding"}]
    if op == "Mul" and len(own) >= 1 and math.prod(sizes) == own[0] and sizes[:1] == own[:1]:
        step.weight_dims(1 - tensor)
        return [{"type": "layer_scale", "axis": 0}]
    if op == "Mul" and len(own) >= 2 and sizes and sizes[-1] == own[-1] == math.prod(sizes):
        step.weight_dims(1 - tensor)
        return [{"type": "layer_scale", "axis": -1}]
    raise Skip(N_("{op} by a constant of shape {sizes}; cnncalc has no such layer"),
               keeps_shape=True, op=op, sizes=sizes)  # fmt: skip
