"""Arithmetic intensity and the roofline lower bound on inference time, per layer.

**Bytes moved** by a layer on a batch of ``b`` samples, every value ``s`` bytes
(``--dtype``; :func:`traffic` is the one place this is stated):

- reads: each distinct tensor it reads, once, ``b·s·∏ input_shape``;
- weights: its parameters and the buffers it reads at inference, once a batch
  (not once a sample), ``s`` bytes each; index buffers (a relative-position
  table's index) at 8 bytes (int64), and the counter a batch norm keeps
  (``num_batches_tracked``) or a Keras ``Normalization`` its ``count``, which
  inference never reads, not at all;
- writes: its output(s), ``b·s·∏ output_shape``.

A layer that PyTorch computes as a *view* of its input (unflatten, permute,
transpose, select, slice, split, crop, dropout at inference, identity, and a
flatten or reshape where the strides allow: :mod:`cnncalc.layouts`, which follows
every tensor's strides as PyTorch lays them out, for the batch given)
moves nothing: it reads nothing and writes nothing; a view holding all its
input's values is that tensor (reading both in one merge reads it once). A
flatten or reshape of a tensor that a permute, transpose or slice left strided,
or that PyTorch's kernels laid out channels-last (after a layer norm over channels),
is a copy (``reshape`` = ``contiguous().view``): it reads and writes the tensor.
Every layer is counted as one fused kernel: its fused activation or padding
moves nothing more (the values never leave the chip), and an attention layer's
scores are not counted either. So these are the least bytes a layer must move,
as the roofline model counts them.

**Arithmetic intensity** = FLOPs / bytes, exact: a :class:`~fractions.Fraction`
on numbers, a sympy quotient on symbols; none for a layer that moves nothing.

**Roofline bound** on a device with peak ``P`` FLOP/s and bandwidth ``W`` B/s:
a layer takes at least ``max(FLOPs/P, bytes/W)``; it is compute-bound when the
first is the larger (at least as large), memory-bound otherwise; the network at
least the sum over its layers. The ridge point ``P/W`` is the intensity above
which a layer is compute-bound. A lower bound, not a prediction: no cache reuse
beyond one layer, no kernel launch cost, every unit at its peak all the time.

Limits: where sizes are symbols, a flatten or reshape is a view only of a tensor
known to be contiguous (whether strides allow one otherwise depends on the sizes); a
symbolic batch is taken as more than 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from cnncalc import ir
from cnncalc.arith import Dim, prod, total
from cnncalc.conventions import Convention, count
from cnncalc.dtypes import INDEX_DTYPE, dtype_bytes
from cnncalc.errors import CnncalcError
from cnncalc.layouts import (
    BATCH,
    WHOLE_VIEWS,
    Sizes,
    contiguous,
    is_view,
    output_strides,
    view_strides,
)

if TYPE_CHECKING:
    from cnncalc.analysis import LayerReport, Report

DEFAULT_CONVENTION = Convention.FLOPS
"""FLOPs as hardware peaks count them: 2 per multiply-accumulate."""

MAX_RATE = 10**24
"""The largest ``--peak-flops`` or ``--bandwidth`` (10²⁴ a second: a million times today's
largest chips), which bounds the exact fractions the bound is computed in."""


@dataclass(frozen=True, slots=True)
class Traffic:
    """The bytes a layer moves on a batch: activations read, weights read, outputs written."""

    reads: Dim
    weights: Dim
    writes: Dim
    view: bool = False

    @property
    def total(self) -> Dim:
        return self.reads + self.weights + self.writes


@dataclass(frozen=True, slots=True)
class LayerIntensity:
    """One layer's FLOPs and bytes on a batch, and their ratio."""

    name: str
    type: str
    flops: Dim
    traffic: Traffic

    @property
    def intensity(self) -> Any:
        """FLOPs per byte (Fraction, or sympy on symbols); None if it moves nothing."""
        return ratio(self.flops, self.traffic.total)


@dataclass(frozen=True, slots=True)
class Bound:
    """The roofline's least time for some FLOPs and bytes, in seconds."""

    compute: Fraction
    """FLOPs / peak FLOP/s."""
    memory: Fraction
    """Bytes / bandwidth."""

    @property
    def seconds(self) -> Fraction:
        return max(self.compute, self.memory)

    @property
    def limit(self) -> Literal["compute", "memory"] | None:
        """Which bound applies (compute when they are equal); None for no work at all."""
        if self.compute == 0 and self.memory == 0:
            return None
        return "compute" if self.compute >= self.memory else "memory"


def ratio(numerator: Dim, denominator: Dim) -> Any:
    """``numerator / denominator`` exactly: a Fraction on ints, sympy on symbols; None for 0."""
    if type(numerator) is int and type(denominator) is int:
        return Fraction(numerator, denominator) if denominator else None
    import sympy

    if denominator == 0:
        return None
    return sympy.sympify(numerator) / sympy.sympify(denominator)


def traffic(report: Report, dtype: str, batch: Dim = 1) -> dict[str, Traffic]:
    """Every layer's bytes moved on ``batch`` samples of ``dtype`` values, by name."""
    size = dtype_bytes(dtype)
    index_size = dtype_bytes(INDEX_DTYPE)
    # Each tensor name → the tensor it is (a view of all its input's values is its input).
    same: dict[str, str] = {}
    strides = _Strides(report, batch)
    result: dict[str, Traffic] = {}
    for layer in report.layers:
        if strides.follow(layer):
            result[layer.name] = Traffic(0, 0, 0, view=True)
            if _whole(layer):
                source = layer.inputs[0]
                for name in (layer.name, *(f"{layer.name}.0" for _ in layer.output_shapes)):
                    same[name] = same.get(source, source)
            continue
        pairs = zip(layer.inputs, layer.input_shapes, strict=True)
        read = {same.get(name, name): shape for name, shape in pairs}  # each tensor once
        values, indices = _state(layer)
        outputs = layer.output_shapes or (layer.output_shape,)
        result[layer.name] = Traffic(
            reads=batch * size * total(prod(shape) for shape in read.values()),
            weights=size * values + index_size * indices,
            writes=batch * size * total(prod(shape) for shape in outputs),
        )
    return result


class _Strides:
    """Every tensor's strides (:mod:`cnncalc.layouts`), layer by layer."""

    def __init__(self, report: Report, batch: Dim) -> None:
        # Whether a reshape can view depends on the batch being 1 (a size-1 axis has no
        # stride to respect) or more; a symbolic batch is taken as more.
        self.batch = batch if type(batch) is int else BATCH
        self.tensors: dict[str, tuple[Sizes, Sizes]] = {}
        for name, shape in ((ir.NETWORK_INPUT, report.input_shape), *report.other_inputs):
            sizes = (self.batch, *shape)
            self.tensors[name] = sizes, contiguous(sizes)

    def follow(self, layer: LayerReport) -> bool:
        """Record a layer's output strides; True where it is a view of its input."""
        node = layer.node
        sizes, strides = self.tensors[layer.inputs[0]] if layer.inputs else ((), ())
        outputs = [(self.batch, *out) for out in layer.output_shapes or (layer.output_shape,)]
        laid: list[Sizes] = [contiguous(out) for out in outputs]  # a new tensor, a copy
        viewed = is_view(node) and len(layer.inputs) == 1
        if viewed:
            views = [view_strides(node, sizes, strides, out) for out in outputs]
            viewed = all(each is not None for each in views)
            laid = [each for each in views if each is not None] if viewed else laid
        elif layer.inputs and not layer.output_shapes:
            others = [self.tensors[name] for name in layer.inputs[1:]]
            laid = [output_strides(node, sizes, strides, outputs[0], others)]
        self.tensors[layer.name] = outputs[0], laid[0]
        if layer.output_shapes:  # a split's parts, read as NAME.0, NAME.1, …
            for i, (out, each) in enumerate(zip(outputs, laid, strict=True)):
                self.tensors[f"{layer.name}.{i}"] = out, each
        return viewed


def _whole(layer: LayerReport) -> bool:
    """Whether a view holds all its input's values (then it is its input, in memory)."""
    if isinstance(layer.node, WHOLE_VIEWS):
        return True
    outputs = layer.output_shapes or (layer.output_shape,)
    return len(outputs) == 1 and prod(outputs[0]) == prod(layer.input_shape)


def _state(layer: LayerReport) -> tuple[Dim, Dim]:
    """(values, indices): the parameters and buffers a layer reads at inference.

    Indices are int64 whatever ``--dtype``; a batch norm's ``num_batches_tracked`` and
    a Keras ``Normalization``'s ``count`` are never read at inference.
    """
    node = layer.node
    values: Dim = layer.trainable_params + layer.non_trainable_params + layer.buffers
    if isinstance(node, ir.BatchNorm) and node.framework is ir.Framework.PYTORCH:
        return values - 1, 0
    if isinstance(node, ir.Standardize) and node.adapted:
        return values - 1, 0
    if isinstance(node, ir.RelativePositionBias):
        return values - layer.buffers, layer.buffers
    if isinstance(node, ir.WindowAttention):
        index = prod(node.window) ** 2
        return values - index, index
    return values, 0


def intensities(
    report: Report, dtype: str, batch: Dim = 1, convention: Convention = DEFAULT_CONVENTION
) -> list[LayerIntensity]:
    """Each layer's FLOPs (under ``convention``) and bytes on ``batch`` samples, in order."""
    moved = traffic(report, dtype, batch)
    return [
        LayerIntensity(layer.name, layer.type, batch * count(layer.work, convention),
                       moved[layer.name])
        for layer in report.layers
    ]  # fmt: skip


def summed(rows: list[LayerIntensity]) -> LayerIntensity:
    """The network's FLOPs and bytes: the sums over its layers."""
    return LayerIntensity(
        "Total",
        "",
        total(row.flops for row in rows),
        Traffic(
            total(row.traffic.reads for row in rows),
            total(row.traffic.weights for row in rows),
            total(row.traffic.writes for row in rows),
        ),
    )


def bound(row: LayerIntensity, roof: Roof) -> Bound:
    """The roofline's least time for ``row`` under ``roof``: FLOPs/peak or bytes/bandwidth.

    Raises :class:`CnncalcError` on a symbolic count: a time needs numbers.
    """
    flops, moved = row.flops, row.traffic.total
    if type(flops) is not int or type(moved) is not int:
        raise CnncalcError(
            "the roofline bound needs the network's sizes as numbers: give them with --subs"
        )
    return Bound(Fraction(flops) / roof.peak, Fraction(moved) / roof.bandwidth)


def total_bound(bounds: list[Bound]) -> Fraction:
    """The network's least time: each layer at its own bound, one after another."""
    return sum((b.seconds for b in bounds), Fraction(0))


def parse_rate(text: str) -> Fraction:
    """``"312e12"`` or ``"2.039e12"`` as the exact number it writes (ValueError if it is
    not a number from 1 to :data:`MAX_RATE`)."""
    if len(text) > 40:
        raise ValueError(f"a number of at most 40 characters, got {len(text)}")
    if not text.isascii():  # Decimal reads other scripts' digits; every option here is ASCII
        raise ValueError(f"{text!r} is not a number (write 312e12 or 2.039e12)")
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number (write 312e12 or 2.039e12)") from None
    if not value.is_finite() or not 1 <= value <= MAX_RATE:
        raise ValueError(f"{text!r} is not a rate from 1 to 1e24 a second")
    return Fraction(value)


def decimal(value: Fraction, places: int) -> str:
    """``value`` to ``places`` decimals, rounded half to even (exactly, not in floats)."""
    rounded = round(value, places)
    sign = "-" if rounded < 0 else ""
    scaled = abs(rounded.numerator * 10**places // rounded.denominator)
    whole, part = divmod(scaled, 10**places)
    return f"{sign}{whole:,}" + (f".{part:0{places}d}" if places else "")


@dataclass(frozen=True, slots=True)
class Roof:
    """What the bound is computed against: a peak and a bandwidth, and where they come from."""

    peak: Fraction
    """FLOP/s."""
    bandwidth: Fraction
    """Bytes a second."""
    device: str | None = None
    """The named device, or None for ``--peak-flops``/``--bandwidth``."""
    source: str | None = None

    @property
    def ridge(self) -> Fraction:
        """FLOPs per byte above which a layer is compute-bound: ``peak / bandwidth``."""
        return self.peak / self.bandwidth
