"""Receptive fields that repeat every few outputs: through upsampling and transposed convolutions.

Through a window the field of output ``i`` is the field of output 0 shifted by
``i·jump``. Through a resize it is not: an upsampling by 2 gives outputs 0 and
1 the field of input 0, outputs 2 and 3 that of input 1; a transposed
convolution of stride ``s`` reads a different set of inputs on each of its
``s`` phases (some phases none). What still holds exactly is a *period*: output
``i + P`` sees the field of output ``i`` shifted by ``J`` input positions, so
the field is ``P`` phases (the first and last input position each of outputs
``0 … P − 1`` sees, or nothing) and the advance ``J``; the mean jump between
neighbouring outputs is the fraction ``J/P`` (``1/2`` after an upsampling by 2
of the input). With ``P = 1`` this is the window recurrence's field again.

Each layer is a :class:`Taps` map of the same shape: output ``q·P + r`` reads
the layer's input positions ``o + q·J`` for each ``o`` in ``taps[r]``:

- window ``k``, dilation ``d``, stride ``s``, padding ``p`` before: ``P = 1``,
  ``J = s``, taps ``−p + t·d`` (``t < k``); zero padding ``−p``, cropping ``c``;
- transposed convolution: output ``i`` reads input ``j`` where
  ``i = j·s − p + t·d``: ``P = s``, ``J = 1``, phase ``r`` reads
  ``(r + p − t·d)/s`` for the ``t`` that divide exactly (``output_padding``
  only lengthens the output);
- resize by ``a/b`` outputs per input (``nn.Upsample``, ``align_corners``
  false; from a size, ``a/b = n_out/n_in``): ``P = a``, ``J = b``; nearest
  reads ``⌊r·b/a⌋``; bilinear the two neighbours of ``x = (r + ½)·b/a − ½``,
  ``⌊x⌋`` and ``⌊x⌋ + 1``, the second only where its weight ``x − ⌊x⌋`` is not 0;
  bicubic ``⌊x⌋ − 1 … ⌊x⌋ + 2``, only ``⌊x⌋`` where ``x`` is whole (the cubic
  kernel's other weights are 0 there).

Composing a field ``(P_in, J_in)`` with a layer ``(P_L, J_L)``: with
``g = gcd(J_L, P_in)``, the result repeats every ``P = P_L·P_in/g`` outputs by
``J = J_in·J_L/g``; each phase's field is the hull of its taps' fields (positions
outside the layer's input extend its field's pattern, as padding does in the
window recurrence: PyTorch clamps a resize's reads at the borders, so the
field there may reach one input position further than the gradient does). The
result is then shortened to its least period. Periods longer than
:data:`MAX_PERIOD` are not derived (the field is marked unknown, saying so).
A window's taps are a :class:`Run` and only those that can be the hull's ends
are looked at (:func:`_ends`): a layer costs ``O(P·min(k, P_in))``, whatever
its kernel.
Every number here is a whole number: formulas are refused by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import floor, gcd, lcm
from typing import Literal

MAX_PERIOD = 4096
"""The longest period derived: a resize's phases are kept one by one (a U-Net's
decoder needs 2⁵ = 32; a resize by a ratio like 224/223 needs hundreds)."""

Span = tuple[int, int] | None
"""The first and last input position one output sees, or ``None``: it reads no input."""


class PeriodTooLong(ValueError):
    """The field repeats only after more than :data:`MAX_PERIOD` outputs."""


@dataclass(frozen=True, slots=True)
class Periodic:
    """Output ``q·period + r`` sees ``phases[r]`` shifted by ``q·advance`` input positions."""

    period: int
    advance: int
    phases: tuple[Span, ...]

    def at(self, position: int) -> Span:
        """The span output ``position`` sees (any whole number: the pattern goes on past
        both ends)."""
        q, r = divmod(position, self.period)
        return _shift(self.phases[r], q * self.advance)

    @property
    def jump(self) -> Fraction:
        """The mean step between neighbouring outputs' fields: ``advance/period``."""
        return Fraction(self.advance, self.period)

    @property
    def largest(self) -> int:
        """The widest field over all outputs (0 where no output reads the input)."""
        return max((last - first + 1 for first, last in filter(None, self.phases)), default=0)


@dataclass(frozen=True, slots=True)
class Run:
    """Input positions ``first + t·step`` for ``t < count``: a window's taps, kept as three
    numbers so that a kernel of a million costs what a kernel of 3 does."""

    first: int
    step: int
    count: int


@dataclass(frozen=True, slots=True)
class Taps:
    """A layer along one axis: output ``q·period + r`` reads input ``o + q·advance`` for
    every ``o`` in ``taps[r]``'s runs."""

    period: int
    advance: int
    taps: tuple[tuple[Run, ...], ...]


def window_taps(window: int, dilation: int, stride: int, before: int) -> Taps:
    """A convolution's or pooling's window; zero padding and cropping are 1-tap windows."""
    return Taps(1, stride, ((Run(-before, dilation, window),),))


def transposed_taps(kernel: int, stride: int, dilation: int, before: int) -> Taps:
    """A transposed convolution: output ``i`` reads input ``j`` where ``i = j·s − p + t·d``.

    On phase ``r`` the taps ``t`` with ``t·d ≡ r + p (mod s)`` are every ``s/g``-th from the
    least, ``g = gcd(d, s)`` (none where ``g`` does not divide ``r + p``): one run of inputs
    ``(r + p − t·d)/s``, stepping by ``−d/g``."""
    if stride > MAX_PERIOD:
        raise PeriodTooLong(stride)
    g = gcd(dilation, stride)
    every = stride // g
    phases: list[tuple[Run, ...]] = []
    for r in range(stride):
        if (r + before) % g:
            phases.append(())
            continue
        least = (r + before) // g * pow(dilation // g, -1, every) % every
        count = max(0, -(-(kernel - least) // every))
        first = (r + before - least * dilation) // stride
        phases.append((Run(first, -dilation // g, count),) if count else ())
    return Taps(stride, 1, tuple(phases))


def resize_taps(
    outputs_per_input: Fraction, mode: Literal["nearest", "bilinear", "bicubic"]
) -> Taps:
    """A resize by ``a/b`` outputs per input (``align_corners`` false, as ``nn.Upsample``)."""
    a, b = outputs_per_input.numerator, outputs_per_input.denominator
    if a > MAX_PERIOD:
        raise PeriodTooLong(a)
    phases: list[tuple[Run, ...]] = []
    for r in range(a):
        if mode == "nearest":
            phases.append((Run(r * b // a, 1, 1),))
            continue
        x = Fraction(2 * r + 1, 2) * Fraction(b, a) - Fraction(1, 2)
        f = floor(x)
        if x == f:
            phases.append((Run(f, 1, 1),))
        elif mode == "bilinear":
            phases.append((Run(f, 1, 2),))
        else:
            phases.append((Run(f - 1, 1, 4),))
    return Taps(a, b, tuple(phases))


def compose(field: Periodic, layer: Taps) -> Periodic:
    """The field of the layer's outputs, from the field of its input (see the module)."""
    g = gcd(layer.advance, field.period)
    repeats = field.period // g
    period = layer.period * repeats
    if period > MAX_PERIOD:
        raise PeriodTooLong(period)
    phases: list[Span] = []
    for position in range(period):
        q, r = divmod(position, layer.period)
        span: Span = None
        for run in layer.taps[r]:
            for offset in _ends(run, field.period):
                span = _hull(span, field.at(offset + q * layer.advance))
        phases.append(span)
    return least_period(Periodic(period, field.advance * (layer.advance // g), tuple(phases)))


def _ends(run: Run, period: int) -> list[int]:
    """The taps of ``run`` whose fields can be the hull's ends, over a field of ``period``.

    Every ``c = period/gcd(step, period)`` taps the position moves by a whole number of the
    field's periods, so the field moves by whole advances, all one way: the least first
    position is among the first ``c`` taps (or the last ``c``, stepping down) and the greatest
    last position among the last ``c`` (or the first). Those ``2c`` suffice, ``c ≤ period``."""
    every = period // gcd(run.step, period) if run.step else 1
    if run.count <= 2 * every:
        return [run.first + t * run.step for t in range(run.count)]
    ends = [*range(every), *range(run.count - every, run.count)]
    return [run.first + t * run.step for t in ends]


def union(fields: list[Periodic]) -> tuple[Periodic, bool]:
    """The hull of the fields output by output, and whether their mean jumps differ (then
    the first one's period and advance are kept: exact for the outputs of its first period)."""
    period = lcm(*(field.period for field in fields))
    if period > MAX_PERIOD:
        raise PeriodTooLong(period)
    misaligned = len({field.jump for field in fields}) > 1
    phases: list[Span] = []
    for position in range(period):
        span: Span = None
        for field in fields:
            span = _hull(span, field.at(position))
        phases.append(span)
    advance = fields[0].advance * (period // fields[0].period)
    return least_period(Periodic(period, advance, tuple(phases))), misaligned


def least_period(field: Periodic) -> Periodic:
    """The same field with the shortest period that describes it."""
    for period in range(1, field.period):
        repeats, rest = divmod(field.period, period)
        if rest or field.advance % repeats:
            continue
        advance = field.advance // repeats
        if all(
            field.phases[r + period] == _shift(field.phases[r], advance)
            for r in range(field.period - period)
        ):
            return Periodic(period, advance, field.phases[:period])
    return field


def _shift(span: Span, by: int) -> Span:
    return None if span is None else (span[0] + by, span[1] + by)


def _hull(a: Span, b: Span) -> Span:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), max(a[1], b[1]))
