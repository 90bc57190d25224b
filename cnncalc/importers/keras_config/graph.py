"""A model's layer calls in an order where each reads only earlier ones.

A Sequential config lists its layers in order; a Functional one gives each
layer its ``inbound_nodes`` (read by :mod:`.inbound`). The input shape is an
``InputLayer``'s ``batch_input_shape`` (Keras 2) or ``batch_shape`` (Keras 3),
or the first layer's ``batch_input_shape``.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.importers.keras_config.inbound import InboundTensor, inbound_calls, refs
from cnncalc.importers.keras_config.messages import show_shape
from cnncalc.ir import NETWORK_INPUT

MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})


@dataclass
class Node:
    """One call of a Keras layer: what it is and which nodes it reads."""

    name: str
    keras_class: str
    config: dict[str, Any]
    inputs: list[str]
    input_shapes: list[Any] = field(default_factory=list)
    """Keras's own (batch-first) shapes of the inputs, where the config states them (Keras 3)."""
    output_shape: Any = None
    module: str = ""
    """The config's ``module`` (Keras 3): ``keras.src.ops.numpy`` for an op layer."""
    call: dict[str, Any] = field(default_factory=dict)
    """The call's ``{"args": [...], "kwargs": {...}}`` as Keras 3 writes it: an op
    layer's constants (``x + 3.0``) are there, beside its tensors."""

    @property
    def is_op(self) -> bool:
        """Whether this is an op layer: a ``keras.ops`` function called on a Keras
        tensor (``x + 3.0``, ``ops.multiply(x, y)``), which Keras 3 writes as a layer
        of the op's class (``Add``, ``Multiply``) from module ``keras.src.ops.*``."""
        return self.module.startswith(("keras.src.ops.", "keras.ops."))

    @property
    def translator_key(self) -> str:
        """The key of its translator: the class, or ``ops.CLASS`` for an op layer
        (``ops.Add`` is ``x + y`` or ``x + 3.0``, ``Add`` the merge layer)."""
        return f"ops.{self.keras_class}" if self.is_op else self.keras_class


@dataclass
class _Entry:
    """A layer as a config lists it."""

    name: str
    keras_class: str
    config: dict[str, Any]
    raw: dict[str, Any]


class Graph:
    """The layer calls of a model in an order where each reads only earlier ones.

    Nested models (a Sequential or Functional used as a layer) are inlined,
    their layers named ``<model>.<layer>``, so ``cnncalc --depth 1`` folds them
    back into the one row ``summary()`` shows.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.nodes: list[Node] = []
        self.input_batch_shape: Any = None
        self._tensors: dict[tuple[str, int], str] = {}
        self._names: set[str] = set()
        self._repeats: dict[str, int] = {}

    # The network input.

    def set_input(self, batch_shape: Any, where: str) -> None:
        if self.input_batch_shape is not None:
            raise CnncalcError(
                _(
                    "{path}: the model has more than one input ({where} is another); a cnncalc "
                    "spec has one input"
                ).format(path=self.path, where=where)
            )
        if batch_shape is None:
            raise CnncalcError(
                _(
                    "{path}: {where} states no input shape: the model was never built (give it "
                    "an Input, or input_shape= on its first layer)"
                ).format(path=self.path, where=where)
            )
        if not isinstance(batch_shape, list) or len(batch_shape) < 2:
            raise CnncalcError(
                _("{path}: {where}: input shape {shape} is not (batch, ..., channels)").format(
                    path=self.path, where=where, shape=show_shape(batch_shape)
                )
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
            raise CnncalcError(
                _("{path}: the Sequential model has no layers").format(path=self.path)
            )
        return previous

    # Functional models.

    def functional(
        self, config: dict[str, Any], scope: str, sources: list[str] | None
    ) -> list[str]:
        """Add a Functional model's layers; ``sources`` feed its inputs (None: the network's)."""
        input_refs = refs(config.get("input_layers"))
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
        outputs = refs(config.get("output_layers"))
        return [self._tensor(scope + name, index, "output_layers") for name, index in outputs]

    def _resolve_in_order(self, pending: list[_Entry], scope: str) -> None:
        """Call each layer once the tensors it reads exist, the earliest listed first.

        Keras lists layers in call order, and then this is that order; a layer
        whose inputs come later waits for them. Each layer waits on the tensors
        it lacks and is woken when the last one is made, so a config listed in
        reverse costs as little as one in order (no pass over all waiting layers
        per layer called).
        """
        calls = [self._inbound(entry) for entry in pending]
        lacking = [0] * len(pending)
        waiters: dict[tuple[str, int], list[int]] = {}
        ready: list[int] = []
        for position, entry_calls in enumerate(calls):
            lacks = {(scope + name, index) for name, index, _ in entry_calls} - self._tensors.keys()
            lacking[position] = len(lacks)
            for key in lacks:
                waiters.setdefault(key, []).append(position)
            if not lacks:
                heapq.heappush(ready, position)
        done = [False] * len(pending)
        while ready:
            position = heapq.heappop(ready)
            done[position] = True
            for key in self._call(pending[position], scope, calls[position]):
                for waiter in waiters.pop(key, ()):
                    lacking[waiter] -= 1
                    if lacking[waiter] == 0:
                        heapq.heappush(ready, waiter)
        if not all(done):
            position = done.index(False)
            entry = pending[position]
            missing = next(name for name, index, _ in calls[position]
                           if (scope + name, index) not in self._tensors)  # fmt: skip
            raise CnncalcError(
                _("{where} reads '{name}', which no layer of the model makes").format(
                    where=f"{self.path}: layer '{entry.name}' ({entry.keras_class})", name=missing
                )
            )

    def _inbound(self, entry: _Entry) -> list[InboundTensor]:
        where = f"{self.path}: layer '{entry.name}' ({entry.keras_class})"
        return inbound_calls(entry.raw.get("inbound_nodes"), where)

    def _call(self, entry: _Entry, scope: str, calls: list[InboundTensor]) -> list[tuple[str, int]]:
        """Add the layer call; returns the tensors it makes, as ``(scoped name, index)``."""
        inputs = [self._tensors[(scope + name, index)] for name, index, _ in calls]
        outputs = self._add(entry, scope, inputs, [shape for _, _, shape in calls])
        made = [(scope + entry.name, index) for index in range(len(outputs))]
        self._tensors.update(zip(made, outputs, strict=True))
        return made

    def _tensor(self, name: str, index: int, where: str) -> str:
        try:
            return self._tensors[(name, index)]
        except KeyError:
            raise CnncalcError(
                _("{path}: {where} names '{name}', not a layer").format(
                    path=self.path, where=where, name=name
                )
            ) from None

    # Both.

    def _add(self, entry: _Entry, scope: str, inputs: list[str], shapes: list[Any]) -> list[str]:
        """Add a layer call (or inline a nested model); returns the names of its outputs."""
        if entry.keras_class in MODEL_CLASSES and isinstance(entry.config.get("layers"), list):
            inner = f"{scope}{entry.name}."
            if "input_layers" in entry.config:
                outputs = self.functional(entry.config, inner, inputs)
                if not outputs:
                    raise CnncalcError(
                        _(
                            "{path}: the nested model '{name}' names no output_layers, so nothing "
                            "reads from it"
                        ).format(path=self.path, name=entry.name)
                    )
                return outputs
            return [self.sequential(entry.config, inner, inputs[0])]
        name = _spec_name(scope + entry.name, self._names, self._repeats)
        self._names.add(name)
        module = entry.raw.get("module")
        inbound = entry.raw.get("inbound_nodes")
        call = inbound[0] if isinstance(inbound, list) and inbound else None
        self.nodes.append(Node(
            name, entry.keras_class, entry.config, inputs, shapes,
            module=module if isinstance(module, str) else "",
            call=call if isinstance(call, dict) else {},
        ))  # fmt: skip
        return [name]

    def _entry(self, item: Any, where: str) -> _Entry:
        if not isinstance(item, dict) or not isinstance(item.get("class_name"), str):
            raise CnncalcError(
                _("{path}: {where} is not a Keras layer config").format(path=self.path, where=where)
            )
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


def model_graph(path: str, kind: str, config: dict[str, Any], data: Any) -> Graph:
    """The graph of a file's model (``data`` the whole document), its input shape stated."""
    graph = Graph(path)
    if kind == "Functional":
        graph.functional(config, "", None)
    else:
        # Keras 3 writes a built Sequential's input shape beside its config.
        build = data.get("build_config") if isinstance(data, dict) else None
        if config.get("build_input_shape") is None and isinstance(build, dict):
            config = config | {"build_input_shape": build.get("input_shape")}
        graph.sequential(config, "", None)
    if graph.input_batch_shape is None:
        raise CnncalcError(
            _("{path}: the model states no input shape (it was never built)").format(path=path)
        )
    graph.link_shapes()
    return graph


def _spec_name(name: str, taken: set[str], repeats: dict[str, int]) -> str:
    """``name``, or ``name_2``, ``name_3``, … if a layer already has it.

    "input" and "total" mean the network's input and the totals in a spec.
    ``repeats`` remembers the last number given to each name, so that N layers of
    one name cost N steps, not N² (a config of 5,000 copies of a layer took 18 s).
    """
    if name not in taken and name not in (NETWORK_INPUT, "total"):
        return name
    number = repeats.get(name, 1)
    while (candidate := f"{name}_{number + 1}") in taken:
        number += 1
    repeats[name] = number + 1
    return candidate


def _batch_shape(config: dict[str, Any]) -> Any:
    """The input shape with its batch axis: ``batch_shape`` (Keras 3), ``batch_input_shape`` (2)."""
    for key in ("batch_shape", "batch_input_shape"):
        if config.get(key) is not None:
            return config[key]
    return None
