"""Pieces of the importer's messages: a shape, an exception, as short text."""

from __future__ import annotations

from collections.abc import Sequence


def shape_text(shape: Sequence[int], sep: str = "×", brackets: str = "") -> str:
    """``3×32×32``; with ``sep=", "`` and ``brackets="()"``, ``(3, 32, 32)``."""
    text = sep.join(str(n) for n in shape)
    return f"{brackets[0]}{text}{brackets[1]}" if brackets else text


def one_line(error: BaseException, limit: int = 200) -> str:
    """An exception as one bounded line: its type and the first line of its message."""
    text = str(error).strip().splitlines()
    message = f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
    return message if len(message) <= limit else message[: limit - 1] + "…"
