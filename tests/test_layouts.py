"""Strides (cnncalc/layouts.py) against PyTorch's: which reshapes are views, and of what strides."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc import ir
from cnncalc.layouts import contiguous, output_strides, view_strides


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
