"""From calls to spec layers: each call's translator, its inputs' edges, its name, its check.

A call becomes a layer (named, with ``input:``/``inputs:`` where it does not
read the layer above), an alias (a no-op or a permutation: no layer), or a
skipped line; what PyTorch says of each layer is kept for :func:`verify`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.importers.torch_fx.accounting import held, numel, uncounted, with_ancestors
from cnncalc.importers.torch_fx.calls import Attr, Call, Ref, Shape, flat
from cnncalc.importers.torch_fx.checking import Check
from cnncalc.importers.torch_fx.functions import (
    FUNCTIONS_READING_LAYOUT,
    function_translator,
    method_translators,
)
from cnncalc.importers.torch_fx.layouts import Layout, is_permutation, permutation, unpermuted
from cnncalc.importers.torch_fx.messages import shape_text
from cnncalc.importers.torch_fx.modules import MODULES_READING_LAYOUT, module_translator
from cnncalc.importers.torch_fx.naming import RESERVED, display, layer_name, what
from cnncalc.importers.torch_fx.op import Layer, Op, Untranslatable

if TYPE_CHECKING:
    import torch
    from torch import nn

_MERGES = ("add", "multiply", "concat")
_AXIS_FREE = ("relu", "relu6", "tanh", "sigmoid", "softmax", "hardswish", "gelu", "silu",
              "dropout", "identity", "add", "multiply")  # fmt: skip
"""Types that treat every value alike, so they read permuted tensors as they are."""
_READING_LAYOUT = MODULES_READING_LAYOUT + FUNCTIONS_READING_LAYOUT


@dataclass(frozen=True, slots=True)
class _Opaque:
    """A value no layer stands for: an untranslated tuple result, or a constant."""

    reason: str | None
    """Why it cannot be followed (None: a constant, which is simply not a layer's input)."""
    listed: bool = False
    """Whether the skipped lines already say so (a module left out)."""


@dataclass
class Translation:
    """Turns calls into spec layers, in order, keeping what PyTorch says of each."""

    root: nn.Module
    input_shape: Shape
    layers: list[Layer] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    values: dict[str, str | _Opaque] = field(default_factory=lambda: {"input": "input"})
    shapes: dict[str, Shape] = field(default_factory=dict)
    names: set[str] = field(default_factory=lambda: set(RESERVED))
    """Names taken: a spec reserves ``input`` (the network's) and ``total`` (for ``expect``)."""
    previous: str = "input"
    module_calls: dict[str, int] = field(default_factory=dict)
    translated: set[str] = field(default_factory=set)
    left_out: set[str] = field(default_factory=set)
    scopes: set[str] = field(default_factory=set)
    """The modules whose forward made a call (traced through, or their leaves called)."""
    layouts: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Calls whose tensor is a layer's output with its axes permuted (ConvNeXt's channels last)."""
    read: set[str] = field(default_factory=set)
    """Parameters and buffers that functional layers (``F.linear``) count."""
    modules: dict[str, nn.Module] = field(init=False)
    parameters: dict[str, torch.Tensor] = field(init=False)
    tensors: dict[str, torch.Tensor] = field(init=False)

    def __post_init__(self) -> None:
        self.shapes["input"] = self.input_shape
        self.modules = dict(self.root.named_modules())
        self.parameters = dict(self.root.named_parameters())
        self.tensors = self.parameters | dict(self.root.named_buffers())

    def add(self, call: Call) -> None:
        """Translate one call: a layer, an alias (no-op), or a skipped line."""
        self.scopes.add(call.scope)
        if not call.tensor:
            return  # x.size(0): shape arithmetic feeding a view, no layer
        inputs = self._sources(call)
        if call.shape is None:
            why = (
                "its result has no batch axis (the batch reduced, or merged by a reshape)"
                if call.single
                else "it returns several tensors"
            )
            reason = f"cannot translate {self._described(call)}: {why}"
            self.values[call.key] = _Opaque(reason, listed=call.kind == "module")
            if call.kind == "module":
                self._leave_out(call, why)
            return
        if not inputs and call.kind != "module":
            self.values[call.key] = _Opaque(None)
            return
        if not inputs:
            inputs = [(self.previous, self.layouts.get(self.previous))]
            self.notes.append(
                f"{call.target}: its input is not computed from the network's input as far as "
                "the tracer saw; it reads the layer above."
            )
        sources = [name for name, _ in inputs]
        layout = self._layout(call, inputs)
        if is_permutation(call):
            self._permute(call, sources[0], layout)
            return
        if layout is not None and len(call.shape) != len(layout):
            # A reshape of a channels-last tensor: its output has no axis order of cnncalc's.
            before = [self.shapes[sources[0]][axis] for axis in layout]
            raise self._cannot(
                call,
                f"it reshapes a tensor whose axes are permuted ({shape_text(before)} in torch's "
                f"order; cnncalc's axes {shape_text(layout, ', ')}) to {shape_text(call.shape)}, "
                "which cnncalc's layers cannot follow",
            )
        op = Op(call, tuple(self.shapes[s] for s in sources), unpermuted(call.shape, layout),
                self.notes, layout, self._params(call))  # fmt: skip
        try:
            layer = self._translate(op, len(sources))
        except Untranslatable as why:
            self._skip(op, sources, str(why))
            return
        if layer is None:  # a no-op: x.contiguous(), a view to the same shape
            self._alias(call, sources[0], layout)
            return
        self._emit(op, layer, sources)

    def _sources(self, call: Call) -> list[tuple[str, Layout]]:
        """The layers a call reads (tensor arguments made by layers), in argument order."""
        sources = []
        for ref in flat((call.args, call.kwargs)):
            value = self.values.get(ref.key) if isinstance(ref, Ref) else None
            if isinstance(value, _Opaque) and value.reason is not None:
                raise CnncalcError(
                    f"{value.reason}, which cnncalc cannot follow, and {self._described(call)} "
                    "reads its result"
                )
            if isinstance(value, str):
                assert isinstance(ref, Ref)
                sources.append((value, self.layouts.get(ref.key)))
        return sources

    def _layout(self, call: Call, read: list[tuple[str, Layout]]) -> Layout:
        layouts = {layout for _, layout in read}
        if len(layouts) > 1:
            raise self._cannot(call, "it combines tensors whose axes are permuted differently")
        return layouts.pop()

    def _params(self, call: Call) -> dict[str, torch.Tensor]:
        names = [a.name for a in flat((call.args, call.kwargs)) if isinstance(a, Attr)]
        return {name: self.tensors[name] for name in names if name in self.tensors}

    def _permute(self, call: Call, source: str, layout: Layout) -> None:
        """``x.permute(0, 2, 3, 1)``: the same values, the axes in another order; no layer."""
        assert call.shape is not None
        order = permutation(call, len(call.shape) + 1)
        if order is None or order[0] != 0:
            raise self._cannot(call, "it moves the batch axis")
        current = layout or tuple(range(len(call.shape)))
        self._alias(call, source, tuple(current[axis - 1] for axis in order[1:]))

    def _alias(self, call: Call, source: str, layout: Layout) -> None:
        """The call's tensor is ``source``'s output (its axes in ``layout``'s order)."""
        self.values[call.key] = source
        if layout is not None and layout != tuple(range(len(layout))):
            self.layouts[call.key] = layout

    def _translate(self, op: Op, sources: int) -> Layer | None:
        translator, translate = self._translator(op.call)
        layer = translate(op)
        if layer is None:
            return None
        if layer["type"] not in _MERGES and sources != 1:
            raise Untranslatable(f"it reads {sources} layers")
        permuted = op.layout is not None and layer["type"] not in _AXIS_FREE
        if permuted and translator not in _READING_LAYOUT:
            raise Untranslatable(
                f"it reads a tensor whose axes are permuted (cnncalc's axes "
                f"{shape_text(op.layout or (), ', ')}), which cnncalc's layer would read in order"
            )
        return layer

    def _translator(self, call: Call) -> tuple[object, Callable[[Op], Layer | None]]:
        """(the registered translator, the translation of this call)."""
        if call.kind == "module":
            module = self.modules[call.target]
            found = module_translator(type(module))
            if found is not None:
                return found, functools.partial(found, module)
        else:
            function = (
                function_translator(call.target)
                if call.kind == "function"
                else method_translators().get(call.target)
            )
            if function is not None:
                return function, function
        raise Untranslatable("cnncalc has no layer type for it")

    def _emit(self, op: Op, layer: Layer, sources: list[str]) -> None:
        call = op.call
        name = layer_name(call, layer["type"], self.names)
        entry: Layer = {"name": name, **layer}
        if layer["type"] in _MERGES:
            entry["inputs"] = sources
        elif sources[0] != self.previous:
            entry["input"] = sources[0]
        self.layers.append(entry)
        if call.kind == "module":
            module = self.modules[call.target]
            params, buffers = numel(module.parameters()), numel(module.buffers())
            self.translated.add(call.target)
            self.module_calls[call.target] = self.module_calls.get(call.target, 0) + 1
        else:  # F.linear(x, self.weight): the parameters it reads are this layer's
            params = sum(t.numel() for n, t in op.params.items() if n in self.parameters)
            buffers = sum(t.numel() for n, t in op.params.items() if n not in self.parameters)
            self.read |= set(op.params)
        self.checks.append(Check(name, what(call, self.modules), op.output, params, buffers))
        self._alias(call, name, op.layout)
        self.shapes[name] = op.output
        self.previous = name

    def _skip(self, op: Op, sources: list[str], why: str) -> None:
        call = op.call
        before = self.shapes[sources[0]]
        if op.output != before:
            raise self._cannot(
                call,
                f"{why}; it changes the shape {shape_text(before)} → {shape_text(op.output)}, "
                "so the layers after it would be wrong",
            )
        # Same shape in and out: the layers after it are right without it.
        self._alias(call, sources[0], op.layout)
        if call.kind == "module":
            self._leave_out(call, why)
        else:
            self.skipped.append(f"{self._described(call)}: {why}")

    def _leave_out(self, call: Call, why: str) -> None:
        module = self.modules[call.target]
        self.skipped.append(f"{self._described(call)}: {why}{held(module)}")
        self.left_out.add(call.target)

    def _described(self, call: Call) -> str:
        """``features.3 (nn.Conv2d)``: where the call is and what it runs."""
        return f"{display(call)} ({what(call, self.modules)})"

    def _cannot(self, call: Call, why: str) -> CnncalcError:
        return CnncalcError(f"cannot translate {self._described(call)}: {why}")

    def finished(self, outputs: list[Ref]) -> list[Layer]:
        """The layers, once every call is in; notes on shared weights and uncounted parameters.

        An output that no layer stands for (``y.transpose(0, 1)`` as the last step)
        loses nothing after it, so it is listed as skipped rather than refused.
        """
        for ref in outputs:
            value = self.values.get(ref.key)
            if isinstance(value, _Opaque) and value.reason is not None and not value.listed:
                self.skipped.append(f"the network's output: {value.reason}")
        if not self.layers:
            raise CnncalcError(
                "no operation of the model has a cnncalc layer type"
                + (f" (skipped: {'; '.join(self.skipped)})" if self.skipped else "")
            )
        for target, count in self.module_calls.items():
            params = numel(self.modules[target].parameters())
            if count > 1 and params:
                self.notes.append(
                    f"{target} is called {count} times (shared weights): each call is a layer, "
                    f"so its {params:,} parameters are counted {count} times."
                )
        accounted = self.translated | self.left_out
        called = with_ancestors(accounted | self.scopes)
        self.skipped += uncounted(self.root, accounted, called, self.read)
        return self.layers
