"""``cnncalc sweep … --plot FILE``: one metric against another at every point kept, the
Pareto front marked.

Each grid point kept is a dot at (``x``, ``y``), MACs against parameters unless
told. The Pareto front is the most of ``x`` for the least of ``y``
(:func:`cnncalc.sweep.pareto_front` with ``most_x``): the points where no other
point has as much ``x`` or more for as little ``y`` or less, one of them strictly
(with parameters as a model's capacity and MACs as its cost, the largest network
each budget of MACs affords). Two costs minimised together would make the front
the grid's smallest network alone, whenever the costs grow with every size. The
front's points are drawn larger, joined by a line, and labelled with their grid
values when there are at most :data:`LABELLED` of them. The
counts stay exact everywhere else; only their positions on the page are floats.
Needs matplotlib (``pip install 'cnncalc[plot]'``), imported here only; fonts,
file metadata and the missing-font warning are :mod:`cnncalc.render.plot`'s.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.render.fonts import fallback
from cnncalc.render.plot import FORMATS, file_metadata, missing_fonts_warning, si_number
from cnncalc.render.text import METRIC_HEADINGS
from cnncalc.safe_text import mathtext, show_name
from cnncalc.sweep import Sweep, pareto_front, value_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_POINTS = 100_000
"""The most points a sweep's plot draws: matplotlib takes seconds for more, and an SVG of
them is tens of megabytes. ``--where`` or a coarser grid draws fewer."""
LABELLED = 12
"""The most points of the front labelled with their grid values."""
_COLOURS = {"points": "#9aa5b1", "front": "#dd8452"}


def plot_sweep(result: Sweep, path: str | Path, x: str = "params", y: str = "macs") -> None:
    """Write ``y`` against ``x`` at every point of ``result`` to ``path`` (.svg, .png, .pdf)."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise CnncalcError(
            _("plot writes {formats} files, not '{name}'").format(
                formats=", ".join(FORMATS), name=path.name
            )
        )
    if not len(result):
        raise CnncalcError(_("{network}: no point of the sweep to plot").format(
            network=show_name(result.network)))  # fmt: skip
    if len(result) > MAX_POINTS:
        raise CnncalcError(
            _(
                "a sweep's plot draws at most {most} points, and this one has {count}: "
                "narrow it with --where or a coarser --grid"
            ).format(most=f"{MAX_POINTS:,}", count=f"{len(result):,}")
        )
    xs, ys = result.columns[x], result.columns[y]
    front = [i for i, on in enumerate(pareto_front(xs, ys, most_x=True)) if on]
    front.sort(key=lambda i: (xs[i], ys[i]))
    labels = [_label(result, i) for i in front] if len(front) <= LABELLED else []
    what = _("Pareto front: the most {x} for the fewest {y}").format(
        x=_(METRIC_HEADINGS[x]), y=_(METRIC_HEADINGS[y])
    )
    title = mathtext(show_name(result.network, 120))
    words = [title, _(METRIC_HEADINGS[x]), _(METRIC_HEADINGS[y]), what, *labels]
    import matplotlib

    fonts = fallback(words)
    families = [*matplotlib.rcParams["font.family"], *fonts.families]
    with (
        matplotlib.rc_context(
            {"svg.hashsalt": "cnncalc", "svg.fonttype": "none", "font.family": families}
        ),
        warnings.catch_warnings(),
    ):
        if fonts.missing:
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure = _figure(result, (x, y), front, labels, (title, what))
        figure.savefig(path, metadata=file_metadata(path.suffix.lower()), bbox_inches="tight")
    if fonts.missing and path.suffix.lower() != ".svg":
        print(missing_fonts_warning(fonts.missing), file=sys.stderr)


def _label(result: Sweep, row: int) -> str:
    """``n=224, a=3/4``: a point's grid values."""
    pairs = zip(result.axes, result.point(row), strict=True)
    return mathtext(", ".join(f"{show_name(axis.name)}={value_text(v)}" for axis, v in pairs))


def _figure(
    result: Sweep,
    metrics: tuple[str, str],
    front: list[int],
    labels: list[str],
    words: tuple[str, str],
) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    (x, y), (title, what) = metrics, words
    xs = [float(v) for v in result.columns[x]]  # positions on the page only
    ys = [float(v) for v in result.columns[y]]
    figure = Figure(figsize=(8, 6), layout="constrained")
    axes = figure.subplots()
    small = 4 if len(xs) > 10_000 else 12
    axes.scatter(xs, ys, s=small, color=_COLOURS["points"], linewidths=0)
    axes.plot([xs[i] for i in front], [ys[i] for i in front], drawstyle="steps-pre",
              color=_COLOURS["front"], linewidth=1, alpha=0.6)  # fmt: skip
    axes.scatter([xs[i] for i in front], [ys[i] for i in front], s=30,
                 color=_COLOURS["front"], label=what, zorder=3)  # fmt: skip
    for i, label in zip(front, labels, strict=False):
        axes.annotate(label, (xs[i], ys[i]), textcoords="offset points", xytext=(5, 4),
                      fontsize=7)  # fmt: skip
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(FuncFormatter(lambda value, _: si_number(value)))
    axes.set_xlabel(mathtext(_(METRIC_HEADINGS[x])))
    axes.set_ylabel(mathtext(_(METRIC_HEADINGS[y])))
    axes.grid(alpha=0.3)
    axes.set_axisbelow(True)
    axes.legend(loc="upper left", fontsize=8)
    axes.set_title(title, fontsize=11)
    return figure
