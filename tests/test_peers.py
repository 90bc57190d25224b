"""cnncalc's peer conventions against the peers themselves, run live.

torchinfo 1.8.0, fvcore 0.1.5, ptflops 0.7.5 (default backend), thop 0.1.1 and
torchscan 0.2.0 are test dependencies (``pyproject.toml``). Each network is translated into
``torch.nn`` by the differential test's builder and handed to each peer; the
peer's whole-network total must equal cnncalc's count under the convention
named after it. Imported unconditionally: without the peers this module fails.

thop sizes adaptive average pooling in floating point (``∏ n/o``) and
truncates, so where an output size does not divide its input it may count 1
less than the exact ``inputs + outputs``: generated networks with such a layer
are compared with the other peers only, and one such case is pinned below.
"""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path
from typing import Any

import pytest
import torch
from fvcore.nn import FlopCountAnalysis
from hypothesis import HealthCheck, given, settings
from ptflops import get_model_complexity_info
from thop import profile
from torch import nn
from torchinfo import summary
from torchscan import crawl_module

import cnncalc
import cnncalc.spec
from cnncalc import ir
from cnncalc.analysis import Report
from cnncalc.errors import SpecError
from cnncalc.spec import parse_spec
from tests.conftest import NUMERIC_SPECS
from tests.test_torch_differential import (
    NOT_IN_PYTORCH,
    networks,
    networks_1d_3d,
    shape_networks,
)
from tests.torch_builder import module_for


class Whole(nn.Module):
    """A cnncalc network as one module returning its last layer's output, as peers expect."""

    def __init__(self, spec: cnncalc.NetworkSpec, report: Report) -> None:
        super().__init__()
        network = spec.to_ir()
        self.sources = [layer.inputs for layer in network.layers]
        self.names = [layer.name for layer in network.layers]
        self.blocks = nn.ModuleList(
            module_for(layer.op, row.input_shapes)
            for layer, row in zip(network.layers, report.layers, strict=True)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = {ir.NETWORK_INPUT: x}
        for name, sources, block in zip(self.names, self.sources, self.blocks, strict=True):
            output = block(*(values[s] for s in sources))
            if isinstance(output, tuple):  # a split: its parts are read as NAME.0, NAME.1, …
                values.update({f"{name}.{i}": part for i, part in enumerate(output)})
                output = output[0]
            values[name] = output
        return values[self.names[-1]]


def peer_totals(spec: cnncalc.NetworkSpec) -> tuple[dict[str, int], dict[str, int]]:
    """(cnncalc's counts, the peers' counts) under the conventions named after the peers."""
    report = cnncalc.analyze(spec)
    model = Whole(spec, report).eval()
    x = torch.zeros(1, *(int(d) for d in spec.input))
    quiet = io.StringIO()
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    with torch.no_grad(), contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        torchinfo_total = summary(model, input_data=x, verbose=0).total_mult_adds
        analysis = FlopCountAnalysis(model, x)
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        fvcore_total = analysis.total()
        ptflops_total, _ = get_model_complexity_info(
            model, tuple(x.shape[1:]), as_strings=False, print_per_layer_stat=False,
            backend="pytorch",
        )  # fmt: skip
        thop_total, _ = profile(model, inputs=(x,), verbose=False)
        # "partial" where a module has no formula (a concat): the known modules' sum, which
        # its summary prints
        macs = crawl_module(model, tuple(x.shape[1:]))["totals"]["macs"]
        torchscan_total = macs["known_value"]
    ours = report.flops_by_convention
    return (
        {"torchinfo": ours.torchinfo, "fvcore": ours.fvcore, "ptflops": ours.ptflops,
         "thop": ours.thop, "torchscan": ours.torchscan},
        {"torchinfo": int(torchinfo_total), "fvcore": int(fvcore_total),
         "ptflops": int(ptflops_total or 0), "thop": int(thop_total),
         "torchscan": int(torchscan_total or 0)},
    )  # fmt: skip


def thop_rounds(spec: cnncalc.NetworkSpec) -> bool:
    """Whether an adaptive average pooling's output size fails to divide its input."""
    report = cnncalc.analyze(spec)
    for layer in report:
        node = layer.node
        if isinstance(node, ir.AdaptivePool) and node.kind is ir.PoolKind.AVG:
            spatial = layer.input_shape[1:]
            targets = node.output_size or (1,) * len(spatial)
            if any(int(n) % int(o) for n, o in zip(spatial, targets, strict=True)):
                return True
    return False


@pytest.mark.parametrize(
    "path", [p for p in NUMERIC_SPECS if p.name not in NOT_IN_PYTORCH], ids=lambda p: p.name
)
def test_shipped_spec_against_the_peers(path: Path) -> None:
    ours, theirs = peer_totals(cnncalc.load(path))
    assert ours == theirs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_generated_networks_against_the_peers(spec: dict[str, Any]) -> None:
    parsed = cnncalc.spec.parse_spec(spec)
    ours, theirs = peer_totals(parsed)
    if thop_rounds(parsed):
        del ours["thop"], theirs["thop"]
    assert ours == theirs, spec


def test_thop_truncates_a_pooling_size_it_computes_in_floating_point() -> None:
    spec = cnncalc.spec.parse_spec({"input": [3, 11, 11], "layers": [
        {"type": "adaptive_avgpool2d", "output_size": [3, 3]}]})  # fmt: skip
    ours, theirs = peer_totals(spec)
    assert thop_rounds(spec)
    # 363 inputs and 27 outputs; thop: int((11/3)² + 1) · 27) = int(389.99…) = 389.
    assert (ours["thop"], theirs["thop"]) == (3 * 11 * 11 + 3 * 3 * 3, 389) == (390, 389)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape_networks())
def test_shape_and_token_layers_against_the_peers(spec: dict[str, Any]) -> None:
    # Reshapes, permutes, splits, slices and scalar arithmetic cost every peer 0, as they
    # cost cnncalc; dense layers on tokens, matmul and attention (written out) cost each
    # peer what its convention in cnncalc says.
    ours, theirs = peer_totals(cnncalc.spec.parse_spec(spec))
    assert ours == theirs, spec


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks_1d_3d())
def test_1d_and_3d_networks_against_the_peers(spec: dict[str, Any]) -> None:
    # 1-D and 3-D convolutions and pooling (S3D's and the video models' nn.MaxPool3d).
    try:
        parsed = parse_spec(spec)
        cnncalc.analyze(parsed)
    except SpecError:
        return  # sizes too small for the kernels drawn: nothing to compare
    ours, theirs = peer_totals(parsed)
    if thop_rounds(parsed):  # an adaptive average pooling size that does not divide its input
        del ours["thop"], theirs["thop"]
    assert ours == theirs, spec
