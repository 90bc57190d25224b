"""The tensors a Functional model's layer reads, from its ``inbound_nodes``.

- Keras 2 (``tf.keras`` 2.x, Keras 2.2): ``[[["conv2d", 0, 0, {}], …]]``, one
  list per call of ``[layer name, node index, tensor index, kwargs]``;
- Keras 3: ``[{"args": […], "kwargs": {…}}]``, each tensor a
  ``{"class_name": "__keras_tensor__", "config": {"shape", "dtype",
  "keras_history": [layer name, node index, tensor index]}}``
  (``keras/src/models/functional.py``: ``serialize_node``).

A model's ``input_layers`` and ``output_layers`` name tensors as Keras 2 does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeAlias

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _

InboundTensor: TypeAlias = tuple[str, int, Any]
"""``(layer, tensor index, Keras shape or None)``: a tensor a layer call reads."""


def refs(value: Any) -> list[tuple[str, int]]:
    """``(layer, tensor index)`` of each ``[layer, node index, tensor index]`` in ``value``."""
    return [_ref(item) for item in _ref_items(value)]


def _ref(item: list[Any]) -> tuple[str, int]:
    return item[0], item[2] if isinstance(item[2], int) else 0


def _ref_items(value: Any) -> list[list[Any]]:
    if isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str):
        return [value]
    if isinstance(value, list):
        return [ref for item in value for ref in _ref_items(item)]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _ref_items(item)]
    return []


def inbound_calls(inbound_nodes: Any, layer: str) -> list[InboundTensor]:
    """The tensors the layer's one call reads; ``layer`` names it in messages.

    A layer called more than once shares its weights between calls, which a
    spec cannot say: that is an error, as is a layer never called.
    """
    if not isinstance(inbound_nodes, list) or not inbound_nodes:
        raise CnncalcError(
            _("{layer} has no inbound_nodes: it is not called in the model").format(layer=layer)
        )
    if len(inbound_nodes) > 1:
        raise CnncalcError(
            _(
                "{layer} is called {count} times (shared weights); a cnncalc spec calls each "
                "layer once"
            ).format(layer=layer, count=len(inbound_nodes))
        )
    node = inbound_nodes[0]
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        tensors = [*_keras_tensors(node.get("args")), *_keras_tensors(node.get("kwargs"))]
        return [(history[0], history[2], shape) for history, shape in tensors]
    return _keras2_calls(node)


def _keras2_calls(node: Any) -> list[InboundTensor]:
    """The tensors a Keras 2 call reads: ``[layer, node, tensor, kwargs]`` per first-argument
    tensor, then tensors among the kwargs (tf.keras 2 ``Node.serialize``: a ``TFOpLambda``
    for ``x + y`` reads ``x`` and ``{"y": [layer, node, tensor]}``)."""
    items = _ref_items(node)
    # A constant first argument is ["_CONSTANT_VALUE", -1, value, kwargs].
    calls = [(name, index, None) for name, index in refs(items) if name != "_CONSTANT_VALUE"]
    kwargs = items[0][3] if items and len(items[0]) > 3 and isinstance(items[0][3], dict) else {}
    for value in kwargs.values():
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
            calls.append((*_ref(value), None))
    return calls


def _keras_tensors(value: Any) -> Iterator[tuple[list[Any], Any]]:
    """``(keras_history, shape)`` of each ``__keras_tensor__`` in a Keras 3 call's arguments."""
    if isinstance(value, dict):
        config = value.get("config")
        if value.get("class_name") == "__keras_tensor__" and isinstance(config, dict):
            history = config.get("keras_history")
            if (
                isinstance(history, list)
                and len(history) == 3
                and isinstance(history[0], str)
                and isinstance(history[2], int)
            ):
                yield history, config.get("shape")
            return
        for item in value.values():
            yield from _keras_tensors(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keras_tensors(item)
