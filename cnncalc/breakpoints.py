"""Where a multiplier's formulas can change: the exact solution set of a width multiplier.

A multiplier (the width ``a`` of ``int(32*a)``) enters every formula through
a rounding: ``⌊32a⌋``, ``round(10a)``, ``make_divisible(64a, 8)``. A rounding of
``u = p·a + q`` is constant while ``u`` stays between two of its steps (the
integers for ``⌊u⌋``, ``⌈u⌉`` and ``int(u)``; the halves for ``round(u)``; for
``make_divisible(u, d, m)``, where ``u + d/2`` crosses a multiple of ``d`` and
where ``u`` crosses ``10/9`` of a value it may round to, its 10 % rule). So the
network, hence every condition on it, is the same at every ``a`` strictly
between two consecutive *breakpoints* ``a = (step − q)/p``: trying each
breakpoint and one point between each two finds the whole set exactly, as a
union of intervals with rational ends, not a sample of it. A comparison with
``a`` itself (a requirement ``a ≥ 1/32``) adds the point where its sides meet.

An argument that is not linear in the multiplier (``⌊a·a⌋``), or that mixes it
with a rounding of it (``⌊a + ⌊2a⌋/3⌋``), has steps that this does not find:
:func:`breakpoints` then returns None and the caller says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any

import sympy

from cnncalc.symbolic_functions import MakeDivisible, RoundHalfEven, Truncate

ROUNDINGS = (sympy.floor, sympy.ceiling, Truncate, RoundHalfEven, MakeDivisible)
"""The functions through which a multiplier enters a formula."""

MAX_BREAKPOINTS = 1_000_000
"""The most breakpoints a range may hold (MobileNet's 1024 channels over 0 < a ≤ 4 have
4,096): beyond it :func:`breakpoints` raises :class:`TooMany`."""


class TooMany(ValueError):
    """A range holds more than :data:`MAX_BREAKPOINTS` breakpoints."""


def breakpoints(
    expressions: Iterable[Any], x: sympy.Symbol, low: Fraction, high: Fraction
) -> list[Fraction] | None:
    """The points of the open interval (``low``, ``high``) where some rounding of ``x`` in
    ``expressions`` (relations or formulas) may change value, or where a relation's sides
    may cross, sorted; None where an argument is not linear in ``x`` (see the module).
    """
    found: set[Fraction] = set()
    for expression in expressions:
        nodes = [expression]
        if isinstance(expression, sympy.core.relational.Relational):
            nodes = [expression.lhs - expression.rhs]
            crossing = _linear(nodes[0], x)
            if crossing is None:
                return None
            if crossing:  # the sides meet where p·x + q = 0
                p, q = crossing
                found.add(-q / p)
        for node in _roundings(nodes, x):
            linear = _linear(node.args[0], x)
            if linear is None:
                return None
            if linear:
                found.update(_crossings(node, *linear, low, high))
                if len(found) > MAX_BREAKPOINTS:
                    raise TooMany(len(found))
    return sorted(point for point in found if low < point < high)


def _roundings(expressions: list[Any], x: sympy.Symbol) -> Iterator[Any]:
    """Every rounding in ``expressions`` whose argument holds ``x``, nested ones too."""
    seen: set[Any] = set()
    for expression in expressions:
        for node in sympy.preorder_traversal(expression):
            if isinstance(node, ROUNDINGS) and x in node.free_symbols and node not in seen:
                seen.add(node)
                yield node


def _linear(expression: Any, x: sympy.Symbol) -> tuple[Fraction, Fraction] | tuple[()] | None:
    """``(p, q)`` where ``expression`` is ``p·x + q`` outside its roundings of ``x`` and
    those are absent (``p ≠ 0``); ``()`` where ``x`` is only inside roundings; None else."""
    inner = {node: sympy.Dummy() for node in _roundings([expression], x)}
    bare = sympy.expand(expression.xreplace(inner)) if inner else sympy.expand(expression)
    if x not in bare.free_symbols:
        return ()
    p, q = bare.coeff(x, 1), bare.coeff(x, 0)
    if not (isinstance(p, sympy.Rational) and isinstance(q, sympy.Rational)) or p == 0:
        return None
    if sympy.expand(bare - p * x - q) != 0:
        return None
    return Fraction(int(p.p), int(p.q)), Fraction(int(q.p), int(q.q))


def _crossings(
    node: Any, p: Fraction, q: Fraction, low: Fraction, high: Fraction
) -> Iterator[Fraction]:
    """The ``x`` in [``low``, ``high``] where rounding ``node`` of ``u = p·x + q`` may step."""
    ends = sorted((p * low + q, p * high + q))
    for step in _steps(node, ends[0], ends[1]):
        yield (step - q) / p


def _steps(node: Any, first: Fraction, last: Fraction) -> Iterator[Fraction]:
    """The values of a rounding's argument in [``first``, ``last``] where it may step."""
    if isinstance(node, RoundHalfEven):  # at the halves
        yield from (k + Fraction(1, 2) for k in _whole_between(first - Fraction(1, 2), last))
        return
    if not isinstance(node, MakeDivisible):  # ⌊u⌋, ⌈u⌉, int(u): at the integers
        yield from (Fraction(k) for k in _whole_between(first, last))
        return
    divisor, least = (Fraction(int(argument)) for argument in node.args[1:])
    # max(least, d·⌊u/d + 1/2⌋) steps where u + d/2 reaches a multiple of d ...
    half = Fraction(1, 2)
    for k in _whole_between(first / divisor + half, last / divisor + half):
        yield k * divisor - divisor / 2
    # ... and the 10 % rule adds d where that value is below 9u/10: u = 10/9 of each value.
    for k in _whole_between(Fraction(9, 10) * first / divisor, Fraction(9, 10) * last / divisor):
        yield Fraction(10, 9) * k * divisor
    yield Fraction(10, 9) * least


def _whole_between(first: Fraction, last: Fraction) -> range:
    """The integers from ``first`` to ``last``, both included."""
    start, stop = math.ceil(first), math.floor(last)
    if stop - start + 1 > MAX_BREAKPOINTS:
        raise TooMany(stop - start + 1)
    return range(start, stop + 1)
