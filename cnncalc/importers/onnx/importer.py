"""The walk that translates an ONNX graph's nodes, in order, into spec layers.

Constants (initializers, ``Constant``, ``Shape`` and whatever is computed from
them alone) make no layers; ``Identity``, ``Dropout`` and ``Cast`` pass their
input on. Every other node goes to its op's translator (:data:`.ops.TRANSLATORS`).
A node cnncalc cannot express is listed as skipped, with its name and the
weights it leaves uncounted, when its output has its input's shape; otherwise
(or when nothing knows its op) the import stops with an error naming it.
"""

from __future__ import annotations

from typing import Any

from cnncalc.errors import CnncalcError
from cnncalc.i18n import N_, _
from cnncalc.importers.common import LONG_IMPORT
from cnncalc.importers.onnx.base import BadNode, Layer, Skip, Step
from cnncalc.importers.onnx.graph import Graph, Node
from cnncalc.importers.onnx.ops import PASS_THROUGH, TRANSLATORS
from cnncalc.importers.skipped import Skipped, reason
from cnncalc.ir import NETWORK_INPUT
from cnncalc.progress import tracked

_MERGES = frozenset({"add", "multiply", "concat", "matmul"})
_FLOAT_TYPES = frozenset({1, 10, 11, 16})
"""TensorProto's FLOAT, FLOAT16, DOUBLE and BFLOAT16: initializers that are weights."""


class Importer:
    """Translates a graph's nodes in order into spec layers, and accounts for its weights."""

    def __init__(self, graph: Graph, input_name: str, symbols: dict[str, str]) -> None:
        self.graph = graph
        self.path = graph.path
        self.symbols = symbols
        self.layers: list[Layer] = []
        self.skipped: list[Skipped] = []
        self.sources: dict[str, str] = {input_name: NETWORK_INPUT}
        self.counted: set[str] = set()
        """Initializers the spec's layers count."""
        self.left_out: set[str] = set()
        """Initializers read by skipped nodes: their values are not counted."""
        self.readers: dict[str, int] = {}
        self.origins: dict[str, Node] = {}
        self._consumed: set[int] = set()
        self._previous = NETWORK_INPUT
        self._batch = graph.shape(input_name)

    def run(self) -> None:
        nodes = self.graph.nodes
        for node in tracked(nodes, "translating", worth_a_bar=len(nodes) >= LONG_IMPORT):
            if node.index not in self._consumed:
                self._translate(node)
        if not self.layers:
            raise CnncalcError(
                _("{path}: no node of the graph could be translated").format(path=self.path)
            )

    def _translate(self, node: Node) -> None:
        outputs = [v for v in node.outputs if v]
        if outputs and all(v in self.graph.constants for v in outputs):
            return  # a constant (a weight transposed, a shape computed): no layer
        tensors = [v for v in node.inputs if v and v in self.sources]
        where = f"{self.path}: {node.where}"
        if not tensors:
            raise CnncalcError(
                _("{where}: it reads no tensor computed from the input").format(where=where)
            )
        if node.op in PASS_THROUGH and node.proto.domain in ("", "ai.onnx"):
            self._alias(node, self.sources[node.inputs[0]])
            return
        step = Step(node, self.graph, self.sources, self.symbols)
        translator = TRANSLATORS.get(node.op) if node.proto.domain in ("", "ai.onnx") else None
        try:
            if translator is None:
                if node.proto.domain:
                    raise Skip(N_("cnncalc has no layer for the op {op} of domain '{domain}'"),
                               op=node.op, domain=node.proto.domain)  # fmt: skip
                raise Skip(N_("cnncalc has no layer for the op {op}"), op=node.op)
            layers = translator(step)
        except Skip as skip:
            self._skip(node, step, skip, where)
            return
        except BadNode as problem:
            raise CnncalcError(f"{where}: {problem.reason}") from None
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
            raise CnncalcError(
                _("{where}: an attribute or input this importer cannot read ({error})").format(
                    where=where, error=f"{type(error).__name__}: {error}"
                )
            ) from None
        self._check_batch(node, [step.result] if step.result else node.outputs, where)
        self._emit(node, step, layers)

    def _check_batch(self, node: Node, outputs: list[str], where: str) -> None:
        """Refuse a node whose output mixes the batch axis into others (a reshape to
        ``[batch·heads, …]``): cnncalc's shapes are one sample's."""
        batch = self._batch[0] if self._batch else None
        for value in outputs:
            shape = self.graph.shape(value) if value else None
            if shape and batch is not None and shape[0] is not None and shape[0] != batch:
                raise CnncalcError(
                    _(
                        "{where}: its output's first axis is {got}, not the batch ({batch}): "
                        "it mixes samples, which cnncalc's per-sample shapes cannot say"
                    ).format(where=where, got=shape[0], batch=batch)
                )

    def _alias(self, node: Node, source: str) -> None:
        for value in node.outputs:
            if value:
                self.sources[value] = source

    def _emit(self, node: Node, step: Step, layers: list[Layer]) -> None:
        for folded in step.consumed:
            self._consumed.add(folded.index)
        first_tensor = next(v for v in node.inputs if v and v in self.sources)
        if not layers:
            self._alias(node, self.sources[first_tensor])
            for folded in step.consumed:
                self._alias(folded, self.sources[first_tensor])
            return
        if len(layers) == 1:
            layers = [{"name": node.name, **layers[0]}]
        first = layers[0]
        if "inputs" not in first and self.sources[first_tensor] != self._previous:
            first["input"] = self.sources[first_tensor]
        for layer in layers:
            self.origins[layer["name"]] = node
            self.layers.append(layer)
        last = layers[-1]["name"]
        self._previous = last
        if step.result is not None:  # the region's values between are no layer's output
            self.sources[step.result] = last
        elif layers[-1]["type"] == "split":
            for index, value in enumerate(node.outputs):
                self.sources[value] = f"{last}.{index}"
        else:
            self._alias(node, last)
        # A folded node's output is the layer's when it has the layer's shape (the bias Add,
        # LRN's final Div); the steps inside a written-out LRN are read by nothing else.
        final = self.graph.shape(node.outputs[0]) if len(layers) == 1 else None
        for folded in step.consumed if step.result is None else []:
            if final is None or self.graph.shape(folded.outputs[0]) in (final, None):
                self._alias(folded, last)
        self.counted |= {w for w in step.weights if self._is_weight(w)}

    def _is_weight(self, name: str) -> bool:
        tensor = self.graph.initializers.get(name)
        return tensor is not None and tensor.data_type in _FLOAT_TYPES

    def _skip(self, node: Node, step: Step, skip: Skip, where: str) -> None:
        tensors = [v for v in node.inputs if v and v in self.sources]
        held = {
            root
            for value in node.inputs
            if value and value not in self.sources
            for root in self.graph.roots(value)
            if self._is_weight(root) and self.graph.elements(root) > 1
        }
        keeps = skip.keeps_shape and len(tensors) >= 1 and all(
            self.graph.shape(out) == self.graph.shape(tensors[0]) for out in node.outputs if out
        ) and len([v for v in node.outputs if v]) == 1  # fmt: skip
        read = any(self.graph.readers.get(v) for v in node.outputs if v)
        if not keeps and read:
            raise CnncalcError(
                _("{where}: {reason}, and leaving it out would change the shapes after it").format(
                    where=where, reason=skip.reason
                )
            )
        values = sum(self.graph.elements(name) for name in held)
        what = (
            reason(N_(": its {count} parameters ({names}) are not counted"),
                   count=f"{values:,}", names=", ".join(sorted(held)))
            if held
            else reason(N_(" (it holds no weights)"))
        )  # fmt: skip
        self.skipped.append(Skipped(node.name, node.op, skip.reason, what, values))
        self.left_out |= held
        if tensors:
            self._alias(node, self.sources[tensors[0]])

    def spec(self, name: str, input_shape: list[Any]) -> dict[str, Any]:
        # FLOPs as PyTorch's FlopCounterMode and the peers count them (two per
        # multiply-add), as the torch importer writes: an ONNX file's usual source.
        return {"name": name, "framework": "pytorch", "convention": "flops",
                "input": input_shape, "layers": self.layers}  # fmt: skip
