"""A fuzz case: input files, a command line, environment variables, and what output to expect."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

FORMATS = ("table", "json", "csv", "markdown", "html", "latex", "svg", "yaml", "text", "png", "pdf")
"""What an output may be; each but ``png``/``pdf`` is text, checked by its own parser."""


def shell_word(word: str) -> str:
    """``word`` quoted for bash: ``$'...'`` with escapes where it holds a control character."""
    if word.isprintable():
        return shlex.quote(word)
    escaped = "".join(
        c
        if c.isprintable() and c not in "\\'"
        else f"\\x{ord(c):02x}"
        if ord(c) < 256
        else f"\\u{ord(c):04x}"
        for c in word
    )
    return f"$'{escaped}'"


@dataclass(frozen=True)
class Output:
    """A file the command is told to write (``-o``), and whether it can be written."""

    path: str
    format: str
    writable: bool
    """False for a missing directory, a directory, ``/dev/full``, a file's child, ``/proc``."""


@dataclass(frozen=True)
class Command:
    """A command line and what it prints on success."""

    argv: tuple[str, ...]
    stdout: str
    """The format of standard output when the command succeeds."""
    shape: str
    """The command and the options that choose a renderer (``analyze -f csv --formulas``):
    findings are grouped by it, since each renderer escapes on its own."""
    output: Output | None = None
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Case:
    """Files to write into a fresh directory, and a command to run there."""

    generator: str
    files: tuple[tuple[str, bytes], ...]
    command: Command
    note: str = ""
    """What the generator did (the seed spec and the mutations), for the report."""

    def argv_text(self) -> str:
        """The command line as bash takes it (arguments over 200 characters cut)."""
        words = ["cnncalc", *self.command.argv]
        shown = [w if len(w) <= 200 else w[:60] + f"...({len(w):,} chars)" for w in words]
        env = [
            f"{k}={shell_word(v if len(v) <= 60 else v[:60] + '...')}" for k, v in self.command.env
        ]
        return " ".join([*env, *map(shell_word, shown)])
