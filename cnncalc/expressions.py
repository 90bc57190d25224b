"""Size formulas written in a spec (``n``, ``2*k + 1``, ``int(32*a)``), parsed safely.

A formula is parsed with :mod:`ast` and checked node by node: only integers,
exact decimals (``0.75`` is 3/4, never a binary float), names, ``+ - * / //
**``, parentheses and the calls of :data:`FUNCTIONS` are allowed. Nothing is
evaluated by Python (no ``eval``, no ``sympify``), so a spec cannot run code,
and nothing imports sympy: :func:`evaluate` computes a formula's value on the
checked tree in exact arithmetic (ints, and :class:`~fractions.Fraction` while
a ``/`` or a decimal is on the way to a rounding), and the symbolic path turns
the tree into a sympy expression (:func:`cnncalc.symbolic.to_expr`).

The functions are the ones frameworks size channels with:

- ``floor(x)``, ``ceil(x)``; ``int(x)`` truncates towards zero, as Python's
  and Keras's ``int(filters * alpha)`` do (``floor`` for the non-negative sizes);
- ``round(x)`` is Python's: halves go to the even neighbour (``round(2.5)`` is
  2, ``round(3.5)`` is 4), as NumPy, PyTorch and TensorFlow also round; a
  formula that reads like Python computes what Python would;
- ``min(a, b, …)``, ``max(a, b, …)``;
- ``make_divisible(x, d)`` (or ``make_divisible(x, d, least)``), the rule of
  TensorFlow's MobileNet code that torchvision copies as
  ``torchvision/models/_utils.py::_make_divisible``:
  ``new = max(least, int(x + d/2) // d * d)``, plus ``d`` if that dropped below
  90 % of ``x`` (``new < 0.9*x``, compared exactly as ``9/10``); ``least``
  defaults to ``d``. ``d`` and ``least`` are written as whole numbers (``8``).

A symbol that a formula uses only inside the first argument of a rounding
function (:data:`ROUNDING`) need not be whole: it is a multiplier, such as the
width ``a`` of ``int(32*a)``; every other use makes it a size, a whole number
(:attr:`Formula.bare_names`).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from cnncalc.arith import MAX_SIZE
from cnncalc.i18n import N_, _, ngettext

Exact = int | Fraction
"""A formula's value: an int, or a fraction (a ``/`` or a decimal not yet rounded)."""

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
every sensible size formula: ``n**8`` is at most 504 bits. A fraction's
numerator and denominator are each bounded so; a multiplier symbol's value is a
fraction of two sizes."""

MAX_FORMULA_TERMS = 100
"""Most terms a formula may have once multiplied out (``(n + k)**2`` has 3).

sympy multiplies formulas out to decide requirements: a 60-character
``(a + b + … + z)**4`` has 40,920 terms and took 24 s, its 8th power would
never end. Counted on the syntax tree: ``t`` terms to the power ``k`` have at
most ``C(t + k − 1, k)``; a function's arguments are counted each on its own."""

MAX_NESTING = 4
"""Most functions nested in one another (``max(8, make_divisible(int(32*a), 8))`` is 3).

More than any framework's channel rule needs. Every symbolic step walks a
formula's tree, and written out in floors and cases (``symbolic_functions.written_out``)
``make_divisible`` and ``round`` use their argument three times: ``k`` nested ones
hold ``3**k`` copies of the innermost formula, bounded here."""

MAX_DECIMAL_DIGITS = 15
"""Most significant digits of a decimal constant (``0.75``): up to 15 it reads exactly as
written wherever a formula is printed again (a binary float keeps 15 digits)."""

FUNCTIONS: dict[str, tuple[int, int]] = {
    "round": (1, 1), "floor": (1, 1), "ceil": (1, 1), "int": (1, 1),
    "min": (2, MAX_FORMULA_LENGTH), "max": (2, MAX_FORMULA_LENGTH), "make_divisible": (2, 3),
}  # fmt: skip
"""The functions a formula may call, each with its least and most arguments."""

ROUNDING = frozenset({"round", "floor", "ceil", "int", "make_divisible"})
"""The functions whose (first) argument may be a fraction: they round it to a whole number."""

WHOLE_FIX = N_("int(), round(), floor(), ceil() or make_divisible()")
"""How messages name the ways to round a fraction (marked: show it as ``_(WHOLE_FIX)``)."""

_SYMBOL_BITS = MAX_SIZE.bit_length()

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_DECIMAL = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?"
"""A decimal constant as written: digits with a point, and perhaps an exponent of 1 to 3
digits (``1.5e3``); no underscores, no complex ``j``. (Patterns used only when a formula
has a decimal or a value a fraction are compiled then: a numeric spec's start-up never
pays for them.)"""
_ALLOWED = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Pow, ast.USub, ast.UAdd,
)  # fmt: skip
"""The syntax a size formula may use: numbers, names, + - * / // **, signs, calls."""


class FormulaError(ValueError):
    """A formula that is not one of sizes, numbers, arithmetic and the allowed functions."""


class Formula(str):
    """The text of a checked size formula.

    ``names`` are the symbols it uses; ``bare_names`` those it uses outside the
    first argument of every rounding function (:data:`ROUNDING`): there they
    are sizes themselves, whole numbers.
    """

    __slots__ = ("bare_names", "names")
    names: frozenset[str]
    bare_names: frozenset[str]

    def __new__(cls, text: str) -> Formula:
        names, bare_names = _check(text)
        formula = super().__new__(cls, text.strip())
        formula.names = names
        formula.bare_names = bare_names
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


def parse(formula: Formula) -> ast.expr:
    """The syntax tree of a checked formula (its body): what the evaluators walk."""
    return ast.parse(str(formula), mode="eval").body


def constant_value(formula: Formula) -> Exact:
    """The value of a formula without names (``"2*3"``, ``"int(64*0.75)"``), exactly.

    :func:`check_formula` has bounded every intermediate value, so this is cheap.
    """
    return evaluate(formula, {})


def evaluate(formula: Formula, values: Mapping[str, Exact]) -> Exact:
    """The value of ``formula`` with each name taking its value in ``values``, exactly.

    An int where the value is whole, else a :class:`~fractions.Fraction`.
    Raises :class:`FormulaError` for a division by zero or a name without a value.
    """
    value = _Evaluator(values).value(parse(formula))
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


_EXACT = r"([0-9]+)(?:/([0-9]+))?|([0-9]*\.[0-9]+|[0-9]+\.)"
"""A value as text: ``32``, ``3/4`` or ``0.75`` (ASCII digits; no signs, no exponents)."""
MAX_VALUE_DIGITS = 40
"""Most digits a value's text may have before it is read: more could only be refused (every
value's terms are bounded by :data:`MAX_SIZE`), and reading 5,000 digits is slow."""


def read_exact(text: str) -> Exact | None:
    """``"3/4"`` → 3/4, ``"0.75"`` → 3/4, ``"32"`` → 32, exactly; None if ``text`` is none of
    these (or has more than :data:`MAX_VALUE_DIGITS` digits). ``"1/0"`` is None too."""
    match = re.fullmatch(_EXACT, text.strip(), re.ASCII)
    if match is None or sum(c.isdigit() for c in text) > MAX_VALUE_DIGITS:
        return None
    whole, denominator, decimal = match.groups()
    if decimal is not None:
        return _whole(Fraction(decimal))
    if denominator is None:
        return int(whole)
    if int(denominator) == 0:
        return None
    return _whole(Fraction(int(whole), int(denominator)))


def within_bounds(value: Exact) -> bool:
    """Whether ``value``'s numerator and denominator are each at most :data:`MAX_SIZE`:
    what a symbol's value may be (a multiplier is a fraction of two sizes)."""
    if isinstance(value, int):
        return abs(value) <= MAX_SIZE
    return abs(value.numerator) <= MAX_SIZE and value.denominator <= MAX_SIZE


def put_in(formula: Formula, values: Mapping[str, Exact]) -> str:
    """``formula``'s text with each name of ``values`` replaced by its value, exactly (a
    fraction as ``(p/q)``): ``int(32*a)`` at ``a = 3/4`` is ``int(32*(3/4))``. What a spec
    reads at given values, by the numeric path (which then evaluates the formula)."""
    tree = ast.parse(str(formula), mode="eval")
    functions = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}

    def value_of(node: ast.expr) -> ast.expr:
        if not (isinstance(node, ast.Name) and node.id in values and id(node) not in functions):
            return node
        value = values[node.id]
        if isinstance(value, int):
            return ast.Constant(value)
        return ast.BinOp(ast.Constant(value.numerator), ast.Div(), ast.Constant(value.denominator))

    for node in ast.walk(tree):
        for field, child in ast.iter_fields(node):
            if isinstance(child, ast.expr):
                setattr(node, field, value_of(child))
            elif isinstance(child, list):
                child[:] = [
                    value_of(item) if isinstance(item, ast.expr) else item for item in child
                ]
    tree.body = value_of(tree.body)
    return ast.unparse(tree)


def not_whole(formula: str, value: Fraction) -> str:
    """``32*a = 49/2 is not a whole number: round it with int(), …``."""
    return _("{formula} = {value} is not a whole number: round it with {functions}").format(
        formula=formula, value=show_fraction(value), functions=_(WHOLE_FIX)
    )


def show_fraction(value: Exact) -> str:
    """``49/2``, ``3``; a fraction of huge terms by its size (``≈10^300/10^299``)."""
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 128 else f"≈10^{len(str(abs(value))) - 1}"
    return f"{show_fraction(value.numerator)}/{show_fraction(value.denominator)}"


class _Evaluator:
    """Exact evaluation of a checked tree: ints, and fractions until they are rounded."""

    def __init__(self, values: Mapping[str, Exact]) -> None:
        self.values = values

    def value(self, node: ast.expr) -> Exact:
        if isinstance(node, ast.Constant):
            return exact_constant(node.value)
        if isinstance(node, ast.Name):
            if node.id not in self.values:
                raise FormulaError(_("no value for '{name}'").format(name=node.id))
            return self.values[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return self.call(node)
        assert isinstance(node, ast.BinOp)  # check_formula admitted nothing else
        left, right = self.value(node.left), self.value(node.right)
        if isinstance(node.op, ast.Div | ast.FloorDiv) and right == 0:
            raise FormulaError(_("division by zero"))
        if isinstance(node.op, ast.Div):
            return Fraction(left) / right
        operations: dict[type[ast.operator], Callable[[Any, Any], Exact]] = {
            ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
            ast.Mult: lambda a, b: a * b, ast.FloorDiv: lambda a, b: a // b,
            ast.Pow: lambda a, b: a**b,
        }  # fmt: skip
        return _whole(operations[type(node.op)](left, right))

    def call(self, node: ast.Call) -> Exact:
        assert isinstance(node.func, ast.Name)  # check_formula: a name of FUNCTIONS
        name = node.func.id
        arguments = [self.value(argument) for argument in node.args]
        if name == "min":
            return min(arguments)
        if name == "max":
            return max(arguments)
        if name == "make_divisible":
            return make_divisible(*arguments)
        rounding: dict[str, Callable[[Exact], int]] = {
            "round": round, "floor": math.floor, "ceil": math.ceil, "int": int,
        }  # fmt: skip
        return rounding[name](arguments[0])


def make_divisible(x: Exact, divisor: Exact, least: Exact | None = None) -> int:
    """TensorFlow's and torchvision's ``_make_divisible``, in exact arithmetic.

    ``max(least, int(x + d/2) // d * d)``, then ``+ d`` if that is below
    ``0.9·x`` (here exactly ``9/10``: the float ``0.9`` is a hair above it, which
    decides nothing for channel counts). ``least`` defaults to ``d``; both are
    positive whole numbers (checked when the formula is read).
    """
    d = int(divisor)
    new = max(d if least is None else int(least), int(x + Fraction(d, 2)) // d * d)
    if new < Fraction(9, 10) * x:
        new += d
    return new


def exact_constant(constant: object) -> Exact:
    """A checked formula's constant (an ``ast.Constant``'s value): an int, or a decimal read
    exactly (``0.75`` → 3/4; :func:`check_formula` admitted only decimals that read so)."""
    if isinstance(constant, int):
        return constant
    assert isinstance(constant, float)  # check_formula: an exact decimal
    return _whole(Fraction(repr(constant)))


def _whole(value: Exact) -> Exact:
    return int(value) if isinstance(value, Fraction) and value.denominator == 1 else value


def check_formula(text: str) -> frozenset[str]:
    """The names in ``text``, after checking that it is an allowed formula."""
    return _check(text)[0]


def _check(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names in ``text`` and those it uses as sizes (not only inside roundings), after
    checking that it is an allowed formula. (A tuple, not a dataclass: defining one costs a
    millisecond of start-up.)"""
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(
            _("formulas are limited to {limit} characters").format(limit=MAX_FORMULA_LENGTH)
        )
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        raise FormulaError(_("not a formula")) from None
    functions = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if not _NAME.match(node.id):
                raise FormulaError(_("'{name}' is not a size name").format(name=node.id))
            if id(node) not in functions:
                names.add(node.id)
        elif isinstance(node, ast.Call):
            _check_call(node)
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Pow)
            and not (
                isinstance(node.right, ast.Constant)
                and type(node.right.value) is int
                and node.right.value in range(MAX_POWER + 1)
            )
        ):
            raise FormulaError(
                _("a power must be a whole number from 0 to {most}").format(most=MAX_POWER)
            )
        elif isinstance(node, ast.Constant):
            _check_constant(node, source)
        elif not isinstance(node, _ALLOWED) or (
            isinstance(node, ast.BinOp | ast.UnaryOp) and not isinstance(node.op, _ALLOWED)
        ):  # an operator is shown with its operands: 'n % 2', not ''
            raise FormulaError(
                _("'{text}' is not allowed in a size formula").format(text=ast.unparse(node))
            )
    bare: set[str] = set()
    depth = _uses(tree.body, bare, rounded=False)
    if depth > MAX_NESTING:
        raise FormulaError(
            _("functions nest {depth} deep here; a formula may nest them {most} deep").format(
                depth=depth, most=MAX_NESTING
            )
        )
    bounds = _Bounds(bare)
    bits, denominator_bits, terms = bounds.of(tree.body)
    bits = max(bits, denominator_bits)
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
    _check_terms(max(terms, bounds.worst_terms))
    return frozenset(names), frozenset(bare)


def _check_terms(terms: int) -> None:
    if terms > MAX_FORMULA_TERMS:
        raise FormulaError(
            _("it multiplies out to as many as {terms} terms; a formula may have {most}").format(
                terms=f"{terms:,}", most=MAX_FORMULA_TERMS
            )
        )


def _check_call(node: ast.Call) -> None:
    """A call of one of :data:`FUNCTIONS`, by name, with positional arguments only."""
    if not isinstance(node.func, ast.Name):
        raise FormulaError(
            _("'{text}' is not allowed in a size formula").format(text=ast.unparse(node))
        )
    name = node.func.id
    if name not in FUNCTIONS:
        from cnncalc.spec.fields import suggest

        raise FormulaError(
            _("'{name}' is not a function of size formulas{hint}; they have {functions}").format(
                name=name, hint=suggest(name, list(FUNCTIONS)), functions=", ".join(FUNCTIONS)
            )
        )
    least, most = FUNCTIONS[name]
    count = len(node.args)
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise FormulaError(_("{name}() takes its arguments by position only").format(name=name))
    if not least <= count <= most:
        expected = str(least) if least == most else f"{least}–{most}"
        if most == MAX_FORMULA_LENGTH:
            expected = _("{least} or more").format(least=least)
        message = ngettext(
            "{name}() takes {expected} argument, got {count}",
            "{name}() takes {expected} arguments, got {count}",
            most,
        )
        raise FormulaError(message.format(name=name, expected=expected, count=count))
    if name == "make_divisible":
        for argument in node.args[1:]:
            if not (
                isinstance(argument, ast.Constant)
                and type(argument.value) is int
                and 1 <= argument.value <= MAX_SIZE
            ):
                raise FormulaError(
                    _(
                        "make_divisible(x, d) takes its divisor d (and its least value) as a "
                        "whole number from 1 to 2**63 − 1, such as 8; got '{got}'"
                    ).format(got=ast.unparse(argument))
                )


def _check_constant(node: ast.Constant, source: str) -> None:
    """An int, or a decimal that reads exactly as written (``0.75``; not ``1e400``, ``2j``)."""
    value = node.value
    if type(value) is int:
        return
    written = ast.get_source_segment(source, node) or ""
    if type(value) is not float or not re.fullmatch(_DECIMAL, written, re.ASCII):
        raise FormulaError(_("{value} is not a number").format(value=written or repr(value)))
    mantissa = re.split("[eE]", written)[0].replace(".", "").strip("0")
    if (
        len(mantissa) > MAX_DECIMAL_DIGITS
        or not math.isfinite(value)
        or Fraction(repr(value)) != Fraction(written)
    ):
        raise FormulaError(
            _(
                "the decimal {value} has more than {most} significant digits or is out of range: "
                "write it as a fraction, p/q"
            ).format(value=written, most=MAX_DECIMAL_DIGITS)
        )


def _uses(node: ast.expr, bare: set[str], *, rounded: bool) -> int:
    """Collect the names used outside rounding (into ``bare``); return the functions' nesting."""
    if isinstance(node, ast.Name):
        if not rounded:
            bare.add(node.id)
        return 0
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)  # checked
        rounds = node.func.id in ROUNDING
        depths = [
            _uses(argument, bare, rounded=rounded or (rounds and index == 0))
            for index, argument in enumerate(node.args)
        ]
        return 1 + max(depths, default=0)
    return max(
        (_uses(child, bare, rounded=rounded) for child in ast.iter_child_nodes(node)
         if isinstance(child, ast.expr)),
        default=0,
    )  # fmt: skip


class _Bounds:
    """Upper bounds on a formula's values (bits of numerator and denominator) and terms.

    Each bound is computed from its operands' bounds only, so it holds for
    every intermediate value too: the bits of ``a + b`` are at most one more
    than the larger operand's (over the common denominator), of ``a·b`` their
    sum, of ``a // b`` those of ``a`` (for integers), of ``a**k`` ``k`` times
    those of ``a``; a size symbol has 63, a multiplier 63 over 63; a rounding
    is at most one more than its argument's numerator.
    """

    def __init__(self, bare: set[str]) -> None:
        self.bare = bare
        self.worst_terms = 1
        """The most terms of any function's argument (a call is one term outside)."""

    def of(self, node: ast.expr) -> tuple[int, int, int]:
        """``(numerator bits, denominator bits, terms)`` of ``node``'s values."""
        if isinstance(node, ast.Constant):
            value = exact_constant(node.value)
            if isinstance(value, int):
                return max(value.bit_length(), 1), 0, 1
            return max(value.numerator.bit_length(), 1), value.denominator.bit_length(), 1
        if isinstance(node, ast.Name):
            return _SYMBOL_BITS, (0 if node.id in self.bare else _SYMBOL_BITS), 1
        if isinstance(node, ast.UnaryOp):
            return self.of(node.operand)
        if isinstance(node, ast.Call):
            return self.call(node)
        assert isinstance(node, ast.BinOp)  # check_formula admitted nothing else
        bits, down, terms = self.of(node.left)
        if isinstance(node.op, ast.Pow):
            power = int(getattr(node.right, "value", 0))  # check_formula: a constant 0..8
            return bits * max(power, 1), down * power, math.comb(terms + power - 1, power)
        right_bits, right_down, right_terms = self.of(node.right)
        if isinstance(node.op, ast.Add | ast.Sub):
            top = max(bits + right_down, right_bits + down) + 1
            return top, down + right_down, terms + right_terms
        if isinstance(node.op, ast.Mult):
            return bits + right_bits, down + right_down, terms * right_terms
        if isinstance(node.op, ast.Div):  # a sum below is one factor, 1/(b + c), expanded alone
            self.worst_terms = max(self.worst_terms, right_terms)
            return bits + right_down, down + right_bits, terms
        if down or right_down:  # floor division of fractions: |⌊a/b⌋| ≤ |a/b| + 1
            return bits + right_down + 1, 0, terms * right_terms
        return bits, 0, terms * right_terms  # floor division of integers

    def call(self, node: ast.Call) -> tuple[int, int, int]:
        assert isinstance(node.func, ast.Name)  # checked
        arguments = [self.of(argument) for argument in node.args]
        self.worst_terms = max(self.worst_terms, *(terms for _, _, terms in arguments))
        name = node.func.id
        if name in ("min", "max"):
            return max(a[0] for a in arguments), max(a[1] for a in arguments), 1
        if name == "make_divisible":  # at most max(least, x + d/2) + d
            return max(bits for bits, _, _ in arguments) + 2, 0, 1
        bits, down, _ = arguments[0]
        return bits + (1 if down else 0), 0, 1
