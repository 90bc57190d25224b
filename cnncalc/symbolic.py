"""The symbolic side of :mod:`cnncalc.arith`: sympy, imported only when a formula is asked for.

Size symbols are positive integers (``integer=True, positive=True``), so sympy
may simplify ``floor(n - 4)`` to ``n - 4`` soundly; a multiplier (a symbol the
spec uses only inside roundings, ``int(32*a)``) is a positive rational, and its
floors stay floors. A size written as a number stays a number. Nothing here
runs on the numeric path.
"""

from __future__ import annotations

import ast
import contextvars
import math
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass, replace
from fractions import Fraction
from functools import cache
from typing import TypeVar

import sympy

from cnncalc.arith import Dim
from cnncalc.errors import RuleError
from cnncalc.expressions import WHOLE_FIX, Formula, exact_constant, not_whole, parse
from cnncalc.i18n import N_, _
from cnncalc.symbolic_functions import MakeDivisible, RoundHalfEven, Truncate

ASSUMPTIONS = {"integer": True, "positive": True}
"""Every size symbol is a positive integer."""

MULTIPLIER_ASSUMPTIONS = {"rational": True, "positive": True}
"""A multiplier (a symbol the spec's formulas use only inside roundings, such as the width
``a`` of ``int(32*a)``) is a positive rational: ``floor(32*a)`` stays a floor."""


@cache
def symbol(name: str, multiplier: bool = False) -> sympy.Symbol:
    """The size symbol called ``name`` (one object per name and kind); a positive
    rational with ``multiplier``, else a positive integer."""
    return sympy.Symbol(name, **(MULTIPLIER_ASSUMPTIONS if multiplier else ASSUMPTIONS))


def to_expr(formula: Formula | str, multipliers: Collection[str] = ()) -> sympy.Expr:
    """A checked spec formula (:class:`~cnncalc.expressions.Formula`) as a sympy expression;
    the names in ``multipliers`` are positive rationals, the others positive integers."""
    checked = formula if isinstance(formula, Formula) else Formula(formula)
    return _Converter(frozenset(multipliers)).expr(parse(checked))


class _Converter:
    """A checked syntax tree → sympy, exactly: decimals as rationals, roundings as floors."""

    def __init__(self, multipliers: frozenset[str]) -> None:
        self.multipliers = multipliers

    def expr(self, node: ast.expr) -> sympy.Expr:
        if isinstance(node, ast.Constant):
            exact = exact_constant(node.value)
            if isinstance(exact, int):
                return sympy.Integer(exact)
            return sympy.Rational(exact.numerator, exact.denominator)
        if isinstance(node, ast.Name):
            return symbol(node.id, node.id in self.multipliers)
        if isinstance(node, ast.UnaryOp):
            operand = self.expr(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)  # Formula(): one of FUNCTIONS
            return call(node.func.id, [self.expr(argument) for argument in node.args])
        assert isinstance(node, ast.BinOp)  # Formula() admitted nothing else
        left, right = self.expr(node.left), self.expr(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        if isinstance(node.op, ast.FloorDiv):
            return sympy.floor(left / right)
        return left**right


def call(name: str, arguments: list[sympy.Expr]) -> sympy.Expr:
    """A formula function (:data:`cnncalc.expressions.FUNCTIONS`) on sympy arguments, exactly.

    ``floor``, ``ceil``, ``min`` and ``max`` are sympy's; ``int`` is ``⌊x⌋`` where
    ``x ≥ 0`` is known (a width ``32·a``), ``⌈x⌉`` where ``x ≤ 0``; ``round``,
    ``make_divisible`` and ``int`` of an unknown sign are the functions of
    :mod:`cnncalc.symbolic_functions`, exact on numbers.
    """
    if name == "floor":
        return sympy.floor(arguments[0])
    if name == "ceil":
        return sympy.ceiling(arguments[0])
    if name == "min":
        return sympy.Min(*arguments)
    if name == "max":
        return sympy.Max(*arguments)
    if name == "int":
        return Truncate(arguments[0])
    if name == "round":
        return RoundHalfEven(arguments[0])
    assert name == "make_divisible"  # Formula() admitted these functions only
    x, divisor = arguments[0], arguments[1]
    return MakeDivisible(x, divisor, arguments[2] if len(arguments) > 2 else divisor)


T = TypeVar("T")


def with_expressions(value: T, multipliers: Collection[str] = ()) -> T:
    """``value`` (an IR node, a tuple, a size) with every formula replaced by its expression
    (``multipliers`` as in :func:`to_expr`)."""
    if isinstance(value, Formula):
        expression: T = to_expr(value, multipliers)
        return expression
    if isinstance(value, tuple):
        return tuple(  # type: ignore[return-value]
            with_expressions(item, multipliers) for item in value
        )
    if is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: with_expressions(getattr(value, f.name), multipliers) for f in fields(value)
        }
        return replace(value, **changes)
    return value


def ceiling(a: Dim, b: Dim) -> Dim:
    """``ceiling(a/b)``."""
    return sympy.ceiling(sympy.sympify(a) / b)


def add_all(values: Iterable[Dim]) -> Dim:
    """The sum of many counts, as one ``Add`` (see :func:`cnncalc.arith.total`)."""
    return sympy.Add(*values)


def unevaluated_sum(pairs: Iterable[tuple[int, Dim]]) -> Dim:
    """``count·term + …`` kept as written, for derivations (sympy would expand it)."""
    terms = [
        term if count == 1 else sympy.Mul(count, term, evaluate=False) for count, term in pairs
    ]
    return sympy.Add(*terms, evaluate=False)


def piecewise(condition: object, if_true: Dim, if_false: Dim) -> Dim:
    """``Piecewise((if_true, condition), (if_false, True))``."""
    return sympy.Piecewise((if_true, condition), (if_false, True))


def window_total_symbolic(n: Dim, outputs: Dim) -> Dim:
    """The adaptive windows' total as an (unevaluated) sum; ``n`` when ``o`` divides ``n``."""
    if isinstance(outputs, int) and outputs == 1:
        return n
    i = sympy.Dummy("i", integer=True, nonnegative=True)
    total = sympy.Sum(sympy.ceiling((i + 1) * n / outputs) - sympy.floor(i * n / outputs),
                      (i, 0, outputs - 1))  # fmt: skip
    return total.doit() if isinstance(outputs, int) and isinstance(n, int) else total


def either_symbolic(first: object, second: object) -> object:
    """``Or(first, second)``, which sympy may decide."""
    return sympy.Or(first, second)


def equal_symbolic(a: Dim, b: Dim) -> object:
    """``Eq(a, b)``, which sympy may decide to True or False."""
    return sympy.Eq(a, b)


def divides_symbolic(divisor: Dim, value: Dim) -> object:
    """``Eq(value mod divisor, 0)``, which sympy may decide to True or False. 1 divides every
    size: whether a size is whole at all is :func:`require_whole`'s to state."""
    if divisor == 1:
        return sympy.true
    return sympy.Eq(sympy.Mod(value, divisor), 0)


def compact_floors(expr: T) -> T:
    """Rewrite ``⌊(⌊y⌋ + m)/b⌋`` as ``⌊(y + m)/b⌋`` for integer ``m`` and positive integer ``b``.

    The identity ``⌊⌊x⌋/b⌋ = ⌊x/b⌋`` holds for every real ``x`` and positive
    integer ``b``, but sympy does not apply it (``simplify`` leaves
    ``floor(floor(n/2)/2)`` alone), so chains of pooling layers would nest one
    floor per layer. Tuples and dataclasses (a rule's counts) are compacted
    field by field.
    """
    if isinstance(expr, tuple):
        return tuple(compact_floors(item) for item in expr)  # type: ignore[return-value]
    if is_dataclass(expr) and not isinstance(expr, type):
        return replace(
            expr, **{f.name: compact_floors(getattr(expr, f.name)) for f in fields(expr)}
        )
    if not isinstance(expr, sympy.Basic) or not expr.has(sympy.floor):
        return expr

    def rewrite(node: sympy.Expr) -> sympy.Expr:
        numerator, denominator = node.args[0].as_numer_denom()
        if not (denominator.is_Integer and denominator > 0):
            return node
        inner = [t for t in sympy.Add.make_args(numerator) if isinstance(t, sympy.floor)]
        if len(inner) != 1:
            return node
        rest = numerator - inner[0]
        if rest.has(sympy.floor) or not rest.is_integer:
            return node
        return sympy.floor((inner[0].args[0] + rest) / denominator)

    current: sympy.Basic = expr
    previous = None
    while previous != current:
        previous = current
        current = current.replace(lambda e: isinstance(e, sympy.floor), rewrite)
    return current  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Condition:
    """Something a symbolic network needs of its sizes, stated where it arises."""

    relation: sympy.Basic
    field: str | None
    message: str


_conditions: contextvars.ContextVar[list[Condition] | None] = contextvars.ContextVar(
    "cnncalc_conditions", default=None
)


@contextmanager
def collecting_conditions() -> Iterator[list[Condition]]:
    """Collect the conditions that rules cannot decide, instead of failing on them."""
    found: list[Condition] = []
    token = _conditions.set(found)
    try:
        yield found
    finally:
        _conditions.reset(token)


def require_symbolic(condition: object, field: str | None, message: str) -> None:
    """Reject a condition only when it is provably false; record it when undecided."""
    relation = simplify_condition(sympy.sympify(condition))
    if relation is sympy.true:
        return
    if relation is sympy.false:
        raise RuleError(field, message)
    found = _conditions.get()
    if found is None:
        # Outside an analysis (a rule called directly on symbols): nothing to record into.
        return
    found.append(Condition(relation, field, message))


DIVISION_BY_ZERO = N_("the formula divides by zero")
"""The message for a size formula whose value is infinite or undefined (``n // (n - n)``)."""

_MAY_BE_ZERO = ("padding", "output_padding", "cropping")
"""IR fields whose sizes may be 0; every other size is at least 1."""


def require_sizes(node: object) -> None:
    """Require each formula size of ``node`` (an IR node) to be a positive integer.

    A size symbol is a positive integer, but a formula of them need not be
    (``n - 6``, ``-n``): one that is provably below its minimum (1; 0 for a
    padding) is an error of its field, an undecided one a stated requirement
    (``Requires n ≥ 7``), which a substitution must then meet.
    """
    if not (is_dataclass(node) and not isinstance(node, type)):
        return
    for item in fields(node):
        minimum = 0 if item.name in _MAY_BE_ZERO else 1
        for size in _formula_sizes(getattr(node, item.name)):
            if not size.is_finite and size.is_finite is not None:
                raise RuleError(item.name, _(DIVISION_BY_ZERO))
            require_symbolic(size >= minimum, item.name, _not_a_size(size, minimum))
            require_whole(size, item.name)


def require_whole(size: sympy.Expr, field: str | None) -> None:
    """Require a size formula to be a whole number: ``32·a ∈ ℤ``, unless sympy knows it is.

    Only a ``/`` or a multiplier outside a rounding makes a size a fraction
    (``n/2``, ``32*a``): sizes of ``+ - * // **`` and size symbols are whole,
    and state nothing. A size that is a fraction for every value is an error.
    """
    if size.is_integer:
        return
    whole = sympy.Contains(size, sympy.Integers)
    if whole is sympy.false:
        if size.is_Rational:
            raise RuleError(field, not_whole(str(size), Fraction(int(size.p), int(size.q))))
        raise RuleError(
            field,
            _(
                "{size} is not a whole number for any value of its symbols: round it with "
                "{functions}"
            ).format(size=size, functions=_(WHOLE_FIX)),
        )
    require_symbolic(whole, field, _not_whole_for_every(size))


def _not_whole_for_every(size: sympy.Expr) -> str:
    return _(
        "{size} is a whole number only for some values of its symbols: round it with {functions}"
    ).format(size=size, functions=_(WHOLE_FIX))


def input_requirements(shape: tuple[Dim, ...]) -> list[Condition]:
    """The conditions for the input shape's formulas to be positive; an error if one cannot be."""
    with collecting_conditions() as found:
        for index, size in enumerate(shape):
            if not isinstance(size, sympy.Expr):
                continue
            try:
                if not size.is_finite and size.is_finite is not None:
                    raise RuleError(None, _(DIVISION_BY_ZERO))
                require_symbolic(size >= 1, None, _not_a_size(size, 1))
                require_whole(size, None)
            except RuleError as error:
                from cnncalc.errors import SpecError

                raise SpecError(error.message, loc=("input", index)) from None
    return found


def _formula_sizes(value: object) -> Iterator[sympy.Expr]:
    if isinstance(value, tuple):
        for item in value:
            yield from _formula_sizes(item)
    elif isinstance(value, sympy.Expr):
        yield value


def _not_a_size(size: sympy.Expr, minimum: int) -> str:
    if size.is_number:
        message = (
            _("expected a positive integer, got a formula equal to {size}")
            if minimum
            else _("expected a non-negative integer, got a formula equal to {size}")
        )
    else:
        message = (
            _("expected a positive integer, got {size}, which is not one for any value of its "
              "symbols")
            if minimum
            else _("expected a non-negative integer, got {size}, which is not one for any value "
                   "of its symbols")
        )  # fmt: skip
    return message.format(size=size)


def simplify_condition(relation: sympy.Basic) -> sympy.Basic:
    """``floor(floor(n/2)/2) - 7 >= 1`` → ``n >= 32``, where that is sound.

    For integer ``R``, ``⌊A⌋ + R ≥ 0`` holds exactly when ``A + R ≥ 0``; peeling
    floors off this way and solving the remaining linear inequality gives the
    smallest admissible size. Anything else is returned as sympy left it.
    """
    difference = peeled(relation)
    if difference is None:
        return relation
    free = difference.free_symbols
    if len(free) == 1 and not difference.has(sympy.floor, sympy.ceiling, sympy.Piecewise):
        (name,) = free
        poly = sympy.Poly(difference, name) if difference.is_polynomial(name) else None
        if poly is not None and poly.degree() == 1 and not name.is_integer:
            # A multiplier: a positive rational, bounded by a fraction (a ≥ 1/32).
            bound = -poly.TC() / poly.LC()
            if poly.LC() > 0:
                return sympy.true if bound <= 0 else sympy.GreaterThan(name, bound)
            return sympy.false if bound <= 0 else sympy.LessThan(name, bound)
        if poly is not None and poly.degree() == 1 and poly.LC() > 0:
            bound = sympy.ceiling(-poly.TC() / poly.LC())
            return sympy.true if bound <= 1 else sympy.GreaterThan(name, bound)
        if poly is not None and poly.degree() == 1 and poly.LC() < 0:
            bound = sympy.floor(poly.TC() / -poly.LC())
            return sympy.false if bound < 1 else sympy.LessThan(name, bound)
    return sympy.GreaterThan(difference, 0) if difference.is_integer is not None else relation


def same_value(formula: Formula, value: object, multipliers: Collection[str] = ()) -> bool:
    """Whether sympy can prove ``formula`` equal to ``value`` for all symbol values
    (``multipliers`` as in :func:`to_expr`)."""
    difference = compact_floors(to_expr(formula, multipliers) - sympy.sympify(value))
    return bool(difference == 0 or sympy.simplify(difference) == 0)


def peeled(relation: sympy.Basic) -> sympy.Expr | None:
    """``D`` such that ``relation`` holds exactly when ``D ≥ 0`` (for integer sizes), its
    floors peeled off where that is sound (see :func:`simplify_condition`); None for a
    relation that is not an inequality, or a strict one between non-integers."""
    if not isinstance(relation, (sympy.GreaterThan, sympy.StrictGreaterThan,
                                 sympy.LessThan, sympy.StrictLessThan)):  # fmt: skip
        return None
    difference = relation.lhs - relation.rhs
    if isinstance(relation, (sympy.LessThan, sympy.StrictLessThan)):
        difference = -difference
    if isinstance(relation, (sympy.StrictGreaterThan, sympy.StrictLessThan)):
        if not difference.is_integer:
            return None
        difference -= 1  # a > b is a - b - 1 >= 0 for integers
    for _step in range(64):
        reduced = _reduce_step(difference)
        if reduced == difference:
            break
        difference = reduced
    return difference


def linear_bound(relation: sympy.Basic, x: sympy.Symbol) -> tuple[bool, sympy.Expr] | None:
    """``relation`` as a bound on the integer ``x`` in the other symbols: ``(True, L)`` for
    ``x ≥ L``, ``(False, H)`` for ``x ≤ H`` (``L``, ``H`` integer formulas free of ``x``);
    None where its floors do not peel off into ``c·x + g ≥ 0`` with a whole ``c ≠ 0``.

    LeNet-5's ``⌊(n − 3·k − 1)/4⌋ + 1 = k`` is ``n ≥ 7·k − 3`` and ``n ≤ 7·k``.
    """
    difference = peeled(relation)
    if difference is None:
        return None
    difference = sympy.expand(difference)
    coefficient = difference.coeff(x, 1)
    rest = difference - coefficient * x
    if not coefficient.is_Integer or coefficient == 0 or x in rest.free_symbols:
        return None
    if not rest.is_integer:
        return None
    if coefficient > 0:  # c·x + g ≥ 0 ⟺ x ≥ ⌈−g/c⌉
        return True, sympy.ceiling(-rest / coefficient)
    return False, sympy.floor(rest / -coefficient)


def _reduce_step(difference: sympy.Expr) -> sympy.Expr:
    """One step towards a floor- and ceiling-free ``difference ≥ 0`` with the same integer
    solutions."""
    difference = compact_floors(sympy.expand(difference))
    terms = sympy.Add.make_args(difference)
    floors = [t for t in terms if isinstance(t, sympy.floor)]
    negated = [-t for t in terms if isinstance(-t, sympy.floor)]
    ceilings = [t for t in terms if isinstance(t, sympy.ceiling)]
    rest = difference - sum(floors) + sum(negated) - sum(ceilings)
    rounded = len(floors) + len(negated) + len(ceilings) == 1
    if rounded and not rest.has(sympy.floor, sympy.ceiling) and rest.is_integer:
        if floors:
            return sympy.expand(floors[0].args[0] + rest)  # ⌊A⌋ + R ≥ 0 ⟺ A + R ≥ 0
        part, scale = (negated or ceilings)[0].args[0].as_numer_denom()
        if part.is_integer and scale.is_positive and negated:
            # −⌊P/d⌋ + R ≥ 0 ⟺ P/d < R + 1 ⟺ (R + 1)·d − P − 1 ≥ 0, for integer P, d > 0.
            return sympy.expand((rest + 1) * scale - part - 1)
        if part.is_integer and scale.is_positive:
            # ⌈P/d⌉ + R ≥ 0 ⟺ P/d > −R − 1 ⟺ P + (R + 1)·d − 1 ≥ 0, for integer P, d > 0
            # (Keras's 'same' padding: ⌈n/s⌉).
            return sympy.expand(part + (rest + 1) * scale - 1)
    numerator, denominator = difference.as_numer_denom()
    if denominator != 1 and denominator.is_positive:
        return sympy.expand(numerator)  # x/d ≥ 0 ⟺ x ≥ 0 for d > 0
    return difference


def substitute(value: Dim, values: Mapping[sympy.Symbol, int | sympy.Rational]) -> Dim:
    """``value`` with ``values`` substituted: a Python ``int`` once no symbol is left (a
    multiplier's value is a sympy ``Rational``: its roundings make the sizes whole)."""
    if isinstance(value, int):
        return value
    result = value.xreplace(values)
    if isinstance(result, int):  # the whole expression was one symbol
        return result
    if result.has(sympy.Sum):
        result = result.replace(lambda e: isinstance(e, sympy.Sum), _window_sum_value)
    if result.has(sympy.Piecewise):
        result = result.replace(lambda e: isinstance(e, sympy.Piecewise), lambda e: e.doit())
    return int(result) if result.is_Integer else result


_TERMS_ADDED_ONE_BY_ONE = 10_000
"""A sum of numbers with fewer terms than this may simply be added up."""


def _window_sum_value(window: sympy.Sum) -> sympy.Expr:
    """A :func:`window_total_symbolic` sum whose sizes are numbers: ``n + o − gcd(n, o)``.

    ``doit`` would add its ``o`` terms one by one, for ever when ``o`` is near
    2**63. The sum is ``Σ_{i<o} ⌈(i+1)·n/o⌉ − ⌊i·n/o⌋``: ``o`` is its upper limit
    plus one, ``n`` the coefficient of ``i`` in the floor times ``o`` (see
    :func:`cnncalc.arith.window_total`). Anything else is left to ``doit``.
    """
    ((i, low, high),) = window.limits
    if not (low == 0 and high.is_Integer):
        return window
    if not (window.function.free_symbols - {i}) and high < _TERMS_ADDED_ONE_BY_ONE:
        return window.doit()
    outputs = int(high) + 1
    floors = [-t for t in sympy.Add.make_args(window.function) if isinstance(-t, sympy.floor)]
    if len(floors) != 1:
        return window
    n = floors[0].args[0].coeff(i) * outputs
    if not n.is_Integer:
        return window
    return sympy.Integer(int(n) + outputs - math.gcd(int(n), outputs))
