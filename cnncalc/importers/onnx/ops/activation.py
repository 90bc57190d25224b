"""Activations: each ONNX op with a cnncalc activation becomes that layer.

``Clip`` between 0 and 6 is ``relu6`` (how ``nn.ReLU6`` exports), from 0 with no
top ``relu``; ``Sigmoid`` read only by a ``Mul`` with its own input is SiLU
(``x·σ(x)``, how ``nn.SiLU`` exports before opset 20 has no op for it), and
the ``Div``–``Erf``–``Add``–``Mul``–``Mul`` chain ``x·½·(1 + erf(x/√2))`` is
GELU (how ``nn.GELU`` exports before opset 20's ``Gelu``).
"""

from __future__ import annotations

import math

from cnncalc.i18n import N_
from cnncalc.importers.onnx.base import Layer, Skip, Step, axis_after_batch
from cnncalc.importers.onnx.graph import Node

SIMPLE = {
    "Relu": "relu", "Tanh": "tanh", "HardSigmoid": "hardsigmoid", "HardSwish": "hardswish",
    "Gelu": "gelu", "LeakyRelu": "leaky_relu", "Elu": "elu", "Mish": "mish",
}  # fmt: skip


def simple(step: Step) -> list[Layer]:
    return [{"type": SIMPLE[step.node.op]}]


def sigmoid(step: Step) -> list[Layer]:
    source = step.node.inputs[0]
    mul = step.only_reader(step.node.outputs[0])
    if (
        mul is not None
        and mul.op == "Mul"
        and sorted(mul.inputs) == sorted([source, step.node.outputs[0]])
    ):
        step.consume(mul)
        return [{"type": "silu"}]
    return [{"type": "sigmoid"}]


def _bound(step: Step, index: int, key: str) -> float | None:
    if step.has(index):
        values = step.constant(index)
        if values is None or values.size != 1:
            raise Skip(N_("a Clip whose bounds are not stated constants"), keeps_shape=True)
        return float(values.reshape(-1)[0])
    value = step.attribute(key)
    return None if value is None else float(value)


def clip(step: Step) -> list[Layer]:
    low, high = _bound(step, 1, "min"), _bound(step, 2, "max")
    if low == 0 and high == 6:
        return [{"type": "relu6"}]
    if low == 0 and (high is None or math.isinf(high)):
        return [{"type": "relu"}]
    raise Skip(N_("a Clip to [{low}, {high}]; cnncalc has relu and relu6"), keeps_shape=True,
               low=low, high=high)  # fmt: skip


def softmax(step: Step) -> list[Layer]:
    rank = len(step.input_shape()) + 1
    axis = axis_after_batch(int(step.attribute("axis", -1)), rank)
    return [{"type": "softmax", "axis": axis}]


def prelu(step: Step) -> list[Layer]:
    slope = step.weight_dims(1)
    size = math.prod(slope)
    if size == 1:
        return [{"type": "prelu"}]
    channels = step.input_shape()[0]
    if size == channels and max(slope) == size:
        return [{"type": "prelu", "per_channel": True}]
    raise Skip(N_("a PReLU slope per position; cnncalc has one slope, or one per channel"),
               keeps_shape=True)  # fmt: skip


def _chain(step: Step, start: Node, ops: list[str]) -> list[Node] | None:
    """The nodes after ``start``, each the only reader of the one before, of these ops."""
    chain, current = [], start
    for op in ops:
        reader = step.only_reader(current.outputs[0])
        if reader is None or reader.op != op:
            return None
        chain.append(reader)
        current = reader
    return chain


def _scalar(step: Step, node: Node, other_than: str) -> float | None:
    others = [v for v in node.inputs if v != other_than]
    if len(others) != 1:
        return None
    values = step.graph.constant(others[0])
    return None if values is None or values.size != 1 else float(values.reshape(-1)[0])


def erf_gelu(step: Step) -> list[Layer] | None:
    """GELU written out, from its ``Div`` (x/√2): the layers, or None if not that chain."""
    node, source = step.node, step.node.inputs[0]
    divisor = _scalar(step, node, source)
    if divisor is None or not math.isclose(divisor, math.sqrt(2), rel_tol=1e-3):
        return None
    chain = _chain(step, node, ["Erf", "Add", "Mul", "Mul"])
    if chain is None:
        return None
    erf, add, first, second = chain
    if _scalar(step, add, erf.outputs[0]) != 1.0:
        return None
    # x·(1 + erf) then ·½ (or ½ first on the other side): one Mul reads x itself.
    if source not in first.inputs and source not in second.inputs:
        return None
    half = _scalar(step, second, first.outputs[0])
    if source in first.inputs and (half is None or not math.isclose(half, 0.5)):
        return None
    for part in chain:
        step.consume(part)
    return [{"type": "gelu"}]


MAX_LRN_NODES = 48
"""The most nodes of PyTorch's written-out local response normalisation (it has 35)."""


def written_out_lrn(step: Step) -> list[Layer] | None:
    """Local response normalisation as PyTorch exports it, from its ``Mul`` (x·x): ``x²``
    viewed with an axis more, padded, averaged over ``size`` channels (an ``AveragePool`` of
    kernel ``[size, 1, 1]``), squeezed (an ``If`` on its size), ``·α + k``, ``^β``, and ``x``
    divided by it (``F.local_response_norm``). The nodes after the ``Mul`` are followed
    through their readers to that ``Div``; nothing outside may read them. The layers, or None.
    """
    source, graph = step.node.inputs[0], step.graph
    seen: dict[int, Node] = {}
    frontier = [step.node]
    divide: Node | None = None
    while frontier and len(seen) <= MAX_LRN_NODES:
        current = frontier.pop()
        for value in current.outputs:
            for reader in graph.readers.get(value, []):
                if reader.index in seen:
                    continue
                seen[reader.index] = reader
                if reader.op == "Div" and reader.inputs[0] == source:
                    divide = reader
                else:
                    frontier.append(reader)
    pools = [n for n in seen.values() if n.op == "AveragePool"]
    if divide is None or frontier or len(pools) != 1:
        return None
    kernel = pools[0].attributes.get("kernel_shape")
    if not isinstance(kernel, list) or len(kernel) != 3 or kernel[1:] != [1, 1]:
        return None
    if _read_outside(step, seen, divide):
        return None
    for node in seen.values():
        step.consume(node)
    return [{"type": "lrn", "size": int(kernel[0])}]


def _read_outside(step: Step, seen: dict[int, Node], divide: Node) -> bool:
    """Whether a node of the chain but its last is read by a node outside it."""
    inside = {step.node.index, *seen}
    graph = step.graph
    for node in seen.values():
        if node is divide:
            continue
        for value in node.outputs:
            readers = graph.readers.get(value, [])
            if value in graph.outputs or any(r.index not in inside for r in readers):
                return True
    return False
