"""``Gemm`` and ``MatMul``: a weight makes a ``dense`` layer, two tensors a ``matmul``.

``Gemm`` computes ``α·A'·B' + β·C``; with ``B`` a weight ``[N, K]`` (``transB = 1``,
how ``nn.Linear`` exports) or ``[K, N]``, it is ``dense`` with ``units = N``
and a bias when ``C`` is given (α and β change no count). ``MatMul`` by a
weight ``[K, N]`` is ``dense`` on the last axis; an ``Add`` of a constant of
``N`` values, its only reader, is folded in as the bias (how ``nn.Linear`` on
tokens exports). ``MatMul`` of two tensors (attention's ``q·kᵀ`` and
``softmax·v``) is cnncalc's ``matmul``.
"""

from __future__ import annotations

import math

from cnncalc.importers.onnx.base import Layer, Skip, Step


def _axis(step: Step) -> Layer:
    """A dense layer on a flat input or on tokens needs no axis; on more axes, the last."""
    return {} if len(step.input_shape()) <= 2 else {"axis": -1}


def gemm(step: Step) -> list[Layer]:
    if step.attribute("transA", 0):
        raise Skip("a Gemm of a transposed input", keeps_shape=False)
    if not step.is_tensor(0) or step.is_tensor(1):
        raise Skip("a Gemm whose second operand is not a weight", keeps_shape=False)
    weight = step.weight_dims(1)
    if len(weight) != 2:
        raise Skip("a Gemm weight that is not a matrix", keeps_shape=False)
    units = weight[0] if step.attribute("transB", 0) else weight[1]
    layer: Layer = {"type": "dense", "units": units}
    if step.has(2) and not step.is_tensor(2):
        step.weight_dims(2)
    else:
        layer["bias"] = False
    return [layer | _axis(step)]


def matmul(step: Step) -> list[Layer]:
    if step.is_tensor(0) and step.is_tensor(1):
        return [{"type": "matmul", "inputs": step.tensors()}]
    if not step.is_tensor(0):
        raise Skip("a product of a constant by a tensor (weight · x)", keeps_shape=False)
    weight = step.weight_dims(1)
    if len(weight) != 2:
        raise Skip("a MatMul by a weight that is not a matrix", keeps_shape=False)
    layer: Layer = {"type": "dense", "units": weight[1]}
    if not _fold_bias(step, weight[1]):
        layer["bias"] = False
    return [layer | _axis(step)]


def _fold_bias(step: Step, units: int) -> bool:
    """Fold the ``Add`` of a bias of ``units`` values that alone reads the product."""
    add = step.only_reader(step.node.outputs[0])
    if add is None or add.op != "Add" or len(add.inputs) != 2:
        return False
    other = add.inputs[1] if add.inputs[0] == step.node.outputs[0] else add.inputs[0]
    if other not in step.graph.constants:
        return False
    shape = step.graph.shape(other)
    if shape is None or not all(isinstance(d, int) for d in shape):
        return False
    if math.prod(d for d in shape if isinstance(d, int)) != units or (shape and shape[-1] != units):
        return False
    step.weights |= step.graph.roots(other)
    step.consume(add)
    return True
