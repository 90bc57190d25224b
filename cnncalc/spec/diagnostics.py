"""Turning a pydantic ``ValidationError`` into one located :class:`SpecError`.

pydantic's own ``str(error)`` renders the input, which hangs on an alias bomb
and buries the point in a list; here the first error becomes one sentence with
its file, line, layer and field, and a suggestion where a name was mistyped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from cnncalc.errors import Loc, SpecError, show_value
from cnncalc.i18n import N_, _, current
from cnncalc.safe_text import show_name
from cnncalc.spec.fields import suggest

if TYPE_CHECKING:
    from cnncalc.spec.blocks import Origin
    from cnncalc.spec.source import SourceMap


def from_validation_error(
    error: ValidationError,
    data: object,
    model: type[BaseModel] | None = None,
    prefix: Loc = (),
) -> SpecError:
    """The first error of ``error`` as a :class:`SpecError` (not yet given a line).

    ``model`` is the model that was validated (the network by default): its
    fields are the suggestions for a mistyped name. ``prefix`` is where in the
    network the validated value is, when that was one field of it.
    """
    details = error.errors(include_url=False, include_context=True)
    # A mistyped field name ("filers") also makes the real one missing; the typo
    # is the error to show.
    detail = next((d for d in details if d["type"] == "extra_forbidden"), details[0])
    loc = (*prefix, *detail["loc"])
    return SpecError(_message(detail, loc, model), loc=loc)


def locate(
    error: SpecError,
    data: object,
    source_map: SourceMap | None,
    origins: Sequence[Origin] | None = None,
) -> SpecError:
    """Fill in the file, line, layer and field of ``error`` from its ``loc``.

    With ``origins`` (a spec that used blocks), ``loc`` indexes the expanded
    layers; the line is that of the layer as written, in its block.
    """
    written = error.loc
    in_layer = len(error.loc) >= 2 and error.loc[0] == "layers" and isinstance(error.loc[1], int)
    block = None
    if origins is not None and in_layer and 0 <= int(error.loc[1]) < len(origins):
        origin = origins[int(error.loc[1])]
        written = (*origin.loc, *error.loc[2:])
        block = origin.block
    if source_map is not None:
        error.source = source_map.source
        if error.line is None:
            error.line = source_map.line_of(written)
    if error.layer is None and in_layer:
        error.layer = describe_layer(error.loc[1], data)
    if block is not None and error.layer is not None:
        error.layer += f", block '{block}'"
    if error.field is None:
        error.field = _field_name(error.loc)
    return error


def describe_layer(index: object, data: object) -> str:
    """``3 'C3' (conv2d)``: the layer's 1-based position, name and type, as far as known."""
    if not isinstance(index, int):
        return str(index)
    label = str(index + 1)
    layer = _get(data, ("layers", index))
    if isinstance(layer, Mapping):
        name, kind = layer.get("name"), layer.get("type")
    elif isinstance(layer, BaseModel):
        name, kind = getattr(layer, "name", None), getattr(layer, "type", "?")
    else:
        return label
    # Cut and made visible here, where the name is quoted: a name holding a
    # quote would make a later pass over the whole line cut in the wrong place.
    if isinstance(name, str):
        label += f" '{show_name(name)}'"
    if isinstance(kind, str):
        label += f" ({show_name(kind)})"
    return label


def _field_name(loc: Loc) -> str | None:
    rest = loc[2:] if loc[:1] == ("layers",) and len(loc) >= 2 else loc
    if not rest:
        return None
    text = str(rest[0])
    for part in rest[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _get(data: object, loc: Loc) -> object:
    for part in loc:
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _model_fields(loc: Loc, model: type[BaseModel] | None) -> list[str]:
    """Field names of the model that owns the last key of ``loc``."""
    from cnncalc.spec.expectation import Expectation
    from cnncalc.spec.network import NetworkSpec
    from cnncalc.spec.published import Published
    from cnncalc.spec.variants import Paper, Variant

    if model is None:
        model = NetworkSpec
        if len(loc) >= 3 and loc[0] == "expect":
            model = Expectation
        elif len(loc) >= 3 and loc[0] == "published":
            model = Published
        elif len(loc) == 2 and loc[0] == "paper":
            model = Paper
        elif len(loc) >= 3 and loc[0] == "variants":
            inside: dict[str, type[BaseModel]] = {"expect": Expectation, "published": Published}
            model = inside.get(str(loc[2]) if len(loc) >= 5 else "", Variant)
    return list(model.model_fields)


_TEMPLATES = {
    "missing": N_("required field is missing"),
    "int_type": N_("expected an integer, got {got}"),
    "int_parsing": N_("expected an integer, got {got}"),
    "int_from_float": N_("expected an integer, got {got}"),
    "bool_type": N_("expected true or false, got {got}"),
    "bool_parsing": N_("expected true or false, got {got}"),
    "string_type": N_("expected a non-empty string, got {got}"),
    "string_too_short": N_("expected a non-empty string, got {got}"),
    "float_type": N_("expected a number, got {got}"),
    "float_parsing": N_("expected a number, got {got}"),
    "model_type": N_("expected a mapping, got {got}"),
    "dict_type": N_("expected a mapping, got {got}"),
    "greater_than_equal": N_("expected a number ≥ {ge}, got {got}"),
    "enum": N_("expected {expected}, got {got}"),
    "literal_error": N_("expected {expected}, got {got}"),
}
"""Messages for pydantic's error types, by type; ``{got}`` is the bounded input."""

_OTHER_TEMPLATES = {
    "less_than_equal": N_("expected a number ≤ {le}, got {got}"),
    "greater_than": N_("expected a number > {gt}, got {got}"),
    "less_than": N_("expected a number < {lt}, got {got}"),
    "list_type": N_("expected a list, got {got}"),
    "tuple_type": N_("expected a list, got {got}"),
    "too_short": N_("expected at least {min_length} items, got {got}"),
    "too_long": N_("expected at most {max_length} items, got {got}"),
    "string_too_long": N_("expected at most {max_length} characters, got {got}"),
    "finite_number": N_("expected a finite number, got {got}"),
    "int_parsing_size": N_("expected an integer of fewer digits, got {got}"),
    "value_error": N_("invalid value ({error}), got {got}"),
}
"""pydantic's error types that English shows in pydantic's own words (``Input should be
less than or equal to 8, got 9``) and other languages in these: the English output stays
as it always was, and no language shows pydantic's English."""

FRAMEWORK_WORDS: dict[str, str] = {
    "pool_size": "kernel", "kernel_size": "kernel", "strides": "stride",
    "use_bias": "bias", "out_channels": "filters", "out_features": "units",
    "dilation_rate": "dilation", "num_heads": "heads",
    "momentum": "framework", "epsilon": "framework", "eps": "framework",
}  # fmt: skip
"""Keras's and PyTorch's words for a cnncalc field (``pool_size`` is ``kernel``)."""


def _unknown_field(name: str, fields: list[str]) -> str:
    """`` (did you mean 'kernel'? ...)``: a framework's word for a field first, else the
    closest field's name."""
    meant = FRAMEWORK_WORDS.get(name)
    if name.rstrip().endswith(")"):  # 'filters: max(8, n)' inside {…}: YAML split it at its comma
        return _(
            ' (YAML splits a {…} mapping at each comma: quote a formula that has one, "max(8, n)")'
        )
    if meant == "framework":
        return _(" ({name} does not change a count: leave it out)").format(name=name)
    if meant in fields:
        return _(" (did you mean '{meant}'? cnncalc's name for {name})").format(
            meant=meant, name=name
        )
    return suggest(name, fields)


def or_list(expected: str) -> str:
    """pydantic's ``'a', 'b' or 'c'`` with its last ``or`` in the active language."""
    items, sep, last = expected.rpartition(" or ")
    if not sep:
        return expected
    return _("{items} or {last}").format(items=items, last=last)


def _message(detail: ErrorDetails, loc: Loc, model: type[BaseModel] | None) -> str:
    kind = detail["type"]
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    got = show_value(detail.get("input"))
    if kind == "extra_forbidden":
        name = str(loc[-1])
        hint = _unknown_field(name, _model_fields(loc, model))
        if loc[:1] == ("expect",):
            return _("unknown metric{hint}").format(hint=hint)
        return _("unknown field{hint}").format(hint=hint)
    if loc == ("layers",):
        return _("expected a non-empty list of layers, got {got}").format(got=got)
    if kind.startswith("cnncalc"):
        return detail["msg"]
    if kind in ("enum", "literal_error") and isinstance(ctx.get("expected"), str):
        ctx["expected"] = or_list(ctx["expected"])
    template = _TEMPLATES.get(kind)
    if template is not None:
        return _(template).format(got=got, **ctx)
    other = _OTHER_TEMPLATES.get(kind)
    if other is not None and current() != "en":
        try:
            return _(other).format(got=got, **ctx)
        except (KeyError, IndexError):  # pragma: no cover - a context pydantic changed
            pass
    text = detail["msg"]
    if current() != "en":
        # A pydantic error type with no message of ours: its code, not its English.
        return _("invalid value ({kind}), got {got}").format(kind=kind, got=got)
    return f"{text[:1].lower()}{text[1:]}, got {got}"
