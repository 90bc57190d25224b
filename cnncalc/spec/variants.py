"""Variants: one spec file, several networks of one family (ResNet-50, -101, -152).

A spec with ``params`` (the network's parameters, used by its top-level layers
as a block's layers use a block's) may list ``variants``: each a name with the
parameter values that make it, and what else differs (its ``name``,
``source``, ``input``, ``framework``, ``convention``, ``expect`` and
``published``). The spec as written is its default model; a variant is that
spec with the variant's values in:

```yaml
model: resnet50
params: {v1: false, blocks3: 6}
layers:
  - {name: layer3, block: bottleneck, repeat: blocks3, v1: v1, ...}
variants:
  resnet50-paper: {name: ResNet-50 v1, params: {v1: true}, published: [...]}
  resnet101: {name: ResNet-101, params: {blocks3: 23}, expect: {...}}
```

A variant's ``expect`` and ``published`` replace the default's (they describe
another network); its ``params`` are merged over the default's, and so are its
``values``: a symbolic spec's family at other values of its symbols (MobileNet
v1's width ``a`` and resolution ``n``, ``values: {a: 3/4}``), where the
variant's numbers are checked and its report is computed. Selecting one
is done on the plain data, before blocks are expanded, so every check of a
spec applies to every variant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from cnncalc import ir
from cnncalc.conventions import Convention
from cnncalc.errors import SpecError, show_value
from cnncalc.i18n import _
from cnncalc.spec.expectation import Expectation
from cnncalc.spec.fields import InputShape, SymbolValue, suggest
from cnncalc.spec.published import Published

OVERRIDES = ("name", "source", "input", "framework", "convention", "expect", "published")
"""The keys a variant gives instead of the default's (``params`` and ``values`` are merged)."""
MERGED = ("params", "values")
"""The keys whose entries a variant gives over the default's, each key on its own."""
OWN = ("expect", "published")
"""The default's keys a variant does not inherit: numbers describe one network."""


class Paper(BaseModel):
    """The paper that describes a family, as ``cnncalc models`` lists it."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    title: str = Field(min_length=1, description="The paper's title.")
    authors: str = Field(min_length=1, description="Its authors, as cited: 'He et al.'.")
    year: StrictInt = Field(ge=1900, le=2100, description="The year it was published.")
    venue: str | None = Field(default=None, description="Where: 'CVPR', 'Proc. IEEE'.")
    url: str | None = Field(default=None, description="A public copy: 'arxiv.org/abs/…'.")
    note: str | None = Field(
        default=None,
        description="What the paper states and what it does not, where that decides what "
        "can be checked (NiN's gives no counts: no number of it to reproduce).",
    )


class Variant(BaseModel):
    """One variant of a spec: its parameter values and what else differs from the default."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    name: str | None = Field(default=None, description="The variant's name in reports.")
    source: str | None = Field(
        default=None, description="Where this variant and its numbers come from."
    )
    params: dict[str, StrictBool | StrictInt | str] = Field(
        default_factory=dict, description="Values of the spec's params for this variant."
    )
    values: dict[str, SymbolValue] = Field(
        default_factory=dict,
        description="Values of the spec's size symbols for this variant, over the spec's "
        "'values' (a symbolic spec: MobileNet v1 at width a = 3/4).",
    )
    input: InputShape | None = Field(default=None, description="Its input, if not the default's.")
    framework: ir.Framework | None = Field(
        default=None, description="Its parameter accounting, if not the default's."
    )
    convention: Convention | None = Field(
        default=None, description="Its FLOP convention, if not the default's."
    )
    expect: dict[str, Expectation] | None = Field(
        default=None, description="Its exact numbers, per layer or 'total' (as 'expect')."
    )
    published: list[Published] | None = Field(
        default=None, description="Its published numbers (as 'published')."
    )


def variant_names(data: Mapping[str, Any]) -> list[str]:
    """The variants a spec's plain data lists, in order (none: an empty list)."""
    variants = data.get("variants")
    return [str(name) for name in variants] if isinstance(variants, Mapping) else []


def select_variant(data: Mapping[str, Any], variant: str) -> tuple[dict[str, Any], frozenset[str]]:
    """The plain data of ``variant``, and the keys it took from the variant's entry.

    Raises :class:`SpecError` (located at ``variants``) when the spec has no such
    variant; the entry itself is validated with the whole spec.
    """
    variants = data.get("variants")
    entry = variants.get(variant) if isinstance(variants, Mapping) else None
    if not isinstance(entry, Mapping):
        names = variant_names(data)
        known = ", ".join(names) if names else _("it has none")
        raise SpecError(
            _("no variant is named {got}{hint} (variants: {names})").format(
                got=show_value(variant), hint=suggest(variant, names), names=known
            ),
            loc=("variants",),
        )
    selected = {key: value for key, value in data.items() if key not in ("variants", *OWN)}
    taken = {key for key in OVERRIDES if key in entry}
    for key in taken:
        selected[key] = entry[key]
    for key in MERGED:
        defaults, given = data.get(key), entry.get(key)
        if isinstance(given, Mapping):
            selected[key] = {**(defaults if isinstance(defaults, Mapping) else {}), **given}
            taken.add(key)
    selected["model"] = variant
    return selected, frozenset(taken)


def with_params(data: Mapping[str, Any], params: Mapping[str, int]) -> dict[str, Any]:
    """``data`` with some of its ``params`` given other values: whole numbers, for sizes
    and ``repeat:`` counts (a sweep's depth axis).

    The spec's ``expect`` and ``published`` numbers are left out: they describe the
    network at its own values. Raises :class:`SpecError` (located at ``params``) for
    a name the spec's ``params`` do not have, or a value that is not a positive whole
    number.
    """
    defaults = data.get("params")
    known = dict(defaults) if isinstance(defaults, Mapping) else {}
    for name, value in params.items():
        if name not in known:
            raise SpecError(
                _("the spec has no parameter '{name}'{hint}").format(
                    name=name, hint=suggest(name, list(known))
                ),
                loc=("params",),
            )
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SpecError(
                _("parameter '{name}' takes a positive whole number here, got {got}").format(
                    name=name, got=show_value(value)
                ),
                loc=("params", name),
            )
    # The spec's numbers describe the network at its own values (as a variant's do).
    kept = {key: value for key, value in data.items() if key not in OWN}
    return {**kept, "params": {**known, **params}}
