"""Inference memory (cnncalc/memory.py) against PyTorch: weight bytes after ``.to(dtype)``,
the output tensors' ``nbytes``, and the live bytes of a layer-by-layer run (tests/memory_probe.py),
cross-checked with ``torch.distributed._tools.mem_tracker.MemTracker``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sympy
import torch
from hypothesis import HealthCheck, given, settings
from torch import nn

import cnncalc
import cnncalc.spec
from cnncalc import ir
from cnncalc.cli import main
from cnncalc.errors import SpecError
from cnncalc.memory import inference_memory
from cnncalc.training_memory import training_memory
from tests.conftest import GOLDEN, NUMERIC_SPECS, SPECS
from tests.memory_probe import TORCH_DTYPES, measure
from tests.test_torch_differential import NOT_IN_PYTORCH, networks, shape_networks
from tests.torch_builder import Untranslatable, module_for

TRANSLATABLE = [p for p in NUMERIC_SPECS if p.name not in NOT_IN_PYTORCH]

RESIDUAL = {"input": [2, 4, 4], "framework": "pytorch", "layers": [
    {"name": "c1", "type": "conv2d", "filters": 2, "kernel": 1},
    {"name": "r1", "type": "relu"},
    {"name": "c2", "type": "conv2d", "filters": 2, "kernel": 1},
    {"name": "add", "type": "add", "inputs": ["r1", "c2"]},
    {"name": "flat", "type": "flatten"},
    {"name": "fc", "type": "dense", "units": 3},
]}  # fmt: skip


def test_a_residual_branch_keeps_its_tensor_until_the_merge() -> None:
    # fp32, batch 1: the input and each 2×4×4 map are 128 bytes, the output 12.
    memory = inference_memory(cnncalc.analyze(cnncalc.spec.parse_spec(RESIDUAL)))
    rows = {layer.name: layer for layer in memory.layers}
    assert [rows[n].param_bytes for n in ("c1", "c2", "fc")] == [24, 24, 396]
    assert [layer.output_bytes for layer in memory.layers] == [128] * 5 + [12]
    assert [layer.storage for layer in memory.layers] == ["new"] * 4 + ["view", "new"]
    # The input is held throughout; r1 lives until the add reads it, c1 until r1 does.
    assert [layer.live for layer in memory.layers] == [256, 384, 384, 512, 256, 268]
    assert (memory.peak.bytes, memory.peak.layer) == (512, "add")
    # In place: r1 overwrites c1 (read by nothing after), the add overwrites r1.
    assert [layer.in_place_of for layer in memory.layers] == [None, "c1", None, "r1", None, None]
    assert [layer.live_in_place for layer in memory.layers] == [256, 256, 384, 384, 256, 268]
    assert (memory.peak_in_place.bytes, memory.peak_in_place.layer) == (384, "c2")
    assert memory.input_bytes == 128


def test_a_relu_on_the_network_input_or_a_tensor_read_later_runs_out_of_place() -> None:
    spec = cnncalc.spec.parse_spec({"input": [4], "layers": [
        {"name": "a", "type": "relu"},
        {"name": "b", "type": "relu"},
        {"name": "c", "type": "add", "inputs": ["a", "b"]},
    ]})  # fmt: skip
    memory = inference_memory(cnncalc.analyze(spec))
    # a reads the input (the caller's); b reads a, which c reads later; c overwrites a or b.
    assert [layer.in_place_of for layer in memory.layers] == [None, None, "a"]


def test_dtypes_scale_activations_and_weights_separately() -> None:
    report = cnncalc.analyze(cnncalc.spec.parse_spec(RESIDUAL))
    memory = inference_memory(report, batch=4, dtype="half", weight_dtype="int8")
    assert (memory.dtype, memory.weight_dtype) == ("fp16", "int8")
    assert memory.param_bytes == 6 + 6 + 99
    assert memory.peak.bytes == 4 * 512 // 2


def test_integer_buffers_stay_int64() -> None:
    spec = cnncalc.spec.parse_spec({"input": [3, 4, 4], "framework": "pytorch", "layers": [
        {"name": "bn", "type": "batchnorm"},
    ]})  # fmt: skip
    layer = inference_memory(cnncalc.analyze(spec), dtype="fp16").layers[0]
    assert layer.buffer_bytes == 2 * 3 * 2 + 8  # running mean and var; num_batches_tracked


# -- weights against torch after .to(dtype) -------------------------------------------------


def weight_bytes(module: nn.Module) -> tuple[int, int]:
    params = sum(p.numel() * p.element_size() for p in module.parameters())
    buffers = sum(b.numel() * b.element_size() for b in module.buffers())
    return params, buffers


def check_weights(spec: cnncalc.NetworkSpec, dtype: str) -> None:
    report = cnncalc.analyze(spec)
    memory = inference_memory(report, dtype=dtype)
    network = spec.to_ir()
    for layer, row, ours in zip(network.layers, report.layers, memory.layers, strict=True):
        module = module_for(layer.op, row.input_shapes).to(TORCH_DTYPES[dtype])
        assert weight_bytes(module) == (ours.param_bytes, ours.buffer_bytes), row.name


@pytest.mark.parametrize("dtype", ["fp16", "fp32"])
@pytest.mark.parametrize("path", TRANSLATABLE, ids=lambda p: p.name)
def test_shipped_specs_weigh_what_torch_s_modules_do(path: Path, dtype: str) -> None:
    check_weights(cnncalc.load(path), dtype)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_generated_networks_weigh_what_torch_s_modules_do(spec: dict[str, Any]) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        cnncalc.analyze(parsed)
    except SpecError:
        return
    check_weights(parsed, "bf16")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape_networks())
def test_windows_keep_their_relative_position_index_as_int64(spec: dict[str, Any]) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        cnncalc.analyze(parsed)
        check_weights(parsed, "fp16")
    except (SpecError, Untranslatable):
        return


@pytest.mark.parametrize("version", [1, 2])
def test_a_swin_window_s_index_is_int64_and_its_coordinates_the_weight_dtype(version: int) -> None:
    spec = cnncalc.spec.parse_spec({"input": [14, 14, 32], "layers": [
        {"name": "w", "type": "window_attention", "window": [7, 7], "shift": [3, 3],
         "heads": 2, "version": version},
    ]})  # fmt: skip
    layer = inference_memory(cnncalc.analyze(spec), dtype="bf16").layers[0]
    # The index of 49² pairs at 8 bytes; version 2 adds a 13·13 table of 2 coordinates.
    assert layer.buffer_bytes == 8 * 49**2 + (2 * 2 * 13 * 13 if version == 2 else 0)
    check_weights(spec, "bf16")


def test_a_relative_position_bias_s_index_is_int64() -> None:
    spec = cnncalc.spec.parse_spec({"input": [2, 9, 9], "layers": [
        {"name": "bias", "type": "relative_position_bias", "window": 3},
    ]})  # fmt: skip
    layer = inference_memory(cnncalc.analyze(spec), dtype="fp16").layers[0]
    assert (layer.param_bytes, layer.buffer_bytes) == (2 * 5 * 5 * 2, 8 * 81)
    check_weights(spec, "fp16")


# -- activations against a layer-by-layer run in torch ----------------------------------------


def temporaries(report: cnncalc.Report, batch: int, values: int) -> list[int]:
    """What PyTorch allocates inside a layer beyond its output, where it is known exactly: a
    CPU max pooling's int64 indices, a fused activation's input (the layer's pre-activation)."""
    extra = []
    for layer in report.layers:
        outputs = batch * int(sympy.prod(layer.output_shape))
        node = layer.node
        indices = isinstance(node, ir.Pool) and node.kind is ir.PoolKind.MAX
        fused = getattr(node, "activation", None) is not None
        extra.append(8 * outputs * indices + values * outputs * fused)
    return extra


UNKNOWN_TEMPORARIES = {
    "vit_b_16.yaml": "attention's queries, keys, values and scores",
}


@pytest.mark.parametrize("reuse", [False, True], ids=["out-of-place", "in-place"])
@pytest.mark.parametrize("path", TRANSLATABLE, ids=lambda p: p.name)
def test_shipped_specs_hold_what_torch_holds(path: Path, reuse: bool) -> None:
    spec = cnncalc.load(path)
    report = cnncalc.analyze(spec)
    memory = inference_memory(report, batch=2)
    measured = measure(spec, batch=2, reuse=reuse)
    live = [layer.live_in_place if reuse else layer.live for layer in memory.layers]
    assert [layer.output_bytes for layer in memory.layers] == measured.outputs
    assert live == measured.live  # every layer, not only the peak
    peak = memory.peak_in_place if reuse else memory.peak
    assert peak.bytes == max(measured.live)
    # Every allocation, temporaries too: the analysis plus what each layer makes inside it.
    inside = [a + b for a, b in zip(live, temporaries(report, 2, 4), strict=True)]
    if path.name in UNKNOWN_TEMPORARIES:
        assert measured.allocated_peak > max(inside)
    else:
        assert measured.allocated_peak == max(inside)


def test_a_second_input_is_held_as_the_first() -> None:
    spec = cnncalc.spec.parse_spec({"input": [3, 8, 8], "inputs": {"other": [3, 8, 8]}, "layers": [
        {"name": "a", "type": "conv2d", "filters": 2, "kernel": 3},
        {"name": "b", "type": "conv2d", "filters": 2, "kernel": 3, "input": "other"},
        {"name": "sum", "type": "add", "inputs": ["a", "b"]},
    ]})  # fmt: skip
    memory = inference_memory(cnncalc.analyze(spec), batch=2)
    # Both inputs, 2·3·64·4 bytes each, throughout; then a, b and the sum, 2·2·36·4 each.
    assert memory.input_bytes == 2 * 1536
    assert [layer.live for layer in memory.layers] == [3072 + 576, 3072 + 1152, 3072 + 1728]
    for reuse in (False, True):
        live = [row.live_in_place if reuse else row.live for row in memory.layers]
        assert measure(spec, batch=2, reuse=reuse).live == live


def test_vit_s_attention_allocates_beyond_its_output() -> None:
    # Measured, batch 2, fp32: the analysis's peak is the MLP's GELU (12,097,536 bytes);
    # PyTorch's is inside the first self-attention, where queries, keys, values and the
    # 2·12·197² scores (3,725,664 bytes) live at once: 14,707,392 bytes.
    spec = cnncalc.load(SPECS / "vit_b_16.yaml")
    memory = inference_memory(cnncalc.analyze(spec), batch=2)
    measured = measure(spec, batch=2)
    assert (memory.peak.bytes, memory.peak.layer) == (12_097_536, "encoder.layers.0.mlp.1")
    assert measured.allocated_peak == 14_707_392
    assert measured.allocated_layer == "encoder.layers.0.self_attention"


def test_half_precision_activations_are_half_the_bytes() -> None:
    spec = cnncalc.load(SPECS / "resnet18.yaml")
    memory = inference_memory(cnncalc.analyze(spec), batch=3, dtype="bf16")
    measured = measure(spec, batch=3, dtype="bf16", reuse=True)
    assert [layer.live_in_place for layer in memory.layers] == measured.live


def test_mem_tracker_agrees() -> None:
    # PyTorch's MemTracker (torch.distributed._tools) works on the CPU: around the same run
    # it finds the weights' bytes and, as activations, every allocation's peak.
    from torch.distributed._tools.mem_tracker import MemTracker

    spec = cnncalc.load(SPECS / "resnet18.yaml")
    memory = inference_memory(cnncalc.analyze(spec), batch=2)
    tracker = MemTracker()

    def around(modules: list[nn.Module]) -> MemTracker:
        tracker.track_external(nn.ModuleList(modules))
        return tracker

    measured = measure(spec, batch=2, around=around)
    snapshot = tracker.get_tracker_snapshot("peak")[torch.device("cpu")]
    kinds = {str(kind).split(".")[-1].split(":")[0]: value for kind, value in snapshot.items()}
    assert kinds["PARAM"] + kinds["BUFFER"] == memory.weight_bytes == 46_796_608
    assert kinds["ACT"] == measured.allocated_peak == memory.peak.bytes == 14_049_280


def pads_a_window(report: cnncalc.Report) -> bool:
    """A window attention on a map it pads: PyTorch crops its output back with
    ``x[:, :h, :w].contiguous()``, a view (no copy) when the crop is contiguous, so the
    output keeps the padded storage."""
    for layer in report.layers:
        node = layer.node
        if isinstance(node, ir.WindowAttention):
            shape = layer.input_shape
            sizes = shape[1:] if node.channels_first else shape[:-1]
            if any(int(n) % w for n, w in zip(sizes, node.window, strict=False)):
                return True
    return False


def check_live(spec: dict[str, Any]) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        report = cnncalc.analyze(parsed)
    except SpecError:
        return
    for batch in (1, 3):
        memory = inference_memory(report, batch=batch)
        for reuse in (False, True):
            try:
                measured = measure(parsed, batch=batch, reuse=reuse)
            except Untranslatable:
                return
            live = [layer.live_in_place if reuse else layer.live for layer in memory.layers]
            assert [layer.output_bytes for layer in memory.layers] == measured.outputs
            if pads_a_window(report):
                assert all(a <= b for a, b in zip(live, measured.live, strict=True))
            else:
                assert live == measured.live


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_generated_networks_hold_what_torch_holds(spec: dict[str, Any]) -> None:
    check_live(spec)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape_networks())
def test_views_and_copies_follow_torch_s_strides(spec: dict[str, Any]) -> None:
    check_live(spec)


def test_a_reshape_after_a_permute_copies() -> None:
    spec = cnncalc.spec.parse_spec({"input": [2, 3, 4], "layers": [
        {"name": "p", "type": "permute", "dims": [1, 2, 0]},
        {"name": "merge", "type": "reshape", "shape": [12, 2]},
        {"name": "back", "type": "reshape", "shape": [24]},
    ]})  # fmt: skip
    memory = inference_memory(cnncalc.analyze(spec), batch=2)
    # [b, 3, 4, 2] from [b, 2, 3, 4]: its 3 and 4 are still adjacent in memory (a view, of
    # strides 24, 1, 12), but the 12 and the 2 of stride 12 are not (a copy).
    assert [layer.storage for layer in memory.layers] == ["view", "view", "copy"]
    assert measure(spec, batch=2).live == [layer.live for layer in memory.layers]


# -- symbolic --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alexnet-symbolic.yaml", "lenet5-symbolic.yaml"])
def test_a_symbolic_spec_s_bytes_are_formulas_that_substitute(name: str) -> None:
    report = cnncalc.analyze(cnncalc.load(SPECS / name))
    values = {"n": 227} if name.startswith("alexnet") else {"n": 32, "k": 5}
    symbolic = inference_memory(report, batch=2, dtype="fp16")
    numeric = inference_memory(report.subs(values), batch=2, dtype="fp16")
    mapping = {sympy.Symbol(k, integer=True, positive=True): v for k, v in values.items()}

    def at(value: Any) -> int:
        return int(sympy.sympify(value).subs(mapping)) if not isinstance(value, int) else value

    for ours, theirs in zip(symbolic.layers, numeric.layers, strict=True):
        assert at(ours.output_bytes) == theirs.output_bytes
        assert (at(ours.live), at(ours.live_in_place)) == (theirs.live, theirs.live_in_place)
        assert at(ours.param_bytes) == theirs.param_bytes
    assert at(symbolic.peak.bytes) == numeric.peak.bytes
    assert at(symbolic.peak_in_place.bytes) == numeric.peak_in_place.bytes
    assert not isinstance(symbolic.peak.bytes, int)


def test_a_symbolic_peak_is_a_max_whose_layer_depends_on_the_sizes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(SPECS / "lenet5-symbolic.yaml")
    assert main([path, "--memory", "--symbolic", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["peak"]["layer"] is None and data["peak"]["activation_bytes"].startswith("Max(")
    assert main([path, "--memory", "--subs", "n=32,k=5", "-f", "json"]) == 0
    numeric = json.loads(capsys.readouterr().out)
    # LeNet-5 at 32×32, k = 5: the input and C1's 6×28×28 and S2's 6×14×14 at 4 bytes.
    assert numeric["peak"]["activation_bytes"] == 4 * (32 * 32 + 6 * 28 * 28 + 6 * 14 * 14)
    assert numeric["peak"]["layer"] == "S2"
    # The spec's values (n = 32, k = 5) are the defaults: the same numbers without --subs.
    assert main([path, "--memory", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == numeric
    assert main([path, "--memory", "--symbolic"]) == 0
    assert "max(" in capsys.readouterr().out


# -- the command line -------------------------------------------------------------------------


def test_the_command_line_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SPECS / "resnet50.yaml")
    assert main([path, "--memory", "--batch", "32", "--dtype", "fp16", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["batch"], data["dtype"], data["weight_dtype"]) == (32, "fp16", "fp16")
    # 25,557,032 parameters at 2 bytes; 53 batch norms' 2·c floats and one int64 each.
    assert data["total"]["param_bytes"] == 2 * 25_557_032
    assert data["total"]["buffer_bytes"] == 2 * 53_120 + 8 * 53
    assert data["peak"]["layer"] == "layer1.0.downsample.1"
    # The input, the block's main path and both shortcut maps of 256×56×56 at 32·2 bytes.
    assert data["peak"]["activation_bytes"] == 32 * 2 * (3 * 224 * 224 + 3 * 256 * 56 * 56)
    assert data["peak"]["total_bytes"] == (
        data["peak"]["activation_bytes"] + data["total"]["weight_bytes"]
    )
    assert "training: gradients, optimizer state, tensors saved for backward" in data["excludes"]


def test_the_table_golden(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    path = "specs/resnet50.yaml"
    assert main([path, "--memory", "--batch", "32", "--dtype", "fp16"]) == 0
    out = capsys.readouterr().out
    golden = GOLDEN / "resnet50-memory-b32-fp16.txt"
    if request.config.getoption("--update-goldens"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dtype", "int4"], "argument --dtype: 'int4' is not a dtype: one of fp64, fp32"),
        (["--format", "csv"], "--memory goes with --format table or json"),
        (["--depth", "1"], "--memory goes with --format table or json, without --depth"),
    ],
)
def test_bad_options_are_one_line_errors(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        code = main([str(SPECS / "resnet18.yaml"), "--memory", *arguments])
        raise SystemExit(code)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_the_memory_report_ends_with_a_training_step_s(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # LeNet-5 (modern) at batch 2, SGD: its 61,706 parameters as weights and as
    # gradients, no optimizer state; the training section is the training module's own.
    spec = str(SPECS / "lenet5-modern.yaml")
    assert main([spec, "--memory", "--batch", "2", "--optimizer", "sgd", "-f", "json"]) == 0
    training = json.loads(capsys.readouterr().out)["training"]
    assert training["optimizer"] == "sgd"
    assert training["total"]["weights"] == training["total"]["gradients"] == 61_706 * 4
    assert training["total"]["optimizer_state"] == 0
    report = cnncalc.analyze(SPECS / "lenet5-modern.yaml")
    expected = training_memory(report, 2, "fp32", "fp32", "sgd")
    assert training["total"]["total"] == expected.total == 4 * 61_706 * 2 + expected.forward_peak
