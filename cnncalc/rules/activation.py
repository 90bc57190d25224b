"""Activation functions, as layers of their own and as a field of conv/dense/pooling.

An activation transforms each unit in place: the paper folds the squashing
function into the unit, so it adds no neurons and no connections. Of the
conventions only ``ptflops`` charges for it, per element, as ptflops 0.7.5's
default backend counts the corresponding ``torch.nn`` module (a fused
``activation:`` field is counted as that module following the layer).
"""

from __future__ import annotations

from cnncalc.arith import Dim, Shape, prod
from cnncalc.ir import Activation, ElementWise
from cnncalc.rules.base import NO_FLOPS, Flops, LayerCounts, rule

PTFLOPS_PER_ELEMENT: dict[Activation, int] = {
    # nn.ReLU: its module hook and the patched F.relu inside it both count.
    Activation.RELU: 2,
    # nn.ReLU6 calls F.hardtanh, which ptflops does not patch: the hook alone.
    Activation.RELU6: 1,
    # No hook and no patched function.
    Activation.TANH: 0,
    Activation.SIGMOID: 0,
    # The patched F.softmax alone (nn.Softmax has no hook).
    Activation.SOFTMAX: 1,
    # nn.GELU: a hook and the patched F.gelu; nn.SiLU: F.silu only; nn.Hardswish: neither.
    Activation.GELU: 2,
    Activation.SILU: 1,
    Activation.HARDSWISH: 0,
}
"""Operations per element ptflops charges (``ptflops/pytorch_ops.py``, ``pytorch_engine.py``)."""


def activation_flops(function: Activation | None, elements: Dim) -> Flops:
    """The cost of applying ``function`` to ``elements`` values, per convention."""
    if function is None:
        return NO_FLOPS
    return Flops(
        connections=0,
        macs=0,
        flops=0,
        torchinfo=0,
        ptflops=PTFLOPS_PER_ELEMENT[function] * elements,
        fvcore=0,
    )


@rule(ElementWise)
def elementwise(node: ElementWise, input_shape: Shape) -> LayerCounts:
    """Shape unchanged; no parameters, neurons or connections."""
    return LayerCounts(
        output_shape=input_shape,
        flops=activation_flops(node.function, prod(input_shape)),
    )
