"""How much of the model the spec counts: its parameters and FLOPs against torch's own.

torch counts its parameters (``parameters()``) and, with
``torch.utils.flop_counter.FlopCounterMode``, the FLOPs of one forward pass:
two per multiply-accumulate of convolutions, linear layers and matrix
products — what cnncalc's ``flops`` convention counts. Attention is run on its
math path for that count (``sdpa_kernel(MATH)``, ``nn.MultiheadAttention``'s
fast path off): on the CPU's fused kernels FlopCounterMode counts nothing.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from cnncalc.i18n import _
from cnncalc.importers.torch_fx.guard import user_code

if TYPE_CHECKING:
    from torch import nn


def flop_counter_flops(root: nn.Module, input_shapes: tuple[tuple[int, ...], ...]) -> int:
    """FlopCounterMode's total for one forward pass of ``root`` on ``torch.zeros(1, …)`` of
    each of ``input_shapes``."""
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    fast_path = torch.backends.mha.get_fastpath_enabled()
    counter = FlopCounterMode(display=False)
    training = root.training
    root.eval()
    try:
        torch.backends.mha.set_fastpath_enabled(False)
        with contextlib.ExitStack() as stack:
            stack.enter_context(torch.no_grad())
            stack.enter_context(sdpa_kernel(SDPBackend.MATH))
            stack.enter_context(user_code(_("counting the model's FLOPs with FlopCounterMode")))
            stack.enter_context(counter)
            root(*(torch.zeros(1, *shape) for shape in input_shapes))
    finally:
        torch.backends.mha.set_fastpath_enabled(fast_path)
        root.train(training)
    return int(counter.get_total_flops())


def flops_line(spec_flops: int, torch_flops: int) -> str:
    """The header's line on FLOPs: all of FlopCounterMode's counted, or the difference."""
    lead = (
        f"FLOPs: {spec_flops:,} in the spec's flops convention; torch's FlopCounterMode counts "
        f"{torch_flops:,} on this input"
    )
    if spec_flops == torch_flops:
        return f"{lead}: all of them are counted."
    if torch_flops == 0:
        return f"{lead}: it counts none of this model's operations."
    share = spec_flops * 1000 // torch_flops
    fewer = "fewer" if spec_flops < torch_flops else "more"
    return (
        f"{lead}: {abs(spec_flops - torch_flops):,} {fewer} ({share // 10}.{share % 10}% of "
        "torch's; the skipped lines say what is left out)."
    )
