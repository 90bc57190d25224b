"""Substituting values for the size symbols of a symbolic report (``--subs n=32,k=5``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace
from typing import TypeVar

import sympy

from cnncalc.analysis import Report
from cnncalc.errors import CnncalcError
from cnncalc.symbolic import substitute, symbol

T = TypeVar("T")


def parse_assignments(text: str) -> dict[str, int]:
    """``"n=32,k=5"`` → ``{"n": 32, "k": 5}``; values are positive integers."""
    values: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, number = part.partition("=")
        name, number = name.strip(), number.strip()
        if not sep or not name.isidentifier() or not number.isdigit() or int(number) < 1:
            raise CnncalcError(
                f"--subs expects name=value pairs of positive integers, like n=32,k=5; got '{part}'"
            )
        values[name] = int(number)
    return values


def substitute_report(report: Report, values: Mapping[str, int]) -> Report:
    """``report`` with each named symbol replaced by its value.

    Every count is substituted in its formula, so a fully substituted report is
    the numeric path's answer exactly (a property the tests check). A value
    that breaks one of the report's requirements is an error naming it.
    """
    unknown = sorted(set(values) - report.symbols)
    if unknown:
        known = ", ".join(sorted(report.symbols)) or "none"
        raise CnncalcError(f"no size symbol named {', '.join(unknown)} (symbols: {known})")
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CnncalcError(f"{name} must be a positive integer, got {value!r}")
    mapping = {symbol(name): value for name, value in values.items()}
    requirements = []
    for requirement in report.requirements:
        relation = sympy.sympify(requirement.relation).xreplace(mapping)
        if relation is sympy.false:
            from cnncalc.render.math import formula_text

            given = ", ".join(f"{k}={v}" for k, v in values.items())
            field = f", field '{requirement.field}'" if requirement.field else ""
            raise CnncalcError(
                f"{given} breaks layer '{requirement.layer}'{field}: it requires "
                f"{formula_text(requirement.relation)}, and "
                f"{formula_text(requirement.relation, values=mapping)} is false"
            )
        if relation is not sympy.true:
            requirements.append(replace(requirement, relation=relation))
    substituted = _deep(report, mapping)
    return replace(substituted, requirements=tuple(requirements))


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
