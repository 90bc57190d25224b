"""cnncalc's refusal of a translated layer, told in Keras's terms.

The importer analyses the spec it builds; when cnncalc's rules refuse a layer
(two branches of different widths added, a kernel larger than its input), the
error names a layer of a spec the user never wrote (``<spec>: layer 12
'add'``). Here it becomes the Keras layer it came from and its class, with
Keras's field names and, for merges, the inputs' shapes as Keras writes them:
``model.json: Keras layer 'add_3' (Add): inputs of shapes (None, 8, 8, 64) and
(None, 8, 8, 32) cannot be added``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnncalcError, SpecError
from cnncalc.importers.keras_config.graph import Node
from cnncalc.importers.keras_config.messages import show_shape

if TYPE_CHECKING:
    from cnncalc.analysis import Report

_KERAS_FIELDS = {"kernel": "kernel_size", "stride": "strides", "dilation": "dilation_rate",
                 "scale": "size", "padding": "padding", "filters": "filters", "units": "units",
                 "groups": "groups"}  # fmt: skip
"""cnncalc's field → the Keras config field it was translated from."""
_POOLING_FIELDS = {"kernel": "pool_size"}
_MERGE_VERBS = {"Subtract": "subtracted", "Average": "averaged",
                "Maximum": "compared element-wise", "Minimum": "compared element-wise",
                "add": "added", "multiply": "multiplied"}  # fmt: skip


def keras_shape(shape: tuple[Any, ...], channels_first: bool) -> str:
    """cnncalc's ``(c, h, w)`` as Keras writes it, ``(None, h, w, c)``."""
    dims = list(shape)
    if not channels_first and len(dims) > 1:
        dims = [*dims[1:], dims[0]]
    return show_shape([None, *dims])


def in_keras_terms(
    error: CnncalcError,
    *,
    path: str,
    spec: dict[str, Any],
    origins: dict[str, Node],
    channels_first: bool,
    analyse: Callable[[dict[str, Any]], Report],
) -> CnncalcError:
    """``error``, raised analysing the translated ``spec``, as a Keras layer's error.

    ``origins`` maps each spec layer to the Keras layer call it came from;
    ``analyse`` analyses a spec (to find a failing merge's input shapes).
    """
    message = error.message if isinstance(error, SpecError) else str(error)
    loc = error.loc if isinstance(error, SpecError) else ()
    layers = spec.get("layers", [])
    index = loc[1] if len(loc) >= 2 and loc[0] == "layers" else None
    if not isinstance(index, int) or not 0 <= index < len(layers):
        field = error.field if isinstance(error, SpecError) else None
        where = f"field '{field}': " if field else ""
        return CnncalcError(f"{path}: the model's translation fails: {where}{message}")
    layer = layers[index]
    node = origins.get(layer.get("name", ""))
    if node is None:  # pragma: no cover - every translated layer has an origin
        return CnncalcError(f"{path}: the model's translation fails: {message}")
    where = f"{path}: Keras layer '{node.name}' ({node.keras_class})"
    field = error.field if isinstance(error, SpecError) else None
    if field == "inputs" and isinstance(layer.get("inputs"), list):
        merged = _merge_message(
            layer, node, spec=spec, index=index, channels_first=channels_first, analyse=analyse
        )
        if merged:
            return CnncalcError(f"{where}: {merged}")
    fields = _KERAS_FIELDS | _POOLING_FIELDS if "Pooling" in node.keras_class else _KERAS_FIELDS
    named = f"field '{fields[field]}': " if field in fields else ""
    if not channels_first and "(" in message:
        message += " (shapes as cnncalc writes them: channels first, without the batch axis)"
    return CnncalcError(f"{where}: {named}{message}")


def _merge_message(
    layer: dict[str, Any],
    node: Node,
    *,
    spec: dict[str, Any],
    index: int,
    channels_first: bool,
    analyse: Callable[[dict[str, Any]], Report],
) -> str | None:
    """ "inputs of shapes A and B cannot be added", from the layers before the merge."""
    try:
        report = analyse(spec | {"layers": spec["layers"][:index]})
        shapes = [
            report.input_shape if source == "input" else report.layer(source).output_shape
            for source in layer["inputs"]
        ]
    except (CnncalcError, KeyError):
        return None
    if len(shapes) < 2:  # the rule's own message says what is wrong ("needs two inputs")
        return None
    shown = [keras_shape(tuple(shape), channels_first) for shape in shapes]
    listed = " and ".join([", ".join(shown[:-1]), shown[-1]]) if len(shown) > 1 else shown[0]
    if layer["type"] == "concat":
        return f"inputs of shapes {listed} cannot be concatenated on the channel axis"
    verb = _MERGE_VERBS.get(node.keras_class) or _MERGE_VERBS.get(layer["type"], "combined")
    return f"inputs of shapes {listed} cannot be {verb}"
