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
input. Layers whose field cnncalc does not derive (upsampling, transposed
convolutions, reshapes of the spatial axes) are marked unknown, and so is
every layer after them that depends on them.

Sizes may be formulas: the same expressions hold for symbols (``solve`` and
``--subs`` apply as for any count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from cnncalc import ir
from cnncalc.arith import Dim
from cnncalc.spec.network import output_of

if TYPE_CHECKING:
    from cnncalc.analysis import LayerReport, Report


@dataclass(frozen=True, slots=True)
class AxisField:
    """The field of output position 0 along one spatial axis, and the step between outputs."""

    size: Dim
    jump: Dim
    start: Dim
    """The first input position it sees (negative: in the padding)."""


@dataclass(frozen=True, slots=True)
class ReceptiveField:
    """A layer's receptive field: per spatial axis, the whole input, or not derived."""

    axes: tuple[AxisField, ...] = ()
    kind: Literal["axes", "whole", "unknown"] = "axes"
    misaligned: bool = False
    """A merge of branches whose grids do not align: the union at output position 0."""
    why: str = ""
    """Why the field is unknown (the layer that made it so)."""


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
            return _unknown(layer, "a concatenation along a spatial axis")
        return _union(sources)
    (field,) = sources[:1] or (WHOLE,)
    if field.kind == "whole":
        return WHOLE
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
        case ir.Flatten():
            return WHOLE if len(layer.output_shape) == 1 else _unknown(layer, "a flatten")
        case _ if _keeps_positions(node, layer):
            return field
    return _unknown(layer, f"cnncalc does not derive the field of a {layer.type} layer")


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
        return _unknown(layer, f"a {len(windows)}-D window on {len(field.axes)} spatial axes")
    befores = padding_before(layer, windows, stride, padding)
    if befores is None:
        return _unknown(layer, "'same' padding on a size given as a formula")
    return ReceptiveField(
        tuple(
            AxisField(axis.size + (k - 1) * axis.jump, axis.jump * s, axis.start - p * axis.jump)
            for axis, k, s, p in zip(field.axes, windows, stride, befores, strict=True)
        ),
        misaligned=field.misaligned,
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


def _union(sources: list[ReceptiveField]) -> ReceptiveField:
    """The span every branch's output position 0 sees, together; misaligned grids flagged."""
    if any(source.kind == "whole" for source in sources):
        return WHOLE
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


def _unknown(layer: LayerReport, why: str) -> ReceptiveField:
    return ReceptiveField(kind="unknown", why=f"{layer.name}: {why}")
