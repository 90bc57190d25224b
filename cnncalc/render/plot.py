"""``cnncalc plot``: each layer's parameters and FLOPs as bars, to see where they concentrate.

Two panels side by side share the layer axis: parameters (trainable and not)
and FLOPs under the report's convention, each bar labelled with its share of
the total (AlexNet's fc6 holds 60% of the parameters and 5% of the FLOPs; its
convolutions the reverse). Layers with neither are left out. Needs matplotlib
(``pip install 'cnncalc[plot]'``); the Agg backend, so no display is needed.
Names are drawn as written: a ``$`` in one is no mathtext and control characters
are shown as escapes (:func:`cnncalc.safe_text.mathtext`).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.safe_text import mathtext, show_name

if TYPE_CHECKING:
    from cnncalc.analysis import LayerReport, Report

FORMATS = (".svg", ".png", ".pdf")
MAX_BARS = 500
"""The most bars a plot draws. matplotlib lays out a bar with its labels in about
10 ms, growing faster than linearly with their number (1,000 bars: 10 s), and a
chart of more is too tall to read (0.28 in a bar: 140 in at 500): fold the layers
by name (``--depth``) instead."""
_BAR_HEIGHT_INCHES = 0.28
_COLOURS = {"params": "#4c72b0", "flops": "#dd8452"}


def plot(report: Report, path: str | Path) -> None:
    """Write the bar chart of ``report`` to ``path`` (.svg, .png or .pdf, by its suffix)."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise CnncalcError(f"plot writes {', '.join(FORMATS)} files, not '{path.name}'")
    rows = [layer for layer in report.layers if _params(layer) or layer.flops]
    if any(not isinstance(value, int) for r in rows for value in (_params(r), r.flops)):
        raise CnncalcError("plot needs numbers: give the size symbols values with --subs")
    if not rows:
        raise CnncalcError(f"{report.name}: no layer has parameters or FLOPs to plot")
    if len(rows) > MAX_BARS:
        raise CnncalcError(
            f"{report.name}: plot draws at most {MAX_BARS} bars, and {len(rows):,} layers have "
            f"parameters or FLOPs{_folding_hint(report)}"
        )
    figure = _figure(report, rows)
    import matplotlib

    # Identical runs write identical SVG files: fixed ids, no creation date. SVG
    # keeps text as text, so a viewer draws names in any script with its own fonts;
    # a PNG without a CJK font shows boxes for those, which is not worth a warning.
    with (
        matplotlib.rc_context({"svg.hashsalt": "cnncalc", "svg.fonttype": "none"}),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure.savefig(path, metadata=_metadata(path.suffix.lower()), bbox_inches="tight")


def _folding_hint(report: Report) -> str:
    """``: fold them with --depth 2 (340 bars)``: the deepest folding that fits, if any."""
    deepest = max(layer.name.count(".") for layer in report.layers)
    for depth in range(deepest, 0, -1):
        folded = report.folded(depth).layers
        bars = sum(1 for layer in folded if _params(layer) or layer.flops)
        if bars <= MAX_BARS:
            return f": fold them by name with --depth {depth} ({bars:,} bars)"
    if deepest:
        return f"; folded by name (--depth 1) they are still over {MAX_BARS}"
    return " (and their names, without dots, do not fold with --depth)"


def _params(layer: LayerReport) -> int:
    total: int = layer.trainable_params + layer.non_trainable_params
    return total


def _metadata(suffix: str) -> dict[str, str | None]:
    if suffix == ".svg":
        return {"Date": None, "Creator": "cnncalc"}
    if suffix == ".pdf":
        return {"CreationDate": None, "Creator": "cnncalc"}
    return {"Software": "cnncalc"}


def _figure(report: Report, rows: list[LayerReport]) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    # Names cut to 60 characters: a long one would leave the bars no room (found by the fuzzer).
    names = [mathtext(show_name(layer.name)) for layer in rows]
    height = max(2.5, 1.2 + _BAR_HEIGHT_INCHES * len(rows))
    figure = Figure(figsize=(11, height), layout="constrained")
    params_axes, flops_axes = figure.subplots(1, 2, sharey=True)
    panels = [
        (params_axes, [_params(layer) for layer in rows], "params", "Parameters"),
        (flops_axes, [int(layer.flops) for layer in rows], "flops",
         f"FLOPs ({report.convention.value} convention)"),
    ]  # fmt: skip
    positions = list(range(len(rows)))
    for axes, values, key, title in panels:
        total = sum(values)
        bars = axes.barh(positions, values, color=_COLOURS[key], height=0.7)
        axes.bar_label(
            bars,
            labels=[f" {_share(value, total)}" for value in values],
            fontsize=8,
        )
        axes.set_title(f"{title}\ntotal {total:,}{_trainable_note(report, key)}", fontsize=10)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _si(x)))
        axes.margins(x=0.18)  # room for the share labels
        axes.grid(axis="x", alpha=0.3)
        axes.set_axisbelow(True)
    params_axes.set_yticks(positions, names, fontsize=8)
    params_axes.invert_yaxis()  # input at the top, as the table reads
    figure.suptitle(mathtext(show_name(report.name, 120)), fontsize=12)
    return figure


def _trainable_note(report: Report, key: str) -> str:
    """`` (60,000 trainable)`` where some parameters are not (LeNet-5's RBF, Keras BN)."""
    if key != "params" or report.totals.non_trainable_params == 0:
        return ""
    return f" ({report.totals.trainable_params:,} trainable)"


def _share(value: int, total: int) -> str:
    if value == 0:
        return ""
    percent = 100 * value / total  # a label, not a count: the bar's value stays exact
    return f"{percent:.0f}%" if percent >= 1 else "<1%"


def _si(value: float) -> str:
    """Axis ticks: ``60M``, ``1.5G``."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:g}{suffix}"
    return f"{value:g}"


if TYPE_CHECKING:
    from matplotlib.figure import Figure
