"""The JSON report: a stable contract for scripts.

``{"name", "convention", "layers": [{"name", "type", "output_shape", <metrics>}],
"totals": {<metrics>}}``, every count a JSON integer. Extensions beyond that
contract: ``input_shape``, ``output_shape``, per layer ``inputs``, ``params``,
``buffers`` and ``flops_by_convention``. Names are exact: ``json.loads`` gives
back the spec's own strings, with control and invisible characters written as
``\\uXXXX`` escapes (:func:`cnncalc.safe_text.json_safe`), never raw.
"""

from __future__ import annotations

import json
from typing import Any

from cnncalc.analysis import METRICS, Counts, LayerReport, Report, value_text
from cnncalc.arith import Dim
from cnncalc.conventions import Flops
from cnncalc.safe_text import json_safe
from cnncalc.work import Work


def _number(value: Dim) -> int | str:
    """An int as a JSON number; a formula as text; a formula that is a number (``n**0``
    makes a stride of 1) as that number (found by the fuzzer)."""
    if isinstance(value, int):
        return value
    return int(value) if value.is_Integer else str(value)


def _metrics(counts: Counts, flops: Flops) -> dict[str, Any]:
    data: dict[str, Any] = {name: _number(counts.metric(name)) for name in METRICS}
    data["flops_by_convention"] = {name: _number(value) for name, value in flops.items()}
    return data


def to_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data.

    A symbolic report's counts are formulas as text that sympy parses back
    (``floor(n/4) - 7``); its ``requirements`` say what the symbols must satisfy.
    """
    symbolic = bool(report.symbols)
    by_convention = _by_convention(report, memo=not symbolic)
    data: dict[str, Any] = {
        "name": report.name,
        "convention": report.convention.value,
        **_values(report),
        "input_shape": [_number(d) for d in report.input_shape],
        **_other_inputs(report),
        "output_shape": [_number(d) for d in report.output_shape],
        "layers": [
            {
                "name": layer.name,
                "type": layer.type,
                "inputs": list(layer.inputs),
                "output_shape": [_number(d) for d in layer.output_shape],
                **_outputs(layer),
                **_metrics(layer, flops),
            }
            for layer, flops in zip(report.layers, by_convention, strict=True)
        ],
        "totals": _metrics(report.totals, Flops.total(by_convention)),
    }
    if report.requirements:
        from cnncalc.render.text import requirements

        data["requirements"] = requirements(report, "ascii")
        data["requirements_latex"] = requirements(report, "latex")
    if symbolic:
        for layer, layer_data in zip(report.layers, data["layers"], strict=True):
            layer_data["latex"] = _latex(layer, layer.output_shape)
        data["totals"]["latex"] = _latex(report.totals, report.output_shape)
    return data


def _values(report: Report) -> dict[str, Any]:
    """``values``: the values put in for the size symbols (the spec's ``values``, ``--subs``),
    by name, an int as a JSON number (an exact rational as text, ``"3/4"``); only for a
    report that had some put in (the contract grows)."""
    if not report.values:
        return {}
    return {
        "values": {
            name: value if type(value) is int else value_text(value)
            for name, value in report.values
        }
    }


def _outputs(layer: LayerReport) -> dict[str, Any]:
    """``output_shapes`` of a layer with several outputs (a ``split``; ``output_shape`` is
    the first), read by later layers as ``NAME.0``, ``NAME.1``, …; nothing for one output."""
    if not layer.output_shapes:
        return {}
    return {"output_shapes": [[_number(d) for d in shape] for shape in layer.output_shapes]}


def _by_convention(report: Report, *, memo: bool) -> list[Flops]:
    """Each layer's counts under every convention, each counted once.

    A network repeats a few structures (a 3×3 convolution at one size), so with
    ``memo`` a layer whose work equals an earlier one's takes its counts. Not in
    a symbolic report: there ``4`` and sympy's ``Integer(4)`` are equal keys that
    print differently.
    """
    if not memo:
        return [layer.flops_by_convention for layer in report.layers]
    seen: dict[Work, Flops] = {}
    counts: list[Flops] = []
    for layer in report.layers:
        flops = seen.get(layer.work)
        if flops is None:
            flops = seen[layer.work] = layer.flops_by_convention
        counts.append(flops)
    return counts


def _latex(counts: Counts, output_shape: tuple[Dim, ...]) -> dict[str, str]:
    """Every metric (and the output shape) of a symbolic report as LaTeX."""
    from cnncalc.render.text import count, shape

    latex = {name: count(counts.metric(name), "latex") for name in METRICS}
    latex["output_shape"] = shape(output_shape, "latex").replace("×", r" \times ")
    return latex


def render(report: Report) -> str:
    """The report as indented JSON."""
    # ensure_ascii=False keeps Chinese names readable; json_safe escapes what is hidden.
    return json_safe(json.dumps(to_dict(report), indent=2, ensure_ascii=False)) + "\n"


def _other_inputs(report: Report) -> dict[str, Any]:
    """``other_inputs``, by name, only for a network that has them (the contract grows)."""
    if not report.other_inputs:
        return {}
    return {
        "other_inputs": {name: [_number(d) for d in shape] for name, shape in report.other_inputs}
    }
