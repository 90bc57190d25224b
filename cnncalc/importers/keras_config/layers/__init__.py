"""Keras class name → translator, one module per layer family.

Each family module holds its slice of the table (``TRANSLATORS``); they are
merged here into the one table the importer reads, and a class claimed by two
families is an error at import.
"""

from __future__ import annotations

from cnncalc.importers.keras_config.layers import (
    activation,
    conv,
    dense,
    keras_ops,
    merge,
    normalization,
    passthrough,
    pooling,
    reshaping,
    scale,
    tf_ops,
)
from cnncalc.importers.keras_config.layers.base import Translator


def _merged(*tables: dict[str, Translator]) -> dict[str, Translator]:
    merged: dict[str, Translator] = {}
    for table in tables:
        if twice := sorted(merged.keys() & table.keys()):
            raise RuntimeError(f"two translators for {', '.join(twice)}")
        merged |= table
    return merged


TRANSLATORS = _merged(
    conv.TRANSLATORS,
    pooling.TRANSLATORS,
    dense.TRANSLATORS,
    reshaping.TRANSLATORS,
    passthrough.TRANSLATORS,
    activation.TRANSLATORS,
    normalization.TRANSLATORS,
    merge.TRANSLATORS,
    scale.TRANSLATORS,
    tf_ops.TRANSLATORS,
    keras_ops.TRANSLATORS,
)
"""Keras class name → translator to spec layers. A class not here is skipped when
the config shows it keeps its input's shape (Keras 3 states tensor shapes), and is
an error otherwise."""

__all__ = ["TRANSLATORS"]
