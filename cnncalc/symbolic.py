"""The symbolic side of :mod:`cnncalc.arith` (imports sympy; never on the numeric path)."""

from __future__ import annotations

import sympy

from cnncalc.arith import Dim
from cnncalc.errors import RuleError


def require_symbolic(condition: object, field: str | None, message: str) -> None:
    """Reject a condition only when it is provably false."""
    decided = sympy.sympify(condition)
    if decided is sympy.false:
        raise RuleError(field, message)


def piecewise(condition: object, if_true: Dim, if_false: Dim) -> Dim:
    """``Piecewise((if_true, condition), (if_false, True))``."""
    return sympy.Piecewise((if_true, condition), (if_false, True))


def divides_symbolic(divisor: Dim, value: Dim) -> object:
    """``Eq(value mod divisor, 0)``, which sympy may decide to True or False."""
    return sympy.Eq(sympy.Mod(value, divisor), 0)
