"""An ONNX graph as the importer walks it: nodes in order, shapes, constants, readers.

ONNX requires a graph's nodes in topological order (the ONNX IR spec, "Graphs":
"nodes … MUST be sorted topologically"): every input a node names is a graph
input, an initializer, or an output of an earlier node. A node reading a value
no earlier node makes is a cyclic graph, or a missing initializer: a one-line
error naming the node. Each value's shape is ONNX's own shape inference's
(``onnx.shape_inference.infer_shapes`` with data propagation, which carries
shapes computed by ``Shape``→``Gather``→``Concat`` into a ``Reshape``).

A value is *constant* when it does not depend on the input's values: an
initializer, a ``Constant``, a ``Shape``, or any node's output whose inputs are
all constant (a transposed weight, ``class_token.expand(…)``). Constants make
no layers; a weight-bearing layer counts the initializers its constant inputs
derive from (:meth:`Graph.roots`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _

if TYPE_CHECKING:
    import numpy as np
    from onnx import ModelProto, NodeProto, TensorProto

Dim = int | str | None
"""An axis's size: a number, a symbol (``dim_param``), or unknown."""

MAX_CONSTANT_VALUES = 4096
"""The most values of a constant read (a shape, a scalar, pads): larger ones are weights,
whose values cnncalc never needs."""

_SHAPE_ONLY = frozenset({"Shape", "Size"})
"""Ops whose output depends on their input's shape only, never its values."""
_TYPE_FROM_SECOND = frozenset({"CastLike"})
"""Ops whose second input gives only an element type (``CastLike(0, x)``: a zero of
``x``'s type, how the default PyTorch exporter writes a convolution's absent bias)."""


@dataclass
class Node:
    """One ONNX node, as the importer reads it."""

    index: int
    proto: NodeProto
    name: str
    op: str
    inputs: list[str]
    outputs: list[str]
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"node '{self.name}' ({self.op})"


class Graph:
    """Nodes in order, each value's shape and readers, the initializers and constants."""

    def __init__(self, model: ModelProto, path: str) -> None:
        from onnx import helper

        graph = model.graph
        self.path = path
        self.initializers: dict[str, TensorProto] = {t.name: t for t in graph.initializer}
        self.inputs = [v for v in graph.input if v.name not in self.initializers]
        self.outputs = [v.name for v in graph.output]
        self.shapes: dict[str, list[Dim]] = {}
        for info in [*graph.input, *graph.value_info, *graph.output]:
            shape = _shape_of(info)
            if shape is not None:
                self.shapes[info.name] = shape
        for tensor in graph.initializer:
            self.shapes[tensor.name] = list(tensor.dims)
        self.nodes: list[Node] = []
        names: Counter[str] = Counter()
        for index, proto in enumerate(graph.node):
            name = proto.name or f"{proto.op_type}_{index}"
            names[name] += 1
            if names[name] > 1:  # names must be unique in a spec; ONNX only recommends it
                name = f"{name}_{names[name]}"
            attributes = {a.name: helper.get_attribute_value(a) for a in proto.attribute}
            self.nodes.append(Node(index, proto, name, proto.op_type, list(proto.input),
                                   list(proto.output), attributes))  # fmt: skip
        self.producers: dict[str, Node] = {}
        self.readers: dict[str, list[Node]] = {}
        for node in self.nodes:
            for value in [*node.inputs, *sorted(_captured(node.proto))]:
                if value and node not in self.readers.get(value, []):
                    self.readers.setdefault(value, []).append(node)
        self.constants: set[str] = set(self.initializers)
        self._check_order()

    def _check_order(self) -> None:
        """Every input a node reads is made before it; constants found on the way."""
        made = set(self.initializers) | {v.name for v in self.inputs}
        makers = {out: node for node in self.nodes for out in node.outputs if out}
        for node in self.nodes:
            for value in node.inputs:
                if not value or value in made:
                    continue
                if value in makers:
                    raise CnncalcError(
                        _(
                            "{path}: {where} reads '{value}' before any node makes it: the "
                            "graph is cyclic or not in order"
                        ).format(path=self.path, where=node.where, value=value)
                    )
                raise CnncalcError(
                    _(
                        "{path}: {where} reads '{value}', which no node, graph input or "
                        "initializer makes (a missing initializer?)"
                    ).format(path=self.path, where=node.where, value=value)
                )
            for value in node.outputs:
                if value:
                    made.add(value)
                    self.producers[value] = node
            read = [value for value in node.inputs if value]
            if node.op in _TYPE_FROM_SECOND:
                read = read[:1]  # the second input gives only its element type
            if (
                node.op == "Constant"
                or node.op in _SHAPE_ONLY
                or (read and all(value in self.constants for value in read))
            ):
                self.constants.update(value for value in node.outputs if value)

    def shape(self, value: str) -> list[Dim] | None:
        """ONNX's inferred shape of ``value``, batch axis included; None if unknown."""
        return self.shapes.get(value)

    def is_constant(self, value: str) -> bool:
        return value in self.constants

    def roots(self, value: str) -> set[str]:
        """The initializers a constant value derives from (itself, if one)."""
        found: set[str] = set()
        stack, seen = [value], set()
        while stack:
            current = stack.pop()
            if current in seen or not current:
                continue
            seen.add(current)
            if current in self.initializers:
                found.add(current)
            elif current in self.producers:
                node = self.producers[current]
                if node.op in _SHAPE_ONLY:
                    continue  # a weight's shape holds none of its values
                stack.extend(node.inputs[:1] if node.op in _TYPE_FROM_SECOND else node.inputs)
        return found

    def is_zeros(self, value: str, depth: int = 0) -> bool:
        """Whether ``value`` is zeros made by the graph, not read from an initializer: a
        ``Constant`` of zeros, or one expanded or cast (at most 8 such steps)."""
        if value in self.initializers or depth > 8:
            return False
        node = self.producers.get(value)
        if node is not None and node.op in ("Expand", "Cast", "CastLike", "Identity"):
            return bool(node.inputs) and self.is_zeros(node.inputs[0], depth + 1)
        if node is None or node.op != "Constant":
            return False
        array = self.constant(value)
        return array is not None and not array.any()

    def constant(self, value: str) -> np.ndarray | None:
        """The values of a small constant (an initializer or a ``Constant``, through
        ``Identity`` and ``Cast``), or None where they are not stated in the file."""
        from onnx import numpy_helper

        node = self.producers.get(value)
        if node is not None and node.op in ("Identity", "Cast") and node.inputs:
            return self.constant(node.inputs[0])
        tensor = self.initializers.get(value)
        if tensor is None and node is not None and node.op == "Constant":
            tensor = node.attributes.get("value")
            if tensor is None:
                for key in ("value_float", "value_int", "value_floats", "value_ints"):
                    if key in node.attributes:
                        import numpy

                        return numpy.array(node.attributes[key])
                return None
        if tensor is None or tensor.data_location == 1:  # external data: never read
            return None
        size = 1
        for dim in tensor.dims:
            size *= dim
        if size > MAX_CONSTANT_VALUES:
            return None
        try:
            array: np.ndarray = numpy_helper.to_array(tensor)
        except Exception:  # a tensor whose stored data does not match its dims
            return None
        return array

    def elements(self, name: str) -> int:
        """The number of values of initializer ``name``, from its dims."""
        size = 1
        for dim in self.initializers[name].dims:
            size *= dim
        return size


def _shape_of(info: Any) -> list[Dim] | None:
    """A value_info's tensor shape: each axis a number, a symbol or None."""
    kind = info.type.WhichOneof("value")
    if kind != "tensor_type" or not info.type.tensor_type.HasField("shape"):
        return None
    dims: list[Dim] = []
    for dim in info.type.tensor_type.shape.dim:
        which = dim.WhichOneof("value")
        if which == "dim_value" and dim.dim_value >= 0:
            dims.append(int(dim.dim_value))
        elif which == "dim_param" and dim.dim_param:
            dims.append(str(dim.dim_param))
        else:
            dims.append(None)
    return dims


def _captured(proto: NodeProto, depth: int = 0) -> set[str]:
    """The outer values a node's subgraphs (``If``'s branches, a ``Loop``'s body) read:
    such a node reads them as surely as its inputs. Nested at most 8 deep (protobuf's own
    recursion limit bounds a hostile file's nesting before this)."""
    found: set[str] = set()
    if depth > 8:
        return found
    for attribute in proto.attribute:
        graphs = [attribute.g] if attribute.HasField("g") else list(attribute.graphs)
        for graph in graphs:
            made = {v for node in graph.node for v in node.output}
            made |= {t.name for t in graph.initializer} | {v.name for v in graph.input}
            for node in graph.node:
                found |= {v for v in node.input if v and v not in made}
                found |= _captured(node, depth + 1) - made
    return found
