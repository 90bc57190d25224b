"""cnncalc against PyTorch itself: every layer's shape, parameters, buffers and FLOPs.

Each network is translated into ``torch.nn`` (``tests/torch_builder.py``) and
run on a zero tensor; every layer's output shape, parameter and buffer counts,
and ``FlopCounterMode`` FLOPs (cnncalc's ``flops`` convention) must equal
cnncalc's. This runs on every shipped spec PyTorch can express and on
hypothesis-generated networks. torch is imported unconditionally: without it
this module fails rather than being skipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
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
from cnncalc.arith import Shape
from cnncalc.errors import SpecError
from cnncalc.library import load_model
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
    parts: tuple[tuple[int, ...], ...]
    """Each output's shape, for a layer with several (a split)."""
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
            parts: tuple[tuple[int, ...], ...] = ()
            if isinstance(output, tuple):  # a split: its parts are read as NAME.0, NAME.1, …
                values.update({f"{layer.name}.{i}": part for i, part in enumerate(output)})
                parts = tuple(tuple(part.shape[1:]) for part in output)
                output = output[0]
            values[layer.name] = output
            measured.append(Measured(
                layer.name, tuple(output.shape[1:]), parts,
                sum(p.numel() for p in module.parameters() if p.requires_grad),
                sum(p.numel() for p in module.parameters() if not p.requires_grad),
                sum(b.numel() for b in module.buffers()), counter.get_total_flops(),
            ))  # fmt: skip
    return report, measured


def assert_same(report: Report, measured: list[Measured]) -> None:
    for row, torch_layer in zip(report.layers, measured, strict=True):
        ours = (row.output_shape, row.output_shapes, row.trainable_params,
                row.non_trainable_params, row.buffers, row.flops_by_convention.flops)  # fmt: skip
        theirs = (torch_layer.shape, torch_layer.parts, torch_layer.trainable, torch_layer.frozen,
                  torch_layer.buffers, torch_layer.flops)  # fmt: skip
        assert ours == theirs, f"{row.name} ({row.type}): cnncalc {ours} != torch {theirs}"


def translatable(path: Path) -> bool:
    return path.name not in NOT_IN_PYTORCH


@pytest.mark.parametrize(
    "path", [p for p in NUMERIC_SPECS if translatable(p)], ids=lambda p: p.name
)
def test_shipped_spec_against_torch(path: Path) -> None:
    assert_same(*measure(cnncalc.load(path)))


LIBRARY_ONLY = ["mobilenet_v3_large", "mobilenet_v3_small", "efficientnet_b0"]
"""Built-in models no file in specs/ links to, checked layer by layer as the shipped specs
are (their variants at other sizes are checked in total against torchvision's own counts,
tests/test_library.py)."""


@pytest.mark.parametrize("name", LIBRARY_ONLY)
def test_built_in_model_against_torch(name: str) -> None:
    assert_same(*measure(load_model(name)))


@pytest.mark.parametrize("name", sorted(NOT_IN_PYTORCH))
def test_the_untranslatable_specs_are_the_listed_ones(name: str) -> None:
    with pytest.raises(Untranslatable):
        measure(cnncalc.load(Path("specs") / name))


LIBRARY = ["nin", "nin-d2l", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5-paper", "convnext_tiny"]
"""Built-in models without a link in specs/, checked layer by layer here (their variants
differ only in sizes: the paper's ShuffleNet units, d2l's NiN pools)."""


@pytest.mark.parametrize("model", LIBRARY)
def test_library_model_against_torch(model: str) -> None:
    from cnncalc.library import load_model

    assert_same(*measure(load_model(model)))


def test_no_shipped_spec_is_left_out_silently() -> None:
    names = {p.name for p in NUMERIC_SPECS}
    assert set(NOT_IN_PYTORCH) <= names
    assert len(names - set(NOT_IN_PYTORCH)) >= 12


# -- generated networks --------------------------------------------------------------------

ACTIVATIONS = ["relu", "relu6", "tanh", "sigmoid", "hardswish", "gelu", "silu", "hardsigmoid",
               "leaky_relu", "elu", "mish", "softmax"]  # fmt: skip


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


small = st.integers(1, 4)
pad = st.integers(0, 2)
SCALES = st.sampled_from(["1/2", 0.25, "3/4", 1.5, "5/4", 2, "7/4"])


def _conv(draw: st.DrawFn, c: int) -> dict[str, Any]:
    groups = draw(st.sampled_from(divisors(c)))
    padding = draw(st.one_of(
        st.integers(0, 2), st.just("same"),
        st.tuples(st.tuples(pad, pad), st.tuples(pad, pad)).map(lambda p: [list(a) for a in p]),
    ))  # fmt: skip
    return {
        "type": "conv2d", "filters": groups * draw(small), "kernel": [draw(small), draw(small)],
        "stride": [draw(st.integers(1, 3)), draw(st.integers(1, 3))], "padding": padding,
        "dilation": draw(st.integers(1, 2)), "groups": groups, "bias": draw(st.booleans()),
        "activation": draw(st.sampled_from([None, *ACTIVATIONS])),
    }  # fmt: skip


def _conv_transpose(draw: st.DrawFn, c: int) -> dict[str, Any]:
    groups = draw(st.sampled_from(divisors(c)))
    stride, dilation = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    return {
        "type": "conv_transpose2d", "filters": groups * draw(small), "kernel": draw(small),
        "stride": stride, "padding": draw(st.integers(0, 1)), "dilation": dilation,
        "output_padding": draw(st.integers(0, max(stride, dilation) - 1)), "groups": groups,
        "bias": draw(st.booleans()),
    }  # fmt: skip


def _pool(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    kernel = draw(st.integers(1, 4))
    return {
        "type": kind, "kernel": kernel, "stride": draw(st.integers(1, 3)),
        "padding": draw(st.integers(0, kernel // 2)), "ceil_mode": draw(st.booleans()),
    }  # fmt: skip


def _merge(draw: st.DrawFn, kind: str, shape: Shape, earlier: dict[str, Shape]) -> dict[str, Any]:
    if kind == "concat":
        same = [name for name, s in earlier.items() if len(s) == 3 and s[1:] == shape[1:]]
    else:
        same = [name for name, s in earlier.items() if s == shape]
    return {"type": kind, "inputs": ["_current", draw(st.sampled_from(same))]}


@st.composite
def layer_2d(draw: st.DrawFn, shape: Shape, earlier: dict[str, Shape]) -> dict[str, Any]:
    """One random layer that reads a (C, H, W) tensor."""
    c, h, w = (int(d) for d in shape)
    affine = draw(st.booleans())
    choices: dict[str, Callable[[], dict[str, Any]]] = {
        "conv2d": lambda: _conv(draw, c),
        "conv_transpose2d": lambda: _conv_transpose(draw, c),
        "maxpool2d": lambda: _pool(draw, "maxpool2d"),
        "avgpool2d": lambda: _pool(draw, "avgpool2d"),
        "adaptive": lambda: {
            "type": draw(st.sampled_from(["adaptive_avgpool2d", "adaptive_maxpool2d"])),
            "output_size": [draw(st.integers(1, 5)), draw(st.integers(1, 5))],
        },
        "batchnorm": lambda: {"type": "batchnorm", "center": affine, "scale": affine},
        "layernorm": lambda: {
            "type": "layernorm", "over": draw(st.sampled_from(["channels", "all"])),
            "affine": affine,
        },
        # torch refuses a group norm over one value per group
        "groupnorm": lambda: {"type": "groupnorm", "groups": draw(st.sampled_from(divisors(c))),
                              "affine": affine} if h * w > 1 else {"type": "identity"},
        "activation": lambda: {"type": draw(st.sampled_from(ACTIVATIONS))},
        "prelu": lambda: {"type": "prelu", "per_channel": draw(st.booleans())},
        "dropout": lambda: {"type": "dropout"},
        "zeropad2d": lambda: {"type": "zeropad2d", "padding": [[draw(pad), draw(pad)],
                                                               [draw(pad), draw(pad)]]},
        "upsample": lambda: {
            "type": "upsample", "mode": draw(st.sampled_from(["nearest", "bilinear", "bicubic"])),
            **draw(st.sampled_from([
                {"scale": [draw(small) % 2 + 1, draw(small) % 2 + 1]},
                # Binary fractions: exact in floating point, where PyTorch computes ⌊n·s⌋.
                {"scale": [draw(SCALES), draw(SCALES)]},
                {"size": [draw(st.integers(1, 30)), draw(st.integers(1, 30))]},
            ])),
        },
        "lrn": lambda: {"type": "lrn", "size": draw(st.integers(1, 5))},
        "identity": lambda: {"type": "identity"},
        "add": lambda: _merge(draw, "add", shape, earlier),
        "concat": lambda: _merge(draw, "concat", shape, earlier),
        "multiply": lambda: _merge(draw, "multiply", shape, earlier),
    }  # fmt: skip
    weights = ["conv2d"] * 3 + list(choices)
    return choices[draw(st.sampled_from(weights))]()


def grow(
    draw: st.DrawFn,
    spec: dict[str, Any],
    shapes: dict[str, Shape],
    current: str,
    candidates: Callable[[Shape, dict[str, Shape]], st.SearchStrategy[dict[str, Any]]],
    count: int,
) -> str:
    """Add up to ``count`` layers drawn from ``candidates``, each reading the last output
    (``_current`` in ``inputs``), each kept only if cnncalc accepts it; a split's part is
    read on as ``NAME.i``. Returns the output read last."""
    for index in range(count):
        for _ in range(5):
            layer = draw(candidates(shapes[current], shapes))
            layer["name"] = f"l{index}"
            if "inputs" in layer:
                layer["inputs"] = [current if i == "_current" else i for i in layer["inputs"]]
            else:
                layer["input"] = current
            try:
                row = cnncalc.analyze({**spec, "layers": [*spec["layers"], layer]}).layers[-1]
            except SpecError:
                continue
            spec["layers"].append(layer)
            current = layer["name"]
            if row.output_shapes:
                for part, part_shape in enumerate(row.output_shapes):
                    shapes[f"{current}.{part}"] = part_shape
                current = f"{current}.{draw(st.integers(0, len(row.output_shapes) - 1))}"
            else:
                shapes[current] = row.output_shape
            break
    return current


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid network: every candidate layer is kept only if cnncalc accepts it."""
    spec: dict[str, Any] = {
        "input": [draw(st.integers(1, 6)), draw(st.integers(4, 24)), draw(st.integers(4, 24))],
        "framework": "pytorch",
        "layers": [],
    }
    shapes: dict[str, Shape] = {"input": tuple(spec["input"])}
    current = grow(draw, spec, shapes, "input", layer_2d, draw(st.integers(1, 7)))
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
        if draw(st.booleans()):
            kernel = draw(st.integers(1, 3))
            layers.append({
                "type": draw(st.sampled_from([f"maxpool{rank}d", f"avgpool{rank}d"])),
                "kernel": kernel, "stride": draw(st.integers(1, 2)),
                "padding": draw(st.integers(0, kernel // 2)), "ceil_mode": draw(st.booleans()),
            })  # fmt: skip
        channels = filters
    if draw(st.booleans()):  # the video models' head: adaptive pooling in 1-D or 3-D
        layers.append({
            "type": draw(st.sampled_from([f"adaptive_avgpool{rank}d", f"adaptive_maxpool{rank}d"])),
            "output_size": [draw(st.integers(1, 4)) for _ in range(rank)],
        })  # fmt: skip
    return {"input": [draw(st.integers(1, 4)), *sizes], "framework": "pytorch", "layers": layers}


def _factor(draw: st.DrawFn, n: int, most: int = 3) -> list[int]:
    """``n`` as a product of one to ``most`` (at most three) factors, in a random order."""
    first = draw(st.sampled_from(divisors(n)))
    rest = n // first
    second = draw(st.sampled_from(divisors(rest)))
    factors = draw(st.permutations([first, second, rest // second]))
    kept = draw(st.integers(1, max(1, min(most, 3))))
    return [*factors[: kept - 1], math.prod(factors[kept - 1 :])]


def _fits(earlier: dict[str, Shape], shape: Shape, axis: int | None) -> list[str]:
    """Earlier tensors that concatenate with ``shape`` along ``axis`` (None: that add to it)."""
    rank = len(shape)
    if axis is None:
        return [
            n
            for n, s in earlier.items()
            if len(s) == rank and all(a in (b, 1) for a, b in zip(s, shape, strict=True))
        ]
    axis %= rank
    return [n for n, s in earlier.items() if len(s) == rank and all(
        a == b for i, (a, b) in enumerate(zip(s, shape, strict=True)) if i != axis)]  # fmt: skip


@st.composite
def shape_layer(draw: st.DrawFn, shape: Shape, earlier: dict[str, Shape]) -> dict[str, Any]:
    """One random layer that moves values of a tensor of any rank (no computation)."""
    rank = len(shape)
    at = draw(st.integers(-rank, rank - 1))
    n = int(shape[at])
    sizes = _factor(draw, math.prod(int(d) for d in shape))
    if draw(st.booleans()):
        sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    cut = draw(st.integers(1, n))
    bound = st.none() | st.integers(-n, n)
    chunks, concat, add = divisors(n), _fits(earlier, shape, at), _fits(earlier, shape, None)
    heads = divisors(int(shape[-1]))
    tokens = [name for name, s in earlier.items() if len(s) == 2] or ["_current"]
    window_h, window_w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    choices: dict[str, Callable[[], dict[str, Any]]] = {
        "reshape": lambda: {"type": "reshape", "shape": sizes},
        "permute": lambda: {"type": "permute", "dims": draw(st.permutations(list(range(rank))))},
        "transpose": lambda: {"type": "transpose", "dims": [at, draw(st.integers(0, rank - 1))]},
        "flatten": lambda: {"type": "flatten", "start": at, "end": draw(st.integers(-1, rank - 1))},
        # At most 4 axes (5 with the batch): fvcore's layer norm asserts 2 to 5.
        "unflatten": lambda: {"type": "unflatten", "axis": at,
                              "sizes": _factor(draw, n, most=5 - rank)},
        "channel_shuffle": lambda: {"type": "channel_shuffle",
                                    "groups": draw(st.sampled_from(divisors(int(shape[0]))))},
        "split": lambda: {"type": "split", "axis": at, "sizes": [cut, n - cut] if cut < n else [n]},
        "chunk": lambda: {"type": "chunk", "axis": at, "chunks": draw(st.sampled_from(chunks))},
        "select": lambda: {"type": "select", "axis": at, "index": draw(st.integers(-n, n - 1))},
        "slice": lambda: {"type": "slice", "axis": at, "start": draw(bound), "stop": draw(bound),
                          "step": draw(st.integers(1, 3))},
        "crop2d": lambda: {"type": "crop2d",
                           "cropping": [[draw(pad), draw(pad)], [draw(pad), draw(pad)]]},
        "scalar": lambda: {"type": "scalar", "value": 3,
                           "op": draw(st.sampled_from(["add", "subtract", "multiply", "divide"]))},
        "concat": lambda: {"type": "concat", "axis": at,
                           "inputs": ["_current", draw(st.sampled_from(concat))]},
        "add": lambda: {"type": "add", "inputs": ["_current", draw(st.sampled_from(add))]},
        # Token layers: a dense layer along any axis, products, attention, learned tokens.
        "dense": lambda: {"type": "dense", "units": draw(st.integers(1, 6)), "axis": at,
                          "bias": draw(st.booleans())},
        "layernorm": lambda: {"type": "layernorm", "over": "last", "affine": draw(st.booleans())},
        "matmul": lambda: {"type": "matmul", "transpose_b": True,
                           "inputs": ["_current", "_current"]},
        "attention": lambda: {"type": "attention", "heads": draw(st.sampled_from(heads)),
                              "bias": draw(st.booleans())},
        "cross_attention": lambda: {
            "type": "attention", "heads": draw(st.sampled_from(heads)),
            "bias": draw(st.booleans()),
            "inputs": ["_current", *draw(st.lists(st.sampled_from(tokens), min_size=1,
                                                  max_size=2))],
        },
        # Swin on a channels-last [h, w, c] map
        "window_attention": lambda: {
            "type": "window_attention", "window": [window_h, window_w],
            "shift": [draw(st.integers(0, window_h - 1)), draw(st.integers(0, window_w - 1))],
            "heads": draw(st.sampled_from(heads)), "version": draw(st.sampled_from([1, 2])),
            "qkv_bias": draw(st.booleans()), "proj_bias": draw(st.booleans()),
            "channels_first": draw(st.booleans()),
        },
        "patch_merging": lambda: {"type": "patch_merging",
                                  "version": draw(st.sampled_from([1, 2])),
                                  "channels_first": draw(st.booleans())},
        "class_token": lambda: {"type": "class_token"},
        "position_embedding": lambda: {"type": "position_embedding"},
        "layer_scale": lambda: {"type": "layer_scale", "axis": at},
        "softmax": lambda: {"type": "softmax", "axis": at},
        "l2_normalize": lambda: {"type": "l2_normalize", "axis": at},
        # Scores [..., heads, N, N] of a square window's N positions (else refused).
        "relative_position_bias": lambda: {"type": "relative_position_bias",
                                           "window": max(1, math.isqrt(int(shape[-1])))},
    }  # fmt: skip
    return choices[draw(st.sampled_from(sorted(choices)))]()


@st.composite
def shape_networks(draw: st.DrawFn) -> dict[str, Any]:
    """Tensors of rank 1 to 4 through random shape layers, after a patchifying conv (ViT's
    start): every layer cnncalc accepts must give torch's shapes, parts of a split too."""
    channels, size = draw(st.integers(1, 6)), draw(st.integers(2, 12))
    patch = {"name": "patch", "type": "conv2d", "filters": draw(st.integers(1, 8)), "kernel": 1}
    spec: dict[str, Any] = {"input": [channels, size, size], "framework": "pytorch",
                            "layers": [patch]}  # fmt: skip
    report = cnncalc.analyze(spec)
    shapes: dict[str, Shape] = {
        "input": tuple(spec["input"]),
        "patch": report.layers[0].output_shape,
    }
    grow(draw, spec, shapes, "patch", shape_layer, draw(st.integers(1, 8)))
    return spec


GENERATED = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip


@GENERATED
@given(networks())
def test_generated_networks_against_torch(spec: dict[str, Any]) -> None:
    assert_same(*measure(cnncalc.spec.parse_spec(spec)))


@GENERATED
@given(shape_networks())
def test_generated_shape_layers_against_torch(spec: dict[str, Any]) -> None:
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
