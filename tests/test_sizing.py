"""Quantities in ``batch`` (cnncalc/sizing.py): at every batch, the memory and training
modules' own numbers, which their tests check against PyTorch; and ``solve`` over them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.analysis import Report
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.memory import inference_memory
from cnncalc.sizing import Sizing
from cnncalc.solve import solve
from cnncalc.symbolic import substitute, symbol
from cnncalc.training import training_flops
from cnncalc.training_memory import training_memory
from tests.conftest import SPECS

SPECS_USED = ("resnet50.yaml", "vit_b_16.yaml", "lenet5-modern.yaml", "mobilenet_v2.yaml")


@pytest.fixture(scope="module", params=SPECS_USED)
def report(request: pytest.FixtureRequest) -> Report:
    return cnncalc.analyze(SPECS / request.param)


def at(formula: Any, batch: int) -> Any:
    return substitute(formula, {symbol("batch"): batch})


@settings(max_examples=6, deadline=None)
@given(batch=st.sampled_from([1, 2, 3, 32, 257]))
def test_each_quantity_at_a_batch_is_the_modules_number(report: Report, batch: int) -> None:
    sizing = Sizing("fp16", None, "adamw")
    quantities = sizing.quantities(report)
    memory = inference_memory(report, batch, "fp16")
    assert at(quantities["peak_memory"](), batch) == memory.weight_bytes + memory.peak.bytes
    training = training_memory(report, batch, "fp16", "fp16", "adamw")
    assert at(quantities["training_memory"](), batch) == training.total
    step = sum(flops.total for flops in training_flops(report).values())
    assert at(quantities["training_flops"](), batch) == batch * step


def test_the_largest_resnet50_batch_that_fits_8_gib_at_inference_in_fp16() -> None:
    report = cnncalc.analyze(SPECS / "resnet50.yaml")
    found = solve(report, "peak_memory <= 8*2**30", "batch", sizing=Sizing("fp16"))
    ((first, last),) = found.runs
    assert (first, last) == (1, 1668)
    fits = [inference_memory(report, b, "fp16") for b in (1668, 1669)]
    assert [m.weight_bytes + m.peak.bytes <= 8 * 2**30 for m in fits] == [True, False]


def test_the_largest_resnet50_batch_that_trains_in_16_gib_with_adam(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = str(SPECS / "resnet50.yaml")
    assert main(["solve", spec, "training_memory <= 16*2**30", "--for", "batch",
                 "--dtype", "fp16"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "batch = 1…386 (386 values)" in out
    report = cnncalc.analyze(SPECS / "resnet50.yaml")
    assert training_memory(report, 386, "fp16", "fp16", "adam").total <= 16 * 2**30
    assert training_memory(report, 387, "fp16", "fp16", "adam").total > 16 * 2**30


def test_a_symbolic_spec_needs_its_sizes_for_a_batch_quantity() -> None:
    report = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml")
    with pytest.raises(CnncalcError, match="peak_memory is solved for batch, on a spec whose"):
        solve(report, "peak_memory <= 2**30", "n")
    # Given n, the batch is solved for.
    found = solve(report, "training_flops <= 10**12", "batch", {"n": 227})
    step = sum(s.total for s in training_flops(cnncalc.analyze(SPECS / "alexnet.yaml")).values())
    assert found.runs == ((1, 10**12 // step),)
