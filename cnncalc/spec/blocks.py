"""Reusable blocks: defined once with parameters, instantiated as many times as needed.

```yaml
blocks:
  basic:                                   # ResNet's basic block
    params: {filters: 64, stride: 1, downsample: false}
    layers:
      - {name: conv1, type: conv2d, filters: filters, kernel: 3, stride: stride, padding: 1}
      - {name: add, type: add, inputs: [conv2, in], when: not downsample}
      ...
layers:
  - {name: layer2, block: basic, repeat: 2, filters: 128, first: {stride: 2, downsample: true}}
```

Expansion happens on the plain data, before validation: every instance
becomes ordinary layers named ``<instance>.<repetition>.<layer>`` (``layer2.0.conv1``,
the way torchvision names modules), parameters are substituted into size
formulas through the checked syntax tree (``filters: 4*filters``), ``when:``
keeps or drops a layer, and ``in`` names the block's input. Each expanded layer
keeps its :class:`Origin`, so an error in it points at the block definition.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
)

from cnncalc import ir
from cnncalc.arith import MAX_SIZE, MAX_SIZE_TEXT
from cnncalc.errors import Loc, SpecError, show_value
from cnncalc.expressions import Formula, FormulaError, constant_value, read_exact, within_bounds
from cnncalc.i18n import _
from cnncalc.spec.fields import suggest

BLOCK_INPUT = "in"
"""The name by which a block's layers read the block's input."""
INSTANCE_KEYS = ("block", "name", "repeat", "first", "input")
"""The keys of an instance that are not block parameters."""
MAX_NESTING = 8
"""How deep blocks may use blocks."""
MAX_LAYERS = ir.MAX_LAYERS
"""Most layers an expansion may produce: the network's own bound."""
MAX_VALUES = 5_000_000
"""Most values (fields, list items) the expanded layers may hold: 200,000 layers of
about ten fields is 2,000,000, while a long list in a block's layer, repeated,
would fill memory long before the layer bound is reached."""
_STRUCTURE = ("type", "name", "input", "inputs", "when", "block", "repeat", "first")
"""Layer keys whose values are never parameter formulas."""


class BlockSpec(BaseModel):
    """A block: its parameters with their defaults, and its layers."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    params: dict[str, StrictBool | StrictInt | StrictFloat | str] = Field(
        default_factory=dict,
        description="Parameters and their defaults; layers use them as sizes ('4*filters'), "
        "multipliers ('int(32*alpha)': a decimal such as 0.75 is read exactly, as 3/4), "
        "values ('activation: act') or conditions ('when: not downsample').",
    )
    layers: list[dict[str, Any]] = Field(
        min_length=1, description="The block's layers; 'in' is the block's input."
    )


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an expanded layer was written: its location, and the block it came from."""

    loc: Loc
    block: str | None = None


def expand_blocks(data: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[Origin, ...] | None]:
    """``data`` with every block instance replaced by its layers, and each layer's origin.

    A spec with ``params`` (the network's own parameters, as a block has) first
    has them put into its top-level layers, as into a block's: sizes, ``when:``
    and ``repeat:``. Without instances or parameters the data is returned as it
    is, with no origins.
    """
    layers = data.get("layers")
    written: list[int] | None = None
    if "params" in data and isinstance(layers, list):
        layers, written = with_network_params(layers, network_params(data))
    if not isinstance(layers, list) or not any(_is_instance(entry) for entry in layers):
        if data.get("blocks"):
            _blocks(data)  # still check the definitions
        if written is None:
            return dict(data), None
        return {**data, "layers": layers}, tuple(Origin(("layers", i)) for i in written)
    expander = _Expander(_blocks(data))
    check_expansion(layers, expander.blocks)
    expander.top_level(layers, written)
    return {**data, "layers": expander.layers}, tuple(expander.origins)


def network_params(data: Mapping[str, Any]) -> dict[str, Any]:
    """The spec's ``params``, checked as a block's are: names → a boolean, integer or formula."""
    raw = data.get("params")
    if not isinstance(raw, Mapping):
        raise SpecError(
            _("expected a mapping of parameter names to values, got {got}").format(
                got=show_value(raw)
            ),
            loc=("params",),
        )
    for name, value in raw.items():
        if isinstance(value, bool) or (isinstance(value, int | str) and value != ""):
            continue
        raise SpecError(
            _("expected true, false, an integer or a formula, got {got}").format(
                got=show_value(value)
            ),
            loc=("params", name),
        )
    return dict(raw)


def with_network_params(
    entries: list[Any], params: Mapping[str, Any]
) -> tuple[list[Any], list[int]]:
    """The top-level layers with the network's parameters put in, and where each was written.

    As in a block's body: a layer whose ``when:`` does not hold is left out, sizes
    take the parameters (``filters: 4*width``), and so do a block instance's
    parameter values and its ``repeat``.
    """
    kept: list[Any] = []
    written: list[int] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            kept.append(entry)  # not a layer: validation says so
            written.append(index)
            continue
        loc: Loc = ("layers", index)
        if not _included(entry.get("when", True), params, loc):
            continue
        kept.append(_expand_layer(entry, None, params, "", loc))
        written.append(index)
    return kept, written


def _first(value: object, params: Mapping[str, Any], loc: Loc) -> object:
    """An instance's ``first:`` values take the enclosing parameters, as its other values do."""
    if not isinstance(value, Mapping):
        return value  # the expansion says what is wrong with it
    return {key: _substitute(item, params, (*loc, key)) for key, item in value.items()}


def _repeat(value: object, params: Mapping[str, Any], loc: Loc) -> object:
    """``repeat: depth`` names a parameter, ``repeat: ceil(3*d)`` is a formula of them
    (EfficientNet's depth coefficient): its value, checked where the instance expands
    (a whole number from 1 to the layer limit)."""
    if not isinstance(value, str):
        return value
    if value.strip() in params:
        return params[value.strip()]
    result = _substitute(value, params, loc)
    if isinstance(result, str) and result != value and not Formula(result).names:
        raise SpecError(
            _("{formula} is {value}, not a whole number of repetitions: round it with "
              "ceil(), floor(), round() or int()").format(
                formula=value, value=constant_value(Formula(result))
            ),
            loc=loc,
        )  # fmt: skip
    return result


def _is_instance(entry: object) -> bool:
    return isinstance(entry, Mapping) and "block" in entry


def _blocks(data: Mapping[str, Any]) -> dict[str, BlockSpec]:
    raw = data.get("blocks") or {}
    if not isinstance(raw, Mapping):
        raise SpecError(
            _("expected a mapping of block names to blocks, got {got}").format(got=show_value(raw)),
            loc=("blocks",),
        )
    blocks = {}
    for name, body in raw.items():
        try:
            blocks[str(name)] = BlockSpec.model_validate(body)
        except ValidationError as error:
            from cnncalc.spec.diagnostics import from_validation_error

            located = from_validation_error(error, body, BlockSpec)
            located.loc = ("blocks", name, *located.loc)
            raise located from None
    return blocks


class _Expander:
    def __init__(self, blocks: dict[str, BlockSpec]) -> None:
        self.blocks = blocks
        self.layers: list[dict[str, Any]] = []
        self.origins: list[Origin] = []
        self.instances = 0

    @property
    def last(self) -> str:
        if not self.layers:
            return ir.NETWORK_INPUT
        previous = self.layers[-1]
        if not isinstance(previous, Mapping):  # validation would say so later; a block needs it now
            raise SpecError(
                _("expected a layer (a mapping with 'type'), got {got}").format(
                    got=show_value(previous)
                ),
                loc=self.origins[-1].loc,
            )
        return str(previous["name"])

    def emit(self, layer: dict[str, Any], origin: Origin) -> None:
        if len(self.layers) >= MAX_LAYERS:
            raise SpecError(_more_layers(), loc=origin.loc)
        self.layers.append(layer)
        self.origins.append(origin)

    def top_level(self, entries: list[Any], written: list[int] | None = None) -> None:
        """Expand ``entries``; ``written[i]`` is where entry ``i`` stands in the spec as
        written (the network's ``params`` may have left some out)."""
        # Layers outside blocks are named now, so that blocks can read them as 'in'.
        from cnncalc.spec.network import generate_names

        plain = [e for e in entries if not _is_instance(e)]
        names = iter(generate_names([(_given_name(e), _type_of(e)) for e in plain]))
        for index, entry in enumerate(entries):
            loc: Loc = ("layers", written[index] if written is not None else index)
            if _is_instance(entry):
                self.instance(entry, loc, depth=0, prefix="")
            elif isinstance(entry, Mapping):
                self.emit({**entry, "name": next(names)}, Origin(loc))
            else:
                next(names)
                self.emit(entry, Origin(loc))  # not a layer: validation says so

    def instance(self, entry: Mapping[str, Any], loc: Loc, depth: int, prefix: str) -> None:
        if depth > MAX_NESTING:
            raise SpecError(
                _("blocks nested deeper than {levels} levels").format(levels=MAX_NESTING), loc=loc
            )
        block_name = entry["block"]
        block = self.blocks.get(block_name) if isinstance(block_name, str) else None
        if block is None:
            hint = suggest(str(block_name), list(self.blocks))
            raise SpecError(
                _("no block is named {got}{hint}").format(got=show_value(block_name), hint=hint),
                loc=(*loc, "block"),
            )
        self.instances += 1
        name = entry.get("name") or f"{block_name}_{self.instances}"
        repeat = entry.get("repeat", 1)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            raise SpecError(
                _("expected a positive integer, got {got}").format(got=show_value(repeat)),
                loc=(*loc, "repeat"),
            )
        if repeat > MAX_LAYERS:
            shown = f"{repeat:,}" if repeat.bit_length() <= 128 else show_value(repeat)
            raise SpecError(
                _(
                    "repeat {repeat} is over the limit of {limit} layers after expanding blocks"
                ).format(repeat=shown, limit=f"{MAX_LAYERS:,}"),
                loc=(*loc, "repeat"),
            )
        given = {k: v for k, v in entry.items() if k not in INSTANCE_KEYS}
        first = entry.get("first") or {}
        if not isinstance(first, Mapping):
            raise SpecError(
                _("expected a mapping of parameters, got {got}").format(got=show_value(first)),
                loc=(*loc, "first"),
            )
        for key, where in [*((k, loc) for k in given), *((k, (*loc, "first")) for k in first)]:
            if key not in block.params:
                hint = suggest(str(key), [*block.params, *INSTANCE_KEYS])
                raise SpecError(
                    _("block '{block}' has no parameter '{name}'{hint}").format(
                        block=block_name, name=key, hint=hint
                    ),
                    loc=(*where, key),
                )
        source = entry.get("input")
        for repetition in range(repeat):
            params = {**block.params, **given, **(first if repetition == 0 else {})}
            path = f"{prefix}{name}.{repetition}" if "repeat" in entry else f"{prefix}{name}"
            block_input = source if (repetition == 0 and source) else self.last
            self.body(
                block_name=block_name, block=block, params=params, path=path,
                block_input=block_input, instance_loc=loc, depth=depth,
            )  # fmt: skip

    def body(
        self,
        *,
        block_name: str,
        block: BlockSpec,
        params: dict[str, Any],
        path: str,
        block_input: str,
        instance_loc: Loc,
        depth: int,
    ) -> None:
        local: dict[str, str] = {BLOCK_INPUT: block_input}
        from cnncalc.spec.network import generate_names

        generated = generate_names([(_given_name(e), _type_of(e)) for e in block.layers])
        first = True
        for index, (layer, local_name) in enumerate(zip(block.layers, generated, strict=True)):
            loc: Loc = ("blocks", block_name, "layers", index)
            if not _included(layer.get("when", True), params, loc):
                continue
            expanded = _expand_layer(layer, local, params, block_name, loc)
            if first and "input" not in expanded and "inputs" not in expanded:
                expanded["input"] = block_input  # also when the instance names its input
            if _is_instance(layer):
                self.instance({**expanded, "name": local_name}, loc, depth + 1, f"{path}.")
                local[local_name] = self.last
            else:
                expanded["name"] = local[local_name] = f"{path}.{local_name}"
                self.emit(expanded, Origin(loc, block_name))
            first = False
        if first:
            raise SpecError(
                _("every layer of block '{block}' is left out here").format(block=block_name),
                loc=instance_loc,
            )


def _expand_layer(
    layer: Mapping[str, Any], local: dict[str, str] | None, params: Mapping[str, Any],
    block: str, loc: Loc,
) -> dict[str, Any]:  # fmt: skip
    """A block layer's fields with parameters put in and input names made global.

    ``local`` None: a top-level layer (the network's own params), whose input names
    are global already.
    """
    expanded: dict[str, Any] = {}
    for key, value in layer.items():
        if key == "when":
            continue
        if key == "repeat":
            expanded[key] = _repeat(value, params, (*loc, key))
        elif key == "first":
            expanded[key] = _first(value, params, (*loc, key))
        elif key == "input" and local is not None:
            expanded[key] = _read(value, local, block, (*loc, key))
        elif key == "inputs" and isinstance(value, list) and local is not None:
            expanded[key] = [_read(v, local, block, (*loc, key, i)) for i, v in enumerate(value)]
        elif key in _STRUCTURE:
            expanded[key] = value
        else:
            expanded[key] = _substitute(value, params, (*loc, key))
    return expanded


def _given_name(entry: object) -> str | None:
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return name if isinstance(name, str) and name else None


def _type_of(entry: object) -> str:
    if isinstance(entry, Mapping):
        kind = entry.get("block") or entry.get("type")
        if isinstance(kind, str):
            return kind
    return "layer"


def _read(value: object, local: dict[str, str], block: str, loc: Loc) -> object:
    """A block layer's input name, as the expanded layer's name.

    ``NAME.i`` reads part i of a split or chunk above it in the block (ShuffleNet's
    ``split.1``): NAME is made global and the part kept; whether the part exists is
    checked where the network's graph is (as for a top-level layer).
    """
    if not isinstance(value, str):
        return value  # validation reports it
    if value in local:
        return local[value]
    whole, dot, part = value.rpartition(".")
    if dot and part.isdigit() and part.isascii() and whole in local:
        return f"{local[whole]}.{part}"
    if value == ir.NETWORK_INPUT:
        return value
    hint = suggest(value, list(local))
    raise SpecError(
        _(
            "'{name}' is not a layer above this one in block '{block}'{hint}; a block's layers "
            "read '{block_input}' (the block's input) or layers above them in the block"
        ).format(name=value, block=block, hint=hint, block_input=BLOCK_INPUT),
        loc=loc,
    )


def _included(condition: object, params: Mapping[str, Any], loc: Loc) -> bool:
    """``when: downsample`` / ``when: not downsample`` (a boolean parameter), or a literal."""
    if isinstance(condition, bool):
        return condition
    if isinstance(condition, str):
        negate = condition.startswith("not ")
        name = condition[4:].strip() if negate else condition.strip()
        value = params.get(name)
        if isinstance(value, bool):
            return value is not negate
    raise SpecError(
        _("expected a boolean parameter, 'not' one, true or false, got {got}").format(
            got=show_value(condition)
        ),
        loc=(*loc, "when"),
    )


def _substitute(value: object, params: Mapping[str, Any], loc: Loc) -> object:
    """A field's value with block parameters put in: ``4*filters`` → ``256``."""
    if isinstance(value, list):
        return [_substitute(item, params, (*loc, i)) for i, item in enumerate(value)]
    if not isinstance(value, str):
        return value
    if value.strip() in params:  # the whole value is a parameter: any type
        return params[value.strip()]
    try:
        formula = Formula(value)
    except FormulaError:
        return value  # not a formula ('same', 'relu'): validation judges it
    used = formula.names & params.keys()
    if not used:
        return value
    text = _put_in(formula, used, params, loc)
    try:
        result = Formula(text)
    except FormulaError as error:
        raise SpecError(
            _("with the block's parameters put in, {problem}").format(problem=error), loc=loc
        ) from None
    if result.names:
        return str(result)
    value = constant_value(result)
    # A fraction stays a formula: the field says whether it may be one (a size may not).
    return value if isinstance(value, int) else str(result)


def _put_in(formula: Formula, used: Collection[str], params: Mapping[str, Any], loc: Loc) -> str:
    """``formula``'s text with the parameters it ``used`` put in, through its syntax tree
    (never a function's name: a parameter may be called ``round``)."""
    tree = ast.parse(str(formula), mode="eval")
    for node in ast.walk(tree):
        for field, child in ast.iter_fields(node):
            if isinstance(child, ast.Name) and child.id in used and field != "func":
                setattr(node, field, _as_node(params[child.id], child.id, loc))
            elif isinstance(child, list) and field == "args":  # a function's arguments
                for index, item in enumerate(child):
                    if isinstance(item, ast.Name) and item.id in used:
                        child[index] = _as_node(params[item.id], item.id, loc)
    if isinstance(tree.body, ast.Name) and tree.body.id in used:
        tree.body = _as_node(params[tree.body.id], tree.body.id, loc)
    return ast.unparse(tree)


def _as_node(value: object, name: str, loc: Loc) -> ast.expr:
    if isinstance(value, float) and math.isfinite(value):
        exact = read_exact(repr(value))  # 0.75 as written: 3/4, never the binary float
        if isinstance(exact, int):
            value = exact
        elif exact is not None and within_bounds(exact):
            return ast.parse(f"({exact.numerator}/{exact.denominator})", mode="eval").body
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SpecError(
            _("parameter '{name}' is {got}, not a size").format(name=name, got=show_value(value)),
            loc=loc,
        )
    if isinstance(value, int):
        if abs(value) > MAX_SIZE:  # a size, and ast.unparse could not even print it
            raise SpecError(
                _("parameter '{name}' is {got}, larger than {bound}").format(
                    name=name, got=show_value(value), bound=_(MAX_SIZE_TEXT)
                ),
                loc=loc,
            )
        return ast.Constant(value)
    try:
        return ast.parse(str(Formula(value)), mode="eval").body
    except FormulaError as error:
        raise SpecError(
            _("parameter '{name}' is {got}, not a size: {problem}").format(
                name=name, got=show_value(value), problem=error
            ),
            loc=loc,
        ) from None


def check_expansion(entries: list[Any], blocks: dict[str, BlockSpec]) -> tuple[int, int]:
    """``(layers, values)`` that ``entries`` will expand to, counted without expanding them.

    Raises :class:`SpecError` at the first instance that takes the network past
    :data:`MAX_LAYERS` or :data:`MAX_VALUES`, naming its block and its repeat.
    Values are counted on the block's layers as written (the expansion adds a
    name and an input to a layer, and drops its ``when``).
    """
    return _Counter(blocks).check(entries)


def _more_layers() -> str:
    return _("blocks expand to more than {limit} layers").format(limit=f"{MAX_LAYERS:,}")


def block_specs(data: Mapping[str, Any]) -> dict[str, BlockSpec]:
    """The validated blocks of a spec's plain data (``blocks:``)."""
    return _blocks(data)


class _Counter:
    """How many layers and values blocks expand to, counted before anything is expanded.

    A repetition costs what its body costs, so an instance counts its first
    repetition and one other, times ``repeat``; which layers a body keeps
    depends only on the boolean parameters (``when:``), which key the memo.
    Anything malformed counts as nothing here: the expansion that follows
    reports it, at its place.
    """

    def __init__(self, blocks: dict[str, BlockSpec]) -> None:
        self.blocks = blocks
        self.memo: dict[tuple[str, int, tuple[tuple[str, bool], ...]], tuple[int, int]] = {}

    def check(self, entries: list[Any]) -> tuple[int, int]:
        """Raise :class:`SpecError` at the instance that takes the network past a bound."""
        layers = values = 0
        for index, entry in enumerate(entries):
            if not _is_instance(entry):
                layers, values = layers + 1, values + _values(entry)
                if layers > MAX_LAYERS:  # instances above, this layer past the bound: say so now
                    raise SpecError(_more_layers(), loc=("layers", index))
                continue
            more_layers, more_values = self.instance(entry, depth=0)
            layers, values = layers + more_layers, values + more_values
            if layers > MAX_LAYERS or values > MAX_VALUES:
                over_layers = layers > MAX_LAYERS
                what = (
                    _("{count} layers").format(count=f"{more_layers:,}") if over_layers
                    else _("{count} values (fields and list items)").format(
                        count=f"{more_values:,}")
                )  # fmt: skip
                bound = (
                    _("{count} layers").format(count=f"{MAX_LAYERS:,}") if over_layers
                    else _("{count} values").format(count=f"{MAX_VALUES:,}")
                )  # fmt: skip
                repeat = entry.get("repeat")
                times = (
                    _(" repeated {count} times").format(count=f"{repeat:,}")
                    if isinstance(repeat, int)
                    else ""
                )
                above = (layers - more_layers) if over_layers else (values - more_values)
                message = (
                    _(
                        "block '{block}'{times} expands to {what}; with the {above} above it, "
                        "that is over the limit of {bound} after expanding blocks"
                    )
                    if above
                    else _(
                        "block '{block}'{times} expands to {what}, over the limit of {bound} "
                        "after expanding blocks"
                    )
                )
                raise SpecError(
                    message.format(
                        block=entry["block"], times=times, what=what, above=f"{above:,}",
                        bound=bound,
                    ),
                    loc=("layers", index, "repeat") if times else ("layers", index),
                )  # fmt: skip
        return layers, values

    def instance(self, entry: Mapping[str, Any], depth: int) -> tuple[int, int]:
        block = self.blocks.get(entry["block"]) if isinstance(entry["block"], str) else None
        repeat = entry.get("repeat", 1)
        first = entry.get("first") or {}
        if (
            block is None
            or depth > MAX_NESTING
            or isinstance(repeat, bool)
            or not isinstance(repeat, int)
            or not 1 <= repeat <= MAX_LAYERS
            or not isinstance(first, Mapping)
        ):
            return 0, 0
        given = {k: v for k, v in entry.items() if k not in INSTANCE_KEYS}
        layers, values = self.body(entry["block"], block, {**block.params, **given, **first},
                                   depth)  # fmt: skip
        if repeat > 1:
            rest = self.body(entry["block"], block, {**block.params, **given}, depth)
            layers, values = layers + (repeat - 1) * rest[0], values + (repeat - 1) * rest[1]
        return layers, values

    def body(
        self, name: str, block: BlockSpec, params: Mapping[str, Any], depth: int
    ) -> tuple[int, int]:
        switches = tuple(sorted((k, v) for k, v in params.items() if isinstance(v, bool)))
        key = (name, depth, switches)
        if key not in self.memo:
            layers = values = 0
            for index, layer in enumerate(block.layers):
                try:
                    if not _included(layer.get("when", True), params, ("blocks", name, index)):
                        continue
                except SpecError:
                    pass  # the expansion reports it
                if _is_instance(layer):
                    # Parameters passed on by name ('downsample: downsample') decide the
                    # inner block's 'when:'; nothing else changes what it counts.
                    passed = {
                        k: params.get(v.strip(), v) if isinstance(v, str) else v
                        for k, v in layer.items()
                        if k not in ("when",)
                    }
                    more = self.instance(passed, depth + 1)
                else:
                    more = 1, _values(layer)
                layers, values = layers + more[0], values + more[1]
            self.memo[key] = layers, values
        return self.memo[key]


def _values(item: object) -> int:
    """How many values ``item`` holds: itself, and every key, value and item inside it."""
    count = 0
    stack = [item]
    while stack:
        value = stack.pop()
        count += 1
        if isinstance(value, Mapping):
            stack.extend(value.values())
            count += len(value)
        elif isinstance(value, list | tuple):
            stack.extend(value)
    return count
