"""ONNX files from PyTorch's default exporter (``dynamo=True``) import to the spec's counts.

Since torch 2.9, ``torch.onnx.export`` exports through ``torch.export`` and
onnxscript by default, then optimizes the graph: node names such as
``node_Conv_291`` (the module a node comes from is in its metadata, key
``pkg.torch.onnx.name_scopes``), opset 18 or later, and each batch norm in eval
folded into the convolution before it (onnxscript's ``FuseBatchNormIntoConv``).
That fold is the exporter's, and the file holds no batch norm: the convolution
gains a bias of C values, and the batch norm's 2·C parameters and 2·C + 1
buffers are not in the file. Every other layer imports as the spec's.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

import cnncalc
from cnncalc.analysis import LayerReport
from cnncalc.importers.onnx import import_onnx
from tests.importers.test_onnx_import import NOT_IN_THE_GRAPH, OTHER_FLOPS
from tests.importers.test_torch_import import columns

pytest.importorskip("onnx")
pytest.importorskip("onnxscript")
torch = pytest.importorskip("torch")

from tests.importers.onnx_export import exportable  # noqa: E402

SPECS = Path(__file__).parents[2] / "specs"


def export(spec: cnncalc.NetworkSpec, path: Path, *, optimize: bool = True) -> None:
    """``spec`` as an ONNX file from the default exporter (``dynamo=True``, opset 18)."""
    network, shape = exportable(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            network, (torch.zeros(1, *shape),), str(path), input_names=["input"],
            optimize=optimize, external_data=False, verbose=False,
        )  # fmt: skip


def owners(path: Path) -> dict[str, str]:
    """Each node's spec layer: the top-level module in its ``name_scopes`` metadata."""
    import onnx

    found: dict[str, str] = {}
    makers: dict[str, str] = {}
    for node in onnx.load(str(path), load_external_data=False).graph.node:
        meta = {p.key: p.value for p in node.metadata_props}
        scopes = ast.literal_eval(meta.get("pkg.torch.onnx.name_scopes", "[]"))
        if len(scopes) > 1:
            found[node.name] = scopes[1].replace("__", ".")
        elif node.input and node.input[0] in makers:
            # A node the optimizer made (the Split of a fused q/k/v projection) has no
            # metadata: it belongs to the layer whose output it reads.
            found[node.name] = found[makers[node.input[0]]]
        makers.update(dict.fromkeys(node.output, node.name))
    return found


def compare(path: Path, onnx_file: Path, *, optimize: bool = True) -> list[str]:
    """Import the default export of ``path``; check each layer against the spec's, and
    return the batch norms folded away (each one's convolution checked with it)."""
    spec = cnncalc.load(path)
    export(spec, onnx_file, optimize=optimize)
    imported = import_onnx(str(onnx_file))
    assert imported.skipped == [] and imported.uncounted_parameters == 0
    original, ours = cnncalc.analyze(spec, "flops"), cnncalc.analyze(imported.spec, "flops")
    names = owners(onnx_file)
    groups: dict[str, list[LayerReport]] = {}
    for row in ours.layers:
        groups.setdefault(names[row.name], []).append(row)
    assert set(groups) <= {row.name for row in original.layers}
    folded: list[str] = []
    absent = NOT_IN_THE_GRAPH.get(path.name)
    for before, row in zip([None, *original.layers], original.layers, strict=False):
        got = groups.get(row.name)
        if row.type == "batchnorm" and got and got[0].type.startswith("conv"):
            # The convolution before it, with a bias of C values; no batch norm.
            assert before is not None and before.name not in groups, row.name
            assert [r.type for r in got] == [before.type], row.name
            channels = int(row.output_shape[0])
            bias = 0 if getattr(before.node, "bias", True) else channels
            assert columns(got)[:5] == (
                columns([before])[0], int(before.trainable_params) + bias, 0, 0,
                int(before.macs),
            ), row.name  # fmt: skip
            folded.append(row.name)
            continue
        expected = columns([row])
        if got is None:
            # A dropout, a flatten folded away, a concat of concats merged into one; the
            # convolution a folded batch norm took in; or the head the eval graph drops.
            assert (
                row.type.startswith("conv") or expected[1:5] == (0, 0, 0, 0)
                or (absent is not None and row.name.startswith(absent))
            ), row.name  # fmt: skip
            continue
        if row.name in OTHER_FLOPS.get(path.name, set()):
            assert columns(got)[:5] == expected[:5] and columns(got)[-1] != expected[-1]
            continue
        assert (columns(got)[:5], columns(got)[-1]) == (expected[:5], expected[-1]), row.name
    return folded


FAST = {"lenet5-modern.yaml": 0, "keras-mnist.yaml": 0, "squeezenet1_0.yaml": 0,
        "resnet18.yaml": 20}  # fmt: skip
"""Specs exported at test time (a few seconds each; every shipped spec imports so, as
measured once: DenseNet-121 folds 59 batch norms, ResNet-50 53, Inception v3 94), and the
batch norms the exporter folds in each."""


@pytest.mark.parametrize("name", list(FAST))
def test_default_export_imports_layer_by_layer(name: str, tmp_path: Path) -> None:
    assert len(compare(SPECS / name, tmp_path / "model.onnx")) == FAST[name]


def test_folded_batch_norm_changes_the_totals_exactly(tmp_path: Path) -> None:
    """ResNet-18's 20 batch norms of 4,800 channels in all: each convolution gains a bias
    (+4,800), the batch norms' 9,600 parameters and 9,620 buffers are not in the file."""
    export(cnncalc.load(SPECS / "resnet18.yaml"), tmp_path / "resnet18.onnx")
    imported = import_onnx(str(tmp_path / "resnet18.onnx"))
    report = cnncalc.analyze(imported.spec)
    assert (report.totals.params, report.totals.buffers) == (11_684_712, 0)
    assert report.totals.macs == 1_814_073_344
    assert imported.comments[0].startswith(
        "Imported by 'cnncalc import onnx' from resnet18.onnx (opset ai.onnx 20 by pytorch "
    )


def test_unoptimized_export_keeps_batch_norm(tmp_path: Path) -> None:
    """``optimize=False`` keeps each ``BatchNormalization``, and writes a convolution's
    absent bias as zeros of the input's type (``CastLike``, then ``Expand`` to C): no bias,
    so ResNet-18 imports layer by layer to the spec's 11,689,512 parameters and 9,620
    buffers (20 of them ``num_batches_tracked``, which PyTorch keeps and ONNX does not)."""
    assert compare(SPECS / "resnet18.yaml", tmp_path / "r.onnx", optimize=False) == []
    report = cnncalc.analyze(import_onnx(str(tmp_path / "r.onnx")).spec)
    assert (report.totals.params, report.totals.buffers) == (11_689_512, 9_620)
