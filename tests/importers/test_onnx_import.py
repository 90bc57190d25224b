"""The ONNX importer: every shipped spec PyTorch can build, exported to ONNX and read back.

Each spec becomes a torch network, is exported with ``torch.onnx.export``
(:mod:`tests.importers.onnx_export`), and imported with ``cnncalc import onnx``;
the imported layers, grouped by the spec layer their node names come from,
must give that layer's output shape, parameters, buffers, MACs and FLOPs under
every convention. Where they cannot, the difference is listed here with why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cnncalc
from cnncalc.analysis import LayerReport
from cnncalc.importers.onnx import import_onnx
from tests.conftest import NUMERIC_SPECS
from tests.importers.onnx_export import export, owner
from tests.importers.test_torch_import import columns
from tests.test_torch_differential import NOT_IN_PYTORCH

pytest.importorskip("onnx")

LIBRARY = Path(cnncalc.__file__).parent / "models"
ROUND_TRIP = [p for p in NUMERIC_SPECS if p.name not in NOT_IN_PYTORCH] + [
    LIBRARY / name for name in ("googlenet.yaml", "inception_v3.yaml", "zfnet.yaml")
]
"""The shipped specs, and the library's models with layers the specs do not have (GoogLeNet's
and ZFNet's LRN, which PyTorch writes out as 35 nodes; Inception v3's asymmetric kernels)."""

NOT_IN_THE_GRAPH = {"inception_v3.yaml": "AuxLogits."}
"""Layers the exported graph does not hold: Inception v3's auxiliary head is computed in
training only (torchvision's ``InceptionAux``); the spec counts it, an eval export drops it."""

OTHER_FLOPS = {"alexnet-torchvision.yaml": {"avgpool"}, "vgg16.yaml": {"avgpool"}}
"""``AdaptiveAvgPool2d((7, 7))`` on a 7×7 map (6×6 for AlexNet) exports as an
``AveragePool`` of kernel 1: the same shape, parameters and MACs, but conventions that
count an adaptive pool's reads differently from a 1×1 window's give other FLOPs."""


def _compare(path: Path, onnx_file: Path) -> None:
    spec = cnncalc.load(path)
    export(spec, onnx_file)
    imported = import_onnx(str(onnx_file))
    assert imported.skipped == []
    assert imported.uncounted_parameters == 0
    original, ours = cnncalc.analyze(spec, "flops"), cnncalc.analyze(imported.spec, "flops")
    groups: dict[str, list[LayerReport]] = {}
    for row in ours.layers:
        groups.setdefault(owner(row.name), []).append(row)
    names = {row.name for row in original.layers}
    assert set(groups) <= names, set(groups) - names
    absent = NOT_IN_THE_GRAPH.get(path.name)
    for row in original.layers:
        expected = columns([row])
        if row.name not in groups:
            # A dropout, a flatten folded away, a concat of concats merged into one: nothing
            # lost; or the head that the eval graph does not run.
            assert (absent and row.name.startswith(absent)) or not any(expected[1:5]), row.name
            assert (absent and row.name.startswith(absent)) or expected[-1].counts == (0,) * 8
            continue
        got = columns(groups[row.name])
        if row.name in OTHER_FLOPS.get(path.name, set()):
            assert got[:5] == expected[:5] and got[-1] != expected[-1], row.name
            continue
        assert (got[:5], got[-1]) == (expected[:5], expected[-1]), row.name
    if absent is None:
        assert ours.totals.params == original.totals.params
        assert ours.totals.macs == original.totals.macs


@pytest.mark.parametrize("path", ROUND_TRIP, ids=lambda p: p.name)
def test_shipped_spec_round_trips_through_onnx(path: Path, tmp_path: Path) -> None:
    _compare(path, tmp_path / "model.onnx")


def test_vit_b_16_attention_as_exported(tmp_path: Path) -> None:
    """ViT-B/16's attention exports as MatMul–Softmax–MatMul with reshapes computed by
    Shape/Gather/Concat: folded, it imports to the spec's 86,567,656 parameters and
    17,563,828,224 MACs (torchvision's documented 86,567,656 and 17.564 GMACs)."""
    spec = cnncalc.load(Path("specs/vit_b_16.yaml"))
    export(spec, tmp_path / "vit.onnx")
    imported = import_onnx(str(tmp_path / "vit.onnx"))
    report = cnncalc.analyze(imported.spec)
    assert (report.totals.params, report.totals.macs) == (86_567_656, 17_563_828_224)
    types = [layer["type"] for layer in imported.spec["layers"]]
    assert types.count("matmul") == 24 and types.count("softmax") == 12
    assert (
        "Coverage: the file's 152 floating-point initializers hold 86,567,656 values; the "
        "spec's layers count 86,567,656 of them." in imported.comments
    )


def test_symbolic_sizes_become_symbols(tmp_path: Path) -> None:
    """An export with ``dynamic_axes`` leaves height and width open (``dim_param``): the
    spec's input is ``[3, height, width]``, and at 224 its counts are the static export's."""
    spec = cnncalc.load(Path("specs/resnet18.yaml"))
    export(spec, tmp_path / "dynamic.onnx", dynamic=True)
    imported = import_onnx(str(tmp_path / "dynamic.onnx"))
    assert imported.spec["input"] == [3, "height", "width"]
    assert (
        "The file leaves height, width open: they are symbols (--subs height=224,width=224)."
        in imported.comments
    )
    from cnncalc.api import analyze_at_values, loads

    text = imported.to_yaml()
    report = analyze_at_values(loads(text), overrides={"height": 224, "width": 224})
    assert (report.totals.params, report.totals.macs) == (11_689_512, 1_814_073_344)
    fixed = import_onnx(str(tmp_path / "dynamic.onnx"), ("input", [3, 224, 224]))
    assert fixed.spec["input"] == [3, 224, 224]
    assert cnncalc.analyze(fixed.spec).totals.macs == 1_814_073_344
