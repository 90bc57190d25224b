"""An ONNX model file as a cnncalc spec, read with the ``onnx`` package only.

``cnncalc import onnx model.onnx [--input NAME=3,224,224]`` reads the file with
bounds (:mod:`.reading`: its size before parsing, external data never read),
inlines its local functions (:mod:`.functions`, bounded), sets the input's
sizes (:mod:`.inputs`), runs ONNX's shape inference, and translates each node
in order (:mod:`.importer`, one translator per op in
:mod:`.ops`). Parameters are the initializers weight-bearing nodes read
(a convolution's weight and bias, batch norm's four tensors, a ``MatMul``'s
weight and the ``Add`` folded in as its bias, a position embedding), each
counted once in the header's coverage line. Every layer's shape is checked
against ONNX's (:mod:`.checking`). What cnncalc cannot express is listed with
its node's name and the weights it leaves out; a node whose absence would
change later shapes stops the import, naming it. ``onnx`` is imported inside
the functions: the core never imports it (``pip install 'cnncalc[onnx]'``).
"""

from __future__ import annotations

import os

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.importers.common import Imported
from cnncalc.importers.onnx.checking import check_shapes, coverage_lines
from cnncalc.importers.onnx.folding import fold
from cnncalc.importers.onnx.functions import inline_functions
from cnncalc.importers.onnx.graph import Graph
from cnncalc.importers.onnx.importer import Importer
from cnncalc.importers.onnx.inputs import set_input, spec_input
from cnncalc.importers.onnx.reading import read_model, require_onnx

__all__ = ["import_onnx"]


def import_onnx(path: str, given: tuple[str | None, list[int]] | None = None) -> Imported:
    """Translate the ONNX model in ``path``; ``given``: ``--input``'s name and sizes."""
    require_onnx()  # its one-line error before the file is opened
    model = inline_functions(read_model(path), path)
    input_name = set_input(model, path, given)
    input_shape, symbols = spec_input(model, path)
    _check_size(model, path)
    try:
        model = fold(model, _inferred)
    except Exception as error:  # InferenceError, or a node whose attributes make no sense
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CnncalcError(
            _("{path}: ONNX shape inference fails: {reason}").format(path=path, reason=reason)
        ) from None
    graph = Graph(model, path)
    importer = Importer(graph, input_name, symbols)
    importer.run()
    name = model.graph.name or os.path.splitext(os.path.basename(path))[0]
    spec = importer.spec(name, input_shape)
    spec["source"] = f"ONNX model, {os.path.basename(path)}"
    from cnncalc.api import analyze

    try:
        report = analyze(spec)
    except CnncalcError as error:
        raise CnncalcError(
            _("{path}: the translated spec fails: {error}").format(path=path, error=error)
        ) from None
    check_shapes(importer, report)
    return Imported(
        spec=spec,
        skipped=importer.skipped,
        comments=_header(path, model, input_shape) + coverage_lines(importer, report),
        origin=path,
        uncounted_parameters=sum(graph.elements(n) for n in importer.left_out - importer.counted),
    )


def _inferred(model: object) -> object:
    """ONNX's shape inference, strict (a node whose shapes contradict is an error)."""
    onnx = require_onnx()
    return onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)


def _check_size(model: object, path: str) -> None:
    """Refuse, before shape inference, a graph of more nodes than a spec may hold."""
    from cnncalc.spec.blocks import MAX_LAYERS

    count = len(model.graph.node)  # type: ignore[attr-defined]
    if count > MAX_LAYERS:
        raise CnncalcError(
            _("{path}: the graph has {count} nodes; a cnncalc spec holds at most {most} layers")
            .format(path=path, count=f"{count:,}", most=f"{MAX_LAYERS:,}")
        )  # fmt: skip


def _header(path: str, model: object, input_shape: list[int | str]) -> list[str]:
    opsets = ", ".join(
        f"{o.domain or 'ai.onnx'} {o.version}"
        for o in model.opset_import  # type: ignore[attr-defined]
    )
    producer = model.producer_name  # type: ignore[attr-defined]
    made = f" by {producer} {model.producer_version}" if producer else ""  # type: ignore[attr-defined]
    lines = [
        f"Imported by 'cnncalc import onnx' from {os.path.basename(path)} (opset {opsets}{made}).",
        "Layer names are the ONNX nodes'; counts are per sample (the batch axis is dropped); "
        "batch norm counts as PyTorch does (framework: pytorch).",
    ]
    symbols = [size for size in input_shape if isinstance(size, str)]
    if symbols:
        example = ",".join(f"{symbol}=224" for symbol in symbols)
        lines.append(
            f"The file leaves {', '.join(symbols)} open: they are symbols (--subs {example})."
        )
    return lines
