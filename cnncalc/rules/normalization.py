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
    - in place: no neurons or connections. At inference it is a multiply and
      an add per element: ptflops and fvcore (eval mode) charge 2 per element
      when affine, 1 otherwise; torchinfo charges its parameters
    """
    channels = input_shape[0]
    trainable = (int(node.scale) + int(node.center)) * channels
    per_element = 2 if node.scale or node.center else 1
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=trainable,
        non_trainable_params=2 * channels,
        flops=Flops(
            connections=0,
            macs=0,
            flops=0,
            torchinfo=trainable,
            ptflops=per_element * prod(input_shape),
            fvcore=per_element * prod(input_shape),
        ),
    )


@rule(LRN)
def local_response_norm(node: LRN, input_shape: Shape) -> LayerCounts:
    """AlexNet's LRN: no parameters; shape unchanged; in place, no neurons or connections.

    Only ptflops charges it, through the patched tensor ops inside
    ``F.local_response_norm``: two multiplies and an add per element, and an
    ``avg_pool3d`` over the channel-padded input, ``(c + size − 1)·h·w``.
    """
    channels, spatial = input_shape[0], input_shape[1:]
    return LayerCounts(
        output_shape=input_shape,
        flops=Flops(
            connections=0,
            macs=0,
            flops=0,
            torchinfo=0,
            ptflops=3 * prod(input_shape) + (channels + node.size - 1) * prod(spatial),
            fvcore=0,
        ),
    )
