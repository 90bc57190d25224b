"""Bytes moved, arithmetic intensity and the roofline bound, against PyTorch's tensors.

The oracle: each layer's PyTorch module (``tests/torch_builder.py``) run on real
tensors of the chosen dtype and batch; its bytes are the ``numel·element_size``
of the tensors it is given (each once: the same memory read twice is read
once), of the parameters and buffers its operators read (recorded by a
``TorchDispatchMode``: what inference touches, not every buffer the module
holds), and of the tensors it returns; a module that returns a view of its
input moves nothing. Each output keeps the layout PyTorch gives it (the builder's
channels-first layer norm permutes, normalises and permutes back, leaving a
channels-last tensor that convolutions keep and a flatten after them copies), as
:mod:`cnncalc.layouts` follows it.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

import cnncalc
import cnncalc.spec
from cnncalc import ir
from cnncalc.cli import main
from cnncalc.devices import DEVICES
from cnncalc.errors import SpecError
from cnncalc.roofline import Roof, bound, decimal, intensities, parse_rate, summed, traffic
from tests.conftest import NUMERIC_SPECS, SPECS
from tests.test_torch_differential import NOT_IN_PYTORCH, networks, networks_1d_3d, shape_networks
from tests.torch_builder import module_for

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


class Reads(TorchDispatchMode):  # type: ignore[no-untyped-call]
    """Records the storage of every tensor an operator is given."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.storages: set[int] = set()

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        for value in tree_flatten((args, kwargs or {}))[0]:
            if isinstance(value, torch.Tensor):
                self.storages.add(value.untyped_storage().data_ptr())
        return func(*args, **(kwargs or {}))


def _memory(tensor: torch.Tensor) -> tuple[int, int, int]:
    """Which values a tensor is: its storage, where it starts, how many."""
    return tensor.untyped_storage().data_ptr(), int(tensor.storage_offset()), tensor.numel()


def _bytes(tensor: torch.Tensor) -> int:
    return tensor.numel() * tensor.element_size()


def measured(
    spec: cnncalc.NetworkSpec, dtype: str = "fp32", batch: int = 1
) -> dict[str, tuple[int, int, int]]:
    """PyTorch's (read, weights, written) bytes of every layer, by name."""
    network = spec.to_ir()
    report = cnncalc.analyze(spec)
    kind = DTYPES[dtype]
    shapes = {ir.NETWORK_INPUT: network.input_shape, **dict(network.other_inputs)}
    values = {name: torch.zeros(batch, *(int(n) for n in shape), dtype=kind)
              for name, shape in shapes.items()}  # fmt: skip
    result: dict[str, tuple[int, int, int]] = {}
    with torch.no_grad():
        for layer, row in zip(network.layers, report.layers, strict=True):
            module = module_for(layer.op, row.input_shapes).eval().to(kind)
            inputs = [values[source] for source in row.inputs]
            with Reads() as reads:
                output = module(*inputs)
            parts = list(output) if isinstance(output, tuple) else [output]
            storages = {t.untyped_storage().data_ptr() for t in inputs}
            view = all(part.untyped_storage().data_ptr() in storages for part in parts)
            if isinstance(output, tuple):
                values.update({f"{layer.name}.{i}": part for i, part in enumerate(parts)})
            else:
                values[layer.name] = parts[0]
            if view:
                result[layer.name] = (0, 0, 0)
                continue
            read = {_memory(t): _bytes(t) for t in inputs}
            state = [*module.parameters(), *module.buffers()]
            weights = sum(_bytes(t) for t in state
                          if t.untyped_storage().data_ptr() in reads.storages)  # fmt: skip
            result[layer.name] = (sum(read.values()), weights, sum(_bytes(p) for p in parts))
    return result


def ours(spec: cnncalc.NetworkSpec, dtype: str = "fp32", batch: int = 1) -> dict[str, Any]:
    moved = traffic(cnncalc.analyze(spec), dtype, batch)
    return {name: (t.reads, t.weights, t.writes) for name, t in moved.items()}


def assert_same(spec: cnncalc.NetworkSpec, dtype: str = "fp32", batch: int = 1) -> None:
    theirs, mine = measured(spec, dtype, batch), ours(spec, dtype, batch)
    for name, value in mine.items():
        assert value == theirs[name], f"{name}: cnncalc {value} != torch {theirs[name]}"


# -- bytes against PyTorch ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [p for p in NUMERIC_SPECS if p.name not in NOT_IN_PYTORCH], ids=lambda p: p.name
)
def test_shipped_specs_move_the_bytes_torch_s_tensors_hold(path: Path) -> None:
    assert_same(cnncalc.load(path))


@pytest.mark.parametrize("dtype", ["fp16", "bf16"])
def test_half_precision_at_batch_3_moves_what_torch_s_tensors_hold(dtype: str) -> None:
    # Half the fp32 bytes, weights once for the batch and activations three times over.
    assert_same(cnncalc.load(SPECS / "lenet5-modern.yaml"), dtype, batch=3)


def test_a_batch_norm_reads_its_statistics_but_not_its_counter() -> None:
    spec = cnncalc.spec.parse_spec({"input": [8, 4, 4], "framework": "pytorch", "layers": [
        {"name": "bn", "type": "batchnorm"},
    ]})  # fmt: skip
    # 8·16 values in and out; weight, bias, running mean and variance: 4·8; not
    # num_batches_tracked (one more buffer, int64), which inference never touches.
    assert ours(spec)["bn"] == (4 * 128, 4 * 32, 4 * 128)
    assert_same(spec)


@pytest.mark.parametrize(
    "layer",
    [
        {"type": "relative_position_bias", "window": [2, 2]},
        {"type": "window_attention", "heads": 2, "window": [2, 2], "shift": [0, 0]},
        {"type": "window_attention", "heads": 2, "window": [2, 2], "shift": [1, 1],
         "version": 2},
    ],
    ids=["bias-table", "swin", "swin-v2"],
)  # fmt: skip
def test_index_buffers_are_read_as_int64(layer: dict[str, Any]) -> None:
    shape = [2, 4, 4] if layer["type"] == "relative_position_bias" else [4, 4, 8]
    spec = cnncalc.spec.parse_spec(
        {"input": shape, "framework": "pytorch", "layers": [{"name": "x", **layer}]}
    )
    assert_same(spec, "bf16")
    if layer["type"] == "relative_position_bias":
        # A 3×3 table of 2 heads (bf16) and the 16 pairs' int64 index.
        assert ours(spec, "bf16")["x"][1] == 2 * 18 + 8 * 16


def test_reading_a_tensor_and_its_identity_reads_it_once() -> None:
    spec = cnncalc.spec.parse_spec({"input": [2, 5, 5], "framework": "pytorch", "layers": [
        {"name": "conv", "type": "conv2d", "filters": 2, "kernel": 1},
        {"name": "same", "type": "dropout"},
        {"name": "sum", "type": "add", "inputs": ["conv", "same"]},
    ]})  # fmt: skip
    assert ours(spec)["same"] == (0, 0, 0)
    assert ours(spec)["sum"] == (4 * 50, 0, 4 * 50)
    assert_same(spec)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.integers(1, 3))
def test_generated_networks_move_the_bytes_torch_s_tensors_hold(
    spec: dict[str, Any], batch: int
) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        cnncalc.analyze(parsed)
    except SpecError:
        return
    assert_same(parsed, batch=batch)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape_networks())
def test_generated_reshapes_copy_where_torch_copies(spec: dict[str, Any]) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        cnncalc.analyze(parsed)
    except SpecError:
        return
    assert_same(parsed, batch=2)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks_1d_3d())
def test_generated_1d_and_3d_networks_move_what_torch_moves(spec: dict[str, Any]) -> None:
    try:
        parsed = cnncalc.spec.parse_spec(spec)
        cnncalc.analyze(parsed)
    except SpecError:
        return
    assert_same(parsed, batch=2)


def test_a_reshape_after_a_permute_copies_the_tensor() -> None:
    spec = cnncalc.spec.parse_spec({"input": [2, 3, 4], "framework": "pytorch", "layers": [
        {"name": "conv", "type": "conv2d", "filters": 2, "kernel": 1},
        {"name": "swap", "type": "permute", "dims": [2, 1, 0]},
        {"name": "flat", "type": "reshape", "shape": [24]},
        {"name": "again", "type": "flatten"},
    ]})  # fmt: skip
    moved = ours(spec, batch=2)
    assert moved["swap"] == moved["again"] == (0, 0, 0)
    assert moved["flat"] == (4 * 48, 0, 4 * 48)  # 2 samples of 24 values, read and written
    assert_same(spec, batch=2)


# -- intensity and the bound ----------------------------------------------------------------


CONV = {"input": [3, 16, 16], "layers": [{"name": "conv", "type": "conv2d", "filters": 8,
                                          "kernel": 3}]}  # fmt: skip


def test_a_convolution_s_intensity_is_its_flops_over_its_bytes() -> None:
    # 2·27·8·14² = 84,672 FLOPs; (3·16² + 27·8 + 8 + 8·14²)·4 = 10,240 bytes.
    (row,) = intensities(cnncalc.analyze(CONV), "fp32")
    assert (row.flops, row.traffic.total) == (84_672, 10_240)
    assert row.intensity == Fraction(84_672, 10_240)
    assert decimal(row.intensity, 5) == "8.26875"


def test_a_batch_reads_the_weights_once() -> None:
    (row,) = intensities(cnncalc.analyze(CONV), "fp16", batch=32)
    assert (row.flops, row.traffic.weights) == (32 * 84_672, 2 * 224)
    assert row.traffic.total == 32 * 2 * (768 + 1_568) + 2 * 224


def test_the_macs_convention_halves_the_intensity() -> None:
    (row,) = intensities(cnncalc.analyze(CONV), "fp32", convention=cnncalc.Convention.MACS)
    assert row.intensity == Fraction(42_336, 10_240)


def test_the_bound_is_the_larger_of_compute_and_memory_time() -> None:
    (row,) = intensities(cnncalc.analyze(CONV), "fp32")
    roof = Roof(parse_rate("1e9"), parse_rate("1e9"))
    limit = bound(row, roof)
    assert (limit.compute, limit.memory) == (Fraction(84_672, 10**9), Fraction(10_240, 10**9))
    assert (limit.seconds, limit.limit) == (Fraction(84_672, 10**9), "compute")
    slow_memory = bound(row, Roof(parse_rate("1e12"), parse_rate("1e9")))
    assert slow_memory.limit == "memory"
    assert roof.ridge == 1


def test_rates_are_read_exactly() -> None:
    assert parse_rate("2.039e12") == 2_039_000_000_000
    assert parse_rate("312e12") == 312 * 10**12
    assert parse_rate("0.1e1") == 1
    for bad in ("fast", "0.5", "inf", "nan", "1e25", "1e999999999", "-3e9", "9" * 41, "٣e9"):
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_the_command_line_offers_every_device() -> None:
    from cnncalc.cli import DEVICE_NAMES

    assert tuple(DEVICES) == DEVICE_NAMES


def test_the_a100_s_ridge_point() -> None:
    a100 = DEVICES["a100-sxm4-80gb"]
    roof = Roof(a100.peaks["fp16"], a100.bandwidth)
    assert roof.ridge == Fraction(312_000, 2_039)  # 153.02 FLOPs a byte
    assert DEVICES["h100-sxm5"].peaks["bf16"] == Fraction(9_895, 10) * 10**12


def test_a_symbolic_intensity_is_a_formula() -> None:
    report = cnncalc.analyze(cnncalc.load(SPECS / "lenet5-symbolic.yaml"))
    rows = intensities(report, "fp32")
    total = summed(rows)
    assert not isinstance(total.intensity, Fraction)
    values = {"n": 32, "k": 5}
    assert {str(s) for s in total.intensity.free_symbols} == set(values)
    numbers = summed(intensities(report.subs(values), "fp32"))
    value = total.intensity.subs({s: values[str(s)] for s in total.intensity.free_symbols})
    assert Fraction(int(value.p), int(value.q)) == numbers.intensity == Fraction(83_206, 39_021)


# -- the command line -----------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_prints_exact_json(capsys: pytest.CaptureFixture[str]) -> None:
    spec = str(SPECS / "resnet18.yaml")
    code, out, _ = run(capsys, spec, "--roofline", "--device", "a100-sxm4-80gb", "--batch",
                       "32", "--dtype", "half", "-f", "json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert (data["batch"], data["dtype"], data["bytes_per_value"]) == (32, "fp16", 2)
    assert data["convention"] == "flops"
    first = data["layers"][0]
    rows = intensities(cnncalc.analyze(cnncalc.load(spec)), "fp16", batch=32)
    assert first["flops"] == rows[0].flops
    assert first["bytes"]["total"] == rows[0].traffic.total
    fraction = Fraction(first["intensity"]["numerator"], first["intensity"]["denominator"])
    assert fraction == rows[0].intensity
    assert data["device"]["peak_flops_per_second"]["numerator"] == 312 * 10**12
    seconds = data["total"]["roofline"]["seconds"]
    roof = Roof(Fraction(312 * 10**12), Fraction(2_039 * 10**9))
    expected = sum((bound(row, roof).seconds for row in rows), Fraction(0))
    assert Fraction(seconds["numerator"], seconds["denominator"]) == expected


def test_the_table_labels_the_bound(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SPECS / "lenet5-modern.yaml"), "--roofline",
                       "--peak-flops", "1e9", "--bandwidth", "1e9")  # fmt: skip
    assert code == 0
    assert out.splitlines()[0].endswith("; roofline lower bound on the given peak and bandwidth")
    assert "A lower bound, not a prediction" in " ".join(out.split())
    # c1: 235,200 FLOPs, 4,096 + 624 + 18,816 = 23,536 bytes: compute-bound at 1 GFLOP/s.
    row = next(line for line in out.splitlines() if line.startswith("│ c1 "))
    assert "235,200" in row and "9.99" in row and "235.200 compute" in row


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--device", "t4"], "--device, --peak-flops and --bandwidth go with --roofline"),
        (["--roofline", "--device", "t4", "--dtype", "bf16"],
         "--device t4: its datasheet gives no bf16 peak (it gives fp32, fp16, int8): choose one "
         "of those with --dtype, or give --peak-flops and --bandwidth"),
        (["--roofline", "--peak-flops", "1e12"], "--peak-flops and --bandwidth go together"),
        (["--roofline", "-f", "csv"],
         "--roofline goes with --format table or json, without --depth or --formulas"),
        (["--roofline", "--device", "t4", "--peak-flops", "1e12", "--bandwidth", "1e9"],
         "give --device, or --peak-flops and --bandwidth, not both"),
    ],
)  # fmt: skip
def test_misused_options_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, str(SPECS / "lenet5-modern.yaml"), *args)
    assert (code, out, err) == (2, "", f"error: {message}\n")


def test_a_bad_rate_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(SPECS / "lenet5-modern.yaml"), "--roofline", "--bandwidth",
                         "fast")  # fmt: skip
    assert (code, out) == (2, "")
    assert err == (
        "error: argument --bandwidth: 'fast' is not a number (write 312e12 or 2.039e12) "
        "(see 'cnncalc --help')\n"
    )


def test_a_symbolic_spec_has_no_time_without_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(SPECS / "lenet5-symbolic.yaml"), "--roofline", "--device",
                         "t4", "--symbolic")  # fmt: skip
    assert (code, out) == (2, "")
    assert err == (
        "error: the roofline bound needs the network's sizes as numbers: give them with --subs\n"
    )


def test_the_readme_s_a100_figures_are_real_output() -> None:
    readme = (SPECS.parent / "README.md").read_text(encoding="utf-8")
    a100 = DEVICES["a100-sxm4-80gb"]
    roof = Roof(a100.peaks["fp16"], a100.bandwidth)
    assert f"ridge {decimal(roof.ridge, 2)}" in " ".join(readme.split())
    for name in ("resnet50", "vgg16"):
        report = cnncalc.analyze(cnncalc.load(SPECS / f"{name}.yaml"))
        for batch in (1, 32):
            rows = intensities(report, "fp16", batch)
            bounds = [bound(row, roof) for row in rows]
            memory = sum((b.seconds for b in bounds if b.limit == "memory"), Fraction(0))
            total = summed(rows)
            cells = [
                name,
                str(batch),
                f"{total.flops:,}",
                f"{total.traffic.total:,}",
                decimal(total.intensity, 2),
                f"{decimal(sum((b.seconds for b in bounds), Fraction(0)) * 10**6, 1)} µs",
                f"{decimal(memory * 10**6, 1)} µs",
            ]
            assert f"| {' | '.join(cells)} |" in readme


def test_a_flatten_of_a_permuted_map_of_symbolic_size_copies_as_at_every_size() -> None:
    layers = [
        {"name": "conv", "type": "conv2d", "filters": 3, "kernel": 1},
        {"name": "swap", "type": "permute", "dims": [1, 2, 0]},
        {"name": "flat", "type": "flatten"},
    ]
    symbolic = cnncalc.spec.parse_spec({"input": [3, "h", 5], "framework": "pytorch",
                                        "layers": layers})  # fmt: skip
    moved = traffic(cnncalc.analyze(symbolic), "fp32", 1)["flat"]
    assert not moved.view
    numeric = cnncalc.spec.parse_spec({"input": [3, 4, 5], "framework": "pytorch",
                                       "layers": layers})  # fmt: skip
    assert ours(numeric)["flat"] == (240, 0, 240)
    assert str(moved.reads) == "60*h"
    assert_same(numeric)
