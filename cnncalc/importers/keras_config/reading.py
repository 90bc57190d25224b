"""A Keras model file as its JSON document, and the model config inside it.

Reads ``model.to_json()`` output, a ``.keras`` zip (Keras 3
``keras/src/saving/saving_lib.py``: ``config.json`` and ``metadata.json``),
a ``get_config()`` dump and TensorFlow.js's ``model.json``, with the standard
library only. Anything else, damaged or too big is a one-line error naming
the file.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from cnncalc.errors import CnncalcError
from cnncalc.importers.keras_config.messages import show

MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""The largest JSON config read (a ResNet-152 config is about 1 MB)."""


@dataclass(frozen=True)
class Document:
    """The JSON document a file holds, and the Keras version its metadata names."""

    data: Any
    keras_version: str | None
    container: str


def read_document(path: str) -> Document:
    """The JSON document in ``path``: the file itself, or a ``.keras`` zip's ``config.json``."""
    try:
        if zipfile.is_zipfile(path):
            return _read_keras_zip(path)
        with open(path, "rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise CnncalcError(f"{path}: cannot read the file: {error.strerror or error}") from None
    if raw.startswith(b"PK\x03\x04"):
        # zipfile found no central directory: a .keras file cut short or damaged.
        raise CnncalcError(f"{path}: a damaged zip file (its directory is missing): not a "
                           "readable .keras file")  # fmt: skip
    if raw.startswith(b"\x89HDF"):
        raise CnncalcError(
            f"{path}: an HDF5 (.h5) model file; cnncalc reads a Keras model's JSON config: "
            "save it with model.to_json() or as a .keras file"
        )
    data = _parse_json(raw, path)
    return Document(data, _keras_version(data), "JSON config")


def _read_keras_zip(path: str) -> Document:
    """A ``.keras`` file: a zip of ``config.json``, ``metadata.json`` and the weights."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise CnncalcError(f"{path}: a zip file without config.json: not a .keras model")
            data = _parse_json(_member(archive, "config.json"), f"{path}:config.json")
            metadata: Any = None
            if "metadata.json" in names:
                metadata = _parse_json(_member(archive, "metadata.json"), f"{path}:metadata.json")
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError,
            EOFError) as error:  # fmt: skip
        raise CnncalcError(f"{path}: not a readable .keras (zip) file: {error}") from None
    return Document(data, _keras_version(metadata), ".keras file")


def _keras_version(data: Any) -> str | None:
    """``keras_version`` of a ``to_json()`` document or of a ``.keras`` file's metadata."""
    version = data.get("keras_version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    # Read at most the limit: a member's declared size may lie (a zip bomb).
    with archive.open(name) as member:
        return member.read(MAX_CONFIG_BYTES + 1)


def _parse_json(raw: bytes, where: str) -> Any:
    if len(raw) > MAX_CONFIG_BYTES:
        raise CnncalcError(f"{where}: over the {MAX_CONFIG_BYTES:,}-byte limit for a config")
    try:
        return json.loads(raw.decode("utf-8-sig"), object_hook=_plain_lists)
    except UnicodeDecodeError:
        raise CnncalcError(f"{where}: not UTF-8 text, so not a Keras JSON config") from None
    except json.JSONDecodeError as error:
        raise CnncalcError(
            f"{where}: not JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "expected a Keras model config (model.to_json()) or a .keras file"
        ) from None
    except RecursionError:
        raise CnncalcError(f"{where}: JSON nested too deeply for a model config") from None


def _plain_lists(obj: dict[str, Any]) -> Any:
    # tf.keras 2's SavedModel metadata (json_utils.Encoder) tags tuples and
    # TensorShapes as {"class_name": "__tuple__", "items": [...]}: read them as lists.
    if obj.get("class_name") in ("__tuple__", "TensorShape") and isinstance(obj.get("items"), list):
        return obj["items"]
    return obj


def model_config(data: Any, path: str) -> tuple[str, dict[str, Any]]:
    """``(kind, config)``: "Sequential" or "Functional", and the config with its ``layers``.

    Accepts ``{"class_name", "config"}`` (``to_json()``, ``config.json``), the
    config dict itself (``get_config()``), Keras ≤ 2.1's Sequential whose config
    is the list of layers, and TensorFlow.js's ``model.json``.
    """
    if isinstance(data, dict) and isinstance(data.get("modelTopology"), dict):
        # TensorFlow.js's model.json wraps the Keras config (tfjs-converter keras_h5_conversion).
        data = data["modelTopology"].get("model_config", data["modelTopology"])
    if isinstance(data, dict) and "class_name" in data and "config" in data:
        class_name, config = data["class_name"], data["config"]
        if isinstance(config, list):
            config = {"layers": config}
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise CnncalcError(
                f"{path}: the config of a Keras {show(class_name)} lists no layers: not a "
                "Sequential or Functional model (a subclassed model's config does not "
                "describe its layers)"
            )
    elif isinstance(data, dict) and isinstance(data.get("layers"), list):
        config = data
    else:
        raise CnncalcError(
            f'{path}: not a Keras model config: expected {{"class_name": "Sequential" or '
            '"Functional", "config": {"layers": [...]}} as model.to_json() writes it'
        )
    return ("Functional" if "input_layers" in config else "Sequential"), config
