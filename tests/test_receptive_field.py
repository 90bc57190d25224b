"""Receptive fields against the papers' numbers and against PyTorch's gradients.

The oracle: the gradient of one output position with respect to the input is
non-zero exactly where that output reads the input (with every weight positive
and the input all ones, nothing cancels; max pooling, which passes the gradient to
one position of its window, is left out of the generated networks).
"""

from __future__ import annotations

import json
from fractions import Fraction
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
from cnncalc.receptive_field import (
    AxisField,
    ReceptiveField,
    as_periodic,
    mean_jump,
    receptive_fields,
)
from cnncalc.receptive_periodic import Periodic
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


def seen(
    spec: cnncalc.NetworkSpec, position: tuple[int, int], rounding: float = 0.0
) -> list[tuple[int, int]] | None:
    """The input rows and columns (first, last) whose gradient output ``position`` has; None
    where it reads padding only. A gradient below ``rounding`` times the largest counts as 0:
    PyTorch computes an interpolation's weights in floating point, so a weight that is
    exactly 0 (a resize by 3 onto a point of its input) comes out as 1e-16 (in float64)."""
    x = torch.ones(1, *(int(n) for n in spec.input), requires_grad=True, dtype=torch.float64)
    out = Network(spec).double().eval()(x)
    (grad,) = torch.autograd.grad(out[0, 0, position[0], position[1]], x)
    spans = []
    for axis in (2, 3):
        total = grad.abs().sum(dim=[a for a in range(4) if a != axis])
        reached = (total > rounding * float(total.max())).nonzero().flatten()
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
    return with_a_branch(draw, layers, size)


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


# -- through resizes: upsampling and transposed convolutions ----------------------------------


@st.composite
def resizing_chains(draw: st.DrawFn) -> dict[str, Any]:
    """Decoder-like chains: convolutions and average pooling as in :func:`chains`, upsampling
    (nearest, bilinear, bicubic; by 2, 3, 3/2 or to a size) and transposed convolutions
    (strides, paddings, dilations, output padding), zero padding, now and then a skip
    connection."""
    size = draw(st.integers(6, 40))
    layers: list[dict[str, Any]] = []
    kinds = ["conv2d", "avgpool2d", "upsample", "conv_transpose2d", "conv_transpose2d", "relu",
             "zeropad2d"]  # fmt: skip
    for index in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(kinds))
        layer: dict[str, Any] = {"name": f"l{index}", "type": kind}
        if kind == "conv2d":
            kernel = draw(st.integers(1, 4))
            layer |= {"filters": 2, "kernel": kernel, "stride": draw(st.integers(1, 3)),
                      "padding": draw(st.integers(0, kernel - 1)),
                      "dilation": draw(st.integers(1, 2))}  # fmt: skip
        elif kind == "avgpool2d":
            layer |= {"kernel": 2, "stride": 2}
        elif kind == "upsample":
            layer["mode"] = draw(st.sampled_from(["nearest", "bilinear", "bicubic"]))
            if draw(st.booleans()):
                layer["scale"] = draw(st.sampled_from([2, 3, "3/2", [2, 3]]))
            else:
                layer["size"] = [draw(st.integers(4, 30)), draw(st.integers(4, 30))]
        elif kind == "zeropad2d":
            layer["padding"] = [[draw(st.integers(0, 2)), 0], [0, draw(st.integers(0, 2))]]
        elif kind == "conv_transpose2d":
            kernel, stride, dilation = (draw(st.integers(1, 4)), draw(st.integers(1, 3)),
                                        draw(st.integers(1, 2)))  # fmt: skip
            extra = draw(st.integers(0, max(stride, dilation) - 1))  # < stride or dilation
            layer |= {"filters": 2, "kernel": kernel, "stride": stride, "dilation": dilation,
                      "padding": draw(st.integers(0, dilation * (kernel - 1))),
                      "output_padding": extra}  # fmt: skip
        layers.append(layer)
    return with_a_branch(draw, layers, size)


def field_at(field: ReceptiveField, position: tuple[int, int]) -> list[tuple[int, int] | None]:
    """The first and last input position output ``position`` sees, per axis."""
    spans: list[tuple[int, int] | None] = []
    for axis, index in zip(field.axes, position, strict=True):
        periodic = as_periodic(axis)
        assert periodic is not None
        spans.append(periodic.at(index))
    return spans


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resizing_chains(), st.data())
def test_fields_through_resizes_are_where_the_gradient_reaches(
    spec_data: dict[str, Any], data: st.DataObject
) -> None:
    try:
        spec = cnncalc.spec.parse_spec(spec_data)
        report = cnncalc.analyze(spec)
    except SpecError:
        return  # the windows do not fit the input drawn
    field = receptive_fields(report)[report.layers[-1].name]
    assert field.kind == "axes", field.why
    channels, height, width = (int(n) for n in report.output_shape)
    if channels == 0 or height == 0 or width == 0:
        return
    size = int(spec.input[1])
    positions = {(0, 0), (height - 1, width - 1), (height // 2, width // 3)}
    positions |= {(data.draw(st.integers(0, height - 1)), data.draw(st.integers(0, width - 1)))}
    for position in sorted(positions):
        expected = field_at(field, position)
        spans = seen(spec, position, rounding=1e-9)
        if None in expected:  # this output reads no input at all: no gradient
            assert spans is None, (position, expected)
            continue
        if spans is None:  # it reads padding, or positions a resize's border clamps away
            continue
        for axis, span, (low, high) in zip(field.axes, expected, spans, strict=True):
            assert span is not None
            first, last = span
            # The field holds what the gradient reaches; exactly so away from the borders,
            # where no layer reads past the edge of its input (padding, a dropped last
            # window, a resize clamping its reads): there the field goes on with its pattern.
            assert first <= low and high <= last, (position, expected, spans)
            margin = int(axis.size)
            if first >= margin and last <= size - 1 - margin:
                assert (low, high) == (first, last), (position, expected, spans)


def _fields(layers: list[dict[str, Any]], shape: list[Any] | None = None) -> dict[str, Any]:
    spec = {"input": shape or [2, 16, 16], "framework": "pytorch", "layers": layers}
    return receptive_fields(cnncalc.analyze(spec))


def test_an_upsampling_halves_the_jump_and_repeats_every_two_outputs() -> None:
    fields = _fields([
        {"name": "down", "type": "conv2d", "filters": 2, "kernel": 3, "stride": 2, "padding": 1},
        {"name": "up", "type": "upsample", "scale": 2},
    ])  # fmt: skip
    (axis, _) = fields["up"].axes
    assert axis.periodic is not None
    # Outputs 0 and 1 both see down's output 0 (−1 … 1); outputs 2 and 3 its output 1 (1 … 3).
    assert axis.periodic == Periodic(2, 2, ((-1, 1), (-1, 1)))
    assert [axis.periodic.at(i) for i in range(4)] == [(-1, 1), (-1, 1), (1, 3), (1, 3)]
    assert (axis.size, mean_jump(axis), axis.start) == (3, Fraction(1, 1), -1)


def test_a_stride_2_transposed_convolution_reads_two_inputs_on_each_phase() -> None:
    # kernel 4, stride 2, padding 1 (a U-Net's or DCGAN's): output 2q reads inputs q − 1, q;
    # output 2q + 1 reads q, q + 1: a field of 2, a mean jump of 1/2, from −1.
    fields = _fields([{"name": "t", "type": "conv_transpose2d", "filters": 2, "kernel": 4,
                       "stride": 2, "padding": 1}])  # fmt: skip
    (axis, _) = fields["t"].axes
    assert axis.periodic is not None
    assert (axis.periodic.period, axis.periodic.advance, axis.periodic.phases) == (
        2, 1, ((-1, 0), (0, 1)),
    )  # fmt: skip
    assert (axis.size, mean_jump(axis), axis.start) == (2, Fraction(1, 2), -1)


def test_a_transposed_convolution_s_phases_may_read_nothing() -> None:
    # kernel 1, stride 3: output 3q reads input q, outputs 3q + 1 and 3q + 2 read none.
    fields = _fields([{"name": "t", "type": "conv_transpose2d", "filters": 2, "kernel": 1,
                       "stride": 3}])  # fmt: skip
    (axis, _) = fields["t"].axes
    assert axis.periodic is not None
    assert axis.periodic.phases == ((0, 0), None, None)
    assert (axis.size, mean_jump(axis)) == (1, Fraction(1, 3))


def test_a_kernel_of_a_million_after_an_upsampling_costs_what_a_small_one_does() -> None:
    # A row of 2,000,000 upsampled by 3, then a window of 1,000,000 with dilation 2: only
    # the window's first and last taps within a period are looked at.
    fields = _fields([
        {"name": "up", "type": "upsample", "scale": [1, 3]},
        {"name": "c", "type": "conv2d", "filters": 1, "kernel": [1, 1_000_000],
         "dilation": [1, 2]},
    ], [1, 1, 2_000_000])  # fmt: skip
    (_, axis) = fields["c"].axes
    # Output i reads up's i … i + 1,999,998, i.e. inputs ⌊i/3⌋ … ⌊(i + 1,999,998)/3⌋.
    assert axis.periodic is not None
    assert [axis.periodic.at(i) for i in range(4)] == [
        (0, 666_666), (0, 666_666), (0, 666_666), (1, 666_667),
    ]  # fmt: skip
    assert (axis.size, axis.start, mean_jump(axis)) == (666_667, 0, Fraction(1, 3))


def test_a_stride_beyond_the_period_limit_is_refused_saying_so() -> None:
    fields = _fields([{"name": "t", "type": "conv_transpose2d", "filters": 1, "kernel": 1,
                       "stride": 5000}], [1, 4, 4])  # fmt: skip
    assert fields["t"].why == (
        "t: the field repeats only every 5,000 outputs, more than the 4,096 cnncalc derives "
        "(MAX_PERIOD in cnncalc/receptive_periodic.py)"
    )


def test_after_an_upsampling_global_pooling_still_sees_the_whole_input() -> None:
    fields = _fields([
        {"name": "up", "type": "upsample", "scale": 2, "mode": "bilinear"},
        {"name": "pool", "type": "global_avgpool"},
        {"name": "flat", "type": "flatten", "input": "up"},
    ])  # fmt: skip
    assert (fields["pool"].kind, fields["flat"].kind) == ("whole", "whole")


def test_a_window_after_an_upsampling_that_undoes_it_gives_a_plain_field_again() -> None:
    fields = _fields([
        {"name": "up", "type": "upsample", "scale": 2, "mode": "nearest"},
        {"name": "down", "type": "conv2d", "filters": 2, "kernel": 2, "stride": 2},
    ])  # fmt: skip
    assert fields["down"].axes[0] == AxisField(1, 1, 0)  # each output: one input position


def test_a_symbolic_input_goes_through_an_integer_upsampling_and_formulas_are_refused() -> None:
    up = {"name": "up", "type": "upsample", "scale": 2}
    fields = _fields([up], ["c", "n", "n"])
    assert fields["up"].axes[0].periodic == Periodic(2, 1, ((0, 0), (0, 0)))
    conv = {"name": "c", "type": "conv2d", "filters": 2, "kernel": "k"}
    assert _fields([conv, up], [2, 16, 16])["up"].why == (
        "up: cnncalc derives a field through a resize from whole numbers only (its input's "
        "field is a formula)"
    )
    sized = {"name": "up", "type": "upsample", "size": [32, 32]}
    assert _fields([sized], [2, "n", "n"])["up"].why == (
        "up: cnncalc derives a field through a resize from whole numbers only (a resize to a "
        "size, from a size given as a formula)"
    )


def test_a_period_longer_than_the_limit_is_refused_saying_so() -> None:
    fields = _fields([{"name": "up", "type": "upsample", "scale": "4097/4096"}], [2, 4096, 8])
    assert fields["up"].why == (
        "up: the field repeats only every 4,097 outputs, more than the 4,096 cnncalc derives "
        "(MAX_PERIOD in cnncalc/receptive_periodic.py)"
    )


def test_the_command_line_shows_a_decoder_s_repeating_fields(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    spec = tmp_path / "decoder.yaml"
    spec.write_text(
        "input: [2, 16, 16]\n"
        "layers:\n"
        "  - {name: down, type: conv2d, filters: 2, kernel: 3, stride: 2, padding: 1}\n"
        "  - {name: t, type: conv_transpose2d, filters: 2, kernel: 4, stride: 2, padding: 1}\n",
        encoding="utf-8",
    )
    assert main([str(spec), "--receptive-field"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Repeats" in lines[2]
    assert [cell.strip() for cell in lines[5].split("│")[1:-1]] == [
        "t", "conv_transpose2d", "2×16×16", "5×5", "1×1", "-3, -3", "every 2×2",
    ]  # fmt: skip
    assert main([str(spec), "--receptive-field", "-f", "json"]) == 0
    down, t = json.loads(capsys.readouterr().out)["layers"]
    assert down["receptive_field"] == {"kind": "axes", "size": [3, 3], "jump": [2, 2],
                                       "start": [-1, -1]}  # fmt: skip
    assert t["receptive_field"] == {
        "kind": "axes", "size": [5, 5], "jump": [1, 1], "start": [-3, -3],
        "period": [2, 2], "advance": [2, 2], "phases": [[[-3, 1], [-1, 3]]] * 2,
    }  # fmt: skip


def with_a_branch(draw: st.DrawFn, layers: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """The spec of ``layers`` on a 2×size×size input, maybe with a residual branch: a 3×3
    convolution of the last output added back to it."""
    if draw(st.booleans()):
        last = layers[-1]["name"]
        layers += [
            {"name": "branch", "type": "conv2d", "filters": 2, "kernel": 3, "padding": 1,
             "input": last},
            {"name": "merge", "type": "add", "inputs": [last, "branch"]},
        ]  # fmt: skip
    return {"input": [2, size, size], "framework": "pytorch", "layers": layers}


# -- through adaptive pooling -----------------------------------------------------------------


def final_pooling(name: str, output: int, size: int) -> cnncalc.NetworkSpec:
    """The library model ``name`` (specs/NAME.yaml) up to its final adaptive average pooling,
    pooling to ``output``×``output`` on a ``size``² input. Max pooling is read as average
    pooling (the same windows, a gradient on every position) and ReLU6 as ReLU (with every
    weight 0.1 on an input of ones, a ReLU6 saturates and passes no gradient): neither
    changes a field."""
    text = (SPECS / f"{name}.yaml").read_text(encoding="utf-8")
    head, pool, _rest = text.partition(
        "  - {name: avgpool, type: adaptive_avgpool2d, output_size: 1}"
    )
    assert pool, name
    head = head.replace("type: maxpool2d", "type: avgpool2d").replace("type: relu6", "type: relu")
    head = head.replace("input: [3, 224, 224]", f"input: [3, {size}, {size}]")
    pooling = f"  - {{name: avgpool, type: adaptive_avgpool2d, output_size: {output}}}\n"
    return cnncalc.loads(head + pooling, f"{name}.yaml")


def reached(spec: cnncalc.NetworkSpec, positions: list[tuple[int, int]]) -> list[torch.Tensor]:
    """For each output position (of channel 0), the input positions (rows × columns) whose
    gradient is non-zero: one forward pass, a backward pass per position."""
    x = torch.ones(1, *(int(n) for n in spec.input), requires_grad=True, dtype=torch.float64)
    out = Network(spec).double().eval()(x)
    masks = []
    for row, column in positions:
        (grad,) = torch.autograd.grad(out[0, 0, row, column], x, retain_graph=True)
        masks.append(grad[0].abs().sum(dim=0) > 0)
    return masks


def expected_mask(field: ReceptiveField, position: tuple[int, int], size: int) -> torch.Tensor:
    """The rectangle output ``position``'s field covers, clipped to the input."""
    mask = torch.zeros(size, size, dtype=torch.bool)
    (rows, columns) = [
        (
            max(int(a.start) + i * int(a.jump), 0),
            min(int(a.start) + i * int(a.jump) + int(a.size), size),
        )
        for a, i in zip(field.axes, position, strict=True)
    ]
    mask[rows[0] : rows[1], columns[0] : columns[1]] = True
    return mask


@pytest.mark.parametrize(
    ("name", "output", "size", "expected"),
    [
        ("resnet18", 1, 224, "whole"),
        ("resnet18", 5, 320, (467, 64, -217)),  # layer4 is 10×10: stride and window 2
        ("mobilenet_v2", 1, 224, "whole"),
        ("mobilenet_v2", 5, 320, (523, 64, -245)),  # head: 491, jump 32
    ],
)
def test_the_final_pooling_sees_what_the_gradient_does(
    name: str, output: int, size: int, expected: object
) -> None:
    """ResNet-18's and MobileNetV2's final adaptive average pooling: to 1×1 it sees the whole
    input; to 5×5 on a 10×10 map (a 320² input, so that the fields, 467 and 523 wide, do
    not cover it all), PyTorch's windows are a pooling of stride 2 and window 2, and each
    output's gradient is non-zero exactly on the field cnncalc gives."""
    spec = final_pooling(name, output, size)
    field = receptive_fields(cnncalc.analyze(spec))["avgpool"]
    positions = [(0, 0), (output - 1, output - 1), (output // 2, output // 3)]
    masks = reached(spec, positions)
    if expected == "whole":
        assert field.kind == "whole"
        assert all(bool(mask.all()) for mask in masks)
        return
    assert [(a.size, a.jump, a.start) for a in field.axes] == [expected] * 2
    for position, mask in zip(positions, masks, strict=True):
        assert torch.equal(mask, expected_mask(field, position, size)), position


def test_an_adaptive_pooling_to_a_size_that_does_not_divide_says_why_it_stops() -> None:
    """ResNet-18's layer4 is 7×7: PyTorch pools it to 2×2 with windows 0…3 and 3…6 (4 wide,
    overlapping), which no single stride and window give."""
    report = cnncalc.analyze(final_pooling("resnet18", 2, 224))
    field = receptive_fields(report)["avgpool"]
    assert field.kind == "unknown"
    assert field.why == (
        "avgpool: cnncalc derives an adaptive pooling's field only where its input size is "
        "(provably) a multiple of its output size, here 7×7 to 2×2: its windows differ in size"
    )


@pytest.mark.parametrize(
    ("size", "output", "expected"),
    [
        ("8*m", 2, ("4*m + 2", "4*m", "-1")),  # a multiple whatever m is
        ("4*m", "m", ("6", "4", "-1")),
        ("n", 7, None),  # n/7 is a whole number for some n only
        ("2*m", "2*m - 1", None),
    ],
)
def test_a_symbolic_adaptive_pooling_is_derived_where_the_multiple_is_provable(
    size: str, output: object, expected: tuple[str, str, str] | None
) -> None:
    spec = {"input": [3, size, size], "layers": [
        {"name": "c", "type": "conv2d", "filters": 2, "kernel": 3, "padding": 1},
        {"name": "a", "type": "adaptive_avgpool2d", "output_size": output},
    ]}  # fmt: skip
    field = receptive_fields(cnncalc.analyze(spec))["a"]
    if expected is None:
        assert field.kind == "unknown"
        assert f"here {size}×{size} to {output}×{output}: its windows" in field.why
        return
    assert [(str(a.size), str(a.jump), str(a.start)) for a in field.axes] == [expected] * 2


def test_an_adaptive_pooling_after_an_upsampling_undoes_it() -> None:
    """8 upsampled by 2 to 16, pooled to 4: a window of 4 on the upsampled grid reads 2 inputs,
    every 2: a plain field again (the gradient says so)."""
    spec = cnncalc.spec.parse_spec({"input": [1, 8, 8], "layers": [
        {"name": "up", "type": "upsample", "scale": 2, "mode": "nearest"},
        {"name": "pool", "type": "adaptive_avgpool2d", "output_size": 4},
    ]})  # fmt: skip
    field = receptive_fields(cnncalc.analyze(spec))["pool"]
    assert [(a.size, a.jump, a.start, a.periodic) for a in field.axes] == [(2, 2, 0, None)] * 2
    for position in ((0, 0), (3, 1)):
        assert seen(spec, position) == [(2 * position[0], 2 * position[0] + 1),
                                         (2 * position[1], 2 * position[1] + 1)]  # fmt: skip


def test_explain_derives_the_adaptive_window() -> None:
    from cnncalc.step_derivations import field_derivation

    report = cnncalc.analyze(final_pooling("resnet18", 7, 448))
    derivation = field_derivation(report, report.layer("avgpool"))
    assert derivation.rule.startswith(
        "an adaptive pooling of an input size n a multiple of its output size m: PyTorch's "
        "windows, stride s = n/m and k = n − (m − 1)·s, no padding"
    )
    assert [q.result for axis in derivation.axes for q in axis.quantities] == [467, 64, -217]
