"""Receptive fields against the papers' numbers and against PyTorch's gradients.

The oracle: the gradient of one output position with respect to the input is
non-zero exactly where that output reads the input (with every weight positive
and the input all ones, nothing cancels; max pooling, which passes the gradient to
one position of its window, is left out of the generated networks).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import cnncalc
import cnncalc.spec
from cnncalc import ir
from cnncalc.cli import main
from cnncalc.errors import SpecError
from cnncalc.receptive_field import ReceptiveField, receptive_fields
from tests.conftest import SPECS
from tests.torch_builder import module_for


def test_alexnet_fields_grow_as_the_layers_add_up() -> None:
    # specs/alexnet.yaml at 227²: 11, 19, 51, 67, 99, 131, 163, 195 through its windows,
    # conv5 with a jump of 16 and the last pooling of 32; the dense layers see it all.
    fields = receptive_fields(cnncalc.analyze(cnncalc.load(SPECS / "alexnet.yaml")))
    windows = ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool3"]
    assert [fields[name].axes[0].size for name in windows] == [11, 19, 51, 67, 99, 131, 163, 195]
    assert (fields["conv5"].axes[0].jump, fields["pool3"].axes[1].jump) == (16, 32)
    assert fields["fc3"].kind == "whole"


def test_a_symbolic_field_is_a_formula() -> None:
    spec = {"input": [3, "n", "n"],
            "layers": [{"type": "conv2d", "filters": 4, "kernel": "k", "stride": 2}]}  # fmt: skip
    (field,) = receptive_fields(cnncalc.analyze(spec)).values()
    assert (str(field.axes[0].size), field.axes[0].jump) == ("k", 2)


class Network(nn.Module):
    """A spec as one torch network, every parameter positive."""

    def __init__(self, spec: cnncalc.NetworkSpec) -> None:
        super().__init__()
        network, report = spec.to_ir(), cnncalc.analyze(spec)
        self.wiring = [(layer.name, layer.inputs) for layer in network.layers]
        self.blocks = nn.ModuleList(
            module_for(layer.op, row.input_shapes)
            for layer, row in zip(network.layers, report.layers, strict=True)
        )
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.fill_(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = {ir.NETWORK_INPUT: x}
        for (name, sources), block in zip(self.wiring, self.blocks, strict=True):
            values[name] = block(*(values[s] for s in sources))
        return values[self.wiring[-1][0]]


def seen(spec: cnncalc.NetworkSpec, position: tuple[int, int]) -> list[tuple[int, int]] | None:
    """The input rows and columns (first, last) whose gradient output ``position`` has; None
    where it reads padding only."""
    x = torch.ones(1, *(int(n) for n in spec.input), requires_grad=True)
    out = Network(spec).eval()(x)
    (grad,) = torch.autograd.grad(out[0, 0, position[0], position[1]], x)
    spans = []
    for axis in (2, 3):
        reached = grad.abs().sum(dim=[a for a in range(4) if a != axis]).nonzero().flatten()
        if not len(reached):
            return None
        spans.append((int(reached.min()), int(reached.max())))
    return spans


def check(field: ReceptiveField, position: tuple[int, int], size: int,
          spans: list[tuple[int, int]] | None) -> None:  # fmt: skip
    """The gradient reaches inside output ``position``'s field, and its ends where they lie in
    the input (padding has no gradient; a dilated window's first tap may be padding)."""
    bounds = [(int(axis.start) + index * int(axis.jump), int(axis.size))
              for axis, index in zip(field.axes, position, strict=True)]  # fmt: skip
    if spans is None:  # a zero padding's own position: it reads nothing (see the caller)
        return
    for (first, extent), (low, high) in zip(bounds, spans, strict=True):
        last = first + extent - 1
        assert first <= low and high <= last
        if first >= 0:
            assert low == first
        if last <= size - 1:
            assert high == last


@st.composite
def chains(draw: st.DrawFn) -> dict[str, Any]:
    """Convolutions (strided, dilated, padded), average pooling, zero padding and ReLUs, and
    now and then a residual branch."""
    size = draw(st.integers(12, 40))
    layers: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["conv2d", "conv2d", "avgpool2d", "zeropad2d", "relu"]))
        layer: dict[str, Any] = {"name": f"l{index}", "type": kind}
        if kind == "conv2d":
            kernel = draw(st.integers(1, 4))
            layer |= {"filters": 2, "kernel": kernel, "stride": draw(st.integers(1, 3)),
                      "padding": draw(st.integers(0, kernel - 1)),
                      "dilation": draw(st.integers(1, 2))}  # fmt: skip
        elif kind == "avgpool2d":
            kernel = draw(st.integers(1, 3))
            layer |= {"kernel": kernel, "stride": draw(st.integers(1, 3)),
                      "padding": draw(st.integers(0, kernel // 2))}  # fmt: skip
        elif kind == "zeropad2d":
            layer["padding"] = [[draw(st.integers(0, 2)), 0], [0, draw(st.integers(0, 2))]]
        layers.append(layer)
    if draw(st.booleans()):  # a residual branch: a 3×3 convolution added back
        last = layers[-1]["name"]
        layers += [
            {"name": "branch", "type": "conv2d", "filters": 2, "kernel": 3, "padding": 1,
             "input": last},
            {"name": "merge", "type": "add", "inputs": [last, "branch"]},
        ]  # fmt: skip
    return {"input": [2, size, size], "framework": "pytorch", "layers": layers}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_fields_are_where_the_gradient_reaches(spec_data: dict[str, Any]) -> None:
    try:
        spec = cnncalc.spec.parse_spec(spec_data)
        report = cnncalc.analyze(spec)
    except SpecError:
        return  # the windows do not fit the input drawn
    field = receptive_fields(report)[report.layers[-1].name]
    channels, height, width = (int(n) for n in report.output_shape)
    if channels == 0 or height == 0 or width == 0:
        return
    size = int(spec.input[1])
    # Only a zero padding, or a dilated window's taps skipping the input (a 4-tap window of
    # dilation 2 padded by 3 on one position reads −3, −1, 1, 3), make outputs that read no
    # input: their field is where it would be, but it holds nothing.
    padded = any(
        layer["type"] == "zeropad2d" or (layer.get("dilation", 1) > 1 and layer["padding"])
        for layer in spec_data["layers"]
    )
    for position in ((0, 0), (height - 1, width - 1), (height // 2, width // 3)):
        spans = seen(spec, position)
        assert spans is not None or padded, position
        check(field, position, size, spans)


def test_the_command_line_prints_the_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SPECS / "lenet5.yaml"), "--receptive-field", "-f", "json"]) == 0
    layers = json.loads(capsys.readouterr().out)["layers"]
    # LeNet-5: C1 5×5, S2 6×6, C3 14×14, S4 16×16, C5 32×32 (the whole 32×32 input).
    assert [layer["receptive_field"].get("size") for layer in layers[:5]] == [
        [5, 5], [6, 6], [14, 14], [16, 16], [32, 32],
    ]  # fmt: skip
    assert layers[5]["receptive_field"] == {"kind": "whole"}
    assert main([str(SPECS / "lenet5.yaml"), "--receptive-field", "--depth", "1"]) == 2
    assert capsys.readouterr().err == (
        "error: --receptive-field goes with --format table or json, without --depth or --formulas\n"
    )


def test_resnet18_s_last_stage_sees_435_positions_as_the_gradient_does() -> None:
    # specs/resnet18.yaml up to layer4 (max pooling read as average pooling: the same
    # windows, a gradient on every position): 435 wide, jump 32, from −217.
    text = (SPECS / "resnet18.yaml").read_text(encoding="utf-8")
    text = text.replace("type: maxpool2d", "type: avgpool2d").split("  - {name: avgpool,")[0]
    spec = cnncalc.loads(text + "\n", "resnet18.yaml")
    report = cnncalc.analyze(spec)
    field = receptive_fields(report)[report.layers[-1].name]
    assert [(a.size, a.jump, a.start) for a in field.axes] == [(435, 32, -217)] * 2
    for position in ((0, 0), (6, 6), (3, 2)):
        spans = seen(spec, position)
        assert spans is not None
        check(field, position, 224, spans)
