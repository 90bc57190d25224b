"""Training memory: weights, gradients and optimizer state against torch.optim, run live;
the forward's peak by hand; the renderer by calling it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

import cnncalc
import cnncalc.spec
from cnncalc.render.training_memory_format import training_memory_json, training_memory_table
from cnncalc.training_memory import OPTIMIZERS, parameter_tensors, training_memory
from tests.conftest import SPECS
from tests.test_peers import Whole

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


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("name", ["resnet18.yaml", "vit_b_16.yaml", "mobilenet_v2.yaml"])
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
    text = training_memory_table(report, 2, "fp32", "fp32", "adam")
    assert "│ c2    │ conv2d  │ input [r1]" in text
    assert f"{'saved activations (for backward, each storage once)':<58} {'2,944':>20} B" in text
    assert "Includes: weights: parameters and buffers" in text
    assert "Excludes: the backward pass's own peak" in text


def test_the_json_has_ints_and_charges_shared_tensors_once() -> None:
    report = cnncalc.analyze(CHAIN)
    data = training_memory_json(report, 2, "half", "fp32", "momentum")
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
    text = training_memory_table(cnncalc.analyze(spec), 1, "fp32", "fp32", "sgd")
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
