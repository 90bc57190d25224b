"""Normalisation layers: batch normalisation and local response normalisation."""

from __future__ import annotations

from cnncalc.arith import Shape, prod
from cnncalc.ir import LRN, BatchNorm
from cnncalc.rules.base import Flops, LayerCounts, rule


@rule(BatchNorm)
def batch_norm(node: BatchNorm, input_shape: Shape) -> LayerCounts:
    """Keras's count over ``c`` channels (``input_shape[0]``).

    - trainable: ``c`` for gamma (``scale``) plus ``c`` for beta (``center``)
    - non-trainable: ``2·c``, the moving mean and variance
    - in place: no neurons or connections; at inference it is one multiply and
      one add per element, which only ``ptflops`` charges (2 per element when
      affine, 1 otherwise); torchinfo charges its parameters
    """
    channels = input_shape[0]
    affine = int(node.scale) + int(node.center)
    trainable = affine * channels
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=trainable,
        non_trainable_params=2 * channels,
        flops=Flops(
            connections=0,
            macs=0,
            flops=0,
            torchinfo=trainable,
            ptflops=(2 if affine else 1) * prod(input_shape),
        ),
    )


@rule(LRN)
def local_response_norm(node: LRN, input_shape: Shape) -> LayerCounts:
    """AlexNet's LRN: no parameters; shape unchanged; in place, nothing counted."""
    return LayerCounts(output_shape=input_shape)
