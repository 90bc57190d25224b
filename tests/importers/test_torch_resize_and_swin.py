"""The PyTorch importer on resizing to a size or by a fraction, 1-D/3-D adaptive pooling, and
Swin's blocks (torchvision's classes are matched by name: here, this file's rewrites of them)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import cnncalc
from cnncalc.importers.torch_fx import from_module


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
