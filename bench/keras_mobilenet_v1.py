"""Keras's own counts of MobileNet v1 at every width and resolution of the paper's Tables 6-7.

    KERAS_BACKEND=torch PYTHONPATH=/tmp/keras python bench/keras_mobilenet_v1.py

Run it with a Python that has torch (a test dependency) and Keras 3 beside it, which is
not one: ``pip install --target /tmp/keras --no-deps keras==3.15.1 namex optree ml-dtypes
h5py absl-py`` is enough with the test environment (torch is Keras's backend here).

For each ``(alpha, rows)`` of the paper's Tables 6 and 7 (1.0, 0.75, 0.5, 0.25 at 224;
1.0 at 192, 160, 128), ``keras.applications.MobileNet(input_shape=(rows, rows, 3),
alpha=alpha, weights=None, include_top=True)`` is built and measured:
``count_params()``, the sizes of its trainable and non-trainable weights, the
multiply-accumulates ``torch.utils.flop_counter.FlopCounterMode`` counts in one forward
pass of a zero image (its FLOPs halved: PyTorch counts 2 per MAC), and each layer's
name, ``count_params()`` and output shape without the batch axis (channels last).
They are written to ``tests/fixtures/mobilenet_v1_keras.json``, which
``tests/test_mobilenet_v1.py`` compares ``specs/mobilenet_v1-symbolic.yaml`` with,
without Keras installed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "mobilenet_v1_keras.json"
CONFIGS = ((1.0, 224), (0.75, 224), (0.5, 224), (0.25, 224), (1.0, 192), (1.0, 160), (1.0, 128))
"""The paper's Table 6 (widths at 224) and Table 7 (resolutions at width 1)."""

os.environ.setdefault("KERAS_BACKEND", "torch")


def measure(keras: Any, alpha: float, rows: int) -> dict[str, Any]:
    """Keras's counts of one MobileNet, and PyTorch's MACs of its forward pass."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model = keras.applications.MobileNet(
        input_shape=(rows, rows, 3), alpha=alpha, weights=None, include_top=True
    )
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, rows, rows, 3))
    return {
        "alpha": str(alpha),
        "rows": rows,
        "params": model.count_params(),
        "trainable": sum(int(w.numpy().size) for w in model.trainable_weights),
        "non_trainable": sum(int(w.numpy().size) for w in model.non_trainable_weights),
        "macs": counter.get_total_flops() // 2,
        "layers": [
            {
                "name": layer.name,
                "params": layer.count_params(),
                "shape": list(layer.output.shape[1:]),
            }
            for layer in model.layers
            if type(layer).__name__ != "InputLayer"
        ],
    }


def compact(data: dict[str, Any]) -> str:
    """The fixture as JSON with one line per layer (a short, readable diff when it changes)."""
    lines = ["{", f' "keras_version": {json.dumps(data["keras_version"])},',
             f' "backend": {json.dumps(data["backend"])},', ' "models": [']  # fmt: skip
    for index, model in enumerate(data["models"]):
        head = {k: v for k, v in model.items() if k != "layers"}
        lines.append("  " + json.dumps(head)[:-1] + ', "layers": [')
        layers = [json.dumps(layer) for layer in model["layers"]]
        lines += [f"   {layer}," for layer in layers[:-1]] + [f"   {layers[-1]}"]
        lines.append("  ]}" + ("," if index < len(data["models"]) - 1 else ""))
    return "\n".join([*lines, " ]", "}"]) + "\n"


def main() -> None:
    import keras

    data = {
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "models": [measure(keras, alpha, rows) for alpha, rows in CONFIGS],
    }
    FIXTURE.write_text(compact(data), encoding="utf-8")
    for model in data["models"]:
        print(model["alpha"], model["rows"], model["params"], model["macs"])


if __name__ == "__main__":
    main()
