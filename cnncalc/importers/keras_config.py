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

Each Keras class has a translator in :data:`TRANSLATORS`. A layer cnncalc
cannot express is listed in ``Imported.skipped`` with the reason, or, when the
layers after it need the shape it makes, is an error naming the file, the layer
and its class: a report is never silently short.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeAlias

from cnncalc.errors import CnncalcError
from cnncalc.importers.common import Imported
from cnncalc.ir import NETWORK_INPUT

MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""The largest JSON config read (a ResNet-152 config is about 1 MB)."""

_MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})
_MERGES = frozenset({"add", "concat", "multiply"})
_SPATIAL_SYMBOLS = {1: ["n"], 2: ["h", "w"], 3: ["d", "h", "w"]}
"""Names for input sizes Keras leaves open (``None``): cnncalc keeps them as symbols."""

Layer: TypeAlias = dict[str, Any]
"""A spec layer as plain data, ``{"type": "conv2d", "filters": 32, …}``."""


# -- reading the file ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    """The JSON document a file holds, and the Keras version its metadata names."""

    data: Any
    keras_version: str | None
    container: str


def _read_document(path: str) -> _Document:
    try:
        if zipfile.is_zipfile(path):
            return _read_keras_zip(path)
        with open(path, "rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise CnncalcError(f"{path}: cannot read the file: {error.strerror or error}") from None
    if raw.startswith(b"PK\x03\x04"):
        # zipfile found no central directory: a .keras file cut short or damaged.
        raise CnncalcError(f"{path}: a damaged zip file (its directory is missing): not a "
                           "readable .keras file")  # fmt: skip
    if raw.startswith(b"\x89HDF"):
        raise CnncalcError(
            f"{path}: an HDF5 (.h5) model file; cnncalc reads a Keras model's JSON config: "
            "save it with model.to_json() or as a .keras file"
        )
    data = _parse_json(raw, path)
    version = data.get("keras_version") if isinstance(data, dict) else None
    return _Document(data, version if isinstance(version, str) else None, "JSON config")


def _read_keras_zip(path: str) -> _Document:
    """A ``.keras`` file: a zip of ``config.json``, ``metadata.json`` and the weights."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise CnncalcError(f"{path}: a zip file without config.json: not a .keras model")
            data = _parse_json(_member(archive, "config.json"), f"{path}:config.json")
            metadata: Any = None
            if "metadata.json" in names:
                metadata = _parse_json(_member(archive, "metadata.json"), f"{path}:metadata.json")
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError,
            EOFError) as error:  # fmt: skip
        raise CnncalcError(f"{path}: not a readable .keras (zip) file: {error}") from None
    version = metadata.get("keras_version") if isinstance(metadata, dict) else None
    return _Document(data, version if isinstance(version, str) else None, ".keras file")


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    # Read at most the limit: a member's declared size may lie (a zip bomb).
    with archive.open(name) as member:
        return member.read(MAX_CONFIG_BYTES + 1)


def _parse_json(raw: bytes, where: str) -> Any:
    if len(raw) > MAX_CONFIG_BYTES:
        raise CnncalcError(f"{where}: over the {MAX_CONFIG_BYTES:,}-byte limit for a config")
    try:
        return json.loads(raw.decode("utf-8-sig"), object_hook=_plain_lists)
    except UnicodeDecodeError:
        raise CnncalcError(f"{where}: not UTF-8 text, so not a Keras JSON config") from None
    except json.JSONDecodeError as error:
        raise CnncalcError(
            f"{where}: not JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "expected a Keras model config (model.to_json()) or a .keras file"
        ) from None
    except RecursionError:
        raise CnncalcError(f"{where}: JSON nested too deeply for a model config") from None


def _plain_lists(obj: dict[str, Any]) -> Any:
    # tf.keras 2's SavedModel metadata (json_utils.Encoder) tags tuples and
    # TensorShapes as {"class_name": "__tuple__", "items": [...]}: read them as lists.
    if obj.get("class_name") in ("__tuple__", "TensorShape") and isinstance(obj.get("items"), list):
        return obj["items"]
    return obj


# -- the model and its graph ---------------------------------------------------------------


def _model_config(data: Any, path: str) -> tuple[str, dict[str, Any]]:
    """``(kind, config)``: "Sequential" or "Functional", and the config with its ``layers``.

    Accepts ``{"class_name", "config"}`` (``to_json()``, ``config.json``), the
    config dict itself (``get_config()``), Keras ≤ 2.1's Sequential whose config
    is the list of layers, and TensorFlow.js's ``model.json``.
    """
    if isinstance(data, dict) and isinstance(data.get("modelTopology"), dict):
        # TensorFlow.js's model.json wraps the Keras config (tfjs-converter keras_h5_conversion).
        data = data["modelTopology"].get("model_config", data["modelTopology"])
    if isinstance(data, dict) and "class_name" in data and "config" in data:
        class_name, config = data["class_name"], data["config"]
        if isinstance(config, list):
            config = {"layers": config}
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise CnncalcError(
                f"{path}: the config of a Keras {_show(class_name)} lists no layers: not a "
                "Sequential or Functional model (a subclassed model's config does not "
                "describe its layers)"
            )
    elif isinstance(data, dict) and isinstance(data.get("layers"), list):
        config = data
    else:
        raise CnncalcError(
            f'{path}: not a Keras model config: expected {{"class_name": "Sequential" or '
            '"Functional", "config": {"layers": [...]}} as model.to_json() writes it'
        )
    return ("Functional" if "input_layers" in config else "Sequential"), config


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else type(value).__name__
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass
class _Node:
    """One call of a Keras layer: what it is and which nodes it reads."""

    name: str
    keras_class: str
    config: dict[str, Any]
    inputs: list[str]
    input_shapes: list[Any] = field(default_factory=list)
    """Keras's own (batch-first) shapes of the inputs, where the config states them (Keras 3)."""
    output_shape: Any = None


@dataclass
class _Entry:
    """A layer as a config lists it."""

    name: str
    keras_class: str
    config: dict[str, Any]
    raw: dict[str, Any]


class _Graph:
    """The layer calls of a model in an order where each reads only earlier ones.

    Nested models (a Sequential or Functional used as a layer) are inlined,
    their layers named ``<model>.<layer>``, so ``cnncalc --depth 1`` folds them
    back into the one row ``summary()`` shows.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.nodes: list[_Node] = []
        self.input_batch_shape: Any = None
        self._tensors: dict[tuple[str, int], str] = {}
        self._names: set[str] = set()

    # The network input.

    def set_input(self, batch_shape: Any, where: str) -> None:
        if self.input_batch_shape is not None:
            raise CnncalcError(
                f"{self.path}: the model has more than one input ({where} is another); "
                "a cnncalc spec has one input"
            )
        if batch_shape is None:
            raise CnncalcError(
                f"{self.path}: {where} states no input shape: the model was never built "
                "(give it an Input, or input_shape= on its first layer)"
            )
        if not isinstance(batch_shape, list) or len(batch_shape) < 2:
            raise CnncalcError(
                f"{self.path}: {where}: input shape {_show_shape(batch_shape)} is not "
                "(batch, ..., channels)"
            )
        self.input_batch_shape = batch_shape

    # Sequential models.

    def sequential(self, config: dict[str, Any], scope: str, source: str | None) -> str:
        """Add a Sequential model's layers reading ``source`` (None: the network input)."""
        previous = source
        for index, item in enumerate(config["layers"]):
            entry = self._entry(item, f"layer {index + 1}")
            if entry.keras_class == "InputLayer":
                if source is None:
                    self.set_input(_batch_shape(entry.config), f"InputLayer '{entry.name}'")
                previous = previous or NETWORK_INPUT
                continue
            if previous is None:
                # Keras 2 keeps input_shape=… as the first layer's batch_input_shape.
                shape = _batch_shape(entry.config) or config.get("build_input_shape")
                self.set_input(shape, f"layer '{entry.name}'")
                previous = NETWORK_INPUT
            build = entry.raw.get("build_config")
            shape = build.get("input_shape") if isinstance(build, dict) else None
            previous = self._add(entry, scope, [previous], [shape])[0]
        if previous is None:
            raise CnncalcError(f"{self.path}: the Sequential model has no layers")
        return previous

    # Functional models.

    def functional(
        self, config: dict[str, Any], scope: str, sources: list[str] | None
    ) -> list[str]:
        """Add a Functional model's layers; ``sources`` feed its inputs (None: the network's)."""
        input_refs = _refs(config.get("input_layers"))
        entries = [self._entry(item, f"layer {i + 1}") for i, item in enumerate(config["layers"])]
        pending = []
        for entry in entries:
            if entry.keras_class != "InputLayer":
                pending.append(entry)
                continue
            if sources is None:
                self.set_input(_batch_shape(entry.config), f"InputLayer '{entry.name}'")
                self._tensors[(scope + entry.name, 0)] = NETWORK_INPUT
            else:
                names = [name for name, _ in input_refs]
                position = names.index(entry.name) if entry.name in names else 0
                self._tensors[(scope + entry.name, 0)] = sources[min(position, len(sources) - 1)]
        self._resolve_in_order(pending, scope)
        outputs = _refs(config.get("output_layers"))
        return [self._tensor(scope + name, index, "output_layers") for name, index in outputs]

    def _resolve_in_order(self, pending: list[_Entry], scope: str) -> None:
        # Keras lists layers in call order; a layer whose inputs come later waits.
        while pending:
            waiting = []
            for entry in pending:
                calls = _inbound_calls(entry, self.path)
                if all((scope + name, index) in self._tensors for name, index, _ in calls):
                    self._call(entry, scope, calls)
                else:
                    waiting.append(entry)
            if len(waiting) == len(pending):
                entry = waiting[0]
                missing = next(name for name, index, _ in _inbound_calls(entry, self.path)
                               if (scope + name, index) not in self._tensors)  # fmt: skip
                raise CnncalcError(
                    f"{self.path}: layer '{entry.name}' ({entry.keras_class}) reads "
                    f"'{missing}', which no layer of the model makes"
                )
            pending = waiting

    def _call(self, entry: _Entry, scope: str, calls: list[tuple[str, int, Any]]) -> None:
        inputs = [self._tensors[(scope + name, index)] for name, index, _ in calls]
        outputs = self._add(entry, scope, inputs, [shape for _, _, shape in calls])
        for index, output in enumerate(outputs):
            self._tensors[(scope + entry.name, index)] = output

    def _tensor(self, name: str, index: int, where: str) -> str:
        try:
            return self._tensors[(name, index)]
        except KeyError:
            raise CnncalcError(f"{self.path}: {where} names '{name}', not a layer") from None

    # Both.

    def _add(self, entry: _Entry, scope: str, inputs: list[str], shapes: list[Any]) -> list[str]:
        """Add a layer call (or inline a nested model); returns the names of its outputs."""
        if entry.keras_class in _MODEL_CLASSES and isinstance(entry.config.get("layers"), list):
            inner = f"{scope}{entry.name}."
            if "input_layers" in entry.config:
                return self.functional(entry.config, inner, inputs)
            return [self.sequential(entry.config, inner, inputs[0])]
        name = _spec_name(scope + entry.name, self._names)
        self._names.add(name)
        self.nodes.append(_Node(name, entry.keras_class, entry.config, inputs, shapes))
        return [name]

    def _entry(self, item: Any, where: str) -> _Entry:
        if not isinstance(item, dict) or not isinstance(item.get("class_name"), str):
            raise CnncalcError(f"{self.path}: {where} is not a Keras layer config")
        config = item.get("config")
        if isinstance(config, list):  # a nested Keras ≤ 2.1 Sequential
            config = {"layers": config}
        if not isinstance(config, dict):
            config = {}
        name = item.get("name") or config.get("name")
        if not isinstance(name, str) or not name:
            name = f"{item['class_name'].lower()}_{len(self.nodes) + 1}"
        return _Entry(name, item["class_name"], config, item)

    def link_shapes(self) -> None:
        """Give each node the output shape its readers' configs state (Keras 3 only)."""
        by_name = {node.name: node for node in self.nodes}
        for node in self.nodes:
            for source, shape in zip(node.inputs, node.input_shapes, strict=False):
                if source in by_name and shape is not None:
                    by_name[source].output_shape = shape


def _spec_name(name: str, taken: set[str]) -> str:
    # "input" and "total" mean the network's input and the totals in a spec.
    while name in taken or name in (NETWORK_INPUT, "total"):
        name += "_"
    return name


def _batch_shape(config: dict[str, Any]) -> Any:
    """The input shape with its batch axis: ``batch_shape`` (Keras 3), ``batch_input_shape`` (2)."""
    for key in ("batch_shape", "batch_input_shape"):
        if config.get(key) is not None:
            return config[key]
    return None


def _refs(value: Any) -> list[tuple[str, int]]:
    """``(layer, tensor index)`` of each ``[layer, node index, tensor index]`` in ``value``."""
    return [(item[0], item[2] if isinstance(item[2], int) else 0) for item in _ref_items(value)]


def _ref_items(value: Any) -> list[list[Any]]:
    if isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str):
        return [value]
    if isinstance(value, list):
        return [ref for item in value for ref in _ref_items(item)]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _ref_items(item)]
    return []


def _keras2_calls(node: Any) -> list[tuple[str, int, Any]]:
    """The tensors a Keras 2 call reads: ``[layer, node, tensor, kwargs]`` per first-argument
    tensor, then tensors among the kwargs (tf.keras 2 ``Node.serialize``: a ``TFOpLambda``
    for ``x + y`` reads ``x`` and ``{"y": [layer, node, tensor]}``)."""
    items = _ref_items(node)
    # A constant first argument is ["_CONSTANT_VALUE", -1, value, kwargs].
    calls = [(name, index, None) for name, index in _refs(items) if name != "_CONSTANT_VALUE"]
    kwargs = items[0][3] if items and len(items[0]) > 3 and isinstance(items[0][3], dict) else {}
    for value in kwargs.values():
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
            calls.append((value[0], value[2] if isinstance(value[2], int) else 0, None))
    return calls


def _inbound_calls(entry: _Entry, path: str) -> list[tuple[str, int, Any]]:
    """``(layer, tensor index, Keras shape or None)`` of each tensor the layer's one call reads."""
    nodes = entry.raw.get("inbound_nodes")
    if not isinstance(nodes, list) or not nodes:
        raise CnncalcError(
            f"{path}: layer '{entry.name}' ({entry.keras_class}) has no inbound_nodes: "
            "it is not called in the model"
        )
    if len(nodes) > 1:
        raise CnncalcError(
            f"{path}: layer '{entry.name}' ({entry.keras_class}) is called {len(nodes)} times "
            "(shared weights); a cnncalc spec calls each layer once"
        )
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        tensors = [*_keras_tensors(node.get("args")), *_keras_tensors(node.get("kwargs"))]
        return [(history[0], history[2], shape) for history, shape in tensors]
    return _keras2_calls(node)


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


def _show_shape(shape: Any) -> str:
    if isinstance(shape, list):
        return "(" + ", ".join("None" if dim is None else str(dim) for dim in shape) + ")"
    return "none" if shape is None else _show(shape)


def _data_format(nodes: list[_Node], path: str) -> str:
    """The model's one layout, ``channels_last`` (Keras's default) or ``channels_first``."""
    formats = {
        node.config["data_format"]
        for node in nodes
        # Flatten's data_format orders the flat vector; it does not change a count.
        if node.keras_class != "Flatten" and isinstance(node.config.get("data_format"), str)
    }
    if len(formats) > 1:
        raise CnncalcError(
            f"{path}: the model mixes channels_first and channels_last layers; cnncalc "
            "reads one layout (channels first)"
        )
    return formats.pop() if formats else "channels_last"


def _spec_input(batch_shape: list[Any], channels_first: bool, path: str) -> list[int | str]:
    """Keras's ``(None, h, w, c)`` as cnncalc's ``[c, h, w]``; open sizes become symbols."""
    dims = batch_shape[1:]
    if not channels_first and len(dims) > 1:
        dims = [dims[-1], *dims[:-1]]
    if not (isinstance(dims[0], int) and dims[0] >= 1):
        raise CnncalcError(
            f"{path}: input shape {_show_shape(batch_shape)}: the channel axis needs a size"
        )
    symbols = _SPATIAL_SYMBOLS.get(len(dims) - 1, [f"s{i}" for i in range(1, len(dims))])
    shape: list[int | str] = [dims[0]]
    for dim, symbol in zip(dims[1:], symbols, strict=True):
        if dim is not None and not (isinstance(dim, int) and dim >= 1):
            raise CnncalcError(f"{path}: input shape {_show_shape(batch_shape)} is not sizes")
        shape.append(symbol if dim is None else dim)
    return shape


# -- translation -------------------------------------------------------------------------


class _Skip(Exception):
    """A layer cnncalc cannot express: why, and whether its output has its input's shape.

    ``keeps_shape`` None means the config does not say (an unknown class).
    """

    def __init__(self, reason: str, keeps_shape: bool | None = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.keeps_shape = keeps_shape


class _BadField(Exception):
    """A config field that is missing or not what Keras writes."""


_REQUIRED: Any = object()


@dataclass
class _Call:
    """A layer call being translated: its config, and what cnncalc knows of its input."""

    node: _Node
    sources: list[str]
    importer: _Importer
    notes: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def channels_first(self) -> bool:
        return self.importer.channels_first

    def rank(self) -> int:
        """The number of axes of the (first) input, without the batch axis."""
        return self.importer.ranks[self.sources[0]]

    def shape(self) -> tuple[Any, ...]:
        """The (first) input's shape, channels first, as cnncalc computes it."""
        return self.importer.shape(self.sources[0])

    def channels(self) -> int:
        channels = self.shape()[0]
        if not isinstance(channels, int):
            raise _Skip("its input's channels are not a number", keeps_shape=False)
        return channels

    def value(self, key: str, default: Any = _REQUIRED) -> Any:
        if key in self.node.config and self.node.config[key] is not None:
            return self.node.config[key]
        if default is _REQUIRED:
            raise _BadField(f"field '{key}' is missing")
        return default

    def count(self, key: str, default: Any = _REQUIRED) -> int:
        value = self.value(key, default)
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            raise _BadField(f"field '{key}': expected a positive integer, got {_show(value)}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.value(key, default)
        if not isinstance(value, bool):
            raise _BadField(f"field '{key}': expected true or false, got {_show(value)}")
        return value

    def sizes(self, key: str, rank: int, default: Any = _REQUIRED, minimum: int = 1) -> list[int]:
        """A per-axis field: Keras writes a list (a tuple), or sometimes one integer."""
        value = self.value(key, default)
        items = [value] * rank if isinstance(value, int) else value
        if not (
            isinstance(items, list)
            and len(items) == rank
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in items)
        ):
            raise _BadField(f"field '{key}': expected {rank} sizes, got {_show_shape(value)}")
        return list(items)

    def text(self, key: str, default: str) -> str:
        value = self.value(key, default)
        if not isinstance(value, str):
            raise _BadField(f"field '{key}': expected a name, got {_show(value)}")
        return value.lower()

    def channel_axes(self, key: str) -> bool:
        """Whether the axis field ``key`` (default -1) names the channel axis alone."""
        value = self.value(key, -1)
        axes = value if isinstance(value, list) else [value]
        if not all(isinstance(axis, int) and not isinstance(axis, bool) for axis in axes):
            raise _BadField(f"field '{key}': expected an axis, got {_show(value)}")
        keras_rank = self.rank() + 1
        channel = 1 if self.channels_first else keras_rank - 1
        return [axis % keras_rank for axis in axes] == [channel]

    def note(self, text: str) -> None:
        """Something of the layer left out (an activation): listed with the skipped layers."""
        self.notes.append(text)


Translator: TypeAlias = Callable[[_Call], list[Layer]]


def _compact(sizes: list[int]) -> int | list[int]:
    """One size for all axes when they agree, as a person writes a spec."""
    return sizes[0] if len(set(sizes)) == 1 else sizes


_ACTIVATIONS = {
    "relu": "relu",
    "relu6": "relu6",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "softmax": "softmax",
    "gelu": "gelu",
    "silu": "silu",
    "swish": "silu",
    "hard_silu": "hardswish",
    "hard_swish": "hardswish",
}
"""Keras activation names (``keras.activations``) and cnncalc's. Keras 3 writes a
built-in activation as its name and ``swish``/``hard_swish`` as aliases of
``silu``/``hard_silu`` (``keras/src/activations/__init__.py``)."""


def _activation_name(value: Any) -> str | None:
    """The activation's name; Keras 3 writes a registered custom one as a dict."""
    if isinstance(value, dict):
        value = value.get("config") if isinstance(value.get("config"), str) else None
        value = value or "custom"
    if value is None or value == "linear":
        return None
    # A registered custom activation is named "package>name".
    return str(value).split(">")[-1].lower()


def _activation(call: _Call) -> Layer:
    """The ``activation`` field of a convolution or dense layer, where cnncalc has it.

    An activation has no parameters; only the conventions that charge for it
    (ptflops) would count it, so one cnncalc lacks is dropped with a note.
    """
    name = _activation_name(call.node.config.get("activation"))
    if name is None:
        return {}
    if name in _ACTIVATIONS:
        return {"activation": _ACTIVATIONS[name]}
    call.note(
        f"activation '{name}' left out: cnncalc has no such activation (it has no "
        "parameters; of the conventions only ptflops would count it)"
    )
    return {}


def _bias(call: _Call, key: str = "use_bias") -> Layer:
    return {} if call.flag(key, True) else {"bias": False}


def _window(call: _Call, rank: int, kernel: list[int]) -> Layer:
    """``stride``, ``padding`` and ``dilation`` of a convolution, where they differ from 1/valid.

    Keras's ``same`` gives ``ceil(n/s)`` outputs, cnncalc's ``same`` too; Conv1D's
    ``causal`` pads ``d·(k−1)`` on the left only (Keras ``Conv1D`` documentation).
    """
    stride = call.sizes("strides", rank, 1)
    dilation = call.sizes("dilation_rate", rank, 1)
    padding = call.text("padding", "valid")
    layer: Layer = {}
    if set(stride) != {1}:
        layer["stride"] = _compact(stride)
    if padding == "same":
        layer["padding"] = "same"
    elif padding == "causal" and rank == 1:
        layer["padding"] = [[dilation[0] * (kernel[0] - 1), 0]]
    elif padding != "valid":
        raise _BadField(f"field 'padding': expected 'valid' or 'same', got '{padding}'")
    if set(dilation) != {1}:
        layer["dilation"] = _compact(dilation)
    return layer


def _conv(call: _Call, rank: int) -> list[Layer]:
    """Keras ``Conv1D``/``Conv2D``/``Conv3D``: a kernel ``(k…, c_in/groups, filters)``
    and a bias per filter, as cnncalc's ``conv{rank}d``."""
    kernel = call.sizes("kernel_size", rank)
    layer: Layer = {"type": f"conv{rank}d", "filters": call.count("filters")}
    layer["kernel"] = _compact(kernel)
    layer |= _window(call, rank, kernel)
    if (groups := call.count("groups", 1)) != 1:
        layer["groups"] = groups
    return [layer | _bias(call) | _activation(call)]


def _depthwise(call: _Call, rank: int) -> list[Layer]:
    """Keras ``DepthwiseConv2D``: ``depth_multiplier`` kernels per input map, a kernel
    ``(k…, c, m)`` and ``c·m`` biases; a convolution with ``groups = c`` and
    ``filters = c·m`` has the same weights (Keras ``DepthwiseConv2D`` documentation)."""
    kernel = call.sizes("kernel_size", rank)
    channels = call.channels()
    filters = channels * call.count("depth_multiplier", 1)
    layer: Layer = {"type": f"conv{rank}d", "filters": filters, "kernel": _compact(kernel)}
    layer |= _window(call, rank, kernel) | {"groups": channels}
    return [layer | _bias(call) | _activation(call)]


def _separable(call: _Call, rank: int) -> list[Layer]:
    """Keras ``SeparableConv2D``: a depthwise kernel ``(k…, c, m)``, a pointwise kernel
    ``(1…, c·m, filters)`` and a bias per filter. Two spec layers, ``NAME.depthwise``
    and ``NAME.pointwise``, whose parameters sum to Keras's; ``--depth 1`` shows them
    as the one row ``summary()`` prints."""
    kernel = call.sizes("kernel_size", rank)
    channels = call.channels()
    inner = channels * call.count("depth_multiplier", 1)
    conv = f"conv{rank}d"
    depthwise: Layer = {"name": f"{call.name}.depthwise", "type": conv, "filters": inner}
    depthwise |= {"kernel": _compact(kernel), **_window(call, rank, kernel)}
    depthwise |= {"groups": channels, "bias": False}
    pointwise: Layer = {"name": f"{call.name}.pointwise", "type": conv}
    pointwise |= {"filters": call.count("filters"), "kernel": 1}
    return [depthwise, pointwise | _bias(call) | _activation(call)]


def _conv_transpose(call: _Call) -> list[Layer]:
    """Keras ``Conv2DTranspose`` as ``conv_transpose2d`` with explicit padding.

    Keras's output size per axis, with ``K = d·(k−1) + 1`` (Keras 3
    ``backend/common/backend_utils.py``: ``_get_output_shape_given_tf_padding``;
    tf.keras 2 ``conv_utils.deconv_output_length`` agrees):
    ``valid``: ``(n−1)·s + K + op``, ``op`` defaulting to ``max(K, s) − K``;
    ``same``: ``n·s`` without ``output_padding``, else ``(n−1)·s + K mod 2 + op``.
    cnncalc's is ``(n−1)·s − p_before − p_after + K + output_padding``.
    """
    kernel = call.sizes("kernel_size", 2)
    stride = call.sizes("strides", 2, 1)
    dilation = call.sizes("dilation_rate", 2, 1)
    padding = call.text("padding", "valid")
    if padding not in ("valid", "same"):
        raise _BadField(f"field 'padding': expected 'valid' or 'same', got '{padding}'")
    given = call.value("output_padding", None)
    extra = call.sizes("output_padding", 2, minimum=0) if given is not None else None
    pads: list[list[int]] = []
    outs: list[int] = []
    for axis in range(2):
        span = dilation[axis] * (kernel[axis] - 1) + 1
        given_axis = None if extra is None else extra[axis]
        total, out = _transpose_axis(span, stride[axis], padding, given_axis)
        pads.append([total // 2, total - total // 2])
        outs.append(out)
    layer: Layer = {"type": "conv_transpose2d", "filters": call.count("filters")}
    layer["kernel"] = _compact(kernel)
    if set(stride) != {1}:
        layer["stride"] = _compact(stride)
    if any(total for pair in pads for total in pair):
        layer["padding"] = pads
    if any(outs):
        layer["output_padding"] = _compact(outs)
    if set(dilation) != {1}:
        layer["dilation"] = _compact(dilation)
    return [layer | _bias(call) | _activation(call)]


def _transpose_axis(span: int, stride: int, padding: str, extra: int | None) -> tuple[int, int]:
    """``(p_before + p_after, output_padding)`` giving Keras's size on one axis."""
    if padding == "valid":
        return 0, (max(span, stride) - span if extra is None else extra)
    if extra is not None:
        return span - span % 2, extra
    # n·s = (n−1)·s + K − p + op: remove K − s, or add s − K when the kernel is smaller.
    return (span - stride, 0) if span >= stride else (0, stride - span)


def _pool(call: _Call, kind: str) -> list[Layer]:
    """Keras ``MaxPooling2D``/``AveragePooling2D``: ``strides`` defaults to
    ``pool_size``; ``same`` gives ``ceil(n/s)`` (Keras ``MaxPooling2D`` documentation)."""
    pool = call.sizes("pool_size", 2, 2)
    stride = call.sizes("strides", 2, pool)
    layer: Layer = {"type": kind, "kernel": _compact(pool)}
    if stride != pool:
        layer["stride"] = _compact(stride)
    padding = call.text("padding", "valid")
    if padding == "same":
        layer["padding"] = "same"
    elif padding != "valid":
        raise _BadField(f"field 'padding': expected 'valid' or 'same', got '{padding}'")
    return [layer]


def _global_pool(call: _Call, kind: str) -> list[Layer]:
    """Keras ``GlobalAveragePooling2D`` (1-D, 3-D alike): one value per map, flat
    ``(c,)`` unless ``keepdims`` (Keras ≥ 2.6) keeps ``(1, 1, c)``."""
    return [{"type": kind, "keepdims": True} if call.flag("keepdims", False) else {"type": kind}]


def _dense(call: _Call) -> list[Layer]:
    """Keras ``Dense``: a kernel ``(n, units)`` and ``units`` biases on the last axis.

    On a flat input it is cnncalc's ``dense``. On ``(…, c)`` Keras applies it at
    every position, which is a 1×1 convolution on cnncalc's ``[c, …]`` with the same
    parameters and products (Keras ``Dense`` documentation: "the dense layer will
    operate along the last axis").
    """
    units = call.count("units")
    rank = call.rank()
    if rank == 1:
        return [{"type": "dense", "units": units} | _bias(call) | _activation(call)]
    if call.channels_first or rank > 4:
        raise _Skip(f"Dense on a rank-{rank} input has no cnncalc equivalent", keeps_shape=False)
    call.comments.append(
        f"{call.name} (Dense) reads a {rank}-axis input: a 1×1 conv{rank - 1}d, which computes "
        "what Keras's Dense on the last axis does."
    )
    layer: Layer = {"type": f"conv{rank - 1}d", "filters": units, "kernel": 1}
    return [layer | _bias(call) | _activation(call)]


def _flatten(call: _Call) -> list[Layer]:
    """Keras ``Flatten``: ``(h, w, c)`` to ``(h·w·c,)``; the order differs, not the count."""
    return [{"type": "flatten"}]


def _dropout(call: _Call) -> list[Layer]:
    """Keras ``Dropout`` and its kin (``SpatialDropout2D``, ``GaussianDropout``,
    ``AlphaDropout``): the identity at inference, no parameters."""
    rate = call.node.config.get("rate")
    valid = isinstance(rate, int | float) and not isinstance(rate, bool) and 0 <= rate < 1
    return [{"type": "dropout", "rate": rate} if valid else {"type": "dropout"}]


def _identity(call: _Call) -> list[Layer]:
    """Layers that are the identity at inference (``GaussianNoise``, ``RandomFlip``, …)."""
    return [{"type": "identity"}]


def _activation_layer(call: _Call) -> list[Layer]:
    """Keras ``Activation``: its function as a layer; ``linear`` is the identity."""
    name = _activation_name(call.node.config.get("activation"))
    if name is None:
        return [{"type": "identity"}]
    if name not in _ACTIVATIONS:
        raise _Skip(f"cnncalc has no '{name}' activation (it has no parameters)")
    return [{"type": _ACTIVATIONS[name]}]


def _relu(call: _Call) -> list[Layer]:
    """Keras ``ReLU(max_value, negative_slope, threshold)``: relu, or relu6 at ``max_value=6``."""
    max_value = call.node.config.get("max_value")
    slope = call.node.config.get("negative_slope") or 0
    threshold = call.node.config.get("threshold") or 0
    if slope == 0 and threshold == 0 and max_value is None:
        return [{"type": "relu"}]
    if slope == 0 and threshold == 0 and max_value == 6:
        return [{"type": "relu6"}]
    raise _Skip(
        f"a ReLU with max_value={max_value}, negative_slope={slope}, threshold={threshold}: "
        "cnncalc has relu and relu6 (it has no parameters)"
    )


def _softmax(call: _Call) -> list[Layer]:
    """Keras ``Softmax``."""
    return [{"type": "softmax"}]


def _parameter_free_activation(call: _Call) -> list[Layer]:
    """``LeakyReLU``, ``ELU``, ``ThresholdedReLU``: no cnncalc type, no parameters."""
    raise _Skip(f"cnncalc has no {call.node.keras_class} (it has no parameters)")


def _prelu(call: _Call) -> list[Layer]:
    """Keras ``PReLU``: a trainable slope per input value, shared along ``shared_axes``."""
    shape = call.shape()
    keras_shape = shape if call.channels_first or len(shape) == 1 else (*shape[1:], shape[0])
    shared = call.node.config.get("shared_axes") or []
    shared = shared if isinstance(shared, list) else [shared]
    count = 1
    for axis, size in enumerate(keras_shape, start=1):
        count = count if axis in shared else count * size
    raise _Skip(f"cnncalc has no PReLU: its {count} trainable parameters are not counted")


def _normalization(call: _Call) -> list[Layer]:
    """Keras ``Normalization`` (preprocessing): ``(x − mean)/√variance`` with a mean,
    a variance and a count, non-trainable, for the channels by default (2·c + 1)."""
    if call.channel_axes("axis"):
        count = f"its {2 * call.channels() + 1} non-trainable parameters"
    else:
        count = "its non-trainable parameters"
    raise _Skip(f"cnncalc has no preprocessing Normalization: {count} (mean, variance and "
                "count) are not counted")  # fmt: skip


def _batchnorm(call: _Call) -> list[Layer]:
    """Keras ``BatchNormalization``: gamma (``scale``) and beta (``center``) trainable,
    moving mean and variance non-trainable, one each per channel (``summary()``:
    4·c on c channels, 2·c of them non-trainable). ``renorm`` adds a moving stddev
    and renorm mean and stddev (tf.keras 2 ``BatchNormalizationBase.build``)."""
    if not call.channel_axes("axis"):
        raise _Skip(
            f"normalises axis {call.value('axis', -1)}, not the channels: its parameters "
            "(4 per normalised value) are not counted"
        )
    layer: Layer = {"type": "batchnorm"}
    if not call.flag("center", True):
        layer["center"] = False
    if not call.flag("scale", True):
        layer["scale"] = False
    if call.flag("renorm", False):
        call.note("renorm's moving stddev, renorm mean and renorm stddev (3·c non-trainable "
                  "parameters) left out: cnncalc counts batch norm's usual four")  # fmt: skip
    return [layer]


def _layernorm(call: _Call) -> list[Layer]:
    """Keras ``LayerNormalization``: gamma and beta over the ``axis`` axes (the channels
    by default: 2·c). Keras 3's ``rms_scaling`` keeps gamma only."""
    center, scale = call.flag("center", True), call.flag("scale", True)
    if call.flag("rms_scaling", False) or center != scale:
        raise _Skip("a scale without a shift (or the reverse): cnncalc's layernorm has both "
                    "or neither, so its parameters are not counted")  # fmt: skip
    value = call.value("axis", -1)
    axes = sorted(a % (call.rank() + 1) for a in (value if isinstance(value, list) else [value]))
    if call.channel_axes("axis"):
        over = "channels"
    elif axes == list(range(1, call.rank() + 1)):
        over = "all"
    else:
        raise _Skip(f"normalises axes {value}: cnncalc's layernorm takes the channels or all")
    layer: Layer = {"type": "layernorm"}
    if over != "channels":
        layer["over"] = over
    return [layer if center else layer | {"affine": False}]


def _groupnorm(call: _Call) -> list[Layer]:
    """Keras ``GroupNormalization``: gamma and beta per channel; ``groups=-1`` is one
    group per channel (instance norm)."""
    if not call.channel_axes("axis"):
        raise _Skip(f"normalises axis {call.value('axis', -1)}, not the channels")
    center, scale = call.flag("center", True), call.flag("scale", True)
    if center != scale:
        raise _Skip("a scale without a shift (or the reverse): cnncalc's groupnorm has both "
                    "or neither, so its parameters are not counted")  # fmt: skip
    groups = call.value("groups", 32)
    groups = call.channels() if groups == -1 else call.count("groups", 32)
    layer: Layer = {"type": "groupnorm", "groups": groups}
    return [layer if center else layer | {"affine": False}]


def _zeropad(call: _Call) -> list[Layer]:
    """Keras ``ZeroPadding2D``: ``p``, ``(p_h, p_w)`` or ``((top, bottom), (left, right))``."""
    value = call.value("padding", 1)
    if isinstance(value, int) or (
        isinstance(value, list) and all(isinstance(v, int) for v in value)
    ):
        pairs = [[p, p] for p in call.sizes("padding", 2, minimum=0)]
    elif isinstance(value, list) and len(value) == 2:
        pairs = [_pair(value[0]), _pair(value[1])]
    else:
        raise _BadField(f"field 'padding': expected ((top, bottom), (left, right)), got {value}")
    flat = [p for pair in pairs for p in pair]
    if len(set(flat)) == 1:
        return [{"type": "zeropad2d", "padding": flat[0]}]
    if all(a == b for a, b in pairs):
        return [{"type": "zeropad2d", "padding": [a for a, _ in pairs]}]
    return [{"type": "zeropad2d", "padding": pairs}]


def _pair(value: Any) -> list[int]:
    """One axis of explicit padding, ``(before, after)``."""
    if isinstance(value, int):
        value = [value, value]
    if not (isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int) and v >= 0 for v in value)):  # fmt: skip
        raise _BadField(f"field 'padding': expected (before, after) sizes, got {value}")
    return list(value)


def _upsample(call: _Call) -> list[Layer]:
    """Keras ``UpSampling2D``: ``size`` per axis; ``nearest`` or ``bilinear`` (Keras also
    has ``bicubic``, ``area``, ``lanczos3``, …, which cnncalc counts as nearest)."""
    size = call.sizes("size", 2, 2)
    layer: Layer = {"type": "upsample"}
    if size != [2, 2]:
        layer["scale"] = _compact(size)
    mode = call.text("interpolation", "nearest")
    if mode == "bilinear":
        layer["mode"] = "bilinear"
    elif mode != "nearest":
        call.note(f"interpolation '{mode}' counted as nearest: cnncalc has nearest and bilinear")
    return [layer]


def _reshape(call: _Call) -> list[Layer]:
    """Keras ``Reshape(target_shape)`` (no batch axis; one size may be -1).

    cnncalc has no general reshape: a one-axis target is a flatten, an unchanged
    shape is nothing, and a reshape of the network input alone (Keras examples'
    ``Reshape((28, 28, 1), input_shape=(784,))``) makes its output the spec's input.
    """
    shape = call.shape()
    target = _reshape_target(call, shape)
    if len(target) == 1:
        return [{"type": "flatten"}]
    if target == list(shape):
        return [{"type": "identity"}]
    if call.importer.reshape_input(call, target):
        return []
    raise _Skip(f"cnncalc has no reshape to {_show_shape([None, *call.value('target_shape')])}",
                keeps_shape=False)  # fmt: skip


def _reshape_target(call: _Call, shape: tuple[Any, ...]) -> list[Any]:
    """The target shape channels first, with its -1 worked out where the sizes are numbers."""
    target = call.value("target_shape")
    if not (isinstance(target, list) and target and all(isinstance(t, int) for t in target)):
        raise _BadField(f"field 'target_shape': expected sizes, got {_show_shape(target)}")
    known = _product(tuple(t for t in target if t != -1))
    total = _product(shape)
    if -1 in target and isinstance(total, int) and known and total % known == 0:
        target = [total // known if t == -1 else t for t in target]
    if len(target) > 1 and not call.channels_first:
        target = [target[-1], *target[:-1]]
    return target


def _product(shape: tuple[Any, ...]) -> Any:
    result: Any = 1
    for size in shape:
        result *= size
    return result


def _permute(call: _Call) -> list[Layer]:
    """Keras ``Permute``: only the identity permutation is expressible."""
    dims = call.value("dims")
    if dims == list(range(1, call.rank() + 1)):
        return [{"type": "identity"}]
    raise _Skip(f"cnncalc has no permute (dims {dims})", keeps_shape=False)


def _merge(call: _Call, kind: str) -> list[Layer]:
    """Keras ``Add``, ``Multiply``: element-wise over their inputs (cnncalc's ``inputs:``)."""
    return [{"type": kind}]


def _concat(call: _Call) -> list[Layer]:
    """Keras ``Concatenate(axis=-1)``: maps stacked on the channel axis."""
    if not call.channel_axes("axis"):
        raise _Skip(
            f"concatenates on axis {call.value('axis', -1)}: cnncalc's concat stacks channels",
            keeps_shape=False,
        )
    return [{"type": "concat"}]


def _elementwise_as_add(call: _Call) -> list[Layer]:
    """Keras ``Subtract``, ``Average``, ``Maximum``, ``Minimum``: as ``add``, which has
    their output shape and reads each input once per output."""
    call.note(f"cnncalc has no {call.node.keras_class.lower()}: translated as add, which has "
              "the same output shape and connections")  # fmt: skip
    return [{"type": "add"}]


_TF_MERGES = {"__operators__.add": "add", "math.add": "add", "math.multiply": "multiply"}
_TF_ACTIVATIONS = {"nn.relu": "relu", "nn.relu6": "relu6", "math.sigmoid": "sigmoid",
                   "nn.sigmoid": "sigmoid", "math.tanh": "tanh", "nn.tanh": "tanh",
                   "nn.softmax": "softmax", "nn.silu": "silu", "nn.swish": "silu",
                   "nn.gelu": "gelu"}  # fmt: skip
_TF_ELEMENTWISE = frozenset({
    "__operators__.add", "math.add", "math.multiply", "math.subtract", "math.truediv",
    "math.divide", "math.scalar_mul", "math.maximum", "math.minimum", "math.exp", "math.log",
    "math.sqrt", "math.square", "math.abs", "math.negative", "nn.leaky_relu", "nn.elu",
    "nn.selu", "math.softplus", "clip_by_value", "cast",
})  # fmt: skip
"""TensorFlow functions whose output has their (one tensor) input's shape."""


def _tf_op(call: _Call) -> list[Layer]:
    """tf.keras 2's ``TFOpLambda``: a TensorFlow function called on Keras tensors in a
    Functional model (``x + y``, ``tf.nn.relu(x)``), named by its ``function`` field
    (tf.keras 2 ``layers/core/tf_op_layer.py``)."""
    function = call.text("function", "")
    tensors = len(call.sources)
    if tensors > 1 and function in _TF_MERGES:
        return [{"type": _TF_MERGES[function]}]
    if tensors == 1 and function in _TF_ACTIVATIONS:
        return [{"type": _TF_ACTIVATIONS[function]}]
    keeps_shape = True if tensors == 1 and function in _TF_ELEMENTWISE else None
    raise _Skip(f"cnncalc has no layer for tf.{function} (on {tensors} tensors)", keeps_shape)


def _not_expressible(what: str) -> Translator:
    def translate(call: _Call) -> list[Layer]:
        raise _Skip(f"cnncalc has no {what}", keeps_shape=False)

    return translate


def _parameter_free(what: str) -> Translator:
    def translate(call: _Call) -> list[Layer]:
        raise _Skip(f"{what}; no cnncalc type (it has no parameters)")

    return translate


_RANDOM_AUGMENTATIONS = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
                         "RandomContrast", "RandomBrightness")  # fmt: skip

TRANSLATORS: dict[str, Translator] = {
    "Conv1D": partial(_conv, rank=1),
    "Conv2D": partial(_conv, rank=2),
    "Conv3D": partial(_conv, rank=3),
    "DepthwiseConv1D": partial(_depthwise, rank=1),
    "DepthwiseConv2D": partial(_depthwise, rank=2),
    "SeparableConv1D": partial(_separable, rank=1),
    "SeparableConv2D": partial(_separable, rank=2),
    "Conv2DTranspose": _conv_transpose,
    "Conv1DTranspose": _not_expressible("1-D transposed convolution"),
    "Conv3DTranspose": _not_expressible("3-D transposed convolution"),
    "MaxPooling2D": partial(_pool, kind="maxpool2d"),
    "AveragePooling2D": partial(_pool, kind="avgpool2d"),
    "MaxPooling1D": _not_expressible("1-D pooling"),
    "AveragePooling1D": _not_expressible("1-D pooling"),
    "MaxPooling3D": _not_expressible("3-D pooling"),
    "AveragePooling3D": _not_expressible("3-D pooling"),
    "GlobalAveragePooling1D": partial(_global_pool, kind="global_avgpool"),
    "GlobalAveragePooling2D": partial(_global_pool, kind="global_avgpool"),
    "GlobalAveragePooling3D": partial(_global_pool, kind="global_avgpool"),
    "GlobalMaxPooling1D": partial(_global_pool, kind="global_maxpool"),
    "GlobalMaxPooling2D": partial(_global_pool, kind="global_maxpool"),
    "GlobalMaxPooling3D": partial(_global_pool, kind="global_maxpool"),
    "Dense": _dense,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Permute": _permute,
    "Dropout": _dropout,
    "SpatialDropout1D": _dropout,
    "SpatialDropout2D": _dropout,
    "SpatialDropout3D": _dropout,
    "GaussianDropout": _dropout,
    "AlphaDropout": _dropout,
    "GaussianNoise": _identity,
    "ActivityRegularization": _identity,
    "Identity": _identity,
    **dict.fromkeys(_RANDOM_AUGMENTATIONS, _identity),
    "Activation": _activation_layer,
    "ReLU": _relu,
    "Softmax": _softmax,
    "LeakyReLU": _parameter_free_activation,
    "ELU": _parameter_free_activation,
    "ThresholdedReLU": _parameter_free_activation,
    "PReLU": _prelu,
    "BatchNormalization": _batchnorm,
    "LayerNormalization": _layernorm,
    "GroupNormalization": _groupnorm,
    "UnitNormalization": _parameter_free("an L2 normalisation"),
    "Rescaling": _parameter_free("a fixed scale and offset"),
    "Normalization": _normalization,
    "ZeroPadding2D": _zeropad,
    "ZeroPadding1D": _not_expressible("1-D zero padding"),
    "ZeroPadding3D": _not_expressible("3-D zero padding"),
    "Cropping1D": _not_expressible("cropping"),
    "Cropping2D": _not_expressible("cropping"),
    "Cropping3D": _not_expressible("cropping"),
    "UpSampling2D": _upsample,
    "UpSampling1D": _not_expressible("1-D upsampling"),
    "UpSampling3D": _not_expressible("3-D upsampling"),
    "Add": partial(_merge, kind="add"),
    "Multiply": partial(_merge, kind="multiply"),
    "Concatenate": _concat,
    "Subtract": _elementwise_as_add,
    "Average": _elementwise_as_add,
    "Maximum": _elementwise_as_add,
    "Minimum": _elementwise_as_add,
    "TFOpLambda": _tf_op,
}
"""Keras class name → translator to spec layers. A class not here is skipped when
the config shows it keeps its input's shape (Keras 3 states tensor shapes), and is
an error otherwise."""


class _Importer:
    """Translates a graph's nodes in order into spec layers, keeping track of shapes."""

    def __init__(self, path: str, graph: _Graph, input_shape: list[int | str], layout: str) -> None:
        self.path = path
        self.nodes = graph.nodes
        self.input = input_shape
        self.channels_first = layout == "channels_first"
        self.layers: list[Layer] = []
        self.skipped: list[str] = []
        self.comments: list[str] = []
        self.produced: dict[str, str] = {NETWORK_INPUT: NETWORK_INPUT}
        self.ranks: dict[str, int] = {NETWORK_INPUT: len(input_shape)}
        self.readers = Counter(source for node in graph.nodes for source in node.inputs)
        self._previous = NETWORK_INPUT
        self._report: tuple[int, Any] | None = None

    def spec(self, name: str = "partial") -> dict[str, Any]:
        return {"name": name, "framework": "keras", "input": self.input, "layers": self.layers}

    def shape(self, source: str) -> tuple[Any, ...]:
        """A spec layer's output shape, from cnncalc's analysis of the layers so far."""
        if source == NETWORK_INPUT:
            return tuple(self.input)
        if self._report is None or self._report[0] != len(self.layers):
            from cnncalc.api import analyze  # the core, only when a size is needed

            try:
                self._report = (len(self.layers), analyze(self.spec()))
            except CnncalcError as error:
                raise CnncalcError(f"{self.path}: the translated layers fail: {error}") from None
        shape: tuple[Any, ...] = self._report[1].layer(source).output_shape
        return shape

    def reshape_input(self, call: _Call, target: list[Any]) -> bool:
        """Take a reshape of the network input, read by nothing else, as the spec's input."""
        alone = self.readers[NETWORK_INPUT] == 1 and self.readers[call.node.inputs[0]] == 1
        if self.layers or call.sources != [NETWORK_INPUT] or not alone:
            return False
        if not all(isinstance(size, int) and size >= 1 for size in target):
            return False
        self.comments.append(
            f"{call.name} (Reshape) reshapes the network input: its output, "
            f"[{', '.join(map(str, target))}], is the spec's input."
        )
        self.input = target
        self.ranks[NETWORK_INPUT] = len(target)
        return True

    def run(self) -> None:
        for node in self.nodes:
            self._translate(node)
        if not self.layers:
            raise CnncalcError(f"{self.path}: no layer of the model could be translated")

    def _translate(self, node: _Node) -> None:
        sources = [self.produced[source] for source in node.inputs]
        call = _Call(node, sources, self)
        where = f"{self.path}: layer '{node.name}' ({node.keras_class})"
        translator = TRANSLATORS.get(node.keras_class)
        try:
            if translator is None:
                raise _Skip(f"cnncalc has no {node.keras_class} layer", keeps_shape=None)
            layers = translator(call)
            if len(sources) != 1 and not (layers and layers[0]["type"] in _MERGES):
                raise _Skip(f"it reads {len(sources)} tensors", keeps_shape=False)
        except _Skip as skip:
            self._skip(node, sources, skip, where)
            return
        except _BadField as problem:
            raise CnncalcError(f"{where}: {problem}") from None
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            # A hand-edited or foreign config: say where, never a traceback.
            raise CnncalcError(
                f"{where}: a config field this importer cannot read "
                f"({type(error).__name__}: {error})"
            ) from None
        self._emit(node, sources, layers)
        self.skipped += [f"{node.name} ({node.keras_class}): {note}" for note in call.notes]
        self.comments += call.comments

    def _emit(self, node: _Node, sources: list[str], layers: list[Layer]) -> None:
        if not layers:  # folded into the spec's input
            self.produced[node.name] = sources[0]
            return
        if len(layers) == 1:
            layers = [{"name": node.name, **layers[0]}]
        first = layers[0]
        if first["type"] in _MERGES:
            first["inputs"] = sources
        elif sources[0] != self._previous:
            first["input"] = sources[0]
        rank = self.ranks[sources[0]]
        for layer in layers:
            rank = _rank_after(layer, rank)
            self.ranks[layer["name"]] = rank
            self.layers.append(layer)
        self._previous = layers[-1]["name"]
        self.produced[node.name] = self._previous

    def _skip(self, node: _Node, sources: list[str], skip: _Skip, where: str) -> None:
        keeps_shape = skip.keeps_shape
        if keeps_shape is None:
            keeps_shape = _keeps_keras_shape(node)
        if self.readers[node.name] and not (keeps_shape and len(sources) == 1):
            unknown = skip.keeps_shape is None and keeps_shape is None
            after = (
                "and the config does not say whether it keeps its input's shape, which the "
                "layers after it need"
                if unknown
                else "and skipping it would change the shapes of the layers after it"
            )
            raise CnncalcError(f"{where}: {skip.reason}, {after}")
        self.skipped.append(f"{node.name} ({node.keras_class}): {skip.reason}")
        if sources:
            self.produced[node.name] = sources[0]


def _keeps_keras_shape(node: _Node) -> bool | None:
    """Whether Keras's stated input and output shapes agree (None: not stated)."""
    if len(node.input_shapes) != 1 or node.input_shapes[0] is None or node.output_shape is None:
        return None
    return bool(node.input_shapes[0] == node.output_shape)


def _rank_after(layer: Layer, rank: int) -> int:
    """The number of axes a spec layer's output has, given its input's."""
    if layer["type"] in ("flatten", "dense"):
        return 1
    if layer["type"] in ("global_avgpool", "global_maxpool") and not layer.get("keepdims"):
        return 1
    return rank


# -- the entry point ---------------------------------------------------------------------


def import_keras(path: str) -> Imported:
    """Translate the Keras model in ``path`` (``model.to_json()`` output or a ``.keras`` file).

    Raises :class:`CnncalcError` with a one-line message naming the file for a
    file that is not a Keras model config, and naming the layer and its class for
    a layer that cannot be left out without changing the shapes after it.
    """
    document = _read_document(path)
    kind, config = _model_config(document.data, path)
    graph = _Graph(path)
    if kind == "Functional":
        graph.functional(config, "", None)
    else:
        build = document.data.get("build_config") if isinstance(document.data, dict) else None
        if config.get("build_input_shape") is None and isinstance(build, dict):
            config = config | {"build_input_shape": build.get("input_shape")}
        graph.sequential(config, "", None)
    if graph.input_batch_shape is None:
        raise CnncalcError(f"{path}: the model states no input shape (it was never built)")
    graph.link_shapes()
    layout = _data_format(graph.nodes, path)
    input_shape = _spec_input(graph.input_batch_shape, layout == "channels_first", path)
    importer = _Importer(path, graph, input_shape, layout)
    importer.run()
    name = config.get("name") if isinstance(config.get("name"), str) else None
    spec = importer.spec(name or os.path.splitext(os.path.basename(path))[0])
    spec["source"] = f"Keras {kind} model, {os.path.basename(path)}"
    _validate(spec, path)
    return Imported(
        spec=spec,
        skipped=importer.skipped,
        comments=_header(
            path, document=document, kind=kind, graph=graph, layout=layout, input_shape=input_shape
        )
        + importer.comments,
    )


def _validate(spec: dict[str, Any], path: str) -> None:
    from cnncalc.api import analyze

    try:
        analyze(spec)
    except CnncalcError as error:
        raise CnncalcError(f"{path}: the translated spec does not analyse: {error}") from None


def _header(
    path: str,
    *,
    document: _Document,
    kind: str,
    graph: _Graph,
    layout: str,
    input_shape: list[int | str],
) -> list[str]:
    version = f", Keras {document.keras_version}" if document.keras_version else ""
    lines = [
        f"Imported by 'cnncalc import keras' from {os.path.basename(path)} "
        f"(a {kind} model's {document.container}{version}).",
        "Layer names are Keras's; batch norm counts as model.summary() does (framework: keras).",
    ]
    if layout == "channels_last":
        lines.append(
            f"Keras is channels-last, cnncalc channels-first: Keras's input "
            f"{_show_shape(graph.input_batch_shape)} is [{', '.join(map(str, input_shape))}]."
        )
    symbols = [size for size in input_shape if isinstance(size, str)]
    if symbols:
        example = ",".join(f"{symbol}=224" for symbol in symbols)
        lines.append(
            f"Keras leaves {', '.join(symbols)} open: they are symbols (--subs {example})."
        )
    return lines
