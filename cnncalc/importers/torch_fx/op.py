"""What a translator sees of a call (:class:`Op`), what it returns, and how it refuses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cnncalc.importers.torch_fx.calls import Call, Shape
from cnncalc.importers.torch_fx.layouts import Layout

if TYPE_CHECKING:
    import torch

Layer = dict[str, Any]
"""One spec layer as plain data: ``{"type": "conv2d", "filters": 64, ...}``."""


class Untranslatable(Exception):
    """An operation with no cnncalc layer; the message says why."""


@dataclass(frozen=True, slots=True)
class Op:
    """What a translator sees: the call, its layer inputs' shapes, its output's shape."""

    call: Call
    inputs: tuple[Shape, ...]
    """Channels first (cnncalc's order), whatever ``layout`` says of the torch tensors."""
    output: Shape
    notes: list[str]
    layout: Layout = None
    """How the torch tensors' axes are permuted from cnncalc's, if they are (ConvNeXt)."""
    params: dict[str, torch.Tensor] = field(default_factory=dict)
    """The parameters and buffers the call reads by name (``F.linear(x, self.weight)``)."""
    views: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """The shape in which the call reads a parameter it reads through a view of it
    (``x * self.gamma.view(1, -1, 1, 1)``: ``(1, c, 1, 1)``), where it differs."""

    def seen(self, name: str) -> tuple[int, ...]:
        """The shape in which the call reads parameter ``name``: a view's, or its own."""
        return self.views.get(name, tuple(int(n) for n in self.params[name].shape))

    @property
    def input(self) -> Shape:
        return self.inputs[0]

    def arg(self, index: int, name: str, default: Any = None) -> Any:
        """Argument ``name`` of the call, given by keyword or at position ``index``."""
        if name in self.call.kwargs:
            return self.call.kwargs[name]
        return self.call.args[index] if index < len(self.call.args) else default


ModuleTranslator = Callable[[Any, Op], Layer | None]
"""Translates a call of a module (given first) to a layer; None: a no-op."""
FunctionTranslator = Callable[[Op], Layer | None]
"""Translates a call of a function or tensor method to a layer; None: a no-op."""
