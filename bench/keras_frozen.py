"""Keras's own trainable and non-trainable counts of models with frozen layers.

    KERAS_BACKEND=jax /work/venvs/keras/bin/python bench/keras_frozen.py

Run it with a Python that has Keras 3 and JAX (see ``bench/keras_applications.py``).
Two models, each frozen as ``layer.trainable = False`` freezes:

- ``frozen_layers``: a small convolutional network whose first convolution,
  batch norm and ReLU are frozen one by one;
- ``frozen_base``: transfer learning as Keras's guide writes it, a MobileNetV2
  base (``include_top=False``, 96×96) with ``base.trainable = False`` and a new
  trainable head.

Each model's ``model.to_json()`` goes to ``tests/fixtures/keras/frozen/NAME.json``, and
Keras's numbers to ``reference.json`` beside them: per model the
sizes of ``model.trainable_weights`` and ``model.non_trainable_weights``, and per
layer with weights its ``count_params()`` and the size of its trainable weights.
``tests/importers/test_keras_frozen.py`` compares cnncalc's import with them,
without Keras installed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "keras" / "frozen"
REFERENCE = FIXTURES / "reference.json"

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")


def size(weights: list[Any]) -> int:
    return sum(int(w.numpy().size) for w in weights)


def frozen_layers(keras: Any) -> Any:
    layers = keras.layers
    inputs = keras.Input((32, 32, 3))
    x = layers.Conv2D(16, 3, name="conv1")(inputs)
    x = layers.BatchNormalization(name="bn1")(x)
    x = layers.ReLU(name="relu1")(x)
    x = layers.Conv2D(32, 3, strides=2, name="conv2")(x)
    x = layers.BatchNormalization(name="bn2")(x)
    x = layers.ReLU(name="relu2")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(10, name="head")(x)
    model = keras.Model(inputs, outputs, name="frozen_layers")
    for name in ("conv1", "bn1", "relu1"):
        model.get_layer(name).trainable = False
    return model


def frozen_base(keras: Any) -> Any:
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, 3))
    base.trainable = False
    inputs = keras.Input((96, 96, 3))
    x = base(inputs, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(10, name="head")(x)
    return keras.Model(inputs, outputs, name="frozen_base")


def layer_numbers(model: Any) -> list[dict[str, Any]]:
    """Each layer with weights (a nested model's layers inlined): name, all, trainable."""
    rows = []
    for layer in model.layers:
        if hasattr(layer, "layers"):  # a nested model
            rows += layer_numbers(layer)
        elif layer.weights:
            rows.append({
                "name": layer.name,
                "params": int(layer.count_params()),
                "trainable": size(layer.trainable_weights),
            })  # fmt: skip
    return rows


def main() -> None:
    import keras

    reference = {}
    for build in (frozen_layers, frozen_base):
        keras.utils.clear_session()
        model = build(keras)
        (FIXTURES / f"{build.__name__}.json").write_text(
            json.dumps(json.loads(model.to_json()), indent=1) + "\n", encoding="utf-8"
        )
        reference[build.__name__] = {
            "keras": keras.__version__,
            "params": int(model.count_params()),
            "trainable": size(model.trainable_weights),
            "non_trainable": size(model.non_trainable_weights),
            "layers": layer_numbers(model),
        }
        print(build.__name__, reference[build.__name__]["trainable"],
              reference[build.__name__]["non_trainable"])  # fmt: skip
    REFERENCE.write_text(json.dumps(reference, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
