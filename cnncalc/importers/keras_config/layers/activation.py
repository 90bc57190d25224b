"""Activations: Keras's names for them, and the activation layers.

Keras API reference, "Activation layers" (``ReLU``, ``Softmax``, ``LeakyReLU``,
``PReLU``, ``ELU``) and "Core layers" (``Activation``); the ``activation``
field of convolution and dense layers names a function of ``keras.activations``.
"""

from __future__ import annotations

from typing import Any

from cnncalc.i18n import N_
from cnncalc.importers.keras_config.layers.base import (
    NO_WEIGHTS,
    Call,
    Layer,
    Skip,
    Translator,
    Weights,
)

ACTIVATIONS = {
    "relu": "relu",
    "relu6": "relu6",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "softmax": "softmax",
    "gelu": "gelu",
    "silu": "silu",
    "swish": "silu",
    "hard_silu": "hardswish",
    "hard_swish": "hardswish",
    "hard_sigmoid": "hardsigmoid",
    "leaky_relu": "leaky_relu",
    "elu": "elu",
    "mish": "mish",
}
"""Keras activation names (``keras.activations``) and cnncalc's. Keras 3 writes a
built-in activation as its name and ``swish``/``hard_swish`` as aliases of
``silu``/``hard_silu`` (``keras/src/activations/__init__.py``)."""


def activation_name(value: Any) -> str | None:
    """The activation's name; Keras 3 writes a registered custom one as a dict."""
    if isinstance(value, dict):
        value = value.get("config") if isinstance(value.get("config"), str) else None
        value = value or "custom"
    if value is None or value == "linear":
        return None
    # A registered custom activation is named "package>name".
    return str(value).split(">")[-1].lower()


def activation(call: Call) -> Layer:
    """The ``activation`` field of a convolution or dense layer, where cnncalc has it.

    An activation has no parameters; only the conventions that charge for it
    (ptflops) would count it, so one cnncalc lacks is dropped with a note.
    """
    name = activation_name(call.node.config.get("activation"))
    if name is None:
        return {}
    if name in ACTIVATIONS:
        return {"activation": ACTIVATIONS[name]}
    call.note(
        N_(
            "activation '{name}' left out: cnncalc has no such activation (it has no "
            "parameters; of the conventions only ptflops would count it)"
        ),
        name=name,
    )
    return {}


def _activation_layer(call: Call) -> list[Layer]:
    """Keras ``Activation``: its function as a layer; ``linear`` is the identity."""
    name = activation_name(call.node.config.get("activation"))
    if name is None:
        return [{"type": "identity"}]
    if name not in ACTIVATIONS:
        raise Skip(N_("cnncalc has no '{name}' activation"), weights=NO_WEIGHTS, name=name)
    return [{"type": ACTIVATIONS[name]}]


def _relu(call: Call) -> list[Layer]:
    """Keras ``ReLU(max_value, negative_slope, threshold)``: relu, relu6 at ``max_value=6``,
    leaky_relu with a ``negative_slope``."""
    max_value = call.node.config.get("max_value")
    slope = call.node.config.get("negative_slope") or 0
    threshold = call.node.config.get("threshold") or 0
    if slope == 0 and threshold == 0 and max_value is None:
        return [{"type": "relu"}]
    if slope == 0 and threshold == 0 and max_value == 6:
        return [{"type": "relu6"}]
    if threshold == 0 and max_value is None:
        return [{"type": "leaky_relu"}]
    raise Skip(
        N_(
            "a ReLU with max_value={max_value}, negative_slope={slope}, threshold={threshold}: "
            "cnncalc has relu and relu6"
        ),
        weights=NO_WEIGHTS,
        max_value=max_value,
        slope=slope,
        threshold=threshold,
    )


def _softmax(call: Call) -> list[Layer]:
    """Keras ``Softmax``."""
    return [{"type": "softmax"}]


def _parameter_free_activation(call: Call) -> list[Layer]:
    """``ThresholdedReLU``: no cnncalc type, no parameters."""
    raise Skip(N_("cnncalc has no {name}"), weights=NO_WEIGHTS, name=call.node.keras_class)


def _as(kind: str) -> Translator:
    """``LeakyReLU``, ``ELU``: cnncalc's layer of that name (the slope or alpha changes
    no count)."""

    def translate(call: Call) -> list[Layer]:
        return [{"type": kind}]

    return translate


def _prelu(call: Call) -> list[Layer]:
    """Keras ``PReLU``: a trainable slope (``alpha``) per input value, shared along
    ``shared_axes`` (Keras's ``param_shape``: the input shape, 1 on the shared axes).

    Shared along every axis but the channels, it is cnncalc's ``prelu`` with
    ``per_channel`` (``nn.PReLU(c)``); along all, ``prelu`` (one slope). A slope per
    position has no cnncalc type and is left out, its weights said.
    """
    shared = call.node.config.get("shared_axes") or []
    shared = shared if isinstance(shared, list) else [shared]
    keras_shape = call.keras_shape()
    rank = len(keras_shape)
    channel = 1 if call.channels_first and rank > 1 else rank
    kept = sorted({axis % (rank + 1) for axis in range(1, rank + 1)} - {a % (rank + 1)
                  for a in shared if isinstance(a, int)})  # fmt: skip
    if not kept:
        return [{"type": "prelu"}]
    if kept == [channel]:
        return [{"type": "prelu", "per_channel": True}]
    count: int | None = 1
    for axis, size in enumerate(keras_shape, start=1):
        if axis in kept:
            count = count * size if isinstance(count, int) and isinstance(size, int) else None
    weights = None if count is None else Weights(trainable=count, names=("alpha",))
    raise Skip(N_("a slope per position: cnncalc's prelu has one per channel or one in all"),
               weights=weights)  # fmt: skip


TRANSLATORS: dict[str, Translator] = {
    "Activation": _activation_layer,
    "ReLU": _relu,
    "Softmax": _softmax,
    "LeakyReLU": _as("leaky_relu"),
    "ELU": _as("elu"),
    "ThresholdedReLU": _parameter_free_activation,
    "PReLU": _prelu,
}
