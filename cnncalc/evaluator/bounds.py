"""Interval arithmetic over a program: whether NumPy's int64 computes it exactly on a grid.

NumPy's integers wrap around silently past 2**63 − 1. Before a grid runs in
NumPy, :func:`bounded` computes every node's least and greatest value over the
box the grid's axes span (exactly, in Python's integers), and also bounds every
partial sum and partial product NumPy forms on the way (by the sum, and the
product, of the magnitudes). Only if all of them stay within ±(2**63 − 1) does
the NumPy form run; else the Python form does, exact at any size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from cnncalc.evaluator.program import BOOLEAN, Node, Program

INT64_LIMIT = 2**63 - 1
"""The largest magnitude NumPy's int64 holds: every value, partial sum and partial product
of a grid must stay within it for the vectorised form to run."""


class _OutOfBounds(Exception):
    """A node NumPy's int64 cannot compute exactly over the box."""


Interval = tuple[int, int] | None
"""A node's least and greatest value over a box; None for a truth value."""


def bounded(program: Program, box: list[tuple[int, int]], roots: Sequence[int]) -> bool:
    """Interval arithmetic over the nodes ``roots`` need: every value within
    ±:data:`INT64_LIMIT`, and so is every partial sum (bounded by the sum of magnitudes)
    and partial product (by the product of magnitudes, each at least 1), as NumPy
    computes them left to right."""
    needed = set(roots)
    for index in range(len(program.nodes) - 1, -1, -1):  # arguments precede their users
        if index in needed:
            needed.update(program.nodes[index].args)
    intervals: dict[int, Interval] = {}
    try:
        for index, node in enumerate(program.nodes):
            if index in needed:
                bound = _interval(node, [intervals[a] for a in node.args], box)
                if bound is not None and max(abs(bound[0]), abs(bound[1])) > INT64_LIMIT:
                    return False
                intervals[index] = bound
    except _OutOfBounds:
        return False
    return True


def _interval(  # noqa: PLR0912 - one case per operation
    node: Node, args: list[Interval], box: list[tuple[int, int]]
) -> Interval:
    """A node's interval from its arguments'; :class:`_OutOfBounds` where a partial
    sum, product or power could leave int64, or the node has no int64 form."""
    op = node.op
    spans = [a for a in args if a is not None]
    if op in BOOLEAN:
        return None
    if op == "const":
        value = node.value
        if type(value) is not int:
            raise _OutOfBounds("a fraction")
        return value, value
    if op == "sym":
        position: int = node.value
        return box[position]
    magnitudes = [max(abs(lo), abs(hi)) for lo, hi in spans]
    if op == "add":
        if sum(magnitudes) > INT64_LIMIT:
            raise _OutOfBounds("a sum")
        return sum(lo for lo, _ in spans), sum(hi for _, hi in spans)
    if op == "mul":
        if math.prod(max(m, 1) for m in magnitudes) > INT64_LIMIT:
            raise _OutOfBounds("a product")
        bound = spans[0]
        for lo, hi in spans[1:]:
            corners = [bound[0] * lo, bound[0] * hi, bound[1] * lo, bound[1] * hi]
            bound = (min(corners), max(corners))
        return bound
    if op == "pow":
        (lo, hi), exponent = spans[0], node.value
        if magnitudes[0] > 1 and exponent * math.log2(magnitudes[0]) > 64:
            raise _OutOfBounds("a power")
        ends = [lo**exponent, hi**exponent]
        return (0 if exponent % 2 == 0 and lo <= 0 <= hi else min(ends)), max(ends)
    if op in ("fdiv", "cdiv"):
        return _quotient(args[0], args[1], op == "fdiv")
    if op == "mod":
        lo, hi = spans[-1]
        return min(lo + 1, 0), max(hi - 1, 0)
    if op in ("min", "max"):
        pick = min if op == "min" else max
        return pick(lo for lo, _ in spans), pick(hi for _, hi in spans)
    if op == "gcd":
        return 0, max(magnitudes)
    if op == "where":
        branches = [a for a in args[1:] if a is not None]
        return min(lo for lo, _ in branches), max(hi for _, hi in branches)
    raise _OutOfBounds(op)  # ratio, slow


def _quotient(top: Interval, bottom: Interval, down: bool) -> Interval:
    """``⌊p/q⌋`` (or ``⌈p/q⌉``) over intervals of ``p`` and of a nonzero integer ``q``
    (a zero divisor is marked and replaced by 1: see :func:`_numpy_division`)."""
    (p_lo, p_hi), (q_lo, q_hi) = top or (0, 0), bottom or (1, 1)
    parts = [(max(q_lo, 1), q_hi), (q_lo, min(q_hi, -1))]
    if q_lo <= 0 <= q_hi:
        parts.append((1, 1))
    quotients = [
        Fraction(p, q) for lo, hi in parts if lo <= hi for p in (p_lo, p_hi) for q in (lo, hi)
    ]
    rounding = math.floor if down else math.ceil
    return rounding(min(quotients)), rounding(max(quotients))
