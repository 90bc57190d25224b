"""`cnncalc schema`: the spec format's JSON Schema, for editors."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml

from cnncalc.schema import spec_schema
from tests.conftest import ROOT, SPECS

MODELINE = "# yaml-language-server: $schema=../cnncalc.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = spec_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_spec_is_valid_and_names_the_schema(
    validator: jsonschema.Draft202012Validator, path: Any
) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == MODELINE
    assert [error.message for error in validator.iter_errors(yaml.safe_load(text))] == []


@pytest.mark.parametrize(
    ("layer", "complaint"),
    [
        ({"type": "conv2d", "filers": 6, "kernel": 5}, "'filers' was unexpected"),
        ({"type": "conv2d", "kernel": 5}, "'filters' is a required property"),
        ({"type": "convolution", "filters": 6, "kernel": 5}, "is not valid under any"),
        ({"type": "dense", "units": 10, "activation": "relu6x"}, "is not valid under any"),
        ({"block": "basic", "repeat": 0}, "is not valid under any"),
    ],
)
def test_mistakes_an_editor_should_flag(
    validator: jsonschema.Draft202012Validator, layer: dict[str, Any], complaint: str
) -> None:
    spec = {"input": [1, 32, 32], "layers": [layer]}
    messages = [message for error in validator.iter_errors(spec) for message in _nested(error)]
    assert any(complaint in message for message in messages), messages


def _nested(error: jsonschema.ValidationError) -> list[str]:
    """The error's message and those of every alternative it tried (anyOf, oneOf)."""
    return [error.message, *(m for sub in error.context or () for m in _nested(sub))]


def test_every_field_is_described() -> None:
    undescribed = [
        f"{'.'.join(map(str, path))}.{name}"
        for path, node in _objects(spec_schema(), ())
        for name, field in node.get("properties", {}).items()
        if "description" not in field and "$ref" not in field
    ]
    assert undescribed == []


def test_the_shipped_schema_file_is_current() -> None:
    shipped = json.loads((ROOT / "cnncalc.schema.json").read_text(encoding="utf-8"))
    assert shipped == spec_schema(), "regenerate: cnncalc schema > cnncalc.schema.json"


def _objects(node: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    found: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            found += _objects(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _objects(value, (*path, index))
    return found
