"""cnncalc's ONNX import against onnx-tool 1.0.1, the anchor that computes MACs from ONNX.

onnx-tool (``onnx_tool.Model(path).graph.profile()``) gives each node MACs; on the
same files, exported from shipped specs at test time:

- ``Conv`` and ``MatMul`` without a bias, and every shape op: the same MACs as cnncalc
  (both count the multiply-accumulates of the products; reshapes cost nothing);
- ``Conv`` and ``Gemm`` with a bias: onnx-tool adds one MAC per output value for the
  bias addition (AlexNet's fc3 ``Gemm``: 4,097,000 against cnncalc's 4,096,000), which
  cnncalc's MACs leave to the FLOP conventions;
- everything else (batch norm, ReLU, pooling, ``Add``, softmax, layer norm, GELU):
  onnx-tool counts MACs (ResNet-18's first batch norm: 24,887,296, 31 per value), cnncalc
  none: those are not multiply-accumulates of weights, and each FLOP convention says what
  it counts for them.

So ResNet-18 (224×224): onnx-tool 1,895,963,624 MACs, cnncalc 1,814,073,344; ViT-B/16:
18,081,176,759 and 17,563,828,224 (at opset 20, with ``Gelu``); parameters: onnx-tool
counts batch norm's running mean and variance too (ResNet-18: 11,699,112 against
cnncalc's 11,689,512 parameters and 9,600 of those buffers).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import cnncalc
from cnncalc.importers.onnx import import_onnx
from tests.importers.onnx_export import export

onnx_tool = pytest.importorskip("onnx_tool")
numpy = pytest.importorskip("numpy")

PRODUCTS = frozenset({"Conv", "Gemm", "MatMul"})


def profiled(path: Path, shape: list[int]) -> dict[str, tuple[str, int, list[str]]]:
    """onnx-tool's MACs per node: its op, MACs and inputs."""
    model = onnx_tool.Model(str(path))
    graph = model.graph
    graph.graph_reorder_nodes()
    graph.shape_infer({"input": numpy.zeros([1, *shape], dtype="float32")})
    graph.profile()
    return {name: (node.op_type, int(node.macs[0]), list(node.input))
            for name, node in graph.nodemap.items()}  # fmt: skip


@pytest.mark.parametrize("name", ["resnet18.yaml", "vit_b_16.yaml"])
def test_macs_agree_where_the_conventions_match(name: str, tmp_path: Path) -> None:
    spec = cnncalc.load(Path("specs") / name)
    export(spec, tmp_path / "model.onnx")
    imported = import_onnx(str(tmp_path / "model.onnx"))
    report = cnncalc.analyze(imported.spec)
    ours = {row.name: row for row in report.layers}
    theirs = profiled(tmp_path / "model.onnx", [int(n) for n in spec.to_ir().input_shape])
    products = 0
    for node, (op, macs, inputs) in theirs.items():
        row = ours.get(node)
        if row is None:
            continue
        if op in PRODUCTS:
            bias = len(inputs) > 2 and op != "MatMul"
            outputs = math.prod(int(n) for n in row.output_shape)
            assert macs == int(row.macs) + (outputs if bias else 0), node
            products += 1
        else:
            assert int(row.macs) == 0 and macs >= 0, node
    assert products >= 20


def test_alexnet_fc_bias_is_one_mac_per_output(tmp_path: Path) -> None:
    spec = cnncalc.load(Path("specs/alexnet.yaml"))
    export(spec, tmp_path / "alexnet.onnx")
    imported = import_onnx(str(tmp_path / "alexnet.onnx"))
    ours = {row.name: int(row.macs) for row in cnncalc.analyze(imported.spec).layers}
    theirs = profiled(tmp_path / "alexnet.onnx", [3, 227, 227])
    [fc3] = [name for name, (op, _m, _i) in theirs.items() if op == "Gemm" and "fc3" in name]
    assert (ours[fc3], theirs[fc3][1]) == (4_096_000, 4_097_000)
