"""The Keras importer's graph: layer calls put in an order where each reads earlier ones."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cnncalc.errors import CnncalcError
from cnncalc.importers.keras_config import graph, import_keras, inbound


def relu_chain(layers: int, order: str = "reversed") -> dict[str, Any]:
    """A Keras 2 Functional config of ``layers`` ReLUs in a chain, listed last first."""
    entries: list[dict[str, Any]] = []
    previous = "in"
    for index in range(layers):
        name = f"relu_{index}"
        entries.append({"class_name": "ReLU", "name": name, "config": {"name": name},
                        "inbound_nodes": [[[previous, 0, 0, {}]]]})  # fmt: skip
        previous = name
    if order == "reversed":
        entries.reverse()
    source = {"class_name": "InputLayer", "name": "in", "inbound_nodes": [],
              "config": {"name": "in", "batch_input_shape": [None, 8, 8, 4]}}  # fmt: skip
    config = {"name": "chain", "layers": [source, *entries], "input_layers": [["in", 0, 0]],
              "output_layers": [[previous, 0, 0]]}  # fmt: skip
    return {"class_name": "Functional", "config": config}


@pytest.mark.parametrize("order", ["reversed", "in call order"])
def test_each_layer_is_read_once_whatever_the_order(
    order: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Listed last first, a layer used to wait a pass over all waiting layers per layer
    # called: 300 layers read their inbound nodes 45,150 times. Now once each.
    reads: Counter[str] = Counter()
    original = inbound.inbound_calls

    def counting(raw: Any, where: str) -> Any:
        reads[where] += 1
        return original(raw, where)

    monkeypatch.setattr(graph, "inbound_calls", counting)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(relu_chain(300, order)))
    imported = import_keras(str(path))
    assert [layer["name"] for layer in imported.spec["layers"]] == [f"relu_{i}" for i in range(300)]
    assert sum(reads.values()) == 300 and set(reads.values()) == {1}


def test_a_layer_reading_what_no_layer_makes_is_named(tmp_path: Path) -> None:
    # relu_2 waits for relu_1 too, but the first layer listed of those that wait is named.
    config = relu_chain(3, "in call order")
    config["config"]["layers"][2]["inbound_nodes"] = [[["nowhere", 0, 0, {}]]]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(config))
    with pytest.raises(CnncalcError) as error:
        import_keras(str(path))
    assert str(error.value) == (
        f"{path}: layer 'relu_1' (ReLU) reads 'nowhere', which no layer of the model makes"
    )


def test_layers_of_one_name_are_numbered(tmp_path: Path) -> None:
    # A Sequential config may repeat a name; each copy used to try one more "_"
    # per earlier copy (5,000 copies: 5.8 s and names of 5,000 underscores).
    dense = {"class_name": "Dense", "config": {"name": "fc", "units": 4}}
    source = {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 8]}}
    config = {"name": "seq", "layers": [source, *[dense] * 2_000]}
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"class_name": "Sequential", "config": config}))
    names = [layer["name"] for layer in import_keras(str(path)).spec["layers"]]
    assert names[:3] == ["fc", "fc_2", "fc_3"] and names[-1] == "fc_2000"
    assert len(set(names)) == 2_000


def test_a_nested_model_without_outputs_is_named(tmp_path: Path) -> None:
    # Found by the long fuzz run: a Sequential holding a Functional model whose
    # output_layers list is empty ended in an IndexError (exit 70).
    inner = relu_chain(2, "in call order")
    inner["config"]["output_layers"] = []
    inner["name"] = "inner"
    source = {"class_name": "InputLayer",
              "config": {"name": "in", "batch_input_shape": [None, 8, 8, 4]}}  # fmt: skip
    outer = {"class_name": "Sequential", "config": {"name": "outer", "layers": [source, inner]}}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(outer))
    with pytest.raises(CnncalcError) as error:
        import_keras(str(path))
    assert str(error.value) == (
        f"{path}: the nested model 'inner' names no output_layers, so nothing reads from it"
    )
