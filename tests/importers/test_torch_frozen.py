"""Frozen PyTorch parameters (``requires_grad_(False)``) imported as ``trainable: false``.

The oracles are the model itself: its parameters that require a gradient, and
``FlopCounterMode`` around ``loss.backward()`` for the training step.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import cnncalc
from cnncalc.importers.torch_fx import from_module
from cnncalc.training import training_flops
from tests.conftest import SPECS
from tests.importers.test_torch_import import SpecNetwork


def trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def step(model: nn.Module, shape: tuple[int, ...]) -> int:
    """FlopCounterMode's forward + backward FLOPs of one step on one sample."""
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *shape)).sum().backward()
    return int(counter.get_total_flops())


def fine_tuned() -> nn.Module:
    """ResNet-18 fine-tuned as usual: the stem and layer1…layer3 frozen, layer4 and fc not."""
    model = SpecNetwork(cnncalc.load(SPECS / "resnet18.yaml")).eval()  # torchvision's names
    for name, module in model.named_children():
        if name not in ("layer4", "fc"):
            module.requires_grad_(False)
    return model


def test_a_fine_tuned_resnet_trains_what_pytorch_trains() -> None:
    model = fine_tuned()
    imported = from_module(model, (3, 64, 64))
    frozen = [layer["name"] for layer in imported.spec["layers"] if layer.get("trainable") is False]
    assert frozen[:3] == ["conv1", "bn1", "layer1.0.conv1"]
    assert "layer4.0.conv1" not in frozen
    report = cnncalc.analyze(imported.spec)
    assert report.totals.trainable_params == trainable(model) == 8_393_728 + 513_000  # layer4, fc
    steps = training_flops(report).values()
    assert sum(int(s.total) for s in steps) == step(model, (3, 64, 64))


def test_a_module_partly_frozen_stays_trainable_and_is_noted() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
    model[0].weight.requires_grad_(False)
    imported = from_module(model, (3, 8, 8))
    assert all("trainable" not in layer for layer in imported.spec["layers"])
    assert "0: 216 of its 224 parameters do not require a gradient, the others do: the spec " \
        "counts them all as trainable." in imported.comments  # fmt: skip


@pytest.mark.parametrize("frozen", [True, False])
def test_a_frozen_functional_layer(frozen: bool) -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.zeros(4, 6), requires_grad=not frozen)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.linear(x, self.weight)

    imported = from_module(Net(), (6,))
    assert cnncalc.analyze(imported.spec).totals.trainable_params == (0 if frozen else 24)
