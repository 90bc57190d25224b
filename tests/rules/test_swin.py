"""Swin's window attention and patch merging, cross-attention, resizing and 1-D/3-D adaptive
pooling, against figures measured on the PyTorch modules.

The Swin figures are torchvision 0.29.1's own modules (``ShiftedWindowAttention``,
``…V2``, ``PatchMerging``, ``PatchMergingV2``) at Swin-T's first stage, each peer
run live (``bench/swin_torchvision.py`` prints them); the test venv has no
torchvision, so the generated-network tests compare against a rewrite of them
in ``tests/torch_builder.py`` instead.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

import cnncalc
import cnncalc.spec
from cnncalc import ir
from cnncalc.errors import RuleError, SpecError
from cnncalc.rules import LayerCounts, apply_rule


def counts(node: ir.Node, *shapes: tuple[int, ...]) -> LayerCounts:
    return apply_rule(node, shapes)


def peers(layer: LayerCounts) -> dict[str, Any]:
    return dict(layer.flops.items())


SWIN_T_STAGE_1 = (56, 56, 96)


def test_swin_t_stage_1_shifted_window_attention() -> None:
    layer = counts(ir.WindowAttention((7, 7), (3, 3), 3), SWIN_T_STAGE_1)
    assert layer.output_shape == SWIN_T_STAGE_1
    # 4·96² + 4·96 projections, 13·13·3 relative position biases; a 49² index buffer.
    assert layer.trainable_params == 4 * 96 * 96 + 4 * 96 + 13 * 13 * 3 == 37_755
    assert layer.buffers == 49 * 49 == 2401
    tokens, macs = 56 * 56, 4 * 56 * 56 * 96 * 96 + 2 * 56 * 56 * 49 * 96
    assert peers(layer) | {"connections": None} == {
        "connections": None, "macs": macs, "flops": 2 * macs, "torchinfo": 0,
        # ptflops: Tensor.matmul twice and F.softmax, not F.linear
        "ptflops": 2 * tokens * 49 * 96 + 3 * 64 * 49 * 49, "fvcore": macs, "thop": 0,
        "torchscan": 0,  # torchscan 0.2.0 live: "unavailable", its modules never called
    }  # fmt: skip
    assert (macs, 2 * macs, 2 * tokens * 49 * 96 + 3 * 64 * 49 * 49) == (
        145_108_992, 290_217_984, 29_964_480,
    )  # fmt: skip


def test_swin_v2_window_attention_adds_its_position_bias_mlp() -> None:
    layer = counts(ir.WindowAttention((7, 7), (3, 3), 3, version=2), SWIN_T_STAGE_1)
    assert layer.trainable_params == 40_323
    assert layer.buffers == 49 * 49 + 2 * 13 * 13 == 2739
    assert peers(layer) | {"connections": None} == {
        "connections": None, "macs": 145_541_632, "flops": 291_083_264, "torchinfo": 3072,
        "ptflops": 15_904_960, "fvcore": 145_541_632, "thop": 432_640,
        "torchscan": 432_640,  # the MLP's nn.Linear modules (torchscan 0.2.0 live)
    }  # fmt: skip
    # The MLP on the 13·13 coordinates: 13·13·(2·512 + 512·3) more MACs than version 1.
    assert 145_541_632 - 145_108_992 == 13 * 13 * (2 * 512 + 512 * 3)


def test_window_attention_pads_the_map_to_whole_windows() -> None:
    # 7×5 with 3×3 windows: 9×6 = 54 tokens in 6 windows, as measured (FlopCounterMode 43,200).
    layer = counts(ir.WindowAttention((3, 3), (1, 1), 2), (7, 5, 8))
    assert layer.output_shape == (7, 5, 8)
    assert layer.flops.flops == 2 * (54 * 4 * 8 * 8 + 2 * 54 * 9 * 8) == 43_200
    assert (layer.trainable_params, layer.buffers) == (338, 81)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (1, {"params": 74_496, "macs": 57_802_752, "torchinfo": 74_496, "ptflops": 58_103_808,
             "fvcore": 59_308_032, "thop": 59_006_976, "torchscan": 57_802_752}),
        (2, {"params": 74_112, "macs": 57_802_752, "torchinfo": 74_112, "ptflops": 57_953_280,
             "fvcore": 58_555_392, "thop": 58_404_864, "torchscan": 57_802_752}),
    ],
)  # fmt: skip
def test_patch_merging(version: int, expected: dict[str, int]) -> None:
    layer = counts(ir.PatchMerging(2 if version == 2 else 1), SWIN_T_STAGE_1)
    assert layer.output_shape == (28, 28, 192)
    flops = layer.flops
    assert {"params": layer.trainable_params, **{k: flops[ir_name(k)] for k in expected
                                                if k != "params"}} == expected  # fmt: skip
    assert flops.flops == 2 * 28 * 28 * 384 * 192 == 115_605_504


def ir_name(name: str) -> Any:
    return cnncalc.Convention(name)


def test_patch_merging_pads_odd_sizes() -> None:
    assert counts(ir.PatchMerging(), (7, 5, 8)).output_shape == (4, 3, 16)


@pytest.mark.parametrize(
    ("node", "shape", "field", "message"),
    [
        (ir.WindowAttention((7, 7), (7, 0), 3), SWIN_T_STAGE_1, "shift",
         "a shift of 7 is not smaller than the window of 7"),
        (ir.WindowAttention((7, 7), (3, 3), 5), SWIN_T_STAGE_1, "heads",
         "heads=5 must divide the 96 channels"),
        (ir.WindowAttention((7, 7), (0, 0), 3), (96, 56), None,
         "window_attention needs a channels-last map [height, width, channels] or [time, "
         "height, width, channels], got (96, 56): permute a map with dims [1, 2, 0] (a "
         "video's [1, 2, 3, 0]) first"),
        (ir.PatchMerging(), (96, 8, 56, 56, 1), None,
         "patch_merging needs a channels-last map [height, width, channels] or [time, height, "
         "width, channels], got (96, 8, 56, 56, 1): permute a map with dims [1, 2, 0] (a "
         "video's [1, 2, 3, 0]) first"),
        (ir.PatchMerging(channels_first=True), (96, 56), None,
         "patch_merging needs a map [channels, height, width] or [channels, time, height, "
         "width], got (96, 56)"),
        (ir.WindowAttention((8, 7, 7), (0, 0, 0), 3), SWIN_T_STAGE_1, "window",
         "a 3-D window [time, height, width] on a map of 2 spatial axes (56, 56, 96)"),
        (ir.WindowAttention((7, 7), (0, 0), 3), (8, 56, 56, 96), "window",
         "a 2-D window [height, width] on a map of 3 spatial axes (8, 56, 56, 96)"),
        (ir.WindowAttention((8, 7, 7), (4, 3), 3), (8, 56, 56, 96), "shift",
         "2 shifts for a 3-D window: give one per window axis"),
        (ir.WindowAttention((8, 7, 7), (0, 0, 0), 3, version=2), (8, 56, 56, 96), "version",
         "version 2 (Swin V2) takes a 2-D window [height, width]"),
    ],
)  # fmt: skip
def test_swin_errors(
    node: ir.Node, shape: tuple[int, ...], field: str | None, message: str
) -> None:
    with pytest.raises(RuleError) as caught:
        counts(node, shape)
    assert (caught.value.field, caught.value.message) == (field, message)


# -- cross-attention ---------------------------------------------------------------------------


def test_cross_attention_projects_the_keys_and_values_from_their_own_features() -> None:
    # 5 queries of 8 features over 7 tokens of 6: nn.MultiheadAttention(8, 2, kdim=6, vdim=6).
    layer = counts(ir.Attention(heads=2), (5, 8), (7, 6))
    assert layer.output_shape == (5, 8)
    assert layer.trainable_params == 2 * 8 * 8 + 2 * 8 * 6 + 4 * 8 == 256
    projections = 5 * 8 * 8 + 7 * 8 * 6 + 7 * 8 * 6 + 5 * 8 * 8
    assert layer.macs == projections + 2 * 5 * 7 * 8 == 1872


def test_attention_on_queries_keys_and_values() -> None:
    layer = counts(ir.Attention(heads=4, bias=False), (3, 8), (6, 5), (6, 7))
    assert layer.trainable_params == 2 * 8 * 8 + 8 * 5 + 8 * 7 == 224
    assert layer.macs == 3 * 64 + 6 * 40 + 6 * 56 + 3 * 64 + 2 * 3 * 6 * 8


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        (((3, 8), (6, 5), (5, 7)), "6 key tokens but 5 value tokens: they must match"),
        (((3, 8), (6, 5), (6, 7), (6, 7)),
         "attention reads 1 input (self-attention), 2 (queries, then keys and values) or 3 "
         "(queries, keys, values), not 4"),
    ],
)  # fmt: skip
def test_cross_attention_errors(shapes: tuple[tuple[int, ...], ...], message: str) -> None:
    with pytest.raises(RuleError) as caught:
        counts(ir.Attention(heads=2), *shapes)
    assert (caught.value.field, caught.value.message) == ("inputs", message)


# -- resizing ----------------------------------------------------------------------------------


def test_upsample_by_a_fraction_rounds_down_as_pytorch() -> None:
    layer = counts(ir.Upsample((Fraction(1, 2), Fraction(1, 2)), "bilinear"), (3, 7, 5))
    assert layer.output_shape == (3, 3, 2)
    # Measured: fvcore 72, thop 198, ptflops 18 (the hook's 18; F.interpolate's 105·⌊½⌋·⌊½⌋).
    assert (layer.flops.fvcore, layer.flops.thop, layer.flops.ptflops) == (72, 198, 18)


def test_upsample_to_a_size() -> None:
    layer = counts(ir.Upsample(None, "bilinear", size=(4, 3)), (3, 7, 5))
    assert layer.output_shape == (3, 4, 3)
    # Measured on nn.Upsample(size=(4, 3), mode="bilinear"): fvcore 144, ptflops 72, thop 396,
    # torchscan 0 (no formula for nn.Upsample).
    assert peers(layer) == {"connections": 144, "macs": 0, "flops": 0, "torchinfo": 0,
                            "ptflops": 72, "fvcore": 144, "thop": 396,
                            "torchscan": 0}  # fmt: skip


def test_upsample_by_one_and_a_half_and_bicubic() -> None:
    nearest = counts(ir.Upsample((Fraction(3, 2), Fraction(3, 2))), (3, 7, 5))
    assert nearest.output_shape == (3, 10, 7)
    assert (nearest.flops.ptflops, nearest.flops.fvcore) == (210 + 105, 210)  # measured
    bicubic = counts(ir.Upsample((2, 2), "bicubic"), (3, 7, 5))
    assert peers(bicubic) == {"connections": 16 * 420, "macs": 0, "flops": 0, "torchinfo": 0,
                              "ptflops": 840, "fvcore": 0, "thop": 259 * 420,
                              "torchscan": 0}  # fmt: skip


def test_a_scale_that_leaves_nothing_is_an_error() -> None:
    with pytest.raises(RuleError) as caught:
        counts(ir.Upsample((Fraction(1, 4), 1)), (3, 3, 5))
    assert caught.value.message == "scaling an axis of 3 by 1/4 leaves no value (⌊n·s⌋ = 0)"


@pytest.mark.parametrize(
    ("written", "read"),
    [(0.5, (Fraction(1, 2),) * 2), ("1/2", (Fraction(1, 2),) * 2),
     ("0.75", (Fraction(3, 4),) * 2), ([1.5, 2], (Fraction(3, 2), 2)), ("4/2", (2, 2)),
     (2.0, (2, 2)), (0.1, (Fraction(1, 10),) * 2)],
)  # fmt: skip
def test_scales_are_read_exactly(written: object, read: tuple[object, ...]) -> None:
    spec = cnncalc.spec.parse_spec(
        {"input": [1, 20, 20], "layers": [{"type": "interpolate", "scale": written}]}
    )
    node = spec.to_ir().layers[0].op
    assert isinstance(node, ir.Upsample)
    assert node.scale == read
    assert all(type(s) in (int, Fraction) for s in node.scale)


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ({"scale": 0}, "expected a positive integer, fraction ('1/2') or decimal (0.5), or "
                       "[height, width] of them, got 0"),
        ({"scale": "1/0"}, "expected a positive integer, fraction ('1/2') or decimal (0.5), or "
                           "[height, width] of them, got '1/0'"),
        ({"scale": 2, "size": 4}, "give 'scale' or 'size', not both"),
    ],
)  # fmt: skip
def test_bad_scales(layer: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError) as caught:
        cnncalc.analyze({"input": [1, 8, 8], "layers": [{"type": "upsample", **layer}]})
    assert message in str(caught.value)


# -- adaptive pooling in 1-D and 3-D ----------------------------------------------------------


def test_adaptive_pooling_in_1d_and_3d() -> None:
    report = cnncalc.analyze({"input": [2, 4, 6, 5], "layers": [
        {"type": "adaptive_avgpool3d", "output_size": [2, 3, 2]}]})  # fmt: skip
    layer = report.layers[0]
    assert layer.output_shape == (2, 2, 3, 2)
    # Measured on nn.AdaptiveAvgPool3d((2, 3, 2)): ptflops 480, thop 264, fvcore 0 (no handle).
    flops = layer.flops_by_convention
    assert (flops.ptflops, flops.thop, flops.fvcore) == (480, 264, 0)
    signal = cnncalc.analyze({"input": [2, 11], "layers": [
        {"type": "adaptive_maxpool1d", "output_size": 3}]}).layers[0]  # fmt: skip
    assert signal.output_shape == (2, 3)
    assert (signal.flops_by_convention.ptflops, signal.flops_by_convention.fvcore) == (44, 0)
