"""The PyTorch importer: shipped specs round-trip through torch, and models written here.

The round trip: each shipped spec the differential test can build is turned
into one ``torch.nn`` network (``tests/torch_builder.py``, modules named as
the spec's layers), imported back with :func:`from_module`, and analysed; the
report must equal the original's in every column, under every convention.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, example, given, settings
from torch import nn

import cnncalc
import cnncalc.spec
from cnncalc.analysis import LayerReport, Report
from cnncalc.cli import main
from cnncalc.errors import CnncalcError, SpecError
from cnncalc.importers.torch_fx import from_module, import_torch
from cnncalc.ir import Attention
from cnncalc.rules import Flops
from tests.conftest import NUMERIC_SPECS
from tests.test_torch_differential import (
    NOT_IN_PYTORCH,
    networks,
    networks_1d_3d,
    shape_networks,
)
from tests.torch_builder import module_for

# -- the round trip of the shipped specs ----------------------------------------------------


class SpecNetwork(nn.Module):
    """A spec as one torch network: each layer a module at its layer's qualified name."""

    def __init__(self, spec: cnncalc.NetworkSpec) -> None:
        super().__init__()
        network, report = spec.to_ir(), cnncalc.analyze(spec)
        self.wiring: list[tuple[str, tuple[str, ...]]] = []
        for layer, row in zip(network.layers, report.layers, strict=True):
            self._attach(layer.name, module_for(layer.op, row.input_shapes))
            self.wiring.append((layer.name, row.inputs))

    def _attach(self, name: str, module: nn.Module) -> None:
        # Module names cannot hold dots: `layer1.0.conv1` is conv1 in 0 in layer1.
        *path, last = name.split(".")
        parent: nn.Module = self
        for part in path:
            if not hasattr(parent, part):
                parent.add_module(part, nn.Module())
            parent = getattr(parent, part)
        parent.add_module(last, module)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = {"input": x}
        for name, sources in self.wiring:
            output = self.get_submodule(name)(*(values[s] for s in sources))
            if isinstance(output, tuple):  # a split: its parts are read as NAME.0, NAME.1, …
                values.update({f"{name}.{i}": part for i, part in enumerate(output)})
                output = output[0]
            values[name] = output
        return values[self.wiring[-1][0]]


def owner(name: str, layers: list[str]) -> str:
    """The spec layer an imported layer comes from: its name, or the longest dotted prefix.

    A spec layer the builder makes of several modules (a convolution and its
    activation, ``nn.Sequential(conv, relu)``) imports as ``name.0``, ``name.1``.
    """
    candidates = [n for n in layers if name == n or name.startswith(n + ".")]
    assert candidates, f"imported layer {name} matches no spec layer"
    return max(candidates, key=len)


def columns(rows: list[LayerReport]) -> tuple[Any, ...]:
    """Every column of a layer, or the sum of layers that stand for one (its last shape)."""
    flops: Flops = rows[0].flops_by_convention
    for row in rows[1:]:
        flops = flops + row.flops_by_convention
    sums = [sum(int(getattr(r, m)) for r in rows) for m in
            ("trainable_params", "non_trainable_params", "buffers", "macs", "neurons",
             "connections")]  # fmt: skip
    return (tuple(int(n) for n in rows[-1].output_shape), *sums, flops)


def assert_same_report(original: Report, imported: Report) -> None:
    names = [row.name for row in original.layers]
    groups: dict[str, list[LayerReport]] = {}
    for row in imported.layers:
        groups.setdefault(owner(row.name, names), []).append(row)
    assert list(groups) == names, "the imported layers are not the spec's, in order"
    for row in original.layers:
        ours, theirs = columns([row]), columns(groups[row.name])
        if isinstance(row.node, Attention):
            # Written out (projections, products, softmax), its steps' outputs are neurons
            # too; one attention layer's neurons are its output's.
            ours, theirs = ours[:5] + ours[6:], theirs[:5] + theirs[6:]
        assert ours == theirs, row.name
    totals = imported.totals
    if any(isinstance(row.node, Attention) for row in original.layers):
        totals = dataclasses.replace(totals, neurons=original.totals.neurons)
    assert totals == original.totals
    assert imported.flops_by_convention == original.flops_by_convention


NOT_YET_IMPORTED: dict[str, str] = {}
"""Shipped specs the PyTorch importer cannot read back yet (the spec language has their
layers; the importer's translation of them is the next step), each with why."""
ROUND_TRIP = [
    p for p in NUMERIC_SPECS if p.name not in NOT_IN_PYTORCH and p.name not in NOT_YET_IMPORTED
]


@pytest.mark.parametrize("path", ROUND_TRIP, ids=lambda p: p.name)
def test_shipped_spec_round_trips_through_torch(path: Path) -> None:
    round_trip(cnncalc.load(path))


def test_the_round_trip_covers_every_spec_torch_can_build() -> None:
    # As in the differential test: symbolic specs are left out (their numeric twins are in),
    # and LeNet-5's own layers (subsampling, RBF, a sparse table) have no torch module.
    assert len(ROUND_TRIP) >= 12
    left_out = set(NOT_IN_PYTORCH) | set(NOT_YET_IMPORTED)
    assert {p.name for p in NUMERIC_SPECS} - {p.name for p in ROUND_TRIP} == left_out


def round_trip(spec: cnncalc.NetworkSpec) -> None:
    imported = from_module(SpecNetwork(spec), tuple(int(n) for n in spec.to_ir().input_shape))
    assert imported.skipped == []
    assert_same_report(cnncalc.analyze(spec, "flops"), cnncalc.analyze(imported.spec))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_generated_networks_round_trip(spec: dict[str, Any]) -> None:
    # Every 2-D layer type, merges, layer norm over the channels (permuted) and, where the
    # builder's multiply cannot be traced, the recorder.
    round_trip(cnncalc.spec.parse_spec(spec))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape_networks())
@example(  # a 1×1 window: its one-entry bias table is as big as its scores (found by CI)
    {"input": [1, 2, 2], "framework": "pytorch", "layers": [
        {"name": "patch", "type": "conv2d", "filters": 4, "kernel": 1},
        {"type": "reshape", "shape": [1, 1, 16], "name": "l0", "input": "patch"},
        {"type": "matmul", "transpose_b": True, "inputs": ["l0", "l0"], "name": "l1"},
        {"type": "relative_position_bias", "window": 1, "name": "l2", "input": "l1"},
    ]},
)  # fmt: skip
def test_generated_shape_and_token_networks_import_to_the_same_totals(
    spec: dict[str, Any],
) -> None:
    # Reshapes, permutes, splits, token layers: a permutation the layers after it read as
    # they are is no layer of the import, so the totals and the output are compared.
    if any(layer["type"] in ("window_attention", "patch_merging") for layer in spec["layers"]):
        return  # the importer knows torchvision's Swin blocks by class, not the builder's
    parsed = cnncalc.spec.parse_spec(spec)
    original = cnncalc.analyze(parsed, "flops")
    imported = from_module(SpecNetwork(parsed), tuple(int(n) for n in parsed.input))
    assert imported.skipped == []
    report = cnncalc.analyze(imported.spec)
    assert report.output_shape == original.output_shape
    totals = report.totals
    if any(isinstance(row.node, Attention) for row in original.layers):
        totals = dataclasses.replace(totals, neurons=original.totals.neurons)
    assert totals == original.totals
    assert report.flops_by_convention == original.flops_by_convention


@settings(max_examples=15, deadline=None)
@given(networks_1d_3d())
def test_generated_1d_and_3d_networks_round_trip(spec: dict[str, Any]) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        cnncalc.analyze(parsed)
    except SpecError:
        return  # sizes too small for the kernels drawn
    round_trip(parsed)


# -- models written here --------------------------------------------------------------------


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock: one ReLU module called twice, ``out += identity``."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample: nn.Module | None = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        result: torch.Tensor = self.relu(out)
        return result


class TinyResNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 16, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer1(self.relu(self.bn1(self.conv1(x))))
        result: torch.Tensor = self.fc(torch.flatten(self.avgpool(x), 1))
        return result


def layers_of(imported: Any) -> dict[str, dict[str, Any]]:
    return {layer["name"]: layer for layer in imported.spec["layers"]}


def test_basic_block_residual_add_and_downsample() -> None:
    imported = from_module(TinyResNet(), (3, 16, 16))
    layers = layers_of(imported)
    assert layers["layer1.0.add"] == {
        "name": "layer1.0.add", "type": "add", "inputs": ["layer1.0.bn2", "relu"],
    }  # fmt: skip
    assert layers["layer1.1.downsample.0"]["input"] == "layer1.0.relu_1"
    assert layers["layer1.1.add"]["inputs"] == ["layer1.1.bn2", "layer1.1.downsample.1"]
    assert layers["layer1.1.conv1"] == {
        "name": "layer1.1.conv1", "type": "conv2d", "filters": 16, "kernel": 3, "stride": 2,
        "padding": 1, "bias": False,
    }  # fmt: skip
    assert "input" not in layers["layer1.1.conv1"]  # it reads the layer above
    assert imported.spec["framework"] == "pytorch" and imported.spec["convention"] == "flops"
    assert imported.skipped == []
    assert any("torch.fx" in line for line in imported.comments)
    report = cnncalc.analyze(imported.spec)
    assert report.totals.params == sum(p.numel() for p in TinyResNet().parameters())
    assert report.totals.buffers == sum(b.numel() for b in TinyResNet().buffers())


class Inception(nn.Module):
    """Four branches concatenated on the channels, GoogLeNet style."""

    def __init__(self) -> None:
        super().__init__()
        self.branch1 = nn.Conv2d(8, 4, 1)
        self.branch2 = nn.Sequential(nn.Conv2d(8, 4, 1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1))
        self.branch3 = nn.Sequential(nn.Conv2d(8, 2, 1), nn.ReLU(), nn.Conv2d(2, 3, 5, padding=2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), nn.Conv2d(8, 2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        return torch.cat(branches, 1)


def test_inception_concat() -> None:
    imported = from_module(Inception(), (8, 12, 12))
    layers = layers_of(imported)
    assert layers["concat"]["inputs"] == ["branch1", "branch2.2", "branch3.2", "branch4.1"]
    assert layers["branch2.0"]["input"] == "input"
    assert layers["branch4.0"] == {
        "name": "branch4.0", "type": "maxpool2d", "input": "input", "kernel": 3, "stride": 1,
        "padding": 1, "ceil_mode": True,
    }  # fmt: skip
    assert cnncalc.analyze(imported.spec).output_shape == (4 + 6 + 3 + 2, 12, 12)


class Functional(nn.Module):
    """Functional calls and tensor methods between the modules."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8 * 3 * 3, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        gate = torch.sigmoid(x.mean((2, 3), keepdim=True))
        x = F.adaptive_avg_pool2d(x * gate, (3, 3))
        x = x.view(x.size(0), -1)
        return F.softmax(self.fc(F.dropout(x, 0.25, self.training)), dim=1)


def test_functional_ops() -> None:
    imported = from_module(Functional(), (3, 16, 16))
    assert [(layer["name"], layer["type"]) for layer in imported.spec["layers"]] == [
        ("conv", "conv2d"), ("relu", "relu"), ("maxpool2d", "maxpool2d"),
        ("global_avgpool", "global_avgpool"), ("sigmoid", "sigmoid"), ("multiply", "multiply"),
        ("adaptive_avgpool2d", "adaptive_avgpool2d"), ("flatten", "flatten"),
        ("dropout", "dropout"), ("fc", "dense"), ("softmax", "softmax"),
    ]  # fmt: skip
    layers = layers_of(imported)
    assert layers["global_avgpool"]["keepdims"] is True
    assert layers["multiply"]["inputs"] == ["maxpool2d", "sigmoid"]
    assert layers["adaptive_avgpool2d"] == {
        "name": "adaptive_avgpool2d", "type": "adaptive_avgpool2d", "output_size": 3,
    }  # fmt: skip
    assert layers["dropout"]["rate"] == 0.25
    assert cnncalc.analyze(imported.spec).output_shape == (4,)


class DataDependent(TinyResNet):
    """An ``if`` on a tensor's value: torch.fx cannot trace it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            x = x.flip(-1)
        return super().forward(x)


def test_data_dependent_control_flow_falls_back_to_recording() -> None:
    recorded = from_module(DataDependent(), (3, 16, 16))
    assert any(line.startswith("Recorded by running the model once") and "torch.fx could not "
               "trace" in line for line in recorded.comments)  # fmt: skip
    assert not any("Traced with torch.fx" in line for line in recorded.comments)
    # The zero input takes the `else` path: the recorded graph is the traced one.
    assert recorded.spec["layers"] == from_module(TinyResNet(), (3, 16, 16)).spec["layers"]


class Scale(nn.Module):
    """A custom module with its own parameter: no cnncalc layer, the shape kept."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


def test_a_scale_by_a_parameter_is_a_layer_scale_and_an_unknown_module_is_said() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), Scale(4), nn.Softplus(), nn.Flatten())
    imported = from_module(model, (3, 6, 6))
    assert [layer["type"] for layer in imported.spec["layers"]] == [
        "conv2d", "layer_scale", "flatten",
    ]  # fmt: skip
    assert imported.skipped_lines() == [
        "2 (nn.Softplus): cnncalc has no layer type for it (it has no parameters or buffers)",
    ]
    assert "# skipped: 2 (nn.Softplus): cnncalc has no layer type for it" in imported.to_yaml()
    assert cnncalc.analyze(imported.spec).totals.params == 3 * 4 * 9 + 4 + 4


def test_a_last_step_no_layer_stands_for_is_listed() -> None:
    class Transposed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(8, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.fc(x)
            return out.transpose(0, 1)  # moves the batch axis: no spec layer

    imported = from_module(Transposed(), (8,))
    assert [layer["name"] for layer in imported.spec["layers"]] == ["fc"]
    assert imported.skipped_lines() == [
        "the network's output: cannot translate transpose (Tensor.transpose): its result has "
        "no batch axis (the batch reduced, or merged by a reshape)"
    ]


def test_a_module_that_returns_a_tuple_is_a_clear_error() -> None:
    class Recurrent(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(8, 4, batch_first=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out, _ = self.lstm(x)
            result: torch.Tensor = out[:, -1]
            return result

    with pytest.raises(CnncalcError, match=r"cannot translate lstm \(nn.LSTM\): it returns "):
        from_module(Recurrent(), (5, 8))


def test_an_untranslatable_op_that_changes_the_shape_is_a_clear_error() -> None:
    model = nn.Sequential(nn.Conv1d(2, 4, 3), nn.ConvTranspose1d(4, 4, 2))
    message = (r"cannot translate 1 \(nn.ConvTranspose1d\): cnncalc's transposed convolution is "
               r"2-D; it changes the shape 4×8 → 4×9")  # fmt: skip
    with pytest.raises(CnncalcError, match=message):
        from_module(model, (2, 10))


def test_a_3d_pooling_given_a_4d_tensor_is_a_clear_error() -> None:
    # nn.AdaptiveAvgPool3d reads (N, C, H, W) as one unbatched (C, D, H, W) sample.
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool3d(1))
    with pytest.raises(CnncalcError, match=r"cannot translate 1 \(nn.AdaptiveAvgPool3d\): a 3-D "
                       r"pooling given a 4-D tensor pools it as one unbatched sample"):  # fmt: skip
        from_module(model, (3, 8, 8))


class LayerNorm2d(nn.LayerNorm):
    """torchvision's: a LayerNorm subclass that permutes and calls F.layer_norm itself."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ConvNeXtBlock(nn.Module):
    """torchvision's CNBlock: depthwise conv, then channels last for LayerNorm and Linear."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, 7, padding=3, groups=dim), Permute(0, 2, 3, 1), nn.LayerNorm(dim),
            nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim), Permute(0, 3, 1, 2),
        )  # fmt: skip
        self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result: torch.Tensor = x + self.layer_scale * self.block(x)
        return result


class Permute(nn.Module):
    def __init__(self, *dims: int) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)


def test_convnext_channels_last_layer_norm_and_linear() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 4, stride=4), LayerNorm2d(8), ConvNeXtBlock(8))
    imported = from_module(model, (3, 16, 16))
    assert [(layer["name"], layer["type"]) for layer in imported.spec["layers"]] == [
        ("0", "conv2d"), ("1.layernorm", "layernorm"), ("2.block.0", "conv2d"),
        ("2.block.2", "layernorm"), ("2.block.3", "dense"), ("2.block.4", "gelu"),
        ("2.block.5", "dense"), ("2.layer_scale", "layer_scale"), ("2.add", "add"),
    ]  # fmt: skip
    layers = layers_of(imported)
    # nn.Linear on the channels-last map: a dense on cnncalc's channels, axis 0.
    assert layers["2.block.3"] == {"name": "2.block.3", "type": "dense", "units": 32, "axis": 0}
    assert layers["2.add"]["inputs"] == ["1.layernorm", "2.layer_scale"]
    assert imported.skipped == []
    # LayerNorm2d's weight and bias, read through F.layer_norm, are its layer's; the
    # layer scale's 8 are its layer's.
    report = cnncalc.analyze(imported.spec)
    assert report.layer("1.layernorm").params == 2 * 8
    assert report.layer("2.layer_scale").params == 8
    assert report.totals.params == sum(p.numel() for p in model.parameters())


class Windows(nn.Module):
    """Swin's window partition: channels last, then a view into 2×2 windows."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        b, h, w, c = x.shape
        return x.view(b, h // 2, 2, w // 2, 2, c)


def test_a_reshape_of_a_permuted_tensor_reads_it_in_torch_s_order() -> None:
    # Swin's window partition: the view reshapes the channels-last tensor, so the
    # permutation becomes a layer before it (cnncalc's tensor is channels first).
    model = nn.Sequential(nn.Conv2d(3, 4, 1), Windows())
    imported = from_module(model, (3, 8, 8))
    assert imported.spec["layers"][1:] == [
        {"name": "1.permute", "type": "permute", "dims": [1, 2, 0]},
        {"name": "1.reshape", "type": "reshape", "shape": [4, 2, 4, 2, 4]},
    ]
    assert cnncalc.analyze(imported.spec).output_shape == (4, 2, 4, 2, 4)


def test_a_flatten_of_a_permuted_tensor_flattens_torch_s_order() -> None:
    # Was an internal error (IndexError) putting a 1-axis shape in a 3-axis order.
    model = nn.Sequential(nn.Conv2d(3, 4, 3), Permute(0, 2, 3, 1), nn.Flatten(), nn.Linear(64, 2))
    imported = from_module(model, (3, 6, 6))
    assert [layer["type"] for layer in imported.spec["layers"]] == [
        "conv2d", "permute", "flatten", "dense",
    ]  # fmt: skip
    assert imported.spec["layers"][1]["dims"] == [1, 2, 0]


class RelativeAttention(nn.Module):
    """MaxViT's attention over windows [b, g, p, d]: einsum products, a bias read from a
    table by a buffer of indices (torchvision's RelativePositionalMultiHeadAttention)."""

    def __init__(self, dim: int, heads: int, side: int) -> None:
        super().__init__()
        self.heads, self.positions = heads, side * side
        self.to_qkv = nn.Linear(dim, 3 * dim)
        self.merge = nn.Linear(dim, dim)
        self.table = nn.Parameter(torch.zeros((2 * side - 1) ** 2, heads))
        self.index: torch.Tensor
        self.register_buffer("index", torch.zeros(side**4, dtype=torch.long))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, g, p, d = x.shape
        q, k, v = (
            t.reshape(b, g, p, self.heads, -1).permute(0, 1, 3, 2, 4)
            for t in torch.chunk(self.to_qkv(x), 3, dim=-1)
        )
        scores = torch.einsum("B G H I D, B G H J D -> B G H I J", q, k * 0.5)
        bias = self.table[self.index.view(-1)].view(p, p, -1).permute(2, 0, 1).unsqueeze(0)
        weights = F.softmax(scores + bias, dim=-1)
        out = torch.einsum("B G H I J, B G H J D -> B G H I D", weights, v)
        return self.merge(torch.swapaxes(out, 2, 3).reshape(b, g, p, d))  # type: ignore[no-any-return]


def test_one_window_s_bias_table_is_not_a_position_embedding() -> None:
    # MaxViT's last stage: one window, so the gathered bias [1, heads, N, N] has the
    # scores' shape; its table, (2·3 − 1)²·2 = 50 values, is not one per score (162).
    imported = from_module(RelativeAttention(8, 2, 3), (1, 9, 8))
    assert layers_of(imported)["relative_position_bias"]["window"] == 3
    assert cnncalc.analyze(imported.spec).layer("relative_position_bias").params == 50


def test_maxvit_attention_imports_its_products_and_its_bias_table() -> None:
    imported = from_module(RelativeAttention(8, 2, 3), (4, 9, 8))
    assert imported.skipped == []
    layers = layers_of(imported)
    # q·kᵀ: the einsum's second operand is (…, j, d), so the product reads it transposed.
    assert layers["matmul"] == {"name": "matmul", "type": "matmul", "transpose_b": True,
                                "inputs": ["permute", "permute_1"]}  # fmt: skip
    assert layers["matmul_1"] == {"name": "matmul_1", "type": "matmul",
                                  "inputs": ["softmax", "permute_2"]}  # fmt: skip
    assert layers["relative_position_bias"]["window"] == 3
    report = cnncalc.analyze(imported.spec)
    # The table, (2·3 − 1)²·2 = 50 parameters, and its index of 9² pairs, 81 buffers.
    assert report.layer("relative_position_bias").params == 50
    assert report.layer("relative_position_bias").buffers == 81
    assert report.totals.params == sum(p.numel() for p in RelativeAttention(8, 2, 3).parameters())
    # FlopCounterMode: the two projections, 2·36·8·(24 + 8), and the two products,
    # 2·(4·2·9·9·4)·2.
    flops = 2 * 36 * 8 * (24 + 8) + 2 * 2 * (4 * 2 * 9 * 9 * 4)
    assert imported.comments[3] == (
        f"FLOPs: {flops:,} in the spec's flops convention; torch's FlopCounterMode counts "
        f"{flops:,} on this input: all of them are counted."
    )


class L2Scaled(nn.Module):
    """SSD300's conv4_3 features: normalised over the channels, then scaled per channel."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.scale_weight = nn.Parameter(torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale_weight.view(1, -1, 1, 1) * F.normalize(x)


def test_an_l2_normalisation_and_its_scale_import() -> None:
    imported = from_module(nn.Sequential(nn.Conv2d(3, 4, 3), L2Scaled(4)), (3, 8, 8))
    assert imported.skipped == []
    assert [layer["type"] for layer in imported.spec["layers"]] == [
        "conv2d", "l2_normalize", "layer_scale",
    ]  # fmt: skip
    assert cnncalc.analyze(imported.spec).totals.params == 4 * 27 + 4 + 4


def test_a_module_never_called_is_said() -> None:
    class WithAux(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.aux = nn.Sequential(nn.Flatten(), nn.Linear(4 * 6 * 6, 10))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y: torch.Tensor = self.conv(x)
            return self.aux(y) if self.training else y

    imported = from_module(WithAux(), (3, 8, 8))
    assert [layer["name"] for layer in imported.spec["layers"]] == ["conv"]
    assert imported.skipped_lines() == [
        f"aux (nn.Sequential): never called on this input (in eval mode); its "
        f"{4 * 6 * 6 * 10 + 10:,} parameters are not counted"
    ]


def test_a_forward_of_two_inputs_is_a_clear_error() -> None:
    class Pair(nn.Module):
        def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return x + y

    with pytest.raises(CnncalcError, match=r"^the model's forward takes 2 inputs \(x, y\)"):
        from_module(Pair(), (3, 4, 4))


class Zoo(nn.Module):
    """One of every translated module, each checked against torch by the importer."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.ZeroPad2d((1, 2, 0, 1)), nn.Conv2d(3, 8, 4, padding="same", dilation=2),
            nn.GroupNorm(4, 8), nn.GELU(), nn.Conv2d(8, 8, 3, groups=4, padding="valid"),
            nn.LocalResponseNorm(3), nn.SiLU(), nn.MaxPool2d(2, ceil_mode=True),
            nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1),
            nn.BatchNorm2d(6, affine=False), nn.Hardswish(), nn.Upsample(scale_factor=2),
            nn.AvgPool2d(3, 2, padding=1), nn.ReLU6(), nn.Tanh(), nn.Dropout2d(0.1),
            nn.Conv2d(6, 4, (1, 3), stride=(2, 1), padding=(0, 1), padding_mode="reflect"),
            nn.Sigmoid(), nn.AdaptiveMaxPool2d((2, None)), nn.Identity(), nn.Flatten(),
            nn.LayerNorm(4 * 2 * 12), nn.Linear(96, 5, bias=False), nn.BatchNorm1d(5),
            nn.Softmax(dim=1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result: torch.Tensor = self.features(x)
        return result


def test_every_module_type_is_translated_and_checked_against_torch() -> None:
    imported = from_module(Zoo(), (3, 11, 11))
    assert imported.skipped == []
    layers = imported.spec["layers"]
    assert [layer["type"] for layer in layers] == [
        "zeropad2d", "conv2d", "groupnorm", "gelu", "conv2d", "lrn", "silu", "maxpool2d",
        "conv_transpose2d", "batchnorm", "hardswish", "upsample", "avgpool2d", "relu6", "tanh",
        "dropout", "conv2d", "sigmoid", "adaptive_maxpool2d", "identity", "flatten",
        "layernorm", "dense", "batchnorm", "softmax",
    ]  # fmt: skip
    assert layers[0]["padding"] == [[0, 1], [1, 2]]
    assert layers[1]["padding"] == [[3, 3], [3, 3]] or layers[1]["padding"] == 3
    assert layers[8]["output_padding"] == 1
    assert layers[16]["stride"] == [2, 1] and layers[16]["kernel"] == [1, 3]
    assert any("padding_mode 'reflect'" in note for note in imported.comments)
    assert layers[18]["output_size"] == [2, 12]


def test_one_and_three_dimensional_models() -> None:
    one = nn.Sequential(nn.Conv1d(2, 4, 3, padding="same"), nn.BatchNorm1d(4), nn.ReLU(),
                        nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(4, 2))  # fmt: skip
    three = nn.Sequential(nn.Conv3d(1, 2, 3, stride=2, padding=1), nn.BatchNorm3d(2),
                          nn.AdaptiveMaxPool3d(1))  # fmt: skip
    assert [layer["type"] for layer in from_module(one, (2, 9)).spec["layers"]] == [
        "conv1d", "batchnorm", "relu", "global_avgpool", "flatten", "dense",
    ]  # fmt: skip
    assert from_module(three, (1, 5, 6, 7)).spec["layers"][-1] == {
        "name": "2", "type": "global_maxpool", "keepdims": True,
    }  # fmt: skip


def test_a_shared_module_is_one_layer_per_call_and_said() -> None:
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            result: torch.Tensor = self.conv(self.conv(x))
            return result

    imported = from_module(Twice(), (4, 8, 8))
    assert [layer["name"] for layer in imported.spec["layers"]] == ["conv", "conv_1"]
    assert any("conv is called 2 times (shared weights)" in note for note in imported.comments)


def test_a_single_module_is_a_model() -> None:
    imported = from_module(nn.Conv2d(3, 6, 5), (3, 32, 32), name="one conv")
    assert imported.spec["name"] == "one conv"
    assert imported.spec["layers"] == [{"name": "conv2d", "type": "conv2d", "filters": 6,
                                        "kernel": 5}]  # fmt: skip


# -- MODULE:FACTORY and the command line ------------------------------------------------------

NET = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4 * 30 * 30, 10)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))


def broken():
    raise RuntimeError("no weights here")


def not_a_model():
    return 42
"""


@pytest.fixture
def net_file(tmp_path: Path) -> Path:
    path = tmp_path / "net.py"
    path.write_text(NET, encoding="utf-8")
    return path


def test_cli_imports_a_file(
    net_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net.yaml"
    assert main(["import", "torch", f"{net_file}:Net", "--input", "3,32,32", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"# {net_file}:Net: written by `cnncalc import torch`")
    report = cnncalc.analyze(out)
    assert [row.name for row in report.layers] == ["conv", "relu", "flatten", "fc"]
    assert report.totals.params == (3 * 3 * 3 + 1) * 4 + (4 * 30 * 30 + 1) * 10
    assert capsys.readouterr().err == ""


def test_import_torch_by_module_name(monkeypatch: pytest.MonkeyPatch, net_file: Path) -> None:
    monkeypatch.chdir(net_file.parent)  # MODULE is looked up from the working directory too
    imported = import_torch("net:Net", (3, 32, 32))
    assert imported.spec["name"] == "net:Net"
    sys.modules.pop("net", None)


@pytest.mark.parametrize(
    ("target", "input_shape", "message"),
    [
        ("nosuchmodule:f", "3,32,32", "error: no module named 'nosuchmodule' (is it installed"),
        ("torch.nn", "3,32,32", "error: expected MODULE:FACTORY (e.g. torchvision.models:resnet18"),
        ("torch.nn:Conv9d", "3,32,32", "error: torch.nn has no attribute 'Conv9d' (did you mean"),
        ("NET:broken", "3,32,32", "error: calling NET:broken() failed: RuntimeError: no weights"),
        ("NET:not_a_model", "3,32,32", "error: NET:not_a_model() returned a int, not a torch.nn"),
        ("NET:Net", "3,16,16", "error: the model's forward pass on an input of shape 1×3×16×16 "),
        ("missing.py:Net", "3,32,32", "error: missing.py: no such file"),
    ],
)
def test_cli_errors_are_one_line(
    target: str, input_shape: str, message: str, net_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    target = target.replace("NET", str(net_file))
    assert main(["import", "torch", target, "--input", input_shape]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message.replace("NET", str(net_file))), err
    assert err.count("\n") == 1


def test_without_torch_the_message_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(CnncalcError, match=r"^cnncalc import torch needs PyTorch: pip install "):
        import_torch("torchvision.models:resnet18", (3, 224, 224))
