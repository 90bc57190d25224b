"""torchvision's model blocks that are one cnncalc layer each, matched by class name.

Swin's ``ShiftedWindowAttention`` (and ``…V2``) and ``PatchMerging`` (and
``…V2``) call helpers torchvision hides from the tracer (``torch.fx.wrap``),
so they are translated whole, as leaf modules: each is one
``window_attention`` or ``patch_merging`` layer. They are found by their
qualified class name, so the importer never imports torchvision; a subclass
that keeps the ``forward`` is the same block (found through its bases).
Video Swin's ``ShiftedWindowAttention3d`` is a ``window_attention`` with a
3-D window (its patch merging is Swin's own ``PatchMerging``, on a video).
Each reads a channels-last ``[h, w, c]`` (``[t, h, w, c]``) tensor, as
torchvision's do; where cnncalc holds it as a map ``[c, h, w]`` that a
``permute(0, 2, 3, 1)`` made channels last in torch, the layer reads that map
(``channels_first``).

MViT's ``MultiscaleAttention``, its skip connection's ``Pool`` and its
``PositionalEncoding`` are one ``pooling_attention``, ``token_maxpool`` and
``separable_position_embedding`` (v2: ``class_token``) each; the first two
are called with the tokens' grid ``thw``, which the trace keeps as the
integers it was. Its fx-wrapped ``_unsqueeze`` at the model's start is an
``identity``.
"""

from __future__ import annotations

from typing import Any

from cnncalc.importers.torch_fx.messages import shape_text
from cnncalc.importers.torch_fx.op import (
    FunctionTranslator,
    Layer,
    ModuleTranslator,
    Op,
    Untranslatable,
)
from cnncalc.importers.torch_fx.spec_layers import compact, put

_SWIN = "torchvision.models.swin_transformer"
_VIDEO_SWIN = "torchvision.models.video.swin_transformer"
_MVIT = "torchvision.models.video.mvit"


def _channels_first(op: Op, block: str, video: bool = False) -> bool:
    """Whether cnncalc holds the block's ``[h, w, c]`` torch tensor as ``[c, h, w]`` (a
    ``permute(0, 2, 3, 1)`` of a map: the layer then reads it so, with ``channels_first``);
    with ``video`` also a ``[t, h, w, c]`` one as ``[c, t, h, w]`` (``permute(0, 2, 3, 4, 1)``)."""
    ranks = (3, 4) if video else (3,)
    rank = len(op.input)
    if rank not in ranks or op.layout not in (None, (*range(1, rank), 0)):
        axes = "[height, width, channels]" + (" or [time, height, width, channels]" * video)
        raise Untranslatable(
            f"{block} on a {shape_text(op.input)} tensor (cnncalc's axes "
            f"{shape_text(op.layout or tuple(range(rank)), ', ')}): it reads {axes}"
        )
    return op.layout is not None


def _window_attention(module: Any, op: Op) -> Layer:
    """``ShiftedWindowAttention(V2)(dim, window_size, shift_size, num_heads, qkv_bias,
    proj_bias)`` → ``window_attention``; V2 is told by its ``logit_scale``; Video Swin's
    ``ShiftedWindowAttention3d`` by its 3-D window (on ``[t, h, w, c]``)."""
    channels_first = _channels_first(op, "window_attention", len(module.window_size) == 3)
    layer: Layer = {
        "type": "window_attention",
        "window": compact([int(n) for n in module.window_size]),
    }
    put(layer, "shift", compact([int(n) for n in module.shift_size]), 0)
    layer["heads"] = int(module.num_heads)
    put(layer, "version", 2 if hasattr(module, "logit_scale") else 1, 1)
    put(layer, "qkv_bias", module.qkv.bias is not None, True)
    put(layer, "proj_bias", module.proj.bias is not None, True)
    put(layer, "channels_first", channels_first, False)
    return layer


def _patch_merging(version: int) -> ModuleTranslator:
    """``PatchMerging(dim)`` / ``PatchMergingV2(dim)`` → ``patch_merging``, if its norm is the
    default ``nn.LayerNorm`` (with its scale and shift) that cnncalc counts."""

    def translate(module: Any, op: Op) -> Layer:
        channels_first = _channels_first(op, "patch_merging", video=True)
        norm = module.norm
        if type(norm).__name__ != "LayerNorm" or norm.weight is None or norm.bias is None:
            raise Untranslatable(
                f"a patch merging normalised by {type(norm).__name__}: cnncalc's patch_merging "
                "uses nn.LayerNorm with a scale and a shift"
            )
        layer: Layer = {"type": "patch_merging"}
        put(layer, "version", version, 1)
        put(layer, "channels_first", channels_first, False)
        return layer

    return translate


def _in_torch_order(op: Op, block: str) -> None:
    """MViT's blocks read ``[tokens, features]`` as torch orders them: where cnncalc holds the
    tensor permuted (``x.flatten(2).transpose(1, 2)``), refusing makes the translation put a
    ``permute`` first."""
    if op.layout is not None:
        raise Untranslatable(f"{block} reads [tokens, features] in torch's order")


def _grid(op: Op, block: str) -> list[int]:
    """The ``thw`` a block of MViT is called with: its tokens' grid (as the trace kept it)."""
    _in_torch_order(op, block)
    thw = op.arg(1, "thw")
    if not (isinstance(thw, tuple) and len(thw) == 3 and all(type(n) is int for n in thw)):
        raise Untranslatable(f"{block} called with a grid cnncalc cannot read ({thw!r})")
    return list(thw)


def _triple(values: Any) -> list[int] | int:
    """A module's ``k`` or ``(k_t, k_h, k_w)`` (``nn.MaxPool3d`` keeps what it was given)."""
    return compact([int(n) for n in (values if isinstance(values, list | tuple) else [values] * 3)])


def _pooling_attention(module: Any, op: Op) -> Layer:
    """``MultiscaleAttention(input_size, embed_dim, output_dim, num_heads, kernel_q, kernel_kv,
    stride_q, stride_kv, residual_pool, …, rel_pos_embed)`` → ``pooling_attention``, if each
    pool is torchvision's own (a depthwise ``Conv3d`` with ``padding = kernel // 2``, then
    ``nn.LayerNorm``) and v2's position tables are the sizes torchvision gives the grid."""
    layer: Layer = {"type": "pooling_attention", "grid": _grid(op, "MultiscaleAttention"),
                    "heads": int(module.num_heads)}  # fmt: skip
    put(layer, "units", int(module.output_dim), int(module.embed_dim))
    for name, pool in (("q", module.pool_q), ("kv", module.pool_k)):
        if pool is None:
            continue
        conv, norm = pool.pool, pool.norm_act
        if (
            type(conv).__name__ != "Conv3d"
            or conv.bias is not None
            or conv.groups != conv.in_channels
            or list(conv.padding) != [k // 2 for k in conv.kernel_size]
            or pool.norm_before_pool
            or norm is None
            or [type(m).__name__ for m in norm] != ["LayerNorm"]
        ):
            raise Untranslatable(
                f"a pooling attention whose {name} pool is not a depthwise Conv3d (padding "
                "kernel // 2, no bias) then nn.LayerNorm"
            )
        layer[f"kernel_{name}"] = _triple(conv.kernel_size)
        layer[f"stride_{name}"] = _triple(conv.stride)
    put(layer, "rel_pos", module.rel_pos_h is not None, False)
    put(layer, "residual_pool", bool(module.residual_pool), False)
    return layer


def _token_pool(module: Any, op: Op) -> Layer:
    """MViT's ``Pool(nn.MaxPool3d(kernel, stride, padding), None)`` (the skip connection's) →
    ``token_maxpool``."""
    pool = module.pool
    if type(pool).__name__ != "MaxPool3d" or module.norm_act is not None:
        raise Untranslatable(
            f"an MViT Pool of {type(pool).__name__}"
            + (" with a norm" if module.norm_act is not None else "")
            + ": cnncalc's token_maxpool is a MaxPool3d alone"
        )
    if _triple(pool.dilation) != 1 or pool.ceil_mode or pool.return_indices:
        raise Untranslatable("a MaxPool3d with dilation, ceil_mode or return_indices")
    padding = _triple(pool.padding)
    layer: Layer = {
        "type": "token_maxpool",
        "grid": _grid(op, "Pool"),
        "kernel": _triple(pool.kernel_size),
        "stride": _triple(pool.stride),
    }
    put(layer, "padding", padding, 0)
    return layer


def _position_encoding(module: Any, op: Op) -> Layer:
    """MViT's ``PositionalEncoding``: its class token, and v1's separable positions →
    ``separable_position_embedding`` (v2's, whose positions are relative, in the attention:
    ``class_token``)."""
    _in_torch_order(op, "PositionalEncoding")
    if module.spatial_pos is None:
        return {"type": "class_token"}
    grid = [int(module.temporal_size), *(int(n) for n in module.spatial_size)]
    return {"type": "separable_position_embedding", "grid": grid}


def _unsqueeze(op: Op) -> Layer:
    """MViT's ``_unsqueeze(x, rank, axis)``: ``(x, x.dim())`` with an axis added where ``x`` has
    one fewer than ``rank`` (an image for a one-frame video): an ``identity``, or a reshape."""
    if op.output == op.input:
        return {"type": "identity"}
    return {"type": "reshape", "shape": list(op.output)}


FUNCTIONS: dict[str, FunctionTranslator] = {f"{_MVIT}._unsqueeze": _unsqueeze}
"""torchvision's fx-wrapped functions outside its blocks, by ``module.qualname``."""

BLOCKS: dict[str, ModuleTranslator] = {
    f"{_SWIN}.ShiftedWindowAttention": _window_attention,
    f"{_SWIN}.ShiftedWindowAttentionV2": _window_attention,
    f"{_SWIN}.PatchMerging": _patch_merging(1),
    f"{_SWIN}.PatchMergingV2": _patch_merging(2),
    f"{_VIDEO_SWIN}.ShiftedWindowAttention3d": _window_attention,
    f"{_MVIT}.MultiscaleAttention": _pooling_attention,
    f"{_MVIT}.Pool": _token_pool,
    f"{_MVIT}.PositionalEncoding": _position_encoding,
}
"""Each block's qualified class name and its translator."""


def block_translator(cls: type[Any]) -> ModuleTranslator | None:
    """The translator of a torchvision block class, of a subclass keeping its ``forward``, or
    None."""
    for base in cls.__mro__:
        found = BLOCKS.get(f"{base.__module__}.{base.__qualname__}")
        if found is not None:
            same = base is cls or getattr(cls, "forward", None) is getattr(base, "forward", None)
            return found if same else None
    return None
