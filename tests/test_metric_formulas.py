"""Derived metrics as formulas: on a symbolic spec, substituted, they are the numeric path's.

The receptive field, the training FLOPs and memory are computed from the same facts on
both paths; a formula in ``n`` (and LeNet-5's kernel ``k``) put to numbers must
give what the spec written with those numbers gives.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.analysis import Report
from cnncalc.arith import Dim
from cnncalc.memory import inference_memory
from cnncalc.receptive_field import ReceptiveField, receptive_fields
from cnncalc.symbolic import substitute
from cnncalc.training import TrainingFlops, training_flops
from cnncalc.training_memory import training_memory
from tests.conftest import SPECS


def numbers(value: Dim, values: dict[str, int]) -> Dim:
    if isinstance(value, int):
        return value
    return substitute(value, {s: values[s.name] for s in value.free_symbols})


def field_at(field: ReceptiveField, values: dict[str, int]) -> tuple[Any, ...]:
    axes = tuple(
        tuple(numbers(v, values) for v in (axis.size, axis.jump, axis.start)) for axis in field.axes
    )
    return axes, field.kind, field.misaligned


def step_at(step: TrainingFlops, values: dict[str, int]) -> tuple[Dim, ...]:
    return tuple(numbers(v, values) for v in (step.forward, step.input_grad, step.weight_grad))


def assert_same_metrics(symbolic: Report, numeric: Report, values: dict[str, int]) -> None:
    fields, expected_fields = receptive_fields(symbolic), receptive_fields(numeric)
    assert {name: field_at(f, values) for name, f in fields.items()} == {
        name: field_at(f, {}) for name, f in expected_fields.items()
    }
    steps, expected_steps = training_flops(symbolic), training_flops(numeric)
    assert {name: step_at(s, values) for name, s in steps.items()} == {
        name: step_at(s, {}) for name, s in expected_steps.items()
    }
    # Memory at batch 3 in fp16: every layer's output and live bytes, and the peaks.
    memory, expected_memory = (
        inference_memory(symbolic, 3, "fp16"),
        inference_memory(numeric, 3, "fp16"),
    )
    assert [(numbers(m.output_bytes, values), numbers(m.live, values)) for m in memory.layers] == [
        (m.output_bytes, m.live) for m in expected_memory.layers
    ]
    assert numbers(memory.peak.bytes, values) == expected_memory.peak.bytes
    trained = training_memory(symbolic, 3, "fp16", "fp32", "adam")
    expected_trained = training_memory(numeric, 3, "fp16", "fp32", "adam")
    assert numbers(trained.saved, values) == expected_trained.saved
    assert numbers(trained.total, values) == expected_trained.total


@settings(max_examples=15, deadline=None)
@given(n=st.integers(32, 96), k=st.sampled_from([3, 5]))  # k = 5 needs n ≥ 32
def test_lenet5_s_derived_metrics_in_n_and_k(n: int, k: int) -> None:
    symbolic = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
    spec = cnncalc.load(SPECS / "lenet5-symbolic.yaml").model_dump(exclude_none=True)
    spec = put(spec, {"n": n, "k": k})
    spec["values"], spec["expect"] = {}, {}
    assert_same_metrics(symbolic, cnncalc.analyze(spec), {"n": n, "k": k})


def put(value: Any, values: dict[str, int]) -> Any:
    """A spec's data with each size written as a symbol's name replaced by its number."""
    if isinstance(value, str):
        return values.get(value, value)
    if isinstance(value, list | tuple):
        return [put(item, values) for item in value]
    if isinstance(value, dict):
        return {key: put(item, values) for key, item in value.items()}
    return value


@pytest.fixture(scope="module")
def resnet18_at_any_size() -> Report:
    spec = cnncalc.load(SPECS / "resnet18.yaml").model_dump()
    spec["input"], spec["expect"] = [3, "n", "n"], {}
    return cnncalc.analyze(spec)


@settings(max_examples=4, deadline=None)
@given(n=st.integers(32, 260))
def test_resnet18_s_derived_metrics_in_n(resnet18_at_any_size: Report, n: int) -> None:
    # Residual adds (a union of branches' fields) and strided 1×1 shortcuts.
    spec = cnncalc.load(SPECS / "resnet18.yaml").model_dump()
    spec["input"], spec["expect"] = [3, n, n], {}
    assert_same_metrics(resnet18_at_any_size, cnncalc.analyze(spec), {"n": n})
