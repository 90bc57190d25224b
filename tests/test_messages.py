"""The message catalogs (tools/messages.py, cnncalc.i18n) and the glossary they keep to."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from cnncalc import glossary, i18n
from tools import messages

PACKAGE = Path(messages.PACKAGE)
MARKERS = {"_", "gettext", "N_", "ngettext", "pgettext"}
PLACEHOLDER = re.compile(r"\{[a-z_]*(?:![rsa])?(?::[^{}]*)?\}|%\([a-z_]+\)[sdr]|%[sdr]")


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return messages.existing()


def test_the_catalogs_hold_every_marked_string_and_are_compiled() -> None:
    """``python tools/messages.py`` would change nothing: no string is missing from the
    ``.po`` files, none is left over, and ``cnncalc.mo`` is their compilation."""
    assert messages.stale() == []


def test_every_marked_string_is_translated(catalogs: dict[str, Catalog]) -> None:
    assert messages.untranslated(catalogs.values()) == []


def test_every_marked_string_is_a_literal() -> None:
    """A marker around an f-string or a formatted string cannot be in the catalog: its
    text is only known when it runs, so it would stay English. (``_(name)`` of a
    constant marked with ``N_`` where it is defined is how constants are translated.)"""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in MARKERS
            ):
                continue
            texts = node.args[1:3] if node.func.id == "pgettext" else node.args[:2]
            if node.func.id not in {"ngettext", "pgettext"}:
                texts = node.args[:1]
            for arg in texts:
                literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                marked_elsewhere = node.func.id in {"_", "gettext"} and isinstance(
                    arg, (ast.Name, ast.Attribute, ast.Subscript)
                )
                if not (literal or marked_elsewhere):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_every_translation_keeps_the_placeholders(catalogs: dict[str, Catalog]) -> None:
    """``{network}`` or ``%(value)r`` missing or renamed in a translation would raise (or
    drop a number) when the message is formatted."""
    wrong = []
    for catalog in catalogs.values():
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for string in strings:
                if sorted(PLACEHOLDER.findall(str(string))) != sorted(
                    PLACEHOLDER.findall(str(ids[-1]))
                ):
                    wrong.append((ids[0], string))
    assert wrong == []


def test_translations_use_the_glossarys_words(catalogs: dict[str, Catalog]) -> None:
    """One word per idea: no translation uses an alias the glossary set aside (a
    document's title, quoted in 《》, may say what it says)."""
    chosen = sorted({term.chinese for term in glossary.TERMS}, key=len, reverse=True)
    slips = []
    for catalog in catalogs.values():
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for string in strings:
                text = re.sub(r"《[^》]*》", "", str(string))
                for word in chosen:
                    text = text.replace(word, "□")
                slips += [
                    (alias, string)
                    for term in glossary.TERMS
                    for alias in term.aliases
                    if alias in text
                ]
    assert slips == []


def test_the_glossary_has_one_word_per_idea() -> None:
    words = [term.chinese for term in glossary.TERMS]
    aliases = [alias for term in glossary.TERMS for alias in term.aliases]
    assert len(set(words)) == len(words)
    assert not set(words) & set(aliases)
    assert glossary.chinese("stride") == "步长"


@pytest.mark.parametrize(
    ("environment", "language"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, "zh"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "CNNCALC_LANG": "en"}, "en"),
        ({"CNNCALC_LANG": "zh"}, "zh"),
    ],
)
def test_the_language_comes_from_cnncalc_lang_then_the_locale(
    environment: dict[str, str], language: str
) -> None:
    assert i18n.language_from_environment(environment) == language


def test_speaking_switches_and_restores() -> None:
    assert i18n.current() == "en"
    with i18n.speaking("zh"):
        assert i18n.gettext("Connections") == "连接数"
        assert i18n.current() == "zh"
    assert i18n.gettext("Connections") == "Connections"
    with pytest.raises(ValueError, match="not 'fr'"):
        i18n.activate("fr")
