"""Training FLOPs: one training step's forward and backward passes, per layer.

Counted as PyTorch's ``FlopCounterMode`` counts them around ``loss.backward()``
(two FLOPs per multiply-accumulate of convolutions, linear layers and matrix
products; nothing for activations, normalisation, pooling or element-wise
steps), from the facts each rule states:

- a convolution or linear layer (:class:`~cnncalc.work.WeightedSums`,
  :class:`~cnncalc.work.ScatteredSums`): the forward ``2·macs``; backward, the
  gradient of its input, another ``2·macs`` (a convolution of the output's
  gradient with the weights), unless its input needs none (the network's input
  and what is computed from it alone, without parameters: the first layer's
  input); and the gradient of its weights, ``2·macs`` (a convolution of the
  input with the output's gradient), where it has trainable parameters (a frozen
  layer, ``trainable: false`` or ``--freeze``, has none, as Keras's
  ``layer.trainable = False`` and PyTorch's ``requires_grad_(False)``; and no layer
  before the first trainable one needs an input gradient). Bias
  gradients are sums, which FlopCounterMode does not count;
- a matrix product (:class:`~cnncalc.work.MatrixProducts`): the forward
  ``2·macs``, and ``2·macs`` for each operand that needs a gradient (both,
  inside an attention layer, whose queries, keys and values come from its
  projections).

So a convolution deep in a network costs 3× its forward FLOPs per step, and the
first one 2× — the rule per fact, not a blanket 3×. A batch of ``b`` costs ``b``
times a sample's, and an epoch over ``N`` samples ``N`` times a sample's whatever the
batch: its last step, when ``b`` does not divide ``N``, has only the samples left
(:func:`epoch_steps`), and costs theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnncalc import ir
from cnncalc.arith import Dim
from cnncalc.spec.network import output_of
from cnncalc.work import MatrixProducts, ScatteredSums, WeightedSums

if TYPE_CHECKING:
    from cnncalc.analysis import LayerReport, Report


@dataclass(frozen=True, slots=True)
class TrainingFlops:
    """One layer's FLOPs in a training step (one sample), as FlopCounterMode counts them."""

    forward: Dim
    input_grad: Dim
    """Backward: the gradient of the layer's input (of the operands that need one)."""
    weight_grad: Dim
    """Backward: the gradient of its trainable weights."""

    @property
    def backward(self) -> Dim:
        return self.input_grad + self.weight_grad

    @property
    def total(self) -> Dim:
        return self.forward + self.input_grad + self.weight_grad


@dataclass(frozen=True, slots=True)
class StepFacts:
    """What one layer's training FLOPs follow from (for one sample)."""

    weighted_macs: Dim
    """Multiply-accumulates of its weights: convolutions and linear layers
    (:class:`~cnncalc.work.WeightedSums`, :class:`~cnncalc.work.ScatteredSums`)."""
    product_macs: Dim
    """Multiply-accumulates of its matrix products (:class:`~cnncalc.work.MatrixProducts`)."""
    input_needs_grad: bool
    """Whether any input needs a gradient (something before it trains)."""
    product_operands: int
    """How many of a matrix product's two operands need a gradient."""
    trainable: bool
    """Whether it has trainable parameters (none when frozen)."""

    @property
    def flops(self) -> TrainingFlops:
        weighted, products = 2 * self.weighted_macs, 2 * self.product_macs
        return TrainingFlops(
            forward=weighted + products,
            input_grad=(weighted if self.input_needs_grad else 0)
            + products * self.product_operands,
            weight_grad=weighted if self.trainable else 0,
        )


def training_flops(report: Report) -> dict[str, TrainingFlops]:
    """Every layer's training FLOPs for one sample, by name (an unfolded ``report``)."""
    return {name: facts.flops for name, facts in step_facts(report).items()}


def step_facts(report: Report) -> dict[str, StepFacts]:
    """What every layer's training FLOPs follow from, by name (an unfolded ``report``)."""
    return {
        layer.name: _facts(layer, reads, trainable)
        for layer, reads, trainable in gradient_flow(report)
    }


def gradient_flow(report: Report) -> Iterator[tuple[LayerReport, list[bool], bool]]:
    """Each layer of an unfolded ``report``, which of its inputs need a gradient, and
    whether it has trainable parameters (a formula counts as some).

    A layer's output needs a gradient when the layer has trainable parameters or
    reads something that needs one; the network's inputs need none (autograd then
    records nothing for it: no backward FLOPs, no saved tensors).
    """
    needs_grad: dict[str, bool] = {ir.NETWORK_INPUT: False}
    needs_grad |= {name: False for name, _ in report.other_inputs}
    for layer in report.layers:
        reads = [needs_grad.get(output_of(name, needs_grad), True) for name in layer.inputs]
        params = layer.trainable_params
        trainable = not (type(params) is int and params == 0)
        yield layer, reads, trainable
        needs_grad[layer.name] = trainable or any(reads)


def _facts(layer: LayerReport, reads: list[bool], trainable: bool) -> StepFacts:
    weighted: Dim = 0
    products: Dim = 0
    for fact in layer.work:
        if isinstance(fact, WeightedSums | ScatteredSums):
            weighted += fact.macs
        elif isinstance(fact, MatrixProducts):
            products += fact.macs
    # Inside attention both operands come from its projections; a matmul layer's operands
    # are the layers it reads.
    projections = any(isinstance(fact, WeightedSums) for fact in layer.work)
    operands = [True, True] if projections else (reads + reads)[:2]
    return StepFacts(weighted, products, any(reads), sum(operands), trainable)


def epoch_steps(samples: int, batch: int) -> tuple[int, int]:
    """``(steps, samples in the last step)`` of an epoch over ``samples`` in batches of
    ``batch``: ``⌈N/b⌉`` steps, the last of ``N − (⌈N/b⌉ − 1)·b`` (ImageNet's 1,281,167 in
    batches of 32: 40,037 steps, the last of 15)."""
    steps = -(-samples // batch)
    return steps, samples - (steps - 1) * batch
