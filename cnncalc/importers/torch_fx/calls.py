"""The operations of one forward pass, as tracing (fx) and recording both give them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Shape = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Ref:
    """A tensor argument made by an earlier call, or ``input`` (the network's input)."""

    key: str


@dataclass(frozen=True, slots=True)
class Attr:
    """A tensor argument that no call made: a parameter, a buffer, a constant."""

    name: str


@dataclass(slots=True)
class Call:
    """One operation of the forward pass, as both tracing methods record it."""

    key: str
    kind: Literal["module", "function", "method"]
    target: Any
    """The module's qualified name, the function, or the method's name."""
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    scope: str
    """The qualified name of the module whose ``forward`` made the call ('' for the root)."""
    shape: Shape | None
    """The output's shape without the batch axis; None unless it is one batched tensor."""
    tensor: bool
    """Whether the result holds a tensor (``x.size(0)`` does not: shape arithmetic)."""
    single: bool = True
    """Whether the result is one tensor (not a tuple, as ``x.chunk(2)`` or ``nn.LSTM`` give)."""
    parts: tuple[Shape | None, ...] = ()
    """A tuple result's items' shapes without the batch axis (None: not a batched tensor)."""
    sizes: tuple[int, ...] = ()
    """The items of a tuple result that are sizes (MViT's ``_unsqueeze`` returns ``(x, rank)``),
    which the calls reading them get as constants."""


def batched(full: Sequence[int]) -> Shape | None:
    """A torch shape without its batch axis; None if it has none."""
    # The input has batch size 1: a result without that leading 1 is not a batch of values.
    return tuple(int(n) for n in full[1:]) if full and full[0] == 1 else None


def flat(value: Any) -> Iterator[Any]:
    """The leaves of nested tuples, lists and dicts, in order."""
    if isinstance(value, list | tuple):
        for item in value:
            yield from flat(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from flat(item)
    else:
        yield value


def refs(value: Any) -> list[Ref]:
    """The :class:`Ref` leaves of nested arguments, in order."""
    return [leaf for leaf in flat(value) if isinstance(leaf, Ref)]


def live(calls: list[Call], outputs: list[Ref]) -> list[Call]:
    """The calls that matter: module calls, and what they and the outputs are computed from.

    A function whose result nothing uses (``x.sum()`` in an ``if``, shape
    arithmetic) is not part of the network.
    """
    needed = {ref.key for ref in outputs}
    kept: list[Call] = []
    for call in reversed(calls):
        if call.kind == "module" or call.key in needed:
            kept.append(call)
            needed |= {ref.key for ref in refs((call.args, call.kwargs))}
    return kept[::-1]
