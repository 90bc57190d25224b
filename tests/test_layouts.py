"""Layouts (cnncalc/layouts.py) against PyTorch's own strides: views, reshapes that cannot
view, contiguity, folding, and the layout of a layer's new output."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncalc
import cnncalc.spec
from cnncalc import ir, layouts
from cnncalc.layouts import (
    Sizes,
    contiguous,
    folds,
    is_contiguous,
    is_dense,
    like,
    output_strides,
    reshaped,
    view_strides,
)
from tests.torch_builder import module_for


@st.composite
def reshapes(draw: st.DrawFn) -> tuple[list[int], list[int], list[int]]:
    """Sizes (batch first), a permutation of the sample axes, and a new shape of as many values."""
    sizes = [draw(st.integers(1, 4)) for _ in range(draw(st.integers(2, 5)))]
    order = [0, *draw(st.permutations(range(1, len(sizes))))]
    values = math.prod(sizes) // sizes[0]
    new: list[int] = []
    while values > 1:
        factor = draw(st.sampled_from([d for d in range(1, values + 1) if values % d == 0]))
        new.append(factor)
        values //= factor
    return sizes, order, [sizes[order[0]], *(new or [1])]


@settings(max_examples=300, deadline=None)
@given(reshapes())
def test_a_reshape_is_a_view_exactly_where_torch_s_view_succeeds(
    case: tuple[list[int], list[int], list[int]],
) -> None:
    sizes, order, new = case
    tensor = torch.zeros(sizes).permute(order)
    node = ir.Reshape(shape=tuple(new[1:]))
    ours = view_strides(node, tuple(tensor.shape), tensor.stride(), tuple(new))
    try:
        theirs = tensor.view(new).stride()
    except RuntimeError:
        assert ours is None
    else:
        # Where an axis has size 1 its stride is arbitrary: compare the others.
        assert ours is not None
        assert [s for s, n in zip(ours, new, strict=True) if n != 1] == [
            s for s, n in zip(theirs, new, strict=True) if n != 1
        ]


@st.composite
def strided(draw: st.DrawFn) -> torch.Tensor:
    """A tensor of 2 to 4 axes, permuted and sliced at random (a view of a contiguous one)."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    tensor = torch.zeros(sizes)
    tensor = tensor.permute(*draw(st.permutations(range(len(sizes)))))
    axis = draw(st.integers(0, len(sizes) - 1))
    step = draw(st.integers(1, 2))
    return tensor.narrow(axis, 0, max(1, tensor.shape[axis] - draw(st.integers(0, 1))))[
        (slice(None),) * axis + (slice(None, None, step),)
    ]


def layout(tensor: torch.Tensor) -> tuple[Sizes, Sizes]:
    return tuple(tensor.shape), tuple(tensor.stride())


@given(strided(), st.data())
def test_a_view_has_torch_s_strides_or_is_refused_as_torch_refuses_it(
    tensor: torch.Tensor, data: st.DataObject
) -> None:
    sizes = tuple(tensor.shape)
    # A new shape of the same elements: some axes merged, or one split.
    numel = math.prod(sizes)
    cut = data.draw(st.integers(0, len(sizes)))
    shape = (math.prod(sizes[:cut]), math.prod(sizes[cut:]))
    for new in (shape, (numel,), (*sizes, 1), (1, *sizes)):
        try:
            expected: Sizes | None = tuple(tensor.view(new).stride())
        except RuntimeError:
            expected = None
        assert reshaped(*layout(tensor), new) == expected


@pytest.mark.parametrize(
    ("shape", "permutation", "new_shape"),
    [
        ((2, 3, 4), (0, 2, 1), (2, 12)),  # a transposed matrix: no view
        ((2, 3, 4), (0, 2, 1), (2, 4, 3)),  # its own shape: a view
        ((1, 3, 4), (0, 2, 1), (12,)),  # a batch of 1 does not help a transposed matrix
        ((2, 1, 4), (0, 2, 1), (2, 4)),  # swapping a size-1 axis keeps it contiguous
        ((6, 4), (1, 0), (2, 2, 6)),  # the outer axis may be split
        ((6, 4), (1, 0), (4, 2, 3)),
    ],
)
def test_reshaped_finds_the_views_torch_finds(
    shape: tuple[int, ...], permutation: tuple[int, ...], new_shape: tuple[int, ...]
) -> None:
    tensor = torch.zeros(shape).permute(permutation)
    try:
        expected: tuple[int, ...] | None = tuple(tensor.view(new_shape).stride())
    except RuntimeError:  # "view size is not compatible with input tensor's size and stride"
        expected = None
    assert reshaped(*layout(tensor), new_shape) == expected
    assert contiguous(shape) == tuple(torch.zeros(shape).stride())


@given(strided())
def test_contiguity_and_folding_as_torch_says(tensor: torch.Tensor) -> None:
    assert is_contiguous(*layout(tensor)) == tensor.is_contiguous()
    lead = math.prod(tensor.shape[:-1])
    try:
        tensor.view(lead, tensor.shape[-1])
        viewed = True
    except RuntimeError:
        viewed = False
    assert folds(*layout(tensor), 1) == viewed


@pytest.mark.parametrize("batch", [1, 2])
def test_a_transposed_batch_of_one_folds_into_rows_and_of_two_does_not(batch: int) -> None:
    tensor = torch.zeros(batch, 3, 5).transpose(1, 2)  # [b, t, c] read along c
    try:
        tensor.view(batch * 5, 3)
        viewed = True
    except RuntimeError:
        viewed = False
    assert viewed == (batch == 1)
    assert folds(*layout(tensor), 1) == viewed


def significant(sizes: Sizes, strides: Sizes) -> tuple[int, ...]:
    """The strides that matter: of the axes longer than 1."""
    return tuple(int(stride) for size, stride in zip(sizes, strides, strict=True) if size != 1)


@given(strided())
def test_an_element_wise_step_lays_out_as_torch(tensor: torch.Tensor) -> None:
    result = torch.relu(tensor)
    sizes = tuple(tensor.shape)
    assert significant(sizes, like(*layout(tensor))) == significant(*layout(result))
    relu = ir.ElementWise(function=ir.Activation.RELU)
    assert significant(sizes, output_strides(relu, *layout(tensor), sizes)) == significant(
        *layout(result)
    )
    assert is_dense(*layout(result))


@given(strided())
def test_softmax_writes_a_contiguous_output_whatever_its_input(tensor: torch.Tensor) -> None:
    result = torch.softmax(tensor, -1)
    softmax = ir.ElementWise(function=ir.Activation.SOFTMAX)
    sizes = tuple(tensor.shape)
    assert significant(sizes, output_strides(softmax, *layout(tensor), sizes)) == significant(
        *layout(result)
    )


@pytest.mark.parametrize(
    ("module", "node"),
    [
        (torch.nn.Conv2d(4, 4, 3), ir.Conv(filters=4, kernel=(3, 3), stride=(1, 1),
                                            padding=((0, 0), (0, 0)), dilation=(1, 1))),
        (torch.nn.ReLU(), ir.ElementWise(function=ir.Activation.RELU)),
        (torch.nn.Softmax(1), ir.ElementWise(function=ir.Activation.SOFTMAX)),
    ],
)  # fmt: skip
def test_a_channels_last_input_keeps_its_layout_but_through_softmax(
    module: torch.nn.Module, node: ir.Node
) -> None:
    x = torch.zeros(2, 4, 6, 6).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        y = module(x)
    strides = output_strides(node, tuple(x.shape), x.stride(), tuple(y.shape))
    assert strides == y.stride()
    assert (strides == contiguous(tuple(y.shape))) == isinstance(module, torch.nn.Softmax)


def test_a_dense_layer_along_the_channels_moves_them_back_as_a_view() -> None:
    x = torch.zeros(2, 3, 4, 5)
    linear = torch.nn.Linear(3, 6)
    with torch.no_grad():
        y = linear(x.movedim(1, -1)).movedim(-1, 1)  # what a dense layer with axis 0 runs
    node = ir.Dense(units=6, axis=0)
    assert output_strides(node, *layout(x), tuple(y.shape)) == y.stride()


def test_formulas_view_only_a_contiguous_tensor() -> None:
    import sympy

    n = sympy.Symbol("n", positive=True, integer=True)
    sizes = (2, n, 4)
    assert reshaped(sizes, contiguous(sizes), (2, 4 * n)) == (4 * n, 1)
    swapped = (2, 4, n)
    assert reshaped(swapped, (4 * n, 1, 4), (2, 4 * n)) is None
    assert output_strides(None, sizes, contiguous(sizes), sizes) == contiguous(sizes)


def test_dropout_is_a_view_at_inference_and_in_training_only_at_rate_0() -> None:
    assert layouts.is_view(ir.Dropout(rate=0.5))
    assert not layouts.is_view(ir.Dropout(rate=0.5), training=True)
    assert layouts.is_view(ir.Dropout(rate=0.0), training=True)
    x = torch.zeros(2, 3, 4).transpose(1, 2)
    assert torch.nn.functional.dropout(x, 0.0, training=True).data_ptr() == x.data_ptr()
    assert torch.nn.functional.dropout(x, 0.5, training=False).data_ptr() == x.data_ptr()
    assert torch.nn.functional.dropout(x, 0.5, training=True).data_ptr() != x.data_ptr()


def test_a_concatenation_is_channels_last_only_if_all_its_inputs_are() -> None:
    last = torch.zeros(2, 3, 4, 4).contiguous(memory_format=torch.channels_last)
    first = torch.zeros(2, 3, 4, 4)
    node = ir.Concat(axis=0)
    for inputs in ((last, first), (first, last), (last, last)):
        result = torch.cat(inputs, 1)
        others = [layout(tensor) for tensor in inputs[1:]]
        strides = output_strides(node, *layout(inputs[0]), tuple(result.shape), others)
        assert strides == result.stride()


KEEPERS: dict[str, dict[str, Any]] = {
    "conv2d": {"type": "conv2d", "filters": 4, "kernel": 3},
    "conv_transpose2d": {"type": "conv_transpose2d", "filters": 4, "kernel": 2, "stride": 2},
    "maxpool2d": {"type": "maxpool2d", "kernel": 2},
    "avgpool2d": {"type": "avgpool2d", "kernel": 2},
    "adaptive": {"type": "adaptive_maxpool2d", "output_size": 3},
    "batchnorm": {"type": "batchnorm"},
    "groupnorm": {"type": "groupnorm", "groups": 2},
    "lrn": {"type": "lrn", "size": 3},
    "zeropad2d": {"type": "zeropad2d", "padding": 1},
    "upsample": {"type": "upsample", "scale": 2},
    "channel_shuffle": {"type": "channel_shuffle", "groups": 2},
    "l2_normalize": {"type": "l2_normalize"},
    "softmax": {"type": "softmax"},
    "layernorm_last": {"type": "layernorm", "over": "last"},
    "layernorm_all": {"type": "layernorm", "over": "all"},
    "dense_axis": {"type": "dense", "units": 3, "axis": 0},
    "swin_channels_first": {"type": "patch_merging", "version": 1, "channels_first": True},
    "swin_tokens": {"type": "window_attention", "window": [2, 2], "heads": 1},
    "patch_merging_tokens": {"type": "patch_merging", "version": 1},
    "matmul": {"type": "matmul", "inputs": ["norm", "norm"]},
}
"""Layers after a layer norm over channels (a channels-last tensor)."""


@pytest.mark.parametrize("name", KEEPERS)
def test_each_layer_type_on_a_channels_last_map_lays_out_as_torch(name: str) -> None:
    spec = cnncalc.spec.parse_spec({"input": [4, 6, 6], "framework": "pytorch", "layers": [
        {"name": "norm", "type": "layernorm", "over": "channels"}, {"name": "x", **KEEPERS[name]},
    ]})  # fmt: skip
    network, report = spec.to_ir(), cnncalc.analyze(spec)
    values = {ir.NETWORK_INPUT: torch.randn(2, 4, 6, 6)}
    with torch.no_grad():
        for layer, row in zip(network.layers, report.layers, strict=True):
            module = module_for(layer.op, row.input_shapes).eval()
            values[layer.name] = module(*(values[source] for source in row.inputs))
    x, y = values["norm"], values["x"]
    assert layouts.is_channels_last(*layout(x))
    strides = output_strides(report.layers[1].node, *layout(x), tuple(y.shape))
    assert significant(tuple(y.shape), strides) == significant(*layout(y))
