"""What a translator is: the node it reads (through :class:`Step`), the layers it returns.

A translator turns one ONNX node into spec layers (usually one; none when the
node passes its input on). It reads attributes, constant inputs and ONNX's
inferred shapes through :class:`Step`, whose accessors raise :class:`BadNode`
for what the ONNX operator spec does not allow, and raises :class:`Skip` for a
node cnncalc cannot express. Shapes here have no batch axis: ONNX's axis
``a`` is cnncalc's ``a − 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from cnncalc.errors import show_value
from cnncalc.i18n import N_
from cnncalc.importers.onnx.graph import Dim, Graph, Node
from cnncalc.importers.skipped import Reason, reason

if TYPE_CHECKING:
    import numpy as np

Layer: TypeAlias = dict[str, Any]
"""A spec layer as plain data, ``{"type": "conv2d", "filters": 32, …}``."""


class Skip(Exception):
    """A node cnncalc cannot express: why, and whether its output has its input's shape.

    ``message`` is the reason's English, marked with ``N_`` (or a :class:`Reason`
    already built), and ``values`` its placeholders': shown in the user's language.
    """

    def __init__(self, message: str | Reason, keeps_shape: bool = False, **values: object) -> None:
        self.reason = message if isinstance(message, Reason) else reason(message, **values)
        super().__init__(self.reason.english())
        self.keeps_shape = keeps_shape


class BadNode(Exception):
    """An attribute or input the ONNX operator spec does not allow, or cnncalc cannot read:
    the reason (``N_``-marked English and its values, as :class:`Skip`'s) stops the import."""

    def __init__(self, message: str, **values: object) -> None:
        self.reason = reason(message, **values)
        super().__init__(self.reason.english())


@dataclass
class Step:
    """A node being translated: its attributes, its inputs as tensors or constants."""

    node: Node
    graph: Graph
    sources: dict[str, str]
    """Each tensor input's spec layer (``input`` for the network's input)."""
    symbols: dict[str, str]
    """The input's ``dim_param`` names and the spec's symbols for them."""
    weights: set[str] = field(default_factory=set)
    """The initializers the translation counts as its layers' parameters."""
    consumed: list[Node] = field(default_factory=list)
    """Later nodes folded into this translation (a bias ``Add``); their outputs are its."""
    notes: list[str] = field(default_factory=list)
    result: str | None = None
    """The value the layers' output is when it is a folded node's, not this node's (an
    exported attention's closing ``Transpose``): only it is checked and read as theirs."""

    def attribute(self, key: str, default: Any = None) -> Any:
        return self.node.attributes.get(key, default)

    def ints(self, key: str, default: list[int] | None = None) -> list[int] | None:
        value = self.node.attributes.get(key)
        if value is None:
            return default
        if not isinstance(value, list | tuple) or not all(isinstance(v, int) for v in value):
            raise BadNode(N_("attribute '{key}': expected integers, got {value}"), key=key,
                          value=show_value(value))  # fmt: skip
        return [int(v) for v in value]

    def text(self, key: str, default: str) -> str:
        value = self.node.attributes.get(key, default)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return str(value)

    def is_tensor(self, index: int) -> bool:
        """Whether input ``index`` is a tensor computed from the network's input."""
        inputs = self.node.inputs
        return index < len(inputs) and bool(inputs[index]) and inputs[index] in self.sources

    def has(self, index: int) -> bool:
        return index < len(self.node.inputs) and bool(self.node.inputs[index])

    def tensors(self) -> list[str]:
        """The spec layers of the node's tensor inputs, in order."""
        return [self.sources[v] for v in self.node.inputs if v and v in self.sources]

    def shape(self, value: str) -> list[Dim]:
        """A value's inferred shape without the batch axis; BadNode if not known."""
        shape = self.graph.shape(value)
        if shape is None or not shape:
            raise BadNode(N_("ONNX shape inference gives no shape for '{value}'"), value=value)
        return shape[1:]

    def input_shape(self, index: int = 0) -> list[Dim]:
        return self.shape(self.node.inputs[index])

    def output_shape(self, index: int = 0) -> list[Dim]:
        return self.shape(self.node.outputs[index])

    def sizes(self, shape: list[Dim]) -> list[int | str]:
        """A shape as a spec writes it: numbers, and the input's symbols; BadNode if some
        axis is neither (a size ONNX could not infer)."""
        written: list[int | str] = []
        for dim in shape:
            if isinstance(dim, int):
                written.append(dim)
            elif isinstance(dim, str) and dim in self.symbols:
                written.append(self.symbols[dim])
            else:
                raise BadNode(
                    N_(
                        "ONNX shape inference cannot give its output's size as a number or the "
                        "input's symbol (give --input NAME=C,H,W)"
                    )
                )
        return written

    def weight_dims(self, index: int) -> list[int]:
        """The dims of constant input ``index`` (a weight), counting it as a parameter."""
        value = self.node.inputs[index]
        if value not in self.graph.constants:
            raise Skip(
                N_("its input {index} ('{value}') is computed, not a weight"),
                index=index,
                value=value,
            )
        shape = self.graph.shape(value)
        if shape is None or not all(isinstance(d, int) for d in shape):
            raise BadNode(N_("the shape of its weight '{value}' is not known"), value=value)
        self.weights |= self.graph.roots(value)
        return [int(d) for d in shape]  # type: ignore[arg-type]

    def constant(self, index: int) -> np.ndarray | None:
        """The values of constant input ``index`` when the file states them."""
        if not self.has(index):
            return None
        return self.graph.constant(self.node.inputs[index])

    def only_reader(self, value: str) -> Node | None:
        """The one node reading ``value``, if exactly one does and it is no graph output."""
        readers = self.graph.readers.get(value, [])
        if len(readers) != 1 or value in self.graph.outputs:
            return None
        return readers[0]

    def consume(self, node: Node) -> None:
        self.consumed.append(node)


Translator: TypeAlias = Callable[[Step], list[Layer]]


def axis_after_batch(axis: int, rank: int, what: str = "axis") -> int:
    """ONNX's axis (batch at 0, negative from the end) as cnncalc's (no batch axis)."""
    if not -rank <= axis < rank:
        raise BadNode(
            N_("attribute '{what}' {axis} is out of range for rank {rank}"),
            what=what, axis=axis, rank=rank,
        )  # fmt: skip
    axis %= rank
    if axis == 0:
        raise Skip(N_("it acts along the batch axis"))
    return axis - 1


def compact(sizes: list[int]) -> int | list[int]:
    """One size for all axes when they agree, as a person writes a spec."""
    return sizes[0] if len(set(sizes)) == 1 else sizes
