"""The whole spec: name, input shape, layers, FLOP convention and expectations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from cnncalc import ir
from cnncalc.arith import Shape
from cnncalc.conventions import DEFAULT_CONVENTION, Convention
from cnncalc.errors import SpecError
from cnncalc.expressions import Formula
from cnncalc.spec.fields import InputShape, suggest
from cnncalc.spec.layers import AnyLayer, LayerSpec

if TYPE_CHECKING:
    from cnncalc.spec.source import SourceMap

TOTAL = "total"
"""The ``expect`` key for the network's totals (so no layer may be named so)."""

Expected = Annotated[int, Field(ge=0, strict=True)] | Formula
"""An expected count: a number, or a formula in the spec's symbols."""


class Expectation(BaseModel):
    """Numbers a source gives for one layer or for the totals; checked by ``cnncalc check``.

    ``flops`` is checked under the spec's ``convention``. In a symbolic spec a
    number is checked with the spec's ``values`` substituted, a formula as it is.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    output_shape: InputShape | None = None
    trainable_params: Expected | None = None
    non_trainable_params: Expected | None = None
    params: Expected | None = None
    macs: Expected | None = None
    flops: Expected | None = None
    neurons: Expected | None = None
    connections: Expected | None = None


class NetworkSpec(BaseModel):
    """A network as the user describes it."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    name: str = Field(default="network", description="The network's name, shown in reports.")
    source: str | None = Field(
        default=None, description="Where the architecture and expected numbers come from."
    )
    input: InputShape = Field(description="Input shape, channels first: [channels, height, width].")
    convention: Convention = Field(
        default=DEFAULT_CONVENTION,
        description="FLOP convention of the report's flops column and of expect's flops.",
    )
    layers: list[AnyLayer] = Field(min_length=1, description="The layers, input to output.")
    expect: dict[str, Expectation] = Field(
        default_factory=dict,
        description="Numbers from the source, per layer name or 'total'; checked by "
        "'cnncalc check'.",
    )
    values: dict[str, Annotated[int, Field(ge=1, strict=True)]] = Field(
        default_factory=dict,
        description="Values of the size symbols at which expect's numbers are checked "
        "(a symbolic spec only).",
    )

    _source_map: SourceMap | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_names(self) -> Self:
        names = layer_names(self.layers)
        for key in self.expect:
            if key != TOTAL and key not in names:
                raise SpecError(
                    f"no layer is named '{key}'{suggest(key, [*names, TOTAL])}",
                    loc=("expect", key),
                )
        return self

    @property
    def layer_names(self) -> list[str]:
        """Each layer's name, generated as ``<type>_<n>`` where the spec gives none."""
        return layer_names(self.layers)

    def to_ir(self) -> ir.Network:
        """The IR of this network: normalised nodes with resolved names.

        Formulas (``kernel: k``) become sympy expressions here, and only here:
        a spec without one never imports sympy.
        """
        input_shape: Shape = self.input
        ops = [layer.to_ir() for layer in self.layers]
        symbolic = _has_formula(
            [input_shape, *(value for layer in self.layers for value in layer.__dict__.values())]
        )
        if symbolic:
            from cnncalc.symbolic import with_expressions

            input_shape = with_expressions(input_shape)
            ops = [with_expressions(op) for op in ops]
        return ir.Network(
            name=self.name,
            input_shape=input_shape,
            layers=tuple(
                ir.Layer(name=name, type=layer.kind, op=op, index=index)
                for index, (name, layer, op) in enumerate(
                    zip(self.layer_names, self.layers, ops, strict=True)
                )
            ),
            symbolic=symbolic,
        )


def _has_formula(values: list[object]) -> bool:
    """Whether any of ``values`` (sizes, or tuples of them) is or holds a formula.

    An explicit stack and exact type checks: this runs over every field of
    every layer on the numeric path, where it must cost next to nothing.
    """
    stack = values
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is Formula:
            return True
        if kind is tuple:
            stack.extend(value)  # type: ignore[arg-type]
    return False


def layer_names(layers: Sequence[LayerSpec]) -> list[str]:
    """Given names kept, missing ones generated Keras style (``conv2d_1``, ``conv2d_2``).

    Raises :class:`SpecError` on a duplicate or reserved name.
    """
    given: dict[str, int] = {}
    for index, layer in enumerate(layers):
        if layer.name is None:
            continue
        if layer.name == TOTAL:
            raise SpecError(
                f"'{TOTAL}' is reserved for the totals in 'expect'; choose another name",
                loc=("layers", index, "name"),
            )
        if layer.name in given:
            raise SpecError(
                f"duplicate layer name '{layer.name}' (layer {given[layer.name] + 1} has it too)",
                loc=("layers", index, "name"),
            )
        given[layer.name] = index
    counters: Counter[str] = Counter()
    names: list[str] = []
    for layer in layers:
        if layer.name is not None:
            names.append(layer.name)
            continue
        while True:
            counters[layer.kind] += 1
            candidate = f"{layer.kind}_{counters[layer.kind]}"
            if candidate not in given:
                break
        names.append(candidate)
    return names
