"""The PyTorch importer on resizing to a size or by a fraction, 1-D/3-D adaptive pooling, and
Swin's blocks (torchvision's classes are matched by name: here, this file's rewrites of them)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import cnncalc
from cnncalc import ir
from cnncalc.importers.torch_fx import from_module
from tests import torch_builder


class Resize(nn.Module):
    def __init__(self, **arguments: Any) -> None:
        super().__init__()
        self.arguments = arguments

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, **self.arguments)


@pytest.mark.parametrize(
    ("module", "layer", "shape"),
    [
        # LR-ASPP and DeepLabV3: F.interpolate(x, size=…, mode="bilinear", align_corners=False)
        (Resize(size=(4, 3), mode="bilinear", align_corners=False),
         {"size": [4, 3], "mode": "bilinear"}, (3, 4, 3)),
        (nn.Upsample(scale_factor=0.5), {"scale": "1/2"}, (3, 3, 2)),
        (Resize(scale_factor=(1.5, 0.75), mode="bicubic"),
         {"scale": ["3/2", "3/4"], "mode": "bicubic"}, (3, 10, 3)),
        (nn.Upsample(scale_factor=2, mode="bilinear"), {"scale": 2, "mode": "bilinear"},
         (3, 14, 10)),
    ],
)  # fmt: skip
def test_resizing_imports_as_a_scale_or_a_size(
    module: nn.Module, layer: dict[str, Any], shape: tuple[int, ...]
) -> None:
    imported = from_module(module, (3, 7, 5))
    (written,) = imported.spec["layers"]
    assert {k: v for k, v in written.items() if k not in ("name", "type")} == layer
    assert cnncalc.analyze(imported.spec).layers[0].output_shape == shape


def test_a_factor_torch_rounds_otherwise_imports_as_its_size() -> None:
    # 0.29·100 is 28.999… in floating point: PyTorch gives 28, the exact product 29.
    imported = from_module(nn.Upsample(scale_factor=0.29), (3, 100, 100))
    assert imported.spec["layers"][0]["size"] == 28


def test_adaptive_pooling_in_1d_and_3d_imports() -> None:
    clip = nn.Sequential(nn.Conv3d(1, 2, 3), nn.AdaptiveAvgPool3d((1, 2, 2)))
    assert from_module(clip, (1, 6, 8, 8)).spec["layers"][-1] == {
        "name": "1", "type": "adaptive_avgpool3d", "output_size": [1, 2, 2],
    }  # fmt: skip
    signal = nn.Sequential(nn.Conv1d(2, 4, 3), nn.AdaptiveMaxPool1d(3))
    assert from_module(signal, (2, 20)).spec["layers"][-1] == {
        "name": "1", "type": "adaptive_maxpool1d", "output_size": 3,
    }  # fmt: skip


# -- Swin's blocks: found by torchvision's class names ------------------------------------------

_SWIN = "torchvision.models.swin_transformer"


class ShiftedWindowAttention(torch_builder.WindowAttention):
    """The test rewrite under torchvision's name and attributes (torchvision is not here)."""

    __module__ = _SWIN

    def __init__(self, dim: int, window: list[int], shift: list[int], heads: int,
                 version: int = 1, qkv_bias: bool = True) -> None:  # fmt: skip
        node = ir.WindowAttention((window[0], window[1]), (shift[0], shift[1]), heads,
                                  2 if version == 2 else 1, qkv_bias)  # fmt: skip
        super().__init__(node, (1, 1, dim))
        self.window_size, self.shift_size, self.num_heads = window, shift, heads


class PatchMergingV2(torch_builder.PatchMerging):
    __module__ = _SWIN

    def __init__(self, dim: int) -> None:
        super().__init__(ir.PatchMerging(2), (1, 1, dim))


class ChannelsLast(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 2, 3, 1)


def test_swin_blocks_on_a_channels_last_tensor() -> None:
    model = nn.Sequential(ShiftedWindowAttention(8, [3, 3], [1, 1], 2, version=2, qkv_bias=False),
                          PatchMergingV2(8))  # fmt: skip
    imported = from_module(model, (7, 5, 8))
    layers = imported.spec["layers"]
    assert [{k: v for k, v in layer.items() if k != "name"} for layer in layers] == [
        {"type": "window_attention", "window": 3, "shift": 1, "heads": 2, "version": 2,
         "qkv_bias": False},
        {"type": "patch_merging", "version": 2},
    ]  # fmt: skip
    report = cnncalc.analyze(imported.spec)
    assert report.layers[-1].output_shape == (4, 3, 16)


def test_swin_blocks_behind_a_permute_read_the_map_channels_first() -> None:
    # Swin's stem: a patchifying conv, then Permute([0, 2, 3, 1]); cnncalc keeps the map.
    attention = ShiftedWindowAttention(8, [7, 7], [3, 3], 2)
    model = nn.Sequential(nn.Conv2d(3, 8, 4, stride=4), ChannelsLast(), attention,
                          PatchMergingV2(8))  # fmt: skip
    imported = from_module(model, (3, 56, 56))
    layers = imported.spec["layers"]
    # The model returns the channels-last map: a permute puts the output in torch's order.
    assert [layer["type"] for layer in layers] == [
        "conv2d", "window_attention", "patch_merging", "permute",
    ]  # fmt: skip
    assert layers[1]["channels_first"] is True and layers[2]["channels_first"] is True
    report = cnncalc.analyze(imported.spec)
    assert report.layers[-2].output_shape == (16, 7, 7)
    assert report.output_shape == (7, 7, 16)
    # The same counts as the channels-last layer: 4·8² + 4·8 + 13·13·2 parameters.
    assert report.layers[1].trainable_params == 4 * 64 + 4 * 8 + 169 * 2 == 626
