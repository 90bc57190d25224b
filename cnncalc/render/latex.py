"""LaTeX building blocks shared by the LaTeX renderers: escaping and the document around.

Every piece of user text (layer names, network names, types) goes through
:func:`escape`, so no spec can inject a command (``\\input``, ``\\write18``) or
break the table. A document holding Chinese (the ``zh`` interface, a layer
named 卷积层, a document title in 《》) is a ``ctexart`` document for XeLaTeX
(an English one that only cites a Chinese title: ``article`` with ctex's fonts,
so its captions stay English); any other non-ASCII text needs XeLaTeX's Unicode
fonts (``fontspec``); a document in plain ASCII is an ``article`` that pdfLaTeX
compiles too.
"""

from __future__ import annotations

import unicodedata

from cnncalc.i18n import current

SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    # \char36, not \$: pdfLaTeX's default OT1 encoding takes \$ from the TS1 fonts, which
    # are bitmaps made by METAFONT where cm-super is not installed.
    "$": r"\char36{}",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "%": r"\%",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
"""Characters with a meaning in LaTeX text, and how to print them as themselves."""

SYMBOLS = {
    "·": r"\ensuremath{\cdot}",
    "×": r"\ensuremath{\times}",
    "Δ": r"\ensuremath{\Delta}",
    "−": r"\ensuremath{-}",
    "→": r"\ensuremath{\rightarrow}",
    "≥": r"\ensuremath{\geq}",
    "≤": r"\ensuremath{\leq}",
    "≠": r"\ensuremath{\neq}",
    "⌊": r"\ensuremath{\lfloor}",
    "⌋": r"\ensuremath{\rfloor}",
    "⌈": r"\ensuremath{\lceil}",
    "⌉": r"\ensuremath{\rceil}",
    "ᵀ": r"\ensuremath{^{\mathsf{T}}}",
    "½": r"\ensuremath{\tfrac{1}{2}}",
    "–": r"\textendash{}",
    "—": r"\textemdash{}",
    "…": r"\ldots{}",
    **{digit: rf"\textsuperscript{{{n}}}" for n, digit in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")},
}
"""The Unicode math cnncalc's own text holds (convention notes, shapes, formulas in
sentences), as commands: the text fonts of pdfLaTeX have none of them, and Latin
Modern lacks the floor brackets."""


LIGATURES = frozenset(["--", "''", "``", ",,", "!`", "?`"])
"""Pairs of characters that TeX's fonts join into another glyph: ``--`` is an en dash,
``''`` a closing quote, ``!``` an ``¡``."""


def escape(text: str) -> str:
    """``text`` as LaTeX prints it literally; a control character as its code (``U+001B``),
    never raw. ``{}`` parts two characters a font would join (``<!--`` keeps both hyphens)."""
    out = []
    for index, ch in enumerate(text):
        if text[index : index + 2] in LIGATURES:
            out.append(ch + "{}")
        elif ch in SPECIALS:
            out.append(SPECIALS[ch])
        elif ch in SYMBOLS:
            out.append(SYMBOLS[ch])
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\n\t":
            out.append(f"U+{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def needs_cjk(text: str) -> bool:
    """Whether ``text`` holds a character only a CJK font has (so XeLaTeX and ctex)."""
    return any(unicodedata.east_asian_width(ch) in "WF" for ch in text if not ch.isascii())


PACKAGES = (
    r"\usepackage{booktabs}",
    r"\usepackage{amsmath}",
    r"\usepackage{longtable}",
    r"\usepackage{array}",
)


def preamble(text: str, language: str | None = None) -> tuple[str, list[str]]:
    """The engine a document holding ``text`` compiles with, and its class and font lines.

    Chinese (the ``zh`` interface): ``ctexart``, whose captions say 表. Chinese
    characters in an English document (a source cited by its Chinese title):
    ``article`` with ``ctex``'s fonts only (``scheme=plain``), captions in English.
    Other non-ASCII text: ``fontspec``'s Unicode Latin Modern. ASCII: ``article``,
    which pdfLaTeX compiles too, with the Type 1 Computer Modern fonts every TeX has.
    """
    if (language or current()) == "zh":
        return "xelatex", [r"\documentclass[UTF8]{ctexart}"]
    if needs_cjk(text):
        return "xelatex", [r"\documentclass{article}", r"\usepackage[scheme=plain]{ctex}"]
    if not text.isascii():
        return "xelatex", [r"\documentclass{article}", r"\usepackage{fontspec}"]
    return "xelatex or pdflatex", [r"\documentclass{article}"]


def document(
    body: str, *, title: str = "", language: str | None = None, landscape: bool = True
) -> str:
    """A whole LaTeX document around ``body`` (already LaTeX), in the class
    :func:`preamble` chooses for it and the interface's language (or ``language``); on
    landscape pages (a report's wide table) unless ``landscape`` is false (an exercise
    sheet)."""
    heading = [rf"\section*{{{escape(title)}}}"] if title else []
    engine, head = preamble(body + "".join(heading), language)
    lines = [
        f"% Written by cnncalc. Compile with {engine}.",
        *head,
        *PACKAGES,
        r"\usepackage[margin=2cm,landscape]{geometry}"
        if landscape
        else r"\usepackage[margin=2cm]{geometry}",
        r"\begin{document}",
        *heading,
        body.rstrip("\n"),
        r"\end{document}",
    ]
    return "\n".join(lines) + "\n"
