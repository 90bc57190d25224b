"""tf.keras 2's ``TFOpLambda``: a TensorFlow function called on Keras tensors.

In a Functional model, ``x + y`` or ``tf.nn.relu(x)`` becomes a ``TFOpLambda``
layer named by its ``function`` field (tf.keras 2 ``layers/core/tf_op_layer.py``).
"""

from __future__ import annotations

from cnncalc.i18n import N_
from cnncalc.importers.keras_config.layers.base import NO_WEIGHTS, Call, Layer, Skip, Translator

_TF_MERGES = {"__operators__.add": "add", "math.add": "add", "math.multiply": "multiply"}
_TF_ACTIVATIONS = {"nn.relu": "relu", "nn.relu6": "relu6", "math.sigmoid": "sigmoid",
                   "nn.sigmoid": "sigmoid", "math.tanh": "tanh", "nn.tanh": "tanh",
                   "nn.softmax": "softmax", "nn.silu": "silu", "nn.swish": "silu",
                   "nn.gelu": "gelu"}  # fmt: skip
_TF_ELEMENTWISE = frozenset({
    "__operators__.add", "math.add", "math.multiply", "math.subtract", "math.truediv",
    "math.divide", "math.scalar_mul", "math.maximum", "math.minimum", "math.exp", "math.log",
    "math.sqrt", "math.square", "math.abs", "math.negative", "nn.leaky_relu", "nn.elu",
    "nn.selu", "math.softplus", "clip_by_value", "cast",
})  # fmt: skip
"""TensorFlow functions whose output has their (one tensor) input's shape."""


def _tf_op(call: Call) -> list[Layer]:
    """tf.keras 2's ``TFOpLambda``: a TensorFlow function called on Keras tensors in a
    Functional model (``x + y``, ``tf.nn.relu(x)``), named by its ``function`` field
    (tf.keras 2 ``layers/core/tf_op_layer.py``)."""
    function = call.text("function", "")
    tensors = len(call.sources)
    if tensors > 1 and function in _TF_MERGES:
        return [{"type": _TF_MERGES[function]}]
    if tensors == 1 and function in _TF_ACTIVATIONS:
        return [{"type": _TF_ACTIVATIONS[function]}]
    keeps_shape = True if tensors == 1 and function in _TF_ELEMENTWISE else None
    message = (
        N_("cnncalc has no layer for tf.{function} (on {count} tensor)")
        if tensors == 1
        else N_("cnncalc has no layer for tf.{function} (on {count} tensors)")
    )
    # A TensorFlow function holds no weights.
    raise Skip(message, keeps_shape, weights=NO_WEIGHTS, function=function, count=tensors)


TRANSLATORS: dict[str, Translator] = {"TFOpLambda": _tf_op}
