"""The layer types a spec may use: one pydantic model per ``type``.

Each model accepts what users write, normalises it through the field types of
:mod:`cnncalc.spec.fields`, and converts itself to an IR node with ``to_ir``.
They can be built in Python too: ``Conv2d(filters=6, kernel=5)``. A new layer
type is a model here, listed in :data:`LAYER_MODELS`, and a rule for its IR node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal, TypeAlias, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cnncalc import ir
from cnncalc.errors import SpecError, show_value
from cnncalc.i18n import N_, _
from cnncalc.spec.fields import (
    MAX_AXIS,
    MAX_SIZES,
    ActivationName,
    Axes1d,
    Axes2d,
    Axes3d,
    Axis,
    Connections,
    Count,
    ExplicitPadding2d,
    Extra2d,
    Index,
    Padding1d,
    Padding2d,
    Padding3d,
    PartSizes,
    Rate,
    Real,
    Scales2d,
    Shift,
    Sizes,
    Step,
    Window,
    suggest,
)

_NO_PADDING_1D: tuple[tuple[int, int], ...] = ((0, 0),)
_NO_PADDING: tuple[tuple[int, int], ...] = ((0, 0), (0, 0))
_NO_PADDING_3D: tuple[tuple[int, int], ...] = ((0, 0), (0, 0), (0, 0))


ALIASES = {
    "conv": "conv2d",
    "maxpool": "maxpool2d",
    "max_pooling2d": "maxpool2d",
    "avgpool": "avgpool2d",
    "average_pooling2d": "avgpool2d",
    "linear": "dense",
    "fc": "dense",
    "batchnorm2d": "batchnorm",
    "batch_normalization": "batchnorm",
    "zero_padding2d": "zeropad2d",
    "upsampling2d": "upsample",
    "global_average_pooling2d": "global_avgpool",
    "global_max_pooling2d": "global_maxpool",
    "max_pooling1d": "maxpool1d",
    "average_pooling1d": "avgpool1d",
    "max_pooling3d": "maxpool3d",
    "average_pooling3d": "avgpool3d",
    "view": "reshape",
    "cropping2d": "crop2d",
    "normalization": "standardize",
    "multihead_attention": "attention",
    "interpolate": "upsample",
}
"""Other names a spec may use for a type (PyTorch's and Keras's), and the canonical one."""


@dataclass(frozen=True, slots=True)
class Defaults:
    """Network-wide settings a layer's lowering may need."""

    framework: ir.Framework = ir.Framework.KERAS


DEFAULTS = Defaults()


class LayerSpec(BaseModel):
    """Fields every layer has: a name, and where its input comes from."""

    # defer_build: a model's validator is built the first time a spec uses the
    # type, so start-up pays for the few types a network has, not for all.
    model_config = ConfigDict(
        extra="forbid", frozen=True, hide_input_in_errors=True, defer_build=True
    )

    name: Annotated[str, Field(min_length=1)] | None = Field(
        default=None,
        description="Unique layer name; generated as '<type>_<n>' when omitted.",
    )
    input: Annotated[str, Field(min_length=1)] | None = Field(
        default=None,
        description="The layer it reads ('input' for the network's input); default: the "
        "layer above.",
    )
    inputs: list[Annotated[str, Field(min_length=1)]] | None = Field(
        default=None, description="The layers a merge (add, concat, multiply) reads."
    )
    trainable: StrictBool = Field(
        default=True,
        description="false: the layer is frozen (Keras's layer.trainable = False): its "
        "parameters are non-trainable, and a training step computes no gradient of them.",
    )

    example: ClassVar[Mapping[str, object]] = {}
    """Values of required fields for a smallest example layer (:func:`example_layer`), where
    the default ``1`` is not one (a list of axes, an operation's name)."""

    @model_validator(mode="after")
    def _one_way_in(self) -> LayerSpec:
        if self.input is not None and self.inputs is not None:
            raise PydanticCustomError("cnncalc_value", _("give 'input' or 'inputs', not both"))
        return self

    @property
    def kind(self) -> str:
        """The layer's type name; an alias (``linear``, ``conv``) reads as its canonical name."""
        value: str = getattr(self, "type")  # noqa: B009 - every concrete layer declares it
        return ALIASES.get(value, value)

    @property
    def sources(self) -> tuple[str, ...]:
        """The names of the layers it reads, as written (empty: the layer above)."""
        if self.inputs is not None:
            return tuple(self.inputs)
        return (self.input,) if self.input is not None else ()

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Node:
        """The normalised IR node for this layer."""
        raise NotImplementedError


# -- convolutions ---------------------------------------------------------------------------


class _Conv(LayerSpec):
    filters: Count = Field(description="Number of output maps (kernels).")
    groups: Count = Field(default=1, description="Groups; must divide input and output maps.")
    bias: StrictBool = Field(default=True, description="Whether each output map has a bias.")
    connections: Connections = Field(
        default=None,
        description="Which input maps each output map reads: 'full' (default), 'lenet5' "
        "(the paper's sparse C3 table) or a list of input-map lists, one per output map.",
    )
    activation: ActivationName = Field(default=None, description="Activation applied, Keras style.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Conv:
        return ir.Conv(
            filters=self.filters,
            kernel=getattr(self, "kernel"),  # noqa: B009 - declared per rank below
            stride=getattr(self, "stride"),  # noqa: B009
            padding=getattr(self, "padding"),  # noqa: B009
            dilation=getattr(self, "dilation"),  # noqa: B009
            groups=self.groups,
            bias=self.bias,
            connection_table=self.connections,
            activation=self.activation,
        )


class Conv1d(_Conv):
    """A 1-D convolution over ``[channels, length]`` (PyTorch ``nn.Conv1d``)."""

    type: Literal["conv1d"] = "conv1d"
    kernel: Axes1d = Field(description="Kernel size.")
    stride: Axes1d = Field(default=(1,), description="Stride.")
    padding: Padding1d = Field(default=_NO_PADDING_1D, description="Zero padding.")
    dilation: Axes1d = Field(default=(1,), description="Dilation.")


class Conv2d(_Conv):
    """A 2-D convolution (PyTorch ``nn.Conv2d``, Keras ``Conv2D``)."""

    type: Literal["conv2d", "conv"] = "conv2d"
    kernel: Axes2d = Field(description="Kernel size: k or [k_h, k_w].")
    stride: Axes2d = Field(default=(1, 1), description="Stride: s or [s_h, s_w].")
    padding: Padding2d = Field(
        default=_NO_PADDING,
        description="Zero padding: 'valid', 'same' (Keras: output ceil(n/s)), p, [p_h, p_w] "
        "or [[top, bottom], [left, right]].",
    )
    dilation: Axes2d = Field(default=(1, 1), description="Dilation: d or [d_h, d_w].")


class Conv3d(_Conv):
    """A 3-D convolution over ``[channels, depth, height, width]`` (PyTorch ``nn.Conv3d``)."""

    type: Literal["conv3d"] = "conv3d"
    kernel: Axes3d = Field(description="Kernel size: k or [k_d, k_h, k_w].")
    stride: Axes3d = Field(default=(1, 1, 1), description="Stride.")
    padding: Padding3d = Field(default=_NO_PADDING_3D, description="Zero padding.")
    dilation: Axes3d = Field(default=(1, 1, 1), description="Dilation.")


class ConvTranspose2d(LayerSpec):
    """A 2-D transposed convolution (PyTorch ``nn.ConvTranspose2d``)."""

    type: Literal["conv_transpose2d"] = "conv_transpose2d"
    filters: Count = Field(description="Number of output maps.")
    kernel: Axes2d = Field(description="Kernel size: k or [k_h, k_w].")
    stride: Axes2d = Field(default=(1, 1), description="Stride.")
    padding: ExplicitPadding2d = Field(default=_NO_PADDING, description="Padding removed.")
    output_padding: Extra2d = Field(default=(0, 0), description="Extra size on one side.")
    dilation: Axes2d = Field(default=(1, 1), description="Dilation.")
    groups: Count = Field(default=1, description="Groups.")
    bias: StrictBool = Field(default=True, description="Whether each output map has a bias.")
    activation: ActivationName = Field(default=None, description="Activation applied.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.ConvTranspose:
        return ir.ConvTranspose(
            filters=self.filters,
            kernel=self.kernel,
            stride=self.stride,
            padding=self.padding,
            output_padding=self.output_padding,
            dilation=self.dilation,
            groups=self.groups,
            bias=self.bias,
            activation=self.activation,
        )


# -- pooling ----------------------------------------------------------------------------


class _Pool2d(LayerSpec):
    kernel: Axes2d = Field(description="Window size: k or [k_h, k_w].")
    stride: Axes2d | None = Field(default=None, description="Stride; defaults to the kernel.")
    padding: Padding2d = Field(default=_NO_PADDING, description="Padding, as for conv2d.")
    ceil_mode: StrictBool = Field(
        default=False, description="Round the output size up, as PyTorch's ceil_mode."
    )
    activation: ActivationName = Field(default=None, description="Activation applied.")

    pool_kind: ClassVar[ir.PoolKind]

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Pool:
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

    type: Literal["maxpool2d", "maxpool", "max_pooling2d"] = "maxpool2d"
    pool_kind = ir.PoolKind.MAX


class AvgPool2d(_Pool2d):
    """Average pooling (PyTorch ``nn.AvgPool2d``, Keras ``AveragePooling2D``)."""

    type: Literal["avgpool2d", "avgpool", "average_pooling2d"] = "avgpool2d"
    pool_kind = ir.PoolKind.AVG


class _Pool1d(_Pool2d):
    # The same fields as 2-D pooling, one size each (their types are the same aliases).
    kernel: Axes1d = Field(description="Window size: k.")
    stride: Axes1d | None = Field(default=None, description="Stride; defaults to the kernel.")
    padding: Padding1d = Field(default=_NO_PADDING_1D, description="Padding, as for conv1d.")


class _Pool3d(_Pool2d):
    kernel: Axes3d = Field(description="Window size: k or [k_d, k_h, k_w].")
    stride: Axes3d | None = Field(default=None, description="Stride; defaults to the kernel.")
    padding: Padding3d = Field(default=_NO_PADDING_3D, description="Padding, as for conv3d.")


class MaxPool1d(_Pool1d):
    """Max pooling over a signal (PyTorch ``nn.MaxPool1d``, Keras ``MaxPooling1D``)."""

    type: Literal["maxpool1d", "max_pooling1d"] = "maxpool1d"
    pool_kind = ir.PoolKind.MAX


class AvgPool1d(_Pool1d):
    """Average pooling over a signal (PyTorch ``nn.AvgPool1d``, Keras ``AveragePooling1D``)."""

    type: Literal["avgpool1d", "average_pooling1d"] = "avgpool1d"
    pool_kind = ir.PoolKind.AVG


class MaxPool3d(_Pool3d):
    """Max pooling over a volume or clip (PyTorch ``nn.MaxPool3d``, Keras ``MaxPooling3D``)."""

    type: Literal["maxpool3d", "max_pooling3d"] = "maxpool3d"
    pool_kind = ir.PoolKind.MAX


class AvgPool3d(_Pool3d):
    """Average pooling over a volume or clip (PyTorch ``nn.AvgPool3d``)."""

    type: Literal["avgpool3d", "average_pooling3d"] = "avgpool3d"
    pool_kind = ir.PoolKind.AVG


class AdaptiveAvgPool2d(LayerSpec):
    """Adaptive average pooling to a fixed size (PyTorch ``nn.AdaptiveAvgPool2d``)."""

    type: Literal["adaptive_avgpool2d", "adaptive_maxpool2d"] = "adaptive_avgpool2d"
    output_size: Axes2d = Field(description="Output size: o or [o_h, o_w].")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.AdaptivePool:
        kind = ir.PoolKind.MAX if self.type == "adaptive_maxpool2d" else ir.PoolKind.AVG
        return ir.AdaptivePool(output_size=self.output_size, kind=kind)


class AdaptiveAvgPool1d(LayerSpec):
    """Adaptive pooling of a signal [c, l] to a fixed length (PyTorch ``nn.AdaptiveAvgPool1d``)."""

    type: Literal["adaptive_avgpool1d", "adaptive_maxpool1d"] = "adaptive_avgpool1d"
    output_size: Axes1d = Field(description="Output length: o.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.AdaptivePool:
        kind = ir.PoolKind.MAX if self.type == "adaptive_maxpool1d" else ir.PoolKind.AVG
        return ir.AdaptivePool(output_size=self.output_size, kind=kind)


class AdaptiveAvgPool3d(LayerSpec):
    """Adaptive pooling of a volume or clip [c, d, h, w] to a fixed size (``nn.AdaptiveAvgPool3d``).

    The video models' heads; ``adaptive_maxpool3d``: ``nn.AdaptiveMaxPool3d``."""

    type: Literal["adaptive_avgpool3d", "adaptive_maxpool3d"] = "adaptive_avgpool3d"
    output_size: Axes3d = Field(description="Output size: o or [o_d, o_h, o_w].")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.AdaptivePool:
        kind = ir.PoolKind.MAX if self.type == "adaptive_maxpool3d" else ir.PoolKind.AVG
        return ir.AdaptivePool(output_size=self.output_size, kind=kind)


class GlobalPool(LayerSpec):
    """Global pooling to one value per map (Keras ``GlobalAveragePooling2D``)."""

    type: Literal[
        "global_avgpool", "global_maxpool", "global_average_pooling2d", "global_max_pooling2d"
    ] = "global_avgpool"
    keepdims: StrictBool = Field(
        default=False, description="Keep [C, 1, 1] instead of Keras's flat [C]."
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.AdaptivePool:
        kind = ir.PoolKind.MAX if self.kind == "global_maxpool" else ir.PoolKind.AVG
        return ir.AdaptivePool(output_size=None, kind=kind, flatten=not self.keepdims)


# -- dense, rbf ------------------------------------------------------------------------


class Dense(LayerSpec):
    """A fully connected layer (PyTorch ``nn.Linear``, Keras ``Dense``) on a flat input, on
    each token of [tokens, features], or along any axis."""

    type: Literal["dense", "linear", "fc"] = "dense"
    units: Count = Field(description="Number of output units.")
    bias: StrictBool = Field(default=True, description="Whether each unit has a bias.")
    activation: ActivationName = Field(default=None, description="Activation applied, Keras style.")
    axis: Axis | None = Field(
        default=None,
        description="The axis it acts on (no batch axis): -1 the last, as nn.Linear. Default: "
        "the last of a flat input or of [tokens, features]; a map needs it (or a flatten).",
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Dense:
        return ir.Dense(
            units=self.units, bias=self.bias, activation=self.activation, axis=self.axis
        )


class RBF(LayerSpec):
    """LeNet-5's Euclidean radial basis function output units."""

    type: Literal["rbf"] = "rbf"
    units: Count = Field(description="Number of RBF units (classes).")
    trainable: StrictBool = Field(
        default=False,
        description="The paper fixes the RBF parameter vectors by hand: non-trainable by default.",
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.RBF:
        return ir.RBF(units=self.units, trainable=self.trainable)


# -- shape and pass-through layers ------------------------------------------------------


class Flatten(LayerSpec):
    """Flatten to one axis (the documents' 光栅化, rasterisation), or axes start to end."""

    type: Literal["flatten"] = "flatten"
    start: Axis = Field(default=0, description="First axis merged (0: the channels; no batch).")
    end: Axis = Field(default=-1, description="Last axis merged (-1: the last).")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Flatten:
        return ir.Flatten(start=self.start, end=self.end)


class Reshape(LayerSpec):
    """The same values in a new shape (PyTorch ``view``/``reshape``, Keras ``Reshape``)."""

    type: Literal["reshape", "view"] = "reshape"
    example: ClassVar[Mapping[str, object]] = {"shape": [-1]}
    shape: Sizes = Field(description="The new shape without the batch axis; one size may be -1.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Reshape:
        return ir.Reshape(shape=self.shape)


class Permute(LayerSpec):
    """Axes reordered (PyTorch ``permute``; Keras ``Permute`` counts from 1, cnncalc from 0)."""

    type: Literal["permute"] = "permute"
    example: ClassVar[Mapping[str, object]] = {"dims": [0]}
    dims: list[Axis] = Field(
        min_length=1, max_length=MAX_AXIS + 1,
        description="For each output axis, the input axis it is (no batch axis): [1, 2, 0] "
        "turns (c, h, w) into (h, w, c).",
    )  # fmt: skip

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Permute:
        return ir.Permute(dims=tuple(self.dims))


class Transpose(LayerSpec):
    """Two axes swapped (PyTorch ``transpose``)."""

    type: Literal["transpose"] = "transpose"
    example: ClassVar[Mapping[str, object]] = {"dims": [0, -1]}
    dims: tuple[Axis, Axis] = Field(description="The two axes: [-2, -1] swaps the last two.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Transpose:
        return ir.Transpose(dims=self.dims)


class Unflatten(LayerSpec):
    """One axis split into several (PyTorch ``nn.Unflatten``)."""

    type: Literal["unflatten"] = "unflatten"
    example: ClassVar[Mapping[str, object]] = {"axis": 0, "sizes": [-1]}
    axis: Axis = Field(description="The axis split (no batch axis).")
    sizes: Sizes = Field(description="The new axes' sizes; one may be -1.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Unflatten:
        return ir.Unflatten(axis=self.axis, sizes=self.sizes)


class ChannelShuffle(LayerSpec):
    """ShuffleNet's channel shuffle (PyTorch ``nn.ChannelShuffle``)."""

    type: Literal["channel_shuffle"] = "channel_shuffle"
    groups: Count = Field(description="Groups; must divide the channels.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.ChannelShuffle:
        return ir.ChannelShuffle(groups=self.groups)


class Split(LayerSpec):
    """An axis cut into parts of the given sizes; later layers read part i as 'NAME.i'."""

    type: Literal["split"] = "split"
    example: ClassVar[Mapping[str, object]] = {"sizes": [1]}
    axis: Axis = Field(default=0, description="The axis cut (0: the channels; no batch axis).")
    sizes: PartSizes = Field(description="Each part's size; they add up to the axis.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Split:
        return ir.Split(axis=self.axis, sizes=self.sizes)


class Chunk(LayerSpec):
    """An axis cut into equal parts (PyTorch ``chunk``); part i is read as 'NAME.i'."""

    type: Literal["chunk"] = "chunk"
    axis: Axis = Field(default=0, description="The axis cut (0: the channels; no batch axis).")
    chunks: Annotated[int, Strict(), Field(ge=1, le=MAX_SIZES)] = Field(
        description="How many parts; must divide the axis."
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Split:
        return ir.Split(axis=self.axis, chunks=self.chunks)


class Select(LayerSpec):
    """One index of an axis, which is removed (``x[i]``, PyTorch ``select``)."""

    type: Literal["select"] = "select"
    example: ClassVar[Mapping[str, object]] = {"index": 0}
    axis: Axis = Field(default=0, description="The axis indexed (no batch axis).")
    index: Index = Field(description="The index; negative counts from the end.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Select:
        return ir.Select(axis=self.axis, index=self.index)


class Slice(LayerSpec):
    """``x[start:stop:step]`` along one axis (ViT's class token is ``x[0:1]`` of the tokens)."""

    type: Literal["slice"] = "slice"
    axis: Axis = Field(default=0, description="The axis sliced (no batch axis).")
    start: Index | None = Field(default=None, description="First index kept (default 0).")
    stop: Index | None = Field(default=None, description="Index to stop before (default: end).")
    step: Step = Field(default=1, description="Keep every step-th value.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Slice:
        return ir.Slice(axis=self.axis, start=self.start, stop=self.stop, step=self.step)


class Crop2d(LayerSpec):
    """Values cut from the borders of each map (Keras ``Cropping2D``)."""

    type: Literal["crop2d", "cropping2d"] = "crop2d"
    example: ClassVar[Mapping[str, object]] = {"cropping": 0}
    cropping: ExplicitPadding2d = Field(description="c, [c_h, c_w] or [[top, bottom], [l, r]].")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Crop:
        return ir.Crop(cropping=self.cropping)


class Scalar(LayerSpec):
    """Arithmetic with a constant on each value (``x + 3``, ``x / 6``, Keras op layers)."""

    type: Literal["scalar"] = "scalar"
    example: ClassVar[Mapping[str, object]] = {"op": "multiply", "value": 1}
    op: ir.ScalarOp = Field(description="add, subtract, multiply or divide.")
    value: Real = Field(description="The constant; does not change any count.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Scalar:
        return ir.Scalar(op=self.op, value=float(self.value))


class ActivationLayer(LayerSpec):
    """An activation function as a layer of its own (PyTorch ``nn.ReLU`` style)."""

    type: Literal[
        "relu", "relu6", "tanh", "sigmoid", "hardswish", "gelu", "silu",
        "hardsigmoid", "leaky_relu", "elu", "mish",
    ]  # fmt: skip

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.ElementWise:
        return ir.ElementWise(ir.Activation(self.type))


class Softmax(LayerSpec):
    """Softmax along one axis (PyTorch ``nn.Softmax(dim)``): the channels by default."""

    type: Literal["softmax"] = "softmax"
    axis: Axis = Field(
        default=0, description="The axis normalised (no batch axis): 0 the channels, -1 the last."
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.ElementWise:
        return ir.ElementWise(ir.Activation.SOFTMAX, axis=self.axis)


class PReLU(LayerSpec):
    """Leaky ReLU with learned slopes (PyTorch ``nn.PReLU``, Keras ``PReLU``)."""

    type: Literal["prelu"] = "prelu"
    per_channel: StrictBool = Field(
        default=False, description="One slope per channel (nn.PReLU(c)), not one in all."
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.PReLU:
        return ir.PReLU(per_channel=self.per_channel)


class Dropout(LayerSpec):
    """Dropout: the identity at inference."""

    type: Literal["dropout"] = "dropout"
    rate: Rate = Field(default=0.5, description="Fraction of units dropped in training.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Dropout:
        return ir.Dropout(rate=self.rate)


class Identity(LayerSpec):
    """Passes its input on unchanged: a residual shortcut, a placeholder."""

    type: Literal["identity"] = "identity"

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Identity:
        return ir.Identity()


class ZeroPad2d(LayerSpec):
    """Zero padding (PyTorch ``nn.ZeroPad2d``, Keras ``ZeroPadding2D``)."""

    type: Literal["zeropad2d", "zero_padding2d"] = "zeropad2d"
    padding: ExplicitPadding2d = Field(description="p, [p_h, p_w] or [[top, bottom], [l, r]].")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.ZeroPad:
        return ir.ZeroPad(padding=self.padding)


class Upsample(LayerSpec):
    """Resizing by a factor (integer or fraction) or to a size (``nn.Upsample``, ``F.interpolate``).

    Keras's ``UpSampling2D`` is the integer case."""

    type: Literal["upsample", "upsampling2d", "interpolate"] = "upsample"
    scale: Scales2d | None = Field(
        default=None,
        description="Factor: s or [s_h, s_w], an integer or an exact fraction ('1/2', 0.5, "
        "1.5): each axis becomes floor(n·s), as PyTorch rounds. Default 2 (without size).",
    )
    size: Axes2d | None = Field(
        default=None, description="Output size instead of a factor: o or [o_h, o_w]."
    )
    mode: Literal["nearest", "bilinear", "bicubic"] = Field(
        default="nearest", description="Interpolation."
    )

    @model_validator(mode="after")
    def _scale_or_size(self) -> Upsample:
        if self.scale is not None and self.size is not None:
            raise PydanticCustomError("cnncalc_value", _("give 'scale' or 'size', not both"))
        return self

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Upsample:
        if self.size is not None:
            return ir.Upsample(scale=None, mode=self.mode, size=self.size)
        return ir.Upsample(scale=self.scale or (2, 2), mode=self.mode)


# -- normalisation ----------------------------------------------------------------------


class BatchNorm(LayerSpec):
    """Batch normalisation over channels (Keras ``BatchNormalization``, PyTorch ``BatchNorm2d``)."""

    type: Literal["batchnorm", "batchnorm2d", "batch_normalization"] = "batchnorm"
    center: StrictBool = Field(default=True, description="Learn a shift beta per channel.")
    scale: StrictBool = Field(default=True, description="Learn a scale gamma per channel.")
    framework: ir.Framework | None = Field(
        default=None,
        description="keras: running mean and variance are non-trainable parameters; pytorch: "
        "they are buffers. Default: the spec's framework.",
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.BatchNorm:
        return ir.BatchNorm(
            center=self.center, scale=self.scale, framework=self.framework or defaults.framework
        )


class L2Normalize(LayerSpec):
    """Each vector along an axis divided by its length, x/‖x‖₂ (F.normalize; SSD300)."""

    type: Literal["l2_normalize"] = "l2_normalize"
    axis: Axis = Field(default=0, description="The axis normalised: 0 the channels (no batch).")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.L2Normalize:
        return ir.L2Normalize(axis=self.axis)


class Standardize(LayerSpec):
    """(x − mean)/√variance per channel, fixed statistics (Keras's preprocessing Normalization)."""

    type: Literal["standardize", "normalization"] = "standardize"
    adapted: StrictBool = Field(
        default=True,
        description="The mean and variance are weights adapt() sets, with a count: 2·c + 1 "
        "non-trainable parameters (buffers by framework: pytorch); false: constants, none.",
    )
    framework: ir.Framework | None = Field(
        default=None, description="keras or pytorch. Default: the spec's framework."
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Standardize:
        return ir.Standardize(adapted=self.adapted, framework=self.framework or defaults.framework)


class LayerNorm(LayerSpec):
    """Layer normalisation over each position's channels, or over the whole sample."""

    type: Literal["layernorm"] = "layernorm"
    over: Literal["channels", "all", "last"] = Field(
        default="channels",
        description="What is normalised: a map's channels at each position, the whole "
        "sample, or the last axis (a token's features, nn.LayerNorm(d)).",
    )
    affine: StrictBool = Field(default=True, description="Learn a scale and shift per value.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.LayerNorm:
        return ir.LayerNorm(over=self.over, affine=self.affine)


class GroupNorm(LayerSpec):
    """Group normalisation (PyTorch ``nn.GroupNorm``)."""

    type: Literal["groupnorm"] = "groupnorm"
    groups: Count = Field(description="Number of channel groups; must divide the channels.")
    affine: StrictBool = Field(default=True, description="Learn a scale and shift per channel.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.GroupNorm:
        return ir.GroupNorm(groups=self.groups, affine=self.affine)


class LRN(LayerSpec):
    """AlexNet's local response normalisation (PyTorch ``nn.LocalResponseNorm``)."""

    type: Literal["lrn"] = "lrn"
    size: Count = Field(default=5, description="Number of neighbouring maps (AlexNet: n = 5).")
    alpha: Real = Field(default=1e-4, description="Does not change any count.")
    beta: Real = Field(default=0.75, description="Does not change any count.")
    k: Real = Field(default=2.0, description="Does not change any count.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.LRN:
        return ir.LRN(size=self.size)


# -- merges -----------------------------------------------------------------------------


class Merge(LayerSpec):
    """A layer that combines the layers named in ``inputs``; an axis of size 1 broadcasts."""

    type: Literal["add", "multiply"]

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Add | ir.Multiply:
        return ir.Add() if self.type == "add" else ir.Multiply()


class MatMul(LayerSpec):
    """The matrix product of the two layers named in ``inputs`` (``torch.matmul``)."""

    type: Literal["matmul"] = "matmul"
    transpose_b: StrictBool = Field(
        default=False, description="Read the second input transposed (q·kᵀ)."
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.MatMul:
        return ir.MatMul(transpose_b=self.transpose_b)


class Attention(LayerSpec):
    """Multi-head self- or cross-attention over [tokens, dim] (``nn.MultiheadAttention``, ViT).

    On one input, self-attention; with ``inputs``, queries then keys and values
    (cross-attention), or queries, keys, values (``kdim``, ``vdim``)."""

    type: Literal["attention", "multihead_attention"] = "attention"
    heads: Count = Field(description="Attention heads; must divide the features.")
    bias: StrictBool = Field(default=True, description="Biases in the four projections.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Attention:
        return ir.Attention(heads=self.heads, bias=self.bias)


class RelativePositionBias(LayerSpec):
    """A learned bias added to attention scores [..., heads, N, N], N = a window's positions,
    read from a table by each pair's relative position (MaxViT)."""

    type: Literal["relative_position_bias"] = "relative_position_bias"
    window: Window = Field(description="Window size: n or [n_h, n_w] (MaxViT: 7).")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.RelativePositionBias:
        return ir.RelativePositionBias(window=self.window)


class WindowAttention(LayerSpec):
    """Swin's shifted-window self-attention on a channels-last map [height, width, channels],
    or with a 3-D window on a video's [time, height, width, channels].

    torchvision's ``ShiftedWindowAttention``; version 2: ``ShiftedWindowAttentionV2``; a 3-D
    window: ``ShiftedWindowAttention3d`` (Video Swin)."""

    type: Literal["window_attention"] = "window_attention"
    window: Window = Field(
        description="Window size: n or [n_h, n_w] (Swin-T: 7), or [n_t, n_h, n_w] on a video "
        "(Swin3D-T: [8, 7, 7]; a side longer than the map shrinks to it)."
    )
    shift: Shift = Field(
        default=(0,),
        description="Cyclic shift, n or one per window axis, smaller than the window (Swin: 0, "
        "then window // 2); changes no count.",
    )
    heads: Count = Field(description="Attention heads; must divide the channels.")
    version: Literal[1, 2] = Field(
        default=1,
        description="1: a learned relative position bias table; 2: cosine attention and a "
        "position-bias MLP (Swin V2, 2-D windows).",
    )
    qkv_bias: StrictBool = Field(default=True, description="Biases in the query, key, value.")
    proj_bias: StrictBool = Field(default=True, description="A bias in the output projection.")
    channels_first: StrictBool = Field(
        default=False,
        description="Read [channels, height, width] (or [channels, time, height, width]) "
        "instead (the same counts).",
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.WindowAttention:
        shift = self.shift * len(self.window) if len(self.shift) == 1 else self.shift
        return ir.WindowAttention(
            window=self.window, shift=shift, heads=self.heads, version=self.version,
            qkv_bias=self.qkv_bias, proj_bias=self.proj_bias, channels_first=self.channels_first,
        )  # fmt: skip


class PatchMerging(LayerSpec):
    """Swin's patch merging: [h, w, c] → [⌈h/2⌉, ⌈w/2⌉, 2c] (torchvision's ``PatchMerging``);
    a video's [t, h, w, c] → [t, ⌈h/2⌉, ⌈w/2⌉, 2c] (Video Swin's, frame by frame).

    Version 2: ``PatchMergingV2``, the norm after the reduction."""

    type: Literal["patch_merging"] = "patch_merging"
    version: Literal[1, 2] = Field(
        default=1, description="1: layer norm, then Linear(4c, 2c); 2: the norm after."
    )
    channels_first: StrictBool = Field(
        default=False,
        description="Read [c, h, w] and write [2c, ⌈h/2⌉, ⌈w/2⌉] instead (a video's [c, t, h, w]; "
        "the same counts).",
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.PatchMerging:
        return ir.PatchMerging(version=self.version, channels_first=self.channels_first)


class PoolingAttention(LayerSpec):
    """MViT's multi-head pooling attention on tokens [1 + t·h·w, c]: a class token, then the
    t×h×w grid (torchvision's ``MultiscaleAttention``)."""

    type: Literal["pooling_attention"] = "pooling_attention"
    grid: Axes3d = Field(description="The tokens' grid [t, h, w], after the class token.")
    heads: Count = Field(description="Attention heads; must divide the output features.")
    units: Count | None = Field(
        default=None, description="Output features (MViT's output_dim); default: the input's."
    )
    kernel_q: Axes3d = Field(
        default=(1, 1, 1),
        description="The query pool's kernel (a depthwise Conv3d, padding kernel // 2, then a "
        "layer norm; none where kernel and stride are 1).",
    )
    stride_q: Axes3d = Field(default=(1, 1, 1), description="The query pool's stride.")
    kernel_kv: Axes3d = Field(default=(1, 1, 1), description="The key and value pools' kernel.")
    stride_kv: Axes3d = Field(default=(1, 1, 1), description="The key and value pools' stride.")
    rel_pos: StrictBool = Field(
        default=False, description="MViTv2's decomposed relative position embeddings."
    )
    residual_pool: StrictBool = Field(
        default=False, description="MViTv2 adds the pooled query to the output (no count)."
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.PoolingAttention:
        return ir.PoolingAttention(
            grid=(self.grid[0], self.grid[1], self.grid[2]), heads=self.heads, units=self.units,
            kernel_q=self.kernel_q, stride_q=self.stride_q, kernel_kv=self.kernel_kv,
            stride_kv=self.stride_kv, rel_pos=self.rel_pos, residual_pool=self.residual_pool,
        )  # fmt: skip


class TokenMaxPool(LayerSpec):
    """Max pooling of the t×h×w grid of tokens [1 + t·h·w, c], the class token kept (MViT's
    skip connection)."""

    type: Literal["token_maxpool"] = "token_maxpool"
    grid: Axes3d = Field(description="The tokens' grid [t, h, w], after the class token.")
    kernel: Axes3d = Field(description="Window size: k or [k_t, k_h, k_w].")
    stride: Axes3d | None = Field(default=None, description="Stride; defaults to the kernel.")
    padding: Padding3d = Field(default=_NO_PADDING_3D, description="Padding, as for maxpool3d.")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.TokenMaxPool:
        return ir.TokenMaxPool(
            grid=(self.grid[0], self.grid[1], self.grid[2]), kernel=self.kernel,
            stride=self.stride or self.kernel, padding=self.padding,
        )  # fmt: skip


class SeparablePositionEmbedding(LayerSpec):
    """MViT's learned position of tokens [t·h·w, d]: one per frame plus one per spatial
    position, and a class token first with its own (torchvision's ``PositionalEncoding``)."""

    type: Literal["separable_position_embedding"] = "separable_position_embedding"
    grid: Axes3d = Field(description="The tokens' grid [t, h, w].")
    class_token: StrictBool = Field(
        default=True, description="Put a learned class token first, with a position of its own."
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.SeparablePositionEmbedding:
        return ir.SeparablePositionEmbedding(
            grid=(self.grid[0], self.grid[1], self.grid[2]), class_token=self.class_token
        )


class ClassToken(LayerSpec):
    """A learned token before the others (ViT's class token): [n, d] → [n + 1, d]."""

    type: Literal["class_token"] = "class_token"

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.ClassToken:
        return ir.ClassToken()


class PositionEmbedding(LayerSpec):
    """A learned tensor of the input's shape, added (ViT's position embedding)."""

    type: Literal["position_embedding"] = "position_embedding"

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.PositionEmbedding:
        return ir.PositionEmbedding()


class LayerScale(LayerSpec):
    """A learned scale per channel or feature, multiplied in (ConvNeXt, CaiT)."""

    type: Literal["layer_scale"] = "layer_scale"
    axis: Axis = Field(
        default=0, description="The axis scaled: 0 a map's channels, -1 a token's features."
    )

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.LayerScale:
        return ir.LayerScale(axis=self.axis)


class Concat(LayerSpec):
    """The layers named in ``inputs`` stacked along an axis."""

    type: Literal["concat"] = "concat"
    axis: Axis = Field(default=0, description="The axis stacked along (0: the channels).")

    def to_ir(self, defaults: Defaults = DEFAULTS) -> ir.Concat:
        return ir.Concat(axis=self.axis)


LAYER_MODELS: tuple[type[LayerSpec], ...] = (
    Conv1d, Conv2d, Conv3d, ConvTranspose2d,
    Subsampling, MaxPool2d, AvgPool2d, MaxPool1d, AvgPool1d, MaxPool3d, AvgPool3d,
    AdaptiveAvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool3d, GlobalPool,
    Dense, RBF, Flatten, ActivationLayer, Softmax, PReLU, Dropout, Identity, ZeroPad2d, Upsample,
    BatchNorm, Standardize, L2Normalize, LayerNorm, GroupNorm, LRN, Merge, Concat,
    Reshape, Permute, Transpose, Unflatten, ChannelShuffle, Split, Chunk, Select, Slice,
    Crop2d, Scalar, MatMul, Attention, ClassToken, PositionEmbedding, LayerScale,
    WindowAttention, PatchMerging, PoolingAttention, TokenMaxPool, SeparablePositionEmbedding,
    RelativePositionBias,
)  # fmt: skip
"""Every layer model; the ``type`` values of each are the names a spec may use."""

LAYER_TYPES: dict[str, type[LayerSpec]] = {
    name: model
    for model in LAYER_MODELS
    for name in model.model_fields["type"].annotation.__args__  # type: ignore[union-attr]
}
"""Every ``type`` name a spec may use, and its model."""


def summary(model: type[LayerSpec]) -> str:
    """What a layer model is, in one paragraph: its docstring's first, on one line, without
    reST's ``double backquotes`` (``cnncalc types`` prints it).

    The docstring stays the one place it is written: ``tools/messages.py`` adds each
    summary to the message catalog (they cannot be marked where they are written), and
    ``cnncalc types`` translates them with ``_(summary(model))``.
    """
    paragraph = (model.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines()).replace("``", "")


if TYPE_CHECKING:
    AnyLayer: TypeAlias = LayerSpec
else:
    AnyLayer = Annotated[Union[LAYER_MODELS], Field(discriminator="type")]  # noqa: UP007
"""Any layer, chosen by its ``type`` field (for the JSON Schema; validation uses
:func:`layer_from`, which builds only the models a spec uses)."""


def layer_from(index: int, item: object) -> LayerSpec:
    """The model of layer ``index`` of a spec: the one its ``type`` names, validated.

    Raises :class:`SpecError` located at ``("layers", index, …)``.
    """
    if isinstance(item, LayerSpec):
        return item
    if not isinstance(item, Mapping):
        raise SpecError(
            _("expected a layer (a mapping with 'type'), got {got}").format(got=show_value(item)),
            loc=("layers", index),
        )
    kind = item.get("type")
    if kind is None:
        raise SpecError(
            _("missing 'type' (or 'block'): {hint}").format(hint=_(TYPES_HINT)),
            loc=("layers", index),
        )
    model = LAYER_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        canonical = [name for name in LAYER_TYPES if name not in ALIASES]
        hint = suggest(str(kind), canonical)
        raise SpecError(
            _("unknown layer type {got}{hint}: {types}").format(
                got=show_value(kind), hint=hint, types=_(TYPES_HINT)
            ),
            loc=("layers", index, "type"),
        )
    try:
        return model.model_validate(item)
    except ValidationError as error:
        from cnncalc.spec.diagnostics import from_validation_error

        located = from_validation_error(error, item, model)
        located.loc = ("layers", index, *located.loc)
        raise located from None


TYPES_HINT = N_("'cnncalc types' lists the layer types")
"""Where to find the layer types (marked: shown as ``_(TYPES_HINT)``)."""


def example_layer(type_name: str) -> LayerSpec:
    """A smallest layer of ``type_name``: each required field ``1`` or the model's example."""
    model = LAYER_TYPES[type_name]
    required = {
        name: 1
        for name, info in model.model_fields.items()
        if info.is_required() and name != "type"
    }
    return model.model_validate({"type": type_name, **required, **model.example})
