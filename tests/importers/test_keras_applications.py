"""Every ``keras.applications`` model through the Keras importer, against Keras's counts.

``tests/fixtures/keras/applications/NAME.json`` is ``model.to_json()`` of each
of the 40 models of Keras 3.15.1 (``weights=None``, ``include_top=True``, the
default input), and ``reference.json`` what Keras itself says of them: the
model's ``count_params()`` and trainable and non-trainable weights, and each
operation's parameters and output shape. ``bench/keras_applications.py`` makes
both (with Keras installed); this test needs no Keras.

A model is exact when nothing is skipped, the totals equal Keras's and every
Keras layer has its parameters and output shape: the spec layers of a Keras
layer are named ``NAME`` or ``NAME.part`` (a separable convolution's two, a
nested model's layers), their parameters summed and the last one's shape read
channels last. A shape Keras leaves open (``None``: MobileNetV3's input) is a
symbol in cnncalc.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import cnncalc
from cnncalc.analysis import Report
from cnncalc.importers.keras_config import import_keras
from tests.importers.test_keras import FIXTURES
from tests.keras_zoo import differences as zoo_differences

APPLICATIONS = FIXTURES / "applications"

NOT_EXACT: dict[str, str] = {}
"""Models whose import is known not to be exact, each with the known difference and why
(none today: all 40 are exact)."""


@cache
def reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((APPLICATIONS / "reference.json").read_text())
    return data


def models() -> list[str]:
    return sorted(reference()["models"])


def differences(name: str, report: Report, skipped: list[str]) -> list[str]:
    """What of the import differs from Keras's numbers, one line each (the zoo table's
    comparison, ``bench/zoo_keras.py``)."""
    return [f"skipped {line}" for line in skipped] + zoo_differences(
        reference()["models"][name], report
    )


def test_the_fixtures_are_the_40_models_of_keras_3_15_1() -> None:
    assert reference()["keras_version"] == "3.15.1"
    assert len(models()) == 40
    assert sorted(path.stem for path in APPLICATIONS.glob("*.json") if path.stem != "reference") \
        == models()  # fmt: skip


@pytest.mark.parametrize("name", models())
def test_each_application_imports_as_keras_counts_it(name: str) -> None:
    imported = import_keras(str(APPLICATIONS / f"{name}.json"))
    report = cnncalc.analyze(imported.spec)
    found = differences(name, report, imported.skipped_lines())
    assert found == ([NOT_EXACT[name]] if name in NOT_EXACT else [])


def test_known_totals() -> None:
    """A few of the reference's totals, which Keras's table of applications rounds (25.6M,
    3.5M, 5.3M, 28.6M parameters): the reference is Keras's, not cnncalc's."""
    params = {name: numbers["params"] for name, numbers in reference()["models"].items()}
    assert params["ResNet50"] == 25_636_712
    assert params["MobileNetV2"] == 3_538_984
    assert params["EfficientNetB0"] == 5_330_571
    assert params["ConvNeXtTiny"] == 28_589_128


def test_an_op_layer_with_its_constant_first(tmp_path: Path) -> None:
    """``3.0 - x`` (Keras 3 ``ops.Subtract`` with the constant first): counted as ``x - 3.0``,
    which has the same counts, and said; ``x + 3.0`` is ``scalar`` ``add``."""
    document = json.loads((APPLICATIONS / "MobileNetV3Small.json").read_text())
    layers = document["config"]["layers"]
    add = next(layer for layer in layers if layer["module"] == "keras.src.ops.numpy")
    assert (add["class_name"], add["inbound_nodes"][0]["args"][1]) == ("Add", 3.0)
    first = import_keras(str(APPLICATIONS / "MobileNetV3Small.json"))
    assert first.spec["layers"][[layer["name"] for layer in first.spec["layers"]].index("add")] \
        == {"name": "add", "type": "scalar", "op": "add", "value": 3.0}  # fmt: skip
    add["class_name"] = "Subtract"
    add["inbound_nodes"][0]["args"].reverse()
    path = tmp_path / "reversed.json"
    path.write_text(json.dumps(document))
    imported = import_keras(str(path))
    assert imported.skipped_lines() == [
        "add (Subtract): 3.0 - x counted as x - 3.0: the same counts"
    ]
    assert cnncalc.analyze(imported.spec).totals.params == reference()["models"][
        "MobileNetV3Small"]["params"]  # fmt: skip
