"""Formulas as people write them: Unicode for terminals, LaTeX for slides, ASCII for scripts.

sympy's own printers order terms canonically (``-k + n + 1``) and cannot show
a formula with values put in. This printer covers the expressions the rules
produce (sums, products, integer quotients, floors, ceilings, powers,
relations) and prints

- structure first, as the documents do: ``(c_in·k_h·k_w/g + 1)·c_out``;
- positive terms before negative ones: ``n − k + 1``;
- with ``values``, the substituted arithmetic: ``(5·5 + 1)·6·28·28``, where a
  factor that is 1, a term that is 0 and a division by 1 are left out.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import sympy
from sympy.core.relational import Relational

from cnncalc.symbolic_functions import FUNCTIONS

Style = Literal["unicode", "latex", "ascii"]


@dataclass(frozen=True, slots=True)
class _Marks:
    times: str
    minus: str
    ge: str
    le: str
    eq: str
    floor: tuple[str, str]
    ceil: tuple[str, str]


_MARKS: dict[Style, _Marks] = {
    "unicode": _Marks("·", "−", "≥", "≤", "=", ("⌊", "⌋"), ("⌈", "⌉")),
    "ascii": _Marks("*", "-", ">=", "<=", "==", ("floor(", ")"), ("ceil(", ")")),
    "latex": _Marks(
        r" \cdot ", "-", r" \geq ", r" \leq ", " = ",
        (r"\left\lfloor ", r" \right\rfloor"), (r"\left\lceil ", r" \right\rceil"),
    ),
}  # fmt: skip

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _is_sum(expr: sympy.Basic) -> bool:
    return bool(expr.is_Add or (expr.is_Pow and expr.base.is_Add))


@functools.lru_cache(maxsize=4096)
def _stage(expr: sympy.Basic) -> int:
    """0 for input sizes (``h_in``), 2 for outputs (``h_out``), 1 for the rest (cached: the
    terms of a network's formulas recur, and sorting asks for each term's stage often)."""
    names = [s.name for s in expr.free_symbols]
    if any(name.endswith("_in") for name in names):
        return 0
    return 2 if names and all(name.endswith("_out") for name in names) else 1


def _factor_order(expr: sympy.Basic) -> tuple[int, int, str]:
    if expr.is_Number:
        return (0, 0, "")
    if _is_sum(expr):
        return (1, 0, "")
    name = str(expr.base if expr.is_Pow else expr)
    return (2, _stage(expr), name)


def formula_text(
    expr: object, style: Style = "unicode", values: Mapping[sympy.Symbol, object] | None = None
) -> str:
    """``expr`` printed in ``style``; with ``values``, its symbols replaced by numbers."""
    return _Printer(style, values or {}).text(sympy.sympify(expr))


class _Printer:
    def __init__(self, style: Style, values: Mapping[sympy.Symbol, object]) -> None:
        self.style = style
        self.marks = _MARKS[style]
        self.values = values

    # -- helpers ------------------------------------------------------------
    def value_of(self, expr: sympy.Basic) -> sympy.Basic | None:
        """The number ``expr`` equals once values are put in (None if symbols remain)."""
        result = sympy.sympify(expr.xreplace(self.values)) if self.values else expr
        return result if result.is_number else None

    def is_one(self, expr: sympy.Basic) -> bool:
        return self.value_of(expr) == 1 and (expr.is_Symbol or expr.is_Number)

    def is_zero(self, expr: sympy.Basic) -> bool:
        return bool(self.values) and self.value_of(expr) == 0

    def integer(self, number: int) -> str:
        text = str(abs(number))
        return (self.marks.minus + text) if number < 0 else text

    # -- nodes --------------------------------------------------------------
    def text(self, expr: sympy.Basic) -> str:
        if isinstance(expr, Relational):
            return self.relation(expr)
        if expr.is_Integer:
            return self.integer(int(expr))
        if expr.is_Rational:
            return self.fraction(self.integer(int(expr.p)), str(expr.q), simple_den=True)
        if expr.is_Symbol:
            return self.symbol(expr)
        if expr.is_Add:
            return self.add(expr)
        if expr.is_Mul:
            return self.mul(expr)
        if expr.is_Pow:
            return self.power(expr)
        if isinstance(expr, (sympy.floor, sympy.ceiling)):
            return self.rounding(expr)
        return self.other(expr)

    def other(self, expr: sympy.Basic) -> str:
        """What the rules and formula functions make besides arithmetic: ``mod``, ``min``,
        ``max``, a whole-number test, cases (or the function that they write out)."""
        if isinstance(expr, sympy.Mod):
            return f"({self.text(expr.args[0])} mod {self.text(expr.args[1])})"
        if isinstance(expr, sympy.Min | sympy.Max):
            return self.function("min" if isinstance(expr, sympy.Min) else "max", expr.args)
        if isinstance(expr, sympy.Contains) and expr.args[1] == sympy.Integers:
            return self.whole(expr.args[0])
        name = FUNCTIONS.get(type(expr))
        if name is not None:  # make_divisible(x, d) as written, its least value d left out
            arguments = expr.args[:2] if expr.args[2:] == expr.args[1:2] else expr.args
            return self.function(name, arguments)
        if isinstance(expr, sympy.Piecewise):
            (value, condition), (otherwise, _) = expr.args
            return f"({self.text(value)} if {self.text(condition)} else {self.text(otherwise)})"
        return sympy.latex(expr) if self.style == "latex" else str(expr)

    def function(self, name: str, arguments: tuple[sympy.Basic, ...]) -> str:
        """``max(8, ⌊32·a⌋)``, as the spec's formulas write it (LaTeX: an operator name)."""
        inner = ", ".join(self.text(argument) for argument in arguments)
        if self.style == "latex":
            escaped = name.replace("_", r"\_")
            return rf"\operatorname{{{escaped}}}\left({inner}\right)"
        return f"{name}({inner})"

    def whole(self, expr: sympy.Basic) -> str:
        """``32·a ∈ ℤ``: a size formula that must be a whole number (ASCII: Python's test)."""
        inner = self.text(expr)
        if self.style == "latex":
            return rf"{inner} \in \mathbb{{Z}}"
        if self.style == "ascii":
            grouped = f"({inner})" if " " in inner or "/" in inner else inner
            return f"{grouped} % 1 == 0"
        return f"{inner} ∈ ℤ"

    def symbol(self, expr: sympy.Symbol) -> str:
        if expr in self.values:
            value = self.values[expr]
            if isinstance(value, int):
                return self.integer(value)
            # A symbolic spec's value is itself a formula: n − k + 1 for h_out.
            inner = _Printer(self.style, {}).text(sympy.sympify(value))
            return inner if sympy.sympify(value).is_Atom else self.parenthesised(inner)
        name = str(expr.name)
        if self.style == "latex" and "_" in name:
            head, _, tail = name.partition("_")
            return f"{head}_{{{tail}}}"
        return name

    def add(self, expr: sympy.Add) -> str:
        terms = [t for t in expr.args if not self.is_zero(t)] or [sympy.Integer(0)]
        # Terms with symbols first, positive before negative, numbers last: n − k + 1;
        # but a positive number leads rather than a minus sign: 31 − 3·k.
        terms.sort(key=lambda t: (t.is_number, t.could_extract_minus_sign(), _stage(t)))
        if terms[0].could_extract_minus_sign():
            terms.sort(key=lambda t: not (t.is_number and not t.could_extract_minus_sign()))
        text = ""
        for term in terms:
            negative = term.could_extract_minus_sign()
            body = self.text(-term if negative else term)
            if term.is_Add:  # a group kept whole by unevaluated_sum: (6·25 + 1)
                body = self.parenthesised(body)
            if not text:
                text = (self.marks.minus + body) if negative else body
            else:
                text += f" {self.marks.minus if negative else '+'} {body}"
        return text

    def mul(self, expr: sympy.Mul) -> str:
        coefficient, factors = expr.as_coeff_mul()
        if coefficient.is_negative:
            return (
                self.marks.minus + self.mul(-expr)
                if coefficient != -1
                else (self.marks.minus + self.text(sympy.Mul(*factors, evaluate=False)))
            )
        numerator: list[sympy.Basic] = []
        denominator: list[sympy.Basic] = []
        if coefficient.is_Rational and coefficient.q != 1:
            denominator.append(sympy.Integer(coefficient.q))
        if coefficient != 1 and coefficient.p != 1:
            numerator.append(sympy.Integer(coefficient.p))
        for factor in factors:
            if factor.is_Pow and factor.exp.is_negative:
                denominator.append(sympy.Pow(factor.base, -factor.exp))
            else:
                numerator.append(factor)
        # A number, then sums (and their powers), then quantities, inputs before
        # outputs: 6·(3·25 + 1), c_in·k_h·k_w·c_out·h_out·w_out.
        numerator.sort(key=_factor_order)
        top = self.product(numerator)
        bottom = [d for d in denominator if not self.is_one(d)]
        if not bottom:
            return top
        return self.fraction(top, self.product(bottom), simple_den=len(bottom) == 1)

    def product(self, factors: list[sympy.Basic]) -> str:
        shown = [f for f in factors if not self.is_one(f)] or [sympy.Integer(1)]
        parts = []
        for factor in shown:
            text = self.text(factor)
            if self.is_compound_sum(factor) or (factor.is_Rational and not factor.is_Integer):
                text = self.parenthesised(text)
            parts.append(text)
        return self.marks.times.join(parts)

    def is_compound_sum(self, expr: sympy.Basic) -> bool:
        """A sum of more than one term once zero terms are left out."""
        return bool(expr.is_Add) and sum(not self.is_zero(t) for t in expr.args) > 1

    def parenthesised(self, text: str) -> str:
        return rf"\left({text}\right)" if self.style == "latex" else f"({text})"

    def fraction(self, top: str, bottom: str, *, simple_den: bool) -> str:
        if self.style == "latex":
            return rf"\frac{{{top}}}{{{bottom}}}"
        if " " in top and not (top.startswith("(") and top.endswith(")")):
            top = f"({top})"
        if not simple_den or " " in bottom or self.marks.times in bottom:
            bottom = f"({bottom})"
        return f"{top}/{bottom}"

    def power(self, expr: sympy.Pow) -> str:
        base, exponent = expr.base, expr.exp
        if exponent.is_negative:
            return self.fraction("1", self.text(sympy.Pow(base, -exponent)), simple_den=True)
        base_text = self.text(base)
        if self.is_compound_sum(base) or base.is_Mul:
            base_text = self.parenthesised(base_text)
        if self.values and exponent.is_Integer and 1 < exponent <= 3 and base.is_Symbol:
            return self.marks.times.join([base_text] * int(exponent))  # 28·28, as written
        if self.style == "latex":
            return f"{{{base_text}}}^{{{self.text(exponent)}}}"
        if self.style == "unicode" and exponent.is_Integer and exponent > 0:
            return base_text + str(int(exponent)).translate(_SUPERSCRIPTS)
        return (
            f"{base_text}**{self.text(exponent)}"
            if self.style == "ascii"
            else (f"{base_text}^{self.text(exponent)}")
        )

    def rounding(self, expr: sympy.Basic) -> str:
        opening, closing = self.marks.floor if isinstance(expr, sympy.floor) else self.marks.ceil
        numerator, denominator = expr.args[0].as_numer_denom()
        if self.values and self.value_of(denominator) == 1:
            return self.text(numerator)  # ⌊x/1⌋ is x
        inner = self.text(numerator)
        if denominator != 1:
            inner = self.fraction(inner, self.text(denominator), simple_den=denominator.is_Atom)
        return f"{opening}{inner}{closing}"

    def relation(self, expr: Relational) -> str:
        difference = expr.lhs - expr.rhs
        marks = {
            ">=": self.marks.ge, "<=": self.marks.le, "==": self.marks.eq, ">": ">", "<": "<",
        }  # fmt: skip
        if isinstance(expr, sympy.Eq) and isinstance(expr.lhs, sympy.Mod) and expr.rhs == 0:
            dividend, divisor = expr.lhs.args
            return f"{self.text(divisor)} divides {self.text(dividend)}"
        terms = sympy.Add.make_args(difference)
        left = sympy.Add(*[t for t in terms if not t.could_extract_minus_sign()])
        right = sympy.Add(*[-t for t in terms if t.could_extract_minus_sign()])
        mark = marks.get(expr.rel_op, expr.rel_op)
        if self.style != "latex":
            mark = f" {mark} "
        return f"{self.text(left)}{mark}{self.text(right)}"
