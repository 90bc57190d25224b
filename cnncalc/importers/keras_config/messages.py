"""Config values as error messages show them: short, and never the whole value."""

from __future__ import annotations

from typing import Any


def show(value: object) -> str:
    """A string quoted, anything else by its type's name; at most 40 characters."""
    text = repr(value) if isinstance(value, str) else type(value).__name__
    return text if len(text) <= 40 else text[:39] + "…"


def show_shape(shape: Any) -> str:
    """A Keras shape as Keras prints it, ``(None, 28, 28, 1)``."""
    if isinstance(shape, list):
        return "(" + ", ".join("None" if dim is None else str(dim) for dim in shape) + ")"
    return "none" if shape is None else show(shape)
