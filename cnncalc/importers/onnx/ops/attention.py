"""``nn.MultiheadAttention`` as PyTorch's TorchScript exporter writes it: one ``attention``.

``nn.MultiheadAttention(d, h, batch_first=True)`` (torchvision's ViT) runs on
``[seq, batch, d]`` inside: its export opens with a ``Transpose`` of ``[1, n, d]``
to ``[n, 1, d]``, projects (``MatMul`` by ``[d, 3d]``, ``Add`` of ``3d``), splits into
``q``, ``k``, ``v`` with the batch merged into the heads (``[n, 1·h, d/h]``), scales,
multiplies (``MatMul``–``Softmax``–``MatMul``), projects out (``Gemm`` ``[d, d]``)
and closes with the ``Transpose`` back to ``[1, n, d]``. cnncalc's shapes are one
sample's, so a node that moves the batch axis is refused; but when the batch is 1
the region between the two transposes is one sample's self-attention, and is
taken as one ``attention`` layer of ``h`` heads when all of this holds (else the
batch-axis error stands):

- the opening ``Transpose`` swaps the first two axes of ``[1, n, d]``, and one
  ``Transpose`` swapping them back to ``[1, n, d]`` closes the region: every
  value between is read only by nodes in it (at most :data:`MAX_NODES` of them),
  which read no tensor from outside;
- the nodes are shape ops, scalings by one number, the projections, one
  ``Softmax`` over the last axis of ``[…, h, n, n]`` scores and two products of
  tensors (``q·kᵀ``, ``·v``);
- the weights they read are matrices of ``4·d²`` values (three ``d×d``
  projections in, one out) and either no vectors or ``4·d`` bias values, the
  counts of an ``attention`` layer with or without biases.
"""

from __future__ import annotations

import math

from cnncalc.i18n import N_
from cnncalc.importers.onnx.base import Layer, Skip, Step
from cnncalc.importers.onnx.graph import Node

MAX_NODES = 200
"""The most nodes one exported attention spans (torch 2.14's has 30 that compute from
the input, besides constants): a larger region is not taken as one."""

_SHAPE_OPS = frozenset({
    "Reshape", "Unsqueeze", "Squeeze", "Transpose", "Gather", "Slice", "Split", "Identity",
    "Dropout", "Cast", "Flatten",
})  # fmt: skip
_SCALINGS = frozenset({"Mul", "Div"})
_PROJECTIONS = frozenset({"MatMul", "Gemm", "Add"})
_SWAP = [1, 0, 2]


def batch_one_attention(step: Step) -> list[Layer]:
    """The ``attention`` layer the region opened by this ``Transpose`` is, or
    :class:`Skip` (the batch-axis error) when the region is not provably one."""
    refused = Skip(N_("it moves the batch axis"))
    graph = step.graph
    opening = step.node
    shape = graph.shape(opening.inputs[0]) or []
    before = [d for d in shape if isinstance(d, int)]
    if step.ints("perm") != _SWAP or len(before) != len(shape) or len(before) != 3:
        raise refused
    if before[0] != 1:  # a batch of several: the region mixes samples
        raise refused
    region, closing = _region(step, before)
    if closing is None:
        raise refused
    heads = _heads(step, region, before[1], before[2])
    bias = _weights(step, region, before[2])
    if heads is None or bias is None:
        raise refused
    for node in [*region, closing]:
        step.consume(node)
    step.result = closing.outputs[0]
    layer: Layer = {"type": "attention", "heads": heads}
    if not bias:
        layer["bias"] = False
    return [layer]


def _region(step: Step, before: list[int]) -> tuple[list[Node], Node | None]:
    """The nodes computing from the opening transpose's output, up to the one closing
    transpose; ``None`` for the closing one when the region is not closed so."""
    graph = step.graph
    inside: dict[int, Node] = {}
    closing: Node | None = None
    frontier = [v for v in step.node.outputs if v]
    made = set(frontier)
    while frontier:
        value = frontier.pop()
        if value in graph.outputs:
            return [], None
        for reader in graph.readers.get(value, []):
            outputs = [v for v in reader.outputs if v]
            if reader.index in inside or (outputs and all(v in graph.constants for v in outputs)):
                continue  # seen, or a Shape of it: a constant, no computation
            if _closes(step, reader, before):
                if closing is not None and closing is not reader:
                    return [], None
                closing = reader
                continue
            if len(inside) >= MAX_NODES:
                raise Skip(
                    N_(
                        "it moves the batch axis, and the nodes after it are more than {most}, "
                        "the most one exported attention is taken to span"
                    ),
                    most=MAX_NODES,
                )
            inside[reader.index] = reader
            made.update(outputs)
            frontier.extend(outputs)
    nodes = sorted(inside.values(), key=lambda node: node.index)
    for node in nodes:  # self-attention: nothing but the region's own values and constants
        if any(v and v not in made and v not in graph.constants for v in node.inputs):
            return [], None
    if closing is not None and closing.inputs[0] not in made:
        return [], None
    return nodes, closing


def _closes(step: Step, node: Node, before: list[int]) -> bool:
    """A ``Transpose`` swapping the first two axes back to the opening's input shape."""
    perm = node.attributes.get("perm")
    return (
        node.op == "Transpose"
        and perm is not None
        and [int(p) for p in perm] == _SWAP
        and step.graph.shape(node.outputs[0]) == before
    )


def _heads(step: Step, region: list[Node], tokens: int, dim: int) -> int | None:
    """The heads, from the one softmax's scores ``[…, h, n, n]``; None if the region's
    ops are not those of one attention."""
    graph = step.graph
    products = softmaxes = 0
    heads: int | None = None
    for node in region:
        tensors = [v for v in node.inputs if v and v not in graph.constants]
        if node.op == "Softmax":
            softmaxes += 1
            shape = graph.shape(node.outputs[0])
            axis = int(node.attributes.get("axis", -1))
            if shape is None or len(shape) < 3 or axis not in (-1, len(shape) - 1):
                return None
            if shape[-1] != tokens or shape[-2] != tokens or not isinstance(shape[-3], int):
                return None
            heads = shape[-3]
            if any(d != 1 for d in shape[:-3]):
                return None
        elif node.op == "MatMul" and len(tensors) == 2:
            products += 1
        elif node.op in _SCALINGS and len(tensors) == 1:
            constant = next(v for v in node.inputs if v and v in graph.constants)
            shape = graph.shape(constant)
            if shape is None or math.prod(d if isinstance(d, int) else 2 for d in shape) != 1:
                return None
        elif node.op in _PROJECTIONS and len(tensors) == 1:
            continue  # the projections: their weights are checked by _weights
        elif node.op not in _SHAPE_OPS:
            return None
    if softmaxes != 1 or products != 2 or heads is None or heads < 1 or dim % heads:
        return None
    return heads


def _weights(step: Step, region: list[Node], dim: int) -> bool | None:
    """Whether the projections have biases, counting their weights; None unless they are
    ``4·d²`` matrix values and no or ``4·d`` bias values."""
    graph = step.graph
    roots: set[str] = set()
    for node in region:
        if node.op in _PROJECTIONS:
            for value in node.inputs:
                if value and value in graph.constants:
                    roots |= graph.roots(value)
    floats = {name for name in roots if graph.initializers[name].data_type in (1, 10, 11, 16)}
    matrices = sum(graph.elements(n) for n in floats if len(graph.initializers[n].dims) == 2)
    vectors = sum(graph.elements(n) for n in floats if len(graph.initializers[n].dims) == 1)
    if matrices + vectors != sum(graph.elements(n) for n in floats):
        return None
    if matrices != 4 * dim * dim or vectors not in (0, 4 * dim):
        return None
    step.weights |= floats
    return vectors > 0
