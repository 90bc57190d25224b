"""Max, average and LeNet-5's trainable (subsampling) pooling."""

from __future__ import annotations

from fractions import Fraction
from functools import partial

from cnncalc.arith import Dim, Shape, prod, require, window_total
from cnncalc.errors import RuleError, show_value
from cnncalc.i18n import N_, _
from cnncalc.ir import AdaptivePool, Pool, PoolKind, Scale, Upsample
from cnncalc.rules.base import LayerCounts, rule
from cnncalc.rules.window import output_sizes, split_input
from cnncalc.work import AdaptivePooling, Interpolation, Pooling, WeightedSums, Work, activations


def _padding_too_large(pad: Dim, kernel: Dim) -> str:
    return _("padding {padding} is more than half the pooling window {kernel}").format(
        padding=show_value(pad), kernel=show_value(kernel)
    )


def _smaller_than_kernel(size: Dim, kernel: Dim) -> str:
    return _(
        "an axis of {size} is smaller than the kernel {kernel}: 3-D average pooling needs the "
        "kernel to fit before padding (PyTorch's AvgPool3d)"
    ).format(size=show_value(size), kernel=show_value(kernel))


_POOLINGS = {
    PoolKind.MAX: N_("max pooling"),
    PoolKind.AVG: N_("avg pooling"),
    PoolKind.SUBSAMPLING: N_("subsampling pooling"),
}
"""How a message names a pooling layer, by its kind."""


@rule(Pool)
def pooling(node: Pool, input_shape: Shape) -> LayerCounts:
    """Counts of pooling a ``k_h×k_w`` window over each of ``c`` maps.

    - output size: as convolution, with PyTorch's ``ceil_mode`` or Keras's ``same``
    - subsampling (LeCun et al. 1998): ``(1+1)·c`` trainable params (a coefficient
      and a bias per map), ``k·k`` MACs and ``(k·k+1)`` connections per output
      (S2: ``(2·2+1)·6·14·14 = 5,880``)
    - max and average pooling: no parameters, ``k·k`` connections per output
    - the documents' operation count is ``(k·k+1)`` per output for every pooling
      (《卷积神经网络CNN与LeNet5详解》: ``k·k−1`` comparisons, a multiply and a bias)
    - work: subsampling sums and scales its window, a weighted sum of ``k·k``
      inputs plus a bias per output; max and average pooling reduce a window of
      ``k·k`` per output; then the ``activation`` on every output
    """
    rank = len(node.kernel)
    channels, spatial = split_input(input_shape, rank, _(_POOLINGS[node.kind]))
    if node.padding != "same":
        for k, pair in zip(node.kernel, node.padding, strict=True):
            for pad in pair:
                require(2 * pad <= k, "padding", partial(_padding_too_large, pad, k))
    if node.kind is PoolKind.AVG and rank == 3:
        # PyTorch's avg_pool3d alone checks each axis before padding (measured, torch 2.13).
        for n, k in zip(spatial, node.kernel, strict=True):
            require(n >= k, "kernel", partial(_smaller_than_kernel, n, k))
    out_spatial = output_sizes(
        spatial, node.kernel, node.stride, node.padding, ceil_mode=node.ceil_mode
    )
    window = prod(node.kernel)
    outputs = channels * prod(out_spatial)
    work: Work
    if node.kind is PoolKind.SUBSAMPLING:
        params = 2 * channels
        connections = (window + 1) * outputs
        # No torch module exists: the peer conventions see a depthwise conv whose
        # k·k weights of a map are one shared coefficient.
        work = (WeightedSums(weights=window, parameters=window + 1, positions=outputs),)
    else:
        params = 0
        connections = window * outputs
        pooling = Pooling(
            kind=node.kind, window=window, outputs=outputs, inputs=prod(input_shape), rank=rank
        )
        work = (pooling,)
    return LayerCounts(
        output_shape=(channels, *out_spatial),
        trainable_params=params,
        neurons=outputs,
        connections=connections,
        work=work + activations(node.activation, outputs, channels),
    )


@rule(AdaptivePool)
def adaptive_pooling(node: AdaptivePool, input_shape: Shape) -> LayerCounts:
    """Adaptive pooling to a fixed output size (global pooling for ``output_size`` None).

    Output ``i`` of an axis of ``n`` pools inputs ``⌊i·n/o⌋`` to ``⌈(i+1)·n/o⌉ − 1``
    (PyTorch's ``adaptive_avg_pool2d``), so windows may overlap; connections
    count every window element. Its work is that reduction: every window
    element read, one value out per window.
    """
    rank = len(input_shape) - 1
    channels, spatial = split_input(input_shape, rank, _("adaptive pooling"))
    targets = node.output_size if node.output_size is not None else (1,) * rank
    if len(targets) != rank:
        raise RuleError(
            "output_size",
            _("{count} output sizes for {rank} spatial axes").format(count=len(targets), rank=rank),
        )
    window_sum = prod(window_total(n, o) for n, o in zip(spatial, targets, strict=True))
    outputs = channels * prod(targets)
    connections = channels * window_sum
    return LayerCounts(
        output_shape=(channels,) if node.flatten else (channels, *targets),
        neurons=outputs,
        connections=connections,
        work=(
            AdaptivePooling(
                kind=node.kind,
                reads=connections,
                outputs=outputs,
                inputs=prod(input_shape),
                rank=rank,
                sizes=tuple(zip(spatial, targets, strict=True)),
            ),
        ),
    )


@rule(Upsample)
def upsample(node: Upsample, input_shape: Shape) -> LayerCounts:
    """Resizing each map by ``scale`` per axis, or to ``size``; each output reads 1 input
    (nearest), 4 (bilinear) or 16 (bicubic).

    An axis of ``n`` scaled by ``s`` has ``⌊n·s⌋`` outputs, PyTorch's rounding
    (``F.interpolate`` with ``scale_factor``): exact, with ``s`` a fraction
    (``1/2``; ``0.5`` is read as ``1/2``), and at least 1. Its work is that
    interpolation, and its connections those reads.
    """
    rank = len(node.size if node.size is not None else node.scale or ())
    channels, spatial = split_input(input_shape, rank, "upsample")
    whole_scale: Dim | None = None
    if node.size is not None:
        out_spatial: Shape = node.size
    else:
        scales = node.scale or ()
        out_spatial = tuple(_scaled(n, s) for n, s in zip(spatial, scales, strict=True))
        for n, s, out in zip(spatial, scales, out_spatial, strict=True):
            require(out >= 1, "scale", partial(_scaled_to_nothing, n, s))
        whole_scale = prod(_whole(s) for s in scales)
    outputs = channels * prod(out_spatial)
    interpolation = Interpolation(
        mode=node.mode, outputs=outputs, inputs=prod(input_shape), whole_scale=whole_scale
    )
    return LayerCounts(
        output_shape=(channels, *out_spatial),
        neurons=outputs,
        connections=interpolation.reads * outputs,
        work=(interpolation,),
    )


def _scaled(n: Dim, scale: Scale) -> Dim:
    """``⌊n·s⌋``, exactly."""
    if isinstance(scale, Fraction):
        return n * scale.numerator // scale.denominator
    return n * scale


def _whole(scale: Scale) -> Dim:
    """``⌊s⌋``: the factor as ptflops truncates it."""
    return scale.numerator // scale.denominator if isinstance(scale, Fraction) else scale


def _scaled_to_nothing(n: Dim, scale: Scale) -> str:
    return _("scaling an axis of {size} by {scale} leaves no value (⌊n·s⌋ = 0)").format(
        size=show_value(n), scale=scale
    )
