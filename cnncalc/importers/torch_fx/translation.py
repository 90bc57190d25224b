"""From calls to spec layers: each call's translator, its inputs' edges, its name, its check.

A call becomes a layer (named, with ``input:``/``inputs:`` where it does not
read the layer above), an alias (a no-op or a permutation: no layer), or a
skipped line; what PyTorch says of each layer is kept for :func:`verify`.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.i18n import N_
from cnncalc.importers.skipped import Skipped, reason, verbatim
from cnncalc.importers.torch_fx.accounting import held, numel, uncounted, with_ancestors
from cnncalc.importers.torch_fx.calls import Attr, Call, Ref, Shape, flat
from cnncalc.importers.torch_fx.checking import Check
from cnncalc.importers.torch_fx.functions import (
    FUNCTIONS_READING_LAYOUT,
    function_translator,
    method_translators,
)
from cnncalc.importers.torch_fx.layouts import (
    Layout,
    is_permutation,
    is_unbind,
    permutation,
    unpermuted,
)
from cnncalc.importers.torch_fx.messages import shape_text
from cnncalc.importers.torch_fx.modules import MODULES_READING_LAYOUT, module_translator
from cnncalc.importers.torch_fx.naming import RESERVED, display, layer_name, what
from cnncalc.importers.torch_fx.op import Layer, Op, Untranslatable
from cnncalc.importers.torch_fx.values import Opaque, Parameter, Parts, Unbound, Value

if TYPE_CHECKING:
    import torch
    from torch import nn

_MERGES = ("add", "multiply", "concat", "matmul")
"""Types that read several layers (``inputs:``)."""
_SPLITS = ("split", "chunk")
"""Types of several outputs, read as ``NAME.0``, ``NAME.1``, …"""
_AXIS_FREE = (
    "relu", "relu6", "tanh", "sigmoid", "hardswish", "gelu", "silu", "hardsigmoid", "leaky_relu",
    "elu", "mish", "scalar", "dropout", "identity", "add", "multiply",
)  # fmt: skip
"""Types that treat every value alike, so they read permuted tensors as they are."""
_READING_LAYOUT = MODULES_READING_LAYOUT + FUNCTIONS_READING_LAYOUT


class _InTorchOrder(Exception):
    """The layer must read the tensor with its axes in torch's order: permute it first."""


@dataclass
class Translation:
    """Turns calls into spec layers, in order, keeping what PyTorch says of each."""

    root: nn.Module
    input_shape: Shape
    others: tuple[tuple[str, Shape], ...] = ()
    """The forward's further inputs, by name, with their shapes."""
    layers: list[Layer] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    values: dict[str, Value] = field(default_factory=lambda: {"input": "input"})
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
    in_torch_order: dict[tuple[str, tuple[int, ...]], str] = field(default_factory=dict)
    uncounted_parameters: int = 0
    """Parameters of modules left out and read directly by operations with no layer."""
    reads_through: dict[str, set[str]] = field(default_factory=dict)
    """The parameters and buffers a call reads through tensors made from them alone."""
    views: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    """Per call, the shape of each parameter it reads through a view of it."""
    calls: dict[str, Call] = field(default_factory=dict)
    """Every call translated, by key (to name a layer made for a later one)."""
    permutations: dict[tuple[str, tuple[int, ...]], Call] = field(default_factory=dict)
    """The first call that permuted a layer's output so (the name of its ``permute`` layer)."""
    """The ``permute`` layers made for layers that read a permuted tensor in torch's order."""
    modules: dict[str, nn.Module] = field(init=False)
    parameters: dict[str, torch.Tensor] = field(init=False)
    tensors: dict[str, torch.Tensor] = field(init=False)

    def __post_init__(self) -> None:
        self.shapes["input"] = self.input_shape
        for name, shape in self.others:
            self.values[name], self.shapes[name] = name, shape
            self.names.add(name)
        self.modules = dict(self.root.named_modules())
        self.parameters = dict(self.root.named_parameters())
        self.tensors = self.parameters | dict(self.root.named_buffers())

    def add(self, call: Call) -> None:
        """Translate one call: a layer, an alias (no-op), or a skipped line."""
        self.scopes.add(call.scope)
        self.calls[call.key] = call
        if not call.tensor:
            return  # x.size(0): shape arithmetic feeding a view, no layer
        call = self._parameters_named(call)
        if self._item(call):
            return
        inputs = self._sources(call)
        if not inputs and call.kind != "module":
            self.values[call.key] = self._constant(call)
        elif call.shape is None:
            self._not_one_tensor(call, inputs)
        else:
            self._one_tensor(call, inputs or self._above(call))

    def _above(self, call: Call) -> list[tuple[str, Layout]]:
        """A module whose input the tracer did not see made from the network's: the layer above."""
        self.notes.append(
            f"{call.target}: its input is not computed from the network's input as far as "
            "the tracer saw; it reads the layer above."
        )
        return [(self.previous, self.layouts.get(self.previous))]

    def _not_one_tensor(self, call: Call, inputs: list[tuple[str, Layout]]) -> None:
        """A tuple result (parts read by ``getitem``), or no batched tensor: no layer."""
        if call.parts and inputs:
            why = self._several(call, inputs)
            if why is not None:
                self._opaque(call, why)
        else:
            self._opaque(call)

    def _one_tensor(self, call: Call, inputs: list[tuple[str, Layout]]) -> None:
        """A call of one batched tensor: a layer, a permutation, an alias or a skipped line."""
        assert call.shape is not None
        sources, layout = self._ordered(call, inputs)
        if is_permutation(call):
            self._permute(call, sources[0], layout)
            return
        if layout is not None and len(call.shape) != len(layout):
            # A reshape of a permuted tensor: it reshapes torch's order of the values.
            sources, layout = self._in_torch_order(call, sources, layout)
        try:
            op, layer = self._translated(call, sources, layout)
        except (Untranslatable, _InTorchOrder):
            if layout is None:
                raise
            # A layer that reads the axes in their order: give it torch's.
            sources, layout = self._in_torch_order(call, sources, layout)
            op, layer = self._translated(call, sources, layout)
        if layer is None:  # a no-op: x.contiguous(), a view to the same shape
            self._alias(call, sources[0], layout)
            return
        self._emit(op, layer, sources)

    def _translated(
        self, call: Call, sources: list[str], layout: Layout
    ) -> tuple[Op, Layer | None]:
        """The call's op and layer (None: a no-op); a layer it has none for is skipped here."""
        assert call.shape is not None
        op = Op(call, tuple(self.shapes[s] for s in sources), unpermuted(call.shape, layout),
                self.notes, layout, self._params(call), self.views.get(call.key, {}))  # fmt: skip
        try:
            return op, self._translate(op, sources)
        except Untranslatable as why:
            if layout is not None:
                raise
            self._skip(op, sources, str(why))
            return op, None

    def _opaque(self, call: Call, why: str | None = None) -> None:
        """A result that is not one batched tensor, and no layer: what reads it is refused."""
        if why is None:
            why = (
                "its result has no batch axis (the batch reduced, or merged by a reshape)"
                if call.single
                else "it returns several tensors"
            )
        refusal = f"cannot translate {self._described(call)}: {why}"
        self.values[call.key] = Opaque(refusal, listed=call.kind == "module")
        if call.kind == "module":
            self._leave_out(call, why)

    def _constant(self, call: Call) -> Value:
        """A result no layer's output flows into: made from the model's parameters and buffers
        (one parameter at most), or a constant."""
        read = self._read(call)
        parameters = sorted(read & self.parameters.keys())
        if len(parameters) > 1 or not read:
            return Opaque(None)
        # The full shape is known where the batch-free one is (a leading 1 taken off).
        shape = None if call.shape is None else (1, *call.shape)
        return Parameter(parameters[0] if parameters else min(read), frozenset(read), shape)

    def _read(self, call: Call) -> set[str]:
        """The parameters and buffers a call reads, directly or through what it reads."""
        named = {a.name for a in flat((call.args, call.kwargs)) if isinstance(a, Attr)}
        return (named & self.tensors.keys()) | self.reads_through.get(call.key, set())

    def _parameters_named(self, call: Call) -> Call:
        """The call with each tensor made from parameters alone given as its parameter; the
        other tensors that one is made from are noted as read (:meth:`_read`)."""

        def named(value: object) -> object:
            if isinstance(value, list | tuple):
                return type(value)(named(item) for item in value)
            if isinstance(value, dict):
                return {key: named(item) for key, item in value.items()}
            if isinstance(value, Ref):
                made = self.values.get(value.key)
                if isinstance(made, Parameter):
                    self.reads_through.setdefault(call.key, set()).update(made.read)
                    if made.shape is not None:
                        self.views.setdefault(call.key, {})[made.name] = made.shape
                    return Attr(made.name)
            return value

        return replace(call, args=tuple(named(a) for a in call.args),
                       kwargs={k: named(v) for k, v in call.kwargs.items()})  # fmt: skip

    def _item(self, call: Call) -> bool:
        """``parts[i]`` of a tuple result: that part (a ``select`` layer for ``unbind``'s)."""
        if not (call.kind == "function" and call.target is operator.getitem):
            return False
        whole, index = call.args[0], call.args[1]
        value = self.values.get(whole.key) if isinstance(whole, Ref) else None
        if not isinstance(value, Parts | Unbound) or not isinstance(index, int):
            return False
        if isinstance(value, Parts):
            item = value.items[index]
            if item is None:
                self.values[call.key] = Opaque(None)
            else:
                self._alias(call, item, None)
            return True
        select: Layer = {"type": "select", "axis": value.axis, "index": index % value.count}
        assert call.shape is not None
        op = Op(call, (self.shapes[value.source],), call.shape, self.notes)
        self._emit(op, select, [value.source])
        return True

    def _several(self, call: Call, inputs: list[tuple[str, Layout]]) -> str | None:
        """A call of several results (``chunk``, ``unbind``, attention): a layer, its parts
        read by ``getitem``; else why it has none."""
        sources, layout = self._ordered(call, inputs)
        if layout is not None:
            sources, layout = self._in_torch_order(call, sources, layout)
        if is_unbind(call):
            rank = len(self.shapes[sources[0]]) + 1
            axis = int(call.kwargs.get("dim", call.args[1] if len(call.args) > 1 else 0)) % rank
            if axis == 0:
                return "it unbinds the batch axis"
            count = self.shapes[sources[0]][axis - 1]
            self.values[call.key] = Unbound(sources[0], axis - 1, count)
            return None
        first = call.parts[0]
        unknown = [part for i, part in enumerate(call.parts) if i not in call.sizes]
        if first is None or (call.kind != "module" and None in unknown):
            return "it returns several tensors, not all of them batched"
        op = Op(call, tuple(self.shapes[s] for s in sources), first, self.notes,
                params=self._params(call), views=self.views.get(call.key, {}))  # fmt: skip
        try:
            layer = self._translate(op, sources)
        except Untranslatable as why:
            return f"it returns several tensors, and {why}"
        if layer is None:
            return "it returns several tensors"
        name = self._emit(op, layer, sources)
        if layer["type"] in _SPLITS:
            self.values[call.key] = Parts(tuple(f"{name}.{i}" for i in range(len(call.parts))))
        else:  # nn.MultiheadAttention: (output, weights or None)
            self.values[call.key] = Parts((name, *(None for _ in call.parts[1:])))
        return None

    def _sources(self, call: Call) -> list[tuple[str, Layout]]:
        """The layers a call reads (tensor arguments made by layers), in argument order;
        a tuple of parts passed whole (``torch.cat(x.chunk(2))``) reads each part."""
        sources = []
        for ref in flat((call.args, call.kwargs)):
            value = self.values.get(ref.key) if isinstance(ref, Ref) else None
            if isinstance(value, Opaque) and value.reason is not None:
                raise CnncalcError(
                    f"{value.reason}, which cnncalc cannot follow, and {self._described(call)} "
                    "reads its result"
                )
            if isinstance(value, Unbound):
                raise self._cannot(call, "it reads the whole of an unbind's result")
            assert isinstance(ref, Ref) or value is None
            if isinstance(value, str):
                sources.append((value, self.layouts.get(ref.key)))
            elif isinstance(value, Parts):
                sources += [(item, None) for item in value.items if item is not None]
        return sources

    def _ordered(self, call: Call, read: list[tuple[str, Layout]]) -> tuple[list[str], Layout]:
        """The layers read, and their one layout: tensors permuted differently are each put
        in torch's order first."""
        layouts = {layout for _, layout in read}
        if len(layouts) == 1:
            return [name for name, _ in read], layouts.pop()
        ordered = [self._permuted(call, name, layout)[0] if layout else name
                   for name, layout in read]  # fmt: skip
        return ordered, None

    def _in_torch_order(
        self, call: Call, sources: list[str], layout: Layout
    ) -> tuple[list[str], Layout]:
        """``sources`` (all in ``layout``) each permuted to torch's order of the axes."""
        assert layout is not None
        return [self._permuted(call, source, layout)[0] for source in sources], None

    def _permuted(self, call: Call, source: str, layout: tuple[int, ...]) -> tuple[str, None]:
        """A ``permute`` layer giving ``source`` in torch's order (made once per source)."""
        made = self.in_torch_order.get((source, layout))
        if made is not None:
            return made, None
        # Named after the call that permuted it (ViT's ``x.permute(0, 2, 1)``), if one did.
        name = layer_name(self.permutations.get((source, layout), call), "permute", self.names)
        entry: Layer = {"name": name, "type": "permute", "dims": list(layout)}
        if source != self.previous:
            entry["input"] = source
        self.layers.append(entry)
        shape = tuple(self.shapes[source][axis] for axis in layout)
        self.checks.append(Check(name, f"permute before {display(call)}", shape, 0, 0))
        self.shapes[name] = shape
        self.previous = name
        self.in_torch_order[(source, layout)] = name
        return name, None

    def _params(self, call: Call) -> dict[str, torch.Tensor]:
        """The parameters and buffers a call reads by name, the one it reads through first."""
        names = [a.name for a in flat((call.args, call.kwargs)) if isinstance(a, Attr)]
        names += sorted(self.reads_through.get(call.key, set()))
        return {name: self.tensors[name] for name in names if name in self.tensors}

    def _permute(self, call: Call, source: str, layout: Layout) -> None:
        """``x.permute(0, 2, 3, 1)``: the same values, the axes in another order; no layer."""
        assert call.shape is not None
        order = permutation(call, len(call.shape) + 1)
        if order is None:
            raise self._cannot(call, "its axes are not given as numbers (computed in forward)")
        if order[0] != 0:
            raise self._cannot(call, "it moves the batch axis")
        current = layout or tuple(range(len(call.shape)))
        permuted = tuple(current[axis - 1] for axis in order[1:])
        self._alias(call, source, permuted)
        self.permutations.setdefault((source, permuted), call)

    def _alias(self, call: Call, source: str, layout: Layout) -> None:
        """The call's tensor is ``source``'s output (its axes in ``layout``'s order)."""
        self.values[call.key] = source
        if layout is not None and layout != tuple(range(len(layout))):
            self.layouts[call.key] = layout

    def _translate(self, op: Op, sources: list[str]) -> Layer | None:
        """The call's layer; ``sources`` loses repeats for a layer of one input
        (self-attention's ``attn(x, x, x)``)."""
        translator, translate = self._translator(op.call)
        layer = translate(op)
        if layer is None:
            return None
        if layer["type"] not in _MERGES:
            sources[:] = list(dict.fromkeys(sources))
            if len(sources) != 1:
                raise Untranslatable(f"it reads {len(sources)} layers")
        permuted = op.layout is not None and layer["type"] not in _AXIS_FREE
        if permuted and translator not in _READING_LAYOUT:
            raise _InTorchOrder
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

    def _emit(self, op: Op, layer: Layer, sources: list[str]) -> str:
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
            weights: list[torch.Tensor] = list(module.parameters())
            self.translated.add(call.target)
            self.module_calls[call.target] = self.module_calls.get(call.target, 0) + 1
        else:  # F.linear(x, self.weight): the parameters it reads are this layer's
            params = sum(t.numel() for n, t in op.params.items() if n in self.parameters)
            buffers = sum(t.numel() for n, t in op.params.items() if n not in self.parameters)
            weights = [t for n, t in op.params.items() if n in self.parameters]
            self.read |= set(op.params)
        frozen = [t for t in weights if not t.requires_grad]
        if weights and len(frozen) == len(weights):
            # Frozen (requires_grad_(False)): its parameters are not trained, as Keras's
            # layer.trainable = False, which the spec says the same way.
            entry["trainable"] = False
        elif frozen:  # the spec freezes a layer whole, or not at all
            self.notes.append(
                f"{name}: {numel(iter(frozen)):,} of its {params:,} parameters do not require "
                "a gradient, the others do: the spec counts them all as trainable."
            )
        parts = tuple(p for p in call.parts if p is not None) if layer["type"] in _SPLITS else ()
        self.checks.append(Check(name, what(call, self.modules), op.output, params, buffers, parts))
        self._alias(call, name, op.layout)
        self.shapes[name] = op.output
        for index, shape in enumerate(parts):
            self.shapes[f"{name}.{index}"] = shape
        self.previous = name
        return name

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
            self.skipped.append(Skipped(display(call), what(call, self.modules), verbatim(why)))

    def _leave_out(self, call: Call, why: str) -> None:
        module = self.modules[call.target]
        # A module called twice is listed twice; its parameters are uncounted once.
        parameters = numel(module.parameters()) if call.target not in self.left_out else 0
        self.skipped.append(Skipped(display(call), what(call, self.modules), verbatim(why),
                                    held(module), parameters))  # fmt: skip
        self.uncounted_parameters += parameters
        self.left_out.add(call.target)

    def _described(self, call: Call) -> str:
        """``features.3 (nn.Conv2d)``: where the call is and what it runs."""
        return f"{display(call)} ({what(call, self.modules)})"

    def _cannot(self, call: Call, why: str) -> CnncalcError:
        return CnncalcError(f"cannot translate {self._described(call)}: {why}")

    def _output(self, call: Call | None, source: str) -> None:
        """An ``identity`` reading the network's output where it is not the last layer (a
        part of a split, a layer a permutation or a no-op aliases), so the spec ends there."""
        if call is None or source == "input":
            return
        name = layer_name(call, "identity", self.names)
        self.layers.append({"name": name, "type": "identity", "input": source})
        self.checks.append(Check(name, "the network's output", self.shapes[source], 0, 0))
        self.shapes[name] = self.shapes[source]
        self.previous = name

    def finished(self, outputs: list[Ref]) -> list[Layer]:
        """The layers, once every call is in; notes on shared weights and uncounted parameters.

        An output that no layer stands for (``y.transpose(0, 1)`` as the last step)
        loses nothing after it, so it is listed as skipped rather than refused.
        """
        for ref in outputs:
            value = self.values.get(ref.key)
            if isinstance(value, Opaque) and value.reason is not None and not value.listed:
                output = reason(N_("the network's output"))
                self.skipped.append(Skipped(output, "", verbatim(value.reason)))
            layout = self.layouts.get(ref.key)
            if isinstance(value, str) and layout:
                # The network's output in torch's order of axes, as the model returns it.
                value = self._permuted(self.calls[ref.key], value, layout)[0]
            if len(outputs) == 1 and isinstance(value, str) and value != self.previous:
                self._output(self.calls.get(ref.key), value)
        if not self.layers:
            said = "; ".join(record.line() for record in self.skipped)
            raise CnncalcError(
                "no operation of the model has a cnncalc layer type"
                + (f" (skipped: {said})" if said else "")
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
        lines, read_directly = uncounted(self.root, accounted, called, self.read)
        self.skipped += lines
        self.uncounted_parameters += read_directly
        return self.layers
