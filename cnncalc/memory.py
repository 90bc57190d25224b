"""Inference memory: weight bytes, each layer's output bytes and the peak from a liveness analysis.

For a batch of ``b`` samples, activations in dtype ``A`` and weights in dtype ``W``
(:mod:`cnncalc.dtypes`):

- a layer's **parameter bytes** are its parameters × ``bytes(W)``; its **buffer bytes**
  its floating-point buffers × ``bytes(W)`` plus its integer buffers × 8 (int64: batch
  norm's ``num_batches_tracked``, a window's relative-position index keep their dtype
  when ``model.to(torch.float16)`` casts the rest, as the rules state); Keras's
  non-trainable parameters are parameters;
- a layer's **output bytes** are ``b`` × its output's values × ``bytes(A)`` (the sum of
  the parts of a ``split``): what PyTorch's output tensors hold (``nbytes``).

**Peak activation memory at inference** comes from a liveness analysis over the graph
in layer order. A layer's output is allocated when the layer runs and freed once
its last reader has run, so a residual branch keeps its tensor alive until the merge;
the network's output (the last layer's) stays, and so do its inputs (the caller
holds them for the whole call). While a layer runs, its inputs, its output and
everything still to be read are live at once; the peak is the largest such sum and
the layer at which it first occurs. Storage is shared as PyTorch shares it:

- a **view** allocates nothing: its output is its input's storage, which then lives
  until the last reader of either (``flatten``, ``reshape``, ``unflatten``,
  ``permute``, ``transpose``, ``select``, ``slice``, ``crop``, the parts of a
  ``split``, ``identity``, and ``dropout``, which at inference returns its input).
  A ``flatten`` or ``reshape`` whose input's strides forbid a view (after a
  ``permute``, say) copies, as ``torch.reshape`` does: the strides are followed
  through the network by :mod:`cnncalc.layouts` (PyTorch's rule for when a view is
  possible, on the shapes with the batch axis; on a symbolic spec, only a contiguous
  tensor is viewed), with the layouts PyTorch's CPU kernels give (element-wise layers
  keep their input's, a layer norm over channels leaves a channels-last tensor, which
  convolutions, pooling and normalisation keep);
- two figures: **without in-place** (every other layer allocates its output), and
  **in place**, where every layer that can run in place does so when nothing reads
  its input afterwards: the element-wise activations PyTorch has an in-place form
  of (ReLU, ReLU6, leaky ReLU, ELU, SiLU, Hardswish, Hardsigmoid, Mish, sigmoid,
  tanh; not GELU, softmax, PReLU), ``add`` and ``multiply`` (into an input of the
  output's shape), a scalar operation, a layer scale, a position embedding and a
  relative-position bias (``add_``/``mul_``). A network input is never overwritten.

Left out, and said so in every report: a layer's internal temporaries (attention's
``heads × N × N`` score matrix, the pre-activation of a convolution with a fused
activation, the padded copy of an explicitly padded convolution, normalisation
statistics, the indices PyTorch's CPU max pooling computes even at inference, the
contiguous copy a kernel makes of a strided input), the inputs' gradients and
everything training keeps, convolution workspaces, the allocator's rounding and
caching, fragmentation and the framework's own memory (CUDA context, the
interpreter).

Sizes may be formulas: bytes are ``Dim``; a symbolic peak is the ``Max`` of the
distinct live sums, left unevaluated (exact; values put in evaluate it), and its
layer is then unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from cnncalc import ir
from cnncalc.arith import Dim, Shape, prod, total
from cnncalc.dtypes import INDEX_DTYPE, canonical, dtype_bytes
from cnncalc.i18n import N_
from cnncalc.layouts import (
    contiguous,
    in_place_able,
    is_view,
    output_strides,
    view_strides,
)
from cnncalc.spec.network import output_of

if TYPE_CHECKING:
    from cnncalc.analysis import LayerReport, Report

INCLUDES = (
    N_("parameters and buffers at the weight dtype (integer buffers as int64)"),
    N_("every layer's output at the activation dtype, batch included"),
    N_("the network's inputs, held for the whole pass"),
    N_(
        "the peak of live layer outputs from a liveness analysis in layer order: an output is "
        "freed after its last reader; views share their input's storage"
    ),
)
"""What an inference memory report counts (each report says so): English, marked for the
catalog (JSON keeps the English; the table shows ``_(item)``)."""

EXCLUDES = (
    N_(
        "a layer's internal temporaries (attention's score matrix, the pre-activation of a "
        "fused activation, padding copies, normalisation statistics, max pooling's indices)"
    ),
    N_("training: gradients, optimizer state, tensors saved for backward"),
    N_("convolution workspaces, allocator rounding and caching, fragmentation"),
    N_("the framework's own memory (CUDA context, interpreter)"),
)
"""What it leaves out."""

Storage = Literal["new", "view", "copy", "in place"]
"""How a layer's output is stored: its own (``new``), its input's (``view``; ``in place``,
in the in-place figure), or a reshape's copy (``copy``: its input's strides forbid a view)."""


@dataclass(frozen=True, slots=True)
class LayerMemory:
    """One layer's bytes, and the live activation bytes while it runs."""

    name: str
    type: str
    param_bytes: Dim
    buffer_bytes: Dim
    output_bytes: Dim
    """Its output tensors' bytes (``nbytes``), views included."""
    storage: Storage
    """Without in-place: ``new``, ``view`` or ``copy``."""
    in_place_able: bool
    in_place_of: str | None
    """The input it overwrites in the in-place figure (it can, and nothing reads that input
    after it), or None."""
    live: Dim
    """Activation bytes live while it runs, without in-place."""
    live_in_place: Dim
    """The same with every in-place-able layer that can reuse its input doing so."""

    @property
    def weight_bytes(self) -> Dim:
        return self.param_bytes + self.buffer_bytes


@dataclass(frozen=True, slots=True)
class Peak:
    """The largest live activation bytes and the first layer where they occur."""

    bytes: Dim
    layer: str | None
    """None when it depends on a symbolic spec's sizes."""


@dataclass(frozen=True, slots=True)
class InferenceMemory:
    """A network's inference memory for one batch, activation and weight dtype."""

    name: str
    batch: int
    dtype: str
    weight_dtype: str
    layers: tuple[LayerMemory, ...]
    input_bytes: Dim
    """The network's inputs (held throughout, counted in every live sum)."""
    peak: Peak
    peak_in_place: Peak

    @property
    def param_bytes(self) -> Dim:
        return total(layer.param_bytes for layer in self.layers)

    @property
    def buffer_bytes(self) -> Dim:
        return total(layer.buffer_bytes for layer in self.layers)

    @property
    def weight_bytes(self) -> Dim:
        return self.param_bytes + self.buffer_bytes

    @property
    def output_bytes(self) -> Dim:
        """Every layer's output summed (views included): an upper bound no run reaches."""
        return total(layer.output_bytes for layer in self.layers)


def inference_memory(
    report: Report, batch: int = 1, dtype: str = "fp32", weight_dtype: str | None = None
) -> InferenceMemory:
    """Bytes of weights and activations of an unfolded ``report`` (see the module docstring)."""
    dtype = canonical(dtype)
    weight_dtype = canonical(weight_dtype or dtype)
    values, weights, index = dtype_bytes(dtype), dtype_bytes(weight_dtype), dtype_bytes(INDEX_DTYPE)
    plain = _Liveness(report, batch, values, in_place=False).run()
    reused = _Liveness(report, batch, values, in_place=True).run()
    layers = []
    for i, layer in enumerate(report.layers):
        floating = layer.buffers - layer.integer_buffers
        layers.append(
            LayerMemory(
                name=layer.name,
                type=layer.type,
                param_bytes=(layer.trainable_params + layer.non_trainable_params) * weights,
                buffer_bytes=floating * weights + layer.integer_buffers * index,
                output_bytes=batch * values * total(prod(s) for s in _outputs(layer)),
                storage=plain.storage[i],
                in_place_able=in_place_able(layer.node),
                in_place_of=reused.overwrites[i],
                live=plain.live[i],
                live_in_place=reused.live[i],
            )
        )
    names = [layer.name for layer in report.layers]
    return InferenceMemory(
        name=report.name,
        batch=batch,
        dtype=dtype,
        weight_dtype=weight_dtype,
        layers=tuple(layers),
        input_bytes=batch * values * total(prod(s) for s in _inputs(report).values()),
        peak=_peak(plain.live, names),
        peak_in_place=_peak(reused.live, names),
    )


def _outputs(layer: LayerReport) -> tuple[Shape, ...]:
    return layer.output_shapes or (layer.output_shape,)


def _inputs(report: Report) -> dict[str, Shape]:
    return {ir.NETWORK_INPUT: report.input_shape, **dict(report.other_inputs)}


def _peak(live: list[Dim], names: list[str]) -> Peak:
    if not live:
        return Peak(0, None)
    if all(type(value) is int for value in live):
        top = max(live)
        return Peak(top, names[live.index(top)])
    import sympy

    distinct = list(dict.fromkeys(sympy.sympify(value) for value in live))
    if len(distinct) == 1:
        return Peak(live[0], names[0])
    # Unevaluated: sympy's ordering of the terms is quadratic in their number and slow (14 s
    # for 20 convolutions), and cannot use the spec's requirements anyway; substituting
    # values evaluates it exactly.
    top = sympy.Max(*distinct, evaluate=False)
    return Peak(top, None)


@dataclass
class _Tensor:
    storage: int
    sizes: tuple[Dim, ...]
    strides: tuple[Dim, ...]


class _Liveness:
    """One pass over the layers: where each output is stored, and the live bytes at each layer.

    A storage is live from the layer that allocates it to the last reader of any
    tensor stored in it (or throughout: the network's inputs and output).
    """

    def __init__(self, report: Report, batch: int, values: int, *, in_place: bool) -> None:
        self.report, self.batch, self.values, self.in_place = report, batch, values, in_place
        self.storage: list[Storage] = []
        """Each layer's."""
        self.overwrites: list[str | None] = []
        """The input each layer overwrites (in place), or None."""
        self.live: list[Dim] = []
        """The activation bytes live while each layer runs."""
        self.tensors: dict[str, _Tensor] = {}
        self.size: list[Dim] = []
        """Each storage's bytes."""
        self.born: list[int] = []
        """The layer that allocates each storage (-1: a network input)."""
        self.held: list[list[str]] = []
        """The tensors stored in each storage."""
        self.last_read: dict[str, int] = {}
        """The last layer reading each tensor (an output, a split's part, an input)."""
        for i, layer in enumerate(report.layers):
            for source in layer.inputs:
                self.last_read[source] = i

    def run(self) -> _Liveness:
        for name, shape in _inputs(self.report).items():
            self._allocate(-1, [name], (shape,))
        for i, layer in enumerate(self.report.layers):
            self.overwrites.append(None)
            self.storage.append(self._place(i, layer))
        layers = self.report.layers
        output = layers[-1].name if layers else ir.NETWORK_INPUT
        dies: list[int] = []  # the last layer during which each storage is live
        for names, first in zip(self.held, self.born, strict=True):
            kept = first < 0 or any(output_of(name, {output}) == output for name in names)
            dies.append(len(layers) if kept else max(self.last_read.get(n, first) for n in names))
        self.live = _sweep(self.size, self.born, dies, len(layers))
        return self

    def _place(self, i: int, layer: LayerReport) -> Storage:
        """Store layer ``i``'s output: in its input's storage, or a new one."""
        sources = [self.tensors[source] for source in layer.inputs]
        outputs = _outputs(layer)
        parts = (
            [f"{layer.name}.{k}" for k in range(len(outputs))]
            if layer.output_shapes
            else [layer.name]
        )
        node = layer.node
        if is_view(node) and len(sources) == 1:
            source = sources[0]
            views = [
                view_strides(node, source.sizes, source.strides, (self.batch, *shape))
                for shape in outputs
            ]
            if all(strides is not None for strides in views):
                for part, shape, strides in zip(parts, outputs, views, strict=True):
                    assert strides is not None
                    self._store(part, sources[0].storage, (self.batch, *shape), strides)
                return "view"
            self._allocate(i, parts, outputs)
            return "copy"
        reused = (
            self._reusable(i, layer, sources) if self.in_place and in_place_able(node) else None
        )
        if reused is not None:
            source = self.tensors[reused]
            self._store(layer.name, source.storage, source.sizes, source.strides)
            self.overwrites[i] = reused
            return "in place"
        self._allocate(i, parts, outputs)
        if sources and not layer.output_shapes:
            tensor = self.tensors[layer.name]
            first = sources[0]
            others = [(other.sizes, other.strides) for other in sources[1:]]
            tensor.strides = output_strides(node, first.sizes, first.strides, tensor.sizes, others)
        return "new"

    def _allocate(self, i: int, parts: list[str], shapes: tuple[Shape, ...]) -> None:
        storage = len(self.size)
        self.size.append(self.batch * self.values * total(prod(shape) for shape in shapes))
        self.born.append(i)
        self.held.append([])
        for part, shape in zip(parts, shapes, strict=True):
            sizes = (self.batch, *shape)
            self._store(part, storage, sizes, contiguous(sizes))

    def _store(
        self, name: str, storage: int, sizes: tuple[Dim, ...], strides: tuple[Dim, ...]
    ) -> None:
        self.tensors[name] = _Tensor(storage, sizes, strides)
        self.held[storage].append(name)

    def _reusable(self, i: int, layer: LayerReport, sources: list[_Tensor]) -> str | None:
        """The first input of the output's shape whose storage nothing reads after layer ``i``."""
        wanted = (self.batch, *layer.output_shape)
        for name, tensor in zip(layer.inputs, sources, strict=True):
            if tensor.sizes != wanted or self.born[tensor.storage] < 0:
                continue  # another shape (a broadcast operand), or a network input
            readers = (self.last_read.get(name, -1) for name in self.held[tensor.storage])
            if all(reader <= i for reader in readers):
                return name
        return None


def _sweep(size: list[Dim], born: list[int], dies: list[int], count: int) -> list[Dim]:
    """The bytes live at each layer: storages born at or before it that die at or after it."""
    starts: list[list[Dim]] = [[] for _ in range(count)]
    ends: list[list[Dim]] = [[] for _ in range(count)]
    always: list[Dim] = []
    for bytes_, first, final in zip(size, born, dies, strict=True):
        if first < 0:
            always.append(bytes_)
        else:
            starts[first].append(bytes_)
        if final < count:
            ends[final].append(bytes_)
    live: list[Dim] = []
    current: Dim = total(always)
    for i in range(count):
        current = current + total(starts[i]) if starts[i] else current
        live.append(current)
        if ends[i]:
            current = current - total(ends[i])
    return live
