"""Normalisation layers: batch, layer, group and local response normalisation.

They transform each unit in place: no neurons and no connections in the
paper's sense. Only the peer conventions charge for them, as measured.
"""

from __future__ import annotations

from functools import partial

from cnncalc.arith import Shape, divides, prod, require
from cnncalc.errors import show_value
from cnncalc.ir import LRN, BatchNorm, Framework, GroupNorm, LayerNorm
from cnncalc.rules.base import Flops, LayerCounts, rule


@rule(BatchNorm)
def batch_norm(node: BatchNorm, input_shape: Shape) -> LayerCounts:
    """Batch norm over ``c = input_shape[0]`` channels.

    - trainable: ``c`` for gamma (``scale``) plus ``c`` for beta (``center``)
    - running mean and variance: ``2·c`` non-trainable parameters (Keras), or
      ``2·c + 1`` buffers with ``num_batches_tracked`` (PyTorch)
    - at inference a multiply and an add per element: ptflops and fvcore (eval
      mode) charge 2 per element when affine, 1 otherwise; torchinfo its parameters
    """
    channels = input_shape[0]
    trainable = (int(node.scale) + int(node.center)) * channels
    per_element = 2 if node.scale or node.center else 1
    keras = node.framework is Framework.KERAS
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=trainable,
        non_trainable_params=2 * channels if keras else 0,
        buffers=0 if keras else 2 * channels + 1,
        flops=Flops(
            connections=0,
            macs=0,
            flops=0,
            torchinfo=trainable,
            ptflops=per_element * prod(input_shape),
            fvcore=per_element * prod(input_shape),
        ),
    )


@rule(LayerNorm)
def layer_norm(node: LayerNorm, input_shape: Shape) -> LayerCounts:
    """Layer norm over each position's channels (``channels``) or a whole sample (``all``).

    - trainable: a scale and a shift per normalised value, ``2·c`` or ``2·c·h·w``
    - fvcore charges 5 per element (4 without affine), ptflops 1 (its hook
      never doubles for LayerNorm), torchinfo the parameters
    """
    normalised = input_shape[0] if node.over == "channels" else prod(input_shape)
    params = 2 * normalised if node.affine else 0
    elements = prod(input_shape)
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=params,
        flops=Flops(
            connections=0,
            macs=0,
            flops=0,
            torchinfo=params,
            ptflops=elements,
            fvcore=(5 if node.affine else 4) * elements,
        ),
    )


@rule(GroupNorm)
def group_norm(node: GroupNorm, input_shape: Shape) -> LayerCounts:
    """Group norm: ``groups`` groups of channels, a scale and shift per channel (``2·c``).

    fvcore charges 5 per element (4 without affine), ptflops 2 (1 without),
    torchinfo the parameters.
    """
    channels = input_shape[0]
    require(divides(node.groups, channels), "groups", partial(_groups, node.groups, channels))
    params = 2 * channels if node.affine else 0
    elements = prod(input_shape)
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=params,
        flops=Flops(
            connections=0,
            macs=0,
            flops=0,
            torchinfo=params,
            ptflops=(2 if node.affine else 1) * elements,
            fvcore=(5 if node.affine else 4) * elements,
        ),
    )


def _groups(groups: object, channels: object) -> str:
    return f"groups={show_value(groups)} must divide the {show_value(channels)} channels"


@rule(LRN)
def local_response_norm(node: LRN, input_shape: Shape) -> LayerCounts:
    """AlexNet's LRN: no parameters; shape unchanged.

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
