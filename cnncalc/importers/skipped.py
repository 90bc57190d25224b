"""What an importer leaves out, as records: the layer, its type, why, what it holds.

An importer says why it cannot translate a node or layer with a :class:`Reason`:
the English sentence, which is its catalog entry (marked with ``N_`` where it is
written, a literal with ``{placeholders}``), and the values it names. It is
formatted when shown, in the language then spoken, so one record gives both the
written spec's header (always English: the header is part of the file, like the
spec's keys) and the warning on stderr (in the user's language, ``--lang``).

A :class:`Skipped` record is one layer left out: its name and type as the model
gives them (never translated), the reason, what it leaves uncounted, and how
many parameters that is (what ``cnncalc import`` refuses without
``--allow-uncounted``). :meth:`Skipped.line` is the one place they become text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cnncalc.i18n import gettext


def english(message: str) -> str:
    """The identity: a message as written, untranslated (the header's language)."""
    return message


@dataclass(frozen=True)
class Reason:
    """A sentence to show in the active language: its English (its catalog entry) and
    the values its placeholders name; a value that is itself a :class:`Reason` is shown
    in the same language (a reason quoted in a longer one)."""

    message: str
    values: tuple[tuple[str, object], ...] = ()

    def text(self, translate: Callable[[str], str] = gettext) -> str:
        """The sentence through ``translate`` (default: the active language's catalog)."""
        values = {
            key: value.text(translate) if isinstance(value, Reason) else value
            for key, value in self.values
        }
        return translate(self.message).format(**values)

    def english(self) -> str:
        return self.text(english)

    def __str__(self) -> str:
        return self.text()


def reason(message: str, /, **values: object) -> Reason:
    """``reason(N_("a Resize in mode '{mode}'"), mode=mode)``: marked where written,
    formatted where shown."""
    return Reason(message, tuple(values.items()))


def verbatim(text: str) -> Reason:
    """A reason not (yet) in the catalog, shown as it is in every language: ``text`` is a
    value, never a format string (its braces are its own)."""
    return Reason("{text}", (("text", text),))


@dataclass(frozen=True)
class Skipped:
    """One layer, node or module an importer leaves out of the spec."""

    name: str | Reason
    """As the model names it (a Reason only for what has no name: the network's output)."""
    kind: str
    """Its op, Keras class or module type, as the framework writes it ('' if none)."""
    reason: Reason
    held: Reason | None = None
    """What leaving it out leaves uncounted, said after the reason (its leading
    punctuation included: ``: its 4 parameters (bias) are not counted``)."""
    parameters: int = 0
    """The parameters it holds that the spec's totals leave out."""

    def line(self, translate: Callable[[str], str] = gettext) -> str:
        """``conv_7 (Conv): a Pad that crops: its 4 parameters (bias) are not counted``."""
        name = self.name.text(translate) if isinstance(self.name, Reason) else self.name
        subject = f"{name} ({self.kind})" if self.kind else name
        held = self.held.text(translate) if self.held is not None else ""
        return f"{subject}: {self.reason.text(translate)}{held}"

    def english(self) -> str:
        """The line in English (the written spec's header)."""
        return self.line(english)


def leaving_out_parameters(records: list[Skipped]) -> Skipped | None:
    """The first record that leaves parameters uncounted (what ``cnncalc import`` names
    when it refuses to write without ``--allow-uncounted``), if any."""
    return next((record for record in records if record.parameters), None)
