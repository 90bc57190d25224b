"""torchvision's stochastic depth, as EfficientNet, ConvNeXt, Swin and MaxViT call it.

``torchvision.ops.stochastic_depth`` is a function torchvision marks with
``torch.fx.wrap``: fx records the call, not its body. The importer knows it by
its qualified name (cnncalc never imports torchvision), so the function here
carries torchvision's module name and the same signature and behaviour
(torchvision 0.29.1, ``torchvision/ops/stochastic_depth.py``).
"""

from __future__ import annotations

import torch
import torch.fx
from torch import nn

import cnncalc
from cnncalc.importers.torch_fx import from_module


def stochastic_depth(
    input: torch.Tensor, p: float, mode: str, training: bool = True
) -> torch.Tensor:
    """Zero the input (a sample's, ``row``, or the batch's) with probability ``p`` in training."""
    if not training or p == 0.0:
        return input
    size = [input.shape[0]] + [1] * (input.ndim - 1) if mode == "row" else [1] * input.ndim
    noise = torch.empty(size, dtype=input.dtype).bernoulli_(1.0 - p)
    return input * noise.div_(1.0 - p)


stochastic_depth.__module__ = "torchvision.ops.stochastic_depth"
torch.fx.wrap("stochastic_depth")


class Block(nn.Module):
    """EfficientNet's MBConv tail: a residual branch dropped with probability 0.2 in training."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + stochastic_depth(self.conv(x), 0.2, "row", self.training)


def test_stochastic_depth_at_inference_is_a_dropout_that_counts_nothing() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 1), Block())
    model.train()  # the importer runs it in eval mode all the same
    imported = from_module(model, (3, 8, 8))
    assert imported.skipped == []
    assert [(layer["name"], layer["type"]) for layer in imported.spec["layers"]] == [
        ("0", "conv2d"), ("1.conv", "conv2d"), ("1.dropout", "dropout"), ("1.add", "add"),
    ]  # fmt: skip
    assert imported.spec["layers"][2]["rate"] == 0.2
    report = cnncalc.analyze(imported.spec)
    assert report.totals.params == (3 + 1) * 4 + (4 * 9 + 1) * 4
    assert report.totals.macs == 3 * 4 * 64 + 4 * 9 * 4 * 64
    assert model.training  # left as it was
