"""What every importer returns, and the spec file it writes."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from cnncalc.errors import CnncalcError, SpecError
from cnncalc.importers.skipped import Skipped
from cnncalc.safe_text import visible

# Keys in the order a person writes them in a layer (the shipped specs' order).
_LAYER_KEY_ORDER = ("name", "type", "block", "input", "inputs")
_SPEC_KEY_ORDER = ("name", "source", "framework", "convention", "input", "inputs", "values",
                   "blocks", "layers", "expect")  # fmt: skip


LONG_IMPORT = 300
"""Layers from which translating a model is worth a progress bar (on a terminal)."""


@dataclass
class Imported:
    """A translated model: the spec as plain data, and what could not be translated.

    ``skipped`` holds one record per module or layer left out (its name, its type,
    why, and the parameters it leaves uncounted); a spec with skipped layers still
    validates, and its report undercounts exactly those layers, which ``cnncalc
    import`` says (in the user's language; the written header in English).
    """

    spec: dict[str, Any]
    skipped: list[Skipped] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    """Lines for the header of the written file (where the model came from)."""
    origin: str = ""
    """What was imported (the file, ``MODULE:FACTORY``), to lead error messages."""
    uncounted_parameters: int = 0
    """The model's parameters in operations the spec leaves out (skipped layers, parameters
    read by operations with no layer); not those of modules never called (aux heads)."""
    differences: list[str] = field(default_factory=list)
    """Where the spec's totals differ from the framework's, and why (said on stderr too)."""

    def skipped_lines(self) -> list[str]:
        """The skipped records as the written header says them: in English, whatever the
        user's language (the header is part of the file; ``cnncalc import`` warns in it)."""
        return [record.english() for record in self.skipped]

    def to_yaml(self) -> str:
        """The spec as YAML in the shipped specs' style: one flow mapping per layer.

        Raises :class:`CnncalcError` if cnncalc would refuse to read it back
        (:func:`check_readable`): a spec cnncalc writes is always one it reads.
        """
        _check_values(_count_values(self.spec), self.origin)  # before rendering a million
        # Comments hold the model's own names: a line end or a control character in
        # one would end the comment and write YAML of the model's choosing.
        lines = [f"# {visible(line)}" if line else "#" for line in self.comments]
        lines += [f"# skipped: {visible(line)}" for line in self.skipped_lines()]
        spec = {key: self.spec[key] for key in _SPEC_KEY_ORDER if key in self.spec}
        spec |= {key: value for key, value in self.spec.items() if key not in spec}
        for key, value in spec.items():
            if key == "layers":
                lines.append("layers:")
                lines += [f"  - {_flow(_ordered(layer))}" for layer in value]
            elif isinstance(value, dict) and value:
                lines.append(f"{key}:")
                lines += [f"  {_scalar(k)}: {_flow(v)}" for k, v in value.items()]
            else:
                lines.append(f"{key}: {_flow(value)}")
        text = "\n".join(lines) + "\n"
        check_readable(text, self.origin)
        return text


def check_readable(text: str, origin: str = "") -> None:
    """Refuse a written spec that cnncalc's loader would refuse: over its byte limit
    (``CNNCALC_MAX_SPEC_BYTES``, 16 MiB) or holding more than its 1,000,000 values
    (``cnncalc.spec.source``). A Keras concatenation of thousands of inputs, each
    named in ``inputs:``, reaches the value bound long before the layer bound.
    """
    from cnncalc.spec.source import MAX_NODES, TooManyValues, max_bytes, measure

    lead = f"{origin}: " if origin else ""
    size, limit = len(text.encode("utf-8")), max_bytes()
    if size > limit:
        raise CnncalcError(
            f"{lead}the spec it translates to is {size:,} bytes, over the {limit:,}-byte limit "
            "of a spec cnncalc reads (set CNNCALC_MAX_SPEC_BYTES to raise it); nothing written"
        )
    try:
        measure(text)
    except SpecError as error:
        if isinstance(error, TooManyValues):
            _check_values(MAX_NODES + 1, origin)
        raise CnncalcError(
            f"{lead}the spec it translates to would not be read back ({error.message}); "
            "nothing written"
        ) from None


def _count_values(data: Any) -> int:
    """The values YAML holds for ``data``, as the loader counts them (a scalar, a list or a
    mapping is one each; a mapping's keys are scalars). Iterative: specs are shallow, but
    a layer's ``inputs`` may list thousands."""
    count, stack = 0, [data]
    while stack:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            count += len(value)
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
    return count


def _check_values(count: int, origin: str) -> None:
    from cnncalc.spec.source import MAX_NODES

    if count > MAX_NODES:
        lead = f"{origin}: " if origin else ""
        raise CnncalcError(
            f"{lead}the spec it translates to would hold more than {MAX_NODES:,} values (names, "
            "sizes, fields), more than cnncalc reads in one spec; nothing written"
        )


def _ordered(layer: dict[str, Any]) -> dict[str, Any]:
    first = {key: layer[key] for key in _LAYER_KEY_ORDER if key in layer}
    return first | {key: value for key, value in layer.items() if key not in first}


def _flow(value: Any) -> str:
    """A YAML flow value: ``{a: 1, b: [2, 3]}``."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    """A plain scalar where YAML reads it back as the same value, else a quoted one."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if _plain_safe(text):
        return text
    # A JSON string is a YAML double-quoted scalar; YAML reads no DEL, C1 control
    # or surrogate even there, so those are written as escapes, which it reads.
    quoted = json.dumps(text, ensure_ascii=False)
    return quoted if quoted.isprintable() else "".join(map(_yaml_char, quoted))


def _yaml_char(ch: str) -> str:
    """``ch`` as YAML's printable set allows it in a double-quoted scalar, else escaped."""
    if ch.isprintable():
        return ch
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


_PLAIN = re.compile(r"[\w./-]+")
"""Names and words: ``\\w`` is what ``str.isalnum`` accepts, and ``_``."""


@functools.lru_cache(maxsize=4096)  # keys and types repeat on every layer of a long model
def _plain_safe(text: str) -> bool:
    # Plain only for names and words that YAML 1.2 reads back as the same string.
    if not text or text.lower() in {"true", "false", "null", "yes", "no", "on", "off", "~"}:
        return False
    if text[0].isdigit() or text[0] in "-+.":
        return False
    return _PLAIN.fullmatch(text) is not None
