"""The arithmetic-intensity report (``cnncalc SPEC --roofline``): a table or JSON.

Per layer: FLOPs, bytes read, weights read and bytes written on the batch, and
FLOPs per byte; given a device (``--device``, or ``--peak-flops`` and
``--bandwidth``), the roofline's least time, compute and memory, and which
bounds it. The table rounds (intensity to 2 decimals, times to 3 decimals of a
µs, half to even); JSON gives every ratio exactly, as an integer numerator and
denominator (exact, and read as numbers by any JSON reader, where a string
would need parsing), beside a 6-decimal rendering of it.
"""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from typing import Any

from cnncalc.analysis import Report
from cnncalc.arith import Dim
from cnncalc.conventions import Convention
from cnncalc.dtypes import dtype_bytes
from cnncalc.i18n import N_, _, pgettext
from cnncalc.render.table_format import Grid, draw, fill
from cnncalc.render.text import convention_note, count, sentences, shape
from cnncalc.roofline import (
    Bound,
    LayerIntensity,
    Roof,
    bound,
    decimal,
    intensities,
    summed,
    total_bound,
)
from cnncalc.safe_text import json_safe, visible

BYTES_NOTE = N_(
    "Bytes: each tensor a layer reads, once; its parameters and the buffers inference reads, "
    "once a batch; its outputs written. Views (permute, split, dropout, identity, a flatten "
    "or reshape PyTorch need not copy, …) move nothing. Each layer one fused kernel: no "
    "cache reuse across layers."
)
BOUND_NOTE = N_(
    "A lower bound, not a prediction: each layer takes at least max(FLOPs/peak, "
    "bytes/bandwidth); no caches, no kernel launch cost, no overlap limits, every unit at "
    "its peak."
)
JSON_PLACES = 6
"""Decimals of the ``decimal`` rendering beside each exact JSON ratio."""


def render_roofline(
    report: Report,
    fmt: str,
    *,
    batch: int,
    dtype: str,
    convention: Convention,
    roof: Roof | None,
) -> str:
    """Each layer's FLOPs, bytes and intensity on ``batch`` samples; with ``roof``, its bound."""
    rows = intensities(report, dtype, batch, convention)
    totals = summed(rows)
    bounds = [bound(row, roof) for row in rows] if roof is not None else []
    if fmt == "json":
        return _json(
            report, rows, totals, bounds, batch=batch, dtype=dtype, convention=convention, roof=roof
        )
    title = _(
        "{network}: arithmetic intensity at batch {batch} of {shape}, {dtype} "
        "({bytes} bytes a value)"
    ).format(
        network=visible(report.name),
        batch=batch,
        shape=shape(report.input_shape),
        dtype=dtype,
        bytes=dtype_bytes(dtype),
    )
    headers = [
        _("Layer"),
        _("Type"),
        _("FLOPs"),
        _("Bytes read"),
        _("Weight bytes"),
        _("Bytes written"),
        "FLOP/B",
    ]
    body = [[visible(row.name), visible(row.type), *_cells(row)] for row in rows]
    footer = [_("Total"), "", *_cells(totals)]
    caption = sentences(convention_note(convention), _(BYTES_NOTE), _("FLOP/B to 2 decimals."))
    if roof is not None:
        headers += [_("Compute µs"), _("Memory µs"), _("Lower bound µs")]
        for cells, each in zip(body, bounds, strict=True):
            cells.extend(_bound_cells(each))
        seconds = total_bound(bounds)
        memory = sum((b.seconds for b in bounds if b.limit == "memory"), Fraction(0))
        footer += ["", "", _micro(seconds)]
        title += _("; roofline lower bound on {device}").format(device=_roof_name(roof))
        caption = sentences(
            caption,
            _(BOUND_NOTE),
            _roof_text(roof, dtype),
            _(
                "Bound: the layer's least time (µs, 3 decimals) and which limit sets it; "
                "the total sums them ({memory} µs of it in memory-bound layers)."
            ).format(memory=_micro(memory)),
        )
    layout = Grid(
        title="",
        headers=headers,
        right=[False, False, *([True] * (len(headers) - 2))],
        rows=body,
        footer=footer,
        caption=caption,
    )
    drawn = draw(
        layout, page=sys.maxsize, wrapper=fill
    )  # no page limit, no title to be wider than the grid
    assert drawn is not None
    return title + drawn


def _cells(row: LayerIntensity) -> list[str]:
    moved = row.traffic
    if moved.view:
        return [count(row.flops), pgettext("storage", "view"), "", "", ""]
    return [
        count(row.flops),
        count(moved.reads),
        count(moved.weights),
        count(moved.writes),
        _intensity(row.intensity),
    ]


def _intensity(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Fraction):
        return decimal(value, 2)
    return count(value)


def _bound_cells(each: Bound) -> list[str]:
    if each.limit is None:  # a view, or nothing to do
        return ["", "", ""]
    limit = _("compute") if each.limit == "compute" else _("memory")
    return [_micro(each.compute), _micro(each.memory), f"{_micro(each.seconds)} {limit}"]


def _micro(seconds: Fraction) -> str:
    return decimal(seconds * 10**6, 3)


def _roof_name(roof: Roof) -> str:
    return visible(roof.device) if roof.device else _("the given peak and bandwidth")


def _roof_text(roof: Roof, dtype: str) -> str:
    source = _(" ({source})").format(source=_(roof.source)) if roof.source else ""
    return _(
        "Peak {peak} FLOP/s ({dtype}, dense), bandwidth {bandwidth} B/s{source}; ridge point "
        "{ridge} FLOP/B."
    ).format(
        peak=_rate(roof.peak),
        dtype=dtype,
        bandwidth=_rate(roof.bandwidth),
        source=source,
        ridge=decimal(roof.ridge, 2),
    )


def _rate(value: Fraction) -> str:
    """``312e12``: an exact rate in the way datasheets write them (10¹² steps where whole)."""
    for exponent in (12, 9, 6, 3):
        scaled = value / 10**exponent
        if scaled >= 1:
            text = decimal(scaled, 3).rstrip("0").rstrip(".").replace(",", "")
            exact = Fraction(text) == scaled
            return f"{text}e{exponent}" + ("" if exact else _(" (rounded)"))
    return decimal(value, 3)


def _json(
    report: Report,
    rows: list[LayerIntensity],
    totals: LayerIntensity,
    bounds: list[Bound],
    *,
    batch: int,
    dtype: str,
    convention: Convention,
    roof: Roof | None,
) -> str:
    data: dict[str, Any] = {
        "name": report.name,
        "batch": batch,
        "dtype": dtype,
        "bytes_per_value": dtype_bytes(dtype),
        "convention": str(convention),
        "bytes_note": BYTES_NOTE,
    }
    if roof is not None:
        data["device"] = {
            "name": roof.device,
            "source": roof.source,
            "peak_flops_per_second": _ratio(roof.peak),
            "bandwidth_bytes_per_second": _ratio(roof.bandwidth),
            "ridge_point": _ratio(roof.ridge),
            "note": BOUND_NOTE,
        }
    layers = []
    for index, row in enumerate(rows):
        item = {"name": row.name, "type": row.type, **_json_row(row)}
        if bounds:
            item["roofline"] = _json_bound(bounds[index])
        layers.append(item)
    data["layers"] = layers
    data["total"] = _json_row(totals)
    if bounds:
        data["total"]["roofline"] = {
            "seconds": _ratio(total_bound(bounds)),
            "memory_bound_seconds": _ratio(
                sum((b.seconds for b in bounds if b.limit == "memory"), Fraction(0))
            ),
            "compute_bound_seconds": _ratio(
                sum((b.seconds for b in bounds if b.limit == "compute"), Fraction(0))
            ),
        }
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def _json_row(row: LayerIntensity) -> dict[str, Any]:
    moved = row.traffic
    return {
        "flops": _number(row.flops),
        "bytes": {
            "read": _number(moved.reads),
            "weights": _number(moved.weights),
            "written": _number(moved.writes),
            "total": _number(moved.total),
        },
        **({"view": True} if moved.view else {}),
        "intensity": _ratio(row.intensity),
    }


def _json_bound(each: Bound) -> dict[str, Any]:
    return {
        "compute_seconds": _ratio(each.compute),
        "memory_seconds": _ratio(each.memory),
        "seconds": _ratio(each.seconds),
        "bound": each.limit,
    }


def _ratio(value: Any) -> dict[str, Any] | str | None:
    """An exact ratio: ``{"numerator", "denominator", "decimal"}``; a formula as text."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        return {
            "numerator": value.numerator,
            "denominator": value.denominator,
            "decimal": decimal(value, JSON_PLACES).replace(",", ""),
        }
    return str(value)


def _number(value: Dim) -> int | str:
    return value if isinstance(value, int) else str(value)
