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
"""

from __future__ import annotations

from typing import Any

from cnncalc.importers.torch_fx.messages import shape_text
from cnncalc.importers.torch_fx.op import Layer, ModuleTranslator, Op, Untranslatable
from cnncalc.importers.torch_fx.spec_layers import compact, put

_SWIN = "torchvision.models.swin_transformer"
_VIDEO_SWIN = "torchvision.models.video.swin_transformer"


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


BLOCKS: dict[str, ModuleTranslator] = {
    f"{_SWIN}.ShiftedWindowAttention": _window_attention,
    f"{_SWIN}.ShiftedWindowAttentionV2": _window_attention,
    f"{_SWIN}.PatchMerging": _patch_merging(1),
    f"{_SWIN}.PatchMergingV2": _patch_merging(2),
    f"{_VIDEO_SWIN}.ShiftedWindowAttention3d": _window_attention,
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
