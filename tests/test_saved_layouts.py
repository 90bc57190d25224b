"""Layouts against PyTorch's own strides: views, reshapes that cannot view, element-wise steps."""

from __future__ import annotations

import math

import torch
from hypothesis import given
from hypothesis import strategies as st

from cnncalc import saved_layouts as layouts


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


def layout(tensor: torch.Tensor) -> layouts.Layout:
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
            expected: layouts.Layout | None = layout(tensor.view(new))
        except RuntimeError:
            expected = None
        assert layouts.view(layout(tensor), new) == expected


@given(strided())
def test_contiguity_and_folding_as_torch_says(tensor: torch.Tensor) -> None:
    assert layouts.is_contiguous(layout(tensor)) == tensor.is_contiguous()
    lead = math.prod(tensor.shape[:-1])
    try:
        tensor.view(lead, tensor.shape[-1])
        folds = True
    except RuntimeError:
        folds = False
    assert layouts.folds(layout(tensor), 1) == folds


def significant(value: layouts.Layout) -> tuple[int, ...]:
    """The strides that matter: of the axes longer than 1."""
    return tuple(stride for size, stride in zip(*value, strict=True) if size != 1)


@given(strided())
def test_an_element_wise_step_lays_out_as_torch(tensor: torch.Tensor) -> None:
    result = torch.relu(tensor)
    assert significant(layouts.like(layout(tensor), tuple(tensor.shape))) == significant(
        layout(result)
    )
    assert layouts.is_dense(layout(result))
