"""Keras model files for ``cnncalc import keras``: the test fixtures, mutated.

The fixtures are configs as Keras 2 and 3 write them (Sequential and
Functional). A mutation swaps a layer's class for another the importer knows
(or one it does not), puts a hostile value in a layer argument or the input
shape, renames a layer with a hostile name everywhere it is referred to,
nests the model in itself, repeats a layer thousands of times, writes an
integer of thousands of digits or a list nested 100,000 deep, or drops a
key. The result is written as JSON or as a ``.keras`` zip (with its
``metadata.json``), sometimes damaged.
"""

from __future__ import annotations

import copy
import io
import json
import random
import zipfile
from dataclasses import dataclass
from functools import cache
from typing import Any

from tests.fuzzing import vocabulary
from tests.fuzzing.spec_mutations import mutate_bytes, mutate_data
from tests.fuzzing.templates import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "keras"

HUGE = "__HUGE_INT__"
DEEP = "__DEEP_LIST__"
"""Placeholders replaced in the JSON text: plain data cannot hold an integer past the
digit limit (``json.dumps`` refuses it), and a list nested 100,000 deep would overflow
``json.dumps``'s recursion."""

EXTRA_CLASSES = [
    "LSTM",
    "Lambda",
    "TFOpLambda",
    "Custom>Thing",
    "",
    "Sequential",
    "Functional",
    "Model",
    "InputLayer",
    "Bidirectional",
    "TimeDistributed",
]

ARGUMENTS = [
    "filters",
    "kernel_size",
    "strides",
    "pool_size",
    "units",
    "padding",
    "dilation_rate",
    "groups",
    "size",
    "rate",
    "cropping",
    "target_shape",
    "dims",
    "depth_multiplier",
    "axis",
    "epsilon",
    "momentum",
    "data_format",
    "activation",
    "use_bias",
    "center",
    "scale",
    "keepdims",
    "output_padding",
    "interpolation",
    "batch_shape",
    "batch_input_shape",
    "dtype",
    "name",
]
"""Layer arguments a mutation may set (existing or new)."""

VALUES: list[Any] = [
    0,
    -1,
    1,
    2,
    3,
    10**30,
    2**63,
    HUGE,
    1.5,
    None,
    True,
    "",
    "same",
    "valid",
    "causal",
    "channels_first",
    "nope",
    "³²",
    [],
    [0, 0],
    [-1, 2],
    [1, 2, 3],
    [HUGE, 1],
    [[1, 2], [3, 4]],
    [10**30, 10**30],
    {"class_name": "X", "config": {}},
    DEEP,
    "x" * 10_000,
]
"""Hostile argument values."""

SHAPES: list[Any] = [
    [None, 0, 0, 1],
    [None, -1, 28, 1],
    [None, HUGE, 28, 1],
    [None, None, None, 3],
    [],
    [None],
    [None, 28, 28, 1, 1, 1],
    "x",
    [None, 10**30, 10**30, 3],
    [None, 28, 28, 0],
    [None, 1.5, 28, 1],
    [None, "28", 28, 1],
]
"""Input shapes: zero, negative, huge, unknown sizes, wrong ranks, wrong types."""


@dataclass(frozen=True)
class KerasInput:
    """A model file's name and bytes, and what was done to it."""

    name: str
    raw: bytes
    note: str


@cache
def fixtures() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(FIXTURES.glob("*.json"))}


@cache
def class_names() -> list[str]:
    """Every class the importer translates, and a few it does not."""
    from cnncalc.importers.keras_config.layers import TRANSLATORS

    return sorted(TRANSLATORS) + EXTRA_CLASSES


def model_layers(document: Any) -> list[Any]:
    """The model's layer list (Keras 2 and 3 keep it under ``config``)."""
    config = document.get("config") if isinstance(document, dict) else None
    layers = config.get("layers") if isinstance(config, dict) else None
    return layers if isinstance(layers, list) else []


def mutate(document: Any, rng: random.Random) -> tuple[Any, str]:
    """One change to a Keras document, and what it was."""
    layers = [layer for layer in model_layers(document) if isinstance(layer, dict)]
    layer = rng.choice(layers) if layers else {}
    config: dict[str, Any] = layer["config"] if isinstance(layer.get("config"), dict) else {}
    # Class swaps, arguments and names most; nesting and thousands of copies (slow to
    # write and read) least.
    operation = rng.choices(range(8), weights=[3, 4, 3, 2, 1, 1, 1, 3])[0]
    if operation == 0 and layer:
        layer["class_name"] = rng.choice(class_names())
        return document, f"class → {layer['class_name']}"
    if operation == 1 and layer:
        key, value = rng.choice(ARGUMENTS), copy.deepcopy(rng.choice(VALUES))
        config[key] = value
        layer["config"] = config
        return document, f"{key} → {str(value)[:20]}"
    if operation == 2 and layer:
        old, new = str(layer.get("name", config.get("name"))), vocabulary.hostile_name(rng)
        text = json.dumps(document).replace(json.dumps(old), json.dumps(new))
        return json.loads(text), f"name {old} → {new[:20]!r}"
    if operation == 3 and layers:
        first = layers[0].setdefault("config", {})
        key = "batch_shape" if "batch_shape" in first else "batch_input_shape"
        first[key] = copy.deepcopy(rng.choice(SHAPES))
        return document, f"{key} → {str(first[key])[:30]}"
    if operation == 4 and layers:  # the model as a layer of itself, nested
        depth = min(rng.choice(vocabulary.sizes.nesting), 60)  # json.dumps recurses
        nested = document
        for _ in range(depth):
            nested = {
                "class_name": document.get("class_name", "Sequential"),
                "config": {"name": "inner", "layers": [copy.deepcopy(layers[0]), nested]},
            }
        return nested, f"nested {depth} deep"
    if operation == 5 and layers:
        # Copies up to about 80 MB in all, past the importer's 64 MiB bound: a copied layer
        # that is itself a nested model made a 1.6 GB file, which crashed the worker.
        count = min(
            rng.choice(vocabulary.sizes.copies), 80_000_000 // len(json.dumps(layers[-1])) + 1
        )
        model_layers(document).extend(copy.deepcopy(layers[-1]) for _ in range(count))
        return document, f"last layer × {count}"
    if operation == 6 and isinstance(document, dict):
        key = rng.choice(
            [
                "config",
                "class_name",
                "layers",
                "inbound_nodes",
                "input_layers",
                "output_layers",
                "keras_version",
                "name",
            ]
        )
        for holder in (document, document.get("config"), layer):
            if isinstance(holder, dict) and key in holder:
                del holder[key]
                return document, f"dropped {key}"
    return mutate_data(document, rng), "structural"


def serialise(document: Any, rng: random.Random) -> str:
    """JSON text with the placeholders expanded to huge integers and deep lists."""
    try:
        text = json.dumps(document, default=str)
    except RecursionError:  # nested twice over: past json.dumps's recursion limit
        text = json.dumps({"class_name": "Sequential", "config": {"layers": [DEEP]}})
    digits = rng.choice(["9" * vocabulary.HUGE_DIGITS, "9" * 4000, "1" + "0" * 400])
    depth = rng.choice(vocabulary.sizes.nesting)
    return text.replace(json.dumps(HUGE), digits).replace(
        json.dumps(DEEP), "[" * depth + "]" * depth
    )


def keras_zip(config: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A ``.keras`` zip of ``config.json`` and ``metadata.json``, perhaps damaged."""
    buffer = io.BytesIO()
    version = rng.choice(["3.8.0", "2.15.0", "", "\x1b[31m", "9" * 100, None, 3])
    roll = rng.random()
    with zipfile.ZipFile(buffer, "w", rng.choice([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": version}))
        if roll < 0.05:
            z.writestr("model.weights.h5", b"\x89HDF")  # no config.json
        elif roll < 0.08:
            z.writestr("config.json", b" " * 70_000_000)  # past the 64 MiB limit, compressed
        else:
            z.writestr("config.json", config)
    raw = buffer.getvalue()
    if rng.random() < 0.08:
        return raw[: rng.randrange(len(raw))], ".keras, truncated"
    return raw, ".keras"


def keras_input(rng: random.Random) -> KerasInput:
    """A mutated fixture, as a JSON file or a ``.keras`` zip."""
    fixture, text = rng.choice(sorted(fixtures().items()))
    document, notes = json.loads(text), []
    for _ in range(rng.randint(1, 3)):
        document, note = mutate(document, rng)
        notes.append(note)
    raw = serialise(document, rng).encode("utf-8", errors="surrogatepass")
    if rng.random() < 0.1:
        raw, note = mutate_bytes(raw, rng)
        notes.append(note)
    name = "model.json"
    if rng.random() < 0.3:
        raw, container = keras_zip(raw, rng)
        notes.append(container)
        name = rng.choice(["model.keras", "model.keras", "model.json"])
    if rng.random() < 0.02:
        name = rng.choice(["mo\x1b[31mdel.json", "m\nodel.json", "-model.json", "model|.json"])
    return KerasInput(name, raw, f"keras {fixture}: " + "; ".join(notes))
