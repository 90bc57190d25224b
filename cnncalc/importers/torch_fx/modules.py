"""The registry of ``nn.Module`` translators: one small function per torch.nn class.

Each reads the constructor arguments documented at
https://pytorch.org/docs/stable/nn.html and returns the spec layer; the
shape it gives is checked against PyTorch's afterwards.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from cnncalc.importers.torch_fx.detection import static_translator
from cnncalc.importers.torch_fx.op import Layer, ModuleTranslator, Op, Untranslatable
from cnncalc.importers.torch_fx.spec_layers import (
    adaptive_layer,
    compact,
    dropout_layer,
    flatten_layer,
    layer_norm_layer,
    linear_layer,
    padding_field,
    pool_layer,
    put,
    softmax_layer,
    upsample_layer,
    zero_pad_layer,
)
from cnncalc.importers.torch_fx.torchvision_blocks import BLOCKS, block_translator

if TYPE_CHECKING:
    from torch import nn


def _conv(module: Any, op: Op) -> Layer:
    """``nn.Conv1d/2d/3d`` → ``conv1d/2d/3d`` (https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html).

    Output per axis ``⌊(n + 2p − d·(k − 1) − 1)/s⌋ + 1``, cnncalc's rule too.
    ``padding='same'`` pads ``d·(k − 1)`` per axis, the odd one after (torch's
    ``_ConvNd.__init__``), written out as numbers; ``'valid'`` is 0.
    """
    rank = len(module.kernel_size)
    kernel, dilation = tuple(module.kernel_size), tuple(module.dilation)
    if isinstance(module.padding, str):
        totals = [
            d * (k - 1) if module.padding == "same" else 0
            for k, d in zip(kernel, dilation, strict=True)
        ]
        pads = [(t // 2, t - t // 2) for t in totals]
    else:
        pads = [(p, p) for p in module.padding]
    if module.padding_mode != "zeros":
        op.notes.append(
            f"{op.call.target}: padding_mode '{module.padding_mode}' is counted as zero padding "
            "(the same shapes, parameters and MACs)."
        )
    layer: Layer = {"type": f"conv{rank}d", "filters": module.out_channels,
                    "kernel": compact(kernel)}  # fmt: skip
    put(layer, "stride", compact(module.stride), 1)
    put(layer, "padding", padding_field(pads), 0)
    put(layer, "dilation", compact(dilation), 1)
    put(layer, "groups", module.groups, 1)
    put(layer, "bias", module.bias is not None, True)
    return layer


def _conv_transpose(module: Any, op: Op) -> Layer:
    """``nn.ConvTranspose2d`` → ``conv_transpose2d`` (https://pytorch.org/docs/stable/generated/torch.nn.ConvTranspose2d.html).

    Output per axis ``(n − 1)·s − 2p + d·(k − 1) + output_padding + 1``; an
    ``output_size`` given to ``forward`` shows as a shape that differs (an error).
    """
    layer: Layer = {"type": "conv_transpose2d", "filters": module.out_channels,
                    "kernel": compact(module.kernel_size)}  # fmt: skip
    put(layer, "stride", compact(module.stride), 1)
    put(layer, "padding", compact(module.padding), 0)
    put(layer, "output_padding", compact(module.output_padding), 0)
    put(layer, "dilation", compact(module.dilation), 1)
    put(layer, "groups", module.groups, 1)
    put(layer, "bias", module.bias is not None, True)
    return layer


def _linear(module: Any, op: Op) -> Layer:
    """``nn.Linear`` → ``dense`` (https://pytorch.org/docs/stable/generated/torch.nn.Linear.html).

    PyTorch applies it to the last axis of any input. On a flat input it is
    ``dense``; on a channels-last tensor (ConvNeXt's ``permute(0, 2, 3, 1)``)
    it is a 1×1 convolution, the same weights, MACs and FLOPs.
    """
    return linear_layer(op, module.out_features, module.bias is not None)


def _pool(module: Any, op: Op) -> Layer:
    """``nn.MaxPool2d``/``nn.AvgPool2d`` → ``maxpool2d``/``avgpool2d``.

    https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html: output per
    axis ``⌊(n + 2p − k)/s⌋ + 1`` (``ceil_mode``: rounded up, and no window
    starting in the right padding), cnncalc's rule. ``count_include_pad`` and
    ``divisor_override`` change values, not counts.
    """
    from torch import nn

    rank = {"1d": 1, "2d": 2, "3d": 3}[type(module).__name__[-2:].lower()]
    family = (
        "maxpool" if isinstance(module, nn.MaxPool1d | nn.MaxPool2d | nn.MaxPool3d) else "avgpool"
    )
    dilation = getattr(module, "dilation", 1)
    return pool_layer(
        f"{family}{rank}d", op, kernel=module.kernel_size, stride=module.stride,
        padding=module.padding, dilation=dilation, ceil_mode=module.ceil_mode, rank=rank,
    )  # fmt: skip


def _prelu(module: Any, op: Op) -> Layer:
    """``nn.PReLU(n)`` → ``prelu``: one slope (``n = 1``) or one per channel (``n = c``)."""
    slopes = module.num_parameters
    if slopes == 1:
        return {"type": "prelu"}
    if slopes == op.input[0]:
        return {"type": "prelu", "per_channel": True}
    raise Untranslatable(f"{slopes} slopes for {op.input[0]} channels")


def _adaptive(kind: str) -> ModuleTranslator:
    """``nn.AdaptiveAvgPool2d``/``nn.AdaptiveMaxPool2d`` → ``adaptive_avgpool2d``/``…max…``.

    https://pytorch.org/docs/stable/generated/torch.nn.AdaptiveAvgPool2d.html:
    ``output_size`` may hold None (keep that axis); the size used is the one
    PyTorch produced.
    """
    return lambda module, op: adaptive_layer(kind, op)


def _global(kind: str) -> ModuleTranslator:
    """``nn.AdaptiveAvgPool1d/3d`` (and max): to size 1 → ``global_avgpool`` with
    ``keepdims``; to another size → ``adaptive_avgpool1d/3d`` (``…max…``)."""

    def translate(module: Any, op: Op) -> Layer:
        dims = 1 if type(module).__name__.endswith("1d") else 3
        if all(n == 1 for n in op.output[1:]) and len(op.input) == dims + 1:
            return {"type": kind, "keepdims": True}
        family = "adaptive_avgpool" if kind == "global_avgpool" else "adaptive_maxpool"
        return adaptive_layer(f"{family}{dims}d", op, dims)

    return translate


def _batch_norm(module: Any, op: Op) -> Layer:
    """``nn.BatchNorm1d/2d/3d`` → ``batchnorm`` (https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html).

    ``affine``: γ and β, ``2·c`` parameters; ``track_running_stats``: the
    running mean and variance and ``num_batches_tracked``, ``2·c + 1``
    buffers (the spec's ``framework: pytorch``).
    """
    if not module.track_running_stats:
        raise Untranslatable(
            "track_running_stats=False: no running statistics, which cnncalc's batchnorm has"
        )
    layer: Layer = {"type": "batchnorm"}
    if not module.affine:
        layer |= {"center": False, "scale": False}
    return layer


def _layer_norm(module: Any, op: Op) -> Layer:
    """``nn.LayerNorm`` → ``layernorm`` (https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html).

    It normalises the last ``len(normalized_shape)`` axes, with a weight and a
    bias of that shape: over the whole sample (``over: all``), or, on a
    channels-last tensor, over each position's channels (ConvNeXt).
    """
    affine = bool(module.elementwise_affine)
    return layer_norm_layer(op, module.normalized_shape, affine, module.bias is not None)


def _group_norm(module: Any, op: Op) -> Layer:
    """``nn.GroupNorm`` → ``groupnorm`` (https://pytorch.org/docs/stable/generated/torch.nn.GroupNorm.html)."""
    layer: Layer = {"type": "groupnorm", "groups": module.num_groups}
    put(layer, "affine", bool(module.affine), True)
    return layer


def _lrn(module: Any, op: Op) -> Layer:
    """``nn.LocalResponseNorm`` → ``lrn`` (https://pytorch.org/docs/stable/generated/torch.nn.LocalResponseNorm.html)."""
    return {"type": "lrn", "size": module.size, "alpha": float(module.alpha),
            "beta": float(module.beta), "k": float(module.k)}  # fmt: skip


def _dropout(module: Any, op: Op) -> Layer:
    """``nn.Dropout`` (and its 1-D/2-D/3-D and alpha variants) → ``dropout`` of rate ``p``."""
    return dropout_layer(module.p)


def _flatten(module: Any, op: Op) -> Layer:
    """``nn.Flatten`` (from axis 1, the default) → ``flatten``."""
    return flatten_layer(op)


def _zero_pad(module: Any, op: Op) -> Layer:
    """``nn.ZeroPad2d`` (and ``nn.ConstantPad2d`` with 0) → ``zeropad2d``.

    https://pytorch.org/docs/stable/generated/torch.nn.ZeroPad2d.html
    """
    if float(getattr(module, "value", 0.0)) != 0.0:
        raise Untranslatable(f"padding with {module.value}, not zeros")
    left, right, top, bottom = module.padding
    return zero_pad_layer(op, left, right, top, bottom)


def _upsample(module: Any, op: Op) -> Layer:
    """``nn.Upsample`` (``size`` or ``scale_factor``) → ``upsample`` (https://pytorch.org/docs/stable/generated/torch.nn.Upsample.html)."""
    return upsample_layer(op, module.mode, module.scale_factor)


def _softmax(module: Any, op: Op) -> Layer:
    """``nn.Softmax(dim)`` → ``softmax`` along that axis (the width each softmax normalises)."""
    return softmax_layer(op, module.dim)


def _channel_shuffle(module: Any, op: Op) -> Layer:
    """``nn.ChannelShuffle(g)`` → ``channel_shuffle`` (ShuffleNet)."""
    return {"type": "channel_shuffle", "groups": module.groups}


def _unflatten(module: Any, op: Op) -> Layer:
    """``nn.Unflatten`` → ``reshape`` to the shape PyTorch produced."""
    return flatten_layer(op)


def _attention(module: Any, op: Op) -> Layer:
    """``nn.MultiheadAttention(d, heads, batch_first=True)`` called as ``attn(x, x, x)`` →
    ``attention`` (https://pytorch.org/docs/stable/generated/torch.nn.MultiheadAttention.html).

    Its parameters are ``in_proj`` (``3·d·d``, ``3·d`` biases) and ``out_proj``
    (``d·d + d``): cnncalc's four projections, ``4·d² + 4·d``. Its result is
    ``(output, weights)``; the translation reads the output.
    """
    if not module.batch_first:
        raise Untranslatable("batch_first=False: the tokens axis comes before the batch")
    if not module._qkv_same_embed_dim or module.bias_k is not None:
        raise Untranslatable("kdim, vdim or add_bias_kv: cnncalc's attention is self-attention")
    bias = module.in_proj_bias is not None
    if (module.out_proj.bias is not None) != bias:
        raise Untranslatable("biases in some projections only")
    layer: Layer = {"type": "attention", "heads": module.num_heads}
    put(layer, "bias", bias, True)
    return layer


def _named(kind: str) -> ModuleTranslator:
    """A module that is one cnncalc type with no fields (``nn.ReLU`` → ``relu``).

    The activations (https://pytorch.org/docs/stable/nn.html#non-linear-activations-weighted-sum-nonlinearity)
    change no shape and have no parameters; ``nn.Softmax``'s ``dim`` changes no count.
    """
    return lambda module, op: {"type": kind}


def _refuse(reason: str) -> ModuleTranslator:
    """A torch.nn class cnncalc knows it has no type for, and says why."""

    def translate(module: Any, op: Op) -> Layer:
        raise Untranslatable(reason)

    return translate


@functools.cache
def module_translators() -> dict[type[Any], ModuleTranslator]:
    """The registry: each torch.nn class and its translator."""
    from torch import nn

    table: dict[type[Any], ModuleTranslator] = {
        nn.Conv1d: _conv, nn.Conv2d: _conv, nn.Conv3d: _conv,
        nn.ConvTranspose2d: _conv_transpose, nn.Linear: _linear,
        nn.MaxPool1d: _pool, nn.MaxPool2d: _pool, nn.MaxPool3d: _pool,
        nn.AvgPool1d: _pool, nn.AvgPool2d: _pool, nn.AvgPool3d: _pool, nn.PReLU: _prelu,
        nn.AdaptiveAvgPool2d: _adaptive("adaptive_avgpool2d"),
        nn.AdaptiveMaxPool2d: _adaptive("adaptive_maxpool2d"),
        nn.AdaptiveAvgPool1d: _global("global_avgpool"),
        nn.AdaptiveAvgPool3d: _global("global_avgpool"),
        nn.AdaptiveMaxPool1d: _global("global_maxpool"),
        nn.AdaptiveMaxPool3d: _global("global_maxpool"),
        nn.BatchNorm1d: _batch_norm, nn.BatchNorm2d: _batch_norm, nn.BatchNorm3d: _batch_norm,
        nn.SyncBatchNorm: _batch_norm,
        nn.LayerNorm: _layer_norm, nn.GroupNorm: _group_norm, nn.LocalResponseNorm: _lrn,
        nn.Identity: _named("identity"), nn.Flatten: _flatten, nn.Unflatten: _unflatten,
        nn.MultiheadAttention: _attention, nn.Softmax: _softmax,
        nn.ChannelShuffle: _channel_shuffle,
        nn.ZeroPad2d: _zero_pad, nn.ConstantPad2d: _zero_pad,
        nn.Upsample: _upsample, nn.UpsamplingNearest2d: _upsample,
        nn.UpsamplingBilinear2d: _upsample,
    }  # fmt: skip
    activations = {
        nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh",
        nn.GELU: "gelu", nn.SiLU: "silu", nn.Hardswish: "hardswish",
        nn.Softmax2d: "softmax", nn.Hardsigmoid: "hardsigmoid", nn.LeakyReLU: "leaky_relu",
        nn.ELU: "elu", nn.Mish: "mish",
    }  # fmt: skip
    table |= {cls: _named(kind) for cls, kind in activations.items()}
    table |= dict.fromkeys((nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d,
                            nn.AlphaDropout, nn.FeatureAlphaDropout), _dropout)  # fmt: skip
    table |= dict.fromkeys((nn.ConvTranspose1d, nn.ConvTranspose3d),
                           _refuse("cnncalc's transposed convolution is 2-D"))  # fmt: skip
    return table


def module_translator(cls: type[Any]) -> ModuleTranslator | None:
    """The translator of ``cls``, or of the class it derives from if it keeps that ``forward``."""
    table = module_translators()
    if cls in table:
        return table[cls]
    for base in cls.__mro__[1:]:
        if base in table:
            # A subclass with its own forward may compute anything: not this translation.
            return table[base] if getattr(cls, "forward", None) is base.forward else None
    # torchvision's blocks by class name; the detectors' static part's own modules
    return block_translator(cls) or static_translator(cls)


def is_leaf(module: nn.Module) -> bool:
    """A module translated as a whole: one with a translator, or torch.nn's own (fx's rule)."""
    from torch import nn

    if module_translator(type(module)) is not None:
        return True
    home = type(module).__module__
    containers = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
    if isinstance(module, containers) or type(module) is nn.Module:
        return False  # a container, or a bare nn.Module holding others: no forward of its own
    return home.startswith(("torch.nn", "torch.ao.nn"))


MODULES_READING_LAYOUT: tuple[object, ...] = (_linear, _layer_norm, *BLOCKS.values())
"""Module translators that read :attr:`Op.layout`; the others get channels-first tensors only."""
