"""The configs of every ``keras.applications`` model, and Keras's own counts for them.

    KERAS_BACKEND=jax /work/venvs/keras/bin/python bench/keras_applications.py [--only NAME,...]

Run it with a Python that has Keras 3 and JAX, which are not test dependencies:

    python3 -m venv /work/venvs/keras && /work/venvs/keras/bin/pip install keras jax

Each model of ``keras.applications`` (every class-like name it exports: 40 in
Keras 3.15.1) is built with ``weights=None`` and ``include_top=True`` at its
default input size, and its ``model.to_json()`` is written to
``tests/fixtures/keras/applications/NAME.json``. Keras's own numbers go to
``reference.json`` beside them, which ``tests/importers/test_keras_applications.py``
and ``bench/zoo_keras.py`` compare cnncalc with, without Keras installed:

- per model: ``count_params()``, and the sizes of its trainable and
  non-trainable weights (``model.trainable_weights``);
- per operation of the model (``model.operations``: layers, and the op layers
  ``x + 3.0`` makes, input layer included), in the config's order: its name, class,
  ``count_params()`` (0 for an op, which holds no weights) and output shape
  without the batch axis, as Keras states it (channels last).

No weights are written. Building a model with weights=None initialises its weights
with JAX on the CPU; the flags below make that seconds rather than minutes on two
cores (no XLA optimisation, the old threefry, a compilation cache).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "keras" / "applications"
REFERENCE = FIXTURES / "reference.json"
CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / "cnncalc-jax-cache"

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")


def model_names(keras: Any) -> list[str]:
    """Every model ``keras.applications`` exports (its names that start upper case)."""
    return sorted(name for name in dir(keras.applications) if name[:1].isupper())


def shape_of(operation: Any) -> list[int | None] | list[list[int | None]]:
    """An operation's output shape without the batch axis (a list of them for several)."""
    output = operation.output
    if isinstance(output, (list, tuple)):
        return [list(t.shape[1:]) for t in output]
    return list(output.shape[1:])


def measure(keras: Any, name: str) -> tuple[str, dict[str, Any]]:
    """The model's JSON config, and its reference numbers."""
    keras.utils.clear_session()
    model = getattr(keras.applications, name)(weights=None, include_top=True)
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    non_trainable = sum(int(w.numpy().size) for w in model.non_trainable_weights)
    layers = []
    for operation in model.operations:
        params = operation.count_params() if hasattr(operation, "count_params") else 0
        layers.append({
            "name": operation.name,
            "class": type(operation).__name__,
            "params": int(params),
            "output_shape": shape_of(operation),
        })  # fmt: skip
    numbers = {
        "params": int(model.count_params()),
        "trainable": trainable,
        "non_trainable": non_trainable,
        "input_shape": list(model.input_shape[1:]),
        "layers": layers,
    }
    return model.to_json(), numbers


def dumped(reference: dict[str, Any]) -> str:
    """The reference as JSON with one line per layer: small, and a diff shows the layer."""
    lines = ["{", f' "keras_version": {json.dumps(reference["keras_version"])},', ' "models": {']
    models = list(reference["models"].items())
    for index, (name, numbers) in enumerate(models):
        head = {key: value for key, value in numbers.items() if key != "layers"}
        lines.append(f'  {json.dumps(name)}: {json.dumps(head)[:-1]}, "layers": [')
        rows = [f"   {json.dumps(layer)}" for layer in numbers["layers"]]
        lines.append(",\n".join(rows))
        lines.append("  ]}" + ("," if index < len(models) - 1 else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", help="comma-separated model names (default: all)")
    args = parser.parse_args()
    import jax

    jax.config.update("jax_threefry_partitionable", False)
    jax.config.update("jax_compilation_cache_dir", str(CACHE))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    import keras

    names = model_names(keras)
    wanted = args.only.split(",") if args.only else names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"not in keras.applications: {', '.join(unknown)}", file=sys.stderr)
        return 2
    FIXTURES.mkdir(parents=True, exist_ok=True)
    reference = json.loads(REFERENCE.read_text()) if REFERENCE.exists() else {}
    reference["keras_version"] = keras.__version__
    reference.setdefault("models", {})
    for name in wanted:
        start = time.perf_counter()
        config, numbers = measure(keras, name)
        (FIXTURES / f"{name}.json").write_text(config + "\n")
        reference["models"][name] = numbers
        seconds = time.perf_counter() - start
        print(f"{name}: {numbers['params']:,} parameters, {len(numbers['layers'])} operations, "
              f"{seconds:.1f} s", flush=True)  # fmt: skip
    reference["models"] = dict(sorted(reference["models"].items()))
    REFERENCE.write_text(dumped(reference))
    return 0


if __name__ == "__main__":
    sys.exit(main())
