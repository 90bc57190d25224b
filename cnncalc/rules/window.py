"""Sliding-window geometry shared by convolution and pooling rules."""

from __future__ import annotations

from functools import partial

from cnncalc.arith import Dim, Shape, ceil_div, require, where
from cnncalc.errors import RuleError, show_value
from cnncalc.i18n import _
from cnncalc.ir import Padding


def split_input(input_shape: Shape, rank: int, layer: str) -> tuple[Dim, Shape]:
    """``(channels, spatial)`` of a channels-first input with ``rank`` spatial axes."""
    if len(input_shape) != rank + 1:
        if rank == 1:
            axes = _("(channels, length)")
        elif rank == 2:
            axes = _("(channels, height, width)")
        else:
            axes = _("(channels, {rank} spatial axes)").format(rank=rank)
        flat = _(" (a flattened input has lost its spatial axes)") if len(input_shape) == 1 else ""
        raise RuleError(
            None,
            _("{layer} needs a {axes} input, got {shape}{flat}").format(
                layer=layer, axes=axes, shape=format_shape(input_shape), flat=flat
            ),
        )
    return input_shape[0], input_shape[1:]


def format_shape(shape: Shape) -> str:
    """``(6, 28, 28)`` style, for messages."""
    return "(" + ", ".join(str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def _too_large(kernel: Dim, dilation: Dim, extent: Dim, padded: Dim) -> str:
    dilated = _(" (dilated to {extent})").format(extent=show_value(extent)) if dilation != 1 else ""
    return _("kernel {kernel}{dilated} is larger than its padded input {padded}").format(
        kernel=show_value(kernel), dilated=dilated, padded=show_value(padded)
    )


def output_sizes(
    spatial: Shape,
    kernel: tuple[Dim, ...],
    stride: tuple[Dim, ...],
    padding: Padding,
    dilation: tuple[Dim, ...] | None = None,
    *,
    ceil_mode: bool = False,
) -> Shape:
    """Output size of each spatial axis of a sliding window.

    ``floor((n + p_before + p_after - d(k-1) - 1) / s) + 1`` (PyTorch's
    ``Conv2d``/``MaxPool2d`` documentation; ``(n-k+1)`` for the documents'
    stride-1 unpadded case). ``ceil_mode`` rounds up instead, but drops a last
    window that would start in the right padding, as PyTorch's
    ``pooling_output_shape`` does. Keras's ``same`` gives ``ceil(n / s)``.
    Raises :class:`RuleError` when no window fits (in ``ceil_mode`` a window may
    overhang a too-small input, as PyTorch allows).
    """
    dilation = dilation or (1,) * len(kernel)
    if padding == "same":
        return tuple(ceil_div(n, s) for n, s in zip(spatial, stride, strict=True))
    sizes: list[Dim] = []
    for n, k, s, (before, after), d in zip(spatial, kernel, stride, padding, dilation, strict=True):
        extent = d * (k - 1) + 1
        padded = n + before + after
        if ceil_mode:
            size = ceil_div(padded - extent, s) + 1
            # PyTorch: the last window must start inside the input or the left padding.
            # It cannot start further unless after + s > extent, since (size - 1)·s <
            # padded - extent + s; skipping the test then keeps formulas free of cases.
            overhang = after + s - extent
            if not (type(overhang) is int and overhang <= 0):
                size = where((size - 1) * s >= n + before, size - 1, size)
        else:
            size = (padded - extent) // s + 1
        require(size >= 1, "kernel", partial(_too_large, k, d, extent, padded))
        sizes.append(size)
    return tuple(sizes)
