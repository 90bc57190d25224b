"""Activation functions, as layers of their own and as a field of conv/dense/pooling.

An activation transforms each unit in place: the paper folds the squashing
function into the unit, so it adds no neurons and no connections. Its work is
the function on every element (:class:`cnncalc.work.Activations`), which of the
conventions only ``ptflops`` charges, as ptflops 0.7.5's default backend counts
the corresponding ``torch.nn`` module. A fused ``activation:`` field states the
same fact after its layer's own (:func:`cnncalc.work.activations`).
"""

from __future__ import annotations

from cnncalc.arith import Shape, prod
from cnncalc.ir import Activation, ElementWise, PReLU
from cnncalc.rules.base import LayerCounts, rule
from cnncalc.rules.shape import axis_index
from cnncalc.work import Activations, activations


@rule(ElementWise)
def elementwise(node: ElementWise, input_shape: Shape) -> LayerCounts:
    """Shape unchanged; no parameters, neurons or connections; the function on every element
    (a softmax normalises along ``axis``: its size is the softmax's width)."""
    width = input_shape[axis_index(node.axis, len(input_shape), "axis")]
    return LayerCounts(
        output_shape=input_shape,
        work=activations(node.function, prod(input_shape), width),
    )


@rule(PReLU)
def prelu(node: PReLU, input_shape: Shape) -> LayerCounts:
    """PReLU, ``max(0, x) + a·min(0, x)``: one learned slope ``a`` (``nn.PReLU()``), or one
    per channel (``nn.PReLU(c)``); shape unchanged, no neurons or connections."""
    channels = input_shape[0]
    slopes = channels if node.per_channel else 1
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=slopes,
        work=(
            Activations(
                function=Activation.PRELU,
                elements=prod(input_shape),
                channels=channels,
                parameters=slopes,
            ),
        ),
    )
