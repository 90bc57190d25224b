"""Whole-network quantities that grow with the batch, as formulas in ``batch``.

``cnncalc solve SPEC "peak_memory <= 8*2**30" --for batch`` reads them by name:

- ``peak_memory``: inference memory at its peak, the weights plus the largest sum
  of live activations (:mod:`cnncalc.memory`, no layer in place);
- ``training_memory``: a training step's memory with the chosen optimizer
  (:mod:`cnncalc.training_memory`: weights, gradients, optimizer state and the
  forward pass's peak);
- ``training_flops``: a training step's FLOPs, forward and backward
  (:mod:`cnncalc.training`, as FlopCounterMode counts them).

Each is exact at every batch. The activations of a numeric network are
``batch`` times a sample's, except that PyTorch may view more tensors without
copying at batch 1 than at any larger batch: the inference peak is therefore
``batch·u`` with ``u`` half the peak at batch 2, and the peak at batch 1 where
that differs. Training memory is the training module's own formula in
``batch`` (it follows layouts at a batch above 1 for every batch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cnncalc.analysis import Report
from cnncalc.arith import exact_div, total
from cnncalc.i18n import N_

BATCH = "batch"
"""The symbol the quantities are formulas in."""

QUANTITIES: Mapping[str, str] = {
    "peak_memory": N_("inference memory at its peak (bytes): weights + live activations"),
    "training_memory": N_(
        "a training step's memory (bytes): weights, gradients, optimizer state, the forward "
        "pass's peak"
    ),
    "training_flops": N_("a training step's FLOPs: forward and backward (FlopCounterMode's count)"),
}
"""Each quantity's name, as a condition writes it, and what it is (``_(description)``
in the active language)."""


@dataclass(frozen=True, slots=True)
class Sizing:
    """The number formats and optimizer the memory quantities assume."""

    dtype: str = "fp32"
    weight_dtype: str | None = None
    optimizer: str = "adam"

    def quantities(self, report: Report) -> dict[str, Callable[[], Any]]:
        """Each quantity of a numeric, unfolded ``report`` as a formula in ``batch``,
        computed when asked for."""
        return {
            "peak_memory": lambda: self._peak_memory(report),
            "training_memory": lambda: self._training_memory(report),
            "training_flops": lambda: _training_flops(report),
        }

    def _peak_memory(self, report: Report) -> Any:
        import sympy

        from cnncalc.memory import inference_memory
        from cnncalc.symbolic import symbol

        batch = symbol(BATCH)
        one = inference_memory(report, 1, self.dtype, self.weight_dtype)
        two = inference_memory(report, 2, self.dtype, self.weight_dtype)
        per_sample = exact_div(two.peak.bytes, 2)
        activations: Any = batch * per_sample
        if one.peak.bytes != per_sample:
            activations = sympy.Piecewise((one.peak.bytes, sympy.Eq(batch, 1)), (activations, True))
        return one.weight_bytes + activations

    def _training_memory(self, report: Report) -> Any:
        from cnncalc.symbolic import symbol
        from cnncalc.training_memory import training_memory

        weights = self.weight_dtype or self.dtype
        memory = training_memory(report, symbol(BATCH), self.dtype, weights, self.optimizer)
        return memory.total


def _training_flops(report: Report) -> Any:
    from cnncalc.symbolic import symbol
    from cnncalc.training import training_flops

    return symbol(BATCH) * total(step.total for step in training_flops(report).values())
