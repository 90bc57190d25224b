"""Layers that reshape or pass values through: flatten and dropout."""

from __future__ import annotations

from cnncalc.arith import Shape, prod
from cnncalc.ir import Dropout, Flatten
from cnncalc.rules.base import LayerCounts, rule


@rule(Flatten)
def flatten(node: Flatten, input_shape: Shape) -> LayerCounts:
    """``(c, h, w) → (c·h·w,)`` (seed 002: ``3·3·64 = 576``); nothing else."""
    return LayerCounts(output_shape=(prod(input_shape),))


@rule(Dropout)
def dropout(node: Dropout, input_shape: Shape) -> LayerCounts:
    """The identity at inference: shape unchanged, nothing counted."""
    return LayerCounts(output_shape=input_shape)
