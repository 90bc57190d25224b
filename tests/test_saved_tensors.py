"""Saved-for-backward tensors against what autograd saves in PyTorch (``saved_tensors_hooks``).

The oracle runs the spec's network in train mode under ``saved_tensors_hooks``, keeps
every saved tensor's storage once (by ``untyped_storage().data_ptr()``; parameters and
buffers are weights, not activations) and charges it to the layer running when it was
first saved: cnncalc must give the same bytes for every layer, on the CPU (``device="cpu"``,
where dropout's mask is a tensor of the activations' dtype).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from torch.autograd.graph import saved_tensors_hooks

import cnncalc
import cnncalc.spec
from cnncalc.analysis import Report
from cnncalc.errors import SpecError
from cnncalc.saved_tensors import (
    Kind,
    bytes_by_type,
    kind_dtype,
    saved_tensors,
    total_saved_bytes,
)
from tests.conftest import NUMERIC_SPECS, SPECS
from tests.test_peers import Whole
from tests.test_torch_differential import NOT_IN_PYTORCH, networks, shape_networks

TORCH_DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def measured(
    spec: cnncalc.NetworkSpec, batch: int = 2, dtype: str = "fp32"
) -> tuple[Counter[str], Report]:
    """Bytes autograd saves, each storage once, charged to the layer that saved it first."""
    report = cnncalc.analyze(spec)
    model = Whole(spec, report).to(TORCH_DTYPES[dtype]).train()
    weights = {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}
    current = [""]
    for name, block in zip(model.names, model.blocks, strict=True):
        block.register_forward_pre_hook(lambda _m, _a, name=name: current.__setitem__(0, name))
    charged: Counter[str] = Counter()
    seen: set[int] = set()
    kept: list[torch.Tensor] = []  # alive to the end, so no storage's address is reused

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        kept.append(tensor)
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights and storage.data_ptr() not in seen:
            seen.add(storage.data_ptr())
            charged[current[0]] += storage.nbytes()
        return tensor

    x = torch.randn(batch, *(int(n) for n in spec.input), dtype=TORCH_DTYPES[dtype])
    with saved_tensors_hooks(pack, lambda tensor: tensor):
        model(x)
    return charged, report


def ours(report: Report, batch: int = 2, dtype: str = "fp32") -> Counter[str]:
    layers = saved_tensors(report)
    return Counter({layer.name: layer.charged_bytes(batch, dtype, "cpu") for layer in layers})


def assert_as_torch_saves(spec: cnncalc.NetworkSpec, batch: int = 2, dtype: str = "fp32") -> None:
    theirs, report = measured(spec, batch, dtype)
    mine = ours(report, batch, dtype)
    unmodelled = {layer.name for layer in saved_tensors(report) if not layer.modelled}
    differ = {
        name: (mine[name], theirs[name])
        for name in {*mine, *theirs} - unmodelled
        if mine[name] != theirs[name]
    }
    assert not differ, differ


@pytest.mark.parametrize(
    "path", [p for p in NUMERIC_SPECS if p.name not in NOT_IN_PYTORCH], ids=lambda p: p.name
)
def test_shipped_specs_save_what_autograd_saves(path: Path) -> None:
    assert_as_torch_saves(cnncalc.load(path))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_generated_networks_save_what_autograd_saves(spec: dict[str, Any]) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        cnncalc.analyze(parsed)
    except SpecError:
        return
    assert_as_torch_saves(parsed, batch=3)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape_networks())
def test_views_and_copies_as_autograd_saves_them(spec: dict[str, Any]) -> None:
    # Transposes, slices, splits, reshapes, matrix products, attention and Swin's layers:
    # which reads keep a view of a storage and which a copy. (About 3 random chains in
    # 1,000 still differ: a softmax's layout on a permuted input, said in the README.)
    assert_as_torch_saves(cnncalc.spec.parse_spec(spec))


def layer_spec(*layers: dict[str, Any], shape: list[int] | None = None) -> cnncalc.NetworkSpec:
    """A spec whose first layer, a convolution, makes the rest need gradients."""
    first = {"name": "first", "type": "conv2d", "filters": 4, "kernel": 1}
    return cnncalc.spec.parse_spec(
        {"input": shape or [3, 6, 6], "framework": "pytorch", "layers": [first, *layers]}
    )


EACH_TYPE: dict[str, list[dict[str, Any]]] = {
    "relu": [{"type": "relu"}],
    "gelu": [{"type": "gelu"}],
    "softmax": [{"type": "softmax"}],
    "maxpool": [{"type": "maxpool2d", "kernel": 2}],
    "maxpool_padded": [{"type": "maxpool2d", "kernel": 2, "padding": "same", "stride": 2}],
    "avgpool": [{"type": "avgpool2d", "kernel": 3}],
    "global_avg": [{"type": "global_avgpool"}],
    "adaptive_max": [{"type": "adaptive_maxpool2d", "output_size": 2}],
    "batchnorm": [{"type": "batchnorm"}],
    "layernorm": [{"type": "layernorm", "over": "channels"}],
    "groupnorm": [{"type": "groupnorm", "groups": 2}],
    "lrn": [{"type": "lrn", "size": 3}],
    "l2": [{"type": "l2_normalize"}],
    "dropout": [{"type": "dropout", "rate": 0.5}],
    "dropout_0": [{"type": "dropout", "rate": 0.0}, {"type": "relu"}],
    "prelu": [{"type": "prelu", "per_channel": True}],
    "conv_gelu": [{"type": "conv2d", "filters": 2, "kernel": 3, "activation": "gelu"}],
    "conv_asymmetric": [{"type": "conv2d", "filters": 2, "kernel": 2, "padding": "same"}],
    "multiply": [{"name": "a", "type": "relu"},
                 {"type": "multiply", "inputs": ["a", "first"]}],
    "concat_add": [{"name": "a", "type": "relu"}, {"type": "concat", "inputs": ["a", "first"]},
                   {"type": "add", "inputs": ["first", "a"]}],
    "upsample_pad": [{"type": "upsample", "scale": 2, "mode": "bilinear"},
                     {"type": "zeropad2d", "padding": 1}],
    "layer_scale": [{"type": "layer_scale"}],
    "dense_axis": [{"type": "dense", "units": 3, "axis": 0}],
    "tokens": [{"type": "flatten", "start": 1}, {"type": "transpose", "dims": [0, 1]},
               {"name": "a", "type": "attention", "heads": 2},
               {"type": "matmul", "inputs": ["a", "a"], "transpose_b": True},
               {"type": "layernorm", "over": "last"}, {"type": "dense", "units": 5}],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EACH_TYPE))
def test_each_layer_type_saves_what_autograd_saves(name: str) -> None:
    assert_as_torch_saves(layer_spec(*EACH_TYPE[name]))


@pytest.mark.parametrize("dtype", ["fp16", "bf16"])
def test_half_precision_on_the_cpu_keeps_statistics_and_masks_in_the_activations_dtype(
    dtype: str,
) -> None:
    spec = layer_spec({"type": "batchnorm"}, {"type": "maxpool2d", "kernel": 2},
                      {"type": "dropout"}, {"type": "layernorm", "over": "channels"})  # fmt: skip
    assert_as_torch_saves(spec, dtype=dtype)


def test_a_relu_output_read_by_the_next_convolution_is_counted_once() -> None:
    spec = cnncalc.spec.parse_spec({"input": [3, 8, 8], "layers": [
        {"name": "c1", "type": "conv2d", "filters": 4, "kernel": 3},
        {"name": "r1", "type": "relu"},
        {"name": "c2", "type": "conv2d", "filters": 2, "kernel": 3},
        {"name": "flat", "type": "flatten"},
        {"name": "fc", "type": "dense", "units": 5},
    ]})  # fmt: skip
    layers = {layer.name: layer for layer in saved_tensors(cnncalc.analyze(spec))}
    # c1 keeps the image (3·8·8), r1 its output (4·6·6), which c2 keeps too; fc keeps its
    # input, a view of c2's output (2·4·4): 192 + 144 + 32 values a sample.
    assert [t.owner for t in layers["c2"].tensors] == ["r1"]
    assert [t.storage for t in layers["fc"].tensors] == ["c2"]
    assert {name: layer.charged_bytes(2, "fp32") for name, layer in layers.items()} == {
        "c1": 192 * 8, "r1": 144 * 8, "c2": 0, "flat": 0, "fc": 32 * 8,
    }  # fmt: skip
    assert total_saved_bytes(tuple(layers.values()), 2, "fp32") == 368 * 8
    assert bytes_by_type(tuple(layers.values()), 2, "fp32") == {
        "conv2d": 192 * 8, "relu": 144 * 8, "flatten": 0, "dense": 32 * 8,
    }  # fmt: skip


def test_layers_that_need_no_gradient_save_nothing() -> None:
    # The image needs no gradient: a max pooling of it is not recorded; the convolution
    # after keeps its input all the same (its weights' gradient reads it).
    spec = cnncalc.spec.parse_spec({"input": [3, 8, 8], "layers": [
        {"name": "pool", "type": "maxpool2d", "kernel": 2},
        {"name": "conv", "type": "conv2d", "filters": 4, "kernel": 3},
    ]})  # fmt: skip
    layers = saved_tensors(cnncalc.analyze(spec))
    assert [(t.what, t.storage) for layer in layers for t in layer.tensors] == [("input", "pool")]
    assert total_saved_bytes(layers, 1, "fp16") == 3 * 4 * 4 * 2


def test_kinds_dtypes_follow_the_device() -> None:
    assert kind_dtype(Kind.MASK, "fp16") == "bool"
    assert kind_dtype(Kind.MASK, "fp16", "cpu") == "fp16"
    assert kind_dtype(Kind.STATISTIC, "bf16") == "fp32"
    assert kind_dtype(Kind.STATISTIC, "fp64") == "fp64"
    assert kind_dtype(Kind.INDEX, "fp16") == "int64"


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(("shift", "heads"), [(0, 2), (1, 2), (1, 1)])
def test_swin_layers_save_what_autograd_saves(version: int, shift: int, heads: int) -> None:
    # A 5×5 map in 2×2 windows: padded to 6×6; shifted windows; V2's cosine attention; one
    # head, whose k and v are views of the qkv output rather than copies.
    spec = cnncalc.spec.parse_spec({"input": [5, 5, 8], "framework": "pytorch", "layers": [
        {"name": "patch", "type": "dense", "units": 8, "axis": -1},
        {"name": "swin", "type": "window_attention", "window": [2, 2], "shift": [shift, shift],
         "heads": heads, "version": version},
        {"name": "merge", "type": "patch_merging", "version": version},
        {"name": "channels", "type": "permute", "dims": [2, 0, 1]},
        {"name": "first", "type": "window_attention", "window": [2, 2], "shift": [0, 0],
         "heads": 2, "version": version, "channels_first": True},
    ]})  # fmt: skip
    assert_as_torch_saves(spec)


def test_video_swin_windows_are_reported_as_not_modelled() -> None:
    spec = cnncalc.spec.parse_spec({"input": [2, 4, 4, 8], "layers": [
        {"name": "patch", "type": "dense", "units": 8, "axis": -1},
        {"name": "swin", "type": "window_attention", "window": [2, 2, 2], "shift": [0, 0, 0],
         "heads": 2},
    ]})  # fmt: skip
    layers = saved_tensors(cnncalc.analyze(spec))
    assert [(layer.name, layer.modelled, layer.tensors) for layer in layers[1:]] == [
        ("swin", False, ())
    ]


def test_symbolic_sizes_give_formulas_that_substitute_to_the_numbers() -> None:
    symbolic = cnncalc.load(SPECS / "lenet5-symbolic.yaml")
    report = cnncalc.analyze(symbolic)
    formula = total_saved_bytes(saved_tensors(report), 4, "fp16")
    assert not isinstance(formula, int)
    names = sorted(str(s) for s in formula.free_symbols)
    values = {"n": 32, "k": 5}
    assert names == sorted(values)
    numeric = total_saved_bytes(saved_tensors(report.subs(values)), 4, "fp16")
    assert isinstance(numeric, int) and numeric > 0
    assert formula.subs({s: values[str(s)] for s in formula.free_symbols}) == numeric
