"""What a peer's user runs: build an AlexNet in torch, ask one peer for its count.

The AlexNet is the one of the blog post 《经典网络(四)AlexNet全解析》.

    python bench/peer_alexnet.py torchinfo|fvcore|ptflops

The benchmark times this whole process against ``cnncalc specs/alexnet.yaml``.
"""

from __future__ import annotations

import sys

import torch
from torch import nn


def alexnet() -> nn.Module:
    """《经典网络(四)AlexNet全解析》's nn.Sequential, exactly as it prints it (227×227 input)."""
    return nn.Sequential(
        nn.Conv2d(3, 96, kernel_size=11, stride=4), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Linear(9216, 4096), nn.Linear(4096, 4096), nn.Linear(4096, 1000),
    ).eval()  # fmt: skip


def main() -> None:
    peer = sys.argv[1]
    model = alexnet()
    if peer == "torchinfo":
        from torchinfo import summary

        print(summary(model, input_size=(1, 3, 227, 227), verbose=0).total_mult_adds)
    elif peer == "fvcore":
        from fvcore.nn import FlopCountAnalysis

        print(FlopCountAnalysis(model, torch.zeros(1, 3, 227, 227)).total())
    elif peer == "ptflops":
        from ptflops import get_model_complexity_info

        macs, _ = get_model_complexity_info(
            model, (3, 227, 227), as_strings=False, print_per_layer_stat=False
        )
        print(macs)
    else:
        raise SystemExit(f"unknown peer {peer}")


if __name__ == "__main__":
    main()
