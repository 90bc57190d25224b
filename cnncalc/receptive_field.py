"""Receptive fields: which input positions each layer's outputs see, per spatial axis.

For every layer and spatial axis, the field of output position 0 is ``size``
input positions starting at ``start`` (negative where it reaches into padding),
and output position ``i`` sees the same span shifted by ``i·jump`` (the
effective stride). Through a window of ``k`` values (a convolution's
``d·(k − 1) + 1`` with dilation ``d``), stride ``s`` and padding ``p`` before:

    size_out = size_in + (k − 1)·jump_in,   jump_out = jump_in·s,
    start_out = start_in − p·jump_in

(Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural
Networks", Distill 2019, eq. 1–3, with the start at the field's first position
rather than its centre, so that every value stays an integer). Zero padding
shifts the start, cropping too; element-wise layers keep the field. Where
branches meet (``add``, ``multiply``, ``concat`` of channels) the field is the
union of the branches' spans, exact when their grids align (equal jumps, and
starts a whole number of jumps apart); a misaligned merge is flagged. Global
pooling, ``dense`` on a flattened map, attention and the like see the whole
input. Through upsampling and transposed convolutions the field no longer
moves by a whole jump per output: it repeats every few outputs, and
:mod:`cnncalc.receptive_periodic` derives it phase by phase (``AxisField.periodic``),
and every layer after them too. Layers whose field cnncalc does not derive
(reshapes of the spatial axes) are marked unknown, and so is every layer after
them that depends on them.

Sizes may be formulas: the same expressions hold for symbols (``solve`` and
``--subs`` apply as for any count). Through a resize the phases are whole
numbers: a formula there (a symbolic kernel, a size a resize depends on) makes
the field unknown, saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from cnncalc import ir
from cnncalc.arith import Dim
from cnncalc.i18n import N_, gettext
from cnncalc.receptive_periodic import (
    MAX_PERIOD,
    Periodic,
    PeriodTooLong,
    Taps,
    compose,
    resize_taps,
    transposed_taps,
    union,
    window_taps,
)
from cnncalc.spec.network import output_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cnncalc.analysis import LayerReport, Report


@dataclass(frozen=True, slots=True)
class AxisField:
    """The field of output position 0 along one spatial axis, and the step between outputs."""

    size: Dim
    jump: Dim
    start: Dim
    """The first input position it sees (negative: in the padding)."""
    periodic: Periodic | None = None
    """Set where the field repeats only every ``periodic.period > 1`` outputs (after a resize),
    or some output reads no input: then ``size`` is the largest field over the outputs,
    ``start`` output 0's (0 where it reads nothing) and ``jump`` the input positions between
    outputs a period apart (the mean jump is ``periodic.jump``, a fraction)."""


@dataclass(frozen=True, slots=True)
class ReceptiveField:
    """A layer's receptive field: per spatial axis, the whole input, or not derived."""

    axes: tuple[AxisField, ...] = ()
    kind: Literal["axes", "whole", "unknown"] = "axes"
    misaligned: bool = False
    """A merge of branches whose grids do not align: the union at output position 0."""
    why: str = ""
    """Why the field is unknown (the layer that made it so), in English (JSON's)."""
    because: Because | None = None
    """The same reason, to be shown in the language spoken (:meth:`reason`)."""

    def reason(self) -> str:
        """:attr:`why` in the language spoken."""
        return self.because.shown() if self.because is not None else self.why


@dataclass(frozen=True, slots=True)
class Because:
    """Why a layer's field is not derived: an English sentence, marked for the catalog where
    it is written (``N_``), and the values of its placeholders."""

    layer: str
    text: str
    values: tuple[tuple[str, str], ...] = ()

    def english(self) -> str:
        """``layer: sentence`` in English (the JSON report's ``why``)."""
        return f"{self.layer}: {self.text.format(**dict(self.values))}"

    def shown(self) -> str:
        """``layer: sentence`` in the language spoken."""
        return f"{self.layer}: {gettext(self.text).format(**dict(self.values))}"


WHOLE = ReceptiveField(kind="whole")


def receptive_fields(report: Report) -> dict[str, ReceptiveField]:
    """Every layer's receptive field in the network's input, by layer name.

    ``report`` must not be folded (``--depth``): each row's node is read.
    """
    fields: dict[str, ReceptiveField] = {}
    spatial = len(report.input_shape) - 1
    start = ReceptiveField(tuple(AxisField(1, 1, 0) for _ in range(spatial)))
    fields[ir.NETWORK_INPUT] = start
    for name, _ in report.other_inputs:
        fields[name] = start
    for layer in report.layers:
        sources = [fields[output_of(name, fields)] for name in layer.inputs]
        fields[layer.name] = _through(layer, sources)
    del fields[ir.NETWORK_INPUT]
    for name, _ in report.other_inputs:
        del fields[name]
    return fields


def _through(layer: LayerReport, sources: list[ReceptiveField]) -> ReceptiveField:
    node = layer.node
    if any(source.kind == "unknown" for source in sources):
        return next(source for source in sources if source.kind == "unknown")
    if isinstance(node, ir.Add | ir.Multiply | ir.Concat):
        if isinstance(node, ir.Concat) and node.axis % len(layer.output_shape) != 0:
            return _unknown(layer, N_("a concatenation along a spatial axis"))
        return _union(layer, sources)
    (field,) = sources[:1] or (WHOLE,)
    if field.kind == "whole":
        return WHOLE
    if isinstance(node, ir.Upsample | ir.ConvTranspose) or any(
        axis.periodic is not None for axis in field.axes
    ):
        return _periodic_through(layer, field)
    return _through_one(layer, field)


def _through_one(layer: LayerReport, field: ReceptiveField) -> ReceptiveField:
    """A layer with one input on a field that moves by a whole jump per output."""
    node = layer.node
    match node:
        case ir.Conv(kernel=kernel, stride=stride, padding=padding, dilation=dilation):
            windows = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
            return _window(layer, field, windows, stride, padding)
        case ir.Pool(kernel=kernel, stride=stride, padding=padding):
            return _window(layer, field, list(kernel), stride, padding)
        case ir.ZeroPad(padding=padding):
            return _shifted(field, [-before for before, _ in padding])
        case ir.Crop(cropping=cropping):
            return _shifted(field, [before for before, _ in cropping])
        case ir.AdaptivePool(output_size=None) | ir.Dense() | ir.Attention() | ir.RBF():
            return WHOLE
        case ir.AdaptivePool(output_size=sizes) if sizes is not None and all(
            size == 1 for size in sizes
        ):
            return WHOLE
        case ir.AdaptivePool(output_size=sizes) if sizes is not None:
            adaptive = adaptive_windows(layer)
            if adaptive is None:
                return _not_a_multiple(layer)
            return _window(layer, field, adaptive, tuple(adaptive), ((0, 0),) * len(adaptive))
        case ir.Flatten():
            return WHOLE if len(layer.output_shape) == 1 else _unknown(layer, N_("a flatten"))
        case _ if _keeps_positions(node, layer):
            return field
    if layer.type[:1].lower() in "aeiou":
        return _unknown(
            layer, N_("cnncalc does not derive the field of an {type} layer"), type=layer.type
        )
    return _unknown(
        layer, N_("cnncalc does not derive the field of a {type} layer"), type=layer.type
    )


_POSITION_WISE = (
    ir.ElementWise, ir.Dropout, ir.Identity, ir.BatchNorm, ir.Standardize, ir.GroupNorm,
    ir.LRN, ir.Scalar, ir.PReLU, ir.LayerScale, ir.ChannelShuffle, ir.L2Normalize,
)  # fmt: skip
"""Layers whose output position ``i`` reads input position ``i`` alone (per channel or across
channels, as LRN and channel shuffles do: the spatial field is the same). A fact about
positions, not layouts: :data:`cnncalc.layouts.ELEMENT_WISE` is the layout one."""


def _keeps_positions(node: ir.Node | None, layer: LayerReport) -> bool:
    if isinstance(node, _POSITION_WISE):
        return True
    if isinstance(node, ir.LayerNorm):
        return node.over != "all"  # over each position's channels (or its last axis)
    if isinstance(node, ir.Split | ir.Select | ir.Slice):
        return node.axis % max(len(layer.input_shape), 1) == 0  # the channels only
    return False


def _window(
    layer: LayerReport,
    field: ReceptiveField,
    windows: list[Dim],
    stride: tuple[Dim, ...],
    padding: ir.Padding,
) -> ReceptiveField:
    if len(windows) != len(field.axes):
        return _unknown(
            layer,
            N_("a {rank}-D window on {axes} spatial axes"),
            rank=str(len(windows)),
            axes=str(len(field.axes)),
        )
    befores = padding_before(layer, windows, stride, padding)
    if befores is None:
        return _unknown(layer, _SAME_ON_A_FORMULA)
    return ReceptiveField(
        tuple(
            AxisField(axis.size + (k - 1) * axis.jump, axis.jump * s, axis.start - p * axis.jump)
            for axis, k, s, p in zip(field.axes, windows, stride, befores, strict=True)
        ),
        misaligned=field.misaligned,
    )


def adaptive_windows(layer: LayerReport) -> list[Dim] | None:
    """An adaptive pooling's window per spatial axis where each input size ``n`` is a
    multiple of the output size ``m`` (for formulas: provably so), else ``None``.

    PyTorch's output ``i`` pools inputs ``⌊i·n/m⌋`` to ``⌈(i + 1)·n/m⌉ − 1``: with
    ``s = n/m`` whole, a plain pooling of stride ``s`` and window
    ``k = n − (m − 1)·s = s``, no padding (with ``m = 1``, the whole input). Otherwise the
    windows differ in size from output to output, and no single window gives them.
    """
    node = layer.node
    assert isinstance(node, ir.AdaptivePool) and node.output_size is not None
    windows: list[Dim] = []
    for n, m in zip(layer.input_shape[1:], node.output_size, strict=False):
        stride = _quotient(n, m)
        if stride is None:
            return None
        windows.append(n - (m - 1) * stride)
    return windows if len(windows) == len(node.output_size) else None


def _quotient(n: Dim, m: Dim) -> Dim | None:
    """``n/m`` where it is provably a positive whole number, else ``None``."""
    if isinstance(n, int) and isinstance(m, int):
        return n // m if m > 0 and n % m == 0 and n > 0 else None
    import sympy

    ratio = sympy.cancel(sympy.sympify(n) / m)
    if ratio.is_integer and ratio.is_positive:
        return int(ratio) if ratio.is_Integer else ratio
    return None


def _not_a_multiple(layer: LayerReport) -> ReceptiveField:
    node = layer.node
    assert isinstance(node, ir.AdaptivePool) and node.output_size is not None
    return _unknown(
        layer,
        N_(
            "cnncalc derives an adaptive pooling's field only where its input size is "
            "(provably) a multiple of its output size, here {input} to {output}: its windows "
            "differ in size"
        ),
        input="×".join(str(n) for n in layer.input_shape[1:]),
        output="×".join(str(m) for m in node.output_size),
    )


def padding_before(
    layer: LayerReport, windows: list[Dim], stride: tuple[Dim, ...], padding: ir.Padding
) -> list[Dim] | None:
    """The padding before each axis; ``same`` as TensorFlow pads: half of
    ``max((⌈n/s⌉ − 1)·s + k − n, 0)``, the odd one after."""
    if padding != "same":
        return [before for before, _ in padding]
    befores: list[Dim] = []
    for n, k, s in zip(layer.input_shape[1:], windows, stride, strict=True):
        if not all(isinstance(v, int) for v in (n, k, s)):
            return None
        assert isinstance(n, int) and isinstance(k, int) and isinstance(s, int)
        total = max((-(-n // s) - 1) * s + k - n, 0)
        befores.append(total // 2)
    return befores


def _shifted(field: ReceptiveField, shifts: list[Dim]) -> ReceptiveField:
    return ReceptiveField(
        tuple(
            AxisField(axis.size, axis.jump, axis.start + shift * axis.jump)
            for axis, shift in zip(field.axes, shifts, strict=True)
        ),
        misaligned=field.misaligned,
    )


def _union(layer: LayerReport, sources: list[ReceptiveField]) -> ReceptiveField:
    """The span every branch's output position 0 sees, together; misaligned grids flagged."""
    if any(source.kind == "whole" for source in sources):
        return WHOLE
    if any(axis.periodic is not None for source in sources for axis in source.axes):
        return _periodic_union(layer, sources)
    first = sources[0]
    axes: list[AxisField] = []
    misaligned = any(source.misaligned for source in sources)
    for index, axis in enumerate(first.axes):
        others = [source.axes[index] for source in sources]
        start = others[0].start
        end = others[0].start + others[0].size
        for other in others[1:]:
            if other.jump != axis.jump:
                misaligned = True
            start, end = _lower(start, other.start), _upper(end, other.start + other.size)
        axes.append(AxisField(end - start, axis.jump, start))
    return ReceptiveField(tuple(axes), misaligned=misaligned)


def _lower(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return min(a, b)
    from sympy import Min

    return Min(a, b)


def _upper(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return max(a, b)
    from sympy import Max

    return Max(a, b)


def _unknown(layer: LayerReport, why: str, **values: str) -> ReceptiveField:
    """The field of ``layer``, not derived because of ``why`` (a sentence marked ``N_``,
    with ``values`` for its placeholders)."""
    because = Because(layer.name, why, tuple(values.items()))
    return ReceptiveField(kind="unknown", why=because.english(), because=because)


# -- through resizes: fields that repeat every few outputs (cnncalc.receptive_periodic) ----


def _periodic_through(layer: LayerReport, field: ReceptiveField) -> ReceptiveField:
    """A layer on a field that repeats every few outputs, or a resize: phase by phase."""
    try:
        maps = _taps(layer)
    except PeriodTooLong as error:  # a stride or a resize's numerator beyond the limit
        return _too_long(layer, error)
    if maps is None:  # no reads to follow: global pooling, a dense layer see it all
        whole = _through_one(layer, field)
        return whole if whole.kind != "axes" else _unknown(layer, N_("a layer of no known reads"))
    if isinstance(maps, str):
        return _unknown(layer, maps)
    if len(maps) != len(field.axes):
        return _unknown(
            layer,
            N_("a {rank}-D layer on {axes} spatial axes"),
            rank=str(len(maps)),
            axes=str(len(field.axes)),
        )
    axes: list[AxisField] = []
    for axis, taps in zip(field.axes, maps, strict=True):
        periodic = as_periodic(axis)
        if periodic is None:
            return _unknown(
                layer,
                N_(
                    "cnncalc derives a field through a resize from whole numbers only (its "
                    "input's field is a formula)"
                ),
            )
        try:
            axes.append(from_periodic(compose(periodic, taps)))
        except PeriodTooLong as error:
            return _too_long(layer, error)
    return ReceptiveField(tuple(axes), misaligned=field.misaligned)


_SAME_ON_A_FORMULA = N_("'same' padding on a size given as a formula")


def _too_long(layer: LayerReport, error: PeriodTooLong) -> ReceptiveField:
    return _unknown(
        layer,
        N_(
            "the field repeats only every {period} outputs, more than the {limit} cnncalc "
            "derives (MAX_PERIOD in cnncalc/receptive_periodic.py)"
        ),
        period=f"{error.args[0]:,}",
        limit=f"{MAX_PERIOD:,}",
    )


def _taps(layer: LayerReport) -> list[Taps] | str | None:
    """The layer's reads per spatial axis, why they are not derived, or ``None``: the layer
    does not read positions one by one (the window recurrence's own cases say what it does)."""
    node = layer.node
    if isinstance(node, ir.ZeroPad | ir.Crop):
        pads = node.padding if isinstance(node, ir.ZeroPad) else node.cropping
        sign = 1 if isinstance(node, ir.ZeroPad) else -1
        return _whole([(1, 1, 1, sign * before) for before, _ in pads]) or [
            window_taps(1, 1, 1, int(sign * before)) for before, _ in pads
        ]
    if isinstance(node, ir.Conv | ir.Pool):
        dilation = node.dilation if isinstance(node, ir.Conv) else (1,) * len(node.kernel)
        windows = [d * (k - 1) + 1 for k, d in zip(node.kernel, dilation, strict=True)]
        befores = padding_before(layer, windows, node.stride, node.padding)
        if befores is None:
            return _SAME_ON_A_FORMULA
        rows = list(zip(node.kernel, dilation, node.stride, befores, strict=True))
        return _whole(rows) or [window_taps(*(int(v) for v in row)) for row in rows]
    if isinstance(node, ir.ConvTranspose):
        rows = [
            (k, s, d, before)
            for k, s, d, (before, _) in zip(
                node.kernel, node.stride, node.dilation, node.padding, strict=True
            )
        ]
        return _whole(rows) or [transposed_taps(*(int(v) for v in row)) for row in rows]
    if isinstance(node, ir.Upsample):
        return _resize_taps(layer, node)
    if isinstance(node, ir.AdaptivePool) and node.output_size is not None:
        if all(size == 1 for size in node.output_size):
            return None  # one value per map: the whole input, as the window recurrence says
        adaptive = adaptive_windows(layer)
        if adaptive is None:
            return None  # the window recurrence says why it stops (_not_a_multiple)
        rows = [(k, 1, k, 0) for k in adaptive]
        return _whole(rows) or [window_taps(*(int(v) for v in row)) for row in rows]
    if _keeps_positions(node, layer):
        return [window_taps(1, 1, 1, 0) for _ in layer.output_shape[1:]]
    return None


def _resize_taps(layer: LayerReport, node: ir.Upsample) -> list[Taps] | str:
    if node.size is not None:
        pairs = list(zip(node.size, layer.input_shape[1:], strict=True))
        if _whole(pairs):
            return N_(
                "cnncalc derives a field through a resize from whole numbers only (a resize "
                "to a size, from a size given as a formula)"
            )
        ratios = [Fraction(int(out), int(n)) for out, n in pairs if int(n) > 0]
    else:
        scales = node.scale or ()
        if not all(isinstance(s, int | Fraction) for s in scales):
            return N_(
                "cnncalc derives a field through a resize from whole numbers only (a scale "
                "given as a formula)"
            )
        ratios = [Fraction(s) for s in scales]
    if len(ratios) != len(layer.output_shape) - 1 or any(r <= 0 for r in ratios):
        return N_("a resize to nothing")
    return [resize_taps(ratio, node.mode) for ratio in ratios]


def _whole(rows: Sequence[tuple[Dim, ...]]) -> str:
    """Why ``rows`` cannot be read as whole numbers, or ``""``."""
    if all(isinstance(v, int) for row in rows for v in row):
        return ""
    return N_(
        "cnncalc derives a field through a resize from whole numbers only (the layer's sizes "
        "are formulas)"
    )


def as_periodic(axis: AxisField) -> Periodic | None:
    """The axis's field as a :class:`Periodic` (period 1 for a window's), ``None`` where it is
    a formula."""
    if axis.periodic is not None:
        return axis.periodic
    if not all(isinstance(v, int) for v in (axis.size, axis.jump, axis.start)):
        return None
    assert isinstance(axis.size, int) and isinstance(axis.jump, int)
    assert isinstance(axis.start, int)
    return Periodic(1, axis.jump, ((axis.start, axis.start + axis.size - 1),))


def from_periodic(field: Periodic) -> AxisField:
    """The axis field: a plain one where the field moves by a whole jump per output."""
    first = field.phases[0]
    if field.period == 1 and first is not None:
        return AxisField(first[1] - first[0] + 1, field.advance, first[0])
    return AxisField(field.largest, field.advance, first[0] if first else 0, field)


def _periodic_union(layer: LayerReport, sources: list[ReceptiveField]) -> ReceptiveField:
    axes: list[AxisField] = []
    misaligned = any(source.misaligned for source in sources)
    for index in range(len(sources[0].axes)):
        fields = [as_periodic(source.axes[index]) for source in sources]
        if any(field is None for field in fields):
            return _unknown(
                layer,
                N_(
                    "cnncalc derives a field through a resize from whole numbers only (a "
                    "branch's field is a formula)"
                ),
            )
        try:
            field, apart = union([field for field in fields if field is not None])
        except PeriodTooLong as error:
            return _too_long(layer, error)
        axes.append(from_periodic(field))
        misaligned = misaligned or apart
    return ReceptiveField(tuple(axes), misaligned=misaligned)


def mean_jump(axis: AxisField) -> Dim | Fraction:
    """The step between neighbouring outputs' fields: ``jump``, or ``advance/period`` where the
    field repeats every few outputs (a fraction after an upsampling: ``1/2``)."""
    if axis.periodic is None:
        return axis.jump
    jump = axis.periodic.jump
    return jump.numerator if jump.denominator == 1 else jump


def period(field: ReceptiveField) -> tuple[int, ...] | None:
    """Every how many outputs the field repeats, per axis; ``None`` where it moves by a whole
    jump per output on every axis (the window recurrence's field)."""
    if all(axis.periodic is None for axis in field.axes):
        return None
    return tuple(1 if axis.periodic is None else axis.periodic.period for axis in field.axes)
