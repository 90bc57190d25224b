"""The integer arithmetic every layer rule is written in.

Rules compute with ``+ - * //`` and the helpers below only: never ``/``,
``math.floor`` or an ``if`` on a dimension's value. Python ints then give exact
counts on the numeric path, and the same code accepts sympy expressions on the
symbolic path. Nothing here imports sympy: a helper that meets a value that is
not a plain ``int`` or ``bool`` hands it to :mod:`cnncalc.symbolic`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeAlias

from cnncalc.errors import RuleError
from cnncalc.i18n import N_, _

if TYPE_CHECKING:
    from sympy import Expr

    Dim: TypeAlias = int | Expr
else:
    Dim: TypeAlias = int
"""A size or a count: a Python ``int``, or on the symbolic path a sympy expression."""

Shape: TypeAlias = tuple[Dim, ...]
"""A tensor shape without the batch axis, channels first: ``(C, H, W)`` or ``(N,)``."""

MAX_SIZE = 2**63 - 1
"""The largest size (of a field, or of an output axis): what PyTorch and ONNX store (int64).

Every count is a product of a few sizes (at most about ten, a 3-D convolution's
MACs), so with sizes bounded a count stays below about 2**640, and the total of
200,000 such layers below 2**660: about 200 digits, far from Python's 4,300-digit
limit on printing an int."""
MAX_SIZE_TEXT = N_("2**63 − 1, the largest size PyTorch and ONNX store")
"""How messages name :data:`MAX_SIZE` (marked: show it as ``_(MAX_SIZE_TEXT)``)."""


def check_shape(shape: Shape) -> None:
    """Raise :class:`RuleError` if an axis of a numeric output ``shape`` passes :data:`MAX_SIZE`.

    Sizes written in a spec are bounded when read; this bounds those a layer
    makes (an upsampling or transposed convolution multiplies them), so that no
    count built from them can grow without end along a chain of layers.
    """
    if max(shape, default=0) > MAX_SIZE:
        from cnncalc.errors import show_value

        size = max(shape)
        raise RuleError(
            None,
            _("its output size {size} is larger than {bound}").format(
                size=show_value(size), bound=_(MAX_SIZE_TEXT)
            ),
        )


def ceil_div(a: Dim, b: Dim) -> Dim:
    """``ceil(a / b)`` for integers, exact for any size: ``-((-a) // b)``."""
    if type(a) is int and type(b) is int:
        return -((-a) // b)
    from cnncalc.symbolic import ceiling

    return ceiling(a, b)


def exact_div(a: Dim, b: Dim) -> Dim:
    """``a / b`` where ``b`` is required to divide ``a`` (``c_in/g``): ``a // b`` for ints.

    On symbols it stays a fraction, so formulas read ``c_in·k_h·k_w/g`` rather
    than ``floor(c_in/g)·k_h·k_w``.
    """
    if type(a) is int and type(b) is int:
        return a // b
    return a / b


def total(values: Iterable[Dim]) -> Dim:
    """``Σ values``. On symbols one sympy ``Add`` of every term: adding them one at a
    time re-sorts the growing sum at each step, quadratic in the number of layers."""
    items = list(values)
    if all(type(value) is int for value in items):
        return sum(items)
    from cnncalc.symbolic import add_all

    return add_all(items)


def grouped_sum(groups: Iterable[tuple[int, Dim]]) -> Dim:
    """``Σ count·term``; on symbols the groups stay visible (``6·(3·25+1) + 6·(4·25+1)``)."""
    pairs = list(groups)
    if all(type(term) is int for _, term in pairs):
        return sum(count * term for count, term in pairs)
    from cnncalc.symbolic import unevaluated_sum

    return unevaluated_sum(pairs)


def prod(values: Iterable[Dim]) -> Dim:
    """The product of ``values`` (1 for none); serves 1-, 2- and 3-D alike."""
    return math.prod(values)


def require(condition: object, field: str | None, message: Callable[[], str]) -> None:
    """Raise :class:`RuleError` unless ``condition`` holds.

    On the numeric path ``condition`` is a ``bool``. A symbolic condition that
    cannot be decided here is left to the symbolic path to record. ``message``
    is called only when needed: building it for every layer that passes would
    cost more than the layer's arithmetic.
    """
    if condition is True:
        return
    if condition is False:
        raise RuleError(field, message())
    from cnncalc.symbolic import require_symbolic

    require_symbolic(condition, field, message())


def where(condition: object, if_true: Dim, if_false: Dim) -> Dim:
    """``if_true`` when ``condition`` holds else ``if_false``; a Piecewise for symbols."""
    if condition is True:
        return if_true
    if condition is False:
        return if_false
    from cnncalc.symbolic import piecewise

    return piecewise(condition, if_true, if_false)


def window_total(n: Dim, outputs: Dim) -> Dim:
    """``Σ_i (⌈(i+1)·n/o⌉ − ⌊i·n/o⌋)``: the inputs read by ``o`` adaptive windows over ``n``.

    Equal to ``n`` when ``o`` divides ``n``; larger when windows overlap. For
    integers the sum is ``n + o − gcd(n, o)``, computed so (a loop over ``o``
    windows would take forever for ``o`` near :data:`MAX_SIZE`): of the
    ``Σ ⌈(i+1)·n/o⌉ − Σ ⌊i·n/o⌋``, the floors cancel except the last term ``n``,
    and ``⌈x⌉ − ⌊x⌋`` adds 1 for each of the ``o − gcd(n, o)`` non-integer ``x``.
    """
    if type(n) is int and type(outputs) is int:
        return n + outputs - math.gcd(n, outputs)
    from cnncalc.symbolic import window_total_symbolic

    return window_total_symbolic(n, outputs)


def either(first: object, second: object) -> object:
    """``first or second`` for conditions that may be symbolic (sympy's ``Or``)."""
    if first is True or second is True:
        return True
    if first is False and second is False:
        return False
    from cnncalc.symbolic import either_symbolic

    return either_symbolic(first, second)


def equals(a: Dim, b: Dim) -> object:
    """``a == b``: a ``bool`` for ints, ``Eq(a, b)`` for symbols (sympy's ``==`` is structural)."""
    if type(a) is int and type(b) is int:
        return a == b
    from cnncalc.symbolic import equal_symbolic

    return equal_symbolic(a, b)


def divides(divisor: Dim, value: Dim) -> object:
    """Whether ``divisor`` divides ``value``: a ``bool`` for ints, a condition for symbols.

    (``sympy.Mod(n, g) == 0`` is a structural comparison and would say False.)
    """
    if type(divisor) is int and type(value) is int:
        return value % divisor == 0
    from cnncalc.symbolic import divides_symbolic

    return divides_symbolic(divisor, value)
