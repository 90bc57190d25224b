"""Training memory: weights, gradients and optimizer state against torch.optim, run live;
the forward's peak by hand; the renderer by calling it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from torch.autograd.graph import saved_tensors_hooks

import cnncalc
import cnncalc.spec
from cnncalc.errors import SpecError
from cnncalc.render.training_memory_format import training_memory_json, training_memory_table
from cnncalc.training_memory import OPTIMIZERS, parameter_tensors, training_memory
from tests.conftest import NUMERIC_SPECS, SPECS
from tests.test_peers import Whole
from tests.test_torch_differential import NOT_IN_PYTORCH, networks

OPTIMIZER_MAKERS: dict[str, Callable[[Any], torch.optim.Optimizer]] = {
    "sgd": lambda params: torch.optim.SGD(params, lr=0.1),
    "momentum": lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9),
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
}


def live(path: Path, optimizer: str, dtype: torch.dtype) -> tuple[int, int, int]:
    """(weights, gradients, optimizer state) in bytes after one real step of ``optimizer``."""
    spec = cnncalc.load(path)
    model = Whole(spec, cnncalc.analyze(spec)).to(dtype).train()
    step = OPTIMIZER_MAKERS[optimizer](model.parameters())
    x = torch.randn(2, *(int(n) for n in spec.input), dtype=dtype)
    model(x).float().sum().backward()
    step.step()
    weights = sum(t.nbytes for t in (*model.parameters(), *model.buffers()))
    gradients = sum(p.grad.nbytes for p in model.parameters() if p.grad is not None)
    state = sum(
        value.nbytes
        for values in step.state.values()
        for value in values.values()
        if isinstance(value, torch.Tensor)
    )
    return weights, gradients, state


@pytest.mark.parametrize(
    ("name", "optimizer"),
    [*(("resnet18.yaml", optimizer) for optimizer in OPTIMIZERS),
     ("mobilenet_v2.yaml", "momentum"), ("vit_b_16.yaml", "adamw")],
)  # fmt: skip
def test_weights_gradients_and_optimizer_state_as_torch_optim_keeps_them(
    name: str, optimizer: str
) -> None:
    report = cnncalc.analyze(cnncalc.load(SPECS / name))
    memory = training_memory(report, 2, "fp32", "fp32", optimizer)
    assert (memory.weights, memory.gradients, memory.optimizer_state) == live(
        SPECS / name, optimizer, torch.float32
    )


def test_adam_in_half_precision_keeps_its_step_in_fp32() -> None:
    report = cnncalc.analyze(cnncalc.load(SPECS / "resnet18.yaml"))
    memory = training_memory(report, 2, "fp16", "fp16", "adam")
    assert (memory.weights, memory.gradients, memory.optimizer_state) == live(
        SPECS / "resnet18.yaml", "adam", torch.float16
    )
    # 11,689,512 parameters in 62 tensors: two fp16 moments each, and a 4-byte step a tensor.
    assert memory.optimizer_state == 2 * 2 * 11_689_512 + 4 * 62


def test_parameter_tensors_are_the_torch_modules() -> None:
    spec = cnncalc.load(SPECS / "vit_b_16.yaml")
    report = cnncalc.analyze(spec)
    model = Whole(spec, report)
    for layer, block in zip(report.layers, model.blocks, strict=True):
        assert parameter_tensors(layer.node) == len(list(block.parameters())), layer.name


def measured_peak(spec: cnncalc.NetworkSpec, batch: int = 2) -> tuple[int, str]:
    """The forward's peak as PyTorch holds tensors: the network run layer by layer in train
    mode, each output dropped after its last reader; after each layer, the storages of the
    outputs still held and of every tensor autograd saved so far (weights left out), once
    each. Returns the most bytes and the layer after which they are held (the first)."""
    report = cnncalc.analyze(spec)
    model = Whole(spec, report).train()
    weights = {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}
    last = {source: index for index, sources in enumerate(model.sources) for source in sources}
    saved: list[torch.Tensor] = []
    values = {"input": torch.randn(batch, *(int(n) for n in spec.input))}

    def held() -> int:
        storages = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes()
                    for t in (*values.values(), *saved)}  # fmt: skip
        return sum(size for address, size in storages.items() if address not in weights)

    steps: list[int] = []
    layers = zip(model.names, model.sources, model.blocks, strict=True)

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        saved.append(tensor)
        return tensor

    with saved_tensors_hooks(pack, lambda t: t):
        for index, (name, sources, block) in enumerate(layers):
            output = block(*(values[s] for s in sources))
            made = [name]
            if isinstance(output, tuple):  # a split: its parts are read as NAME.0, NAME.1, …
                made += [f"{name}.{i}" for i in range(len(output))]
                values.update(zip(made[1:], output, strict=True))
                output = output[0]
            values[name] = output
            del output
            steps.append(held())
            for key in [*sources, *made]:
                if last.get(key, -1) <= index and key in values and key != model.names[-1]:
                    del values[key]
    best = max(range(len(steps)), key=lambda i: (steps[i], -i))
    return steps[best], model.names[best]


def ours_peak(spec: cnncalc.NetworkSpec, batch: int = 2) -> tuple[int, str | None]:
    memory = training_memory(cnncalc.analyze(spec), batch, "fp32", "fp32", "sgd", device="cpu")
    assert isinstance(memory.forward_peak, int)
    return memory.forward_peak, memory.peak_layer


@pytest.mark.parametrize(
    "path", [p for p in NUMERIC_SPECS if p.name not in NOT_IN_PYTORCH], ids=lambda p: p.name
)
def test_shipped_specs_forward_peak_as_pytorch_holds_tensors(path: Path) -> None:
    spec = cnncalc.load(path)
    assert ours_peak(spec) == measured_peak(spec)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_generated_networks_forward_peak_as_pytorch_holds_tensors(spec: dict[str, Any]) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        cnncalc.analyze(parsed)
    except SpecError:
        return
    assert ours_peak(parsed, 3) == measured_peak(parsed, 3)


@pytest.mark.parametrize("version", [1, 2])
def test_swin_layers_forward_peak_as_pytorch_holds_tensors(version: int) -> None:
    # V2's position-bias MLP keeps tensors once for the whole batch: batch 3 tells them apart.
    spec = cnncalc.spec.parse_spec({"input": [5, 5, 8], "framework": "pytorch", "layers": [
        {"name": "patch", "type": "dense", "units": 8, "axis": -1},
        {"name": "swin", "type": "window_attention", "window": [2, 2], "shift": [1, 1],
         "heads": 2, "version": version},
        {"name": "merge", "type": "patch_merging", "version": version},
    ]})  # fmt: skip
    assert ours_peak(spec, 3) == measured_peak(spec, 3)


CHAIN = {"input": [3, 8, 8], "layers": [
    {"name": "c1", "type": "conv2d", "filters": 4, "kernel": 3},
    {"name": "r1", "type": "relu"},
    {"name": "c2", "type": "conv2d", "filters": 2, "kernel": 3},
    {"name": "flat", "type": "flatten"},
    {"name": "fc", "type": "dense", "units": 5},
]}  # fmt: skip


def test_the_forward_peak_of_a_chain() -> None:
    memory = training_memory(cnncalc.analyze(CHAIN), 2, "fp32", "fp32", "sgd")
    # Values a sample alive at each layer: c1 the image (192, kept) and its output (144);
    # r1 those and its output (144, kept): 480, the peak; c1's output is then freed.
    assert (memory.forward_peak, memory.peak_layer) == (480 * 8, "r1")
    assert memory.saved == (192 + 144 + 32) * 8


def test_a_residual_branch_stays_alive_until_its_merge() -> None:
    spec = {"input": [2, 4, 4], "layers": [
        {"name": "a", "type": "conv2d", "filters": 2, "kernel": 1},
        {"name": "b", "type": "avgpool2d", "kernel": 1, "input": "a"},
        {"name": "c", "type": "avgpool2d", "kernel": 1, "input": "b"},
        {"name": "sum", "type": "add", "inputs": ["a", "c"]},
    ]}  # fmt: skip
    memory = training_memory(cnncalc.analyze(spec), 1, "fp32", "fp32", "sgd")
    # 32 values a tensor. Saved: the image (a), a's output (b), b's (c): 96. At c: those
    # and c's output, still to be added: 128; at sum, c's output and the sum: 160.
    assert memory.saved == 96 * 4
    assert (memory.forward_peak, memory.peak_layer) == (160 * 4, "sum")


def test_resnet50_batch_32_fp16_adam() -> None:
    report = cnncalc.analyze(cnncalc.load(SPECS / "resnet50.yaml"))
    memory = training_memory(report, 32, "fp16", "fp16", "adam")
    assert memory.weights == 51_220_728  # 25,557,032 parameters, 53,173 buffers, 53 int64
    assert memory.gradients == 2 * 25_557_032
    assert memory.optimizer_state == 4 * 25_557_032 + 4 * 161
    assert memory.saved == 1_400_454_656
    assert (memory.forward_peak, memory.peak_layer) == (1_406_746_112, "layer4.2.add")
    assert memory.total == 1_611_309_676


def test_the_table_says_what_it_includes() -> None:
    report = cnncalc.analyze(CHAIN)
    text = training_memory_table(report, training_memory(report, 2, "fp32", "fp32", "adam"))
    assert "│ c2    │ conv2d  │ input [r1]" in text
    assert f"{'saved activations (for backward, each storage once)':<58} {'2,944':>20} B" in text
    assert "Includes: weights: parameters and buffers" in text
    assert "Excludes: the backward pass's own peak" in text


def test_the_json_has_ints_and_charges_shared_tensors_once() -> None:
    report = cnncalc.analyze(CHAIN)
    data = training_memory_json(report, training_memory(report, 2, "half", "fp32", "momentum"))
    assert (data["dtype"], data["weight_dtype"], data["optimizer"]) == ("fp16", "fp32", "momentum")
    c2 = data["layers"][2]
    assert c2["saved"] == [{"what": "input", "kind": "activation", "dtype": "fp16",
                            "storage": "r1", "bytes": 144 * 4, "charged_to": "r1"}]  # fmt: skip
    assert c2["charged_bytes"] == 0
    params = 4 * 27 + 4 + 2 * 36 + 2 + 5 * 32 + 5
    assert data["total"] == {
        "weights": 4 * params, "gradients": 4 * params, "optimizer_state": 4 * params,
        "saved_activations": 368 * 4, "forward_peak": 480 * 4, "forward_peak_layer": "r1",
        "total": 12 * params + 480 * 4,
    }  # fmt: skip


def test_hostile_names_are_escaped_in_the_table() -> None:
    spec = {"input": [3, 4, 4], "layers": [
        {"name": "\x1b[31mred", "type": "conv2d", "filters": 1, "kernel": 1},
    ]}  # fmt: skip
    report = cnncalc.analyze(spec)
    text = training_memory_table(report, training_memory(report, 1, "fp32", "fp32", "sgd"))
    assert "\x1b" not in text


def test_an_unknown_optimizer_or_dtype_is_refused() -> None:
    report = cnncalc.analyze(CHAIN)
    with pytest.raises(KeyError):
        training_memory(report, 1, "fp32", "fp32", "lion")
    with pytest.raises(KeyError):
        training_memory(report, 1, "fp12", "fp32", "sgd")


def test_symbolic_batch_and_sizes_give_a_formula() -> None:
    import sympy

    report = cnncalc.analyze(cnncalc.load(SPECS / "lenet5-symbolic.yaml"))
    batch = sympy.Symbol("b", positive=True, integer=True)
    memory = training_memory(report, batch, "fp32", "fp32", "adam")
    values = {"n": 32, "k": 5, "b": 8}
    numeric = training_memory(report.subs({"n": 32, "k": 5}), 8, "fp32", "fp32", "adam")
    for field in ("weights", "optimizer_state", "saved", "forward_peak"):
        formula = getattr(memory, field)
        symbols: set[Any] = getattr(formula, "free_symbols", set())
        assert sympy.sympify(formula).subs({s: values[str(s)] for s in symbols}) == getattr(
            numeric, field
        ), field
