"""Named FLOP conventions: what one "operation" is, and whose count it matches.

Peers disagree on what a FLOP is, and their users most often cannot tell
whether a number is MACs or FLOPs. cnncalc computes every convention for every
layer and prints which one a report's ``flops`` column uses. Each layer rule
states its count under each convention; the README has the per-layer table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Convention(StrEnum):
    """The FLOP conventions cnncalc can count under (``--convention NAME``)."""

    CONNECTIONS = "connections"
    MACS = "macs"
    FLOPS = "flops"
    TORCHINFO = "torchinfo"
    PTFLOPS = "ptflops"
    FVCORE = "fvcore"


@dataclass(frozen=True, slots=True)
class ConventionInfo:
    """One sentence saying what the convention counts, and its source."""

    definition: str
    source: str


CONVENTIONS: dict[Convention, ConventionInfo] = {
    Convention.CONNECTIONS: ConventionInfo(
        "one per weight use and one per bias, (c_in·k·k + 1) per conv output; "
        "a pooling output costs k·k+1",
        "LeCun et al. 1998; 《卷积神经网络CNN与LeNet5详解》, where 计算量 = 连接数",
    ),
    Convention.MACS: ConventionInfo(
        "one per multiply-accumulate of a weight; biases, activations, pooling and "
        "normalisation cost nothing",
        "fvcore, thop and torchscan for conv and linear",
    ),
    Convention.FLOPS: ConventionInfo(
        "two per multiply-accumulate (a multiply and an add); biases, activations, "
        "pooling and normalisation cost nothing",
        "PyTorch FlopCounterMode",
    ),
    Convention.TORCHINFO: ConventionInfo(
        "multiply-accumulates plus one per bias use; a normalisation layer costs its "
        "parameters; layers without parameters cost nothing",
        "torchinfo 1.8 summary(), Mult-Adds",
    ),
    Convention.PTFLOPS: ConventionInfo(
        "multiply-accumulates plus one per bias use, plus 2 per pooling input and per ReLU "
        "element (a module hook and a patched functional both count them), 1 per softmax "
        "and ReLU6 element, 2 per batch-norm element",
        "ptflops 0.7.5 get_model_complexity_info, default pytorch backend",
    ),
    Convention.FVCORE: ConventionInfo(
        "multiply-accumulates of conv and linear (no bias), plus 2 per batch-norm element "
        "in eval mode; activations and pooling cost nothing",
        "fvcore 0.1.5 FlopCountAnalysis",
    ),
}

DEFAULT_CONVENTION = Convention.CONNECTIONS
"""The documents' counting: LeNet-5-style exercises are what most users bring."""
