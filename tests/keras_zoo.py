"""The comparison of an imported keras.applications model with Keras's own numbers.

Shared by the test of the 40 configs (``tests/importers/test_keras_applications.py``)
and the zoo table (``bench/zoo_keras.py``): Keras's totals, and every Keras layer's
parameters and output shape against the spec layers ``NAME`` and ``NAME.part`` that
stand for it (summed; the last one's shape read channels last).
"""

from __future__ import annotations

from typing import Any

from cnncalc.analysis import Report


def keras_order(shape: tuple[Any, ...]) -> list[int | None]:
    """cnncalc's channels-first shape as Keras writes it, an open size as None."""
    dims = [*shape[1:], shape[0]] if len(shape) > 1 else list(shape)
    return [dim if isinstance(dim, int) else None for dim in dims]


def differences(keras: dict[str, Any], report: Report) -> list[str]:
    """Where the report differs from Keras's totals and layers, one line each."""
    totals = report.totals
    found = [
        f"{what}: {ours:,} against Keras's {keras[what]:,}"
        for what, ours in (("params", totals.params), ("trainable", totals.trainable_params),
                           ("non_trainable", totals.non_trainable_params))
        if ours != keras[what]
    ]  # fmt: skip
    parts: dict[str, list[Any]] = {}
    for row in report:
        parts.setdefault(row.name, []).append(row)
        if "." in row.name:
            parts.setdefault(row.name.split(".")[0], []).append(row)
    for layer in keras["layers"]:
        if layer["class"] == "InputLayer":
            continue
        rows = parts.get(layer["name"])
        if not rows:
            found.append(f"{layer['name']} ({layer['class']}): no spec layer")
            continue
        params = sum(row.params for row in rows)
        shape = keras_order(rows[-1].output_shape)
        if (params, shape) != (layer["params"], layer["output_shape"]):
            found.append(f"{layer['name']} ({layer['class']}): {params:,} parameters, {shape}; "
                         f"Keras: {layer['params']:,}, {layer['output_shape']}")  # fmt: skip
    return found
