"""Text filled into terminal columns, Chinese included.

:mod:`textwrap` counts characters and breaks only at spaces: a Chinese
sentence (no spaces, each character two columns wide) comes out as one line
twice the page's width. Here a line is measured in terminal columns (East
Asian wide characters take two), and a line may also break between two
Chinese characters, as Chinese typesetting does, but never before a closing
mark (，。：）》) or after an opening one (（《), the rule the documents follow,
nor inside a term the caller names (计算量 stays whole: the glossary's words).
English is left to :mod:`textwrap` (and argparse) by the callers, so its
output is exactly what it always was. Standard library only: ``--help`` uses it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

CLOSING = frozenset("，。、：；！？）》」』”’,.:;!?)]}")
"""Marks a line may not start with: they stay with the character before them."""
OPENING = frozenset("（《「『“‘([{")
"""Marks a line may not end with: they stay with the character after them."""


@lru_cache(maxsize=4)
def _tokens(keep: tuple[str, ...]) -> re.Pattern[str]:
    """White space, a term of ``keep`` (the longest first), or one character."""
    terms = "".join(f"{re.escape(term)}|" for term in sorted(keep, key=len, reverse=True))
    return re.compile(rf"\s+|{terms}[^\s]")


def width(text: str) -> int:
    """Terminal columns ``text`` takes: 2 for East Asian wide characters, 0 for combining."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _wide(ch: str) -> bool:
    return not ch.isascii() and unicodedata.east_asian_width(ch) in "WF"


def _pieces(text: str, keep: tuple[str, ...]) -> list[tuple[bool, str]]:
    """``text`` as unbreakable pieces, each with whether a space comes before it.

    A piece is a run of narrow characters (an English word, a number, a formula
    without spaces) or one wide character, with the closing marks after it and
    the opening marks before it glued on; a term of ``keep`` is one wide character.
    """
    pieces: list[tuple[bool, str]] = []
    spaced = False
    glue_next = False
    for token in _tokens(keep).findall(text):
        if token.isspace():
            spaced, glue_next = True, False
            continue
        joins_previous = (
            pieces
            and not spaced
            and (
                glue_next
                or token in CLOSING
                or not (_wide(token[0]) or _wide(pieces[-1][1][-1]))  # inside a narrow word
            )
        )
        if joins_previous:
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + token)
        else:
            pieces.append((spaced, token))
        glue_next = token in OPENING
        spaced = False
    return pieces


def fill(text: str, columns: int, keep: Iterable[str] = ()) -> list[str]:
    """The lines of ``text`` (one paragraph; runs of white space are one break) filled
    greedily into at most ``columns`` terminal columns, never breaking inside a term of
    ``keep``; a piece wider than the page gets a line of its own."""
    lines: list[str] = []
    current = ""
    for spaced, piece in _pieces(text, tuple(keep)):
        candidate = current + (" " if spaced and current else "") + piece
        if current and width(candidate) > columns:
            lines.append(current)
            current = piece
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
