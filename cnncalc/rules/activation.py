"""Activation functions, as layers of their own and as a field of conv/dense/pooling.

An activation transforms each unit in place: the paper folds the squashing
function into the unit, so it adds no neurons and no connections. Only the
``ptflops`` convention charges for it, one operation per output element, for the
functions ptflops hooks (ReLU, ReLU6; not tanh, sigmoid or softmax).
"""

from __future__ import annotations

from cnncalc.arith import Dim, Shape, prod
from cnncalc.ir import Activation, ElementWise
from cnncalc.rules.base import NO_FLOPS, Flops, LayerCounts, rule

PTFLOPS_COUNTED = frozenset({Activation.RELU, Activation.RELU6})
"""Activations ptflops counts (``ptflops/pytorch_ops.py`` MODULES_MAPPING)."""


def activation_flops(function: Activation | None, elements: Dim) -> Flops:
    """The cost of applying ``function`` to ``elements`` values, per convention."""
    if function is None or function not in PTFLOPS_COUNTED:
        return NO_FLOPS
    return Flops(connections=0, macs=0, flops=0, torchinfo=0, ptflops=elements)


@rule(ElementWise)
def elementwise(node: ElementWise, input_shape: Shape) -> LayerCounts:
    """Shape unchanged; no parameters, neurons or connections."""
    return LayerCounts(
        output_shape=input_shape,
        flops=activation_flops(node.function, prod(input_shape)),
    )
