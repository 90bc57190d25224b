"""Named FLOP conventions: what one "operation" is, whose count it matches, how to count it.

Peers disagree on what a FLOP is, and their users most often cannot tell
whether a number is MACs or FLOPs. cnncalc computes every convention for every
layer and prints which one a report's ``flops`` column uses.

Rules state what a layer does (:mod:`cnncalc.work`); each convention is one
function here over those facts, and a layer's count under it is the sum over
the layer's facts. A fact a convention does not name costs nothing under it,
so a new layer type needs nothing here unless a peer counts it specially, and
a new convention is one :class:`Convention` member and one entry of
:data:`CONVENTIONS` (its sentence, its source and its function), all in this
file. The README's per-layer table states each function's cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from cnncalc.arith import Dim, divides, exact_div, prod, total, where
from cnncalc.i18n import N_
from cnncalc.ir import Activation, PoolKind
from cnncalc.work import (
    Activations,
    AdaptivePooling,
    Combination,
    Fact,
    Interpolation,
    MatrixProducts,
    Normalisation,
    NormKind,
    Pooling,
    ScatteredSums,
    WeightedSums,
    Work,
)


class Convention(StrEnum):
    """The FLOP conventions cnncalc can count under (``--convention NAME``)."""

    CONNECTIONS = "connections"
    MACS = "macs"
    FLOPS = "flops"
    TORCHINFO = "torchinfo"
    PTFLOPS = "ptflops"
    FVCORE = "fvcore"
    THOP = "thop"
    TORCHSCAN = "torchscan"


def _connections(fact: Fact) -> Dim:
    """One per weight use and one per bias use; a pooling output ``k·k + 1``.

    《卷积神经网络CNN与LeNet5详解》 counts a layer's operations as its connections
    (计算量 = 连接数), and a pooling output as ``k·k − 1`` comparisons, then a
    coefficient and a bias. Element-wise merges read one value per input;
    upsampling one (nearest) or four (bilinear) per output.
    """
    match fact:
        case WeightedSums():
            return fact.uses
        case ScatteredSums():
            return fact.macs + fact.bias_adds
        case Pooling():
            return (fact.window + 1) * fact.outputs
        case AdaptivePooling():
            return fact.reads + fact.outputs
        case Interpolation():
            return fact.reads * fact.outputs
        case Combination():
            return fact.operands * fact.outputs
        case MatrixProducts():
            return fact.macs  # each output reads ``inner`` pairs
    return 0


def _macs(fact: Fact) -> Dim:
    """Multiply-accumulates: of weights (conv, linear and their kin) and of matrix products
    (attention's ``q·kᵀ`` and ``·v``, as torchvision's published ``_ops`` count them)."""
    match fact:
        case WeightedSums() | ScatteredSums() | MatrixProducts():
            return fact.macs
    return 0


def _flops(fact: Fact) -> Dim:
    """Two per weight multiply-accumulate (FlopCounterMode's ``2·MACs`` for conv and mm)."""
    return 2 * _macs(fact)


def _torchinfo(fact: Fact) -> Dim:
    """torchinfo 1.8 "Mult-Adds": a module's parameters times its output positions.

    A conv or linear layer: weights and biases at each output position, but a
    linear layer's once whatever rows it is applied to (``nn.Linear`` on ``(b, n,
    d)`` tokens: its parameters, measured live with ViT-B/16); a
    transposed conv the same on its output grid, as if it were a forward conv
    (4× the true MACs at stride 2); any other module with parameters (the
    norms) its parameters once; parameter-free modules nothing. Sums a parent
    module computes with ``F.linear`` on its own weights (Swin's window
    attention) nothing: torchinfo charges the modules it sees called.
    """
    match fact:
        case WeightedSums(module=False):
            return 0
        case WeightedSums():
            return fact.parameters * fact.positions
        case ScatteredSums():
            return (fact.weights + fact.biases) * fact.positions
        case Normalisation() | Activations():
            return fact.parameters
    return 0


PTFLOPS_PER_ELEMENT: dict[Activation, int] = {
    # nn.ReLU: its module hook and the patched F.relu inside it both count.
    Activation.RELU: 2,
    # nn.ReLU6 calls F.hardtanh, which ptflops does not patch: the hook alone.
    Activation.RELU6: 1,
    # No hook and no patched function.
    Activation.TANH: 0,
    Activation.SIGMOID: 0,
    # The patched F.softmax alone (nn.Softmax has no hook).
    Activation.SOFTMAX: 1,
    # nn.GELU: a hook and the patched F.gelu; nn.SiLU: F.silu only; nn.Hardswish: neither.
    Activation.GELU: 2,
    Activation.SILU: 1,
    Activation.HARDSWISH: 0,
    # Measured live: nn.LeakyReLU its hook only; nn.ELU and nn.PReLU a hook and a patched
    # F.elu / F.prelu; nn.Hardsigmoid and nn.Mish neither.
    Activation.LEAKY_RELU: 1,
    Activation.ELU: 2,
    Activation.PRELU: 2,
    Activation.HARDSIGMOID: 0,
    Activation.MISH: 0,
}
"""Operations per element ptflops charges (``ptflops/pytorch_ops.py``, ``pytorch_engine.py``)."""

_PTFLOPS_NORM: dict[NormKind, tuple[int, int]] = {
    NormKind.BATCH: (2, 1),
    NormKind.GROUP: (2, 1),
    NormKind.LAYER: (1, 1),  # its hook never doubles for LayerNorm
    NormKind.L2: (0, 0),  # F.normalize: not patched (measured live: 0)
}
"""ptflops per normalised element: (affine, not affine)."""


def _ptflops(fact: Fact) -> Dim:
    """ptflops 0.7.5, default pytorch backend: module hooks plus patched functionals.

    Conv and linear: MACs plus one per bias use. Pooling: one per input element
    from the module hook and again from the patched ``F.max_pool2d`` /
    ``F.avg_pool2d`` (or adaptive) inside it; upsampling two per output the
    same way (``F.interpolate``: ``inputs·∏ ⌊s_i⌋`` for a resize by factors,
    the outputs for one to a size). Activations per :data:`PTFLOPS_PER_ELEMENT`;
    norms per element; LRN by the patched tensor ops inside
    ``F.local_response_norm``: two multiplies and an add per element, and an
    ``avg_pool3d`` over the channel-padded input. Element-wise merges nothing
    (``x + y`` is not the patched ``torch.add``), nor ``F.linear`` (it is not
    patched), a product written with ``@`` (Swin V2's scores) or ``torch.einsum``, or a
    softmax called as a tensor method (MViT's ``attn.softmax``).
    """
    match fact:
        case WeightedSums(module=False) | MatrixProducts(operator=True) | Activations(method=True):
            return 0
        case WeightedSums():
            return fact.uses
        case ScatteredSums():
            return fact.macs + fact.bias_adds
        case MatrixProducts():  # the patched torch.matmul: one per multiply-accumulate
            return fact.macs
        case Activations():
            return PTFLOPS_PER_ELEMENT[fact.function] * fact.elements
        case Pooling() | AdaptivePooling():
            return 2 * fact.inputs
        case Interpolation():  # the module hook, then F.interpolate
            if fact.whole_scale is None:
                return 2 * fact.outputs
            return fact.outputs + fact.inputs * fact.whole_scale
        case Normalisation(kind=NormKind.LOCAL_RESPONSE):
            return 3 * fact.elements + fact.window_inputs
        case Normalisation():
            affine, plain = _PTFLOPS_NORM[fact.kind]
            return (affine if fact.affine else plain) * fact.elements
    return 0


def _fvcore(fact: Fact) -> Dim:
    """fvcore 0.1.5 ``FlopCountAnalysis``: one per fused multiply-add, by its op handles.

    Conv and linear: MACs, no bias. Batch norm in eval mode: 2 per element (1
    without affine); layer and group norm 5 (4 without affine). 2-D adaptive
    average pooling: 1 per input element (1-D and 3-D have no handle).
    Upsampling nearest or bilinear: the inputs each output reads (bicubic has no
    handle). Max and fixed-window pooling, activations, LRN and merges have no
    handle: nothing.
    """
    match fact:
        case WeightedSums() | ScatteredSums() | MatrixProducts():
            return fact.macs
        case AdaptivePooling(kind=PoolKind.AVG, rank=2):
            return fact.inputs
        case Interpolation(mode="nearest" | "bilinear"):
            return fact.reads * fact.outputs
        case Normalisation(kind=NormKind.BATCH):
            return (2 if fact.affine else 1) * fact.elements
        case Normalisation(kind=NormKind.LAYER | NormKind.GROUP):
            return (5 if fact.affine else 4) * fact.elements
    return 0


def _thop(fact: Fact) -> Dim:
    """thop 0.1.1 ``profile()``: a forward hook per leaf module type; functional ops unseen.

    Conv and linear: MACs, no bias; a transposed conv as a forward conv on its
    output grid, ``c_out·h_out·w_out·(c_in/g)·k_h·k_w``. Batch and layer norm:
    2 per element, 4 when affine (group norm has no hook). Softmax over ``c``
    channels: ``3·c − 1`` per position (exponentials, sums, divisions); other
    activations nothing. Average pooling: 1 per output; adaptive average
    pooling: the mean window ``∏ n/o`` plus one per output, ``inputs +
    outputs`` (thop computes it in floating point and truncates: 1 lower where
    ``o`` does not divide ``n``, e.g. 389 for 3×11×11 → 3×3×3). Upsampling: 1
    per output (nearest), 11 (bilinear), 259 (bicubic). Max pooling, LRN and
    merges nothing; nor what a parent module computes with ``F.linear`` or
    ``F.softmax`` (thop hooks modules).
    """
    match fact:
        case WeightedSums(module=False) | Activations(module=False):
            return 0
        case WeightedSums():
            return fact.macs
        case ScatteredSums():
            return fact.weights * fact.positions
        case Activations(function=Activation.SOFTMAX):
            return (3 * fact.channels - 1) * exact_div(fact.elements, fact.channels)
        case Activations(function=Activation.PRELU):
            return fact.elements  # its hook: one per output (measured live)
        case Pooling(kind=PoolKind.AVG):
            return fact.outputs
        case AdaptivePooling(kind=PoolKind.AVG):
            return fact.inputs + fact.outputs
        case Interpolation():
            return THOP_PER_OUTPUT[fact.mode] * fact.outputs
        case Normalisation(kind=NormKind.BATCH | NormKind.LAYER):
            return (4 if fact.affine else 2) * fact.elements
    return 0


THOP_PER_OUTPUT: dict[str, int] = {"nearest": 1, "bilinear": 11, "bicubic": 224 + 35}
"""thop's ``calculate_upsample`` per output; bicubic: 224 to solve its system, 35 to apply it."""


def _torchscan(fact: Fact) -> Dim:
    """torchscan 0.2.0 MACs (``crawl_module``'s ``macs``): a formula per leaf module type.

    Conv and linear: MACs (its bias "included in the accumulation"); a
    transposed conv as a forward conv on its output grid, plus 4 per spatial
    axis for the padding arithmetic. Batch norm in eval mode: 1 per element, 2
    when affine. Max pooling: ``k − 1`` comparisons per output, average pooling
    ``k − 1 + rank`` (the sums and a division per axis), with ``k`` the
    window's size — for a kernel written as a tuple: given one int, torchscan
    takes ``k`` itself (2·out, not 8·out, for ``nn.MaxPool2d(3)``). Adaptive
    pooling the same over one window guessed per axis from the input ``n`` and
    output ``o``: ``n/o`` where ``o`` divides ``n``, else ``n mod o + 1``.
    Activations, other norms, upsampling, merges, matrix products and what a
    parent computes with ``F.linear`` nothing (no formula for their module, or
    no module).
    """
    match fact:
        case WeightedSums(module=False):
            return 0
        case WeightedSums():
            return fact.macs
        case ScatteredSums():
            return fact.weights * fact.positions + 4 * fact.rank
        case Normalisation(kind=NormKind.BATCH):
            return (2 if fact.affine else 1) * fact.elements
        case Pooling(kind=PoolKind.MAX):
            return (fact.window - 1) * fact.outputs
        case Pooling(kind=PoolKind.AVG):
            return (fact.window - 1 + fact.rank) * fact.outputs
        case AdaptivePooling():
            window = prod(where(divides(o, n), n // o, n % o + 1) for n, o in fact.sizes)
            extra = fact.rank if fact.kind is PoolKind.AVG else 0
            return (window - 1 + extra) * fact.outputs
    return 0


@dataclass(frozen=True, slots=True)
class ConventionInfo:
    """One sentence saying what the convention counts, its source, and how it counts a fact.

    ``definition`` and ``source`` are English, marked for the catalog: show them as
    ``_(info.definition)`` and ``_(info.source)`` (JSON keeps the English).
    """

    definition: str
    source: str
    count: Callable[[Fact], Dim]


CONVENTIONS: dict[Convention, ConventionInfo] = {
    Convention.CONNECTIONS: ConventionInfo(
        N_(
            "one per weight use and one per bias, (c_in·k·k + 1) per conv output; "
            "a pooling output costs k·k+1"
        ),
        N_("LeCun et al. 1998; 《卷积神经网络CNN与LeNet5详解》, where 计算量 = 连接数"),
        _connections,
    ),
    Convention.MACS: ConventionInfo(
        N_(
            "one per multiply-accumulate of a weight or of a matrix product (attention's q·kᵀ and "
            "·v); biases, activations, pooling and normalisation cost nothing"
        ),
        N_("fvcore, thop and torchscan for conv and linear"),
        _macs,
    ),
    Convention.FLOPS: ConventionInfo(
        N_(
            "two per multiply-accumulate (a multiply and an add); biases, activations, "
            "pooling and normalisation cost nothing"
        ),
        N_("PyTorch FlopCounterMode"),
        _flops,
    ),
    Convention.TORCHINFO: ConventionInfo(
        N_(
            "multiply-accumulates plus one per bias use; a normalisation layer costs its "
            "parameters; layers without parameters cost nothing"
        ),
        N_("torchinfo 1.8 summary(), Mult-Adds"),
        _torchinfo,
    ),
    Convention.PTFLOPS: ConventionInfo(
        N_(
            "multiply-accumulates (of matmul too) plus one per bias use, plus 2 per pooling input "
            "and per ReLU element (a module hook and a patched functional both count them), 1 per "
            "softmax and ReLU6 element, 2 per batch-norm element"
        ),
        N_("ptflops 0.7.5 get_model_complexity_info, default pytorch backend"),
        _ptflops,
    ),
    Convention.FVCORE: ConventionInfo(
        N_(
            "multiply-accumulates of conv, linear and matmul (no bias), plus 2 per batch-norm "
            "element in eval mode; activations and pooling cost nothing"
        ),
        N_("fvcore 0.1.5 FlopCountAnalysis"),
        _fvcore,
    ),
    Convention.THOP: ConventionInfo(
        N_(
            "multiply-accumulates of conv and linear (no bias), plus 4 per batch- and layer-norm "
            "element, 1 per average-pooling output and 3·c−1 per softmax position; ReLU and max "
            "pooling cost nothing"
        ),
        N_("thop 0.1.1 profile()"),
        _thop,
    ),
    Convention.TORCHSCAN: ConventionInfo(
        N_(
            "multiply-accumulates of conv and linear (no bias), plus 1 per batch-norm element (2 "
            "if affine), k−1 per max-pooling output and k−1+rank per average-pooling output"
        ),
        N_("torchscan 0.2.0 crawl_module(), MACs"),
        _torchscan,
    ),
}

DEFAULT_CONVENTION = Convention.CONNECTIONS
"""The documents' counting: LeNet-5-style exercises are what most users bring."""


def count(work: Work, convention: Convention) -> Dim:
    """What ``work`` costs under ``convention``: its function summed over the facts.

    One or two facts (a layer, maybe with its fused activation) are added
    directly; more (a folded block) as one sum, which on symbols is one
    ``Add`` rather than a re-sorted sum per term.
    """
    function = CONVENTIONS[convention].count
    if len(work) == 1:
        return function(work[0])
    if not work:
        return 0
    if len(work) == 2:
        return function(work[0]) + function(work[1])
    return total(function(fact) for fact in work)


_ORDER = tuple(Convention)  # iterating the enum itself is slow on a 10,000-layer report
_NAMES = tuple(convention.value for convention in _ORDER)
_POSITION: dict[str, int] = {name: index for index, name in enumerate(_NAMES)}
_FUNCTIONS = tuple(CONVENTIONS[convention].count for convention in _ORDER)


@dataclass(frozen=True, slots=True)
class Flops:
    """A count under every convention, in :class:`Convention` order.

    ``flops[Convention.MACS]``, or by name, ``flops.macs``; ``items()`` gives
    ``(name, count)`` pairs. Made from facts by :meth:`of`; sums of
    several layers by :meth:`total`.
    """

    counts: tuple[Dim, ...]

    @classmethod
    def of(cls, work: Work) -> Flops:
        """The cost of ``work`` under every convention."""
        if len(work) == 1:  # most layers: the fast path of a JSON report
            fact = work[0]
            return cls(tuple(function(fact) for function in _FUNCTIONS))
        return cls(tuple(count(work, convention) for convention in _ORDER))

    @classmethod
    def total(cls, items: Iterable[Flops]) -> Flops:
        """The sum of many layers' counts, convention by convention."""
        rows = [item.counts for item in items]
        return cls(tuple(total(row[i] for row in rows) for i in range(len(_ORDER))))

    def __getitem__(self, convention: Convention) -> Dim:
        return self.counts[_POSITION[convention]]

    def __getattr__(self, name: str) -> Dim:
        position = _POSITION.get(name)
        if position is None:
            raise AttributeError(f"no convention named {name!r}")
        return self.counts[position]

    def items(self) -> Iterator[tuple[str, Dim]]:
        """``(name, count)`` pairs, in :class:`Convention` order."""
        return zip(_NAMES, self.counts, strict=True)

    def __add__(self, other: Flops) -> Flops:
        return Flops(tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)))


NO_FLOPS = Flops((0,) * len(Convention))
"""Nothing, under every convention: a layer that states no facts."""
