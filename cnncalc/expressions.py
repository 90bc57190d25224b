"""Size formulas written in a spec (``n``, ``2*k + 1``, ``(n - 4) // 2``), parsed safely.

A formula is parsed with :mod:`ast` and checked node by node: only integers,
names, ``+ - * // **`` and parentheses are allowed. Nothing is evaluated
here (no ``eval``, no ``sympify``), so a spec cannot run code, and nothing
imports sympy: the checked tree is turned into a sympy expression only when
the symbolic path runs (:func:`cnncalc.symbolic.to_expr`).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from cnncalc.arith import MAX_SIZE
from cnncalc.i18n import _

MAX_FORMULA_LENGTH = 200
"""Longest formula accepted; deep expressions would only slow the parser down."""

MAX_POWER = 8
"""Largest exponent in a formula (``k**2``); larger ones could take unbounded time."""

MAX_FORMULA_BITS = 1024
"""Bound on every value inside a formula, in bits, with each symbol at :data:`MAX_SIZE`.

The text bound alone lets 200 characters say ``((2**8)**8)**8…``, a number of
millions of digits, or ``((n**8)**8)**8``, which any value of ``n`` turns into
one. The bound is checked on the syntax tree before anything is computed
(``a**k`` has at most ``k`` times the bits of ``a``), and it leaves room for
every sensible size formula: ``n**8`` is at most 504 bits."""

MAX_FORMULA_TERMS = 100
"""Most terms a formula may have once multiplied out (``(n + k)**2`` has 3).

sympy multiplies formulas out to decide requirements: a 60-character
``(a + b + … + z)**4`` has 40,920 terms and took 24 s, its 8th power would
never end. Counted on the syntax tree: ``t`` terms to the power ``k`` have at
most ``C(t + k − 1, k)``."""

_SYMBOL_BITS = MAX_SIZE.bit_length()

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_ALLOWED = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.BinOp, ast.UnaryOp,
    ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Pow, ast.USub, ast.UAdd,
)  # fmt: skip
"""The syntax a size formula may use: integers, names, + - * // **, signs."""


class FormulaError(ValueError):
    """A formula that is not a sum, product or integer quotient of integers and names."""


class Formula(str):
    """The text of a checked size formula; ``names`` are the symbols it uses."""

    __slots__ = ("names",)
    names: frozenset[str]

    def __new__(cls, text: str) -> Formula:
        names = check_formula(text)
        formula = super().__new__(cls, text.strip())
        formula.names = names
        return formula

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Validated as a string, checked by Formula(), dumped as plain text.
        return core_schema.no_info_after_validator_function(
            lambda value: value if isinstance(value, Formula) else Formula(value),
            core_schema.str_schema(),
            serialization=core_schema.to_string_ser_schema(),
        )


def constant_value(formula: Formula) -> int:
    """The value of a formula without names (``"2*3"``), computed on the checked tree.

    :func:`check_formula` has bounded every intermediate value, so this is cheap.
    """
    return _evaluate(ast.parse(str(formula), mode="eval").body)


def _evaluate(node: ast.expr) -> int:
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, int)  # check_formula admitted integers only
        return node.value
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    assert isinstance(node, ast.BinOp)  # check_formula admitted nothing else
    left, right = _evaluate(node.left), _evaluate(node.right)
    if isinstance(node.op, ast.FloorDiv) and right == 0:
        raise FormulaError(_("division by zero"))
    operations: dict[type[ast.operator], Callable[[int, int], int]] = {
        ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__,
        ast.FloorDiv: int.__floordiv__, ast.Pow: int.__pow__,
    }  # fmt: skip
    return operations[type(node.op)](left, right)


def check_formula(text: str) -> frozenset[str]:
    """The names in ``text``, after checking that it is an allowed formula."""
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(
            _("formulas are limited to {limit} characters").format(limit=MAX_FORMULA_LENGTH)
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise FormulaError(_("not a formula")) from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if not _NAME.match(node.id):
                raise FormulaError(_("'{name}' is not a size name").format(name=node.id))
            names.add(node.id)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            raise FormulaError(_("'/' is real division: sizes use '//' (floor division)"))
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Pow)
            and not (
                isinstance(node.right, ast.Constant) and node.right.value in range(MAX_POWER + 1)
            )
        ):
            raise FormulaError(
                _("a power must be a whole number from 0 to {most}").format(most=MAX_POWER)
            )
        elif isinstance(node, ast.Constant) and (
            not isinstance(node.value, int) or isinstance(node.value, bool)
        ):
            raise FormulaError(_("{value} is not an integer").format(value=repr(node.value)))
        elif not isinstance(node, _ALLOWED):
            raise FormulaError(
                _("'{text}' is not allowed in a size formula").format(text=ast.unparse(node))
            )
    bits, terms = _bounds(tree.body)
    if bits > MAX_FORMULA_BITS:
        message = (
            _(
                "its value could reach 2**{bits} with its symbols at 2**63 − 1; a formula's "
                "values are bounded by 2**{most}"
            )
            if names
            else _("its value could reach 2**{bits}; a formula's values are bounded by 2**{most}")
        )
        raise FormulaError(message.format(bits=f"{bits:,}", most=MAX_FORMULA_BITS))
    if terms > MAX_FORMULA_TERMS:
        raise FormulaError(
            _("it multiplies out to as many as {terms} terms; a formula may have {most}").format(
                terms=f"{terms:,}", most=MAX_FORMULA_TERMS
            )
        )
    return frozenset(names)


def _bounds(node: ast.expr) -> tuple[int, int]:
    """Upper bounds on the bits of ``node``'s values and on its terms once multiplied out.

    Each bound is computed from its operands' bounds only, so it holds for
    every intermediate value too: the bits of ``a + b`` are at most one more
    than the larger operand's, of ``a·b`` their sum, of ``a // b`` those of
    ``a``, of ``a**k`` ``k`` times those of ``a``; a symbol has 63.
    """
    if isinstance(node, ast.Constant):
        value: int = node.value  # type: ignore[assignment]  # check_formula: an integer
        return max(value.bit_length(), 1), 1
    if isinstance(node, ast.Name):
        return _SYMBOL_BITS, 1
    if isinstance(node, ast.UnaryOp):
        return _bounds(node.operand)
    assert isinstance(node, ast.BinOp)  # check_formula admitted nothing else
    left_bits, left_terms = _bounds(node.left)
    if isinstance(node.op, ast.Pow):
        power = int(getattr(node.right, "value", 0))  # check_formula: a constant 0..8
        return left_bits * max(power, 1), math.comb(left_terms + power - 1, power)
    right_bits, right_terms = _bounds(node.right)
    if isinstance(node.op, ast.Add | ast.Sub):
        return max(left_bits, right_bits) + 1, left_terms + right_terms
    if isinstance(node.op, ast.Mult):
        return left_bits + right_bits, left_terms * right_terms
    return left_bits, left_terms * right_terms  # floor division
