"""The interface's language: English, or Chinese in the textbooks' terms.

Every human-facing string goes through :func:`gettext` (imported as ``_``):
English is the source text, and the Chinese is a gettext catalog compiled from
``cnncalc/locale/zh_CN/LC_MESSAGES/*.po`` (``python tools/messages.py`` extracts,
updates and compiles them with Babel; a test fails when a marked string has no
translation or the compiled ``.mo`` is stale). Only the standard library's
``gettext`` runs here, so the language costs start-up almost nothing.

The language is, first to last: ``--lang`` on the command line, ``CNNCALC_LANG``,
then the locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as POSIX
orders them): ``zh_CN.UTF-8`` gives Chinese, anything else English. JSON keys,
CSV columns named by metrics, and the YAML spec format stay English: they are
contracts, not prose.

Strings defined at import time (module constants) are marked with :func:`N_`
and translated where they are shown, so switching the language takes effect
everywhere at once.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

LANGUAGES = ("en", "zh")
"""The interface languages (``--lang``): English and Simplified Chinese."""

DOMAIN = "cnncalc"
LOCALE_DIR = Path(__file__).with_name("locale")
CATALOG_LOCALE = {"zh": "zh_CN"}
"""Each translated language's catalog folder under :data:`LOCALE_DIR`."""

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
"""Where the locale's language is read from, first match wins (POSIX's order)."""

_active: list[tuple[str, _gettext.NullTranslations]] = [("en", _gettext.NullTranslations())]
# One slot, not a global statement per call: (language, its translations).


def language_of(value: str) -> str | None:
    """``zh``, ``zh_CN.UTF-8``, ``zh-Hans``, ``chinese`` → ``"zh"``; ``en*``, ``C``,
    ``POSIX`` → ``"en"``; anything else None (not a language cnncalc speaks)."""
    word = value.strip().lower().replace("-", "_")
    if word.startswith(("zh", "chinese")):
        return "zh"
    if word.startswith(("en", "english")) or word.split(".")[0] in ("c", "posix"):
        return "en"
    return None


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """``CNNCALC_LANG`` if set, else the locale's language, else English."""
    env = os.environ if environ is None else environ
    chosen = env.get("CNNCALC_LANG", "")
    if chosen:
        return language_of(chosen) or "en"
    for variable in LOCALE_VARIABLES:
        value = env.get(variable, "")
        if value:
            # LANGUAGE is a priority list (zh_CN:en): its first entry decides.
            return language_of(value.split(":")[0]) or "en"
    return "en"


def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``language`` (English: the identity)."""
    if language not in CATALOG_LOCALE:
        return _gettext.NullTranslations()
    catalog = LOCALE_DIR / CATALOG_LOCALE[language] / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with catalog.open("rb") as file:
        return _gettext.GNUTranslations(file)


def activate(language: str) -> None:
    """Speak ``language`` (one of :data:`LANGUAGES`) from now on."""
    if language not in LANGUAGES:
        raise ValueError(f"cnncalc speaks {', '.join(LANGUAGES)}, not {language!r}")
    if language != _active[0][0]:
        _active[0] = (language, translations(language))


def current() -> str:
    """The language being spoken: ``"en"`` or ``"zh"``."""
    return _active[0][0]


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak ``language`` inside the block, then the previous language again."""
    previous = current()
    activate(language)
    try:
        yield
    finally:
        activate(previous)


def gettext(message: str) -> str:
    """``message`` in the active language (unchanged in English or when untranslated)."""
    return _active[0][1].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the active language."""
    return _active[0][1].ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` translated in ``context``: the same English word may need two
    Chinese ones (a table's "Total" row and a sentence's "total")."""
    return _active[0][1].pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (module constants)."""
    return message


_ = gettext
