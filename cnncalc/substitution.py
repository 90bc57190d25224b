"""Substituting values for the size symbols of a symbolic report (``--subs n=32,k=5``)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields, is_dataclass, replace
from fractions import Fraction
from typing import TypeVar

import sympy

from cnncalc import ir
from cnncalc.analysis import Report
from cnncalc.arith import MAX_SIZE, MAX_SIZE_TEXT
from cnncalc.errors import CnncalcError, show_value
from cnncalc.expressions import WHOLE_FIX, Exact, read_exact, show_fraction, within_bounds
from cnncalc.i18n import _
from cnncalc.symbolic import substitute

T = TypeVar("T")


_ASSIGNMENT = re.compile(r"([A-Za-z][A-Za-z0-9_]{0,31})\s*=\s*([0-9]+|[0-9./]+)", re.ASCII)
"""``name=value``: a size name as formulas spell it, and ASCII digits, perhaps with a ``/``
or a point (``int()`` would also take ``٣٢``, and ``str.isdigit`` says yes to ``³²``, which
``int()`` refuses)."""


def parse_assignments(text: str, option: str = "--subs") -> dict[str, Exact]:
    """``"n=32,a=3/4"`` → ``{"n": 32, "a": Fraction(3, 4)}``.

    A value is a positive integer up to ``MAX_SIZE``, or an exact fraction, ``3/4``
    or ``0.75`` (never a float), whose terms are each at most ``MAX_SIZE``; only a
    multiplier takes a fraction (:func:`substitute_report` says so). Each
    comma-separated part must be one ``name=value`` pair, each name given once;
    an empty ``text`` gives no values.
    """
    values: dict[str, Exact] = {}
    if not text.strip():
        return values
    for part in (p.strip() for p in text.split(",")):
        match = _ASSIGNMENT.fullmatch(part)
        if match is None or (not match.group(2).isdigit() and read_exact(match.group(2)) is None):
            got = show_value(part) if part else _("an empty pair (two commas in a row?)")
            raise CnncalcError(
                _(
                    "{option} expects name=value pairs of positive integers or fractions, like "
                    "n=32,k=5 or a=3/4; got {got}"
                ).format(option=option, got=got)
            )
        name, written = match.groups()
        number = (
            _size(written, f"{option} {name}")
            if written.isdigit()
            else _fraction(written, f"{option} {name}")
        )
        if name in values:
            raise CnncalcError(
                _("{option} gives {name} twice ({first}, {part})").format(
                    option=option, name=name, first=f"{name}={values[name]}", part=part
                )
            )
        values[name] = number
    return values


def _fraction(written: str, what: str) -> Exact:
    """``3/4`` or ``0.75`` (read by :func:`read_exact`) as a positive value within bounds."""
    value = read_exact(written)
    assert value is not None  # parse_assignments matched it
    if not within_bounds(value):
        raise CnncalcError(
            _("{what}: {number} has a numerator or denominator larger than {bound}").format(
                what=what, number=written, bound=_(MAX_SIZE_TEXT)
            )
        )
    if value <= 0:
        raise CnncalcError(
            _("{what}: values are positive, got {got}").format(what=what, got=written)
        )
    return value


def parse_range(text: str) -> tuple[int, int]:
    """``"1:4096"`` → ``(1, 4096)``: ``solve``'s search range, ``1 ≤ LO ≤ HI ≤ MAX_SIZE``."""
    low, sep, high = text.partition(":")
    if sep and _DIGITS.fullmatch(low.strip()) and _DIGITS.fullmatch(high.strip()):
        first, last = _size(low.strip(), "--range LO"), _size(high.strip(), "--range HI")
        if first <= last:
            return first, last
    raise CnncalcError(
        _("--range expects LO:HI with 1 ≤ LO ≤ HI, got {got}").format(got=show_value(text))
    )


def parse_span(text: str) -> tuple[Fraction, Fraction]:
    """``"1/4:1"`` → ``(1/4, 1)``: a multiplier's range for ``solve``, exact numbers
    ``0 ≤ LO < HI`` (``LO`` 0: the open end, a multiplier is positive)."""
    from cnncalc.expressions import read_exact, within_bounds

    low, sep, high = text.partition(":")
    first, last = (read_exact(low), read_exact(high)) if sep else (None, None)
    if (
        first is not None
        and last is not None
        and within_bounds(first)
        and within_bounds(last)
        and 0 <= first < last
    ):
        return Fraction(first), Fraction(last)
    raise CnncalcError(
        _(
            "a multiplier's --range is LO:HI with 0 ≤ LO < HI, exact (1/4:1, 0:2.5), got {got}"
        ).format(got=show_value(text))
    )


_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _size(digits: str, what: str) -> int:
    """ASCII ``digits`` as a size from 1 to ``MAX_SIZE``; else an error naming ``what``."""
    significant = digits.lstrip("0")
    if len(significant) > len(str(MAX_SIZE)) or int(significant or "0") > MAX_SIZE:
        shown = (
            significant
            if len(significant) <= 40
            else _("a {count}-digit number").format(count=f"{len(significant):,}")
        )
        raise CnncalcError(
            _("{what}: {number} is larger than {bound}").format(
                what=what, number=shown, bound=_(MAX_SIZE_TEXT)
            )
        )
    number = int(significant or "0")
    if number < 1:
        raise CnncalcError(
            _("{what}: sizes are positive integers, got {got}").format(what=what, got=digits)
        )
    return number


def substitute_report(report: Report, values: Mapping[str, Exact]) -> Report:
    """``report`` with each named symbol replaced by its value.

    Every count is substituted in its formula, so a fully substituted report is
    the numeric path's answer exactly (a property the tests check). A size
    symbol takes a positive integer, a multiplier (a symbol every formula
    rounds, ``int(32*a)``) also a positive fraction (``3/4``). A value that
    breaks one of the report's requirements, or makes a size a fraction, is an
    error naming it.
    """
    check_values(report, {name: (value,) for name, value in values.items()})
    symbols = report.symbol_objects
    exact = {name: _checked_value(name, value, symbols[name]) for name, value in values.items()}
    mapping: dict[sympy.Symbol, int | sympy.Rational] = {
        symbols[name]: value if isinstance(value, int)
        else sympy.Rational(value.numerator, value.denominator)
        for name, value in exact.items()
    }  # fmt: skip
    given = ", ".join(f"{k}={v}" for k, v in exact.items())
    requirements = []
    for requirement in report.requirements:
        where = _requirement_place(requirement.layer, requirement.field)
        try:
            relation = sympy.sympify(requirement.relation).xreplace(mapping)
        except TypeError:  # sympy refuses to compare an infinity: a division by zero
            raise CnncalcError(_divides_by_zero(given, where)) from None
        if relation is sympy.false:
            from cnncalc.render.math import formula_text

            if isinstance(requirement.relation, sympy.Contains):
                size = requirement.relation.args[0]
                raise CnncalcError(
                    _not_whole(given, where, formula_text(size), size.xreplace(mapping))
                )
            raise CnncalcError(
                _("{given} breaks {where}: it requires {relation}, and {values} is false").format(
                    given=given, where=where, relation=formula_text(requirement.relation),
                    values=formula_text(requirement.relation, values=mapping),
                )
            )  # fmt: skip
        if relation is not sympy.true:
            requirements.append(replace(requirement, relation=relation))
    substituted = _deep(report, mapping)
    for where, size in sizes_of(substituted):
        if type(size) is int and size > MAX_SIZE:
            raise CnncalcError(
                _("{given} makes {where} {size}, larger than {bound}").format(
                    given=given, where=where, size=show_value(size), bound=_(MAX_SIZE_TEXT)
                )
            )
        if isinstance(size, sympy.Expr) and size.is_finite is False:
            raise CnncalcError(_divides_by_zero(given, where))
        if isinstance(size, sympy.Rational) and not size.is_Integer:
            raise CnncalcError(_not_whole(given, where, "", size))
    return replace(
        substituted,
        requirements=tuple(requirements),
        values=(*report.values, *exact.items()),
    )


def check_values(report: Report, values: Mapping[str, Iterable[object]]) -> None:
    """Refuse a name that is no size symbol of ``report``, and a value its symbol cannot
    take (:func:`_checked_value`: a positive integer, or for a multiplier a positive
    fraction).

    ``values`` gives each name the values it will take (a sweep's axis: for a range
    of integers, its ends suffice).
    """
    symbols = report.symbol_objects
    unknown = sorted(set(values) - set(symbols))
    if unknown:
        from cnncalc.spec.fields import suggest

        known = ", ".join(sorted(symbols)) or _("none")
        hint = suggest(unknown[0], sorted(symbols))
        raise CnncalcError(
            _("no size symbol named {names}{hint} (symbols: {known})").format(
                names=", ".join(unknown), hint=hint, known=known
            )
        )
    for name, taken in values.items():
        for value in taken:
            _checked_value(name, value, symbols[name])


def _checked_value(name: str, value: object, symbol: sympy.Symbol) -> Exact:
    """A symbol's value: a positive integer up to ``MAX_SIZE``; for a multiplier also a
    positive fraction of such terms (a float, from the Python API, is read as its decimal)."""
    exact: object = value
    if isinstance(value, float) and math.isfinite(value):
        exact = read_exact(repr(value))
    if isinstance(exact, Fraction) and exact.denominator == 1:
        exact = int(exact)
    if symbol.is_integer:
        if isinstance(exact, Fraction):
            raise CnncalcError(
                _(
                    "{name} is a size of this spec, a whole number (a formula uses it outside "
                    "{functions}), so {name}={value} is not a value for it"
                ).format(name=name, functions=_(WHOLE_FIX), value=show_fraction(exact))
            )
        if type(exact) is not int or not 1 <= exact <= MAX_SIZE:
            raise CnncalcError(
                _("{name} must be a positive integer up to 2**63 − 1, got {got}").format(
                    name=name, got=show_value(value)
                )
            )
        return exact
    if (
        isinstance(exact, bool)
        or not isinstance(exact, int | Fraction)
        or not within_bounds(exact)
        or exact <= 0
    ):
        raise CnncalcError(
            _(
                "{name} must be a positive fraction p/q with p and q up to 2**63 − 1, got {got}"
            ).format(name=name, got=show_value(value))
        )
    return exact


def _not_whole(given: str, where: str, formula: str, value: sympy.Rational) -> str:
    """``a=49/64 makes layer 'c', field 'filters', 32·a = 49/2, not a whole number: …``."""
    shown = show_fraction(Fraction(int(value.p), int(value.q)))
    if formula:
        shown = f"{formula} = {shown}"
    return _(
        "at {given}, {where} is {value}, not a whole number: round it with {functions}"
    ).format(given=given, where=where.rstrip(","), value=shown, functions=_(WHOLE_FIX))


def _requirement_place(layer: str, field: str | None) -> str:
    """``the input shape``, ``layer 'c1', field 'kernel'``: where a requirement comes from."""
    if layer == ir.NETWORK_INPUT:
        return _("the input shape")
    if field:
        return _("layer '{layer}', field '{field}'").format(layer=layer, field=field)
    return _("layer '{layer}'").format(layer=layer)


def _divides_by_zero(given: str, where: str) -> str:
    return _("{given} makes {where} divide by zero").format(given=given, where=where)


def sizes_of(report: Report) -> Iterator[tuple[str, object]]:
    """Every size of a report, and where it is: the input, each layer's fields and output."""
    for size in report.input_shape:
        yield _("the input shape"), size
    for layer in report.layers:
        node = layer.node
        if is_dataclass(node) and not isinstance(node, type):
            for item in fields(node):
                for size in _flat(getattr(node, item.name)):
                    where = _("layer '{layer}', field '{field}',").format(
                        layer=layer.name, field=item.name
                    )
                    yield where, size
        for size in layer.output_shape:
            yield _("layer '{layer}''s output size").format(layer=layer.name), size


def _flat(value: object) -> Iterator[object]:
    if isinstance(value, tuple):
        for item in value:
            yield from _flat(item)
    else:
        yield value


def _deep(value: T, mapping: Mapping[sympy.Symbol, int | sympy.Rational]) -> T:
    if isinstance(value, sympy.Basic):
        return substitute(value, mapping)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_deep(item, mapping) for item in value)  # type: ignore[return-value]
    if is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _deep(getattr(value, f.name), mapping)
            for f in fields(value)
            if f.name not in ("requirements", "values")
        }
        return replace(value, **changes)
    return value
