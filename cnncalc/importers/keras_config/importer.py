"""The walk that translates a graph's layer calls, in order, into spec layers.

Each call goes to its class's translator (:data:`.layers.TRANSLATORS`). A layer
cnncalc cannot express is listed as skipped with the reason when the layers
after it can do without it (it keeps its input's shape), and is an error naming
the file, the layer and its class otherwise: a report is never silently short.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnncalcError
from cnncalc.i18n import N_, _
from cnncalc.importers.common import LONG_IMPORT
from cnncalc.importers.keras_config.failures import in_keras_terms
from cnncalc.importers.keras_config.graph import Graph, Node
from cnncalc.importers.keras_config.layers import TRANSLATORS
from cnncalc.importers.keras_config.layers.base import (
    BadField,
    Call,
    Layer,
    Skip,
    Weights,
    left_out,
)
from cnncalc.importers.keras_config.shapes import analysed, keeps_keras_shape, rank_after
from cnncalc.importers.keras_config.tracking import ShapeTracker
from cnncalc.importers.skipped import Skipped
from cnncalc.ir import NETWORK_INPUT
from cnncalc.progress import tracked

if TYPE_CHECKING:
    from cnncalc.analysis import Report

_MERGES = frozenset({"add", "concat", "multiply"})


def _reads_all(layer: Layer) -> bool:
    """Whether a translation's first layer reads the call's several tensors: a merge,
    or a layer whose translator wired its inputs (``input``/``inputs``) itself."""
    return layer["type"] in _MERGES or "input" in layer or "inputs" in layer


class Importer:
    """Translates a graph's nodes in order into spec layers, keeping track of shapes."""

    def __init__(self, path: str, graph: Graph, input_shape: list[int | str], layout: str) -> None:
        self.path = path
        self.nodes = graph.nodes
        self.input = input_shape
        self.channels_first = layout == "channels_first"
        self.layers: list[Layer] = []
        self.skipped: list[Skipped] = []
        self.left_out: list[Weights | None] = []
        """The weights of each layer (or part of one) left out; None: not known."""
        self.comments: list[str] = []
        self.produced: dict[str, str] = {NETWORK_INPUT: NETWORK_INPUT}
        self.ranks: dict[str, int] = {NETWORK_INPUT: len(input_shape)}
        self.readers = Counter(source for node in graph.nodes for source in node.inputs)
        self.origins: dict[str, Node] = {}
        """Each spec layer's Keras layer call, to name it in errors."""
        self._previous = NETWORK_INPUT
        self._report: tuple[int, Report] | None = None
        self._tracker = ShapeTracker(input_shape, self.layers)

    def spec(self, name: str = "partial") -> dict[str, Any]:
        return {"name": name, "framework": "keras", "input": self.input, "layers": self.layers}

    def shape(self, source: str) -> tuple[Any, ...]:
        """A spec layer's output shape, from cnncalc's analysis of the layers so far."""
        if source == NETWORK_INPUT:
            return tuple(self.input)
        tracked = self._tracker.shape(source)  # each layer once, by its rule
        if tracked is not None:
            return tracked
        # Symbols, or a layer that fails: the whole spec's analysis, again only when a layer
        # was added since.
        if self._report is None or self._report[0] != len(self.layers):
            self._report = (len(self.layers), self.analyse(self.spec()))
        shape: tuple[Any, ...] = self._report[1].layer(source).output_shape
        return shape

    def analyse(self, spec: dict[str, Any]) -> Report:
        """cnncalc's report on ``spec``; a failure names the Keras layer it comes from."""
        try:
            return analysed(spec)
        except CnncalcError as error:
            raise in_keras_terms(
                error, path=self.path, spec=spec, origins=self.origins,
                channels_first=self.channels_first, analyse=analysed,
            ) from None  # fmt: skip

    def reshape_input(self, call: Call, target: list[Any]) -> bool:
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
        self._tracker.reset_input(target)
        self.ranks[NETWORK_INPUT] = len(target)
        return True

    def run(self) -> None:
        worth_a_bar = len(self.nodes) >= LONG_IMPORT
        for node in tracked(self.nodes, "translating", worth_a_bar=worth_a_bar):
            self._translate(node)
        if not self.layers:
            raise CnncalcError(
                _("{path}: no layer of the model could be translated").format(path=self.path)
            )

    def _translate(self, node: Node) -> None:
        sources = [self.produced[source] for source in node.inputs]
        call = Call(node, sources, self)
        where = f"{self.path}: layer '{node.name}' ({node.keras_class})"
        if not sources:  # a hand-edited config: a call of the layer that names no tensor
            raise CnncalcError(
                _("{where}: its call reads no tensor (inbound_nodes names none)").format(
                    where=where
                )
            )
        translator = TRANSLATORS.get(node.translator_key)
        try:
            if translator is None:
                if node.is_op:
                    raise Skip(
                        N_("cnncalc has no layer for the op {module}.{name}"),
                        keeps_shape=None, module=node.module, name=node.keras_class,
                    )  # fmt: skip
                raise Skip(N_("cnncalc has no {name} layer"), keeps_shape=None,
                           name=node.keras_class)  # fmt: skip
            layers = translator(call)
            if len(sources) != 1 and not (layers and _reads_all(layers[0])):
                raise Skip(N_("it reads {count} tensors"), keeps_shape=False, count=len(sources))
        except Skip as skip:
            self._skip(node, sources, skip, where)
            return
        except BadField as problem:
            raise CnncalcError(f"{where}: {problem}") from None
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            # A hand-edited or foreign config: say where, never a traceback.
            raise CnncalcError(
                _("{where}: a config field this importer cannot read ({error})").format(
                    where=where, error=f"{type(error).__name__}: {error}"
                )
            ) from None
        self._emit(node, sources, layers)
        self.skipped += [
            Skipped(node.name, node.keras_class, note, parameters=weights.total)
            for note, weights in call.notes
        ]
        self.left_out += [weights for _note, weights in call.notes if weights.total]
        self.comments += call.comments

    def _emit(self, node: Node, sources: list[str], layers: list[Layer]) -> None:
        if not layers:  # folded into the spec's input
            self.produced[node.name] = sources[0]
            return
        if len(layers) == 1:
            layers = [{"name": node.name, **layers[0]}]
        first = layers[0]
        if "input" in first or "inputs" in first:
            pass  # the translator wired its layers itself (CustomScaleLayer)
        elif first["type"] in _MERGES:
            first["inputs"] = sources
        elif sources[0] != self._previous:
            first["input"] = sources[0]
        if node.config.get("trainable") is False:  # layer.trainable = False: frozen
            for layer in layers:
                layer["trainable"] = False
        rank = self.ranks[sources[0]]
        for layer in layers:
            rank = rank_after(layer, rank)
            self.ranks[layer["name"]] = rank
            self.origins[layer["name"]] = node
            self.layers.append(layer)
        self._previous = layers[-1]["name"]
        self.produced[node.name] = self._previous

    def _skip(self, node: Node, sources: list[str], skip: Skip, where: str) -> None:
        keeps_shape = skip.keeps_shape
        if keeps_shape is None:
            keeps_shape = keeps_keras_shape(node)
        if self.readers[node.name] and not (keeps_shape and len(sources) == 1):
            if skip.keeps_shape is None and keeps_shape is None:
                message = _(
                    "{where}: {reason}, and the config does not say whether it keeps its "
                    "input's shape, which the layers after it need"
                )
            else:
                message = _(
                    "{where}: {reason}, and skipping it would change the shapes of the layers "
                    "after it"
                )
            raise CnncalcError(message.format(where=where, reason=skip.reason.text()))
        parameters = skip.weights.total if skip.weights is not None else 0
        self.skipped.append(
            Skipped(node.name, node.keras_class, skip.reason, left_out(skip.weights), parameters)
        )
        self.left_out.append(skip.weights)
        if sources:
            self.produced[node.name] = sources[0]
