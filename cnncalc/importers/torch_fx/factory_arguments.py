"""The factory's keyword arguments: ``--kwargs JSON``, read strictly, its size bounded.

``cnncalc import torch MODULE:FACTORY --kwargs '{"weights": null}'`` calls
``FACTORY(weights=None)``. The text must be one JSON object (JSON's ``null``,
``true``, numbers, strings, lists and objects become Python's ``None``,
``True``, …); anything else is a one-line error before torch is imported.
A key given twice is refused rather than the last one silently winning (what
``json.loads`` does). The text is bounded by ``MAX_KWARGS_BYTES``: keyword
arguments are a handful of names, and the bound keeps the parse (and Python's
own nesting limit) cheap, and integers have at most ``MAX_INT_DIGITS`` digits;
each limit is a one-line error of its own.
"""

from __future__ import annotations

import json
from typing import Any

from cnncalc.errors import CnncalcError, show_value
from cnncalc.i18n import N_, _

MAX_KWARGS_BYTES = 65_536
"""The longest ``--kwargs`` text, in UTF-8 bytes (a factory's arguments need a few dozen)."""
_EXAMPLE = N_("""e.g. '{"weights": null, "num_classes": 10}'""")
"""Marked: shown as ``_(_EXAMPLE)``."""
_SHOWN_ARGUMENTS = 4
_NAME_LIMIT = 40


MAX_INT_DIGITS = 100
"""The most digits of an integer in ``--kwargs`` (a size or a seed has at most 20; Python's
``int`` of thousands of digits is slow to read and, past 4,300, refused)."""


class _DuplicateKey(ValueError):
    """A key met twice in one JSON object."""


class _LongNumber(ValueError):
    """An integer of more than ``MAX_INT_DIGITS`` digits."""


def parse_kwargs(text: str) -> dict[str, Any]:
    """``'{"weights": null}'`` → ``{"weights": None}``: one JSON object, bounded, no key twice."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_KWARGS_BYTES:
        raise CnncalcError(
            _(
                "--kwargs is {size} bytes, over the {limit}-byte limit for a factory's keyword "
                "arguments"
            ).format(size=f"{size:,}", limit=f"{MAX_KWARGS_BYTES:,}")
        )
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_int=_bounded_int)
    except _DuplicateKey as error:
        raise CnncalcError(
            _("--kwargs names {key} twice").format(key=show_value(str(error)))
        ) from None
    except _LongNumber as error:
        raise CnncalcError(
            _("--kwargs has an integer of {digits} digits; at most {most}").format(
                digits=f"{int(str(error)):,}", most=MAX_INT_DIGITS
            )
        ) from None
    except json.JSONDecodeError as error:
        where = (
            _("line {line}, column {column}").format(line=error.lineno, column=error.colno)
            if error.lineno > 1
            else _("column {column}").format(column=error.colno)
        )
        raise CnncalcError(
            _(
                "--kwargs is not JSON ({where}: {problem}); expected an object of keyword "
                "arguments, {example}"
            ).format(where=where, problem=error.msg, example=_(_EXAMPLE))
        ) from None
    except RecursionError:  # json's own bound, below Python's stack limit
        raise CnncalcError(_("--kwargs is JSON nested too deeply to read")) from None
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), _A_NUMBER)
        raise CnncalcError(
            _("--kwargs must be a JSON object of keyword arguments, {example}; got {kind}").format(
                example=_(_EXAMPLE), kind=_(kind)
            )
        )
    return value


_JSON_KINDS = {list: N_("a list"), str: N_("a string"), bool: N_("a boolean"),
               type(None): N_("null")}  # fmt: skip
"""How an error names a JSON value that is not an object (any other: a number)."""
_A_NUMBER = N_("a number")


def call_text(target: str, kwargs: dict[str, Any]) -> str:
    """``torchvision.models:fcn_resnet50(weights=None, weights_backbone=None)``, bounded:
    at most four arguments shown, each value short (:func:`cnncalc.errors.show_value`)."""
    shown = [f"{_short(name)}={_python_value(value)}" for name, value in kwargs.items()]
    if len(shown) > _SHOWN_ARGUMENTS:
        shown = [*shown[:_SHOWN_ARGUMENTS], f"… {len(shown) - _SHOWN_ARGUMENTS:,} more"]
    return f"{target}({', '.join(shown)})"


def _short(name: str) -> str:
    return name if len(name) <= _NAME_LIMIT else name[: _NAME_LIMIT - 1] + "…"


def _python_value(value: Any) -> str:
    """A JSON value as Python spells it (``None``, ``True``), short."""
    if value is None or isinstance(value, bool):
        return repr(value)
    return show_value(value, 24)


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _LongNumber(str(digits))
    return int(text)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result
