"""Shapes across the two conventions: Keras is channels-last, cnncalc channels-first.

Keras's ``(None, 28, 28, 1)`` is cnncalc's ``input: [1, 28, 28]``; a model of
``data_format="channels_first"`` layers keeps its order. Sizes the translation
needs (a depthwise layer's channels) come from cnncalc's own analysis of the
layers translated so far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.importers.keras_config.graph import Node
from cnncalc.importers.keras_config.messages import show_shape

if TYPE_CHECKING:
    from cnncalc.analysis import Report

_SPATIAL_SYMBOLS = {1: ["n"], 2: ["h", "w"], 3: ["d", "h", "w"]}
"""Names for input sizes Keras leaves open (``None``): cnncalc keeps them as symbols."""


def data_format(nodes: list[Node], path: str) -> str:
    """The model's one layout, ``channels_last`` (Keras's default) or ``channels_first``."""
    formats = {
        node.config["data_format"]
        for node in nodes
        # Flatten's data_format orders the flat vector; it does not change a count.
        if node.keras_class != "Flatten" and isinstance(node.config.get("data_format"), str)
    }
    if len(formats) > 1:
        raise CnncalcError(
            _(
                "{path}: the model mixes channels_first and channels_last layers; cnncalc reads "
                "one layout (channels first)"
            ).format(path=path)
        )
    return formats.pop() if formats else "channels_last"


def spec_input(batch_shape: list[Any], channels_first: bool, path: str) -> list[int | str]:
    """Keras's ``(None, h, w, c)`` as cnncalc's ``[c, h, w]``; open sizes become symbols."""
    dims = batch_shape[1:]
    if not channels_first and len(dims) > 1:
        dims = [dims[-1], *dims[:-1]]
    if not (isinstance(dims[0], int) and dims[0] >= 1):
        raise CnncalcError(
            _("{path}: input shape {shape}: the channel axis needs a size").format(
                path=path, shape=show_shape(batch_shape)
            )
        )
    symbols = _SPATIAL_SYMBOLS.get(len(dims) - 1, [f"s{i}" for i in range(1, len(dims))])
    shape: list[int | str] = [dims[0]]
    for dim, symbol in zip(dims[1:], symbols, strict=True):
        if dim is not None and not (isinstance(dim, int) and dim >= 1):
            raise CnncalcError(
                _("{path}: input shape {shape} is not sizes").format(
                    path=path, shape=show_shape(batch_shape)
                )
            )
        shape.append(symbol if dim is None else dim)
    return shape


def rank_after(layer: dict[str, Any], rank: int) -> int:
    """The number of axes a spec layer's output has, given its input's."""
    if layer["type"] == "flatten" or (layer["type"] == "dense" and "axis" not in layer):
        return 1
    if layer["type"] == "reshape":
        return len(layer["shape"])
    if layer["type"] in ("global_avgpool", "global_maxpool") and not layer.get("keepdims"):
        return 1
    return rank


def keeps_keras_shape(node: Node) -> bool | None:
    """Whether Keras's stated input and output shapes agree (None: not stated)."""
    if len(node.input_shapes) != 1 or node.input_shapes[0] is None or node.output_shape is None:
        return None
    return bool(node.input_shapes[0] == node.output_shape)


def analysed(spec: dict[str, Any]) -> Report:
    """cnncalc's report on ``spec`` (its errors name the spec's layers: see :mod:`.failures`)."""
    from cnncalc.api import analyze  # the core, only when a size is needed

    return analyze(spec)
