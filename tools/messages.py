"""The message catalogs: extract the marked strings, update the ``.po`` files, compile.

``python tools/messages.py`` (with the test extras, which bring Babel) does all
three: every string marked with ``_``/``gettext``, ``N_``, ``ngettext`` or
``pgettext`` in ``cnncalc/`` is extracted, and so are the strings no marker can
reach (:func:`unmarked`: the layer types' summaries); each goes to the ``.po`` file of the
part of the program it comes from (:data:`AREAS`), keeping its translation; a
string no longer in the code leaves its file; then every file is compiled into
the one ``cnncalc.mo`` the program reads. ``--check`` changes nothing and exits 1
if anything would change (the tests run it).

A new string gets an empty translation; fill it in the ``.po`` file, in the
glossary's terms (:mod:`cnncalc.glossary`), and run the command again.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cnncalc"
CATALOGS = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES"
COMPILED = CATALOGS / "cnncalc.mo"
LOCALE = "zh_CN"
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "_": None,
    "gettext": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
AREAS = (
    ("cnncalc/compare.py", "compare"),
    ("cnncalc/render/compare_format.py", "compare"),
    ("cnncalc/cli.py", "cli"),
    ("cnncalc/completion.py", "cli"),
    ("cnncalc/expect.py", "cli"),
    ("cnncalc/library.py", "errors"),
    ("cnncalc/papers.py", "reports"),
    ("cnncalc/quiz", "quiz"),
    ("cnncalc/render/quiz", "quiz"),
    ("cnncalc/render/latex", "latex"),
    ("cnncalc/render/plot.py", "pictures"),
    ("cnncalc/render/draw_svg.py", "pictures"),
    ("cnncalc/render/derivations.py", "explain"),
    ("cnncalc/step_derivations.py", "explain"),
    ("cnncalc/formulas.py", "explain"),
    ("cnncalc/solve.py", "solve"),
    ("cnncalc/sizing.py", "solve"),
    ("cnncalc/render/region_format.py", "solve"),
    ("cnncalc/evaluator/", "sweep"),
    ("cnncalc/grid.py", "sweep"),
    ("cnncalc/sweep.py", "sweep"),
    ("cnncalc/render/sweep", "sweep"),
    ("cnncalc/render/", "reports"),
    ("cnncalc/conventions.py", "reports"),
    ("cnncalc/memory.py", "reports"),
    ("cnncalc/saved_tensors.py", "reports"),
    ("cnncalc/receptive_field.py", "reports"),
    ("cnncalc/devices.py", "reports"),
    ("cnncalc/spec/", "errors"),
    ("cnncalc/errors.py", "errors"),
    ("cnncalc/importers/", "errors"),
    ("cnncalc/rules/", "errors"),
    ("cnncalc/analysis.py", "errors"),
    ("cnncalc/arith.py", "errors"),
    ("cnncalc/expressions.py", "errors"),
    ("cnncalc/substitution.py", "errors"),
    ("cnncalc/symbolic.py", "errors"),
)
"""Source path prefix → the ``.po`` file (without ``.po``) its strings go to; the first
prefix that matches a string's first use wins; anything else goes to ``messages.po``."""
FIXED_DATE = datetime(2026, 11, 30, tzinfo=UTC)
"""The catalogs' header date: fixed, so the compiled file changes only with its messages."""

Key = str | tuple[str, str]


def area_of(path: str) -> str:
    """The ``.po`` file (stem) for a string first used in ``path`` (relative to the root)."""
    for prefix, area in AREAS:
        if path.startswith(prefix):
            return area
    return "messages"


def extracted() -> dict[Key, tuple[Message, str]]:
    """Every marked string in the package: its key, an empty message and its area."""
    found: dict[Key, tuple[Message, str]] = {}
    for filename, _line, message, _comments, context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        path = f"cnncalc/{filename}"
        msgid: str | tuple[str, str] = (
            message if isinstance(message, str) else (message[0], message[1])
        )
        key: Key = (context, _key_text(msgid)) if context else _key_text(msgid)
        if key not in found:
            found[key] = (Message(msgid, "" if isinstance(msgid, str) else ("",)),
                          area_of(path))  # fmt: skip
            found[key][0].context = context
    return found


def unmarked() -> dict[Key, tuple[Message, str]]:
    """The strings shown to users that no marker can reach, and their area: the layer
    models' summaries, the first paragraphs of their docstrings (``cnncalc types``).
    """
    from cnncalc.spec.layers import LAYER_MODELS, summary

    return {summary(model): (Message(summary(model), ""), "types") for model in LAYER_MODELS}


def _key_text(msgid: str | tuple[str, str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def key_of(message: Message) -> Key:
    """A message's identity: its English (singular) text, with its context if any."""
    text = message.id if isinstance(message.id, str) else message.id[0]
    return (message.context, text) if message.context else text


def existing() -> dict[str, Catalog]:
    """The ``.po`` files as they are: area → catalog."""
    catalogs = {}
    for path in sorted(CATALOGS.glob("*.po")):
        with path.open("rb") as file:
            catalogs[path.stem] = read_po(file, locale=LOCALE, domain="cnncalc")
    return catalogs


def translated(catalogs: Iterable[Catalog]) -> dict[Key, Message]:
    """Every translation in ``catalogs``, by key (the header excluded)."""
    return {key_of(m): m for catalog in catalogs for m in catalog if m.id and m.string}


def new_catalog(area: str) -> Catalog:
    return Catalog(
        locale=LOCALE,
        domain="cnncalc",
        project="cnncalc",
        version="",
        copyright_holder="cnncalc",
        msgid_bugs_address="",
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
        language_team=f"cnncalc {area}",
        last_translator="cnncalc",
        fuzzy=False,
    )


def updated(found: dict[Key, tuple[Message, str]], known: dict[Key, Message]) -> dict[str, Catalog]:
    """The ``.po`` files as they should be: each extracted string in its area's file,
    with the translation it had in any file."""
    catalogs: dict[str, Catalog] = {}
    for key, (message, area) in sorted(found.items(), key=lambda item: str(item[0])):
        catalog = catalogs.setdefault(area, new_catalog(area))
        previous = known.get(key)
        string = previous.string if previous is not None else message.string
        if isinstance(message.id, tuple) and isinstance(string, str):
            string = (string,)  # a singular translation of a plural message: one form
        catalog.add(message.id, string, context=message.context)
    return catalogs


def po_text(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, no_location=True, omit_header=False, sort_output=True)
    return out.getvalue()


def mo_bytes(catalogs: Iterable[Catalog]) -> bytes:
    """Every translated message of ``catalogs`` in one compiled catalog."""
    merged = new_catalog("all")
    for message in translated(catalogs).values():
        merged.add(message.id, message.string, context=message.context)
    out = io.BytesIO()
    write_mo(out, merged)
    return out.getvalue()


def untranslated(catalogs: Iterable[Catalog]) -> list[str]:
    """The English of every message with no (or an incomplete) translation."""
    missing = []
    for catalog in catalogs:
        for message in catalog:
            if not message.id:
                continue
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(forms):
                missing.append(str(key_of(message)))
    return missing


def plan() -> tuple[dict[Path, bytes], dict[str, Catalog]]:
    """The files as they should be (path → content), and the catalogs they hold."""
    catalogs = updated(unmarked() | extracted(), translated(existing().values()))
    files = {CATALOGS / f"{area}.po": po_text(catalog) for area, catalog in catalogs.items()}
    files[COMPILED] = mo_bytes(catalogs.values())
    return files, catalogs


def stale() -> list[Path]:
    """The files that differ from :func:`plan` (or should not exist)."""
    files, _ = plan()
    changed = [p for p, content in files.items() if not p.exists() or p.read_bytes() != content]
    return changed + [p for p in CATALOGS.glob("*.po") if p not in files]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    if args.check:
        changed = stale()
        for path in changed:
            print(f"stale: {path.relative_to(ROOT)}")
        return 1 if changed else 0
    files, catalogs = plan()
    CATALOGS.mkdir(parents=True, exist_ok=True)
    for path in CATALOGS.glob("*.po"):
        if path not in files:
            path.unlink()
    for path, content in files.items():
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
            print(f"wrote {path.relative_to(ROOT)}")
    missing = untranslated(catalogs.values())
    if missing:
        print(f"{len(missing)} strings have no translation yet:", file=sys.stderr)
        for text in missing[:50]:
            print(f"  {text}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
