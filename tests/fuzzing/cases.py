"""A fuzz case: input files, a command line, environment variables, and what output to expect."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

FORMATS = ("table", "json", "csv", "markdown", "html", "svg", "yaml", "text", "png", "pdf")
"""What an output may be; each but ``png``/``pdf`` is text, checked by its own parser."""


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
        """The command line as a shell would take it (arguments over 200 characters cut)."""
        words = ["cnncalc", *self.command.argv]
        shown = [w if len(w) <= 200 else w[:60] + f"...({len(w):,} chars)" for w in words]
        env = " ".join(f"{k}={shlex.quote(v[:60])}" for k, v in self.command.env)
        return (env + " " if env else "") + shlex.join(shown)
