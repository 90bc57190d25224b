"""Training memory: weights, gradients, optimizer state and the activations of the forward pass.

For a batch of ``b`` samples, activations in ``dtype`` and weights in ``weight_dtype``:

- **weights**: every parameter and buffer in ``weight_dtype``, but index buffers in int64
  (batch norm's ``num_batches_tracked``, a relative position bias's index);
- **gradients**: one per trainable parameter, in ``weight_dtype`` (``param.grad``);
- **optimizer state** per trainable parameter (as ``torch.optim`` keeps it, measured with
  ``opt.step()``): SGD none; SGD with momentum one value (``momentum_buffer``); Adam and
  AdamW two (``exp_avg``, ``exp_avg_sq``) in ``weight_dtype``, plus a one-element fp32
  ``step`` per parameter *tensor*;
- **saved activations**: what autograd keeps for the backward pass, each storage once
  (:mod:`cnncalc.saved_tensors`);
- **forward peak**: the most activation bytes live at once during the forward pass. At
  each layer, live are: every storage saved so far (kept until the backward), every
  output still to be read by a later layer (a residual branch keeps its own), the layer's
  inputs and its output. At the end all saved storages and the network's output are
  live, and the peak is at least that.

``total = weights + gradients + optimizer state + forward peak``: gradients are counted as
held through the forward (PyTorch allocates them at the first backward and keeps them
unless ``zero_grad(set_to_none=True)``, its default, frees them; then the forward's peak
is lower by the gradients' bytes, which the backward allocates again).

Not included: the backward pass's own peak (gradients of activations), allocator
rounding and caching, fragmentation, kernel workspaces (cuDNN), the CUDA context, a
layer's temporaries that autograd does not keep, the loss, the input pipeline,
mixed-precision master weights (with ``weight_dtype`` fp32 and ``dtype`` fp16 the model is
one fp32 copy, as autocast keeps it; a separate fp16 copy is not counted), Adam's
``amsgrad`` state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from cnncalc import ir
from cnncalc.arith import Dim, total
from cnncalc.dtypes import INDEX_DTYPE, canonical, dtype_bytes
from cnncalc.saved_tensors import Device, LayerSaved, saved_tensors, storages

if TYPE_CHECKING:
    from cnncalc.analysis import Report

OPTIMIZERS: Final = ("sgd", "momentum", "adam", "adamw")
"""The optimizers whose state is counted."""

STATE_VALUES: Final[dict[str, int]] = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
"""Values of state per trainable parameter, in the weights' dtype."""

STEP_DTYPE: Final = "fp32"
"""Adam's ``step``: a one-element tensor per parameter tensor (fp32 unless the default
dtype is fp64; measured, torch 2.13)."""


@dataclass(frozen=True, slots=True)
class TrainingMemory:
    """One training step's memory, in bytes (ints, or formulas on symbolic sizes)."""

    batch: Dim
    dtype: str
    weight_dtype: str
    optimizer: str
    device: Device
    weights: Dim
    """Parameters and buffers."""
    gradients: Dim
    optimizer_state: Dim
    saved: Dim
    """Activations autograd keeps for the backward pass, each storage once."""
    forward_peak: Dim
    """The most activation bytes live at once during the forward pass."""
    peak_layer: str | None
    """The layer at which the forward's peak is reached (None when sizes decide it)."""
    layers: tuple[LayerSaved, ...]
    """What each layer saves, and what is charged to it."""
    unmodelled: tuple[str, ...]
    """Layers whose saving (or parameter tensors) is not modelled: counted as nothing."""

    @property
    def total(self) -> Dim:
        """Weights, gradients and optimizer state, and the forward's peak of activations."""
        return self.weights + self.gradients + self.optimizer_state + self.forward_peak


def parameter_tensors(node: ir.Node | None) -> int | None:
    """How many trainable parameter tensors a layer's ``torch.nn`` module holds (``None``:
    not modelled): Adam keeps a ``step`` for each."""
    bias = int(getattr(node, "bias", False))
    match node:
        case ir.Conv() | ir.ConvTranspose() | ir.Dense():
            return 1 + bias
        case ir.BatchNorm():
            return int(node.scale) + int(node.center)
        case ir.LayerNorm() | ir.GroupNorm():
            return 2 * int(node.affine)
        case ir.Attention():  # nn.MultiheadAttention: in_proj_weight, out_proj.weight (+ biases)
            return 2 + 2 * bias
        case ir.PReLU() | ir.ClassToken() | ir.PositionEmbedding() | ir.LayerScale():
            return 1
        case ir.RelativePositionBias():
            return 1
        case ir.RBF():
            return int(node.trainable)
        case ir.Pool():
            return 2 if node.kind is ir.PoolKind.SUBSAMPLING else 0
        case ir.WindowAttention():  # qkv, proj (+ biases); the bias table, or V2's scale and MLP
            position = 4 if node.version == 2 else 1
            return 2 + int(node.qkv_bias) + int(node.proj_bias) + position
        case ir.PatchMerging():  # reduction.weight, norm.weight, norm.bias
            return 3
        case ir.SeparablePositionEmbedding():  # spatial and temporal (+ class token and its)
            return 2 + 2 * int(node.class_token)
        case ir.PoolingAttention():
            return None
    return 0


def training_memory(
    report: Report,
    batch: Dim,
    dtype: str,
    weight_dtype: str,
    optimizer: str,
    *,
    device: Device = "cuda",
) -> TrainingMemory:
    """The memory of one training step of an unfolded ``report`` (see the module docstring).

    Raises KeyError for an unknown dtype or optimizer.
    """
    dtype, weight_dtype = canonical(dtype), canonical(weight_dtype)
    if optimizer not in STATE_VALUES:
        raise KeyError(optimizer)
    value, index = dtype_bytes(weight_dtype), dtype_bytes(INDEX_DTYPE)
    unmodelled: list[str] = []
    tensors: list[int] = []
    weights: list[Dim] = []
    for layer in report.layers:
        indices = layer.integer_buffers
        weights.append((layer.params + layer.buffers - indices) * value + indices * index)
        count = parameter_tensors(layer.node)
        if count is None:
            unmodelled.append(layer.name)
        else:
            tensors.append(count)
    trainable = report.totals.trainable_params
    step = sum(tensors) * dtype_bytes(STEP_DTYPE) if STATE_VALUES[optimizer] == 2 else 0
    layers = saved_tensors(report)
    unmodelled += [layer.name for layer in layers if not layer.modelled]
    peak, at = forward_peak(report, layers, batch, dtype, device)
    return TrainingMemory(
        batch=batch,
        dtype=dtype,
        weight_dtype=weight_dtype,
        optimizer=optimizer,
        device=device,
        weights=total(weights),
        gradients=trainable * value,
        optimizer_state=STATE_VALUES[optimizer] * trainable * value + step,
        saved=total(layer.charged_bytes(batch, dtype, device) for layer in layers),
        forward_peak=peak,
        peak_layer=at,
        layers=layers,
        unmodelled=tuple(dict.fromkeys(unmodelled)),
    )


def forward_peak(
    report: Report, layers: Iterable[LayerSaved], batch: Dim, dtype: str, device: Device
) -> tuple[Dim, str | None]:
    """The most activation bytes live at once in the forward pass, and the layer where.

    Each storage lives from the layer that makes it to its last reader (a view's
    readers are its base's), or to the end of the forward if a layer saves it or it is
    the network's output. Linear in the layers: each storage is added at its birth and
    taken off after its death.
    """
    places = storages(report)
    count = len(report.layers)
    birth: dict[str, int] = {ir.NETWORK_INPUT: 0}
    birth |= {name: 0 for name, _ in report.other_inputs}
    death: dict[str, int] = dict.fromkeys(birth, 0)
    size: dict[str, Dim] = {}
    activation = dtype_bytes(dtype)
    for step, (layer, saved) in enumerate(zip(report.layers, layers, strict=True)):
        own = places.base[layer.name]
        if own == layer.name:
            birth[own] = death[own] = step
        for source in layer.inputs:
            base = places.base[source]
            death[base] = max(death[base], step)
        for tensor in saved.tensors:
            if tensor.charged:  # kept to the end of the forward, and on to the backward
                birth.setdefault(tensor.storage, step)
                death[tensor.storage] = count - 1
                size[tensor.storage] = tensor.bytes(batch, dtype, device)
    if report.layers:
        death[places.base[report.layers[-1].name]] = count - 1
    changes: list[list[Dim]] = [[] for _ in range(count + 1)]
    for storage, first in birth.items():
        amount = size.get(storage)
        if amount is None:
            amount = places.elements[storage] * batch * activation
        changes[first].append(amount)
        changes[death[storage] + 1].append(-amount)
    live: Dim = 0
    steps: list[Dim] = []
    for step in range(count):
        live = live + total(changes[step])
        steps.append(live)
    return _largest(steps, [layer.name for layer in report.layers])


def _largest(values: list[Dim], names: list[str]) -> tuple[Dim, str | None]:
    """The largest value and its name (the first, on ties); a ``Max`` on formulas."""
    if not values:
        return 0, None
    if all(type(value) is int for value in values):
        best = max(range(len(values)), key=lambda i: (values[i], -i))
        return values[best], names[best]
    import sympy

    peak: Any = sympy.Max(*values)
    if peak in values:
        return peak, names[values.index(peak)]
    return peak, None
