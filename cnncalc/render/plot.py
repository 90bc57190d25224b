"""``cnncalc plot``: each layer's parameters and FLOPs as bars, to see where they concentrate.

Two panels side by side share the layer axis: parameters (trainable and not)
and FLOPs under the report's convention, each bar labelled with its share of
the total (AlexNet's fc6 holds 60% of the parameters and 5% of the FLOPs; its
convolutions the reverse). Layers with neither are left out. Needs matplotlib
(``pip install 'cnncalc[plot]'``); the Agg backend, so no display is needed.
Names are drawn as written: a ``$`` in one is no mathtext and control characters
are shown as escapes (:func:`cnncalc.safe_text.mathtext`).

Chinese (a spec's names, or the words under ``--lang zh``) is drawn in an
installed CJK font, found by :func:`cnncalc.render.fonts.fallback`; when no
installed font has some characters, one ``warning:`` line says so and, for
Chinese, how to install a font, since a PNG or PDF would show them as empty
boxes. An SVG keeps its text as text, which the viewer draws with its own fonts:
it names the font found, and needs no warning.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.render.fonts import fallback, is_cjk
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
MISSING_SHOWN = 5
"""The most characters a missing-font warning lists (then ``…``)."""


def plot(report: Report, path: str | Path) -> None:
    """Write the bar chart of ``report`` to ``path`` (.svg, .png or .pdf, by its suffix)."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise CnncalcError(
            _("plot writes {formats} files, not '{name}'").format(
                formats=", ".join(FORMATS), name=path.name
            )
        )
    rows = [layer for layer in report.layers if _params(layer) or layer.flops]
    if any(not isinstance(value, int) for r in rows for value in (_params(r), r.flops)):
        raise CnncalcError(_("plot needs numbers: give the size symbols values with --subs"))
    if not rows:
        raise CnncalcError(
            _("{network}: no layer has parameters or FLOPs to plot").format(network=report.name)
        )
    if len(rows) > MAX_BARS:
        raise CnncalcError(
            _(
                "{network}: plot draws at most {most} bars, and {layers} layers have "
                "parameters or FLOPs{hint}"
            ).format(
                network=report.name,
                most=MAX_BARS,
                layers=f"{len(rows):,}",
                hint=_folding_hint(report),
            )
        )
    words = _words(report, rows)
    import matplotlib

    fonts = fallback(words.texts())
    families = [*matplotlib.rcParams["font.family"], *fonts.families]
    # Identical runs write identical SVG files: fixed ids, no creation date.
    with (
        matplotlib.rc_context(
            {"svg.hashsalt": "cnncalc", "svg.fonttype": "none", "font.family": families}
        ),
        warnings.catch_warnings(),
    ):
        if fonts.missing:  # said once above (or left to the SVG's viewer), not once a glyph
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure = _figure(words, rows)
        figure.savefig(path, metadata=file_metadata(path.suffix.lower()), bbox_inches="tight")
    # After the file is written: a run that fails prints its one error line and nothing else.
    if fonts.missing and path.suffix.lower() != ".svg":
        print(missing_fonts_warning(fonts.missing), file=sys.stderr)


def missing_fonts_warning(missing: str) -> str:
    """The one line that says which characters no installed font has, and what to do."""
    if any(is_cjk(ch) for ch in missing):
        return _(
            "warning: no installed font has Chinese characters, so the plot shows them as "
            "empty boxes; install one (Debian/Ubuntu: sudo apt install fonts-noto-cjk; "
            "macOS and Windows come with one) or write an .svg"
        )
    shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing[:MISSING_SHOWN])
    more = " …" if len(missing) > MISSING_SHOWN else ""
    return _(
        "warning: no installed font has {characters}: the plot shows them as empty boxes"
    ).format(characters=shown + more)


def _folding_hint(report: Report) -> str:
    """``: fold them with --depth 2 (340 bars)``: the deepest folding that fits, if any."""
    deepest = max(layer.name.count(".") for layer in report.layers)
    for depth in range(deepest, 0, -1):
        folded = report.folded(depth).layers
        bars = sum(1 for layer in folded if _params(layer) or layer.flops)
        if bars <= MAX_BARS:
            return _(": fold them by name with --depth {depth} ({bars} bars)").format(
                depth=depth, bars=f"{bars:,}"
            )
    if deepest:
        return _("; folded by name (--depth 1) they are still over {most}").format(most=MAX_BARS)
    return _(" (and their names, without dots, do not fold with --depth)")


def _params(layer: LayerReport) -> int:
    total: int = layer.trainable_params + layer.non_trainable_params
    return total


def file_metadata(suffix: str) -> dict[str, str | None]:
    """What matplotlib writes into the file: no date, so identical runs write identical files."""
    if suffix == ".svg":
        return {"Date": None, "Creator": "cnncalc"}
    if suffix == ".pdf":
        return {"CreationDate": None, "Creator": "cnncalc"}
    return {"Software": "cnncalc"}


@dataclass(frozen=True, slots=True)
class _Panel:
    key: str
    """``params`` or ``flops``: the bars' colour."""
    values: list[int]
    heading: str
    """The panel's title: what it counts, and the total."""


@dataclass(frozen=True, slots=True)
class _Words:
    """Every text the chart shows but the tick numbers and shares (digits, ``%``)."""

    title: str
    names: list[str]
    panels: list[_Panel]

    def texts(self) -> list[str]:
        return [self.title, *self.names, *(panel.heading for panel in self.panels)]


def _words(report: Report, rows: list[LayerReport]) -> _Words:
    """The chart's texts, in the active language, ready for matplotlib (``$`` escaped)."""
    # Names cut to 60 characters: a long one would leave the bars no room (found by the fuzzer).
    names = [mathtext(show_name(layer.name)) for layer in rows]
    params = [_params(layer) for layer in rows]
    flops = [int(layer.flops) for layer in rows]
    what = _("FLOPs ({convention} convention)").format(convention=report.convention.value)
    panels = [
        _Panel("params", params, _heading(_("Parameters"), sum(params), _trainable_note(report))),
        _Panel("flops", flops, _heading(what, sum(flops), "")),
    ]
    return _Words(mathtext(show_name(report.name, 120)), names, panels)


def _heading(what: str, total: int, note: str) -> str:
    return "{what}\n{total}{note}".format(
        what=mathtext(what), total=_("total {count}").format(count=f"{total:,}"), note=note
    )


def _figure(words: _Words, rows: list[LayerReport]) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    height = max(2.5, 1.2 + _BAR_HEIGHT_INCHES * len(rows))
    figure = Figure(figsize=(11, height), layout="constrained")
    params_axes, flops_axes = figure.subplots(1, 2, sharey=True)
    positions = list(range(len(rows)))
    for axes, panel in zip((params_axes, flops_axes), words.panels, strict=True):
        total = sum(panel.values)
        bars = axes.barh(positions, panel.values, color=_COLOURS[panel.key], height=0.7)
        axes.bar_label(
            bars,
            labels=[f" {_share(value, total)}" for value in panel.values],
            fontsize=8,
        )
        axes.set_title(panel.heading, fontsize=10)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: si_number(x)))
        axes.margins(x=0.18)  # room for the share labels
        axes.grid(axis="x", alpha=0.3)
        axes.set_axisbelow(True)
    params_axes.set_yticks(positions, words.names, fontsize=8)
    params_axes.invert_yaxis()  # input at the top, as the table reads
    figure.suptitle(words.title, fontsize=12)
    return figure


def _trainable_note(report: Report) -> str:
    """`` (60,000 trainable)`` where some parameters are not (LeNet-5's RBF, Keras BN)."""
    if report.totals.non_trainable_params == 0:
        return ""
    return _(" ({count} trainable)").format(count=f"{report.totals.trainable_params:,}")


def _share(value: int, total: int) -> str:
    if value == 0:
        return ""
    percent = 100 * value / total  # a label, not a count: the bar's value stays exact
    return f"{percent:.0f}%" if percent >= 1 else "<1%"


def si_number(value: float) -> str:
    """Axis ticks: ``60M``, ``1.5G``."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:g}{suffix}"
    return f"{value:g}"


if TYPE_CHECKING:
    from matplotlib.figure import Figure
