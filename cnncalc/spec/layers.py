"""The layer types a spec may use: one pydantic model per ``type``.

Each model accepts what users write, normalises it through the field types of
:mod:`cnncalc.spec.fields`, and converts itself to an IR node with ``to_ir``.
They can be built in Python too: ``Conv2d(filters=6, kernel=5)``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat

from cnncalc import ir
from cnncalc.spec.fields import ActivationName, Axes2d, Connections, Count, Padding2d, Rate

_NO_PADDING: tuple[tuple[int, int], ...] = ((0, 0), (0, 0))


class LayerSpec(BaseModel):
    """Fields every layer has."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    name: Annotated[str, Field(min_length=1)] | None = Field(
        default=None,
        description="Unique layer name; generated as '<type>_<n>' when omitted.",
    )

    @property
    def kind(self) -> str:
        """The layer's type name, as the spec writes it."""
        value: str = getattr(self, "type")  # noqa: B009 - every concrete layer declares it
        return value

    def to_ir(self) -> ir.Node:
        """The normalised IR node for this layer."""
        raise NotImplementedError


class Conv2d(LayerSpec):
    """A 2-D convolution (PyTorch ``nn.Conv2d``, Keras ``Conv2D``)."""

    type: Literal["conv2d"] = "conv2d"
    filters: Count = Field(description="Number of output maps (kernels).")
    kernel: Axes2d = Field(description="Kernel size: k or [k_h, k_w].")
    stride: Axes2d = Field(default=(1, 1), description="Stride: s or [s_h, s_w].")
    padding: Padding2d = Field(
        default=_NO_PADDING,
        description="Zero padding: 'valid', 'same' (Keras: output ceil(n/s)), p, [p_h, p_w] "
        "or [[top, bottom], [left, right]].",
    )
    dilation: Axes2d = Field(default=(1, 1), description="Dilation: d or [d_h, d_w].")
    groups: Count = Field(default=1, description="Groups; must divide input and output maps.")
    bias: StrictBool = Field(default=True, description="Whether each output map has a bias.")
    connections: Connections = Field(
        default=None,
        description="Which input maps each output map reads: 'full' (default), 'lenet5' "
        "(the paper's sparse C3 table) or a list of input-map lists, one per output map.",
    )
    activation: ActivationName = Field(default=None, description="Activation applied, Keras style.")

    def to_ir(self) -> ir.Conv:
        return ir.Conv(
            filters=self.filters,
            kernel=self.kernel,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            groups=self.groups,
            bias=self.bias,
            connection_table=self.connections,
            activation=self.activation,
        )


class _Pool2d(LayerSpec):
    kernel: Axes2d = Field(description="Window size: k or [k_h, k_w].")
    stride: Axes2d | None = Field(default=None, description="Stride; defaults to the kernel.")
    padding: Padding2d = Field(default=_NO_PADDING, description="Padding, as for conv2d.")
    ceil_mode: StrictBool = Field(
        default=False, description="Round the output size up, as PyTorch's ceil_mode."
    )
    activation: ActivationName = Field(default=None, description="Activation applied.")

    pool_kind: ClassVar[ir.PoolKind]

    def to_ir(self) -> ir.Pool:
        return ir.Pool(
            kind=self.pool_kind,
            kernel=self.kernel,
            stride=self.stride or self.kernel,
            padding=self.padding,
            ceil_mode=self.ceil_mode,
            activation=self.activation,
        )


class Subsampling(_Pool2d):
    """LeNet-5's trainable subsampling: a window sum times a coefficient, plus a bias, per map."""

    type: Literal["subsampling"] = "subsampling"
    pool_kind = ir.PoolKind.SUBSAMPLING


class MaxPool2d(_Pool2d):
    """Max pooling (PyTorch ``nn.MaxPool2d``, Keras ``MaxPooling2D``)."""

    type: Literal["maxpool2d"] = "maxpool2d"
    pool_kind = ir.PoolKind.MAX


class AvgPool2d(_Pool2d):
    """Average pooling (PyTorch ``nn.AvgPool2d``, Keras ``AveragePooling2D``)."""

    type: Literal["avgpool2d"] = "avgpool2d"
    pool_kind = ir.PoolKind.AVG


class Dense(LayerSpec):
    """A fully connected layer (PyTorch ``nn.Linear``, Keras ``Dense``) on a flat input."""

    type: Literal["dense"] = "dense"
    units: Count = Field(description="Number of output units.")
    bias: StrictBool = Field(default=True, description="Whether each unit has a bias.")
    activation: ActivationName = Field(default=None, description="Activation applied, Keras style.")

    def to_ir(self) -> ir.Dense:
        return ir.Dense(units=self.units, bias=self.bias, activation=self.activation)


class RBF(LayerSpec):
    """LeNet-5's Euclidean radial basis function output units."""

    type: Literal["rbf"] = "rbf"
    units: Count = Field(description="Number of RBF units (classes).")
    trainable: StrictBool = Field(
        default=False,
        description="The paper fixes the RBF parameter vectors by hand: non-trainable by default.",
    )

    def to_ir(self) -> ir.RBF:
        return ir.RBF(units=self.units, trainable=self.trainable)


class Flatten(LayerSpec):
    """Flatten to one axis (the documents' 光栅化, rasterisation)."""

    type: Literal["flatten"] = "flatten"

    def to_ir(self) -> ir.Flatten:
        return ir.Flatten()


class ActivationLayer(LayerSpec):
    """An activation function as a layer of its own (PyTorch ``nn.ReLU`` style)."""

    type: Literal["relu", "relu6", "tanh", "sigmoid", "softmax"]

    def to_ir(self) -> ir.ElementWise:
        return ir.ElementWise(ir.Activation(self.type))


class Dropout(LayerSpec):
    """Dropout: the identity at inference."""

    type: Literal["dropout"] = "dropout"
    rate: Rate = Field(default=0.5, description="Fraction of units dropped in training.")

    def to_ir(self) -> ir.Dropout:
        return ir.Dropout(rate=self.rate)


class BatchNorm(LayerSpec):
    """Batch normalisation over channels, counted as Keras's ``BatchNormalization``."""

    type: Literal["batchnorm"] = "batchnorm"
    center: StrictBool = Field(default=True, description="Learn a shift beta per channel.")
    scale: StrictBool = Field(default=True, description="Learn a scale gamma per channel.")

    def to_ir(self) -> ir.BatchNorm:
        return ir.BatchNorm(center=self.center, scale=self.scale)


class LRN(LayerSpec):
    """AlexNet's local response normalisation (PyTorch ``nn.LocalResponseNorm``)."""

    type: Literal["lrn"] = "lrn"
    size: Count = Field(default=5, description="Number of neighbouring maps (AlexNet: n = 5).")
    alpha: StrictFloat = Field(default=1e-4, description="Does not change any count.")
    beta: StrictFloat = Field(default=0.75, description="Does not change any count.")
    k: StrictFloat | int = Field(default=2.0, description="Does not change any count.")

    def to_ir(self) -> ir.LRN:
        return ir.LRN(size=self.size)


AnyLayer: TypeAlias = Annotated[
    Conv2d
    | Subsampling
    | MaxPool2d
    | AvgPool2d
    | Dense
    | RBF
    | Flatten
    | ActivationLayer
    | Dropout
    | BatchNorm
    | LRN,
    Field(discriminator="type"),
]
"""Any layer, chosen by its ``type`` field."""

LAYER_TYPES: dict[str, type[LayerSpec]] = {
    name: model
    for model in (
        Conv2d, Subsampling, MaxPool2d, AvgPool2d, Dense, RBF, Flatten,
        ActivationLayer, Dropout, BatchNorm, LRN,
    )
    for name in model.model_fields["type"].annotation.__args__  # type: ignore[union-attr]
}  # fmt: skip
"""Every ``type`` name a spec may use, and its model."""
