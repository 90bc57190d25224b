"""The graph's input: which one, its shape from the file or ``--input``, its symbols.

An ONNX input is ``[batch, C, H, W]``; cnncalc's is one sample's, ``[C, H, W]``.
The batch axis (a number or a ``dim_param``) is dropped: every count is per
sample. Another axis given as a ``dim_param`` (``height``) becomes a spec
symbol of that name, so the report is a formula in it; ``--input
NAME=3,224,224`` (or ``--input 3,224,224`` for a graph of one input) sets the
sizes instead, before ONNX's shape inference runs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.importers.onnx.reading import MAX_DIM, MAX_RANK

if TYPE_CHECKING:
    from onnx import ModelProto, ValueInfoProto

_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def parse_input(text: str) -> tuple[str | None, list[int]]:
    """``NAME=3,224,224`` or ``3,224,224``: the input's name (or None) and its sizes."""
    name, _sep, sizes = text.rpartition("=")
    values = sizes.split(",")
    if len(values) > MAX_RANK or not all(v.strip().isdigit() and len(v.strip()) <= 10
                                         for v in values):  # fmt: skip
        raise CnncalcError(
            _("--input {text}: expected NAME=C,H,W, positive integers separated by commas").format(
                text=text[:100]
            )
        )
    numbers = [int(v) for v in values]
    if not all(1 <= n <= MAX_DIM for n in numbers):
        raise CnncalcError(
            _("--input {text}: each size must be from 1 to {most}").format(
                text=text[:100], most=f"{MAX_DIM:,}"
            )
        )
    return (name or None), numbers


def graph_input(model: ModelProto, path: str) -> ValueInfoProto:
    """The graph's one input that is not an initializer."""
    weights = {t.name for t in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in weights]
    if len(inputs) != 1:
        names = ", ".join(repr(v.name) for v in inputs[:5])
        raise CnncalcError(
            _(
                "{path}: the graph has {count} inputs ({names}); cnncalc imports a graph of one"
            ).format(path=path, count=len(inputs), names=names or "none")
        )
    found: ValueInfoProto = inputs[0]
    return found


def set_input(model: ModelProto, path: str, given: tuple[str | None, list[int]] | None) -> str:
    """Check the input's shape, put ``--input``'s sizes into it; its name."""
    value = graph_input(model, path)
    where = f"{path}: input '{value.name}'"
    if value.type.WhichOneof("value") != "tensor_type":
        raise CnncalcError(_("{where}: not a tensor").format(where=where))
    dims = value.type.tensor_type.shape.dim
    if given is not None:
        name, sizes = given
        if name is not None and name != value.name:
            raise CnncalcError(
                _("--input {name}=…: the graph's input is '{input}'").format(
                    name=name, input=value.name
                )
            )
        if len(dims) and len(dims) != len(sizes) + 1:
            raise CnncalcError(
                _("{where}: it has {rank} axes after the batch axis; --input gives {count}").format(
                    where=where, rank=len(dims) - 1, count=len(sizes)
                )
            )
        if not len(dims):
            value.type.tensor_type.shape.dim.add().dim_param = "batch"
            for _size in sizes:
                value.type.tensor_type.shape.dim.add()
        for dim, size in zip(list(dims)[1:], sizes, strict=True):
            dim.Clear()
            dim.dim_value = size
    if len(dims) < 2 or len(dims) > MAX_RANK + 1:
        raise CnncalcError(
            _("{where}: a shape of {rank} axes; cnncalc reads [batch, C, …] of 2 to {most}").format(
                where=where, rank=len(dims), most=MAX_RANK + 1
            )
        )
    for dim in dims:
        if dim.WhichOneof("value") == "dim_value" and not 0 <= dim.dim_value <= MAX_DIM:
            raise CnncalcError(
                _("{where}: size {size} is out of bounds (at most {most})").format(
                    where=where, size=dim.dim_value, most=f"{MAX_DIM:,}"
                )
            )
    return value.name


def spec_input(model: ModelProto, path: str) -> tuple[list[int | str], dict[str, str]]:
    """The spec's ``input`` (no batch axis), and each ``dim_param``'s symbol."""
    value = graph_input(model, path)
    shape: list[int | str] = []
    symbols: dict[str, str] = {}
    for dim in list(value.type.tensor_type.shape.dim)[1:]:
        if dim.WhichOneof("value") == "dim_value" and dim.dim_value >= 1:
            shape.append(int(dim.dim_value))
        elif dim.WhichOneof("value") == "dim_param" and _SYMBOL.fullmatch(dim.dim_param):
            symbols[dim.dim_param] = dim.dim_param
            shape.append(dim.dim_param)
        else:
            raise CnncalcError(
                _(
                    "{path}: input '{name}' has an axis of no stated size; give it with "
                    "--input {name}=C,H,W"
                ).format(path=path, name=value.name)
            )
    return shape, symbols
