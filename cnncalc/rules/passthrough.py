"""Layers that pad or pass values through: dropout, identity, zero padding."""

from __future__ import annotations

from cnncalc.arith import Shape
from cnncalc.i18n import _
from cnncalc.ir import Dropout, Identity, ZeroPad
from cnncalc.rules.base import LayerCounts, rule
from cnncalc.rules.window import split_input


@rule(Dropout)
def dropout(node: Dropout, input_shape: Shape) -> LayerCounts:
    """The identity at inference: shape unchanged, nothing counted."""
    return LayerCounts(output_shape=input_shape)


@rule(Identity)
def identity(node: Identity, input_shape: Shape) -> LayerCounts:
    """Passes its input on unchanged: nothing counted."""
    return LayerCounts(output_shape=input_shape)


@rule(ZeroPad)
def zero_pad(node: ZeroPad, input_shape: Shape) -> LayerCounts:
    """Each spatial axis grows by its padding, ``n + p_before + p_after``; nothing is computed."""
    channels, spatial = split_input(input_shape, len(node.padding), _("zeropad"))
    grown = tuple(
        n + before + after for n, (before, after) in zip(spatial, node.padding, strict=True)
    )
    return LayerCounts(output_shape=(channels, *grown))
