"""The spec checked against ONNX's own shapes, and its parameters against the file's.

Every value a spec layer computes has a shape ONNX's inference states; where
both are numbers they must agree, or the import fails naming the node (a
translation cnncalc got wrong is never written). Then the header accounts for
the file's weights: the floating-point initializers, each counted once
however many nodes read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.ir import NETWORK_INPUT

if TYPE_CHECKING:
    from cnncalc.analysis import Report
    from cnncalc.importers.onnx.importer import Importer


def check_shapes(importer: Importer, report: Report) -> None:
    """Each translated value's shape, cnncalc's against ONNX's inferred one."""
    graph = importer.graph
    names = {row.name for row in report.layers}
    for value, layer in importer.sources.items():
        onnx_shape = graph.shape(value)
        base, _dot, part = layer.rpartition(".")
        if (
            layer == NETWORK_INPUT
            or onnx_shape is None
            or (layer not in names and base not in names)
        ):
            continue
        if not all(isinstance(d, int) for d in onnx_shape[1:]):
            continue
        row = report.layer(layer if layer in names else base)
        shapes = row.output_shapes if layer not in names and row.output_shapes else None
        ours = shapes[int(part)] if shapes else row.output_shape
        if not all(isinstance(d, int) for d in ours):
            continue
        if [int(d) for d in ours] != onnx_shape[1:]:
            node = graph.producers.get(value)
            where = node.where if node is not None else f"value '{value}'"
            message = _(
                "{path}: {where}: cnncalc's output shape {ours} is not ONNX's {theirs} "
                "(without the batch axis); nothing written"
            )
            ours_text = [int(d) for d in ours]
            raise CnncalcError(
                message.format(path=graph.path, where=where, ours=ours_text, theirs=onnx_shape[1:])
            )


def coverage_lines(importer: Importer, report: Report) -> list[str]:
    """The header's account of the file's weights, and of the spec's totals against them."""
    graph = importer.graph
    weights = [
        name for name, tensor in graph.initializers.items() if tensor.data_type in (1, 10, 11, 16)
    ]
    total = sum(graph.elements(name) for name in weights)
    counted = sum(graph.elements(name) for name in importer.counted)
    left = sum(graph.elements(name) for name in importer.left_out - importer.counted)
    rest = total - counted - left
    left_text = f", {left:,} are in nodes left out (below)" if left else ""
    rest_text = f", {rest:,} are constants no layer counts (x/√2, pads) or unused" if rest else ""
    lines = [
        f"Coverage: the file's {len(weights):,} floating-point initializers hold {total:,} "
        f"values; the spec's layers count {counted:,} of them{left_text}{rest_text}."
    ]
    spec = int(report.totals.params) + int(report.totals.buffers)
    norms = sum(1 for row in report.layers if row.type == "batchnorm")
    if spec == counted:
        lines.append(f"The spec's {spec:,} parameters and buffers are exactly those values.")
    elif spec == counted + norms:
        lines.append(
            f"The spec's {spec:,} parameters and buffers are those values and one "
            f"num_batches_tracked buffer per batch norm ({norms:,}), which PyTorch keeps and an "
            "ONNX file does not."
        )
    elif spec > counted:
        lines.append(
            f"The spec counts {spec:,} parameters and buffers against those {counted:,} values: "
            "an initializer read by several layers is counted in each."
        )
    else:
        lines.append(
            f"The spec counts {spec:,} parameters and buffers against those {counted:,} values: "
            "a layer counts fewer values than the initializers it reads."
        )
    return lines
