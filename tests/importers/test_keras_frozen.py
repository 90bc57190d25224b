"""Frozen Keras layers (``layer.trainable = False``) imported as ``trainable: false``.

Keras's numbers are in ``tests/fixtures/keras/frozen/reference.json``, written by
``bench/keras_frozen.py`` from Keras 3 itself: each model's trainable and
non-trainable weights, and each layer's ``count_params()`` and trainable weights.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import cnncalc
from cnncalc.importers.keras_config import import_keras
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "keras" / "frozen"
REFERENCE: dict[str, Any] = json.loads((FIXTURES / "reference.json").read_text())


@pytest.mark.parametrize("model", sorted(REFERENCE))
def test_trainable_and_non_trainable_parameters_are_keras_s(model: str) -> None:
    keras = REFERENCE[model]
    report = cnncalc.analyze(import_keras(str(FIXTURES / f"{model}.json")).spec)
    assert (report.totals.trainable_params, report.totals.non_trainable_params) == (
        keras["trainable"],
        keras["non_trainable"],
    )
    # A nested model's layers are named after it: 'mobilenetv2_1.00_96.Conv1'.
    rows = {layer.name.rsplit(".", 1)[-1]: layer for layer in report.layers}
    ours = [(row["name"], rows[row["name"]].params, rows[row["name"]].trainable_params)
            for row in keras["layers"]]  # fmt: skip
    assert ours == [(row["name"], row["params"], row["trainable"]) for row in keras["layers"]]


def test_a_frozen_layer_s_parameters_are_non_trainable() -> None:
    # conv1 (3·3·3·16 + 16 = 448), bn1 (4·16 = 64: γ, β and the moving statistics) and
    # relu1 are frozen: 448 + 64 non-trainable, and bn2's 2·32 moving statistics.
    spec = import_keras(str(FIXTURES / "frozen_layers.json")).spec
    frozen = [layer["name"] for layer in spec["layers"] if layer.get("trainable") is False]
    assert frozen == ["conv1", "bn1", "relu1"]
    assert REFERENCE["frozen_layers"]["non_trainable"] == 448 + 64 + 2 * 32


def test_the_base_of_a_transfer_learning_model_is_frozen_its_head_not() -> None:
    report = cnncalc.analyze(import_keras(str(FIXTURES / "frozen_base.json")).spec)
    head = report.layer("head")
    assert (head.trainable_params, head.non_trainable_params) == ((1280 + 1) * 10, 0)
    assert report.totals.trainable_params == 12_810


@pytest.mark.parametrize("model", sorted(REFERENCE))
def test_the_written_yaml_keeps_the_frozen_layers(model: str) -> None:
    imported = import_keras(str(FIXTURES / f"{model}.json"))
    assert "trainable: false" in imported.to_yaml()
    reloaded = cnncalc.analyze(cnncalc.loads(imported.to_yaml(), source=model))
    assert reloaded.layers == cnncalc.analyze(imported.spec).layers
