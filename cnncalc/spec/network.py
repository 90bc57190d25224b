"""The whole spec: name, input shape, layers, FLOP convention and expectations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializeAsAny,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cnncalc import ir
from cnncalc.arith import Shape
from cnncalc.conventions import DEFAULT_CONVENTION, Convention
from cnncalc.errors import Loc, SpecError
from cnncalc.expressions import WHOLE_FIX, Formula
from cnncalc.i18n import _
from cnncalc.spec.expectation import Expectation
from cnncalc.spec.fields import InputShape, SymbolValue, suggest
from cnncalc.spec.layers import Defaults, LayerSpec, layer_from

if TYPE_CHECKING:
    from cnncalc.spec.blocks import Origin
    from cnncalc.spec.published import Published
    from cnncalc.spec.source import SourceMap
    from cnncalc.spec.variants import Paper, Variant
else:
    # A library model's paper, published numbers and variants are validated by
    # ``_lazy_entries`` below, through models imported only when a spec has them:
    # a plain spec's start-up does not pay for building them.
    Published = Paper = Variant = Any

LAZY_FIELDS = ("paper", "published", "variants")
"""The fields whose models are built only for a spec that has them (see ``_lazy_entries``)."""

TOTAL = "total"
"""The ``expect`` key for the network's totals (so no layer may be named so)."""


class NetworkSpec(BaseModel):
    """A network as the user describes it."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    model: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="The name the built-in library knows this network by ('cnncalc "
        "resnet50'); lower case, digits, '-', '_' and '.'.",
    )
    paper: Paper | None = Field(
        default=None, description="The paper that describes the architecture (its family's)."
    )
    name: str = Field(default="network", description="The network's name, shown in reports.")
    source: str | None = Field(
        default=None, description="Where the architecture and expected numbers come from."
    )
    input: InputShape = Field(description="Input shape, channels first: [channels, height, width].")
    inputs: dict[str, InputShape] = Field(
        default_factory=dict,
        description="The network's other inputs by name, each with its shape (a two-input "
        "model's second image): layers read them by name, as they read 'input'.",
    )
    convention: Convention = Field(
        default=DEFAULT_CONVENTION,
        description="FLOP convention of the report's flops column and of expect's flops.",
    )
    framework: ir.Framework = Field(
        default=ir.Framework.KERAS,
        description="Whose parameter accounting to follow: keras counts batch norm's running "
        "mean and variance as non-trainable parameters, pytorch as buffers.",
    )
    blocks: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Reusable blocks of layers, instantiated in 'layers' with 'block: NAME': "
        "each has 'params' (names and defaults) and 'layers' (see cnncalc.spec.blocks).",
    )
    layers: list[SerializeAsAny[LayerSpec]] = Field(
        min_length=1, description="The layers, input to output."
    )
    expect: dict[str, Expectation] = Field(
        default_factory=dict,
        description="Numbers from the source, per layer name, block instance (its layers "
        "summed) or 'total'; checked by 'cnncalc check'.",
    )
    values: dict[str, SymbolValue] = Field(
        default_factory=dict,
        description="Values of the size symbols at which expect's numbers are checked "
        "(a symbolic spec only): positive integers; a multiplier, a symbol that every "
        "formula rounds (a of int(32*a)), may also be a fraction, '3/4' or 0.75 (exact).",
    )
    published: list[Published] = Field(
        default_factory=list,
        description="Numbers as a paper or a framework's documentation prints them, each "
        "with its source; 'cnncalc check' compares them at their printed precision.",
    )
    params: dict[str, StrictBool | StrictInt | str] = Field(
        default_factory=dict,
        description="The network's parameters and their defaults, used by its top-level "
        "layers as a block's layers use the block's: sizes ('4*width'), 'when:' and "
        "'repeat:'; each variant gives its own values.",
    )
    variants: dict[str, Variant] = Field(
        default_factory=dict,
        description="Other networks of this family, by name: each the spec with its own "
        "params (and name, input, expect, published...); the spec as written is 'model'.",
    )

    _source_map: SourceMap | None = PrivateAttr(default=None)
    _origins: tuple[Origin, ...] | None = PrivateAttr(default=None)
    _inputs: tuple[tuple[str, ...], ...] = PrivateAttr(default=())

    @field_validator(*LAZY_FIELDS, mode="before")
    @classmethod
    def _lazy_entries(cls, value: object, info: ValidationInfo) -> object:
        if value is None or value in ([], {}):
            return value
        from pydantic import TypeAdapter, ValidationError

        from cnncalc.spec.diagnostics import from_validation_error

        adapter = TypeAdapter(lazy_field_type(str(info.field_name)))
        try:
            return adapter.validate_python(value)
        except ValidationError as error:
            raise from_validation_error(error, value, prefix=(str(info.field_name),)) from None

    @field_validator("layers", mode="before")
    @classmethod
    def _layer_models(cls, value: object) -> object:
        # Each layer through the model its type names: only those get built.
        if not isinstance(value, list):
            return value
        if len(value) > ir.MAX_LAYERS:  # before any layer is validated
            raise SpecError(
                _("the spec has {count} layers, over the limit of {limit}").format(
                    count=f"{len(value):,}", limit=f"{ir.MAX_LAYERS:,}"
                ),
                loc=("layers",),
            )
        return [layer_from(index, item) for index, item in enumerate(value)]

    @model_validator(mode="after")
    def _check_names(self) -> Self:
        names = layer_names(self.layers)
        _check_input_names(self.inputs, names)
        self._inputs = resolve_inputs(self.layers, names, set(self.inputs))
        for key in self.expect:
            if key != TOTAL and key not in names and not instance_layers(key, names):
                prefixes = {name.split(".")[0] for name in names}
                raise SpecError(
                    _("no layer or block instance is named '{name}'{hint}").format(
                        name=key, hint=suggest(key, [*prefixes, *names, TOTAL])
                    ),
                    loc=("expect", key),
                )
        _check_published(self.published, names)
        for variant, entry in self.variants.items():
            for key in entry.params:
                if key not in self.params:
                    raise SpecError(
                        _("the spec has no parameter '{name}'{hint}").format(
                            name=key, hint=suggest(key, list(self.params))
                        ),
                        loc=("variants", variant, "params", key),
                    )
            if variant == self.model:
                raise SpecError(
                    _("'{name}' is the spec's own model; a variant needs another name").format(
                        name=variant
                    ),
                    loc=("variants", variant),
                )
        if self.values:
            symbols = sorted(formula_names(self._sizes()))
            multipliers = self.multipliers
            for key, value in self.values.items():
                if isinstance(value, Fraction) and key in symbols and key not in multipliers:
                    raise SpecError(
                        _(
                            "{name} is a size, a whole number: {formula} uses it outside "
                            "{functions}; give it a whole value, or round that formula"
                        ).format(name=key, formula=self._bare_use(key), functions=_(WHOLE_FIX)),
                        loc=("values", key),
                    )
            for key in self.values:
                if key not in symbols:
                    known = (
                        _("symbols: {names}").format(names=", ".join(symbols))
                        if symbols
                        else _("it has none")
                    )
                    raise SpecError(
                        _("no size symbol of this spec is named '{name}'{hint} ({known})").format(
                            name=key, hint=suggest(key, symbols), known=known
                        ),
                        loc=("values", key),
                    )
        return self

    def _sizes(self) -> list[object]:
        """Every size the spec writes: the inputs' shapes and each layer's fields."""
        return [
            self.input,
            *self.inputs.values(),
            *(v for layer in self.layers for v in layer.__dict__.values()),
        ]

    @property
    def multipliers(self) -> frozenset[str]:
        """The symbols that every formula uses only inside a rounding (``a`` of ``int(32*a)``,
        ``make_divisible(64*a, 8)``): positive rationals. Every other symbol is a size, a
        positive integer. (Not cached: a spec is frozen, but this is asked rarely.)"""
        names, bare = formula_names(self._sizes()), set[str]()
        stack = self._sizes()
        while stack:
            value = stack.pop()
            if isinstance(value, Formula):
                bare |= value.bare_names
            elif isinstance(value, tuple):
                stack.extend(value)
        return frozenset(names - bare)

    def _bare_use(self, name: str) -> str:
        """The first formula that uses ``name`` as a size, quoted: ``'32*a'``."""
        stack = self._sizes()[::-1]
        while stack:
            value = stack.pop()
            if isinstance(value, Formula) and name in value.bare_names:
                return f"'{value}'"
            if isinstance(value, tuple):
                stack.extend(reversed(value))
        return name  # pragma: no cover - a symbol that is no multiplier has a bare use

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
        others: tuple[tuple[str, Shape], ...] = tuple(self.inputs.items())
        defaults = Defaults(framework=self.framework)
        ops = [layer.to_ir(defaults) for layer in self.layers]
        symbolic = _has_formula(
            [input_shape, *(shape for _, shape in others),
             *(value for layer in self.layers for value in layer.__dict__.values())]
        )  # fmt: skip
        if symbolic:
            from cnncalc.symbolic import with_expressions

            multipliers = self.multipliers
            input_shape = with_expressions(input_shape, multipliers)
            others = tuple((name, with_expressions(shape, multipliers)) for name, shape in others)
            ops = [with_expressions(op, multipliers) for op in ops]
        return ir.Network(
            name=self.name,
            input_shape=input_shape,
            other_inputs=others,
            layers=tuple(
                ir.Layer(
                    name=name,
                    type=layer.kind,
                    op=op,
                    index=index,
                    inputs=inputs,
                    block=self._origins[index].block if self._origins else None,
                    trainable=layer.trainable,
                )
                for index, (name, layer, op, inputs) in enumerate(
                    zip(self.layer_names, self.layers, ops, self._inputs, strict=True)
                )
            ),
            symbolic=symbolic,
        )


def lazy_field_type(field: str) -> Any:
    """The type that validates lazy field ``field`` (one of :data:`LAZY_FIELDS`)."""
    from cnncalc.spec.published import Published
    from cnncalc.spec.variants import Paper, Variant

    types: dict[str, Any] = {
        "paper": Paper | None,
        "published": list[Published],
        "variants": dict[str, Variant],
    }
    return types[field]


def _check_published(published: list[Published], names: list[str]) -> None:
    """Each published number counts ``total``, a layer, or a block instance's layers."""
    prefixes = {name.split(".")[0] for name in names}
    for index, entry in enumerate(published):
        for position, name in enumerate(entry.layers):
            if name == TOTAL or name in names or instance_layers(name, names):
                continue
            loc: Loc = ("published", index, "layer")
            if not isinstance(entry.layer, str):
                loc = (*loc, position)
            raise SpecError(
                _("no layer or block instance is named '{name}'{hint}").format(
                    name=name, hint=suggest(name, [*prefixes, *names, TOTAL])
                ),
                loc=loc,
            )


def instance_layers(name: str, names: Sequence[str]) -> list[str]:
    """The layers of block instance ``name`` (``layer3`` → ``layer3.0.conv1``, …), in order."""
    prefix = name + "."
    return [layer for layer in names if layer.startswith(prefix)]


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


def formula_names(values: list[object]) -> set[str]:
    """The size symbols that ``values`` (sizes, or tuples of them) use in formulas."""
    names: set[str] = set()
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, Formula):
            names |= value.names
        elif isinstance(value, tuple):
            stack.extend(value)
    return names


def _check_input_names(inputs: dict[str, Shape], names: list[str]) -> None:
    """The other inputs' names: neither reserved nor a layer's."""
    for name in inputs:
        if name in (TOTAL, ir.NETWORK_INPUT) or name in names:
            message = (
                _("'{name}' is a layer's name; name the input otherwise")
                if name in names
                else _("'{name}' is reserved; name the input otherwise")
            )
            raise SpecError(message.format(name=name), loc=("inputs", name))


def resolve_inputs(
    layers: Sequence[LayerSpec], names: list[str], others: set[str] | None = None
) -> tuple[tuple[str, ...], ...]:
    """Each layer's inputs by name: the layer above unless it names others.

    A layer reads only layers above it (or ``input``, or one of the network's
    ``others`` inputs), so the graph has no cycle; a name below it, or no such
    name, is a located error naming both.
    """
    above = {ir.NETWORK_INPUT, *(others or ())}
    resolved: list[tuple[str, ...]] = []
    previous = ir.NETWORK_INPUT
    known = set(names) | (others or set())
    for index, (layer, name) in enumerate(zip(layers, names, strict=True)):
        sources = layer.sources
        field = "inputs" if layer.inputs is not None else "input"
        for position, written in enumerate(sources):
            loc: Loc = ("layers", index, field) + ((position,) if field == "inputs" else ())
            source = output_of(written, known)
            if source not in known and source != ir.NETWORK_INPUT:
                hint = suggest(written, [*above, *names])
                raise SpecError(
                    _("layer '{name}' reads '{source}', but no layer is named so{hint}").format(
                        name=name, source=written, hint=hint
                    ),
                    loc=loc,
                )
            if source not in above:
                raise SpecError(
                    _(
                        "layer '{name}' reads '{source}', which comes after it (layer "
                        "{position}): a layer reads only layers above it, so this would be a "
                        "cycle"
                    ).format(name=name, source=source, position=names.index(source) + 1),
                    loc=loc,
                )
        resolved.append(sources or (previous,))
        above.add(name)
        previous = name
    return tuple(resolved)


def output_of(source: str, names: Container[str]) -> str:
    """The layer whose output ``source`` reads: itself, or ``NAME`` for ``NAME.i``, output
    ``i`` of a layer with several (a ``split``; the analysis checks that ``i`` exists)."""
    if source in names:
        return source
    base, dot, part = source.rpartition(".")
    if dot and part.isascii() and part.isdigit() and base in names:
        return base
    return source


def layer_names(layers: Sequence[LayerSpec]) -> list[str]:
    """Given names kept, missing ones generated Keras style (``conv2d_1``, ``conv2d_2``).

    Raises :class:`SpecError` on a duplicate or reserved name.
    """
    given: dict[str, int] = {}
    for index, layer in enumerate(layers):
        if layer.name is None:
            continue
        if layer.name in (TOTAL, ir.NETWORK_INPUT):
            message = (
                _("'{name}' is reserved for the totals in 'expect'; choose another name")
                if layer.name == TOTAL
                else _("'{name}' is reserved for the network's input; choose another name")
            )
            raise SpecError(message.format(name=layer.name), loc=("layers", index, "name"))
        if layer.name in given:
            raise SpecError(
                _("duplicate layer name '{name}' (layer {position} has it too)").format(
                    name=layer.name, position=given[layer.name] + 1
                ),
                loc=("layers", index, "name"),
            )
        given[layer.name] = index
    return generate_names([(layer.name, layer.kind) for layer in layers])


def generate_names(layers: Sequence[tuple[str | None, str]]) -> list[str]:
    """``(given name or None, type)`` pairs → names, ``<type>_<n>`` for the missing ones."""
    given = {name for name, _ in layers if name is not None}
    counters: Counter[str] = Counter()
    names: list[str] = []
    for name, kind in layers:
        if name is not None:
            names.append(name)
            continue
        while True:
            counters[kind] += 1
            candidate = f"{kind}_{counters[kind]}"
            if candidate not in given:
                break
        names.append(candidate)
    return names
