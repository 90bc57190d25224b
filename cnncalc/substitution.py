"""Substituting values for the size symbols of a symbolic report (``--subs n=32,k=5``)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass, replace
from typing import TypeVar

import sympy

from cnncalc import ir
from cnncalc.analysis import Report
from cnncalc.arith import MAX_SIZE, MAX_SIZE_TEXT
from cnncalc.errors import CnncalcError, show_value
from cnncalc.symbolic import substitute, symbol

T = TypeVar("T")


_ASSIGNMENT = re.compile(r"([A-Za-z][A-Za-z0-9_]{0,31})\s*=\s*([0-9]+)", re.ASCII)
"""``name=value``: a size name as formulas spell it, and ASCII digits (``int()`` would
also take ``٣٢``, and ``str.isdigit`` says yes to ``³²``, which ``int()`` refuses)."""


def parse_assignments(text: str, option: str = "--subs") -> dict[str, int]:
    """``"n=32,k=5"`` → ``{"n": 32, "k": 5}``; values are positive integers up to ``MAX_SIZE``.

    Each comma-separated part must be one ``name=value`` pair, each name given
    once; an empty ``text`` gives no values.
    """
    values: dict[str, int] = {}
    if not text.strip():
        return values
    for part in (p.strip() for p in text.split(",")):
        match = _ASSIGNMENT.fullmatch(part)
        if match is None:
            got = show_value(part) if part else "an empty pair (two commas in a row?)"
            raise CnncalcError(
                f"{option} expects name=value pairs of positive integers, like n=32,k=5; got {got}"
            )
        name, digits = match.groups()
        number = _size(digits, f"{option} {name}")
        if name in values:
            raise CnncalcError(f"{option} gives {name} twice ({name}={values[name]}, {part})")
        values[name] = number
    return values


def parse_range(text: str) -> tuple[int, int]:
    """``"1:4096"`` → ``(1, 4096)``: ``solve``'s search range, ``1 ≤ LO ≤ HI ≤ MAX_SIZE``."""
    low, sep, high = text.partition(":")
    if sep and _DIGITS.fullmatch(low.strip()) and _DIGITS.fullmatch(high.strip()):
        first, last = _size(low.strip(), "--range LO"), _size(high.strip(), "--range HI")
        if first <= last:
            return first, last
    raise CnncalcError(f"--range expects LO:HI with 1 ≤ LO ≤ HI, got {show_value(text)}")


_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _size(digits: str, what: str) -> int:
    """ASCII ``digits`` as a size from 1 to ``MAX_SIZE``; else an error naming ``what``."""
    significant = digits.lstrip("0")
    if len(significant) > len(str(MAX_SIZE)) or int(significant or "0") > MAX_SIZE:
        shown = significant if len(significant) <= 40 else f"a {len(significant):,}-digit number"
        raise CnncalcError(f"{what}: {shown} is larger than {MAX_SIZE_TEXT}")
    number = int(significant or "0")
    if number < 1:
        raise CnncalcError(f"{what}: sizes are positive integers, got {digits}")
    return number


def substitute_report(report: Report, values: Mapping[str, int]) -> Report:
    """``report`` with each named symbol replaced by its value.

    Every count is substituted in its formula, so a fully substituted report is
    the numeric path's answer exactly (a property the tests check). A value
    that breaks one of the report's requirements is an error naming it.
    """
    unknown = sorted(set(values) - report.symbols)
    if unknown:
        from cnncalc.spec.fields import suggest

        known = ", ".join(sorted(report.symbols)) or "none"
        hint = suggest(unknown[0], sorted(report.symbols))
        raise CnncalcError(f"no size symbol named {', '.join(unknown)}{hint} (symbols: {known})")
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE:
            raise CnncalcError(
                f"{name} must be a positive integer up to 2**63 − 1, got {show_value(value)}"
            )
    mapping = {symbol(name): value for name, value in values.items()}
    given = ", ".join(f"{k}={v}" for k, v in values.items())
    requirements = []
    for requirement in report.requirements:
        field = f", field '{requirement.field}'" if requirement.field else ""
        where = (
            "the input shape"
            if requirement.layer == ir.NETWORK_INPUT
            else f"layer '{requirement.layer}'{field}"
        )
        try:
            relation = sympy.sympify(requirement.relation).xreplace(mapping)
        except TypeError:  # sympy refuses to compare an infinity: a division by zero
            raise CnncalcError(f"{given} makes {where} divide by zero") from None
        if relation is sympy.false:
            from cnncalc.render.math import formula_text

            raise CnncalcError(
                f"{given} breaks {where}: it requires {formula_text(requirement.relation)}, "
                f"and {formula_text(requirement.relation, values=mapping)} is false"
            )
        if relation is not sympy.true:
            requirements.append(replace(requirement, relation=relation))
    substituted = _deep(report, mapping)
    for where, size in _sizes(substituted):
        if type(size) is int and size > MAX_SIZE:
            raise CnncalcError(
                f"{given} makes {where} {show_value(size)}, larger than {MAX_SIZE_TEXT}"
            )
        if isinstance(size, sympy.Expr) and size.is_finite is False:
            raise CnncalcError(f"{given} makes {where} divide by zero")
    return replace(substituted, requirements=tuple(requirements))


def _sizes(report: Report) -> Iterator[tuple[str, object]]:
    """Every size of a report, and where it is: the input, each layer's fields and output."""
    for size in report.input_shape:
        yield "the input shape", size
    for layer in report.layers:
        node = layer.node
        if is_dataclass(node) and not isinstance(node, type):
            for item in fields(node):
                for size in _flat(getattr(node, item.name)):
                    yield f"layer '{layer.name}', field '{item.name}',", size
        for size in layer.output_shape:
            yield f"layer '{layer.name}''s output size", size


def _flat(value: object) -> Iterator[object]:
    if isinstance(value, tuple):
        for item in value:
            yield from _flat(item)
    else:
        yield value


def _deep(value: T, mapping: Mapping[sympy.Symbol, int]) -> T:
    if isinstance(value, sympy.Basic):
        return substitute(value, mapping)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_deep(item, mapping) for item in value)  # type: ignore[return-value]
    if is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _deep(getattr(value, f.name), mapping)
            for f in fields(value)
            if f.name != "requirements"
        }
        return replace(value, **changes)
    return value
