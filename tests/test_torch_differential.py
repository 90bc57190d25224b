"""cnncalc against PyTorch itself: every layer's shape, parameters, buffers and FLOPs.

Each network is translated into ``torch.nn`` (``tests/torch_builder.py``) and
run on a zero tensor; every layer's output shape, parameter and buffer counts,
and ``FlopCounterMode`` FLOPs (cnncalc's ``flops`` convention) must equal
cnncalc's. This runs on every shipped spec PyTorch can express and on
hypothesis-generated networks. torch is imported unconditionally: without it
this module fails rather than being skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

import cnncalc
from cnncalc import ir
from cnncalc.analysis import Report
from cnncalc.errors import SpecError
from tests.conftest import NUMERIC_SPECS
from tests.torch_builder import Untranslatable, module_for

NOT_IN_PYTORCH = {
    "lenet5.yaml": "trainable subsampling, a sparse connection table, RBF units",
    "lenet5-full-c3.yaml": "trainable subsampling, RBF units",
}
"""Shipped specs with layers PyTorch has no module for (tested against the paper instead)."""


@dataclass(frozen=True)
class Measured:
    name: str
    shape: tuple[int, ...]
    trainable: int
    frozen: int
    buffers: int
    flops: int


def measure(spec: cnncalc.NetworkSpec) -> tuple[Report, list[Measured]]:
    """cnncalc's report, and PyTorch's measurements of the same layers."""
    report = cnncalc.analyze(spec, "flops")
    network = spec.to_ir()
    values: dict[str, torch.Tensor] = {ir.NETWORK_INPUT: torch.zeros(1, *network.input_shape)}
    measured = []
    with torch.no_grad():
        for layer, row in zip(network.layers, report.layers, strict=True):
            module = module_for(layer.op, row.input_shapes).eval()
            inputs = [values[source] for source in row.inputs]
            with FlopCounterMode(display=False) as counter:
                output = module(*inputs)
            values[layer.name] = output
            measured.append(Measured(
                layer.name, tuple(output.shape[1:]),
                sum(p.numel() for p in module.parameters() if p.requires_grad),
                sum(p.numel() for p in module.parameters() if not p.requires_grad),
                sum(b.numel() for b in module.buffers()), counter.get_total_flops(),
            ))  # fmt: skip
    return report, measured


def assert_same(report: Report, measured: list[Measured]) -> None:
    for row, torch_layer in zip(report.layers, measured, strict=True):
        ours = (row.output_shape, row.trainable_params, row.non_trainable_params, row.buffers,
                row.flops_by_convention.flops)  # fmt: skip
        theirs = (torch_layer.shape, torch_layer.trainable, torch_layer.frozen,
                  torch_layer.buffers, torch_layer.flops)  # fmt: skip
        assert ours == theirs, f"{row.name} ({row.type}): cnncalc {ours} != torch {theirs}"


def translatable(path: Path) -> bool:
    return path.name not in NOT_IN_PYTORCH


@pytest.mark.parametrize(
    "path", [p for p in NUMERIC_SPECS if translatable(p)], ids=lambda p: p.name
)
def test_shipped_spec_against_torch(path: Path) -> None:
    assert_same(*measure(cnncalc.load(path)))


@pytest.mark.parametrize("name", sorted(NOT_IN_PYTORCH))
def test_the_untranslatable_specs_are_the_listed_ones(name: str) -> None:
    with pytest.raises(Untranslatable):
        measure(cnncalc.load(Path("specs") / name))


def test_no_shipped_spec_is_left_out_silently() -> None:
    names = {p.name for p in NUMERIC_SPECS}
    assert set(NOT_IN_PYTORCH) <= names
    assert len(names - set(NOT_IN_PYTORCH)) >= 12


# -- generated networks --------------------------------------------------------------------

ACTIVATIONS = ["relu", "relu6", "tanh", "sigmoid", "hardswish", "gelu", "silu", "softmax"]


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def layer_2d(
    draw: st.DrawFn, shape: tuple[int, ...], earlier: dict[str, tuple[int, ...]]
) -> dict[str, Any]:
    c, h, w = shape
    small = st.integers(1, 4)
    kind = draw(st.sampled_from([
        "conv2d", "conv2d", "conv2d", "conv_transpose2d", "maxpool2d", "avgpool2d",
        "adaptive_avgpool2d", "batchnorm", "layernorm", "groupnorm", "activation", "dropout",
        "zeropad2d", "upsample", "lrn", "identity", "add", "concat", "multiply",
    ]))  # fmt: skip
    if kind == "conv2d":
        groups = draw(st.sampled_from(divisors(c)))
        padding = draw(st.one_of(
            st.integers(0, 2), st.just("same"),
            st.tuples(st.tuples(st.integers(0, 2), st.integers(0, 2)),
                      st.tuples(st.integers(0, 2), st.integers(0, 2))).map(lambda p: [list(a) for a in p]),
        ))  # fmt: skip
        return {
            "type": "conv2d", "filters": groups * draw(small), "kernel": [draw(small), draw(small)],
            "stride": [draw(st.integers(1, 3)), draw(st.integers(1, 3))], "padding": padding,
            "dilation": draw(st.integers(1, 2)), "groups": groups, "bias": draw(st.booleans()),
            "activation": draw(st.sampled_from([None, *ACTIVATIONS])),
        }  # fmt: skip
    if kind == "conv_transpose2d":
        groups = draw(st.sampled_from(divisors(c)))
        stride, dilation = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        return {
            "type": "conv_transpose2d", "filters": groups * draw(small), "kernel": draw(small),
            "stride": stride, "padding": draw(st.integers(0, 1)), "dilation": dilation,
            "output_padding": draw(st.integers(0, max(stride, dilation) - 1)), "groups": groups,
            "bias": draw(st.booleans()),
        }  # fmt: skip
    if kind in ("maxpool2d", "avgpool2d"):
        kernel = draw(st.integers(1, 4))
        return {
            "type": kind, "kernel": kernel, "stride": draw(st.integers(1, 3)),
            "padding": draw(st.integers(0, kernel // 2)), "ceil_mode": draw(st.booleans()),
        }  # fmt: skip
    if kind == "adaptive_avgpool2d":
        return {"type": draw(st.sampled_from(["adaptive_avgpool2d", "adaptive_maxpool2d"])),
                "output_size": [draw(st.integers(1, 5)), draw(st.integers(1, 5))]}  # fmt: skip
    if kind == "groupnorm" and h * w > 1:  # torch refuses one value per group
        return {"type": "groupnorm", "groups": draw(st.sampled_from(divisors(c))),
                "affine": draw(st.booleans())}  # fmt: skip
    if kind == "layernorm":
        return {"type": "layernorm", "over": draw(st.sampled_from(["channels", "all"])),
                "affine": draw(st.booleans())}  # fmt: skip
    if kind == "batchnorm":
        affine = draw(st.booleans())
        return {"type": "batchnorm", "center": affine, "scale": affine}
    if kind == "activation":
        return {"type": draw(st.sampled_from(ACTIVATIONS))}
    if kind == "zeropad2d":
        return {"type": "zeropad2d", "padding": [[draw(st.integers(0, 2)), draw(st.integers(0, 2))],
                                                 [draw(st.integers(0, 2)), draw(st.integers(0, 2))]]}  # fmt: skip
    if kind == "upsample":
        return {"type": "upsample", "scale": [draw(st.integers(1, 2)), draw(st.integers(1, 2))],
                "mode": draw(st.sampled_from(["nearest", "bilinear"]))}  # fmt: skip
    if kind == "lrn":
        return {"type": "lrn", "size": draw(st.integers(1, 5))}
    if kind in ("add", "multiply"):
        same = [name for name, s in earlier.items() if s == shape]
        return {"type": kind, "inputs": [draw(st.sampled_from(same)), "_current"]}
    if kind == "concat":
        same = [name for name, s in earlier.items() if len(s) == 3 and s[1:] == shape[1:]]
        return {"type": "concat", "inputs": ["_current", draw(st.sampled_from(same))]}
    return {"type": kind}


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid network: every candidate layer is kept only if cnncalc accepts it."""
    spec: dict[str, Any] = {
        "input": [draw(st.integers(1, 6)), draw(st.integers(4, 24)), draw(st.integers(4, 24))],
        "framework": "pytorch",
        "layers": [],
    }
    shapes: dict[str, tuple[int, ...]] = {"input": tuple(spec["input"])}
    current = "input"
    for index in range(draw(st.integers(1, 7))):
        for _ in range(5):
            layer = draw(layer_2d(shapes[current], shapes))
            layer["name"] = f"l{index}"
            if "inputs" in layer:
                layer["inputs"] = [current if i == "_current" else i for i in layer["inputs"]]
            else:
                layer["input"] = current
            try:
                report = cnncalc.analyze({**spec, "layers": [*spec["layers"], layer]})
            except SpecError:
                continue
            spec["layers"].append(layer)
            shapes[layer["name"]] = report.layers[-1].output_shape  # type: ignore[assignment]
            current = layer["name"]
            break
    if draw(st.booleans()) and len(shapes[current]) == 3:
        spec["layers"] += [{"type": "flatten", "name": "flat"},
                           {"type": "dense", "name": "fc", "units": draw(st.integers(1, 9)),
                            "bias": draw(st.booleans())}]  # fmt: skip
    if not spec["layers"]:
        spec["layers"] = [{"type": "identity"}]
    return spec


@st.composite
def networks_1d_3d(draw: st.DrawFn) -> dict[str, Any]:
    """Chains of 1-D or 3-D convolutions: the same conv rule on other ranks."""
    rank = draw(st.sampled_from([1, 3]))
    sizes = [draw(st.integers(6, 12)) for _ in range(rank)]
    layers: list[dict[str, Any]] = []
    channels = draw(st.integers(1, 4))
    for _ in range(draw(st.integers(1, 3))):
        groups = draw(st.sampled_from(divisors(channels)))
        filters = groups * draw(st.integers(1, 3))
        layers.append({
            "type": f"conv{rank}d", "filters": filters,
            "kernel": [draw(st.integers(1, 3)) for _ in range(rank)],
            "stride": [draw(st.integers(1, 2)) for _ in range(rank)],
            "padding": draw(st.integers(0, 1)), "dilation": draw(st.integers(1, 2)),
            "groups": groups, "bias": draw(st.booleans()),
        })  # fmt: skip
        layers.append({"type": "batchnorm"})
        layers.append({"type": draw(st.sampled_from(ACTIVATIONS[:-1]))})
        channels = filters
    return {"input": [draw(st.integers(1, 4)), *sizes], "framework": "pytorch", "layers": layers}


GENERATED = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    derandomize=False,
)  # fmt: skip


@GENERATED
@given(networks())
def test_generated_networks_against_torch(spec: dict[str, Any]) -> None:
    assert_same(*measure(cnncalc.spec.parse_spec(spec)))


@settings(max_examples=100, deadline=None)
@given(networks_1d_3d())
def test_generated_1d_and_3d_networks_against_torch(spec: dict[str, Any]) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        cnncalc.analyze(parsed)
    except SpecError:
        return  # sizes too small for the kernels drawn: nothing to compare
    assert_same(*measure(parsed))
