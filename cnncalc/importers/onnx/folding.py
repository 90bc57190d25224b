"""Shape arithmetic folded to constants, so that shape inference knows every size.

Exporters compute sizes at run time: ``x.reshape(n, c, -1)`` becomes
``Shape``→``Gather``→``Concat``→``Reshape``, and ``token.expand(n, -1, -1)``
goes through ``ConstantOfShape``, ``Equal`` and ``Where``, which ONNX's data
propagation does not follow: later shapes are left unknown. So, as in
onnx-simplifier or onnxruntime's constant folding, each node of a whitelisted
shape op whose inputs are all known small constants is evaluated
(``onnx.reference``, one node at a time), and ``Shape`` of a value whose size
is known is its shape; each becomes a ``Constant``, and shape inference runs
again, at most :data:`MAX_PASSES` times. Weights are never folded (a node that
reads an initializer of floats keeps its inputs, so the weights it reads are
still counted), and nothing of more than :data:`.graph.MAX_CONSTANT_VALUES`
values is made: a hostile ``ConstantOfShape([2³¹])`` is left alone.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from cnncalc.importers.onnx.graph import MAX_CONSTANT_VALUES

if TYPE_CHECKING:
    from onnx import ModelProto

MAX_PASSES = 8
"""Rounds of folding and inference; each round makes the next size known (a chain of
shape ops is folded in one round, since nodes are visited in order)."""

_FOLDABLE = frozenset({
    "Shape", "Size", "Gather", "Slice", "Concat", "Unsqueeze", "Squeeze", "Reshape", "Cast",
    "Add", "Sub", "Mul", "Div", "Equal", "Where", "ConstantOfShape", "Range", "Identity",
    "Neg", "Floor", "Ceil", "Sqrt", "Pow", "Min", "Max", "Abs", "ReduceProd", "Not", "Less",
    "Greater", "Expand", "Transpose", "Mod", "CastLike",
})  # fmt: skip
"""Ops of shape arithmetic; ``ConstantOfShape``, ``Range`` and ``Expand`` are bounded
before they run."""
_FLOATS = frozenset({1, 10, 11, 16})


def fold(model: ModelProto, infer: Any) -> ModelProto:
    """``model`` with its shape arithmetic folded, and shapes inferred (``infer(model)``)."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    model = infer(model)
    for _round in range(MAX_PASSES):
        if not _fold_once(model, opset):
            break
        model = infer(model)
    return model


def _fold_once(model: ModelProto, opset: int) -> bool:
    import numpy
    from onnx import helper, numpy_helper

    graph = model.graph
    weights = {t.name for t in graph.initializer if t.data_type in _FLOATS}
    values: dict[str, Any] = {}
    for tensor in graph.initializer:
        if tensor.data_location != 1 and math.prod(tensor.dims) <= MAX_CONSTANT_VALUES:
            try:
                values[tensor.name] = numpy_helper.to_array(tensor)
            except Exception:  # stored data that does not match its dims
                continue
    shapes = _static_shapes(model)
    types = _element_types(model)
    changed = False
    for index, node in enumerate(graph.node):
        if node.domain not in ("", "ai.onnx"):
            continue
        if node.op_type == "Constant":
            value = _constant_value(node)
            if value is not None and node.output:
                values[node.output[0]] = value
            continue
        if node.op_type not in _FOLDABLE or (
            node.op_type not in ("Shape", "Size") and any(v in weights for v in node.input)
        ):
            continue  # a weight's shape is folded; its values never are
        result = _evaluate(node, values, shapes, types, opset)
        if result is None:
            continue
        for name, array in zip(node.output, result, strict=False):
            values[name] = array
        replacement = helper.make_node(
            "Constant", [], [node.output[0]], name=node.name,
            value=numpy_helper.from_array(numpy.asarray(result[0]), node.output[0]),
        )  # fmt: skip
        graph.node.remove(node)
        graph.node.insert(index, replacement)
        changed = True
    return changed


def _static_shapes(model: ModelProto) -> dict[str, list[int]]:
    shapes: dict[str, list[int]] = {}
    for info in [*model.graph.input, *model.graph.value_info, *model.graph.output]:
        if info.type.WhichOneof("value") != "tensor_type":
            continue
        dims = info.type.tensor_type.shape.dim
        if info.type.tensor_type.HasField("shape") and all(
            d.WhichOneof("value") == "dim_value" for d in dims
        ):
            shapes[info.name] = [int(d.dim_value) for d in dims]
    return shapes


def _element_types(model: ModelProto) -> dict[str, int]:
    """Each value's element type (TensorProto's code), where the file or inference says."""
    types = {t.name: int(t.data_type) for t in model.graph.initializer}
    for info in [*model.graph.input, *model.graph.value_info, *model.graph.output]:
        if info.type.WhichOneof("value") == "tensor_type" and info.type.tensor_type.elem_type:
            types[info.name] = int(info.type.tensor_type.elem_type)
    return types


def _constant_value(node: Any) -> Any:
    from onnx import helper, numpy_helper

    for attribute in node.attribute:
        value = helper.get_attribute_value(attribute)
        if attribute.name == "value":
            if math.prod(value.dims) > MAX_CONSTANT_VALUES or value.data_location == 1:
                return None
            try:
                return numpy_helper.to_array(value)
            except Exception:
                return None
        if attribute.name in ("value_int", "value_float", "value_ints", "value_floats"):
            import numpy

            return numpy.array(value)
    return None


def _evaluate(node: Any, values: dict[str, Any], shapes: dict[str, list[int]],
              types: dict[str, int], opset: int) -> list[Any] | None:  # fmt: skip
    """The node's outputs, if its inputs are known and its outputs small; else None."""
    import numpy

    if node.op_type == "Shape":
        shape = shapes.get(node.input[0]) if node.input else None
        if shape is None:
            return None
        attributes = {a.name: a.i for a in node.attribute}
        start, end = attributes.get("start", 0), attributes.get("end", len(shape))
        return [numpy.array(shape[start:end], dtype=numpy.int64)]
    if node.op_type == "Size":
        shape = shapes.get(node.input[0]) if node.input else None
        return None if shape is None else [numpy.array(math.prod(shape), dtype=numpy.int64)]
    if node.op_type == "CastLike" and len(node.input) == 2 and node.input[0] in values:
        kind = types.get(node.input[1])
        if kind is None:
            return None
        from onnx import helper

        return [numpy.asarray(values[node.input[0]]).astype(helper.tensor_dtype_to_np_dtype(kind))]
    inputs = list(node.input)
    if not inputs or not all(v == "" or v in values for v in inputs):
        return None
    feeds = [values[v] if v else None for v in inputs]
    if not _small_enough(node.op_type, feeds):
        return None
    from onnx.reference import ReferenceEvaluator

    try:
        evaluator = ReferenceEvaluator(node, opsets={"": opset} if opset else None)
        outputs = evaluator.run(None, {v: f for v, f in zip(inputs, feeds, strict=True) if v})
    except Exception:  # an op the reference does not know, or inputs it refuses
        return None
    arrays = [numpy.asarray(o) for o in outputs]
    if any(a.size > MAX_CONSTANT_VALUES for a in arrays):
        return None
    return arrays


def _small_enough(op: str, feeds: list[Any]) -> bool:
    """Refuse, before running, an op whose output would be large (a hostile size)."""
    try:
        if op == "ConstantOfShape":
            return bool(math.prod(int(v) for v in feeds[0].reshape(-1)) <= MAX_CONSTANT_VALUES)
        if op == "Expand":
            target = [int(v) for v in feeds[1].reshape(-1)]
            return bool(math.prod(max(t, 1) for t in target) * max(feeds[0].size, 1)
                        <= MAX_CONSTANT_VALUES)  # fmt: skip
        if op == "Range":
            start, limit, delta = (float(f.reshape(-1)[0]) for f in feeds[:3])
            return delta != 0 and abs((limit - start) / delta) <= MAX_CONSTANT_VALUES
    except (ValueError, TypeError, OverflowError, AttributeError, IndexError):
        return False
    return True
