"""Several variants of a network side by side (``cnncalc compare``): the data, no rendering.

A variant is a numeric report: a spec at its ``values``, or one spec at several
``--subs``. Each is folded alike (``--depth``, :meth:`~cnncalc.analysis.Report.folded`);
rows are matched by layer name (the k-th row named ``x`` with the k-th), in the first
variant's order, a row only a later variant has placed after the row it follows
there. Every count of a variant but the first (the base) comes with its difference
from the base's, an int, and its ratio to it, an exact :class:`~fractions.Fraction`
(None where the base's count is 0, or where either lacks the row); renderers show the
ratio to :data:`RATIO_PLACES` decimals, rounded half up, and JSON as the exact fraction.
Merging the rows costs time linear in the rows of all variants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import PurePath

from cnncalc.analysis import METRICS, Counts, Report
from cnncalc.conventions import Convention
from cnncalc.errors import CnncalcError, show_value
from cnncalc.i18n import _

DEFAULT_METRICS = ("params", "macs", "flops")
"""The counts compared unless ``--metrics`` says otherwise: size and the two costs."""
RATIO_PLACES = 3
"""Decimals of a ratio as text (``1.594``): a thousandth tells two variants apart."""

Key = tuple[str, int]
"""A row's key: its name, and how many rows of that name came before it."""


@dataclass(frozen=True, slots=True)
class Variant:
    """One column group: its label, the spec it comes from, its report (numbers)."""

    name: str
    """The spec's file stem, its ``--subs`` text, or both (see :func:`variant_names`)."""
    source: str
    """The spec's path as given."""
    report: Report


@dataclass(frozen=True, slots=True)
class Cell:
    """One count of one variant in one row, against the base's."""

    value: int
    delta: int | None
    """``value`` minus the base's; None for the base itself or where it lacks the row."""
    ratio: Fraction | None
    """``value`` over the base's; None as ``delta`` is, or where the base's count is 0."""


@dataclass(frozen=True, slots=True)
class Row:
    """A layer (or a folded group, or the totals) across the variants."""

    name: str
    cells: tuple[tuple[Cell, ...] | None, ...]
    """Per variant, its cell per metric; None where the variant has no such row."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """The variants, the metrics compared, and a row per layer, then the totals."""

    variants: tuple[Variant, ...]
    metrics: tuple[str, ...]
    convention: Convention
    depth: int | None
    rows: tuple[Row, ...]
    totals: Row

    @property
    def base(self) -> Variant:
        """The variant every other is compared with: the first."""
        return self.variants[0]


def compare(
    variants: Sequence[Variant],
    metrics: Sequence[str] = DEFAULT_METRICS,
    depth: int | None = None,
) -> Comparison:
    """The variants' counts side by side, with each one's differences from the first and
    ratios to it; ``depth`` folds every report as ``--depth`` does.

    Raises :class:`CnncalcError` for a variant whose counts are formulas (a size symbol
    without a value) or variants counted under different FLOP conventions.
    """
    if not variants:
        raise ValueError("compare needs a variant")
    convention = variants[0].report.convention
    for variant in variants:
        symbols = sorted(variant.report.symbols)
        if symbols:
            raise CnncalcError(
                _(
                    "{variant}: compare shows numbers, and {symbols} have no value: give them "
                    "with --subs, or in the spec's 'values'"
                ).format(variant=show_value(variant.name, 60), symbols=", ".join(symbols))
            )
        if variant.report.convention is not convention:
            raise CnncalcError(
                _("{variant} counts FLOPs under '{other}', {base} under '{convention}'").format(
                    variant=show_value(variant.name, 60),
                    other=variant.report.convention,
                    base=show_value(variants[0].name, 60),
                    convention=convention,
                )
            )
    reports = [v.report if depth is None else v.report.folded(depth) for v in variants]
    by_key = [_keyed(report) for report in reports]
    order: list[Key] = list(by_key[0])
    for keyed in by_key[1:]:
        order = _merge(order, list(keyed))
    chosen = tuple(metrics)
    rows = tuple(_row(key[0], [keyed.get(key) for keyed in by_key], chosen) for key in order)
    totals = _row("", [report.totals for report in reports], chosen)
    return Comparison(tuple(variants), chosen, convention, depth, rows, totals)


def _keyed(report: Report) -> dict[Key, Counts]:
    """The report's rows by (name, occurrence), in order."""
    seen: dict[str, int] = {}
    keyed: dict[Key, Counts] = {}
    for layer in report.layers:
        occurrence = seen.get(layer.name, 0)
        seen[layer.name] = occurrence + 1
        keyed[layer.name, occurrence] = layer
    return keyed


def _merge(order: list[Key], keys: list[Key]) -> list[Key]:
    """``order`` with the keys of ``keys`` it lacks, each after the key it follows in
    ``keys`` (first if it follows none): linear, not an insertion per key."""
    known = set(order)
    after: dict[Key | None, list[Key]] = {}
    anchor: Key | None = None
    for key in keys:
        if key in known:
            anchor = key
        else:
            after.setdefault(anchor, []).append(key)
    merged = list(after.get(None, ()))
    for key in order:
        merged.append(key)
        merged += after.get(key, ())
    return merged


def _row(name: str, counts: Sequence[Counts | None], metrics: tuple[str, ...]) -> Row:
    base = counts[0]
    cells: list[tuple[Cell, ...] | None] = []
    for index, variant in enumerate(counts):
        if variant is None:
            cells.append(None)
            continue
        row = []
        for metric in metrics:
            value = _int(variant.metric(metric))
            if index == 0 or base is None:
                row.append(Cell(value, None, None))
                continue
            reference = _int(base.metric(metric))
            ratio = Fraction(value, reference) if reference else None
            row.append(Cell(value, value - reference, ratio))
        cells.append(tuple(row))
    return Row(name, tuple(cells))


def _int(value: object) -> int:
    """A count of a numeric report: an int (sympy's ``Integer`` where a formula came out
    whole)."""
    if type(value) is int:
        return value
    whole: int = int(value)  # type: ignore[call-overload]  # compare() refused formulas
    return whole


def ratio_text(ratio: Fraction, places: int = RATIO_PLACES) -> str:
    """``1.594``: an exact ratio to ``places`` decimals, rounded half up, exactly (no float:
    a ratio of two 500-bit counts is still right to the last decimal)."""
    scaled = ratio * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    if places == 0:
        return f"{whole:,}"
    return f"{whole // 10**places:,}.{whole % 10**places:0{places}d}"


def parse_metrics(text: str) -> tuple[str, ...]:
    """``"params,macs"`` → ``("params", "macs")``: names of
    :data:`~cnncalc.analysis.METRICS`, each once, in the order given."""
    names = [part.strip() for part in text.split(",")]
    if not any(names):
        raise CnncalcError(
            _("--metrics expects metric names, like params,macs; metrics: {names}").format(
                names=", ".join(METRICS)
            )
        )
    for name in names:
        if name not in METRICS:
            from cnncalc.spec.fields import suggest

            raise CnncalcError(
                _("--metrics: no metric named {name}{hint}; metrics: {names}").format(
                    name=show_value(name),
                    hint=suggest(name, list(METRICS)),
                    names=", ".join(METRICS),
                )
            )
    return tuple(dict.fromkeys(names))


def variant_names(paths: Sequence[str], subs: Sequence[str]) -> list[str]:
    """Each variant's label, specs first, then their ``--subs`` (variants are every spec
    at every ``--subs``): the file's stem (its path where two stems are the same), the
    ``--subs`` text, or both (``lenet5 n=32``) for several specs at several values."""
    stems = [PurePath(path).stem for path in paths]
    files = [
        path if stems.count(stem) > 1 else stem for path, stem in zip(paths, stems, strict=True)
    ]
    if len(subs) <= 1:
        return files
    if len(paths) == 1:
        return list(subs)
    return [f"{file} {text}" for file in files for text in subs]
