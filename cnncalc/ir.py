"""The intermediate representation: what a network *is*, normalised once.

The spec accepts what users write (``kernel: 5``, ``padding: same``); the IR
holds per-axis tuples and resolved defaults, so no rule has a dimension branch
and no rule imports pydantic. Nodes are frozen dataclasses; each node type has
exactly one rule in :mod:`cnncalc.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
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
    HARDSWISH = "hardswish"
    GELU = "gelu"
    SILU = "silu"
    HARDSIGMOID = "hardsigmoid"
    LEAKY_RELU = "leaky_relu"
    ELU = "elu"
    MISH = "mish"
    PRELU = "prelu"
    """Leaky ReLU with learned slopes: a layer of its own (``prelu``), for its parameters."""


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
class ConvTranspose:
    """An N-d transposed convolution (PyTorch ``ConvTranspose2d``).

    Output size per axis: ``(n − 1)·s − p_before − p_after + d·(k − 1) + output_padding + 1``.
    """

    filters: Dim
    kernel: tuple[Dim, ...]
    stride: tuple[Dim, ...]
    padding: tuple[AxisPadding, ...]
    output_padding: tuple[Dim, ...]
    dilation: tuple[Dim, ...]
    groups: Dim = 1
    bias: bool = True
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
    """A fully connected layer: on a flat input, on each token of ``[tokens, features]``, or
    along ``axis`` of any tensor (``nn.Linear`` acts on the last axis)."""

    units: Dim
    bias: bool = True
    activation: Activation | None = None
    axis: int | None = None
    """The axis it acts on; None: the last of a flat input or of tokens (rank 1 or 2)."""


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
    """Axes ``start`` to ``end`` (sample axes, no batch; negative from the end) made one."""

    start: int = 0
    end: int = -1


@dataclass(frozen=True, slots=True)
class Reshape:
    """A new shape of the same values; one size may be ``-1``, inferred (``view``)."""

    shape: tuple[Dim, ...]


@dataclass(frozen=True, slots=True)
class Permute:
    """Axes reordered: output axis ``i`` is input axis ``dims[i]``."""

    dims: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Transpose:
    """Two axes swapped (``torch.transpose``); negative axes count from the end."""

    dims: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Unflatten:
    """One axis split into ``sizes`` (one may be ``-1``, inferred)."""

    axis: int
    sizes: tuple[Dim, ...]


@dataclass(frozen=True, slots=True)
class ChannelShuffle:
    """ShuffleNet's channel shuffle: channels regrouped across ``groups``; shape unchanged."""

    groups: Dim


@dataclass(frozen=True, slots=True)
class Split:
    """An axis cut into parts, each an output of its own (``name.0``, ``name.1``, …).

    ``sizes`` gives each part's size; ``chunks`` (when ``sizes`` is None) cuts
    the axis into that many equal parts, which it must divide.
    """

    axis: int
    sizes: tuple[Dim, ...] | None = None
    chunks: Dim | None = None


@dataclass(frozen=True, slots=True)
class Select:
    """One index of an axis, the axis removed (``x[i]``, ``x.select(axis, i)``)."""

    axis: int
    index: int


@dataclass(frozen=True, slots=True)
class Slice:
    """``x[start:stop:step]`` along one axis, Python's rules (negative from the end)."""

    axis: int
    start: int | None = None
    stop: int | None = None
    step: int = 1


@dataclass(frozen=True, slots=True)
class Crop:
    """Values cut from both ends of each spatial axis (Keras ``Cropping2D``)."""

    cropping: tuple[AxisPadding, ...]


class ScalarOp(StrEnum):
    """Arithmetic with a constant, element by element (``x + 3``, ``x / 6``)."""

    ADD = "add"
    SUBTRACT = "subtract"
    MULTIPLY = "multiply"
    DIVIDE = "divide"


@dataclass(frozen=True, slots=True)
class Scalar:
    """Each value combined with a constant: shape unchanged."""

    op: ScalarOp
    value: float


@dataclass(frozen=True, slots=True)
class ElementWise:
    """An activation applied as a layer of its own (``relu``, ``tanh``, ...)."""

    function: Activation
    axis: int = 0
    """The axis a softmax normalises (no batch axis; negative counts from the end)."""


@dataclass(frozen=True, slots=True)
class PReLU:
    """``max(0, x) + a·min(0, x)`` with a learned slope ``a``, one in all or one per channel."""

    per_channel: bool = False


@dataclass(frozen=True, slots=True)
class Dropout:
    """Dropout: the identity at inference."""

    rate: float


class Framework(StrEnum):
    """Whose parameter accounting to follow where frameworks differ (batch norm's statistics)."""

    KERAS = "keras"
    """Moving mean and variance are non-trainable parameters (``model.summary()``)."""
    PYTORCH = "pytorch"
    """Running mean, variance and ``num_batches_tracked`` are buffers, not parameters."""


@dataclass(frozen=True, slots=True)
class BatchNorm:
    """Batch normalisation over the channel axis.

    ``scale`` (gamma) and ``center`` (beta) are trainable, one per channel. The
    running mean and variance are Keras's non-trainable parameters, or PyTorch's
    buffers (with one ``num_batches_tracked``), by ``framework``.
    """

    center: bool = True
    scale: bool = True
    framework: Framework = Framework.KERAS


@dataclass(frozen=True, slots=True)
class L2Normalize:
    """Each vector along ``axis`` divided by its Euclidean length, ``x/‖x‖₂``
    (``F.normalize``; SSD300's conv4_3 features, over the channels)."""

    axis: int = 0


@dataclass(frozen=True, slots=True)
class Standardize:
    """``(x − mean)/√variance`` per channel with fixed statistics (Keras's preprocessing
    ``Normalization``).

    ``adapted``: the mean and variance are weights that ``adapt()`` sets, with a
    ``count`` of samples seen (``2·c + 1``: non-trainable parameters in Keras,
    buffers by ``framework: pytorch``); otherwise constants, which count nothing.
    """

    adapted: bool = True
    framework: Framework = Framework.KERAS


@dataclass(frozen=True, slots=True)
class LayerNorm:
    """Layer normalisation over the channels (``channels``) or over all of a sample."""

    over: Literal["channels", "all", "last"] = "channels"
    """A map's channels at each position, a whole sample, or the last axis (a token's
    features, ``nn.LayerNorm(d)``)."""
    affine: bool = True


@dataclass(frozen=True, slots=True)
class GroupNorm:
    """Group normalisation: ``groups`` groups of channels, an affine pair per channel."""

    groups: Dim
    affine: bool = True


@dataclass(frozen=True, slots=True)
class AdaptivePool:
    """Adaptive average (or max) pooling to a fixed output size.

    ``output_size`` None is global pooling to one value per map; ``flatten``
    gives ``(C,)`` as Keras's ``GlobalAveragePooling2D`` does, else ``(C, 1, 1)``.
    """

    output_size: tuple[Dim, ...] | None
    kind: PoolKind = PoolKind.AVG
    flatten: bool = False


@dataclass(frozen=True, slots=True)
class ZeroPad:
    """Zero padding of the spatial axes."""

    padding: tuple[AxisPadding, ...]


Scale: TypeAlias = Dim | Fraction
"""A resize factor: an integer (or size formula), or an exact fraction (``1/2``, ``0.75``)."""


@dataclass(frozen=True, slots=True)
class Upsample:
    """Resizing by a ``scale`` per axis (output ``⌊n·s⌋``), or to ``size`` (``nn.Upsample``,
    ``F.interpolate``); nearest, bilinear or bicubic. Exactly one of the two is set."""

    scale: tuple[Scale, ...] | None
    mode: Literal["nearest", "bilinear", "bicubic"] = "nearest"
    size: tuple[Dim, ...] | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """Passes its input on unchanged (a residual shortcut, a placeholder)."""


@dataclass(frozen=True, slots=True)
class Add:
    """Element-wise sum (a residual connection); an axis of size 1 broadcasts."""


@dataclass(frozen=True, slots=True)
class Multiply:
    """Element-wise product, broadcasting from the channel axis (squeeze-and-excitation)."""


@dataclass(frozen=True, slots=True)
class Concat:
    """Concatenation along ``axis``, the channels by default (Inception, DenseNet, Fire)."""

    axis: int = 0


@dataclass(frozen=True, slots=True)
class LRN:
    """AlexNet's local response normalisation across ``size`` neighbouring maps."""

    size: Dim


@dataclass(frozen=True, slots=True)
class MatMul:
    """Batched matrix product of two inputs ``(…, m, k)·(…, k, n)`` (``torch.matmul``);
    with ``transpose_b`` the second is ``(…, n, k)``, read transposed (``q·kᵀ``)."""

    transpose_b: bool = False


@dataclass(frozen=True, slots=True)
class Attention:
    """Multi-head scaled dot-product attention as one layer: query, key and value
    projections, ``softmax(q·kᵀ/√d)·v`` per head, output projection (``nn.MultiheadAttention``).
    On one input ``[tokens, dim]``, self-attention (ViT's); on two, cross-attention of the
    first's tokens (queries) over the second's (keys and values, ``kdim = vdim``); on
    three, queries, keys and values (``kdim``, ``vdim``)."""

    heads: Dim
    bias: bool = True


@dataclass(frozen=True, slots=True)
class WindowAttention:
    """Swin's shifted-window multi-head self-attention on a channels-last ``[h, w, c]`` map
    (torchvision's ``ShiftedWindowAttention``; ``version`` 2: ``ShiftedWindowAttentionV2``,
    cosine attention and a continuous position bias from a small MLP); with a 3-D ``window``
    on a video's ``[t, h, w, c]`` (``ShiftedWindowAttention3d``, Video Swin)."""

    window: tuple[int, ...]
    """``(w_h, w_w)`` or ``(w_t, w_h, w_w)``."""
    shift: tuple[int, ...]
    """One per axis of ``window``."""
    heads: Dim
    version: Literal[1, 2] = 1
    qkv_bias: bool = True
    proj_bias: bool = True
    channels_first: bool = False
    """Read and write ``[c, h, w]`` instead (the same counts; the importer's view of a
    channels-last torch tensor that cnncalc holds channels first)."""


SWIN_CPB_HIDDEN = 512
"""Hidden width of Swin V2's continuous position bias MLP (torchvision's ``cpb_mlp``)."""


@dataclass(frozen=True, slots=True)
class PatchMerging:
    """Swin's patch merging: ``[h, w, c]`` → ``[⌈h/2⌉, ⌈w/2⌉, 2c]`` through each 2×2 patch's
    ``4c`` values, a layer norm and a bias-free linear layer (version 2: the norm after); a
    video's ``[t, h, w, c]`` → ``[t, ⌈h/2⌉, ⌈w/2⌉, 2c]``, each frame alike (Video Swin)."""

    version: Literal[1, 2] = 1
    channels_first: bool = False
    """Read ``[c, h, w]`` and write ``[2c, ⌈h/2⌉, ⌈w/2⌉]`` instead (the same counts)."""


@dataclass(frozen=True, slots=True)
class PoolingAttention:
    """MViT's multi-head pooling attention on ``[1 + t·h·w, c]`` tokens, a class token first and
    then a ``grid`` of ``t×h×w`` (torchvision's ``MultiscaleAttention``): query, key and value
    projections to ``units``; each of q, k, v pooled over the grid by a depthwise
    ``Conv3d(kernel, stride, padding=kernel // 2)`` per head, then layer-normalised, where its
    kernel or stride is more than 1 (the class token passes by the pool); attention per head;
    an output projection. The tokens out are the class token and the pooled query grid's."""

    grid: tuple[Dim, Dim, Dim]
    heads: Dim
    units: Dim | None = None
    """Output features (torchvision's ``output_dim``); None: the input's."""
    kernel_q: tuple[Dim, ...] = (1, 1, 1)
    stride_q: tuple[Dim, ...] = (1, 1, 1)
    kernel_kv: tuple[Dim, ...] = (1, 1, 1)
    stride_kv: tuple[Dim, ...] = (1, 1, 1)
    rel_pos: bool = False
    """MViT v2's decomposed relative position embeddings (per axis, added to the scores)."""
    residual_pool: bool = False
    """MViT v2 adds the pooled query to the output (changes no count)."""


@dataclass(frozen=True, slots=True)
class TokenMaxPool:
    """Max pooling of the ``t×h×w`` grid of ``[1 + t·h·w, c]`` tokens, the class token kept
    (MViT's skip connection, torchvision's ``Pool(nn.MaxPool3d)``)."""

    grid: tuple[Dim, Dim, Dim]
    kernel: tuple[Dim, ...]
    stride: tuple[Dim, ...]
    padding: Padding


@dataclass(frozen=True, slots=True)
class SeparablePositionEmbedding:
    """MViT v1's learned position embedding of ``[t·h·w, d]`` tokens: one per frame plus one per
    spatial position (``(t + h·w)·d``), with ``class_token`` a learned token first and its own
    position (``2·d`` more): torchvision's ``PositionalEncoding``."""

    grid: tuple[Dim, Dim, Dim]
    class_token: bool = True


@dataclass(frozen=True, slots=True)
class ClassToken:
    """A learned token put before the others (ViT's ``class_token``): ``[n, d] → [n + 1, d]``."""


@dataclass(frozen=True, slots=True)
class PositionEmbedding:
    """A learned ``[n, d]`` tensor added to the tokens (ViT's ``pos_embedding``)."""


@dataclass(frozen=True, slots=True)
class LayerScale:
    """A learned scale per feature (channel), multiplied in (CaiT, ConvNeXt's ``layer_scale``)."""

    axis: int = 0
    """The axis whose entries each get a scale: 0 the channels of a map, -1 a token's features."""


@dataclass(frozen=True, slots=True)
class RelativePositionBias:
    """A learned bias added to attention scores ``[…, heads, N, N]`` of ``N = w_h·w_w``
    window positions, read from a table of ``(2·w_h − 1)·(2·w_w − 1)`` entries per head
    by each pair's relative position (MaxViT's ``relative_position_bias_table``)."""

    window: tuple[int, ...]
    """``(w_h, w_w)``; the rule refuses another number of sides."""


Node: TypeAlias = (
    Conv | ConvTranspose | Pool | Dense | RBF | Flatten | ElementWise | Dropout | BatchNorm
    | Standardize | LayerNorm | GroupNorm | LRN | AdaptivePool | ZeroPad | Upsample | Identity
    | Add | Multiply | Concat | Reshape | Permute | Transpose | Unflatten | ChannelShuffle
    | Split | Select | Slice | Crop | Scalar | MatMul | Attention | ClassToken
    | PositionEmbedding | LayerScale | PReLU | WindowAttention | PatchMerging | PoolingAttention
    | TokenMaxPool | SeparablePositionEmbedding | RelativePositionBias | L2Normalize
)  # fmt: skip
"""Every IR node type; each has one rule registered in :mod:`cnncalc.rules`."""

MERGES = (Add, Multiply, Concat, MatMul, Attention)
"""Node types that take several inputs."""

NETWORK_INPUT = "input"
"""The name by which a layer takes the network's input."""

MAX_LAYERS = 200_000
"""Most layers a network may have, as written or once its blocks are expanded.

Every command costs about linear time in the layers (tens of µs each, so
200,000 take seconds); the bound refuses a larger spec before any layer is
validated, so a hostile file cannot make a run take minutes."""

MAX_SYMBOLIC_LAYERS = 5_000
"""Most layers a network with size symbols may have.

Symbolic analysis builds every count as a sympy formula, about 4–7 ms a layer
(against tens of µs for numbers): linear, but 5,000 layers already take about
half a minute, and 200,000 would take over twenty. A spec that large has its
sizes as numbers."""


@dataclass(frozen=True, slots=True)
class Layer:
    """A node in its network: its name, the spec type it came from, its inputs, and where."""

    name: str
    type: str
    op: Node
    index: int
    """Position in the (expanded) ``layers`` list, for locating errors."""
    inputs: tuple[str, ...] = ()
    """Names of the layers it reads (``input`` for the network's input)."""
    block: str | None = None
    """The block the layer was written in, if it came from one."""
    trainable: bool = True
    """False: frozen (a spec's ``trainable: false``): its trainable parameters count as
    non-trainable, as Keras's ``layer.trainable = False`` moves them."""


@dataclass(frozen=True, slots=True)
class Network:
    """A whole network: an input shape and a chain of layers."""

    name: str
    input_shape: Shape
    layers: tuple[Layer, ...]
    symbolic: bool = False
    """Whether any size is a sympy expression (the spec wrote a formula)."""
    other_inputs: tuple[tuple[str, Shape], ...] = ()
    """The network's other inputs, by name, with their shapes (a second image)."""
