"""The grid of a sweep, ``"k=3,5,7; n=128:224:32"``, and the ranges of a search, ``n=1:512``.

A grid names symbols, ``;`` between them; each takes a list of values, ``,``
between them, where an item is a number or a range ``lo:hi`` or
``lo:hi:step`` (step 1 unless given; ``hi`` included where the steps land on
it). Numbers are read exactly, never as floats: ``3``, ``300e6`` (an integer),
``0.75`` and ``3/4`` (the same fraction), ``-2``. Whether a symbol may take a
value (today's symbols are positive integers) is the substitution layer's to
say (:func:`cnncalc.substitution.check_values`), so the grid passes fractions on
as they are. Points are the product of the axes, the first axis outermost; at
most :data:`MAX_GRID_POINTS` of them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from cnncalc.errors import CnncalcError, show_value
from cnncalc.i18n import _

Exact = int | Fraction

MAX_GRID_POINTS = 1_000_000
"""The most points a sweep evaluates: a million take about a second with NumPy, a few
without, and their table is a million lines."""

MAX_EXPONENT = 30
"""The largest power of ten a grid value may have (``1e30``): far beyond any size (2**63 is
about 9.2e18), and a bound on the digits a value expands to."""

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}", re.ASCII)
"""A size symbol's name, as formulas spell it (:mod:`cnncalc.substitution`)."""
_NUMBER = re.compile(
    r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?:/[0-9]+)?", re.ASCII
)
"""``3``, ``-2``, ``0.75``, ``.5``, ``300e6``, ``3/4``: ASCII digits only."""


@dataclass(frozen=True, slots=True)
class Axis:
    """One symbol of a grid and its values, in order."""

    name: str
    values: Sequence[Exact]
    """A ``range`` for evenly spaced integers (no list of a million ints), else a tuple."""

    def ends(self) -> tuple[Exact, ...]:
        """The values a check must see: a range's ends (every integer between is a size if
        they are), or every listed value."""
        if isinstance(self.values, range):
            return (self.values[0], self.values[-1])
        return tuple(self.values)


def parse_grid(text: str, option: str = "--grid") -> tuple[Axis, ...]:
    """``"k=3,5,7; n=128:224:32"`` → the axes ``k`` and ``n``; one-line errors naming
    ``option``."""
    axes: list[Axis] = []
    for part in (p.strip() for p in text.split(";")):
        name, sep, values = part.partition("=")
        name = name.strip()
        if not sep or not _NAME.fullmatch(name):
            got = show_value(part) if part else _("an empty part (two ';' in a row?)")
            raise CnncalcError(
                _(
                    "{option} expects NAME=VALUES parts separated by ';', like "
                    '"k=3,5,7; n=128:224:32"; got {got}'
                ).format(option=option, got=got)
            )
        if any(axis.name == name for axis in axes):
            raise CnncalcError(_("{option} gives {name} twice").format(option=option, name=name))
        axes.append(Axis(name, _values(values, name, option)))
    points = math.prod(len(axis.values) for axis in axes)
    if points > MAX_GRID_POINTS:
        sizes = " × ".join(f"{axis.name}: {len(axis.values):,}" for axis in axes)
        raise CnncalcError(
            _(
                "{option}: a sweep evaluates at most {limit} points, and this grid has "
                "{points} ({sizes}): sweep it in parts"
            ).format(option=option, limit=f"{MAX_GRID_POINTS:,}", points=f"{points:,}", sizes=sizes)
        )
    return tuple(axes)


def _values(text: str, name: str, option: str) -> Sequence[Exact]:
    """``3,5,7`` or ``128:224:32`` or a mix, in order, each value once."""
    items = [item.strip() for item in text.split(",")]
    parts: list[Sequence[Exact]] = []
    count = 0
    for item in items:
        values = _range(item, name, option) if ":" in item else (_number(item, name, option),)
        count += len(values)
        if count > MAX_GRID_POINTS:
            raise CnncalcError(
                _("{option}: {name} takes over {limit} values").format(
                    option=option, name=name, limit=f"{MAX_GRID_POINTS:,}"
                )
            )
        parts.append(values)
    if len(parts) == 1:
        return parts[0]
    joined = tuple(value for values in parts for value in values)
    seen: set[Exact] = set()
    for value in joined:
        if value in seen:
            raise CnncalcError(
                _("{option}: {name} takes {value} twice").format(
                    option=option, name=name, value=value
                )
            )
        seen.add(value)
    return joined


def _range(item: str, name: str, option: str) -> Sequence[Exact]:
    """``lo:hi`` or ``lo:hi:step``, ``hi`` included where the steps land on it."""
    pieces = item.split(":")
    if len(pieces) not in (2, 3):
        raise CnncalcError(
            _("{option}: {name}: a range is lo:hi or lo:hi:step, got {got}").format(
                option=option, name=name, got=show_value(item)
            )
        )
    low, high = _number(pieces[0], name, option), _number(pieces[1], name, option)
    step = _number(pieces[2], name, option) if len(pieces) == 3 else 1
    if step <= 0 or high < low:
        raise CnncalcError(
            _(
                "{option}: {name}: the range {got} is empty or goes backwards (lo ≤ hi, step > 0)"
            ).format(option=option, name=name, got=show_value(item))
        )
    count = math.floor((high - low) / step) + 1
    if count > MAX_GRID_POINTS:
        raise CnncalcError(
            _("{option}: {name} takes over {limit} values").format(
                option=option, name=name, limit=f"{MAX_GRID_POINTS:,}"
            )
        )
    if all(type(v) is int for v in (low, high, step)):
        return range(int(low), int(high) + 1, int(step))
    return tuple(_whole(Fraction(low + i * step)) for i in range(count))


def _number(text: str, name: str, option: str) -> Exact:
    """An exact number: ``3``, ``300e6``, ``0.75``, ``3/4`` (an int where it is whole)."""
    text = text.strip()
    if _NUMBER.fullmatch(text):
        decimal, _slash, denominator = text.partition("/")
        try:
            parsed = Decimal(decimal)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            parsed = None
        if parsed is not None and abs(parsed.adjusted()) <= MAX_EXPONENT:
            value = Fraction(parsed)
            if denominator:
                if int(denominator) == 0:
                    raise CnncalcError(
                        _("{option}: {name}: {got} divides by zero").format(
                            option=option, name=name, got=show_value(text)
                        )
                    )
                value /= int(denominator)
            return _whole(value)
    raise CnncalcError(
        _(
            "{option}: {name}: expected a number (3, 0.75, 3/4, 300e6, up to 1e{limit}), got {got}"
        ).format(
            option=option, name=name, limit=MAX_EXPONENT, got=show_value(text) if text else "''"
        )
    )


def _whole(value: Fraction) -> Exact:
    return value.numerator if value.denominator == 1 else value


def parse_ranges(
    texts: Sequence[str],
    unknowns: Sequence[str],
    multipliers: Collection[str] = (),
) -> dict[str, tuple[int, int] | tuple[Fraction, Fraction]]:
    """``solve``'s ``--range``: ``LO:HI`` (the one unknown's, or every unknown's) or
    ``NAME=LO:HI``, one per unknown, whole numbers for a size, exact fractions for one
    of ``multipliers``; an unknown without one is not in the result."""
    from cnncalc.substitution import parse_range, parse_span

    def parse(unknown: str, text: str) -> tuple[int, int] | tuple[Fraction, Fraction]:
        return parse_span(text) if unknown in multipliers else parse_range(text)

    ranges: dict[str, tuple[int, int] | tuple[Fraction, Fraction]] = {}
    for text in texts:
        name, sep, span = text.partition("=")
        if not sep:
            for unknown in unknowns:
                ranges[unknown] = parse(unknown, text)
            continue
        name = name.strip()
        if name not in unknowns:
            raise CnncalcError(
                _("--range names {name}, which is not an unknown (--for {unknowns})").format(
                    name=show_value(name), unknowns=",".join(unknowns)
                )
            )
        ranges[name] = parse(name, span)
    return ranges
