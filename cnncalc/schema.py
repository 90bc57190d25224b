"""The spec format's JSON Schema, built from the pydantic models that validate specs.

``cnncalc schema > cnncalc.schema.json``; a spec that starts with
``# yaml-language-server: $schema=cnncalc.schema.json`` then gets completion,
hover text (every field's description) and checking in editors that use the
YAML language server (VS Code's YAML extension, Neovim, Helix, …).

The schema states what the models state, plus the two things the models see
only after expansion: block instances (``{block: NAME, ...}``) in ``layers``, and
block bodies, whose layers may hold parameter names where values go
(``filters: filters``, ``activation: act``) and a ``when:`` condition, so they are
checked for a known ``type`` and left open otherwise. Validation is still
``cnncalc check``'s job: the schema cannot know, say, that ``inputs`` name layers above.
"""

from __future__ import annotations

from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_INSTANCE: dict[str, Any] = {
    "type": "object",
    "title": "Block instance",
    "description": "An instance of a block defined under 'blocks': its layers, with these "
    "parameter values, named '<name>.<layer>' ('<name>.<i>.<layer>' when repeated).",
    "required": ["block"],
    "properties": {
        "block": {"type": "string", "description": "The name of a block under 'blocks'."},
        "name": {"type": "string", "minLength": 1, "description": "The instance's name."},
        "repeat": {
            "type": "integer", "minimum": 1,
            "description": "How many copies, one after the other (ResNet's layers of blocks).",
        },
        "first": {
            "type": "object",
            "description": "Parameter values for the first copy only (a stride-2 first block).",
        },
        "input": {
            "type": "string", "minLength": 1,
            "description": "The layer the instance reads; default: the layer above.",
        },
    },
    "additionalProperties": {
        "type": ["integer", "string", "boolean"],
        "description": "A value for one of the block's parameters.",
    },
}  # fmt: skip


_PARAMETRISED = "With 'params': layers written as a block's layers are."
_PLAIN = "Without 'params': layers and block instances."


def spec_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a cnncalc spec, every field described."""
    from pydantic import TypeAdapter

    from cnncalc.spec.layers import ALIASES, LAYER_MODELS, LAYER_TYPES, AnyLayer
    from cnncalc.spec.network import LAZY_FIELDS, NetworkSpec, lazy_field_type

    for model in LAYER_MODELS:
        model.model_rebuild()  # the models defer building until a spec uses them
    schema = NetworkSpec.model_json_schema(ref_template="#/$defs/{model}")
    layer_schema = TypeAdapter(AnyLayer).json_schema(ref_template="#/$defs/{model}")
    definitions: dict[str, Any] = schema.setdefault("$defs", {})
    properties = schema["properties"]
    for field in LAZY_FIELDS:  # validated by models built only when a spec has the field
        lazy = TypeAdapter(lazy_field_type(field)).json_schema(ref_template="#/$defs/{model}")
        definitions.update(lazy.pop("$defs", {}))
        merged = {**properties[field], **lazy}
        if "anyOf" in lazy:  # as pydantic writes an optional model: no title
            merged.pop("title", None)
        properties[field] = dict(sorted(merged.items()))  # pydantic sorts its keys
    schema["$defs"] = definitions = dict(sorted(definitions.items()))
    definitions.pop("LayerSpec", None)  # the base class: the union below replaces it
    definitions.update(layer_schema.pop("$defs"))
    for model in LAYER_MODELS:
        _describe_type(definitions[model.__name__], model.__name__, ALIASES)
    definitions["Layer"] = {"title": "Layer", "description": "A layer, chosen by its 'type'.",
                            **layer_schema}  # fmt: skip
    definitions["BlockInstance"] = _instance()
    definitions["BlockLayer"] = _block_layer(sorted(LAYER_TYPES))
    definitions["Block"] = _block()
    plain = {"anyOf": [{"$ref": "#/$defs/Layer"}, {"$ref": "#/$defs/BlockInstance"}]}
    properties["layers"]["items"] = {
        "anyOf": [*plain["anyOf"], {"$ref": "#/$defs/BlockLayer"}],
        "description": "A layer or a block instance; with the spec's params, written as a "
        "block's layers are (parameter names as values, 'when:').",
    }
    properties["blocks"]["additionalProperties"] = {"$ref": "#/$defs/Block"}
    # With the network's own params, its layers are written as a block's are: parameter
    # names as values, 'when:' conditions (cnncalc.spec.variants).
    parametrised = {"anyOf": [{"$ref": "#/$defs/BlockLayer"}, {"$ref": "#/$defs/BlockInstance"}]}
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "https://cnncalc.invalid/cnncalc.schema.json",
        "title": "cnncalc network spec",
        **schema,
        "if": {"required": ["params"]},
        "then": {"properties": {"layers": {"items": parametrised, "description": _PARAMETRISED}}},
        "else": {"properties": {"layers": {"items": plain, "description": _PLAIN}}},
    }


def _instance() -> dict[str, Any]:
    """A block instance; ``repeat`` bounded as the expansion bounds it."""
    from cnncalc.spec.blocks import MAX_LAYERS

    repeat = {
        "description": _INSTANCE["properties"]["repeat"]["description"],
        "anyOf": [
            {**_INSTANCE["properties"]["repeat"], "maximum": MAX_LAYERS},
            {"type": "string", "minLength": 1, "description": "A parameter's name."},
        ],
    }
    return {**_INSTANCE, "properties": {**_INSTANCE["properties"], "repeat": repeat}}


def _describe_type(definition: dict[str, Any], model: str, aliases: dict[str, str]) -> None:
    """Give each model's ``type`` field the model's one-line summary, and its aliases."""
    field = definition["properties"]["type"]
    names = field.get("enum") or [field.get("const")]
    also = [name for name in names if name in aliases]
    summary = (definition.get("description") or model).splitlines()[0].replace("``", "")
    field["description"] = summary + (
        f" ({', '.join(also)}: the same, by another name)" if also else ""
    )


def _block_layer(types: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "title": "Block layer",
        "description": "A layer of a block: the fields of its type, where values may name "
        "the block's parameters; or an instance of another block.",
        "anyOf": [
            {
                "required": ["type"],
                "properties": {"type": {"enum": types, "description": "The layer type."}},
            },
            {
                "required": ["block"],
                "properties": {"block": {"type": "string", "description": "A block's name."}},
            },
        ],
        "properties": {
            "when": {
                "type": ["string", "boolean"],
                "description": "Keep the layer only when a boolean parameter holds: "
                "'downsample' or 'not downsample'.",
            },
            "input": {
                "type": "string",
                "description": "'in' (the block's input) or a layer above it in the block.",
            },
        },
    }


def _block() -> dict[str, Any]:
    return {
        "type": "object",
        "title": "Block",
        "description": "A reusable group of layers with parameters.",
        "required": ["layers"],
        "additionalProperties": False,
        "properties": {
            "params": {
                "type": "object",
                "description": "Parameters and their defaults; layers use them as sizes "
                "('4*filters'), values ('activation: act') or conditions ('when: not "
                "downsample').",
                "additionalProperties": {"type": ["integer", "string", "boolean"]},
            },
            "layers": {
                "type": "array",
                "minItems": 1,
                "description": "The block's layers; 'in' is the block's input.",
                "items": {"$ref": "#/$defs/BlockLayer"},
            },
        },
    }
