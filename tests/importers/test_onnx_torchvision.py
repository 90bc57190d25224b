"""torchvision's own ONNX exports import to torchvision's counts, and to the library's specs.

The fixtures in tests/fixtures/onnx/torchvision are ResNet-50, MobileNetV2,
EfficientNet-B0 and ViT-B/16 as torchvision 0.29.1 builds them, exported by
torch 2.14.1 (``make_torchvision.py`` there), their weights left out: cnncalc
reads a weight's dims, never its values. Each imports with nothing skipped to
torchvision's own parameters, buffers and ``FlopCounterMode`` FLOPs
(bench/zoo_torchvision_reference.json), and layer by layer to the library's
spec: the layers that hold weights or do multiply-accumulates, in order, have
the same type, output shape, parameters, buffers and MACs (the names differ:
ONNX's are scopes such as ``/layer1/layer1.0/conv1/Conv``), and the totals agree
under every FLOP convention. That is the ONNX import giving the report the
PyTorch import and the library give, with no torchvision in CI.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import cnncalc
from cnncalc.analysis import Report
from cnncalc.errors import CnncalcError
from cnncalc.importers.onnx import import_onnx
from cnncalc.library import load_model
from tests.conftest import ROOT

pytest.importorskip("onnx")

FIXTURES = ROOT / "tests" / "fixtures" / "onnx" / "torchvision"
TORCHVISION = json.loads((ROOT / "bench" / "zoo_torchvision_reference.json").read_text())
"""torchvision 0.29's own counts of its models (bench/zoo_torchvision.py measured them)."""

COVERAGE = {
    "resnet50": (267, 25_610_152, 53),
    "mobilenet_v2": (262, 3_538_984, 52),
    "efficientnet_b0": (311, 5_330_564, 49),
    "vit_b_16": (152, 86_567_656, 0),
}
"""Each file's floating-point initializers, the values they hold (parameters and batch
norm's running statistics), and its batch norms (each one ``num_batches_tracked`` buffer
PyTorch counts and the file does not hold)."""


def _weighted(report: Report) -> list[tuple[str, tuple[int, ...], int, int, int]]:
    return [
        (row.type, tuple(int(d) for d in row.output_shape), int(row.params), int(row.buffers),
         int(row.macs))
        for row in report.layers
        if row.params or row.buffers or row.macs
    ]  # fmt: skip


@pytest.mark.parametrize("name", list(COVERAGE))
def test_torchvision_export_imports_to_torchvision_counts(name: str) -> None:
    path = FIXTURES / f"{name}.onnx"
    assert path.stat().st_size < 300_000  # the graph alone: its weights are not in the file
    imported = import_onnx(str(path))
    assert imported.skipped == [] and imported.uncounted_parameters == 0
    report = cnncalc.analyze(imported.spec, "flops")
    reference = TORCHVISION[name]
    assert int(report.totals.params) == reference["params"]
    assert int(report.totals.buffers) == reference["buffers"]
    assert int(report.totals.flops) == reference["flop_counter"]  # 2 × MACs
    initializers, values, norms = COVERAGE[name]
    assert (
        f"Coverage: the file's {initializers} floating-point initializers hold {values:,} "
        f"values; the spec's layers count {values:,} of them." in imported.comments
    )
    assert values + norms == reference["params"] + reference["buffers"]
    library = cnncalc.analyze(load_model(name), "flops")
    assert _weighted(report) == _weighted(library)
    assert report.flops_by_convention == library.flops_by_convention
    assert (report.totals.macs, report.totals.neurons) == (
        library.totals.macs,
        library.totals.neurons,
    )


def test_vit_b_16_attention_is_one_layer_per_encoder_block() -> None:
    """``nn.MultiheadAttention`` exports at batch 1 as ~30 nodes between two transposes
    that move the batch axis; each such region is one ``attention`` layer of 12 heads
    and 4·768² + 4·768 = 2,362,368 parameters, as the spec's."""
    imported = import_onnx(str(FIXTURES / "vit_b_16.onnx"))
    report = cnncalc.analyze(imported.spec)
    rows = [row for row in report.layers if row.type == "attention"]
    assert len(rows) == 12
    assert rows[0].name == "/encoder/layers/encoder_layer_0/self_attention/Transpose"
    assert {(int(row.params), tuple(row.output_shape)) for row in rows} == {(2_362_368, (197, 768))}
    spec = cnncalc.analyze(load_model("vit_b_16"))
    assert rows[0].macs == spec.layer("encoder.layers.0.self_attention").macs
    assert (int(report.totals.params), int(report.totals.macs)) == (86_567_656, 17_563_828_224)


class _SelfAttention:
    """``nn.MultiheadAttention(16, 4, batch_first=True)`` on ``[batch, 5, 16]``, as ViT's."""

    @staticmethod
    def export(path: Path, batch: int = 1, bias: bool = True, cross: bool = False) -> str:
        import torch

        class Net(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.attention = torch.nn.MultiheadAttention(16, 4, bias=bias, batch_first=True)

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                other = x * 2 if cross else x
                output: torch.Tensor = self.attention(x, other, other, need_weights=False)[0]
                return output

        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation warning
            torch.onnx.export(
                Net().eval(), (torch.zeros(batch, 5, 16),), str(path), dynamo=False,
                opset_version=17, input_names=["input"], do_constant_folding=True,
            )  # fmt: skip
        return str(path)


@pytest.mark.parametrize(("bias", "params"), [(True, 1088), (False, 1024)])
def test_multihead_attention_at_batch_1_is_attention(
    tmp_path: Path, bias: bool, params: int
) -> None:
    """4·16² (+ 4·16 biases) parameters; 4·5·16² + 2·5·5·16 = 5,920 MACs."""
    imported = import_onnx(_SelfAttention.export(tmp_path / "mha.onnx", bias=bias))
    expected = {"name": "/attention/Transpose", "type": "attention", "heads": 4}
    assert imported.spec["layers"] == [expected if bias else expected | {"bias": False}]
    report = cnncalc.analyze(imported.spec)
    assert (int(report.totals.params), int(report.totals.macs)) == (params, 5920)


def test_multihead_attention_at_batch_2_still_refused(tmp_path: Path) -> None:
    path = _SelfAttention.export(tmp_path / "mha.onnx", batch=2)
    with pytest.raises(CnncalcError) as error:
        import_onnx(path)
    assert str(error.value) == (
        f"{path}: node '/attention/Transpose' (Transpose): it moves the batch axis, and "
        "leaving it out would change the shapes after it"
    )


def test_attention_reading_another_tensor_is_not_taken_as_self_attention(
    tmp_path: Path,
) -> None:
    """Keys and values from ``2·x``: the region between the transposes reads a tensor
    from outside it, which one self-attention layer cannot say."""
    path = _SelfAttention.export(tmp_path / "mha.onnx", cross=True)
    with pytest.raises(CnncalcError) as error:
        import_onnx(path)
    assert "(Transpose): it moves the batch axis" in str(error.value)
