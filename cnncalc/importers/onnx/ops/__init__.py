"""One translator per ONNX op (the default domain): the table the importer looks ops up in."""

from __future__ import annotations

from cnncalc.importers.onnx.base import Translator
from cnncalc.importers.onnx.ops import (
    activation,
    arithmetic,
    conv,
    dense,
    normalization,
    pooling,
    reshaping,
)

PASS_THROUGH = frozenset({"Identity", "Dropout", "Cast"})
"""Ops that pass their input on unchanged at inference: no layer of their own."""

TRANSLATORS: dict[str, Translator] = {
    "Conv": conv.conv,
    "ConvTranspose": conv.conv_transpose,
    "MaxPool": pooling.pool,
    "AveragePool": pooling.pool,
    "GlobalAveragePool": pooling.global_pool,
    "GlobalMaxPool": pooling.global_pool,
    "ReduceMean": pooling.reduce_mean,
    "Gemm": dense.gemm,
    "MatMul": dense.matmul,
    "BatchNormalization": normalization.batch_norm,
    "LayerNormalization": normalization.layer_norm,
    "InstanceNormalization": normalization.instance_norm,
    "GroupNormalization": normalization.group_norm,
    "LRN": normalization.lrn,
    "Sigmoid": activation.sigmoid,
    "Clip": activation.clip,
    "Softmax": activation.softmax,
    "PRelu": activation.prelu,
    **dict.fromkeys(activation.SIMPLE, activation.simple),
    **dict.fromkeys(("Add", "Sub", "Mul", "Div"), arithmetic.arithmetic),
    "Reshape": reshaping.reshape,
    "Squeeze": reshaping.reshape,
    "Unsqueeze": reshaping.reshape,
    "Flatten": reshaping.flatten,
    "Transpose": reshaping.transpose,
    "Slice": reshaping.slice_,
    "Split": reshaping.split,
    "Gather": reshaping.gather,
    "Concat": reshaping.concat,
    "Pad": reshaping.pad,
    "Resize": reshaping.resize,
    "Upsample": reshaping.resize,
}
