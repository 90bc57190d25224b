"""A Keras model's JSON config as a cnncalc spec, read with the standard library only.

Keras describes a model without its weights in a JSON config: ``model.to_json()``
writes ``{"class_name": "Sequential"|"Functional"|"Model", "config": {...}}``,
and a ``.keras`` file is a zip whose ``config.json`` member holds the same
document (Keras 3 ``keras/src/saving/saving_lib.py``: ``_CONFIG_FILENAME``).
A Sequential config lists its layers in order; a Functional one gives each
layer its ``inbound_nodes``, the tensors it was called on:

- Keras 2 (``tf.keras`` 2.x, Keras 2.2): ``[[["conv2d", 0, 0, {}], …]]``, one
  list per call of ``[layer name, node index, tensor index, kwargs]``;
- Keras 3: ``[{"args": […], "kwargs": {…}}]``, each tensor a
  ``{"class_name": "__keras_tensor__", "config": {"shape", "dtype",
  "keras_history": [layer name, node index, tensor index]}}``
  (``keras/src/models/functional.py``: ``serialize_node``).

The input shape is an ``InputLayer``'s ``batch_input_shape`` (Keras 2) or
``batch_shape`` (Keras 3), or the first layer's ``batch_input_shape``. Keras
is channels-last, cnncalc channels-first: ``(None, 28, 28, 1)`` is
``input: [1, 28, 28]``. Each layer keeps its Keras name, so the report reads
like ``model.summary()``; ``framework: keras`` counts batch norm's moving mean
and variance as non-trainable parameters, as ``summary()`` does.

Each Keras class has a translator in :data:`.layers.TRANSLATORS`. A layer cnncalc
cannot express is listed in ``Imported.skipped`` with the reason, or, when the
layers after it need the shape it makes, is an error naming the file, the layer
and its class: a report is never silently short.

The modules follow the pipeline: ``reading`` (the file to its JSON document
and model config), ``inbound`` and ``graph`` (the layer calls in order,
nested models inlined), ``shapes`` (layout and the spec's input), ``importer``
(each call to spec layers), ``layers/`` (one translator module per layer
family), ``messages`` (config values as error messages show them).
"""

from __future__ import annotations

import os

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.importers.common import Imported
from cnncalc.importers.keras_config.graph import Graph, model_graph
from cnncalc.importers.keras_config.importer import Importer
from cnncalc.importers.keras_config.layers.base import Weights
from cnncalc.importers.keras_config.messages import show_shape
from cnncalc.importers.keras_config.reading import Document, model_config, read_document
from cnncalc.importers.keras_config.shapes import data_format, spec_input

__all__ = ["import_keras"]


def import_keras(path: str) -> Imported:
    """Translate the Keras model in ``path`` (``model.to_json()`` output or a ``.keras`` file).

    Raises :class:`CnncalcError` with a one-line message naming the file for a
    file that is not a Keras model config, and naming the layer and its class for
    a layer that cannot be left out without changing the shapes after it.
    """
    document = read_document(path)
    kind, config = model_config(document.data, path)
    graph = model_graph(path, kind, config, document.data)
    _check_size(graph, path)
    layout = data_format(graph.nodes, path)
    input_shape = spec_input(graph.input_batch_shape, layout == "channels_first", path)
    importer = Importer(path, graph, input_shape, layout)
    importer.run()
    name = config.get("name") if isinstance(config.get("name"), str) else None
    spec = importer.spec(name or os.path.splitext(os.path.basename(path))[0])
    spec["source"] = f"Keras {kind} model, {os.path.basename(path)}"
    importer.analyse(spec)
    header = _header(
        path, document=document, kind=kind, graph=graph, layout=layout, input_shape=input_shape
    )
    return Imported(
        spec=spec,
        skipped=importer.skipped,
        comments=header + importer.comments + _left_out(importer.left_out),
        origin=path,
        # Weights of skipped layers whose config states them (a custom layer's it does not).
        uncounted_parameters=sum(w.total for w in importer.left_out if w is not None),
    )


def _check_size(graph: Graph, path: str) -> None:
    """Refuse, before translating, a model of more layer calls than a spec may hold."""
    from cnncalc.spec.blocks import MAX_LAYERS

    if len(graph.nodes) > MAX_LAYERS:
        raise CnncalcError(
            _(
                "{path}: the model has {count} layer calls; a cnncalc spec holds at most {most} "
                "layers"
            ).format(path=path, count=f"{len(graph.nodes):,}", most=f"{MAX_LAYERS:,}")
        )


def _left_out(weights: list[Weights | None]) -> list[str]:
    """The header's account of what the skipped layers hold, which the totals leave out."""
    if not weights:
        return []
    known = [w for w in weights if w is not None]
    trainable = sum(w.trainable for w in known)
    non_trainable = sum(w.non_trainable for w in known)
    unknown = len(weights) - len(known)
    layers = f"{unknown:,} layer{'s' if unknown > 1 else ''} whose config does not give them"
    unknown_too = f", and any weights of the {layers}"
    held = Weights(trainable, non_trainable)
    if held.total:
        return [f"The totals leave out what is skipped below: {held.counted().english()}"
                f"{unknown_too if unknown else ''}."]  # fmt: skip
    if unknown:
        return [f"The totals leave out any weights of the skipped {layers} (see below)."]
    return ["The layers skipped below hold no parameters: the totals lose nothing."]


def _header(
    path: str,
    *,
    document: Document,
    kind: str,
    graph: Graph,
    layout: str,
    input_shape: list[int | str],
) -> list[str]:
    """The written file's header: where the model came from, and how its input reads."""
    version = f", Keras {document.keras_version}" if document.keras_version else ""
    lines = [
        f"Imported by 'cnncalc import keras' from {os.path.basename(path)} "
        f"(a {kind} model's {document.container}{version}).",
        "Layer names are Keras's; batch norm counts as model.summary() does (framework: keras).",
    ]
    if layout == "channels_last":
        lines.append(
            f"Keras is channels-last, cnncalc channels-first: Keras's input "
            f"{show_shape(graph.input_batch_shape)} is [{', '.join(map(str, input_shape))}]."
        )
    symbols = [size for size in input_shape if isinstance(size, str)]
    if symbols:
        example = ",".join(f"{symbol}=224" for symbol in symbols)
        lines.append(
            f"Keras leaves {', '.join(symbols)} open: they are symbols (--subs {example})."
        )
    return lines
