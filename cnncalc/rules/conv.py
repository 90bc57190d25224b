"""Convolution, in any number of spatial dimensions, with groups or a connection table."""

from __future__ import annotations

from collections import Counter
from functools import cache, partial

from cnncalc.arith import (
    Dim,
    Shape,
    divides,
    either,
    equals,
    exact_div,
    grouped_sum,
    prod,
    require,
)
from cnncalc.errors import show_value
from cnncalc.i18n import _
from cnncalc.ir import ConnectionTable, Conv, ConvTranspose
from cnncalc.rules.base import LayerCounts, rule
from cnncalc.rules.window import output_sizes, split_input
from cnncalc.work import ScatteredSums, WeightedSums, activations


def _require_groups_divide(groups: Dim, in_channels: Dim, filters: Dim) -> None:
    """``g`` must divide ``c_in`` and ``c_out`` (PyTorch's Conv and ConvTranspose rule)."""
    require(
        divides(groups, in_channels),
        "groups",
        lambda: _("groups={groups} must divide the {channels} input channels").format(
            groups=show_value(groups), channels=show_value(in_channels)
        ),
    )
    require(
        divides(groups, filters),
        "groups",
        lambda: _("groups={groups} must divide the {filters} filters").format(
            groups=show_value(groups), filters=show_value(filters)
        ),
    )


@rule(Conv)
def convolution(node: Conv, input_shape: Shape) -> LayerCounts:
    """Counts of a convolution with ``c_in`` input maps and ``c_out = filters``.

    - output size per axis: ``floor((n + 2p - d(k-1) - 1)/s) + 1``
    - trainable params: ``(c_in·k_h·k_w/g + 1)·c_out``
      (《卷积神经网络CNN与LeNet5详解》: ``(a·k·k+1)·b``);
      with a connection table, ``Σ_j (|inputs_j|·k_h·k_w + 1)`` (LeNet-5 C3: 1,516)
    - MACs: weights × output positions (bias not counted)
    - connections: ``(c_in·k_h·k_w/g + 1)·c_out·h_out·w_out``, one per weight use
      and one per bias (LeNet-5 C1: ``(5·5+1)·6·28·28 = 122,304``)
    - neurons: ``c_out·h_out·w_out``
    - work: weighted sums of those weights and biases at each output position,
      then the ``activation`` on every output
    """
    rank = len(node.kernel)
    in_channels, spatial = split_input(input_shape, rank, f"conv{rank}d")
    out_spatial = output_sizes(spatial, node.kernel, node.stride, node.padding, node.dilation)
    kernel_size = prod(node.kernel)
    if node.connection_table is None:
        _require_groups_divide(node.groups, in_channels, node.filters)
        weights = exact_div(in_channels, node.groups) * kernel_size * node.filters
        params = weights + (node.filters if node.bias else 0)
    else:
        table = node.connection_table
        _check_table(table, node.filters, in_channels)
        weights = sum(len(row) for row in table) * kernel_size
        # Grouped as the paper counts C3, by how many maps a row reads and whether
        # they are adjacent: 6·(3·25+1) + 6·(4·25+1) + 3·(4·25+1) + 1·(6·25+1).
        params = grouped_sum(
            (count, size * kernel_size + int(node.bias)) for size, count in _row_groups(table)
        )
    positions = prod(out_spatial)
    outputs = node.filters * positions
    return LayerCounts(
        output_shape=(node.filters, *out_spatial),
        trainable_params=params,
        neurons=outputs,
        connections=params * positions,
        work=(
            WeightedSums(weights=weights, parameters=params, positions=positions),
            *activations(node.activation, outputs, node.filters),
        ),
    )


@cache
def _row_groups(table: ConnectionTable) -> tuple[tuple[int, int], ...]:
    """``(inputs per row, rows)`` for each kind of row, in order of first appearance.

    A kind is how many maps a row reads and whether they are adjacent
    (cyclically over the maps the table spans), which is how the paper groups
    C3: 6 rows of 3 adjacent maps, 6 of 4 adjacent, 3 of 4 apart, 1 of all 6.
    """
    spanned = max(max(row) for row in table) + 1

    def kind(row: tuple[int, ...]) -> tuple[int, bool]:
        maps = set(row)
        adjacent = any({(start + i) % spanned for i in range(len(row))} == maps for start in row)
        return len(row), adjacent

    return tuple((size, count) for (size, _adjacent), count in Counter(map(kind, table)).items())


def _check_table(table: ConnectionTable, filters: Dim, in_channels: Dim) -> None:
    """One row per filter, each naming input maps that exist."""
    require(
        equals(len(table), filters),
        "connections",
        lambda: _(
            "the connection table has {rows} rows but the layer has {filters} filters"
        ).format(rows=len(table), filters=show_value(filters)),
    )
    for row in table:
        for index in row:
            require(
                index < in_channels,
                "connections",
                partial(_no_such_map, index, in_channels),
            )  # fmt: skip


def _no_such_map(index: int, in_channels: Dim) -> str:
    return _(
        "input map {index} does not exist: the input has {maps} maps (indices 0 to {last})"
    ).format(index=index, maps=in_channels, last=in_channels - 1)


@rule(ConvTranspose)
def transposed_convolution(node: ConvTranspose, input_shape: Shape) -> LayerCounts:
    """Counts of a transposed convolution (PyTorch ``ConvTranspose2d``).

    - output size per axis: ``(n − 1)·s − p_before − p_after + d·(k − 1) + output_padding + 1``
    - trainable params: ``c_in·(c_out/g)·k_h·k_w + c_out``
    - MACs: every input value meets ``(c_out/g)·k_h·k_w`` weights,
      ``c_in·h_in·w_in·(c_out/g)·k_h·k_w``
      (fvcore and FlopCounterMode count so; thop 0.1.1 and torchinfo count the
      forward-conv formula on the output grid, 4× more at stride 2)
    - connections: weight uses plus one bias per output
    - work: those scattered sums, then the ``activation`` on every output
    """
    rank = len(node.kernel)
    in_channels, spatial = split_input(input_shape, rank, f"conv_transpose{rank}d")
    _require_groups_divide(node.groups, in_channels, node.filters)
    out_spatial: list[Dim] = []
    for n, k, s, (before, after), extra, d in zip(
        spatial, node.kernel, node.stride, node.padding, node.output_padding, node.dilation,
        strict=True,
    ):  # fmt: skip
        require(
            either(extra < s, extra < d),
            "output_padding",
            partial(_output_padding_too_large, extra, s, d),
        )
        size = (n - 1) * s - before - after + d * (k - 1) + extra + 1
        require(size >= 1, "padding", partial(_padding_eats_output, before + after, size))
        out_spatial.append(size)
    kernel_size = prod(node.kernel)
    per_input = exact_div(node.filters, node.groups) * kernel_size
    weights = in_channels * per_input
    biases: Dim = node.filters if node.bias else 0
    positions = prod(out_spatial)
    outputs = node.filters * positions
    sums = ScatteredSums(
        per_input=per_input,
        inputs=prod(input_shape),
        weights=weights,
        biases=biases,
        positions=positions,
        rank=len(node.kernel),
    )
    return LayerCounts(
        output_shape=(node.filters, *out_spatial),
        trainable_params=weights + biases,
        neurons=outputs,
        connections=sums.macs + sums.bias_adds,
        work=(sums, *activations(node.activation, outputs, node.filters)),
    )


def _output_padding_too_large(extra: Dim, stride: Dim, dilation: Dim) -> str:
    return _(
        "output_padding {extra} must be smaller than the stride {stride} or the dilation "
        "{dilation} (PyTorch)"
    ).format(extra=show_value(extra), stride=show_value(stride), dilation=show_value(dilation))


def _padding_eats_output(padding: Dim, size: Dim) -> str:
    return _("padding {padding} leaves an output of size {size}").format(
        padding=show_value(padding), size=show_value(size)
    )
