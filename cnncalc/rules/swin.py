"""Swin Transformer's layers on a channels-last map ``[h, w, c]`` (Video Swin's on a video's
``[t, h, w, c]``): window attention, patch merging.

As torchvision 0.29 writes them (``ShiftedWindowAttention``, ``…V2``,
``PatchMerging``, ``PatchMergingV2``): the attention's projections are
``F.linear`` calls on the module's own weights, its softmax ``F.softmax``, so
the peers that hook modules (torchinfo, thop, ptflops's module hooks) see
them as nothing; the facts say so (:mod:`cnncalc.work`), and each convention
counts what its peer counts (measured live on the torchvision modules).
"""

from __future__ import annotations

from functools import partial

from cnncalc.arith import Dim, Shape, ceil_div, divides, exact_div, prod, require, where
from cnncalc.errors import RuleError, show_value
from cnncalc.i18n import _, ngettext
from cnncalc.ir import SWIN_CPB_HIDDEN, Activation, PatchMerging, WindowAttention
from cnncalc.rules.base import LayerCounts, rule
from cnncalc.rules.window import format_shape
from cnncalc.work import Activations, MatrixProducts, Normalisation, NormKind, WeightedSums, Work


def _channels_last(
    input_shape: Shape, layer: str, channels_first: bool, ranks: tuple[int, ...] = (2,)
) -> tuple[tuple[Dim, ...], Dim]:
    """``((h, w), c)`` of a ``[h, w, c]`` map, or ``((t, h, w), c)`` of a video's
    ``[t, h, w, c]`` (of a ``[c, h, w]``/``[c, t, h, w]`` one, ``channels_first``), for the
    numbers of spatial axes in ``ranks``."""
    if len(input_shape) - 1 not in ranks:
        video = 3 in ranks
        shape = format_shape(input_shape)
        if channels_first:
            message = (
                _("{layer} needs a map [channels, height, width] or [channels, time, height, "
                  "width], got {shape}")
                if video
                else _("{layer} needs a map [channels, height, width], got {shape}")
            )  # fmt: skip
            raise RuleError(None, message.format(layer=layer, shape=shape))
        message = (
            _("{layer} needs a channels-last map [height, width, channels] or [time, height, "
              "width, channels], got {shape}: permute a map with dims [1, 2, 0] (a video's "
              "[1, 2, 3, 0]) first")
            if video
            else _("{layer} needs a channels-last map [height, width, channels], got {shape}: "
                   "permute a map with dims [1, 2, 0] first")
        )  # fmt: skip
        raise RuleError(None, message.format(layer=layer, shape=shape))
    if channels_first:
        return tuple(input_shape[1:]), input_shape[0]
    return tuple(input_shape[:-1]), input_shape[-1]


def _heads(heads: Dim, channels: Dim) -> str:
    return _("heads={heads} must divide the {channels} channels").format(
        heads=show_value(heads), channels=show_value(channels)
    )


def _window_needs(rank: int, window: tuple[int, ...], input_shape: Shape) -> str:
    shape = format_shape(input_shape)
    if len(window) == 3:
        message = ngettext(
            "a 3-D window [time, height, width] on a map of {rank} spatial axis {shape}",
            "a 3-D window [time, height, width] on a map of {rank} spatial axes {shape}",
            rank,
        )
    else:
        message = ngettext(
            "a {sides}-D window [height, width] on a map of {rank} spatial axis {shape}",
            "a {sides}-D window [height, width] on a map of {rank} spatial axes {shape}",
            rank,
        )
    return message.format(sides=len(window), rank=rank, shape=shape)


@rule(WindowAttention)
def window_attention(node: WindowAttention, input_shape: Shape) -> LayerCounts:
    """Multi-head self-attention within each ``w_h×w_w`` window of an ``[h, w, c]`` map (or
    each ``w_t×w_h×w_w`` window of a video's ``[t, h, w, c]``).

    The map is padded to whole windows, ``⌈h/w_h⌉·⌈w/w_w⌉`` of ``N = w_h·w_w``
    tokens each, ``T = ⌈h/w_h⌉·w_h·⌈w/w_w⌉·w_w`` tokens in all (padding included,
    as PyTorch computes them); the shift rolls the map and masks the scores,
    which changes no count. Output ``[h, w, c]``; ``d = c/heads``. A 3-D window
    side longer than its axis shrinks to the axis (torchvision's
    ``ShiftedWindowAttention3d`` does so, and then does not shift it): the
    windows and ``N`` are the shrunk ones, the parameters the window's.

    - trainable params: ``3·c² + 3·c`` (query, key and value, ``qkv_bias``) and
      ``c² + c`` (``proj_bias``), then version 1: the relative position bias
      table, ``(2·w_h − 1)·(2·w_w − 1)·heads`` (Swin-T stage 1, ``c = 96``,
      window 7, 3 heads: 37,755; a 3-D window: ``(2·w_t − 1)·(2·w_h − 1)·(2·w_w − 1)·heads``);
      version 2: ``heads`` logit scales and the
      position-bias MLP ``Linear(2, 512) + ReLU + Linear(512, heads)`` without the
      last bias, ``3·512 + 512·heads``
    - buffers: the relative position index, ``N²`` integers (int64; of the window as
      given; version 2 also the coordinates table, ``2·(2·w_h − 1)·(2·w_w − 1)``, floats)
    - work: the projections on ``T`` tokens (``4·T·c²`` MACs), per window and
      head ``q·kᵀ`` and the weights times ``v`` (``2·T·N·c`` MACs), a softmax
      over each of the ``heads·T`` rows of ``N`` scores; version 2 adds the MLP
      on the ``(2·w_h − 1)·(2·w_w − 1)`` coordinates, once whatever the batch
      (cnncalc counts one sample: a batch of ``b`` costs ``b`` times the rest
      and once this), and its sigmoid. The bias and mask added to the scores,
      V2's cosine normalisation and logit scale are element-wise steps no peer
      counts; they are left out of every convention
    - neurons: the ``h·w·c`` outputs; connections: every weight, bias and
      product use (V2 zeroes the key bias at each call: ``2·c`` bias uses)
    """
    rank = len(node.window)
    sizes, channels = _channels_last(input_shape, "window_attention", node.channels_first, (2, 3))
    if len(sizes) != rank:
        raise RuleError("window", _window_needs(len(sizes), node.window, input_shape))
    if len(node.shift) != rank:
        raise RuleError(
            "shift",
            _("{count} shifts for a {rank}-D window: give one per window axis").format(
                count=len(node.shift), rank=rank
            ),
        )
    if rank == 3 and node.version == 2:
        raise RuleError("version", _("version 2 (Swin V2) takes a 2-D window [height, width]"))
    for shift, window in zip(node.shift, node.window, strict=True):
        if shift >= window:
            raise RuleError(
                "shift",
                _("a shift of {shift} is not smaller than the window of {window}").format(
                    shift=shift, window=window
                ),
            )
    require(divides(node.heads, channels), "heads", partial(_heads, node.heads, channels))
    heads, v2 = node.heads, node.version == 2
    head_dim = exact_div(channels, heads)
    # Video Swin shrinks a window side to a shorter axis; 2-D Swin pads the map instead.
    windowed: tuple[Dim, ...] = (
        tuple(where(n <= w, n, w) for n, w in zip(sizes, node.window, strict=True))
        if rank == 3
        else node.window
    )
    windows = prod(ceil_div(n, w) for n, w in zip(sizes, windowed, strict=True))
    size = prod(windowed)
    tokens = windows * size
    qkv_biases: Dim = (2 if v2 else 3) * channels if node.qkv_bias else 0
    qkv = WeightedSums(
        weights=3 * channels * channels,
        parameters=3 * channels * channels + qkv_biases,
        rows=tokens,
        module=False,
    )
    proj = WeightedSums(
        weights=channels * channels,
        parameters=channels * channels + (channels if node.proj_bias else 0),
        rows=tokens,
        module=False,
    )
    scores = MatrixProducts(
        batch=windows * heads, rows=size, columns=size, inner=head_dim, operator=v2
    )
    mixed = MatrixProducts(batch=windows * heads, rows=size, columns=head_dim, inner=size)
    softmax = Activations(
        function=Activation.SOFTMAX, elements=windows * heads * size * size, channels=size,
        module=False,
    )  # fmt: skip
    table = prod(2 * w - 1 for w in node.window)
    indexed = prod(node.window)
    bias_work: Work = ()
    if v2:
        hidden = SWIN_CPB_HIDDEN
        bias_work = (
            WeightedSums(weights=2 * hidden, parameters=3 * hidden, rows=table),
            Activations(function=Activation.RELU, elements=table * hidden, channels=hidden),
            WeightedSums(weights=hidden * heads, parameters=hidden * heads, rows=table),
            Activations(
                function=Activation.SIGMOID, elements=heads * size * size, channels=heads,
                module=False,
            ),
        )  # fmt: skip
        position_params: Dim = heads + 3 * hidden + hidden * heads
        buffers: Dim = indexed * indexed + 2 * table
    else:
        position_params = table * heads
        buffers = indexed * indexed
    biases: Dim = (3 * channels if node.qkv_bias else 0) + (channels if node.proj_bias else 0)
    connections = qkv.uses + scores.macs + mixed.macs + proj.uses
    for fact in bias_work:
        if isinstance(fact, WeightedSums):
            connections += fact.uses
    return LayerCounts(
        output_shape=input_shape,
        trainable_params=4 * channels * channels + biases + position_params,
        buffers=buffers,
        integer_buffers=indexed * indexed,  # the relative-position index (int64)
        neurons=prod(sizes) * channels,
        connections=connections,
        work=(*bias_work, qkv, scores, softmax, mixed, proj),
    )


@rule(PatchMerging)
def patch_merging(node: PatchMerging, input_shape: Shape) -> LayerCounts:
    """``[h, w, c]`` → ``[⌈h/2⌉, ⌈w/2⌉, 2·c]``: each 2×2 patch's ``4·c`` values (the map
    padded to even sizes), layer-normalised, then a linear layer ``4·c → 2·c`` without
    bias; version 2 normalises the ``2·c`` outputs instead. A video's ``[t, h, w, c]`` is
    merged frame by frame: ``[t, ⌈h/2⌉, ⌈w/2⌉, 2·c]`` (Video Swin uses the same module).

    - trainable params: ``8·c²`` and the norm's ``2·4·c`` (version 2: ``2·2·c``);
      Swin-T's first, ``c = 96``: 74,496
    - work: ``8·c²`` MACs at each of the ``(t·)⌈h/2⌉·⌈w/2⌉`` positions, and the norm
    - neurons: the outputs; connections: the weight uses
    """
    sizes, channels = _channels_last(input_shape, "patch_merging", node.channels_first, (2, 3))
    frames, (height, width) = sizes[:-2], sizes[-2:]
    out_h, out_w = ceil_div(height, 2), ceil_div(width, 2)
    positions = prod((*frames, out_h, out_w))
    linear = WeightedSums(
        weights=8 * channels * channels, parameters=8 * channels * channels, rows=positions
    )
    normed = (2 if node.version == 2 else 4) * channels
    norm = Normalisation(
        kind=NormKind.LAYER, elements=positions * normed, affine=True, parameters=2 * normed
    )
    return LayerCounts(
        output_shape=(2 * channels, *frames, out_h, out_w)
        if node.channels_first
        else (*frames, out_h, out_w, 2 * channels),
        trainable_params=linear.parameters + norm.parameters,
        neurons=positions * 2 * channels,
        connections=linear.uses,
        work=(linear, norm) if node.version == 2 else (norm, linear),
    )
