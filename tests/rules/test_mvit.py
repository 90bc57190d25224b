"""Video Swin's 3-D window attention and MViT's layers, against torchvision 0.29.1's modules.

Every figure was measured on torchvision's own module (``ShiftedWindowAttention3d``,
``MultiscaleAttention``, ``Pool``, ``PositionalEncoding``) with torch 2.14.1 and the
four peers (the ``peers`` helper of ``bench/swin_torchvision.py``): parameters,
FlopCounterMode, torchinfo, fvcore, ptflops and thop. The one figure cnncalc does
not reproduce is fvcore's for MViT v2's ``torch.einsum``: fvcore takes numpy's
FLOP estimate of an einsum, printed to 4 significant digits (33,720,000 for
33,718,272 MACs), where cnncalc counts the MACs exactly.
"""

from __future__ import annotations

from typing import Any

import pytest

from cnncalc import ir
from cnncalc.errors import RuleError
from cnncalc.rules import LayerCounts, apply_rule

PEERS = ("flops", "torchinfo", "fvcore", "ptflops", "thop")


def counts(node: ir.Node, shape: tuple[int, ...]) -> LayerCounts:
    return apply_rule(node, (shape,))


def peers(layer: LayerCounts) -> dict[str, Any]:
    flops = dict(layer.flops.items())
    return {name: flops[name] for name in PEERS}


def test_swin3d_t_stage_1_window_attention() -> None:
    layer = counts(ir.WindowAttention((8, 7, 7), (4, 3, 3), 3), (8, 56, 56, 96))
    # 4·96² + 4·96 projections, 15·13·13·3 position biases; a (8·7·7)² index buffer.
    assert (layer.trainable_params, layer.buffers) == (44_853, 392 * 392)
    assert layer.output_shape == (8, 56, 56, 96)
    assert peers(layer) == {
        "flops": 5_626_134_528, "torchinfo": 0, "fvcore": 2_813_067_264,
        "ptflops": 1_917_726_720, "thop": 0,
    }  # fmt: skip


def test_swin3d_t_stage_4_window_shrinks_to_the_map() -> None:
    # 7×7 maps: the window's 7×7 sides fit, its 8 frames too; the table stays the window's.
    layer = counts(ir.WindowAttention((8, 7, 7), (4, 3, 3), 24), (8, 7, 7, 768))
    assert (layer.trainable_params, layer.buffers) == (2_423_208, 153_664)
    assert peers(layer) == {
        "flops": 2_321_743_872, "torchinfo": 0, "fvcore": 1_160_871_936,
        "ptflops": 239_715_840, "thop": 0,
    }  # fmt: skip
    # A shorter clip: the window shrinks to its 4 frames (8·7·7 → 4·7·7 tokens per window).
    short = counts(ir.WindowAttention((8, 7, 7), (4, 3, 3), 24), (4, 7, 7, 768))
    assert dict(short.flops.items())["macs"] == 4 * 196 * 768 * 768 + 2 * 196 * 196 * 768


def test_video_patch_merging_merges_each_frame() -> None:
    layer = counts(ir.PatchMerging(), (8, 56, 56, 96))
    assert layer.output_shape == (8, 28, 28, 192)
    assert layer.trainable_params == 8 * 96 * 96 + 2 * 4 * 96 == 74_496
    assert dict(layer.flops.items())["macs"] == 8 * 28 * 28 * 8 * 96 * 96
    assert counts(ir.PatchMerging(channels_first=True), (96, 8, 7, 7)).output_shape == (
        192, 8, 4, 4,
    )  # fmt: skip


MVIT_V1_BLOCK_1 = ir.PoolingAttention(
    (8, 56, 56), 2, 192, (3, 3, 3), (1, 2, 2), (3, 3, 3), (1, 4, 4)
)


def test_mvit_v1_b_block_1_pooling_attention() -> None:
    layer = counts(MVIT_V1_BLOCK_1, (1 + 8 * 56 * 56, 192))
    # The query pooled to 8×28×28, the keys and values to 8×14×14.
    assert layer.output_shape == (1 + 8 * 28 * 28, 192)
    assert layer.trainable_params == 156_576
    assert peers(layer) == {
        "flops": 13_668_238_080, "torchinfo": 48_919_872, "fvcore": 6_843_153_600,
        "ptflops": 6_851_581_632, "thop": 3_061_889_280,
    }  # fmt: skip


def test_mvit_v2_s_block_1_adds_relative_positions() -> None:
    node = ir.PoolingAttention(
        (8, 56, 56), 2, 192, (3, 3, 3), (1, 2, 2), (3, 3, 3), (1, 4, 4), rel_pos=True,
        residual_pool=True,
    )  # fmt: skip
    layer = counts(node, (1 + 8 * 56 * 56, 96))
    assert layer.trainable_params == 113_280
    assert peers(layer) == {
        # fvcore measured 5,499,186,048: its einsum figure is numpy's, rounded (see above).
        "flops": 10_980_299_520, "torchinfo": 48_864_576, "fvcore": 5_499_184_320,
        "ptflops": 5_473_894_080, "thop": 1_674_567_936,
    }  # fmt: skip


def test_mvit_skip_pool_and_position_embedding() -> None:
    skip = ir.TokenMaxPool((8, 56, 56), (1, 3, 3), (1, 2, 2), ((0, 0), (1, 1), (1, 1)))
    layer = counts(skip, (1 + 8 * 56 * 56, 192))
    assert layer.output_shape == (1 + 8 * 28 * 28, 192)
    assert peers(layer) == {"flops": 0, "torchinfo": 0, "fvcore": 0, "ptflops": 9_633_792,
                            "thop": 0}  # fmt: skip
    position = counts(ir.SeparablePositionEmbedding((8, 56, 56)), (8 * 56 * 56, 96))
    assert position.output_shape == (1 + 8 * 56 * 56, 96)
    assert position.trainable_params == (8 + 56 * 56 + 2) * 96 == 302_016
    assert counts(
        ir.SeparablePositionEmbedding((8, 56, 56), False), (8 * 56 * 56, 96)
    ).output_shape == (8 * 56 * 56, 96)


@pytest.mark.parametrize(
    ("node", "shape", "field", "message"),
    [
        (MVIT_V1_BLOCK_1, (8 * 56 * 56, 192), "grid",
         "a grid of 8×56×56 needs 1 + 25088 tokens, got 25088"),
        (ir.PoolingAttention((2, 2, 2), 5, 96), (9, 96), "heads",
         "heads=5 must divide the 96 output features"),
        (MVIT_V1_BLOCK_1, (96, 8, 56, 56), None,
         "pooling_attention needs tokens [1 + t·h·w, features] (a class token, then the grid), "
         "got (96, 8, 56, 56)"),
        (ir.SeparablePositionEmbedding((2, 2, 2)), (9, 4), "grid",
         "a grid of 2×2×2 needs 8 tokens, got 9"),
    ],
)  # fmt: skip
def test_mvit_errors(
    node: ir.Node, shape: tuple[int, ...], field: str | None, message: str
) -> None:
    with pytest.raises(RuleError) as caught:
        counts(node, shape)
    assert (caught.value.field, caught.value.message) == (field, message)
