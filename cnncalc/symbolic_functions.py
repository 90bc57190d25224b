"""``make_divisible``, ``round`` and ``int`` as sympy functions: exact on numbers, whole always.

A formula's ``floor``, ``ceil``, ``min`` and ``max`` are sympy's own. These
three have no sympy counterpart that stays exact and small, so each is a
:class:`sympy.Function` that

- evaluates itself exactly as soon as its arguments are numbers (``xreplace``
  with values gives an ``Integer``), by the numeric path's own code
  (:mod:`cnncalc.expressions`), so the two paths cannot disagree;
- tells sympy it is an integer (and ``make_divisible`` that it is positive), so
  a size made of it needs no requirement;
- prints as the spec writes it: ``make_divisible(64*a, 8)``, ``round(10*a)``.

Written out in floors and cases they would be exact too (``M = max(d, d·⌊x/d +
1/2⌋)``, plus ``d`` where ``M < 9x/10``), but sympy folds a ``Piecewise`` whose
condition holds another one, and that is exponential: three nested
``make_divisible`` took 35 s to build, four would not finish. As functions, a
formula nested :data:`~cnncalc.expressions.MAX_NESTING` deep costs milliseconds.
:func:`written_out` gives the floors-and-cases form where one is wanted.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy

from cnncalc import expressions


def _exact(value: sympy.Basic) -> Fraction | None:
    """A sympy number as a :class:`~fractions.Fraction`; None for anything else."""
    if isinstance(value, sympy.Rational):
        return Fraction(int(value.p), int(value.q))
    return None


class MakeDivisible(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """``make_divisible(x, d, least)``: TensorFlow's and torchvision's ``_make_divisible``.

    ``d`` and ``least`` are positive whole numbers (the formula checker requires
    them written so), hence the value is at least ``least ≥ 1``.
    """

    nargs = 3
    is_integer = True

    @classmethod
    def eval(cls, x: sympy.Expr, divisor: sympy.Expr, least: sympy.Expr) -> Any:
        exact = _exact(x)
        if exact is not None and divisor.is_Integer and least.is_Integer:
            return sympy.Integer(expressions.make_divisible(exact, int(divisor), int(least)))
        return None

    def _eval_is_positive(self) -> bool:
        return True

    def _sympystr(self, printer: Any) -> str:
        x, divisor, least = (printer._print(argument) for argument in self.args)
        return f"make_divisible({x}, {divisor})" if divisor == least else (
            f"make_divisible({x}, {divisor}, {least})"
        )  # fmt: skip


class RoundHalfEven(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """``round(x)``: Python's, halves to the even neighbour."""

    nargs = 1
    is_integer = True

    @classmethod
    def eval(cls, x: sympy.Expr) -> Any:
        exact = _exact(x)
        if exact is not None:
            return sympy.Integer(round(exact))
        if x.is_integer:
            return x
        return None

    def _eval_is_nonnegative(self) -> bool | None:
        return True if (self.args[0] + sympy.Rational(1, 2)).is_nonnegative else None

    def _eval_is_positive(self) -> bool | None:
        return True if (self.args[0] - sympy.Rational(1, 2)).is_positive else None

    def _sympystr(self, printer: Any) -> str:
        return f"round({printer._print(self.args[0])})"


class Truncate(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """``int(x)``: towards zero. Of a known sign it is ``⌊x⌋`` or ``⌈x⌉`` and never stays
    this function; it stays only where the sign is unknown (``int(n - 10*a)``)."""

    nargs = 1
    is_integer = True

    @classmethod
    def eval(cls, x: sympy.Expr) -> Any:
        exact = _exact(x)
        if exact is not None:
            return sympy.Integer(int(exact))
        if x.is_nonnegative:
            return sympy.floor(x)
        if x.is_nonpositive:
            return sympy.ceiling(x)
        return None

    def _sympystr(self, printer: Any) -> str:
        return f"int({printer._print(self.args[0])})"


FUNCTIONS: dict[type[sympy.Function], str] = {
    MakeDivisible: "make_divisible",
    RoundHalfEven: "round",
    Truncate: "int",
}
"""Each function class by the name formulas call it."""


def written_out(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with these functions in floors, ceilings, ``Max`` and cases, exactly.

    - ``make_divisible(x, d, m)`` = ``M + d·[M < 9x/10]``, ``M = max(m, d·⌊x/d + 1/2⌋)``;
    - ``round(x)`` = ``⌊x + 1/2⌋``, less 1 at a tie (``x + 1/2`` whole) onto an odd number;
    - ``int(x)`` = ``⌊x⌋`` for ``x ≥ 0``, else ``⌈x⌉``.

    For a reader or a tool that knows only sympy's own functions (nested ones grow
    as the module docstring says).
    """
    half = sympy.Rational(1, 2)

    def make_divisible(x: sympy.Expr, divisor: sympy.Expr, least: sympy.Expr) -> sympy.Expr:
        rounded = sympy.Max(least, divisor * sympy.floor(x / divisor + half))
        return sympy.Piecewise(
            (rounded + divisor, rounded < sympy.Rational(9, 10) * x), (rounded, True)
        )

    def round_half_even(x: sympy.Expr) -> sympy.Expr:
        up = sympy.floor(x + half)
        tie = sympy.Contains(x + half, sympy.Integers)
        return sympy.Piecewise((2 * sympy.floor((x + half) / 2), tie), (up, True))

    def truncate(x: sympy.Expr) -> sympy.Expr:
        return sympy.Piecewise((sympy.floor(x), x >= 0), (sympy.ceiling(x), True))

    expr = expr.replace(MakeDivisible, make_divisible)
    expr = expr.replace(RoundHalfEven, round_half_even)
    return expr.replace(Truncate, truncate)
