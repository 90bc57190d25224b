"""Fully connected layers and LeNet-5's RBF output layer."""

from __future__ import annotations

from cnncalc.arith import Dim, Shape, prod
from cnncalc.errors import RuleError
from cnncalc.i18n import _
from cnncalc.ir import RBF, Dense
from cnncalc.rules.base import LayerCounts, rule
from cnncalc.rules.shape import axis_index
from cnncalc.rules.window import format_shape
from cnncalc.work import WeightedSums, activations


def _flat_size(input_shape: Shape, layer: str) -> Dim:
    if len(input_shape) != 1:
        raise RuleError(
            None,
            _("{layer} needs a flat input, got {shape}: add a flatten layer before it").format(
                layer=layer, shape=format_shape(input_shape)
            ),
        )
    return input_shape[0]


@rule(Dense)
def dense(node: Dense, input_shape: Shape) -> LayerCounts:
    """Counts of a dense layer of ``m`` units on ``n`` inputs, at each of ``t`` positions.

    - trainable params: ``(n + 1)·m`` (《卷积神经网络CNN与LeNet5详解》, F6: ``(120+1)·84 = 10,164``)
    - MACs: ``n·m·t``; connections: ``(n + 1)·m·t``, one per weight and bias use
    - neurons: ``m·t``
    - ``t = 1`` on a flat input; on ``[tokens, features]`` (or along ``axis`` of any
      tensor, as ``nn.Linear`` acts on the last) ``n`` is that axis and ``t`` the
      positions of the others: ViT's MLP, ``(768 + 1)·3072`` weights at 197 tokens
    - work: ``m`` weighted sums of the ``n`` inputs plus a bias, then the ``activation``
    """
    rank = len(input_shape)
    if node.axis is None and rank > 2:
        raise RuleError(
            None,
            _(
                "dense needs a flat input or [tokens, features], got {shape}: add a flatten "
                "layer before it, or give 'axis' (-1: the last, as nn.Linear; 0: the channels, "
                "as Keras's Dense on a channels-last map)"
            ).format(shape=format_shape(input_shape)),
        )
    axis = axis_index(-1 if node.axis is None else node.axis, rank, "axis")
    inputs = input_shape[axis]
    positions = prod(input_shape[:axis]) * prod(input_shape[axis + 1 :])
    weights = inputs * node.units
    biases: Dim = node.units if node.bias else 0
    params = weights + biases
    outputs = node.units * positions
    return LayerCounts(
        output_shape=(*input_shape[:axis], node.units, *input_shape[axis + 1 :]),
        trainable_params=params,
        neurons=outputs,
        connections=params * positions,
        work=(
            WeightedSums(weights=weights, parameters=params, rows=positions),
            *activations(node.activation, outputs, node.units),
        ),
    )


@rule(RBF)
def rbf(node: RBF, input_shape: Shape) -> LayerCounts:
    """Counts of LeNet-5's Euclidean RBF units, ``y_i = Σ_j (x_j − w_ij)²``.

    - params: ``n·m``, fixed by hand in the paper, hence non-trainable unless
      ``trainable: true``; no bias
    - connections and MACs: ``n·m`` (one squared difference accumulated per
      connection; the paper's total of 340,908 connections includes OUTPUT's 840)
    - neurons: ``m``
    - work: counted as ``m`` weighted sums of ``n`` inputs without a bias, as the
      peers would count the bias-free linear layer that stands for it (no torch
      module exists)
    """
    inputs = _flat_size(input_shape, "rbf")
    weights = inputs * node.units
    return LayerCounts(
        output_shape=(node.units,),
        trainable_params=weights if node.trainable else 0,
        non_trainable_params=0 if node.trainable else weights,
        neurons=node.units,
        connections=weights,
        work=(WeightedSums(weights=weights, parameters=weights),),
    )
