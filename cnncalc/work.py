"""What a layer does, stated as facts: the vocabulary rules speak and conventions count.

A rule says what its layer computes — so many weight multiply-accumulates, so
many elements through a ReLU, a 2×2 max over so many windows — and never what
a peer tool reports. Each FLOP convention is one function over these facts
(:mod:`cnncalc.conventions`), and so is every metric derived from them. A new
layer type states its facts and is counted under every convention at once; a
layer that computes nothing (flatten, concat, a reshape) states none, which is
zero under every convention.

Facts are frozen dataclasses of :data:`~cnncalc.arith.Dim` values (ints, or
sympy expressions on the symbolic path), so substitution and floor compaction
walk them as they walk any count. A field keeps the grouping its rule wrote
(LeNet-5's C3 parameters by kind of row): conventions multiply fields, they do
not expand them, so formulas read as the documents write them.

Where a peer counts the equivalent ``torch.nn`` module in its own way, the fact
carries what that needs, as facts about that module: the input elements of a
pooling layer (ptflops charges them), a transposed convolution's weights and
output positions (torchinfo charges them as a forward convolution would), a
normalisation's parameters (torchinfo charges a module's parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeAlias

from cnncalc.arith import Dim
from cnncalc.ir import Activation, PoolKind


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightedSums:
    """At each of ``positions`` output positions, outputs that are weighted sums plus a bias.

    A convolution (``weights = c_in·k_h·k_w/g·c_out`` per position), a dense
    layer (``n·m``, one position), LeNet-5's subsampling unit (``k_h·k_w`` per
    output: its window summed and scaled by one coefficient; the peers see a
    depthwise conv with one shared weight per map) and RBF layer (``n·m``
    squared differences; the peers see a linear layer without bias).

    - weight multiply-accumulates: ``weights·positions``
    - weight and bias uses, the paper's connections: ``parameters·positions``,
      where ``parameters`` is the weights plus one per bias that a position
      uses (``(c_in·k_h·k_w/g + 1)·c_out``), grouped as the rule writes them
    """

    weights: Dim
    parameters: Dim
    positions: Dim = 1
    rows: Dim = 1
    """How many rows a linear layer is applied to (the tokens of ``[tokens, features]``):
    ``nn.Linear`` on a ``(b, n, d)`` tensor, which torchinfo counts once, where it counts
    a convolution at each of its ``positions``."""
    module: bool = True
    """Whether PyTorch computes them with a module of their own (``nn.Linear``), whose
    forward hook torchinfo, thop and ptflops see; False where a parent module calls
    ``F.linear`` on its own weights (Swin's window attention), which those peers miss."""

    @property
    def macs(self) -> Dim:
        """Weight multiply-accumulates, ``weights·positions·rows``."""
        return self.weights * self.positions * self.rows

    @property
    def uses(self) -> Dim:
        """Weight and bias uses, ``parameters·positions·rows``."""
        return self.parameters * self.positions * self.rows


@dataclass(frozen=True, slots=True, kw_only=True)
class ScatteredSums:
    """A transposed convolution: each input value meets ``per_input`` weights, added into outputs.

    ``per_input = (c_out/g)·k_h·k_w``; ``biases`` (``c_out``, or 0) are added at
    each of ``positions`` output positions. The module holds ``weights =
    c_in·per_input`` weights and the biases.

    - weight multiply-accumulates: ``inputs·per_input`` (``c_in·h_in·w_in·(c_out/g)·k_h·k_w``)
    - bias adds: ``biases·positions``
    """

    per_input: Dim
    inputs: Dim
    weights: Dim
    biases: Dim
    positions: Dim
    rank: int = 2
    """Spatial axes (``nn.ConvTranspose2d``: 2), which torchscan charges 4 operations each."""

    @property
    def macs(self) -> Dim:
        """Weight multiply-accumulates, ``inputs·per_input``."""
        return self.inputs * self.per_input

    @property
    def bias_adds(self) -> Dim:
        """One per bias and output position, ``biases·positions``."""
        return self.biases * self.positions


@dataclass(frozen=True, slots=True, kw_only=True)
class Activations:
    """``function`` applied to each of ``elements`` values (an activation layer or field).

    ``channels`` is the size of the first axis, over which a softmax normalises:
    at each of ``elements/channels`` positions, ``channels`` exponentials, their
    sum and as many divisions.
    """

    function: Activation
    elements: Dim
    channels: Dim
    parameters: Dim = 0
    """Learned parameters of the function (PReLU's slopes), which torchinfo charges once."""
    module: bool = True
    """Whether PyTorch applies it with a module (``nn.Softmax``), whose hook thop sees;
    False for a functional call inside a parent module (``F.softmax``), which thop misses."""
    method: bool = False
    """Called as a tensor method (MViT's ``attn.softmax(dim=-1)``), which ptflops does not
    patch (it patches ``F.softmax``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Pooling:
    """A max or average over a fixed window of ``window`` inputs, for each of ``outputs``.

    ``window = k_h·k_w`` reads per output (a max takes ``k_h·k_w − 1``
    comparisons of them); ``inputs`` is the input's element count.
    """

    kind: PoolKind
    window: Dim
    outputs: Dim
    inputs: Dim
    rank: int = 2
    """Spatial axes: torchscan charges an average one more operation per output for each."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AdaptivePooling:
    """Adaptive (or global) max or average pooling: windows of varying size, maybe overlapping.

    ``reads`` is the windows' total size (every input read by every window it
    falls in), ``outputs`` the pooled values, ``inputs`` the input's elements.
    """

    kind: PoolKind
    reads: Dim
    outputs: Dim
    inputs: Dim
    rank: int = 2
    """Spatial axes pooled: fvcore has a handle for 2-D adaptive average pooling only."""
    sizes: tuple[tuple[Dim, Dim], ...] = ()
    """Each spatial axis's input and output size, from which torchscan guesses one window."""


InterpolationMode: TypeAlias = Literal["nearest", "bilinear", "bicubic"]
"""How an interpolated value is made: its nearest input, or 2×2 or 4×4 of them weighted."""

READS: dict[str, int] = {"nearest": 1, "bilinear": 4, "bicubic": 16}
"""Inputs read per interpolated output, by mode."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Interpolation:
    """Resizing (``nn.Upsample``): each of ``outputs`` reads 1 input (``nearest``), 4
    (``bilinear``) or 16 (``bicubic``) of the ``inputs``.

    ``whole_scale`` is ``∏ ⌊s_i⌋`` for a resize by per-axis factors ``s_i``, None for
    one to a given size: ptflops's patched ``F.interpolate`` charges
    ``inputs·∏ ⌊s_i⌋`` for the first (it truncates each factor to an integer: 0 for
    ``(0.5, 0.5)``) and the outputs for the second.
    """

    mode: InterpolationMode
    outputs: Dim
    inputs: Dim = 0
    whole_scale: Dim | None = None

    @property
    def reads(self) -> int:
        """Inputs read per output: 1 (nearest), 4 (bilinear) or 16 (bicubic)."""
        return READS[self.mode]


class NormKind(StrEnum):
    """Normalisation families: what their statistics run over."""

    BATCH = "batch"
    LAYER = "layer"
    GROUP = "group"
    LOCAL_RESPONSE = "local_response"
    L2 = "l2"
    """Each vector divided by its Euclidean length (``F.normalize``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Normalisation:
    """``elements`` values normalised; with ``affine``, each is scaled or shifted after.

    ``parameters`` are the module's trainable scales and shifts. Local response
    normalisation sums squares over a window of neighbouring channels:
    ``window_inputs`` is the channel-padded input that window slides over,
    ``(c + size − 1)·h·w`` (0 for the other kinds).
    """

    kind: NormKind
    elements: Dim
    affine: bool
    parameters: Dim = 0
    window_inputs: Dim = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Combination:
    """``operands`` inputs combined element by element into each of ``outputs`` values."""

    kind: Literal["add", "multiply"]
    operands: int
    outputs: Dim


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixProducts:
    """``batch`` products of an ``rows×inner`` and an ``inner×columns`` matrix, no weights:
    attention's ``q·kᵀ`` and ``(softmax)·v``, ``torch.matmul``.

    - multiply-accumulates: ``batch·rows·columns·inner`` (FlopCounterMode counts
      ``bmm`` as twice that, fvcore and ptflops once)
    """

    batch: Dim
    rows: Dim
    columns: Dim
    inner: Dim
    operator: bool = False
    """Written with Python's ``@`` (``Tensor.__matmul__``, Swin V2's cosine scores) or
    ``torch.einsum`` (MViT v2's relative positions), which ptflops does not patch, rather
    than ``torch.matmul``/``Tensor.matmul``, which it does."""

    @property
    def macs(self) -> Dim:
        """``batch·rows·columns·inner``."""
        return self.batch * self.rows * self.columns * self.inner


Fact: TypeAlias = (
    WeightedSums | ScatteredSums | Activations | Pooling | AdaptivePooling | Interpolation
    | Normalisation | Combination | MatrixProducts
)  # fmt: skip
"""One thing a layer does; a new kind of operation is a new member."""

Work: TypeAlias = tuple[Fact, ...]
"""Everything a layer does, in order (a convolution's sums, then its fused activation)."""


def activations(function: Activation | None, elements: Dim, channels: Dim) -> Work:
    """A fused ``activation:`` field: ``function`` on the layer's outputs, or nothing."""
    if function is None:
        return ()
    return (Activations(function=function, elements=elements, channels=channels),)
