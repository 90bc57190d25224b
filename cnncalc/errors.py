"""Errors cnncalc reports to its users.

Every problem with a spec becomes one :class:`SpecError` carrying a location
(``loc``, the path of keys into the spec, as pydantic reports it) and, once the
loader has resolved it, the file, line, layer and field. ``str(error)`` is the
one line the CLI prints; nothing here ever renders the offending input whole,
and the user's text in it (names, fields, paths) is shown by
:func:`cnncalc.safe_text.one_line`: control characters as visible escapes, so
the message stays one line, and long names cut to 60 characters.
"""

from __future__ import annotations

import errno
import math

from cnncalc.i18n import N_, _, ngettext
from cnncalc.safe_text import one_line

Loc = tuple[str | int, ...]


class CnncalcError(Exception):
    """Base class of every error cnncalc raises on purpose.

    Its ``str()`` is one bounded line (:func:`~cnncalc.safe_text.one_line`),
    whatever user text the message quotes.
    """

    def __str__(self) -> str:
        return one_line(super().__str__())


class SpecError(CnncalcError):
    """A spec that cannot be analysed, located as precisely as the input allows."""

    def __init__(
        self,
        message: str,
        *,
        loc: Loc = (),
        source: str | None = None,
        line: int | None = None,
        layer: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.source = source
        self.line = line
        self.layer = layer
        self.field = field

    def __str__(self) -> str:
        where = self.source or "<spec>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.layer is not None:
            parts.append(f"layer {self.layer}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return one_line(": ".join(parts) + ": " + self.message)


class RuleError(CnncalcError):
    """Raised by a layer rule when its input cannot pass through the layer.

    ``field`` names the spec field at fault (``kernel``, ``groups``); the
    analysis turns this into a located :class:`SpecError`.
    """

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


_OS_REASONS = {
    errno.ENOENT: N_("No such file or directory"),
    errno.EACCES: N_("Permission denied"),
    errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"),
    errno.ENAMETOOLONG: N_("File name too long"),
    errno.ELOOP: N_("Too many levels of symbolic links"),
    errno.ENOSPC: N_("No space left on device"),
    errno.EROFS: N_("Read-only file system"),
    errno.EEXIST: N_("File exists"),
}
"""The C library's words for the usual reasons a file cannot be read or written (English:
exactly as ``strerror`` says them), to translate."""


def os_reason(error: OSError) -> str:
    """Why ``error`` happened, in the active language: ``strerror`` for the reasons of
    :data:`_OS_REASONS` when it says what they say, else ``strerror`` as it is."""
    text = error.strerror or str(error)
    known = _OS_REASONS.get(error.errno or 0)
    return _(known) if known is not None and known == text else text


def show_value(value: object, limit: int = 40) -> str:
    """A short, bounded rendering of a user's value for an error message.

    Values are never rendered whole: a megabyte string or an alias-expanded
    structure must not hang the error path.
    """
    if isinstance(value, (dict, list, tuple)):
        kind = type(value).__name__
        try:
            size = len(value)
        except TypeError:  # pragma: no cover - defensive
            size = -1
        if isinstance(value, dict):
            return ngettext("a mapping with {n} key", "a mapping with {n} keys", size).format(
                n=size
            )
        if size <= 4 and all(isinstance(v, (int, str, float, bool)) for v in value):
            text = "[" + ", ".join(show_value(v, 12) for v in value) + "]"
            if len(text) <= limit:
                return text
        return _sequence_of(kind, size)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        # str() of a huge int is quadratic (and capped at 4300 digits): its magnitude will do.
        sign = "-" if value < 0 else ""
        return f"{sign}≈10^{int(math.log10(abs(value)))}"
    text = repr(value) if isinstance(value, str) else str(value)
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _sequence_of(kind: str, size: int) -> str:
    """``a list of 3 items`` (a tuple: ``a tuple of 3 items``), in the active language."""
    if kind == "tuple":
        return ngettext("a tuple of {n} item", "a tuple of {n} items", size).format(n=size)
    return ngettext("a list of {n} item", "a list of {n} items", size).format(n=size)
