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

from cnncalc.importers.keras_config.graph import Node
from cnncalc.importers.keras_config.messages import show, show_shape

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
    names: str = ""
    """Keras's names for them (``gamma``; ``mean, variance and count``)."""

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    def counted(self) -> str:
        """``16 trainable and 7 non-trainable parameters``."""
        counts = ((self.trainable, "trainable"), (self.non_trainable, "non-trainable"))
        kinds = [f"{count:,} {kind}" for count, kind in counts if count]
        return f"{' and '.join(kinds) or '0'} parameter{'s' if self.total != 1 else ''}"

    def left_out(self) -> str:
        """`` (it has no parameters)``, or ``: its 16 trainable parameters (gamma) are not
        counted``, to follow the reason a layer is left out."""
        if not self.total:
            return " (it has no parameters)"
        named = f" ({self.names})" if self.names else ""
        return f": its {self.counted()}{named} are not counted"


NO_WEIGHTS = Weights()
UNKNOWN_WEIGHTS_TEXT = (
    "; the config does not say what weights it has, so any it has are not counted"
)


def left_out(weights: Weights | None) -> str:
    """What leaving a layer out leaves uncounted; None: weights the config does not give."""
    return UNKNOWN_WEIGHTS_TEXT if weights is None else weights.left_out()


class Skip(Exception):
    """A layer cnncalc cannot express: why, whether its output has its input's shape,
    and the weights left out with it.

    ``keeps_shape`` None means the config does not say (an unknown class);
    ``weights`` None means the config does not say what weights it has.
    """

    def __init__(
        self, reason: str, keeps_shape: bool | None = True, weights: Weights | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
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
    notes: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    noted_weights: list[Weights] = field(default_factory=list)
    """Weights of the layer that its notes say are left out (batch renorm's)."""

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
            raise Skip("its input's channels are not a number", keeps_shape=False)
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

    def note(self, text: str, weights: Weights = NO_WEIGHTS) -> None:
        """Something of the layer left out (an activation): listed with the skipped layers,
        with the weights it holds."""
        self.notes.append(text)
        if weights.total:
            self.noted_weights.append(weights)


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
    ``weights`` are the layer's (or how to count them), said when it is left out last."""

    def translate(call: Call) -> list[Layer]:
        held = weights(call) if callable(weights) else weights
        raise Skip(f"cnncalc has no {what}", keeps_shape=False, weights=held)

    return translate


def parameter_free(what: str) -> Translator:
    """A translator for a class with no parameters that keeps its input's shape."""

    def translate(call: Call) -> list[Layer]:
        raise Skip(f"{what}; no cnncalc type", weights=NO_WEIGHTS)

    return translate
