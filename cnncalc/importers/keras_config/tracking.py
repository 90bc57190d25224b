"""The output shapes of the spec layers translated so far, each worked out once.

A translator sometimes needs the shape its input has (a depthwise convolution
its channels). Analysing the whole spec so far for each such question made an
import quadratic: 1,000 depthwise convolutions in a chain took 9 s, 6,000 would
take many minutes. Here each new layer is analysed once, by its own rule, on
the shapes already known: its spec entry becomes an IR node through a one-layer
spec (``cnncalc.spec.parse_spec``, which also checks its fields), and
``cnncalc.rules.base.apply_rule`` gives its output shape.

Only numeric shapes go this way. Where a shape holds a symbol (Keras left a
size open) or a layer fails, the caller analyses the whole spec instead, which
handles symbols and names the failing layer.
"""

from __future__ import annotations

from typing import Any

from cnncalc.errors import CnncalcError
from cnncalc.ir import NETWORK_INPUT

Shape = tuple[Any, ...]


class ShapeTracker:
    """Output shapes by spec layer name, for the layers appended to ``layers``."""

    def __init__(self, input_shape: list[Any], layers: list[dict[str, Any]]) -> None:
        self.layers = layers
        self.shapes: dict[str, Shape] = {NETWORK_INPUT: tuple(input_shape)}
        self._done = 0
        self._previous = NETWORK_INPUT

    def reset_input(self, input_shape: list[Any]) -> None:
        """The spec's input changed (a reshape of it became the input) before any layer."""
        self.shapes[NETWORK_INPUT] = tuple(input_shape)

    def shape(self, name: str) -> Shape | None:
        """``name``'s output shape; None where it cannot be worked out layer by layer."""
        while name not in self.shapes and self._done < len(self.layers):
            layer = self.layers[self._done]
            sources = layer.get("inputs") or [layer.get("input", self._previous)]
            output = self._output(layer, [self.shapes.get(source) for source in sources])
            if output is None:
                return None
            self.shapes[layer["name"]] = output
            self._previous = layer["name"]
            self._done += 1
        return self.shapes.get(name)

    def _output(self, layer: dict[str, Any], inputs: list[Shape | None]) -> Shape | None:
        from cnncalc.rules.base import apply_rule
        from cnncalc.spec import parse_spec

        known = [shape for shape in inputs if shape is not None]
        if len(known) != len(inputs) or not all(_numeric(shape) for shape in known):
            return None
        probe = {key: value for key, value in layer.items() if key not in ("input", "inputs")}
        if "inputs" in layer:
            probe["inputs"] = [NETWORK_INPUT] * len(inputs)
        spec = {"name": "probe", "input": list(known[0]), "layers": [probe]}
        try:
            node = parse_spec(spec).to_ir().layers[0].op
            output: Shape = apply_rule(node, tuple(known)).output_shape
        except (CnncalcError, ValueError, TypeError):
            return None  # the whole spec's analysis says what is wrong, and where
        return output


def _numeric(shape: Shape) -> bool:
    return all(isinstance(size, int) and not isinstance(size, bool) for size in shape)
