"""Running the rules over a network: per-layer counts and totals under one convention."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, ClassVar

from cnncalc import ir
from cnncalc.arith import Dim, Shape, check_shape, total
from cnncalc.conventions import Convention, Flops, count
from cnncalc.errors import RuleError, SpecError
from cnncalc.i18n import _, ngettext
from cnncalc.progress import tracked
from cnncalc.rules import LayerCounts, apply_rule
from cnncalc.work import Work

METRICS = (
    "trainable_params",
    "non_trainable_params",
    "params",
    "buffers",
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
    buffers: Dim
    """PyTorch's buffers (batch norm's running statistics), which are not parameters."""
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

    def formula(self, metric: str) -> Any:
        """The metric as a sympy expression (in the spec's size symbols, if it has any)."""
        import sympy

        return sympy.sympify(self.metric(metric))


@dataclass(frozen=True, slots=True)
class LayerReport(Counts):
    """One layer's name, type, output shape and counts."""

    name: str
    type: str
    output_shape: Shape
    work: Work = field(repr=False)
    """What the layer computes (a folded row: its layers'), which every convention counts."""
    inputs: tuple[str, ...] = field(repr=False)
    """The layers it reads (``input`` is the network's input)."""
    input_shapes: tuple[Shape, ...] = field(repr=False)
    node: ir.Node | None = field(repr=False)
    """The IR node the counts come from (for its formulas); None for a folded block."""
    convention: Convention = field(repr=False)
    block: str | None = field(default=None, repr=False)
    """The block the layer was written in, if any."""
    members: int = field(default=1, repr=False)
    """How many layers the row stands for (more than 1 once folded by ``--depth``)."""
    output_shapes: tuple[Shape, ...] = field(default=(), repr=False)
    """Each output's shape, for a layer with several (``split``: read as ``NAME.0``, …);
    empty for one output, ``output_shape``."""
    frozen: bool = field(default=False, repr=False)
    """Whether the layer is frozen (``trainable: false``, ``--freeze``): its rule's trainable
    parameters are counted as non-trainable, and a training step skips their gradient."""
    integer_buffers: Dim = field(default=0, repr=False)
    """How many of ``buffers`` hold integers (see :class:`~cnncalc.rules.LayerCounts`)."""

    @property
    def input_shape(self) -> Shape:
        """The shape of the (first) input."""
        return self.input_shapes[0]

    @property
    def flops_by_convention(self) -> Flops:
        """The layer's FLOPs under every convention, not only the report's."""
        return Flops.of(self.work)

    def formula(self, metric: str) -> Any:
        """The general formula of ``metric`` for this layer, in its own quantities.

        A sympy expression in ``c_in``, ``h_in``, ``k_h``, ``c_out``, ``h_out``, …;
        ``flops`` under the report's convention (see :mod:`cnncalc.formulas`).
        """
        from cnncalc.formulas import derive

        if self.node is None:
            raise ValueError(f"'{self.name}' stands for {self.members} layers: no single formula")
        return derive(self.node, self.input_shapes, self.convention)[metric].formula


@dataclass(frozen=True, slots=True)
class Requirement:
    """A condition a symbolic network puts on its sizes (``n >= 32``), and where it arises."""

    layer: str
    field: str | None
    relation: Any
    message: str


@dataclass(frozen=True)  # no slots: room for the name index, an attribute but not a field
class Report:
    """The analysis of a network: its layers in order, and totals that sum them."""

    name: str
    input_shape: Shape
    convention: Convention
    layers: tuple[LayerReport, ...]
    totals: Counts
    requirements: tuple[Requirement, ...] = ()
    """What a symbolic network needs of its symbols; empty for numbers."""
    other_inputs: tuple[tuple[str, Shape], ...] = ()
    """The network's other inputs, by name, with their shapes."""
    values: tuple[tuple[str, object], ...] = ()
    """The values put in for size symbols (a spec's ``values``, ``--subs``), in the order
    given: empty for a numeric spec and for formulas. A value is an int (or, where the
    formula language allows them, an exact rational): :func:`value_text` writes it."""
    _positions: ClassVar[dict[str, int] | None] = None
    """Each layer name's first row, set on an instance by its first :meth:`layer` call
    (not a field: ``replace`` and ``subs`` make reports without it)."""

    @property
    def flops_by_convention(self) -> Flops:
        """The total FLOPs under every convention, not only the report's."""
        return Flops.total(layer.flops_by_convention for layer in self.layers)

    @property
    def symbols(self) -> frozenset[str]:
        """The names of the size symbols the report's counts depend on."""
        return frozenset(self.symbol_objects)

    @property
    def symbol_objects(self) -> dict[str, Any]:
        """The size symbols the report's counts depend on, by name: sympy symbols, positive
        integers, or positive rationals for multipliers (``a`` of ``int(32*a)``)."""
        found: set[Any] = set()
        shapes = (self.input_shape, *(layer.output_shape for layer in self.layers))
        for value in (size for shape in shapes for size in shape):
            found |= getattr(value, "free_symbols", set())
        for layer in self.layers:
            for metric in METRICS:
                found |= getattr(layer.metric(metric), "free_symbols", set())
        return {str(s): s for s in found}

    def folded(self, depth: int) -> Report:
        """Layers named ``a.b.c`` grouped by their first ``depth`` name parts, summed.

        ``depth=1`` shows ResNet's ``layer1``…``layer4``; totals are unchanged,
        and every row is the sum of the layers it stands for.
        """
        groups: list[list[LayerReport]] = []
        keys: list[str] = []
        for layer in self.layers:
            key = ".".join(layer.name.split(".")[:depth])
            if keys and keys[-1] == key and key != layer.name:
                groups[-1].append(layer)
            else:
                groups.append([layer])
                keys.append(key)
        rows = tuple(_fold(key, group, depth) for key, group in zip(keys, groups, strict=True))
        return replace(self, layers=rows)

    def frozen(self, until: str) -> Report:
        """Every layer up to and including ``until`` frozen (``--freeze``), as if each had
        ``trainable: false``: its trainable parameters become non-trainable.

        Raises :class:`KeyError` if no layer is named ``until``.
        """
        self.layer(until)  # a KeyError for an unknown name
        last = next(i for i, layer in enumerate(self.layers) if layer.name == until)
        rows = tuple(
            replace(
                layer,
                trainable_params=0,
                non_trainable_params=layer.non_trainable_params + layer.trainable_params,
                frozen=True,
            )
            if index <= last
            else layer
            for index, layer in enumerate(self.layers)
        )
        return replace(self, layers=rows, totals=totals_of(rows))

    def subs(self, values: Mapping[str, int | Fraction]) -> Report:
        """The report with size symbols replaced by ``values`` (see :mod:`cnncalc.substitution`);
        its :attr:`values` record them."""
        from cnncalc.substitution import substitute_report

        return substitute_report(self, values)

    @property
    def output_shape(self) -> Shape:
        """The shape of the last layer's output."""
        return self.layers[-1].output_shape if self.layers else self.input_shape

    def layer(self, name: str) -> LayerReport:
        """The layer called ``name`` (the first, in a folded report): a lookup, not a scan,
        so checking every layer of a long network by name stays linear."""
        positions = self._positions
        if positions is None:
            positions = {}
            for index, layer in enumerate(self.layers):
                positions.setdefault(layer.name, index)
            object.__setattr__(self, "_positions", positions)  # frozen: a cache, set once
        if name not in positions:
            raise KeyError(f"no layer named {name!r}")
        return self.layers[positions[name]]

    def __iter__(self) -> Iterator[LayerReport]:
        return iter(self.layers)

    def _repr_html_(self) -> str:
        """Jupyter: the HTML page's body (table, formulas, drawing); renderers load only here."""
        from cnncalc.render.html_format import fragment

        return fragment(self)

    def _repr_markdown_(self) -> str:
        """Jupyter, where HTML is not shown: the Markdown table."""
        from cnncalc.render.markdown_format import render

        return render(self)


def value_text(value: object) -> str:
    """A size symbol's value as text: ``32``; an exact rational as ``3/4`` (its ``str``)."""
    return str(value)


def values_text(values: Sequence[tuple[str, object]], separator: str = ", ") -> str:
    """``n = 32, k = 5``: the values a report was computed at."""
    return separator.join(f"{name} = {value_text(value)}" for name, value in values)


def totals_of(layers: Sequence[LayerReport]) -> Counts:
    """The sums of the layers' counts."""
    return Counts(
        trainable_params=total(layer.trainable_params for layer in layers),
        non_trainable_params=total(layer.non_trainable_params for layer in layers),
        buffers=total(layer.buffers for layer in layers),
        macs=total(layer.macs for layer in layers),
        flops=total(layer.flops for layer in layers),
        neurons=total(layer.neurons for layer in layers),
        connections=total(layer.connections for layer in layers),
    )


def _fold(name: str, group: list[LayerReport], depth: int) -> LayerReport:
    if len(group) == 1:
        return group[0]
    blocks = {layer.block for layer in group}
    block = blocks.pop() if len(blocks) == 1 else None
    # Repetitions are numbered (``layer1.0``, ``layer1.1``): a block used once has no
    # number there (``stem.conv``, ``stem.bn``), and its layers are not repetitions.
    parts = (layer.name.split(".") for layer in group)
    repeats = len({p[depth] for p in parts if len(p) > depth and p[depth].isdigit()}) or 1
    first, last = group[0], group[-1]
    # The row reads what its layers read from outside it (a U-Net's skips too), once each.
    inside = {layer.name for layer in group}
    inputs = dict.fromkeys(name for layer in group for name in layer.inputs if name not in inside)
    return LayerReport(
        name=name,
        type=(f"{block} ×{repeats}" if repeats > 1 else block) if block else "block",
        output_shape=last.output_shape,
        trainable_params=total(layer.trainable_params for layer in group),
        non_trainable_params=total(layer.non_trainable_params for layer in group),
        buffers=total(layer.buffers for layer in group),
        integer_buffers=total(layer.integer_buffers for layer in group),
        macs=total(layer.macs for layer in group),
        flops=total(layer.flops for layer in group),
        neurons=total(layer.neurons for layer in group),
        connections=total(layer.connections for layer in group),
        work=tuple(fact for layer in group for fact in layer.work),
        inputs=tuple(inputs),
        input_shapes=first.input_shapes,
        node=None,
        convention=first.convention,
        block=first.block,
        members=sum(layer.members for layer in group),
    )


_SYMBOLIC_BAR, _NUMERIC_BAR = 20, 5_000
"""Layers from which an analysis may take a second or more: worth a progress bar."""


def channels_last_hint(shape: Shape) -> str:
    """A hint for an image input written channels last, as Keras writes it (``[28, 28, 1]``):
    cnncalc reads ``[channels, height, width]``, so its layers see 28 channels of 28×1."""
    if len(shape) != 3 or not all(type(size) is int for size in shape):
        return ""
    first, second, last = shape
    if last in (1, 3, 4) and min(first, second) > 4:
        return _(
            " (the input [{first}, {second}, {last}] reads as {first} channels of "
            "{second}×{last}: channels come first, did you mean [{last}, {first}, {second}]?)"
        ).format(first=first, second=second, last=last)
    return ""


def analyze_network(network: ir.Network, convention: Convention) -> Report:
    """Apply each layer's rule in order, feeding each output shape to the next layer.

    Totals are plain sums of the layer rows; layers that only pass values through
    contribute 0 to neurons and connections by their rules, so nothing is
    counted twice. Raises :class:`SpecError` located at the failing layer's field.
    """
    shapes: dict[str, Shape | tuple[Shape, ...]] = {ir.NETWORK_INPUT: network.input_shape}
    shapes.update(network.other_inputs)
    """Each output's shape by name; a layer with several outputs maps to all of them."""
    previous = ir.NETWORK_INPUT
    layers: list[LayerReport] = []
    requirements: list[Requirement] = []
    worth_a_bar = len(network.layers) >= (_SYMBOLIC_BAR if network.symbolic else _NUMERIC_BAR)
    if network.symbolic and len(network.layers) > ir.MAX_SYMBOLIC_LAYERS:
        raise SpecError(
            _(
                "the spec has {count} layers and size symbols, over the limit of {limit} for a "
                "symbolic analysis (a few ms a layer): give its sizes as numbers"
            ).format(count=f"{len(network.layers):,}", limit=f"{ir.MAX_SYMBOLIC_LAYERS:,}"),
            loc=("layers",),
        )
    if network.symbolic:
        from cnncalc.symbolic import input_requirements

        for condition in input_requirements(network.input_shape):
            requirements.append(
                Requirement(ir.NETWORK_INPUT, None, condition.relation, condition.message)
            )
    for layer in tracked(network.layers, f"analysing {network.name}", worth_a_bar=worth_a_bar):
        sources = layer.inputs or (previous,)
        try:
            field_name = "inputs" if len(sources) > 1 else "input"
            input_shapes = tuple(_input_shape(shapes, source, field_name) for source in sources)
            if network.symbolic:
                counts = _apply_symbolic(layer, input_shapes, requirements)
            else:
                counts = apply_rule(layer.op, input_shapes)
                check_shape(counts.output_shape)
        except RuleError as error:
            loc = ("layers", layer.index) + ((error.field,) if error.field else ())
            raise SpecError(
                error.message + channels_last_hint(network.input_shape),
                loc=loc,
                layer=f"{layer.index + 1} '{layer.name}' ({layer.type})",
                field=error.field,
            ) from None
        work = counts.work
        trainable, non_trainable = counts.trainable_params, counts.non_trainable_params
        if not layer.trainable:  # Keras's layer.trainable = False: all of them non-trainable
            trainable, non_trainable = 0, non_trainable + trainable
        layers.append(
            LayerReport(
                name=layer.name,
                type=layer.type,
                output_shape=counts.output_shape,
                trainable_params=trainable,
                non_trainable_params=non_trainable,
                buffers=counts.buffers,
                macs=count(work, Convention.MACS),
                flops=count(work, convention),
                neurons=counts.neurons,
                connections=counts.connections,
                work=work,
                inputs=sources,
                input_shapes=input_shapes,
                node=layer.op,
                convention=convention,
                block=layer.block,
                output_shapes=counts.outputs,
                frozen=not layer.trainable,
                integer_buffers=counts.integer_buffers,
            )
        )
        if counts.outputs:
            shapes[layer.name] = counts.outputs
            for index, shape in enumerate(counts.outputs):
                shapes[f"{layer.name}.{index}"] = shape
        else:
            shapes[layer.name] = counts.output_shape
        previous = layer.name
    return Report(
        name=network.name,
        input_shape=network.input_shape,
        convention=convention,
        layers=tuple(layers),
        totals=totals_of(layers),
        requirements=tuple(requirements),
        other_inputs=network.other_inputs,
    )


def _input_shape(
    shapes: Mapping[str, Shape | tuple[Shape, ...]], source: str, field_name: str
) -> Shape:
    """The shape of the output ``source`` names: a layer, or ``NAME.i`` of a layer with
    several outputs (which must be read one by one)."""
    found = shapes.get(source)
    if found is not None and not (found and isinstance(found[0], tuple)):
        return found
    if found is not None:
        raise RuleError(
            field_name,
            _(
                "'{source}' has {count} outputs: read one of them, as '{source}.0' to "
                "'{source}.{last}'"
            ).format(source=source, count=len(found), last=len(found) - 1),
        )
    base, _dot, part = source.rpartition(".")
    outputs = shapes.get(base, ())
    count = len(outputs) if outputs and isinstance(outputs[0], tuple) else 1
    message = (
        ngettext(
            "'{base}' has {count} output, '{base}.0' to '{base}.{last}'; there is no output {part}",
            "'{base}' has {count} outputs, '{base}.0' to '{base}.{last}'; there is no output "
            "{part}",
            count,
        )
        if count > 1
        else _("'{base}' has 1 output: read it as '{base}'; there is no output {part}")
    )
    raise RuleError(field_name, message.format(base=base, count=count, last=count - 1, part=part))


def _apply_symbolic(
    layer: ir.Layer, input_shapes: tuple[Shape, ...], requirements: list[Requirement]
) -> LayerCounts:
    """The layer's rule on sympy sizes: undecided conditions are kept, floors compacted."""
    from cnncalc.symbolic import collecting_conditions, compact_floors, require_sizes

    with collecting_conditions() as conditions:
        require_sizes(layer.op)
        counts: LayerCounts = apply_rule(layer.op, input_shapes)
    first = len(requirements)  # this layer's: comparing with every earlier one is quadratic
    for condition in conditions:
        # One per distinct relation: a square kernel states the same one per axis.
        if not any(r.relation == condition.relation for r in requirements[first:]):
            requirements.append(
                Requirement(layer.name, condition.field, condition.relation, condition.message)
            )
    return compact_floors(counts)
