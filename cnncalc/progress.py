"""Progress bars for long work, on a terminal only.

The CLI switches them on (:func:`enable`) when stderr is a terminal; the Python
API and every pipe stay quiet. Work that is usually instant never shows a bar:
the caller says whether a loop is worth one (a symbolic analysis, a long search).
rich is imported only when a bar is actually drawn, so this module costs nothing
at start-up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

_enabled = False


def enable() -> None:
    """Show bars from now on, if stderr is a terminal that can draw them."""
    global _enabled  # noqa: PLW0603 - one switch for the process, set by the CLI
    _enabled = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


def tracked(items: Sequence[T], description: str, *, worth_a_bar: bool) -> Iterator[T]:
    """``items`` one by one, under a transient bar on stderr when enabled and worth it."""
    if not (_enabled and worth_a_bar):
        yield from items
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from cnncalc.safe_text import show_name

    # The description names the network: shown (controls as escapes, cut), never
    # read as rich markup ("[link=…]" in a spec's name).
    description = escape(show_name(description))
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield from progress.track(items, description=description)
