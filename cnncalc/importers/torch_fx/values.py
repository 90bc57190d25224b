"""What a traced value is to the translation, when it is not simply a layer's output.

A call's result is a layer's output (its name, ``str``), or one of these: a
value no layer stands for, a tensor made from one parameter alone, the items
of a tuple result, or a tensor cut into slices along an axis.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Opaque:
    """A value no layer stands for: an untranslated tuple result, or a constant."""

    reason: str | None
    """Why it cannot be followed (None: a constant, which is simply not a layer's input)."""
    listed: bool = False
    """Whether the skipped lines already say so (a module left out)."""


@dataclass(frozen=True, slots=True)
class Parameter:
    """A tensor computed from the model's parameters and buffers alone: ViT's
    ``class_token.expand(n, -1, -1)``, MaxViT's ``table[index]``.

    The call that reads it sees ``name`` itself (an :class:`Attr`), so a
    translator can tell ``x + self.pos_embedding`` from ``x + y``; the layer it
    becomes counts every tensor in ``read``.
    """

    name: str
    """The parameter it is made from (a buffer, if it is made from buffers only)."""
    read: frozenset[str]
    """Every parameter and buffer it is made from, ``name`` included."""
    shape: tuple[int, ...] | None = None
    """Its shape as torch made it (``gamma.view(1, -1, 1, 1)``: ``(1, c, 1, 1)``), if known."""


@dataclass(frozen=True, slots=True)
class Parts:
    """A tuple result: ``x.chunk(2)``'s parts, ``nn.MultiheadAttention``'s ``(out, weights)``."""

    items: tuple[str | None, ...]
    """Each item as a spec reads it (``NAME.0``, or the layer's name); None: no layer's output.
    Items are in torch's order of axes: a call of several results reads its input so."""


@dataclass(frozen=True, slots=True)
class Unbound:
    """``torch.unbind(x, axis)``: item ``i`` is ``x``'s index ``i`` along ``axis``, a ``select``
    layer made when an item is read."""

    source: str
    axis: int
    """cnncalc's axis (no batch axis)."""
    count: int


Value = str | Opaque | Parameter | Parts | Unbound
"""What a call's result is: a layer's output (its name, as a spec reads it), or one of these."""
