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
        ({"block": "basic", "repeat": 200_001}, "200001 is greater than the maximum of 200000"),
    ],
)
def test_mistakes_an_editor_should_flag(
    validator: jsonschema.Draft202012Validator, layer: dict[str, Any], complaint: str
) -> None:
    spec = {"input": [1, 32, 32], "layers": [layer]}
    messages = [message for error in validator.iter_errors(spec) for message in _nested(error)]
    assert any(complaint in message for message in messages), messages


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("filters", 6, True),
        ("filters", -6, False),
        ("filters", 0, False),
        ("filters", 2**63 - 1, True),
        ("filters", 2**63, False),
        ("filters", "2*k + 1", True),
        ("filters", "", False),
        ("filters", "n" * 201, False),
        ("filters", True, False),
        ("filters", 1.5, False),
        ("kernel", [3, -3], False),
        ("kernel", [3, "k"], True),
        ("padding", 0, True),
        ("padding", -1, False),
        ("padding", [[0, 1], [2, -1]], False),
    ],
)
def test_the_schema_says_what_cnncalc_says_about_sizes(
    validator: jsonschema.Draft202012Validator, field: str, value: Any, valid: bool
) -> None:
    from cnncalc.api import loads
    from cnncalc.errors import SpecError

    layer = {"type": "conv2d", "filters": 2, "kernel": 3, field: value}
    spec = {"input": [1, 32, "n"], "layers": [layer]}
    schema_says = not list(validator.iter_errors(spec))
    try:
        loads(json.dumps(spec))
        cnncalc_says = True
    except SpecError:
        cnncalc_says = False
    assert (schema_says, cnncalc_says) == (valid, valid)


@pytest.mark.parametrize(
    ("spec", "valid"),
    [
        ({"input": [1, 8, 8], "values": {"n": 0}}, False),
        ({"input": [1, 8, 8], "values": {"n": 2**63}}, False),
        ({"input": [1, 0, 8]}, False),
        ({"input": []}, False),
        ({"input": [1, 8, 8], "expect": {"total": {"macs": -1}}}, False),
        ({"input": [1, 8, 8], "expect": {"total": {"macs": 0}}}, True),
    ],
)
def test_the_schema_bounds_input_values_and_expect(
    validator: jsonschema.Draft202012Validator, spec: dict[str, Any], valid: bool
) -> None:
    spec = {**spec, "layers": [{"type": "relu"}]}
    schema_says = not list(validator.iter_errors(spec))
    assert schema_says == valid


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
