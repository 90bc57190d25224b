"""Running the rules over a network: per-layer counts and totals under one convention."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from cnncalc import ir
from cnncalc.arith import Dim, Shape
from cnncalc.conventions import Convention
from cnncalc.errors import RuleError, SpecError
from cnncalc.rules import NO_FLOPS, Flops, LayerCounts, rule_for

METRICS = (
    "trainable_params",
    "non_trainable_params",
    "params",
    "macs",
    "flops",
    "neurons",
    "connections",
)
"""The count metrics of every layer and of the totals, in report order."""


@dataclass(frozen=True, slots=True)
class Counts:
    """The count metrics; ``flops`` under the report's convention."""

    trainable_params: Dim
    non_trainable_params: Dim
    macs: Dim
    flops: Dim
    neurons: Dim
    connections: Dim

    @property
    def params(self) -> Dim:
        """Trainable plus non-trainable parameters (Keras's "Total params")."""
        return self.trainable_params + self.non_trainable_params

    def metric(self, name: str) -> Dim:
        """A metric by its name in :data:`METRICS`."""
        if name not in METRICS:
            raise KeyError(name)
        value: Dim = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class LayerReport(Counts):
    """One layer's name, type, output shape and counts."""

    name: str
    type: str
    output_shape: Shape
    flops_by_convention: Flops = field(repr=False)
    """The layer's FLOPs under every convention, not only the report's."""


@dataclass(frozen=True, slots=True)
class Report:
    """The analysis of a network: its layers in order, and totals that sum them."""

    name: str
    input_shape: Shape
    convention: Convention
    layers: tuple[LayerReport, ...]
    totals: Counts
    flops_by_convention: Flops = field(repr=False)

    @property
    def output_shape(self) -> Shape:
        """The shape of the last layer's output."""
        return self.layers[-1].output_shape if self.layers else self.input_shape

    def layer(self, name: str) -> LayerReport:
        """The layer called ``name``."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer named {name!r}")

    def __iter__(self) -> Iterator[LayerReport]:
        return iter(self.layers)


def analyze_network(network: ir.Network, convention: Convention) -> Report:
    """Apply each layer's rule in order, feeding each output shape to the next layer.

    Totals are plain sums of the layer rows; layers that only pass values through
    contribute 0 to neurons and connections by their rules, so nothing is
    counted twice. Raises :class:`SpecError` located at the failing layer's field.
    """
    shape = network.input_shape
    layers: list[LayerReport] = []
    for layer in network.layers:
        try:
            counts: LayerCounts = rule_for(layer.op)(layer.op, shape)
        except RuleError as error:
            loc = ("layers", layer.index) + ((error.field,) if error.field else ())
            raise SpecError(
                error.message,
                loc=loc,
                layer=f"{layer.index + 1} '{layer.name}' ({layer.type})",
                field=error.field,
            ) from None
        layers.append(
            LayerReport(
                name=layer.name,
                type=layer.type,
                output_shape=counts.output_shape,
                trainable_params=counts.trainable_params,
                non_trainable_params=counts.non_trainable_params,
                macs=counts.macs,
                flops=counts.flops[convention],
                neurons=counts.neurons,
                connections=counts.connections,
                flops_by_convention=counts.flops,
            )
        )
        shape = counts.output_shape
    all_flops = sum((layer.flops_by_convention for layer in layers), NO_FLOPS)
    return Report(
        name=network.name,
        input_shape=network.input_shape,
        convention=convention,
        layers=tuple(layers),
        totals=Counts(
            trainable_params=sum(layer.trainable_params for layer in layers),
            non_trainable_params=sum(layer.non_trainable_params for layer in layers),
            macs=all_flops.macs,
            flops=all_flops[convention],
            neurons=sum(layer.neurons for layer in layers),
            connections=sum(layer.connections for layer in layers),
        ),
        flops_by_convention=all_flops,
    )
