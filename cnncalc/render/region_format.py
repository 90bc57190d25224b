"""``cnncalc solve … --for a,n``: the region where a condition holds, as rows of runs.

Text: a line per row, the earlier unknowns' values, then the last unknown's runs
(``k = 2…3: n = 11…24``), after a line saying how many points hold; JSON: the
rows with each unknown's ``[first, last]`` (the last unknown's runs as a list of
them), the count and how it was found (English words, as JSON keys are).
"""

from __future__ import annotations

import json
from typing import Any

from cnncalc.errors import CnncalcError, show_value
from cnncalc.i18n import _, ngettext
from cnncalc.render.derivations import condition_text
from cnncalc.render.math import formula_text
from cnncalc.safe_text import visible
from cnncalc.solve import Region, RegionRow


def region_text(region: Region, condition: str, fmt: str = "table") -> str:
    """The region in ``fmt`` (``table`` or ``json``)."""
    names = region.unknowns
    if fmt == "json":
        data = {
            "condition": condition,
            "symbols": list(names),
            "ranges": {name: list(span) for name, span in zip(names, region.ranges, strict=True)},
            "rows": [_json_row(names, row) for row in region.rows],
            "count": region.count,
            "method": region.method,
        }
        return json.dumps(data, indent=2) + "\n"
    if fmt != "table":
        raise CnncalcError(
            _("solve writes table or json, not {format}").format(format=show_value(fmt))
        )
    shown = visible(condition)  # the user's text: shown, never obeyed
    ranges = ", ".join(
        f"{visible(name)} = {_span(first, last)}"
        for name, (first, last) in zip(names, region.ranges, strict=True)
    )
    if not region.count:
        return (
            _("No point of {ranges} satisfies {condition} (found by trying each).").format(
                ranges=ranges, condition=shown
            )
            + "\n"
        )
    head = ngettext(
        "{condition} holds at {count} point of {ranges}:",
        "{condition} holds at {count} points of {ranges}:",
        region.count,
    ).format(condition=shown, count=f"{region.count:,}", ranges=ranges)
    lines = [head, *(f"  {_row_text(names, row)}" for row in region.rows)]
    return "\n".join([*lines, _found(region)]) + "\n"


def _found(region: Region) -> str:
    """How the region was found: every point tried, or the last unknown's bounds."""
    formula = condition_text(region.condition)
    if region.bounds is None:
        return _("Found by trying every point, from {formula}.").format(formula=formula)
    last = visible(region.unknowns[-1])
    others = ", ".join(visible(name) for name in region.unknowns[:-1])
    sides = [
        _extreme("max", region.bounds.lows, f"{last} ≥ "),
        _extreme("min", region.bounds.highs, f"{last} ≤ "),
    ]
    bounds = ", ".join(side for side in sides if side)
    return _(
        "Found in closed form in {symbol} ({bounds}, within its range), at every point of "
        "{others}; from {formula}."
    ).format(symbol=last, bounds=bounds, others=others, formula=formula)


def _extreme(name: str, formulas: tuple[Any, ...], prefix: str) -> str:
    """``n ≥ 7·k − 3``, or ``n ≥ max(…, …)`` for several bounds; empty for none."""
    if not formulas:
        return ""
    shown = [formula_text(formula) for formula in formulas]
    return prefix + (shown[0] if len(shown) == 1 else f"{name}({', '.join(shown)})")


def _span(first: int, last: int | None) -> str:
    if last is None:
        return f"≥ {first}"
    return str(first) if first == last else f"{first}…{last}"


def _row_text(names: tuple[str, ...], row: RegionRow) -> str:
    *outer_names, run_name, last_name = (visible(name) for name in names)
    parts = [f"{name} = {value}" for name, value in zip(outer_names, row.outer, strict=True)]
    parts.append(f"{run_name} = {_span(*row.run)}")
    inner = ", ".join(_span(first, last) for first, last in row.inner)
    return f"{', '.join(parts)}: {last_name} = {inner}"


def _json_row(names: tuple[str, ...], row: RegionRow) -> dict[str, Any]:
    *outer, run_name, last_name = names
    data: dict[str, Any] = {name: [v, v] for name, v in zip(outer, row.outer, strict=True)}
    data[run_name] = list(row.run)
    data[last_name] = [list(span) for span in row.inner]
    return data
