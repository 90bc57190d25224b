"""The intermediate representation: what a network *is*, normalised once.

The spec accepts what users write (``kernel: 5``, ``padding: same``); the IR
holds per-axis tuples and resolved defaults, so no rule has a dimension branch
and no rule imports pydantic. Nodes are frozen dataclasses; each node type has
exactly one rule in :mod:`cnncalc.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeAlias

from cnncalc.arith import Dim, Shape

AxisPadding: TypeAlias = tuple[Dim, Dim]
"""Zero padding of one spatial axis: ``(before, after)``."""

Padding: TypeAlias = tuple[AxisPadding, ...] | Literal["same"]
"""Explicit padding per spatial axis, or Keras/TensorFlow ``same`` (output ``ceil(n/s)``)."""

ConnectionTable: TypeAlias = tuple[tuple[int, ...], ...]
"""For each output map, the indices of the input maps it reads (LeNet-5's Table I)."""


class Activation(StrEnum):
    """Element-wise activation functions."""

    RELU = "relu"
    RELU6 = "relu6"
    TANH = "tanh"
    SIGMOID = "sigmoid"
    SOFTMAX = "softmax"


class PoolKind(StrEnum):
    """The three pooling families.

    ``SUBSAMPLING`` is LeNet-5's trainable pooling (LeCun et al., 1998, §II.B):
    the window's inputs are summed, multiplied by one trainable coefficient per
    map and a trainable bias per map is added.
    """

    MAX = "max"
    AVG = "avg"
    SUBSAMPLING = "subsampling"


@dataclass(frozen=True, slots=True)
class Conv:
    """An N-d convolution; the spatial rank is ``len(kernel)``."""

    filters: Dim
    kernel: tuple[Dim, ...]
    stride: tuple[Dim, ...]
    padding: Padding
    dilation: tuple[Dim, ...]
    groups: Dim = 1
    bias: bool = True
    connection_table: ConnectionTable | None = None
    activation: Activation | None = None


@dataclass(frozen=True, slots=True)
class Pool:
    """Max, average or trainable (subsampling) pooling over a window per map."""

    kind: PoolKind
    kernel: tuple[Dim, ...]
    stride: tuple[Dim, ...]
    padding: Padding
    ceil_mode: bool = False
    activation: Activation | None = None


@dataclass(frozen=True, slots=True)
class Dense:
    """A fully connected layer on a flat input."""

    units: Dim
    bias: bool = True
    activation: Activation | None = None


@dataclass(frozen=True, slots=True)
class RBF:
    """LeNet-5's Euclidean radial basis function output: ``y_i = sum_j (x_j - w_ij)^2``.

    The paper chose its parameter vectors by hand and kept them fixed, so they
    are non-trainable unless ``trainable`` is set.
    """

    units: Dim
    trainable: bool = False


@dataclass(frozen=True, slots=True)
class Flatten:
    """Reshape to one axis; no computation."""


@dataclass(frozen=True, slots=True)
class ElementWise:
    """An activation applied as a layer of its own (``relu``, ``tanh``, ...)."""

    function: Activation


@dataclass(frozen=True, slots=True)
class Dropout:
    """Dropout: the identity at inference."""

    rate: float


@dataclass(frozen=True, slots=True)
class BatchNorm:
    """Batch normalisation over the channel axis, counted as Keras counts it.

    ``scale`` (gamma) and ``center`` (beta) are trainable, one per channel; the
    moving mean and variance are non-trainable, one each per channel.
    """

    center: bool = True
    scale: bool = True


@dataclass(frozen=True, slots=True)
class LRN:
    """AlexNet's local response normalisation across ``size`` neighbouring maps."""

    size: Dim


Node: TypeAlias = Conv | Pool | Dense | RBF | Flatten | ElementWise | Dropout | BatchNorm | LRN
"""Every IR node type; each has one rule registered in :mod:`cnncalc.rules`."""


@dataclass(frozen=True, slots=True)
class Layer:
    """A node in its network: its name, the spec type it came from, and where."""

    name: str
    type: str
    op: Node
    index: int
    """Position in the spec's ``layers`` list, for locating errors."""


@dataclass(frozen=True, slots=True)
class Network:
    """A whole network: an input shape and a chain of layers."""

    name: str
    input_shape: Shape
    layers: tuple[Layer, ...]
    symbolic: bool = False
    """Whether any size is a sympy expression (the spec wrote a formula)."""
