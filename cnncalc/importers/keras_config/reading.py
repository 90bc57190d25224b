"""A Keras model file as its JSON document, and the model config inside it.

Reads ``model.to_json()`` output, a ``.keras`` zip (Keras 3
``keras/src/saving/saving_lib.py``: ``config.json`` and ``metadata.json``),
a ``get_config()`` dump and TensorFlow.js's ``model.json``, with the standard
library only. Anything else, damaged or too big is a one-line error naming
the file.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import sub
from typing import Any, BinaryIO

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.importers.keras_config.files import cannot_read, check_zip_directory, open_regular
from cnncalc.importers.keras_config.messages import show

MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""The largest JSON config read, as a file or uncompressed from a ``.keras`` zip
(a ResNet-152 config is about 1 MB)."""
MAX_JSON_DEPTH = 100
"""The deepest nesting of JSON lists and objects read. A layer of a Keras 3
config sits about 13 levels deep and each model nested in another adds 3, so
this allows some 29 models inside each other; real models nest two or three."""
MAX_INT_DIGITS = 100
"""The most digits of an integer in a config (Python's ``int`` of thousands of
digits is slow and, past 4,300, refused; a Keras size or seed has at most 20)."""


@dataclass(frozen=True)
class Document:
    """The JSON document a file holds, and the Keras version its metadata names."""

    data: Any
    keras_version: str | None
    container: str


def read_document(path: str) -> Document:
    """The JSON document in ``path``: the file itself, or a ``.keras`` zip's ``config.json``.

    Only a regular file is opened (:func:`.files.open_regular`), and at most
    ``MAX_CONFIG_BYTES`` of JSON are read from it.
    """
    with open_regular(path) as file:
        try:
            if zipfile.is_zipfile(file):  # reads the last 64 KiB at most of a regular file
                return _read_keras_zip(file, path)
            size = os.fstat(file.fileno()).st_size
            if size > MAX_CONFIG_BYTES:
                raise CnncalcError(_over_the_limit(path))
            file.seek(0)
            raw = file.read(MAX_CONFIG_BYTES + 1)  # at most: the file may grow meanwhile
        except OSError as error:
            raise CnncalcError(cannot_read(path, error)) from None
    if raw.startswith(b"PK\x03\x04"):
        # zipfile found no central directory: a .keras file cut short or damaged.
        raise CnncalcError(
            _(
                "{path}: a damaged zip file (its directory is missing): not a readable .keras file"
            ).format(path=path)
        )
    if raw.startswith(b"\x89HDF"):
        raise CnncalcError(
            _(
                "{path}: an HDF5 (.h5) model file; cnncalc reads a Keras model's JSON config: "
                "save it with model.to_json() or as a .keras file"
            ).format(path=path)
        )
    data = _parse_json(raw, path)
    return Document(data, _keras_version(data), "JSON config")


def _read_keras_zip(file: BinaryIO, path: str) -> Document:
    """A ``.keras`` file: a zip of ``config.json``, ``metadata.json`` and the weights."""
    check_zip_directory(file, path)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise CnncalcError(
                    _("{path}: a zip file without config.json: not a .keras model").format(
                        path=path
                    )
                )
            data = _parse_json(_member(archive, "config.json", path), f"{path}:config.json")
            metadata: Any = None
            if "metadata.json" in names:
                raw = _member(archive, "metadata.json", path)
                metadata = _parse_json(raw, f"{path}:metadata.json")
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError,
            EOFError) as error:  # fmt: skip
        raise CnncalcError(
            _("{path}: not a readable .keras (zip) file: {why}").format(path=path, why=error)
        ) from None
    return Document(data, _keras_version(metadata), ".keras file")


def _keras_version(data: Any) -> str | None:
    """``keras_version`` of a ``to_json()`` document or of a ``.keras`` file's metadata."""
    version = data.get("keras_version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


def _member(archive: zipfile.ZipFile, name: str, path: str) -> bytes:
    """A member's bytes, refused before extracting when its stated size is over the limit."""
    size = archive.getinfo(name).file_size
    if size > MAX_CONFIG_BYTES:
        raise CnncalcError(
            _(
                "{where}: {size} bytes uncompressed, over the {limit}-byte limit for a config "
                "(a zip bomb?)"
            ).format(where=f"{path}:{name}", size=f"{size:,}", limit=f"{MAX_CONFIG_BYTES:,}")
        )
    # Read at most the limit all the same: the stated size may lie.
    with archive.open(name) as member:
        return member.read(MAX_CONFIG_BYTES + 1)


class _LongNumber(ValueError):
    """An integer of more than ``MAX_INT_DIGITS`` digits, met while parsing."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _LongNumber(text)
    return int(text)


def _parse_json(raw: bytes, where: str) -> Any:
    if len(raw) > MAX_CONFIG_BYTES:
        raise CnncalcError(_over_the_limit(where))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CnncalcError(
            _("{where}: not UTF-8 text, so not a Keras JSON config").format(where=where)
        ) from None
    try:
        data = json.loads(text, object_hook=_plain_lists, parse_int=_bounded_int)
    except _LongNumber:
        raise CnncalcError(f"{where}: {_long_number(text)}") from None
    except json.JSONDecodeError as error:
        raise CnncalcError(
            _(
                "{where}: not JSON (line {line}, column {column}: {problem}); expected a Keras "
                "model config (model.to_json()) or a .keras file"
            ).format(where=where, line=error.lineno, column=error.colno, problem=error.msg)
        ) from None
    except RecursionError:  # json's own bound, below Python's stack limit
        raise CnncalcError(_too_deep(where)) from None
    if not _depth_within(text, MAX_JSON_DEPTH):
        raise CnncalcError(_too_deep(where))
    return data


def _too_deep(where: str) -> str:
    return _(
        "{where}: JSON nested deeper than {levels} levels; a Keras model config, even of "
        "models inside models, needs far fewer"
    ).format(where=where, levels=MAX_JSON_DEPTH)


def _over_the_limit(where: str) -> str:
    return _("{where}: over the {limit}-byte limit for a config").format(
        where=where, limit=f"{MAX_CONFIG_BYTES:,}"
    )


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_NOT_BRACKETS = bytes(set(range(128)) - set(b"[{]}"))


def _depth_within(text: str, limit: int) -> bool:
    """Whether no list or object in the JSON ``text`` (already parsed: valid, so ASCII
    outside its strings) lies more than ``limit`` levels deep.

    Strings removed, the brackets left as steps of +1 and −1, and the deepest level
    is the largest running sum: all of it in C, so a 64 MiB config of a million
    lists costs a fraction of a second, not a Python step per list.
    """
    brackets = (
        _STRING.sub("", text).encode("ascii", "ignore").translate(_BRACKET_STEPS, _NOT_BRACKETS)
    )
    return max(accumulate(map(sub, brackets, repeat(1))), default=0) <= limit


_STRING_OR_LONG_NUMBER = re.compile(rf"{_STRING.pattern}|(-?\d{{{MAX_INT_DIGITS + 1},}})")


def _long_number(text: str) -> str:
    """Where the first over-long integer is, and how long it is (the error path only)."""
    for match in _STRING_OR_LONG_NUMBER.finditer(text):
        if match.group(1):
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            digits = len(match.group(1).lstrip("-"))
            return _(
                "line {line}, column {column}: an integer of {digits} digits; a Keras config's "
                "integers have at most {most}"
            ).format(line=line, column=column, digits=f"{digits:,}", most=MAX_INT_DIGITS)
    return _("an integer of more than {most} digits").format(  # pragma: no cover - found above
        most=MAX_INT_DIGITS
    )


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
                _(
                    "{path}: the config of a Keras {kind} lists no layers: not a Sequential or "
                    "Functional model (a subclassed model's config does not describe its layers)"
                ).format(path=path, kind=show(class_name))
            )
    elif isinstance(data, dict) and isinstance(data.get("layers"), list):
        config = data
    else:
        raise CnncalcError(
            _(
                "{path}: not a Keras model config: expected {expected} as model.to_json() writes it"
            ).format(
                path=path,
                expected='{"class_name": "Sequential" or "Functional", '
                '"config": {"layers": [...]}}',
            )
        )
    return ("Functional" if "input_layers" in config else "Sequential"), config
