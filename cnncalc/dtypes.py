"""Number formats: how many bytes a value of each one occupies (``--dtype NAME``).

Memory and arithmetic-intensity reports count bytes as ``values × bytes per value``,
exact ints. The names are the ones PyTorch users write, short (``fp16``) or as
``torch`` spells them (``float16``, ``half``); each maps to one canonical name.
Sub-byte formats (int4) are left out: their packing is a kernel's choice, not a
fact about the network.
"""

from __future__ import annotations

from typing import Final

BYTES: Final[dict[str, int]] = {
    "fp64": 8,
    "fp32": 4,
    "fp16": 2,
    "bf16": 2,
    "fp8": 1,
    "int64": 8,
    "int32": 4,
    "int8": 1,
    "uint8": 1,
    "bool": 1,
}
"""Bytes per value of each canonical dtype name."""

ALIASES: Final[dict[str, str]] = {
    "float64": "fp64",
    "double": "fp64",
    "float32": "fp32",
    "float": "fp32",
    "float16": "fp16",
    "half": "fp16",
    "bfloat16": "bf16",
    "float8": "fp8",
    "float8_e4m3fn": "fp8",
    "float8_e5m2": "fp8",
    "long": "int64",
    "int": "int32",
}
"""Other spellings (PyTorch's) of the canonical names."""

DEFAULT_DTYPE: Final = "fp32"
"""What a framework creates a network in unless told otherwise."""

INDEX_DTYPE: Final = "int64"
"""PyTorch's dtype for indices (max pooling's argmax, a buffer's ``num_batches_tracked``)."""


def canonical(name: str) -> str:
    """The canonical name of dtype ``name`` (``half`` → ``fp16``); KeyError if unknown."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in BYTES:
        raise KeyError(name)
    return key


def dtype_bytes(name: str) -> int:
    """Bytes per value of dtype ``name`` (any spelling): ``fp16`` → 2."""
    return BYTES[canonical(name)]


DTYPE_NAMES: Final = tuple(BYTES) + tuple(ALIASES)
"""Every accepted spelling, canonical names first (for ``--dtype``'s choices)."""
