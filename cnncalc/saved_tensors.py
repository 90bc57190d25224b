"""What autograd keeps for the backward pass, per layer, as PyTorch saves it (train mode).

Measured with ``torch.autograd.graph.saved_tensors_hooks`` on each layer's
``torch.nn`` module (torch 2.13, CPU; tests/test_saved_tensors.py re-measures
every line of :data:`SAVES`), not copied from ``derivatives.yaml``:

============================  ==============================================================
layer                         saves (besides its parameters, which are weights, not counted)
============================  ==============================================================
conv, transposed conv         its input (always: the weights' gradient reads it); with
                              padding that differs before and after, the padded input
                              (PyTorch pads it with ``F.pad`` first; pooling too)
dense (``nn.Linear``)         its input (a copy of it when read along another axis)
relu, tanh, sigmoid, softmax  its output
other activations, PReLU      its input (GELU, SiLU, ReLU6, hardswish, ELU, Mish, …)
max pooling (adaptive too)    its input and the argmax, int64, of the output's size
average pooling               its input; nothing when it pools each map to one value (a mean)
batch norm (training)         its input, and mean and 1/σ per channel (statistics)
layer norm, group norm        its input, and mean and 1/σ per normalised row (statistics)
local response norm           its input, the channel-padded squares, two tensors of its size
l2 normalize                  its input, the norms and their clamped copy
dropout                       its mask (bool with CUDA; a tensor of the input's dtype on the
                              CPU, which multiplies by it); nothing at rate 0 (an alias)
multiply, matmul              each operand, when the other one needs a gradient
attention (math path)         its input, q, kᵀ and v (copies, per head), the softmax's output
                              (heads·tokens²) and the heads' merged output
layer scale                   its input
Swin window attention         its windows (a copy), q, kᵀ, the softmax, v and the merged
                              heads, per window; V2 more (its qkv, norms, scores, and its
                              position-bias MLP's outputs once a batch)
Swin patch merging            the 2×2 patches (4c), layer norm's statistics, and the
                              normalised patches (V1) or the reduced 2c values (V2)
add, concat, flatten, views,  nothing
padding, upsampling, scalar
============================  ==============================================================

A layer that needs no gradient — no trainable parameters, and no input that
depends on one (the first layers' input) — is not recorded and saves nothing. A
fused ``activation:`` saves as its own layer would, on the layer's output (a
GELU's input, the pre-activation, is a tensor of its own).

**Storage.** A tensor saved by several layers is kept once: a ReLU's output,
saved by the ReLU and again, as its input, by the next convolution; a view
(flatten, reshape, transpose, select, slice, split, a rate-0 dropout) shares its
base's storage, and saving a view keeps the whole base. Each saved tensor names
the storage it lives in (:attr:`SavedTensor.storage`, a layer's output, the
network's input or a tensor the layer makes) and is *charged* to the first
layer, in network order, that saves that storage. Whether a reshape is a view, and
whether ``nn.Linear`` (rows) and ``torch.matmul`` (batches of matrices) fold a tensor's
leading axes as a view or keep a copy, follows its strides through the views before it
(:mod:`cnncalc.layouts`, for numeric sizes; formulas get a coarser account). The layouts
are followed for a batch of 2 (:data:`cnncalc.layouts.BATCH`) whatever the batch: at a
batch of 1 a reshape or a fold can be a view where this counts a copy (measured: a
chunk's part and its transpose fed to ``torch.matmul``), but batch-1 layouts also miss a
copy PyTorch makes of a matrix product's operands after a Swin window attention (measured
on a generated network: the attention's output layout is not modelled), which a batch of
2 gives.

Left out: a layer's own temporaries that autograd does not keep (attention's
scores before the softmax), flash/memory-efficient attention kernels (which keep
``q``, ``k``, ``v``, the output and a log-sum-exp instead of the scores), in-place
modules (``ReLU(inplace=True)`` shares its input's storage), and cuDNN's reserve
space. MViT's layers and Video Swin's 3-D windows are not modelled
(:attr:`LayerSaved.modelled`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from cnncalc import ir
from cnncalc import layouts as layouts_
from cnncalc.arith import Dim, Shape, ceil_div, exact_div, prod, total
from cnncalc.dtypes import INDEX_DTYPE, dtype_bytes
from cnncalc.i18n import N_
from cnncalc.layouts import BATCH, RESHAPES, VIEWS, Layout, is_element_wise, is_view, moves_axis
from cnncalc.training import gradient_flow

if TYPE_CHECKING:
    from cnncalc.analysis import LayerReport, Report


class Kind(StrEnum):
    """What a saved tensor holds, which decides its dtype (:func:`kind_dtype`)."""

    ACTIVATION = "activation"
    """Values in the activations' dtype (an input, an output, a copy)."""
    INDEX = "index"
    """int64 positions (max pooling's argmax)."""
    MASK = "mask"
    """Dropout's mask: bool with CUDA, the activations' dtype on the CPU."""
    STATISTIC = "statistic"
    """Normalisation statistics (mean, 1/σ): in the accumulation type with CUDA (fp32 for
    fp16 and bf16), the activations' dtype on the CPU."""


Device: TypeAlias = Literal["cuda", "cpu"]
"""Whose kernels: CUDA's (the default: what training runs on) or the CPU's (what the
tests measure). They differ only in dropout's mask and the statistics' dtype."""

DEVICES: tuple[Device, ...] = ("cuda", "cpu")


def kind_dtype(kind: Kind, dtype: str, device: Device = "cuda") -> str:
    """The dtype of a saved tensor of ``kind`` when the activations are ``dtype``."""
    if kind is Kind.INDEX:
        return INDEX_DTYPE
    if kind is Kind.MASK:
        return "bool" if device == "cuda" else dtype
    if kind is Kind.STATISTIC and device == "cuda" and dtype_bytes(dtype) < 4:
        return "fp32"
    return dtype


OUTPUT = -1
""":attr:`Saved.tensor` of a layer's output."""


@dataclass(frozen=True, slots=True)
class Saved:
    """One tensor a rule says its layer saves, before storages are resolved."""

    what: str
    """``input``, ``input 1`` (the second operand), ``output``, or a new tensor's name:
    English (JSON's), its words marked for the catalog (a table shows them translated)."""
    kind: Kind
    elements: Dim
    """Its elements (per sample when ``per_sample``), for a new tensor; a view's
    storage is its base's, whatever this says."""
    per_sample: bool = True
    """False for batch norm's statistics: one per channel, whatever the batch."""
    tensor: int | None = None
    """Which tensor it is: input ``i``, the output (:data:`OUTPUT`), or None, a new one."""


@dataclass(frozen=True, slots=True)
class SavedTensor:
    """A saved tensor and the storage it lives in, resolved over the network."""

    what: str
    kind: Kind
    storage: str
    """The storage's name: a layer (its output), ``input``, or ``LAYER:what`` for a new one."""
    elements: Dim
    """The storage's elements (per sample when ``per_sample``): a view keeps its whole base."""
    per_sample: bool
    charged: bool
    """Whether this layer is the first to save the storage, which is charged to it."""
    owner: str
    """The layer the storage is charged to: the first to save it (this one, if ``charged``)."""

    def bytes(self, batch: Dim, dtype: str, device: Device = "cuda") -> Dim:
        """Its storage's bytes for ``batch`` samples of activations in ``dtype``."""
        size = dtype_bytes(kind_dtype(self.kind, dtype, device))
        return self.elements * (batch if self.per_sample else 1) * size


@dataclass(frozen=True, slots=True)
class LayerSaved:
    """What one layer saves for the backward pass."""

    name: str
    type: str
    tensors: tuple[SavedTensor, ...]
    modelled: bool = True
    """False for a layer whose saving is not modelled (Swin's, MViT's): it counts nothing."""

    def charged_bytes(self, batch: Dim, dtype: str, device: Device = "cuda") -> Dim:
        """The bytes of the storages charged to this layer (first saved by it)."""
        return total(t.bytes(batch, dtype, device) for t in self.tensors if t.charged)


@dataclass(frozen=True, slots=True)
class Storages:
    """Every tensor's storage over the forward pass: a view maps to its base."""

    base: dict[str, str]
    """Each tensor (a layer's output, ``NAME.i``, an input) by name → its storage's name."""
    elements: dict[str, Dim]
    """Each storage's elements per sample."""
    contiguous: dict[str, bool]
    """Whether each tensor is laid out as its own storage (a transposed view is not)."""
    layouts: dict[str, Layout] | None = None
    """Each tensor's strides (:mod:`cnncalc.layouts`), where every size is a number."""


def storages(report: Report, batch: Dim = BATCH) -> Storages:
    """Each tensor's storage in a training step, its layout followed for ``batch`` samples
    (see the module docstring): its own, or its base's for a view
    (:func:`cnncalc.layouts.is_view`).

    With numeric sizes, views follow strides as PyTorch does (:mod:`cnncalc.layouts`); with
    formulas, a coarser account: contiguous, permuted, or with gaps.
    """
    numeric = all(
        type(size) is int
        for shape in (report.input_shape, *(s for _, s in report.other_inputs),
                      *(layer.output_shape for layer in report.layers))
        for size in shape
    )  # fmt: skip
    if numeric:
        return _strided(report, batch if type(batch) is int else BATCH)
    base: dict[str, str] = {ir.NETWORK_INPUT: ir.NETWORK_INPUT}
    elements: dict[str, Dim] = {ir.NETWORK_INPUT: prod(report.input_shape)}
    contiguous: dict[str, bool] = {ir.NETWORK_INPUT: True}
    dense: dict[str, bool] = {ir.NETWORK_INPUT: True}
    """Whether each tensor covers its storage without gaps (contiguous, or permuted)."""
    for name, shape in report.other_inputs:
        base[name], elements[name], contiguous[name] = name, prod(shape), True
        dense[name] = True
    for layer in report.layers:
        node, source = layer.node, layer.inputs[0]
        own = not is_view(node, training=True) or (
            isinstance(node, RESHAPES) and not contiguous[source]
        )
        if own:
            base[layer.name], elements[layer.name] = layer.name, prod(layer.output_shape)
            dense[layer.name] = True
            # nn.Linear along another axis than the last moves it back after: a view; an
            # element-wise step lays its output out as its (first) input, if that is dense.
            permuted = is_element_wise(node) and dense[source] and not contiguous[source]
            # Swin's layers on [c, h, w] permute their [h, w, c] result back: a view.
            permuted = permuted or bool(getattr(node, "channels_first", False))
            moved = moves_axis(node, len(layer.input_shape))
            contiguous[layer.name] = not (moved or permuted)
        else:
            base[layer.name] = base[source]
            # A permutation, a part or a slice is laid out as its base is only by chance.
            contiguous[layer.name] = contiguous[source] and isinstance(
                node, (*RESHAPES, ir.Unflatten, ir.Identity, ir.Dropout)
            )
            dense[layer.name] = dense[source] and not isinstance(
                node, ir.Select | ir.Slice | ir.Crop | ir.Split
            )
        for index in range(len(layer.output_shapes)):  # a split's parts: views of its input
            base[f"{layer.name}.{index}"] = base[layer.name]
            whole = len(layer.output_shapes) == 1  # one part: the input itself
            contiguous[f"{layer.name}.{index}"] = whole and contiguous[source]
            dense[f"{layer.name}.{index}"] = whole and dense[source]
    return Storages(base, elements, contiguous)


def _strided(report: Report, batch: int) -> Storages:
    """:func:`storages` for numeric sizes: each tensor's strides followed through views."""
    base: dict[str, str] = {ir.NETWORK_INPUT: ir.NETWORK_INPUT}
    elements: dict[str, Dim] = {ir.NETWORK_INPUT: prod(report.input_shape)}
    layouts: dict[str, Layout] = {}
    for name, shape in ((ir.NETWORK_INPUT, report.input_shape), *report.other_inputs):
        base[name], elements[name] = name, prod(shape)
        sizes = (batch, *shape)
        layouts[name] = sizes, layouts_.contiguous(sizes)
    for layer in report.layers:
        node, source = layer.node, layer.inputs[0]
        sizes, strides = layouts[source]
        new = (batch, *layer.output_shape)
        viewed = is_view(node, training=True)
        after = layouts_.view_strides(node, sizes, strides, new) if viewed else None
        if after is None:  # a storage of its own
            base[layer.name], elements[layer.name] = layer.name, prod(layer.output_shape)
            others = [layouts[name] for name in layer.inputs[1:]]
            after = layouts_.output_strides(node, sizes, strides, new, others)
        else:
            base[layer.name] = base[source]
        # A split is read by its parts (NAME.i), each a view of its input, its strides.
        layouts[layer.name] = (sizes, strides) if layer.output_shapes else (new, after)
        for index, shape in enumerate(layer.output_shapes):
            base[f"{layer.name}.{index}"] = base[source]
            layouts[f"{layer.name}.{index}"] = (batch, *shape), strides
    contiguous = {name: layouts_.is_contiguous(*layout) for name, layout in layouts.items()}
    return Storages(base, elements, contiguous, layouts)


# -- what each layer type saves -------------------------------------------------------------

Reads: TypeAlias = Sequence[bool]
"""For each input, whether it needs a gradient."""
Rule: TypeAlias = Callable[[Any, "LayerReport", Reads], tuple[Saved, ...]]

OUTPUT_SAVERS = frozenset({
    ir.Activation.RELU, ir.Activation.TANH, ir.Activation.SIGMOID, ir.Activation.SOFTMAX,
})  # fmt: skip
"""Activations whose gradient is computed from their output; the others save their input."""


def _activation(function: ir.Activation | None, layer: LayerReport) -> tuple[Saved, ...]:
    """A fused ``activation:``: on the layer's output, or its pre-activation (a new tensor)."""
    if function is None:
        return ()
    if function in OUTPUT_SAVERS:
        return (_output(layer),)
    return (Saved(N_("pre-activation"), Kind.ACTIVATION, prod(layer.output_shape)),)


def _input(layer: LayerReport, index: int = 0) -> Saved:
    # Shown as "input 1" in the language spoken (the word translated, the index kept).
    what = N_("input") if index == 0 else f"input {index}"
    return Saved(what, Kind.ACTIVATION, prod(layer.input_shapes[index]), tensor=index)


def _output(layer: LayerReport) -> Saved:
    return Saved(N_("output"), Kind.ACTIVATION, prod(layer.output_shape), tensor=OUTPUT)


def _padded(node: ir.Conv | ir.Pool, shape: Shape) -> Dim | None:
    """The elements of the zero-padded input a window reads, when its padding differs before
    and after (PyTorch pads such an input with ``F.pad`` first, and the window keeps that);
    None when it is symmetric, or a formula cannot tell."""
    spatial = shape[1:]
    dilation = node.dilation if isinstance(node, ir.Conv) else (1,) * len(spatial)
    pads: list[tuple[Dim, Dim]] = []
    if node.padding == "same":
        for n, k, s, d in zip(spatial, node.kernel, node.stride, dilation, strict=True):
            if not all(type(v) is int for v in (n, k, s, d)):
                return None
            whole = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
            pads.append((whole // 2, whole - whole // 2))
    else:
        pads = list(node.padding)
    if all(before == after for before, after in pads):
        return None
    return shape[0] * prod(
        n + before + after for n, (before, after) in zip(spatial, pads, strict=True)
    )


def _window_input(node: ir.Conv | ir.Pool, layer: LayerReport) -> Saved:
    padded = _padded(node, layer.input_shape)
    if padded is None:
        return _input(layer)
    return Saved(N_("padded input"), Kind.ACTIVATION, padded)


def _weighted(node: Any, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    first = _window_input(node, layer) if isinstance(node, ir.Conv) else _input(layer)
    return (first, *_activation(node.activation, layer))


def _dense(node: ir.Dense, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    return (_input(layer), *_activation(node.activation, layer))


def _element_wise(node: ir.ElementWise, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    return (_output(layer) if node.function in OUTPUT_SAVERS else _input(layer),)


def _pool(node: ir.Pool, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    indices = (
        (Saved(N_("indices"), Kind.INDEX, prod(layer.output_shape)),)
        if node.kind is ir.PoolKind.MAX
        else ()
    )
    return (_window_input(node, layer), *indices, *_activation(node.activation, layer))


def _adaptive(node: ir.AdaptivePool, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    if node.kind is ir.PoolKind.MAX:
        return (_input(layer), Saved(N_("indices"), Kind.INDEX, prod(layer.output_shape)))
    if node.output_size is None or all(size == 1 for size in node.output_size):
        return ()  # to one value per map PyTorch takes a mean, whose gradient needs no tensor
    return (_input(layer),)


def _statistics(rows: Dim, per_sample: bool = True) -> tuple[Saved, ...]:
    return (
        Saved(N_("mean"), Kind.STATISTIC, rows, per_sample),
        Saved(N_("invstd"), Kind.STATISTIC, rows, per_sample),
    )


def _batch_norm(node: ir.BatchNorm, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    return (_input(layer), *_statistics(layer.input_shape[0], per_sample=False))


def _layer_norm(node: ir.LayerNorm, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    shape = layer.input_shape
    rows = {"channels": prod(shape[1:]), "last": prod(shape[:-1]), "all": 1}[node.over]
    return (_input(layer), *_statistics(rows))


def _group_norm(node: ir.GroupNorm, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    return (_input(layer), *_statistics(node.groups))


def _lrn(node: ir.LRN, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    # F.local_response_norm: x², padded over the channels and averaged (avg_pool3d keeps its
    # input), raised to β (pow keeps its base and its result), x divided by that.
    channels, rest = layer.input_shape[0], prod(layer.input_shape[1:])
    return (
        _input(layer),
        Saved(N_("padded squares"), Kind.ACTIVATION, (channels + node.size - 1) * rest),
        Saved(N_("pow base"), Kind.ACTIVATION, channels * rest),
        Saved(N_("denominator"), Kind.ACTIVATION, channels * rest),
    )


def _l2(node: ir.L2Normalize, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    # F.normalize: x.norm(dim) keeps x and the norms, clamp_min the norms, x / norms both.
    shape = layer.input_shape
    norms = exact_div(prod(shape), shape[node.axis])
    return (
        _input(layer),
        Saved(N_("norms"), Kind.ACTIVATION, norms),
        Saved(N_("clamped norms"), Kind.ACTIVATION, norms),
    )


def _dropout(node: ir.Dropout, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    if node.rate == 0:
        return ()  # PyTorch returns its input itself
    return (Saved(N_("mask"), Kind.MASK, prod(layer.input_shape)),)


def _operands(node: Any, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    # d(a·b)/da needs b, d(a·b)/db needs a: an operand is kept when the other needs a
    # gradient. Three or more multiply in turn: each product so far is a new tensor.
    kept: list[Saved] = []
    if reads[1]:
        kept.append(_input(layer))
    if reads[0]:
        kept.append(_input(layer, 1))
    so_far = reads[0] or reads[1]
    for index in range(2, len(reads)):
        if reads[index]:
            kept.append(
                Saved(N_("product") + f" {index}", Kind.ACTIVATION, prod(layer.output_shape))
            )
        if so_far:
            kept.append(_input(layer, index))
        so_far = so_far or reads[index]
    return tuple(kept)


def _attention(node: ir.Attention, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    # The math path (nn.MultiheadAttention written out): each projection keeps its input;
    # q·kᵀ copies q and kᵀ into per-head batches, the softmax keeps its output,
    # (softmax)·v copies v, and the output projection keeps the merged heads.
    query, keys = layer.input_shapes[0], layer.input_shapes[1 % len(layer.input_shapes)]
    tokens, dim = query[0], query[1]
    others = keys[0]
    return (
        *(_input(layer, index) for index in range(len(layer.input_shapes))),
        Saved("q", Kind.ACTIVATION, tokens * dim),
        Saved("k", Kind.ACTIVATION, others * dim),
        Saved("softmax", Kind.ACTIVATION, node.heads * tokens * others),
        Saved("v", Kind.ACTIVATION, others * dim),
        Saved(N_("heads"), Kind.ACTIVATION, tokens * dim),
    )


def _channels(node: ir.WindowAttention | ir.PatchMerging, shape: Shape) -> tuple[Dim, Shape]:
    """(channels, the other axes) of a Swin layer's ``[h, w, c]`` map (or ``[c, h, w]``)."""
    return (shape[0], shape[1:]) if node.channels_first else (shape[-1], shape[:-1])


def _window_attention(
    node: ir.WindowAttention, layer: LayerReport, reads: Reads
) -> tuple[Saved, ...]:
    # torchvision's ShiftedWindowAttention: the padded (rolled) map cut into windows is a copy
    # the qkv projection keeps; then as attention's math path, per window. V2 keeps the qkv
    # output (F.normalize reads q and k in it), their norms and clamped norms, normalised
    # copies, the scores (for the logit scale's gradient) and, once for the batch, its
    # position-bias MLP's ReLU and sigmoid outputs and the exponentiated logit scale.
    channels, sizes = _channels(node, layer.input_shape)
    if len(node.window) != 2:
        raise KeyError("3-D windows")  # Video Swin shrinks its windows: not modelled
    windows = prod(ceil_div(n, w) for n, w in zip(sizes, node.window, strict=True))
    size = prod(node.window)
    values = windows * size * channels
    scores = windows * node.heads * size * size
    one = Kind.ACTIVATION
    # One head: k and v fold into batches of matrices as views of the qkv output, no copies.
    single = node.heads == 1
    if node.version == 1:
        keys = (("qkv", 3 * values),) if single else (("k", values), ("v", values))
        return tuple(
            Saved(what, one, count)
            for what, count in ((N_("windows"), values), ("q", values), *keys, ("softmax", scores),
                                ("heads", values))
        )  # fmt: skip
    norms = windows * size * node.heads
    table = prod(2 * w - 1 for w in node.window)
    return (
        Saved(N_("windows"), one, values), Saved("qkv", one, 3 * values),
        Saved(N_("q norms"), one, norms), Saved(N_("q clamped norms"), one, norms),
        Saved(N_("k norms"), one, norms), Saved(N_("k clamped norms"), one, norms),
        Saved("q", one, values), Saved("k", one, values), Saved(N_("scores"), one, scores),
        Saved("softmax", one, scores), *(() if single else (Saved("v", one, values),)),
        Saved(N_("heads"), one, values),
        Saved(N_("bias MLP ReLU"), one, table * ir.SWIN_CPB_HIDDEN, per_sample=False),
        Saved(N_("bias sigmoid"), one, node.heads * size * size, per_sample=False),
        Saved(N_("logit scale"), one, node.heads, per_sample=False),
    )  # fmt: skip


def _patch_merging(node: ir.PatchMerging, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    # The 2×2 patches concatenated (4c a position); version 1 normalises them (layer norm:
    # its input, mean and 1/σ) and reduces the normalised copy; version 2 reduces them
    # (the linear layer keeps them) and normalises the 2c result.
    channels, _ = _channels(node, layer.input_shape)
    rows = exact_div(prod(layer.output_shape), 2 * channels)
    merged = Saved(N_("patches"), Kind.ACTIVATION, rows * 4 * channels)
    if node.version == 1:
        normed = Saved(N_("normalised patches"), Kind.ACTIVATION, rows * 4 * channels)
        return (merged, *_statistics(rows), normed)
    return (merged, Saved(N_("reduced"), Kind.ACTIVATION, rows * 2 * channels), *_statistics(rows))


def _nothing(node: Any, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    return ()


def _input_only(node: Any, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    return (_input(layer),)


def _rbf(node: ir.RBF, layer: LayerReport, reads: Reads) -> tuple[Saved, ...]:
    # Σ (x − w)²: the differences, one per input and unit (no PyTorch module: not measured).
    return (Saved(N_("differences"), Kind.ACTIVATION, prod(layer.input_shape) * node.units),)


SAVES: dict[type[Any], Rule] = {
    ir.Conv: _weighted, ir.ConvTranspose: _weighted, ir.Dense: _dense, ir.RBF: _rbf,
    ir.ElementWise: _element_wise, ir.PReLU: _input_only, ir.Pool: _pool,
    ir.AdaptivePool: _adaptive, ir.BatchNorm: _batch_norm, ir.LayerNorm: _layer_norm,
    ir.GroupNorm: _group_norm, ir.LRN: _lrn, ir.L2Normalize: _l2, ir.Dropout: _dropout,
    ir.Multiply: _operands, ir.MatMul: _operands, ir.Attention: _attention,
    ir.LayerScale: _input_only, ir.WindowAttention: _window_attention,
    ir.PatchMerging: _patch_merging,
    # Nothing: their gradients need sizes only, or their inputs are constants or buffers.
    ir.Add: _nothing, ir.Concat: _nothing, ir.ZeroPad: _nothing, ir.Upsample: _nothing,
    ir.Scalar: _nothing, ir.ClassToken: _nothing, ir.PositionEmbedding: _nothing,
    ir.RelativePositionBias: _nothing, ir.ChannelShuffle: _nothing, ir.Standardize: _nothing,
    **{view: _nothing for view in VIEWS if view is not ir.Dropout},  # a rate-0 dropout: above
}  # fmt: skip
"""What each layer type saves (measured: see the module's docstring); a type missing here
(MViT's layers) is not modelled."""


def saved_tensors(report: Report, batch: Dim = BATCH) -> tuple[LayerSaved, ...]:
    """What each layer of an unfolded ``report`` saves, storages resolved and charged, with
    layouts followed for ``batch`` samples (see the module docstring)."""
    places = storages(report, batch)
    owners: dict[str, str] = {}
    """Each saved storage → the first layer that saves it."""
    result: list[LayerSaved] = []
    for layer, reads, trainable in gradient_flow(report):
        rule = SAVES.get(type(layer.node))
        try:
            # Autograd records nothing that needs no gradient.
            said = rule(layer.node, layer, reads) if rule and (trainable or any(reads)) else ()
        except KeyError:  # a case the rule does not model
            rule = None
        if rule is None:
            result.append(LayerSaved(layer.name, layer.type, (), modelled=False))
            continue
        tensors: list[SavedTensor] = []
        for saved in said:
            storage = _storage(saved, layer, places)
            elements = places.elements.get(storage, saved.elements)
            owner = owners.setdefault(storage, layer.name)
            charged = owner == layer.name and not any(t.storage == storage for t in tensors)
            tensors.append(
                SavedTensor(
                    saved.what, saved.kind, storage, elements, saved.per_sample, charged, owner
                )
            )
        result.append(LayerSaved(layer.name, layer.type, tuple(tensors)))
    return tuple(result)


def _storage(saved: Saved, layer: LayerReport, places: Storages) -> str:
    """The storage a saved tensor lives in."""
    if saved.tensor == OUTPUT:
        return places.base[layer.name]
    name = f"{layer.name}:{saved.what}"
    if saved.tensor is not None:
        source = layer.inputs[saved.tensor]
        moved = moves_axis(layer.node, len(layer.input_shape))
        kept = (places.contiguous[source] and not moved) or not _folds(layer)
        if places.layouts is not None:
            kept = _kept(layer, saved.tensor, places.layouts[source])
        if kept:
            return places.base[source]
        name = f"{layer.name}:{saved.what} (copy)"
    places.elements[name] = saved.elements
    return name


def _kept(layer: LayerReport, index: int, layout: Layout) -> bool:
    """Whether a layer keeps input ``index`` as it is (a view of its storage) rather than a
    copy: ``nn.Linear`` folds all axes but the last into rows, ``torch.matmul`` of more
    than one batch axis folds them into one, each a copy where a view cannot do it."""
    node = layer.node
    rank = len(layout[0])
    if isinstance(node, ir.Dense):
        if moves_axis(node, rank - 1):
            axis = layouts_.tensor_axis(node.axis or 0, rank)
            layout = layouts_.permuted(*layout, (*(d for d in range(rank) if d != axis), axis))
        return rank <= 2 or layouts_.folds(*layout, 1)
    if isinstance(node, ir.Attention):
        return layouts_.folds(*layout, 1)
    if isinstance(node, ir.MatMul):
        if index == 1 and node.transpose_b:
            layout = layouts_.permuted(*layout, (*range(rank - 2), rank - 1, rank - 2))
        return rank <= 3 or layouts_.folds(*layout, 2)
    return True


def _folds(layer: LayerReport) -> bool:
    """Whether the layer folds its inputs' leading axes with ``reshape`` (``nn.Linear`` on
    rows of a map, ``torch.matmul`` on batches of matrices), so a non-contiguous input is
    saved as a contiguous copy."""
    if isinstance(layer.node, ir.Dense):
        return len(layer.input_shape) > 1
    return isinstance(layer.node, ir.MatMul | ir.Attention)


def total_saved_bytes(
    layers: Sequence[LayerSaved], batch: Dim, dtype: str, device: Device = "cuda"
) -> Dim:
    """Every saved storage's bytes, once each (the sum of what is charged to each layer)."""
    return total(layer.charged_bytes(batch, dtype, device) for layer in layers)


def bytes_by_type(
    layers: Sequence[LayerSaved], batch: Dim, dtype: str, device: Device = "cuda"
) -> dict[str, Dim]:
    """Charged bytes summed per layer type (``conv2d``, ``relu``, …), in first-seen order."""
    sums: dict[str, list[Dim]] = {}
    for layer in layers:
        sums.setdefault(layer.type, []).append(layer.charged_bytes(batch, dtype, device))
    return {kind: total(values) for kind, values in sums.items()}
