"""Normalisation layers: batch, layer, group and local response normalisation, and
Keras's fixed standardisation.

They transform each unit in place: no neurons and no connections in the
paper's sense. Their work is the normalisation of every element (affine or
not), which only the peer conventions charge for, as measured.
"""

from __future__ import annotations

from functools import partial

from cnncalc.arith import Shape, divides, prod, require
from cnncalc.errors import show_value
from cnncalc.i18n import _
from cnncalc.ir import LRN, BatchNorm, Framework, GroupNorm, L2Normalize, LayerNorm, Standardize
from cnncalc.rules.base import LayerCounts, rule
from cnncalc.work import Normalisation, NormKind


@rule(BatchNorm)
def batch_norm(node: BatchNorm, input_shape: Shape) -> LayerCounts:
    """Batch norm over ``c = input_shape[0]`` channels.

    - trainable: ``c`` for gamma (``scale``) plus ``c`` for beta (``center``)
    - running mean and variance: ``2·c`` non-trainable parameters (Keras), or
      ``2·c + 1`` buffers with ``num_batches_tracked`` (PyTorch), an integer (int64)
    - work: every element normalised, affine when it has a scale or a shift (at
      inference a multiply and an add per element)
    """
    channels = input_shape[0]
    trainable = (int(node.scale) + int(node.center)) * channels
    keras = node.framework is Framework.KERAS
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=trainable,
        non_trainable_params=2 * channels if keras else 0,
        buffers=0 if keras else 2 * channels + 1,
        integer_buffers=0 if keras else 1,
        work=(
            Normalisation(
                kind=NormKind.BATCH,
                elements=prod(input_shape),
                affine=node.scale or node.center,
                parameters=trainable,
            ),
        ),
    )


@rule(Standardize)
def standardize(node: Standardize, input_shape: Shape) -> LayerCounts:
    """Keras's preprocessing ``Normalization`` over ``c = input_shape[0]`` channels.

    - adapted: a mean and a variance per channel and one ``count``, ``2·c + 1``
      non-trainable parameters (Keras 3 ``Normalization.build``; ``summary()`` on
      3 channels: 7), or buffers (``framework: pytorch``), of which ``count`` is an
      integer (as Keras stores it); constants: none
    - work: every element normalised, not affine (as a batch norm at inference)
    """
    statistics = 2 * input_shape[0] + 1 if node.adapted else 0
    keras = node.framework is Framework.KERAS
    return LayerCounts(
        output_shape=input_shape,
        non_trainable_params=statistics if keras else 0,
        buffers=0 if keras else statistics,
        integer_buffers=1 if node.adapted and not keras else 0,
        work=(Normalisation(kind=NormKind.BATCH, elements=prod(input_shape), affine=False),),
    )


@rule(LayerNorm)
def layer_norm(node: LayerNorm, input_shape: Shape) -> LayerCounts:
    """Layer norm over each position's channels (``channels``), a whole sample (``all``) or
    the last axis (``last``: a token's features, ``nn.LayerNorm(d)``).

    - trainable: a scale and a shift per normalised value, ``2·c``, ``2·c·h·w`` or ``2·d``
    - work: every element normalised, affine or not
    """
    normalised = {"channels": input_shape[0], "last": input_shape[-1]}.get(
        node.over, prod(input_shape)
    )
    params = 2 * normalised if node.affine else 0
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=params,
        work=(
            Normalisation(
                kind=NormKind.LAYER,
                elements=prod(input_shape),
                affine=node.affine,
                parameters=params,
            ),
        ),
    )


@rule(GroupNorm)
def group_norm(node: GroupNorm, input_shape: Shape) -> LayerCounts:
    """Group norm: ``groups`` groups of channels, a scale and shift per channel (``2·c``).

    Its work: every element normalised, affine or not.
    """
    channels = input_shape[0]
    message = partial(groups_must_divide, node.groups, channels)
    require(divides(node.groups, channels), "groups", message)
    params = 2 * channels if node.affine else 0
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=params,
        work=(
            Normalisation(
                kind=NormKind.GROUP,
                elements=prod(input_shape),
                affine=node.affine,
                parameters=params,
            ),
        ),
    )


def groups_must_divide(groups: object, channels: object) -> str:
    """The message of a channel grouping that does not divide the channels."""
    return _("groups={groups} must divide the {channels} channels").format(
        groups=show_value(groups), channels=show_value(channels)
    )


@rule(LRN)
def local_response_norm(node: LRN, input_shape: Shape) -> LayerCounts:
    """AlexNet's LRN: no parameters; shape unchanged.

    Its work: every element normalised by the sum of squares over a window of
    ``size`` neighbouring maps, which slides over the channel-padded input of
    ``(c + size − 1)·h·w`` values (as ``F.local_response_norm`` averages it).
    """
    channels, spatial = input_shape[0], input_shape[1:]
    return LayerCounts(
        output_shape=input_shape,
        work=(
            Normalisation(
                kind=NormKind.LOCAL_RESPONSE,
                elements=prod(input_shape),
                affine=False,
                window_inputs=(channels + node.size - 1) * prod(spatial),
            ),
        ),
    )


@rule(L2Normalize)
def l2_normalize(node: L2Normalize, input_shape: Shape) -> LayerCounts:
    """Each vector along ``axis`` divided by its Euclidean length, ``x/max(‖x‖₂, ε)``.

    - no parameters (SSD300 scales the result by a learned ``γ`` per channel: a
      ``layer_scale`` after it)
    - work: every element normalised, not affine; no peer counts it (torch 2.13:
      FlopCounterMode, fvcore, ptflops, thop and torchinfo all give 0 for
      ``F.normalize``, measured live), nor do cnncalc's own conventions, as
      for the other normalisations
    """
    from cnncalc.rules.shape import axis_index  # shape.py imports this module

    axis_index(node.axis, len(input_shape), "axis")
    return LayerCounts(
        output_shape=input_shape,
        work=(Normalisation(kind=NormKind.L2, elements=prod(input_shape), affine=False),),
    )
