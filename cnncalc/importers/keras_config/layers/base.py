"""What a translator is: the layer call it reads, the spec layers it returns, what it raises.

A translator turns one Keras layer call into spec layers (usually one, none
when the layer folds into the spec's input). It reads the config through
:class:`Call`, whose typed accessors raise :class:`BadField` for a field Keras
would not write, and raises :class:`Skip` for a layer cnncalc cannot express.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from cnncalc.i18n import N_
from cnncalc.importers.keras_config.graph import Node
from cnncalc.importers.keras_config.messages import show, show_shape
from cnncalc.importers.skipped import Reason, reason, verbatim

if TYPE_CHECKING:
    from cnncalc.importers.keras_config.importer import Importer

Layer: TypeAlias = dict[str, Any]
"""A spec layer as plain data, ``{"type": "conv2d", "filters": 32, …}``."""


@dataclass(frozen=True)
class Weights:
    """The weights a layer left out holds, as ``model.summary()`` counts them.

    Keras has no buffers: what PyTorch would keep as a buffer (batch norm's
    moving mean) is a non-trainable weight, counted in "Total params".
    """

    trainable: int = 0
    non_trainable: int = 0
    names: tuple[str, ...] = ()
    """Keras's names for them (``gamma``; ``mean``, ``variance``, ``count``)."""

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    def counted(self) -> Reason:
        """``16 trainable and 7 non-trainable parameters`` (one sentence per case, each
        in the catalog: a language's words for "1 parameter" and "2" differ)."""
        trainable, non_trainable = f"{self.trainable:,}", f"{self.non_trainable:,}"
        if self.trainable and self.non_trainable:
            return reason(
                N_("{trainable} trainable and {non_trainable} non-trainable parameters"),
                trainable=trainable, non_trainable=non_trainable,
            )  # fmt: skip
        if self.trainable:
            if self.trainable == 1:
                return reason(N_("{trainable} trainable parameter"), trainable=trainable)
            return reason(N_("{trainable} trainable parameters"), trainable=trainable)
        if self.non_trainable:
            if self.non_trainable == 1:
                return reason(N_("{non_trainable} non-trainable parameter"),
                              non_trainable=non_trainable)  # fmt: skip
            return reason(N_("{non_trainable} non-trainable parameters"),
                          non_trainable=non_trainable)  # fmt: skip
        return reason(N_("0 parameters"))

    def left_out(self) -> Reason:
        """`` (it has no parameters)``, or ``: its 16 trainable parameters (gamma) are not
        counted``, to follow the reason a layer is left out."""
        if not self.total:
            return reason(N_(" (it has no parameters)"))
        if self.names:
            return reason(N_(": its {counted} ({names}) are not counted"),
                          counted=self.counted(), names=listed(self.names))  # fmt: skip
        return reason(N_(": its {counted} are not counted"), counted=self.counted())


def listed(names: tuple[str, ...]) -> Reason:
    """``gamma``; ``gamma and beta``; ``mean, variance and count``: names as a sentence
    lists them, its "and" in the user's language."""
    if len(names) == 1:
        return verbatim(names[0])
    return reason(N_("{names} and {last}"), names=", ".join(names[:-1]), last=names[-1])


NO_WEIGHTS = Weights()
UNKNOWN_WEIGHTS_TEXT = N_(
    "; the config does not say what weights it has, so any it has are not counted"
)


def left_out(weights: Weights | None) -> Reason:
    """What leaving a layer out leaves uncounted; None: weights the config does not give."""
    return reason(UNKNOWN_WEIGHTS_TEXT) if weights is None else weights.left_out()


class Skip(Exception):
    """A layer cnncalc cannot express: why, whether its output has its input's shape,
    and the weights left out with it.

    ``keeps_shape`` None means the config does not say (an unknown class);
    ``weights`` None means the config does not say what weights it has.
    """

    def __init__(
        self,
        message: str | Reason,
        keeps_shape: bool | None = True,
        weights: Weights | None = None,
        **values: object,
    ) -> None:
        # The reason's English, marked with N_, and its placeholders' values (or a Reason).
        self.reason = message if isinstance(message, Reason) else reason(message, **values)
        super().__init__(self.reason.english())
        self.keeps_shape = keeps_shape
        self.weights = weights


class BadField(Exception):
    """A config field that is missing or not what Keras writes."""


_REQUIRED: Any = object()


@dataclass
class Call:
    """A layer call being translated: its config, and what cnncalc knows of its input."""

    node: Node
    sources: list[str]
    importer: Importer
    notes: list[tuple[Reason, Weights]] = field(default_factory=list)
    """What of the layer is left out, and the weights that holds (batch renorm's)."""
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

    def _stated_shape(self) -> tuple[Any, ...] | None:
        """The (first) input's shape without the batch axis as a Keras 3 config states it."""
        stated = self.node.input_shapes[0] if self.node.input_shapes else None
        if isinstance(stated, list) and len(stated) == self.rank() + 1:
            return tuple(stated[1:])
        return None

    def keras_shape(self) -> tuple[Any, ...]:
        """The (first) input's shape as Keras writes it, without the batch axis: as the
        config states it (Keras 3), else from cnncalc's analysis."""
        stated = self._stated_shape()
        if stated is not None:
            return stated
        shape = self.shape()
        return shape if self.channels_first or len(shape) == 1 else (*shape[1:], shape[0])

    def axes_size(self, key: str, default: Any = -1) -> int | None:
        """The number of values along the axes field ``key`` names (Keras's axes: 0 is
        the batch); None where a size is open or an axis is out of range."""
        value = self.node.config.get(key, default)
        axes = value if isinstance(value, list) else [value]
        shape = self.keras_shape()
        size = 1
        for axis in axes:
            if not isinstance(axis, int) or isinstance(axis, bool):
                return None
            index = axis % (len(shape) + 1) - 1
            if not 0 <= index < len(shape) or not isinstance(shape[index], int):
                return None
            size *= shape[index]
        return size

    def channels(self) -> int:
        """The (first) input's channels: as the config states them, else as analysed."""
        stated = self._stated_shape()
        if stated is not None and isinstance(stated[-1 if len(stated) > 1 else 0], int):
            channels = stated[0] if self.channels_first or len(stated) == 1 else stated[-1]
        else:
            channels = self.shape()[0]
        if not isinstance(channels, int):
            raise Skip(N_("its input's channels are not a number"), keeps_shape=False)
        return channels

    def value(self, key: str, default: Any = _REQUIRED) -> Any:
        if key in self.node.config and self.node.config[key] is not None:
            return self.node.config[key]
        if default is _REQUIRED:
            raise BadField(f"field '{key}' is missing")
        return default

    def count(self, key: str, default: Any = _REQUIRED) -> int:
        value = self.value(key, default)
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            raise BadField(f"field '{key}': expected a positive integer, got {show(value)}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.value(key, default)
        if not isinstance(value, bool):
            raise BadField(f"field '{key}': expected true or false, got {show(value)}")
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
            raise BadField(f"field '{key}': expected {rank} sizes, got {show_shape(value)}")
        return list(items)

    def text(self, key: str, default: str) -> str:
        value = self.value(key, default)
        if not isinstance(value, str):
            raise BadField(f"field '{key}': expected a name, got {show(value)}")
        return value.lower()

    def padding(self, *, causal: bool = False) -> str:
        """The ``padding`` field: ``valid`` (the default) or ``same``; ``causal`` if allowed."""
        padding = self.text("padding", "valid")
        if padding not in ("valid", "same") and not (causal and padding == "causal"):
            raise BadField(f"field 'padding': expected 'valid' or 'same', got '{padding}'")
        return padding

    def channel_axes(self, key: str) -> bool:
        """Whether the axis field ``key`` (default -1) names the channel axis alone."""
        value = self.value(key, -1)
        axes = value if isinstance(value, list) else [value]
        if not all(isinstance(axis, int) and not isinstance(axis, bool) for axis in axes):
            raise BadField(f"field '{key}': expected an axis, got {show(value)}")
        keras_rank = self.rank() + 1
        channel = 1 if self.channels_first else keras_rank - 1
        return [axis % keras_rank for axis in axes] == [channel]

    def note(self, message: str, weights: Weights = NO_WEIGHTS, **values: object) -> None:
        """Something of the layer left out (an activation): listed with the skipped layers,
        with the weights it holds; ``message`` is marked with ``N_``, ``values`` fill it."""
        self.notes.append((reason(message, **values), weights))


Translator: TypeAlias = Callable[[Call], list[Layer]]


def compact(sizes: list[int]) -> int | list[int]:
    """One size for all axes when they agree, as a person writes a spec."""
    return sizes[0] if len(set(sizes)) == 1 else sizes


def bias(call: Call) -> Layer:
    """``bias: false`` when the layer has none (Keras's ``use_bias=False``)."""
    return {} if call.flag("use_bias", True) else {"bias": False}


def not_expressible(
    what: str, weights: Weights | Callable[[Call], Weights | None] = NO_WEIGHTS
) -> Translator:
    """A translator for a class cnncalc has no layer for, one that changes the shape;
    ``what`` is marked with ``N_`` where written (shown in the user's language);
    ``weights`` are the layer's (or how to count them), said when it is left out last."""

    def translate(call: Call) -> list[Layer]:
        held = weights(call) if callable(weights) else weights
        raise Skip(N_("cnncalc has no {what}"), keeps_shape=False, weights=held, what=reason(what))

    return translate


def parameter_free(what: str) -> Translator:
    """A translator for a class with no parameters that keeps its input's shape (``what``
    marked with ``N_`` where written)."""

    def translate(call: Call) -> list[Layer]:
        raise Skip(N_("{what}; no cnncalc type"), weights=NO_WEIGHTS, what=reason(what))

    return translate
