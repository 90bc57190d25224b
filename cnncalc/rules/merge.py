"""Layers that combine several inputs: add, multiply, concat."""

from __future__ import annotations

from functools import partial
from typing import Literal

from cnncalc.arith import Dim, Shape, equals, prod, require
from cnncalc.errors import RuleError
from cnncalc.i18n import _
from cnncalc.ir import Add, Concat, Multiply
from cnncalc.rules.base import LayerCounts, merge_rule
from cnncalc.rules.shape import axis_index
from cnncalc.rules.window import format_shape
from cnncalc.work import Combination


def _at_least_two(inputs: tuple[Shape, ...], layer: str) -> None:
    if len(inputs) < 2:
        raise RuleError(
            "inputs",
            _("{layer} needs at least two inputs, got {count}").format(
                layer=layer, count=len(inputs)
            ),
        )


def _mismatch(what: str, axis: int, first: Shape, other: Shape) -> str:
    return _("{layer}: axis {axis} of {other} does not match {first}").format(
        layer=what, axis=axis, other=format_shape(other), first=format_shape(first)
    )


def _elementwise(kind: Literal["add", "multiply"], output_shape: Shape, inputs: int) -> LayerCounts:
    """An element-wise combination: each output reads one value from each input.

    No peer counts it: FlopCounterMode has no entry for ``add``/``mul``,
    fvcore reports them unsupported, torchinfo counts modules with parameters
    only, and ptflops sees ``x + y`` (it patches ``torch.add``, not the operator).
    """
    combination = Combination(kind=kind, operands=inputs, outputs=prod(output_shape))
    return LayerCounts(
        output_shape=output_shape,
        neurons=combination.outputs,
        connections=inputs * combination.outputs,
        work=(combination,),
    )


@merge_rule(Add)
def add(node: Add, inputs: tuple[Shape, ...]) -> LayerCounts:
    """Element-wise sum of ``k`` inputs of one rank: ``k`` connections per output.

    An axis of size 1 broadcasts to the others' size, as in PyTorch (a ``(1, d)``
    position embedding added to every one of ``(n, d)`` tokens; a ``(c, 1, 1)``
    bias to every pixel). Only a literal 1 broadcasts: a symbol is a full axis.
    """
    _at_least_two(inputs, "add")
    first = inputs[0]
    for other in inputs[1:]:
        if len(other) != len(first):
            raise RuleError(
                "inputs",
                _("add needs inputs of one shape, got {first} and {other}").format(
                    first=format_shape(first), other=format_shape(other)
                ),
            )  # fmt: skip
    return _elementwise("add", _broadcast(inputs, "add"), len(inputs))


def _broadcast(inputs: tuple[Shape, ...], layer: str) -> Shape:
    """The shape of inputs aligned from the first axis, each axis of size 1 broadcasting."""
    rank = max(len(shape) for shape in inputs)
    output: list[Dim] = [1] * rank
    for shape in inputs:
        for axis, size in enumerate(shape):
            current = output[axis]
            if isinstance(current, int) and current == 1:
                output[axis] = size
                continue
            require(
                equals(size, current) if not (isinstance(size, int) and size == 1) else True,
                "inputs",
                partial(_mismatch, layer, axis, tuple(output), shape),
            )
    return tuple(output)


@merge_rule(Multiply)
def multiply(node: Multiply, inputs: tuple[Shape, ...]) -> LayerCounts:
    """Element-wise product; an axis of size 1 (or a missing trailing one) broadcasts.

    Shapes are aligned from the channel axis: ``(C, 1, 1)`` and ``(C,)`` scale
    each map of a ``(C, H, W)`` input, as squeeze-and-excitation does. Only a
    literal 1 broadcasts (a symbol is taken to be a full axis), so the rule
    reads the same on numbers and on symbols.
    """
    _at_least_two(inputs, "multiply")
    return _elementwise("multiply", _broadcast(inputs, "multiply"), len(inputs))


@merge_rule(Concat)
def concat(node: Concat, inputs: tuple[Shape, ...]) -> LayerCounts:
    """Inputs stacked along ``axis`` (the channels by default; ``-2`` the tokens of
    ``[tokens, features]``); the other axes must agree. Nothing is computed."""
    _at_least_two(inputs, "concat")
    first = inputs[0]
    for other in inputs[1:]:
        if len(other) != len(first):
            raise RuleError(
                "inputs",
                _("concat needs inputs of one rank, got {first} and {other}").format(
                    first=format_shape(first), other=format_shape(other)
                ),
            )  # fmt: skip
    along = axis_index(node.axis, len(first), "axis")
    for other in inputs[1:]:
        for axis in range(len(first)):
            if axis != along:
                require(
                    equals(first[axis], other[axis]),
                    "inputs",
                    partial(_mismatch, "concat", axis, first, other),
                )
    stacked = sum((shape[along] for shape in inputs[1:]), first[along])
    return LayerCounts(output_shape=(*first[:along], stacked, *first[along + 1 :]))
