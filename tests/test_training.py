"""Training FLOPs against PyTorch's FlopCounterMode around ``loss.backward()``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

import cnncalc
import cnncalc.spec
from cnncalc import ir
from cnncalc.analysis import Report
from cnncalc.cli import main
from cnncalc.errors import SpecError
from cnncalc.render.training_format import render_training
from cnncalc.training import epoch_steps, training_flops
from tests.conftest import NUMERIC_SPECS, SPECS
from tests.test_peers import Whole
from tests.test_torch_differential import NOT_IN_PYTORCH, networks


def analysed(spec: cnncalc.NetworkSpec, freeze: str | None = None) -> Report:
    report = cnncalc.analyze(spec)
    return report if freeze is None else report.frozen(freeze)


def step_flops(
    spec: cnncalc.NetworkSpec, batch: int = 1, freeze: str | None = None
) -> tuple[int, int]:
    """FlopCounterMode's (forward, forward + backward) FLOPs of one step on ``batch`` zeros;
    the frozen layers' parameters (``trainable: false``, ``--freeze``) ``requires_grad_(False)``."""
    report = analysed(spec, freeze)
    model = Whole(spec, report).eval()
    for layer, block in zip(report.layers, model.blocks, strict=True):
        if layer.frozen:
            block.requires_grad_(False)
    x = torch.zeros(batch, *(int(n) for n in spec.input))
    with FlopCounterMode(display=False) as forward_only:
        model(x)
    with FlopCounterMode(display=False) as counter:
        loss = model(x).float().sum()
        if loss.requires_grad:  # a network without trainable parameters has no backward
            loss.backward()
    return forward_only.get_total_flops(), counter.get_total_flops()


def ours(spec: cnncalc.NetworkSpec, freeze: str | None = None) -> tuple[int, int]:
    """(forward, forward + backward) as FlopCounterMode counts them: cnncalc's step, plus
    FlopCounterMode's over-count of a grouped (transposed) convolution's weight gradient, which it
    counts as if the convolution were not grouped, ``g`` times the true count (torch
    2.13, measured: a depthwise 3×3 on 8 maps, forward 9,216 FLOPs, weight gradient
    73,728 = 8·9,216; its input gradient 9,216)."""
    report = analysed(spec, freeze)
    steps = training_flops(report)
    over = sum(
        (int(layer.node.groups) - 1) * int(steps[layer.name].weight_grad)
        for layer in report.layers
        if isinstance(layer.node, ir.Conv | ir.ConvTranspose)
    )
    values = steps.values()
    return sum(int(s.forward) for s in values), sum(int(s.total) for s in values) + over


def test_a_depthwise_convolution_s_weight_gradient_costs_its_forward() -> None:
    # Each of the 8·9 weights' gradient sums input × output gradient over the 8×8 outputs:
    # 8·9·64 multiply-accumulates, as the forward (FlopCounterMode says 8 times that).
    spec = cnncalc.spec.parse_spec({"input": [8, 10, 10], "layers": [
        {"name": "pointwise", "type": "conv2d", "filters": 8, "kernel": 1, "bias": False},
        {"name": "depthwise", "type": "conv2d", "filters": 8, "kernel": 3, "groups": 8,
         "bias": False},
    ]})  # fmt: skip
    step = training_flops(cnncalc.analyze(spec))["depthwise"]
    assert (step.forward, step.input_grad, step.weight_grad) == (2 * 8 * 9 * 64,) * 3
    assert step_flops(spec)[1] - step_flops(spec)[0] == (
        2 * 8 * 8 * 100 + 2 * 8 * 9 * 64 + 8 * (2 * 8 * 9 * 64)
    )  # the pointwise weight gradient; the depthwise input gradient and 8× its weights'


def test_a_convolution_s_step_is_three_times_its_forward_but_the_first_s_two() -> None:
    spec = cnncalc.spec.parse_spec({"input": [3, 16, 16], "layers": [
        {"name": "first", "type": "conv2d", "filters": 8, "kernel": 3},
        {"name": "second", "type": "conv2d", "filters": 8, "kernel": 3},
    ]})  # fmt: skip
    steps = training_flops(cnncalc.analyze(spec))
    first, second = 2 * 27 * 8 * 14 * 14, 2 * 72 * 8 * 12 * 12
    assert (steps["first"].forward, steps["first"].input_grad) == (first, 0)
    assert steps["first"].weight_grad == first
    assert steps["second"].total == 3 * second
    assert step_flops(spec) == (first + second, 2 * first + 3 * second)


@pytest.mark.parametrize(
    "path", [p for p in NUMERIC_SPECS if p.name not in NOT_IN_PYTORCH], ids=lambda p: p.name
)
def test_shipped_specs_train_as_flop_counter_mode_counts(path: Path) -> None:
    spec = cnncalc.load(path)
    assert ours(spec) == step_flops(spec)


def test_a_batch_of_32_costs_32_samples() -> None:
    spec = cnncalc.load(SPECS / "resnet18.yaml")
    forward, total = ours(spec)
    assert step_flops(spec, batch=32) == (32 * forward, 32 * total)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_generated_networks_train_as_flop_counter_mode_counts(spec: dict[str, Any]) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        cnncalc.analyze(parsed)
    except SpecError:
        return
    assert ours(parsed) == step_flops(parsed)


def test_the_command_line_prints_a_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SPECS / "resnet18.yaml"), "--training", "--batch", "32", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    forward, total = step_flops(cnncalc.load(SPECS / "resnet18.yaml"), batch=32)
    assert (data["batch"], data["total"]["forward"], data["total"]["total"]) == (32, forward, total)
    # The first convolution reads the image, which needs no gradient.
    assert data["layers"][0]["training"]["input_grad"] == 0


FROZEN_FIRST: dict[str, Any] = {"input": [3, 16, 16], "layers": [
    {"name": "first", "type": "conv2d", "filters": 8, "kernel": 3, "trainable": False},
    {"name": "bn", "type": "batchnorm", "trainable": False},
    {"name": "relu", "type": "relu"},
    {"name": "second", "type": "conv2d", "filters": 8, "kernel": 3},
    {"name": "third", "type": "conv2d", "filters": 8, "kernel": 3},
]}  # fmt: skip


def test_a_frozen_layer_has_no_weight_gradient_nor_the_next_an_input_gradient() -> None:
    # first and bn are frozen: nothing before second needs a gradient, so second computes
    # only its weights' (its input's would flow into frozen layers), and third both.
    spec = cnncalc.spec.parse_spec(FROZEN_FIRST)
    report = cnncalc.analyze(spec)
    steps = training_flops(report)
    first, second, third = 2 * 27 * 8 * 14 * 14, 2 * 72 * 8 * 12 * 12, 2 * 72 * 8 * 10 * 10
    assert (steps["first"].input_grad, steps["first"].weight_grad) == (0, 0)
    assert (steps["second"].input_grad, steps["second"].weight_grad) == (0, second)
    assert (steps["third"].input_grad, steps["third"].weight_grad) == (third, third)
    assert step_flops(spec) == (first + second + third, first + 2 * second + 3 * third)
    # Keras: (27 + 1)·8 and the batch norm's 4·8 non-trainable.
    assert report.totals.non_trainable_params == 28 * 8 + 4 * 8


def test_freeze_until_a_layer_is_trainable_false_up_to_it() -> None:
    spec = cnncalc.spec.parse_spec(FROZEN_FIRST)
    whole = cnncalc.spec.parse_spec({**FROZEN_FIRST, "layers": [
        {k: v for k, v in layer.items() if k != "trainable"} for layer in FROZEN_FIRST["layers"]
    ]})  # fmt: skip
    assert training_flops(analysed(whole, "bn")) == training_flops(cnncalc.analyze(spec))
    frozen = analysed(whole, "second")
    assert [layer.frozen for layer in frozen.layers] == [True, True, True, True, False]
    assert frozen.totals.trainable_params == (72 + 1) * 8
    assert ours(whole, "second") == step_flops(whole, freeze="second")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.data())
def test_generated_networks_with_frozen_layers_train_as_flop_counter_mode_counts(
    spec: dict[str, Any], data: st.DataObject
) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        names = [layer.name for layer in cnncalc.analyze(parsed).layers]
    except SpecError:
        return
    freeze = data.draw(st.sampled_from(names))
    assert ours(parsed, freeze) == step_flops(parsed, freeze=freeze)


def test_freeze_names_a_layer(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SPECS / "lenet5.yaml")
    assert main([path, "--freeze", "C3", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # C1 156, S2 12, C3 1,516 frozen; the RBF's 840 were already non-trainable.
    assert data["totals"]["non_trainable_params"] == 156 + 12 + 1516 + 840
    assert data["totals"]["trainable_params"] == 60_000 - 156 - 12 - 1516
    assert main([path, "--freeze", "C3", "--training", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # Nothing up to C3 trains; S4's input needs no gradient, but its coefficients do.
    backward = (96_000 + 20_160 + 1_680) + (3_200 + 96_000 + 20_160)
    assert data["total"]["total"] == 665_648 + backward == 902_848
    assert [layer["frozen"] for layer in data["layers"]][2:4] == [True, False]
    assert main([path, "--freeze", "C33"]) == 2
    assert capsys.readouterr().err == (
        f"error: {path}: --freeze: no layer named 'C33' (did you mean 'C3'?); layers: C1, S2, "
        "C3, S4, C5, … and 3 more\n"
    )


@pytest.mark.parametrize(
    ("samples", "batch", "steps"),
    [(1_281_167, 32, (40_037, 15)), (60_000, 60_000, (1, 60_000)), (10, 4, (3, 2)), (1, 8, (1, 1))],
)
def test_an_epoch_s_steps_end_with_the_samples_left(
    samples: int, batch: int, steps: tuple[int, int]
) -> None:
    assert epoch_steps(samples, batch) == steps


def test_an_epoch_costs_each_sample_once_its_last_partial_batch_included() -> None:
    # 10 samples in batches of 4: FlopCounterMode's steps of 4, 4 and 2 samples.
    spec = cnncalc.spec.parse_spec(FROZEN_FIRST)
    measured = 2 * step_flops(spec, batch=4)[1] + step_flops(spec, batch=2)[1]
    assert measured == 10 * ours(spec)[1]
    text = render_training(cnncalc.analyze(spec), "json", 4, 10)
    data = json.loads(text)
    assert (data["samples"], data["steps"], data["epoch"]["total"]) == (10, 3, measured)
    assert data["layers"][-1]["epoch"]["weight_grad"] == 10 * 2 * 72 * 8 * 10 * 10


def test_the_command_line_prints_an_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SPECS / "resnet18.yaml")
    assert main([path, "--training", "--batch", "32", "--samples", "1281167", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    per_sample = step_flops(cnncalc.load(path))[1]
    assert (data["steps"], data["epoch"]["total"]) == (40_037, 1_281_167 * per_sample)
    assert data["total"]["total"] == 32 * per_sample  # the step's, as without --samples
    assert main([path, "--training", "--batch", "32", "--samples", "1,281,167"]) == 0
    table = capsys.readouterr().out
    total_row = next(line for line in table.splitlines() if line.startswith("│ Total"))
    assert total_row.split("│")[-2].strip() == f"{1_281_167 * per_sample:,}"
    assert " ".join(table.split()).endswith(
        "Epoch: 1,281,167 samples in 40,037 steps of 32, the last of 15 (it counts its own "
        "samples): 1,281,167 times a sample's FLOPs."
    )


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["--samples", "1000"], "error: --samples goes with --training: the FLOPs of an epoch's "
         "steps"),
        (["--training", "--samples", "0"], "error: argument --samples: '0' is not a dataset size "
         "from 1 to 2**63 − 1 (see 'cnncalc --help')"),
        (["--training", "--samples", "9" * 30], f"error: argument --samples: '{'9' * 30}' is not "
         "a dataset size from 1 to 2**63 − 1 (see 'cnncalc --help')"),
    ],
)  # fmt: skip
def test_samples_refused(
    words: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(SPECS / "lenet5.yaml"), *words]) == 2
    assert capsys.readouterr().err == message + "\n"


def test_a_frozen_layer_after_a_trainable_one_still_passes_the_gradient_back() -> None:
    spec = cnncalc.spec.parse_spec({"input": [3, 16, 16], "layers": [
        {"name": "first", "type": "conv2d", "filters": 8, "kernel": 3},
        {"name": "middle", "type": "conv2d", "filters": 8, "kernel": 3, "trainable": False},
        {"name": "last", "type": "conv2d", "filters": 8, "kernel": 3},
    ]})  # fmt: skip
    middle = training_flops(cnncalc.analyze(spec))["middle"]
    flops = 2 * 72 * 8 * 12 * 12
    assert (middle.forward, middle.input_grad, middle.weight_grad) == (flops, flops, 0)
    assert ours(spec) == step_flops(spec)
