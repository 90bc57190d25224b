"""``MaxPool``, ``AveragePool``, ``GlobalAveragePool``/``GlobalMaxPool`` and a
``ReduceMean`` over every spatial axis (how the dynamo exporter writes
``adaptive_avg_pool2d(x, 1)``)."""

from __future__ import annotations

from cnncalc.i18n import N_
from cnncalc.importers.onnx.base import Layer, Skip, Step, compact
from cnncalc.importers.onnx.ops.conv import window


def pool(step: Step) -> list[Layer]:
    kernel = step.ints("kernel_shape")
    if not kernel or len(kernel) not in (1, 2, 3):
        raise Skip(N_("a pooling window that is not 1-D to 3-D"), keeps_shape=False)
    kind = "maxpool" if step.node.op == "MaxPool" else "avgpool"
    if len(step.node.outputs) > 1 and step.node.outputs[1]:
        raise Skip(N_("its second output (the indices) has no cnncalc type"), keeps_shape=False)
    layer: Layer = {"type": f"{kind}{len(kernel)}d", "kernel": compact(kernel)}
    layer = window(step, kernel, layer)
    if step.attribute("ceil_mode", 0):
        layer["ceil_mode"] = True
    return [layer]


def global_pool(step: Step, keepdims: bool = True) -> list[Layer]:
    spatial = len(step.input_shape()) - 1
    kind = "max" if "Max" in step.node.op else "avg"
    if spatial == 2:
        layer: Layer = {"type": f"global_{kind}pool"}
        return [layer | ({"keepdims": True} if keepdims else {})]
    if spatial in (1, 3) and keepdims:
        return [{"type": f"adaptive_{kind}pool{spatial}d", "output_size": 1}]
    raise Skip(N_("a global pooling of {spatial} axes"), keeps_shape=False, spatial=spatial)


def reduce_mean(step: Step) -> list[Layer]:
    rank = len(step.input_shape()) + 1
    axes = step.ints("axes")
    if axes is None and step.has(1):
        values = step.constant(1)
        axes = None if values is None else [int(v) for v in values.reshape(-1)]
    if axes is None or sorted(a % rank for a in axes) != list(range(2, rank)) or rank < 3:
        raise Skip(N_("a mean over axes other than all spatial ones"), keeps_shape=False)
    return global_pool(step, keepdims=bool(step.attribute("keepdims", 1)))
