"""Exercises with worked answers, from any spec (``cnncalc quiz``): the questions as data.

A quiz asks, for a few layers of a network, what the documents ask of LeNet-5's
(《卷积神经网络CNN与LeNet5详解》: "C3 层…可训练参数量…连接数"): the output
feature map size, the trainable parameters, the FLOPs under the report's
convention, MACs, neurons, connections; and one inverse question, the input
sizes for which a layer's output has the size it has ("输入多大时 pool3 输出为
6×6?"). Nothing here is computed twice:

- a question's facts (kernel, stride, padding, filters, the input it reads) are
  the layer's IR node and the input shape the analysis gave it;
- each answer is the analysis' number, and its worked derivation the layer's
  :func:`cnncalc.formulas.derive` (what ``explain`` prints);
- the inverse answer is :func:`cnncalc.solve.solve` on a copy of the network
  whose input size is the symbol ``n``.

``vary`` draws new sizes (the input's, kernels, filters, units) within a range
of the spec's own, keeping each only if the rules still accept the whole network
(a kernel that no longer fits, a connection table whose maps no longer match,
a residual sum of two widths are refused), so a new year's exam has new numbers
and every answer is the same rules' answer. All randomness comes from
``random.Random(seed)``: one seed, one quiz. Rendering is
:mod:`cnncalc.render.quiz_format`'s (sheets) and
:mod:`cnncalc.render.quiz_json`'s (data).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from cnncalc import ir
from cnncalc.analysis import LayerReport, Report, analyze_network
from cnncalc.arith import Shape
from cnncalc.conventions import Convention
from cnncalc.errors import CnncalcError
from cnncalc.formulas import Derivation, LayerDerivation, derive
from cnncalc.i18n import _
from cnncalc.safe_text import show_name
from cnncalc.solve import MAX_SEARCH, Solution, solve
from cnncalc.spec import NetworkSpec
from cnncalc.spec.fields import suggest
from cnncalc.symbolic import symbol

ASKS = ("output_size", "params", "flops", "macs", "neurons", "connections", "input_size")
"""What a quiz may ask (``--ask``): ``input_size`` is the inverse question."""
DEFAULT_ASKS = ("output_size", "params", "flops", "connections", "input_size")
METRIC_OF = {
    "params": "trainable_params",
    "flops": "flops",
    "macs": "macs",
    "neurons": "neurons",
    "connections": "connections",
}
"""Each counting question's metric in the report (``params``: the documents' 可训练参数量)."""
DEFAULT_QUESTIONS = 5
"""Layers a quiz asks about when ``--layers`` names none (drawn by the seed)."""
MAX_VARIED_SIZES = 32
"""Sizes ``vary`` tries to change at most: each try analyses the network once more, so a
quiz costs at most 33 analyses whatever the network's size."""
INVERSE_SYMBOL = "n"
"""The input size's name in the inverse question."""
INVERSE_MAX_LAYERS = 1_000
"""Most layers up to the inverse question's layer: the question analyses them on the symbol
``n``, a few ms a layer (1,000 take seconds); a deeper layer gets no inverse question."""
QUESTION_NODES = (ir.Conv, ir.ConvTranspose, ir.Pool, ir.AdaptivePool, ir.Dense, ir.RBF)
"""The layers exams ask about; the others (activations, flatten, norms, merges) only when
named with ``--layers``."""
SLIDING_NODES = (ir.Conv, ir.ConvTranspose, ir.Pool)
"""The layers whose output size follows their input's through a sliding window: what the
inverse question asks about."""


@dataclass(frozen=True, slots=True)
class Facts:
    """What a question states about its layer, read from the IR node and the analysis."""

    family: str
    """``conv``, ``transposed``, ``pool``, ``adaptive``, ``dense``, ``rbf`` or ``other``."""
    input_shape: Shape
    kernel: tuple[Any, ...] = ()
    stride: tuple[Any, ...] = ()
    padding: ir.Padding = ()
    dilation: tuple[Any, ...] = ()
    output_padding: tuple[Any, ...] = ()
    groups: Any = 1
    filters: Any = None
    units: Any = None
    pool: str = ""
    """The pooling kind (``max``, ``avg``, ``subsampling``) of a pooling layer."""
    bias: bool = True
    ceil_mode: bool = False
    output_size: tuple[Any, ...] = ()
    """An adaptive pooling layer's output size; empty for a global pooling."""
    table: tuple[tuple[int, int], ...] = ()
    """A connection table as ``(output maps, input maps each reads)``, by fan-in:
    LeNet-5's C3 is ``((6, 3), (9, 4), (1, 6))``."""


@dataclass(frozen=True, slots=True)
class Part:
    """One question about a layer, its answer (the analysis' number, or the output shape)
    and the derivations that give it."""

    ask: str
    answer: int | Shape
    steps: tuple[Derivation, ...]


@dataclass(frozen=True, slots=True)
class Exercise:
    """Questions about one layer: its facts, then a part per quantity asked."""

    number: int
    layer: str
    type: str
    facts: Facts
    output_shape: Shape
    parts: tuple[Part, ...]
    derivation: LayerDerivation
    """The layer's whole derivation (its ``values`` give the where clause)."""


@dataclass(frozen=True, slots=True)
class SizeStep:
    """A layer's output size as a formula of the input size ``n`` (an inverse answer's step)."""

    layer: str
    type: str
    size: Any


@dataclass(frozen=True, slots=True)
class InverseExercise:
    """For which input sizes ``n`` is the output of ``layer`` as large as it is?"""

    number: int
    layer: str
    type: str
    channels: int
    """The input's channels; the input is ``channels×n×n`` (``channels×n`` in 1-D)."""
    axes: int
    """Spatial axes of the input (each of size ``n``)."""
    target: tuple[int, ...]
    """The layer's output size per spatial axis, the question's condition."""
    given: int
    """The network's own ``n``: one of the answers."""
    steps: tuple[SizeStep, ...]
    """Each layer up to ``layer`` that changes the size, with its output size in ``n``."""
    solution: Solution
    searched: tuple[int, int]
    """The range :func:`~cnncalc.solve.solve` would have searched without a closed form."""

    @property
    def closed_form(self) -> bool:
        """Whether the answer came in closed form (else by trying every ``n`` of ``searched``)."""
        return not self.solution.method.startswith("by trying")


@dataclass(frozen=True, slots=True)
class Change:
    """A size ``vary`` changed, in the spec's words: ``conv1``'s ``filters`` 96 → 112."""

    layer: str | None
    """None for the network's input."""
    field: str
    before: int | tuple[int, ...]
    after: int | tuple[int, ...]


@dataclass(frozen=True)
class Quiz:
    """A network's exercises, the numbers they were computed on, and how they were drawn."""

    name: str
    seed: int
    convention: Convention
    exercises: tuple[Exercise | InverseExercise, ...]
    changes: tuple[Change, ...]
    network: ir.Network
    """The network the questions are about (the varied one with ``vary``)."""
    report: Report

    @property
    def asks_flops(self) -> bool:
        """Whether a question counts FLOPs (the sheet then names the convention)."""
        return any(
            part.ask == "flops"
            for exercise in self.exercises
            if isinstance(exercise, Exercise)
            for part in exercise.parts
        )


def parse_list(text: str | None) -> list[str] | None:
    """``"C1,S2"`` → ``["C1", "S2"]``; None or empty → None (the default)."""
    if text is None:
        return None
    items = [item.strip() for item in text.split(",")]
    return [item for item in items if item] or None


def build_quiz(
    spec: NetworkSpec,
    *,
    layers: Sequence[str] | None = None,
    asks: Sequence[str] | None = None,
    seed: int = 0,
    vary: bool = False,
    questions: int | None = None,
    convention: Convention | None = None,
    values: Mapping[str, int | Fraction] | None = None,
) -> Quiz:
    """The quiz on ``spec``: exercises on ``layers`` (default: ``questions`` of the layers
    exams ask about, drawn by ``seed``), each asking ``asks`` (default
    :data:`DEFAULT_ASKS`); with ``vary``, on new sizes drawn by ``seed``. A symbolic spec
    is asked about at its ``values``, with ``values`` put over them (``--subs``).

    Raises :class:`CnncalcError` for an unknown layer or question, or a quiz with none.
    """
    chosen_asks = _asks(asks)
    conv = convention if convention is not None else spec.convention
    network = _numeric(spec, conv, values)
    names = [layer.name for layer in network.layers]
    named = _layers(layers, names) if layers is not None else None
    changes: tuple[Change, ...] = ()
    if vary:
        network, changes = varied(network, conv, random.Random(f"cnncalc quiz vary {seed}"))
    report = analyze_network(network, conv)
    rng = random.Random(seed)
    picked = _pick(report, named, questions, rng)
    exercises: list[Exercise | InverseExercise] = []
    for layer in picked:
        # A question whose answer the question states (a dense layer's output size) only
        # when both the layer and the question were asked for by name.
        explicit = named is not None and asks is not None
        exercise = _exercise(len(exercises) + 1, report, layer, chosen_asks, explicit)
        if exercise is not None:
            exercises.append(exercise)
    if "input_size" in chosen_asks:
        target = _inverse_target(report, picked if named is not None else report.layers)
        inverse = _inverse(len(exercises) + 1, network, report, target, conv) if target else None
        if inverse is not None:
            exercises.append(inverse)
    if not exercises:
        raise CnncalcError(
            _("no question fits: the layers chosen have none of the quantities asked")
        )
    return Quiz(report.name, seed, conv, tuple(exercises), changes, network, report)


def _asks(asks: Sequence[str] | None) -> tuple[str, ...]:
    if asks is None:
        return DEFAULT_ASKS
    for ask in asks:
        if ask not in ASKS:
            raise CnncalcError(
                _("--ask: no question '{ask}'{hint}; questions: {asks}").format(
                    ask=show_name(ask), hint=suggest(ask, list(ASKS)), asks=", ".join(ASKS)
                )
            )
    return tuple(dict.fromkeys(asks))


NAMES_SHOWN = 5
"""Layer names an unknown ``--layers`` name lists at most."""


def _layers(wanted: Sequence[str], names: list[str]) -> set[str]:
    known = set(names)
    for name in wanted:
        if name not in known:
            shown = ", ".join(show_name(n) for n in names[:NAMES_SHOWN])
            if len(names) > NAMES_SHOWN:
                shown += ", …"
            raise CnncalcError(
                _("--layers: no layer named '{name}'{hint}; layers: {layers}").format(
                    name=show_name(name), hint=suggest(name, names), layers=shown
                )
            )
    return set(wanted)


def _numeric(
    spec: NetworkSpec, convention: Convention, values: Mapping[str, int | Fraction] | None = None
) -> ir.Network:
    """The spec's network with numbers for sizes: a symbolic spec takes its ``values``,
    ``values`` put over them (a value for a numeric spec is an error naming its symbols)."""
    network = spec.to_ir()
    if not network.symbolic and not values:
        return network
    from cnncalc.api import analyze_at_values

    numbers = analyze_at_values(spec, convention, values)
    if not numbers.values:  # every symbol cancelled (padding: n**0): sympy's integers, as ints
        numbers = numbers.subs({})
    missing = sorted(numbers.symbols)
    if missing:
        raise CnncalcError(
            _("a quiz asks about numbers: give {symbols} a value in the spec's 'values'").format(
                symbols=", ".join(missing)
            )
        )
    layers = []
    for layer, row in zip(network.layers, numbers.layers, strict=True):
        assert row.node is not None  # an analysis' rows carry their nodes
        layers.append(replace(layer, op=row.node))
    return replace(
        network,
        input_shape=numbers.input_shape,
        other_inputs=numbers.other_inputs,
        layers=tuple(layers),
        symbolic=False,
    )


def _pick(
    report: Report, named: set[str] | None, questions: int | None, rng: random.Random
) -> list[LayerReport]:
    """The layers asked about, in the network's order: the named ones, or ``questions`` of
    those exams ask about, drawn by ``rng``."""
    if named is not None:
        candidates = [layer for layer in report.layers if layer.name in named]
        wanted = len(candidates) if questions is None else questions
    else:
        candidates = [layer for layer in report.layers if isinstance(layer.node, QUESTION_NODES)]
        wanted = DEFAULT_QUESTIONS if questions is None else questions
    if wanted >= len(candidates):
        return candidates
    indices = sorted(rng.sample(range(len(candidates)), wanted))
    return [candidates[i] for i in indices]


def _exercise(
    number: int, report: Report, layer: LayerReport, asks: Sequence[str], explicit: bool
) -> Exercise | None:
    assert layer.node is not None  # an analysis' rows, not folded ones
    facts = facts_of(layer.node, layer.input_shape)
    derivation = derive(layer.node, layer.input_shapes, report.convention)
    parts = []
    for ask in asks:
        if ask == "input_size":
            continue
        if ask == "output_size":
            # A fully connected layer's output is its units, which the question states.
            if facts.family in ("dense", "rbf") and not explicit:
                continue
            steps = tuple(q for key, q in derivation.quantities.items() if key.endswith("_out"))
            parts.append(Part(ask, layer.output_shape, steps))
        else:
            metric = METRIC_OF[ask]
            value = layer.metric(metric)
            if not isinstance(value, int):  # pragma: no cover - the network is numeric
                raise AssertionError(value)
            parts.append(Part(ask, value, (derivation[metric],)))
    if not parts:
        return None
    return Exercise(
        number, layer.name, layer.type, facts, layer.output_shape, tuple(parts), derivation
    )


def facts_of(node: ir.Node, input_shape: Shape) -> Facts:
    """What a question about ``node`` on ``input_shape`` states."""
    if isinstance(node, ir.Conv):
        table = node.connection_table
        fan_ins: dict[int, int] = {}
        for inputs in table or ():
            fan_ins[len(inputs)] = fan_ins.get(len(inputs), 0) + 1
        return Facts(
            "conv", input_shape, node.kernel, node.stride, node.padding, node.dilation,
            groups=node.groups, filters=node.filters, bias=node.bias,
            table=tuple((maps, size) for size, maps in sorted(fan_ins.items())),
        )  # fmt: skip
    if isinstance(node, ir.ConvTranspose):
        return Facts(
            "transposed", input_shape, node.kernel, node.stride, node.padding, node.dilation,
            node.output_padding, node.groups, node.filters, bias=node.bias,
        )  # fmt: skip
    if isinstance(node, ir.Pool):
        return Facts(
            "pool", input_shape, node.kernel, node.stride, node.padding,
            pool=node.kind.value, ceil_mode=node.ceil_mode,
        )  # fmt: skip
    if isinstance(node, ir.AdaptivePool):
        return Facts("adaptive", input_shape, output_size=tuple(node.output_size or ()))
    if isinstance(node, ir.Dense):
        return Facts("dense", input_shape, units=node.units, bias=node.bias)
    if isinstance(node, ir.RBF):
        return Facts("rbf", input_shape, units=node.units)
    return Facts("other", input_shape)


# -- the inverse question ------------------------------------------------------------


def _inverse_target(report: Report, layers: Sequence[LayerReport]) -> LayerReport | None:
    """The last convolution or pooling of ``layers`` (the map before the classifier,
    AlexNet's pool3): an adaptive pooling's output size does not follow its input's."""
    for layer in reversed(layers):
        if isinstance(layer.node, SLIDING_NODES) and len(layer.output_shape) >= 2:
            return layer
    return None


def _inverse(
    number: int,
    network: ir.Network,
    report: Report,
    target: LayerReport,
    convention: Convention,
) -> InverseExercise | None:
    """ "For which n is ``target``'s output as large as it is?", on a copy of the network up
    to ``target`` whose input is ``c×n×n``; None where the input is not square, or the
    output does not depend on n (an adaptive pooling)."""
    shape = network.input_shape
    spatial = shape[1:]
    if len(shape) < 2 or len(set(spatial)) != 1 or not all(type(s) is int for s in shape):
        return None
    given = spatial[0]
    assert isinstance(given, int) and isinstance(shape[0], int)
    names = [layer.name for layer in network.layers]
    end = names.index(target.name)
    if end >= INVERSE_MAX_LAYERS:
        return None
    # solve() reads LAYER.output_shape as Python: the target gets a name it can read.
    alias = next(f"target{i}" for i in range(len(names) + 1) if f"target{i}" not in names)
    prefix = (*network.layers[:end], replace(network.layers[end], name=alias))
    n = symbol(INVERSE_SYMBOL)
    symbolic = replace(
        network, input_shape=(shape[0], *(n,) * len(spatial)), layers=prefix, symbolic=True
    )
    target_size = tuple(int(s) for s in target.output_shape[1:])
    condition = " and ".join(
        f"{alias}.output_shape[{axis}] == {size}" for axis, size in enumerate(target_size, 1)
    )
    searched = (1, max(4096, 2 * given))
    if searched[1] > MAX_SEARCH:
        return None
    try:
        sized = analyze_network(symbolic, convention)
        if not any(getattr(s, "free_symbols", ()) for s in sized.layers[-1].output_shape[1:]):
            return None  # a global pooling's 1×1, whatever n: nothing to ask
        solution = solve(sized, condition, INVERSE_SYMBOL, search=searched)
    except CnncalcError:
        return None  # the target's size does not depend on n, or no symbolic analysis
    steps = []
    previous: Any = n
    for row in sized.layers:
        size = row.output_shape[1] if len(row.output_shape) >= 2 else None
        if size is not None and size != previous:
            name = target.name if row.name == alias else row.name
            steps.append(SizeStep(name, row.type, size))
            previous = size
    return InverseExercise(
        number, target.name, target.type, shape[0], len(spatial), target_size, given,
        tuple(steps), solution, searched,
    )  # fmt: skip


# -- varying the numbers ---------------------------------------------------------------


def varied(
    network: ir.Network, convention: Convention, rng: random.Random
) -> tuple[ir.Network, tuple[Change, ...]]:
    """``network`` with new sizes drawn by ``rng``, and what changed.

    Up to :data:`MAX_VARIED_SIZES` sizes, in a random order, each get one new value:
    the input's spatial size (±1/8, at least ±2, kept square), a square kernel of 2
    or more (±2, so odd stays odd, never 1×1; a padding of ``(k − 1)/2``, which keeps
    the size, follows it), a convolution's filters and a dense layer's units (half to
    one and a half times, in steps of :func:`_step`). A new
    value stays only if the whole network still analyses under the rules; else the
    old one stays.
    """
    sites: list[tuple[int | None, str]] = [(None, "input")]
    for index, layer in enumerate(network.layers):
        op = layer.op
        if isinstance(op, ir.Conv):
            sites += [(index, "kernel"), (index, "filters")]
        elif isinstance(op, ir.Dense | ir.RBF):
            sites.append((index, "units"))
    rng.shuffle(sites)
    changes: dict[tuple[str | None, str], Change] = {}
    for site, field in sites[:MAX_VARIED_SIZES]:
        trial = _varied_at(network, site, field, rng)
        if trial is None:
            continue
        candidate, made = trial
        try:
            analyze_network(candidate, convention)
        except CnncalcError:
            continue  # the rules refuse it (a kernel that no longer fits): keep the old size
        network = candidate
        for change in made:
            key = (change.layer, change.field)
            first = changes.get(key)
            changes[key] = change if first is None else replace(change, before=first.before)
    order = {layer.name: index for index, layer in enumerate(network.layers)}
    fields = ("input", "kernel", "padding", "filters", "units")
    made = sorted(
        changes.values(),
        key=lambda c: (-1 if c.layer is None else order[c.layer], fields.index(c.field)),
    )
    return network, tuple(c for c in made if c.before != c.after)


def _step(size: int) -> int:
    """The steps a new filter or unit count moves in: the largest power of 2 that divides
    ``size`` and is at most a quarter of it (96 → 16, 4096 → 1024, 6 → 1, 84 → 4)."""
    step = size & -size
    while step > 1 and 4 * step > size:
        step //= 2
    return step


def _varied_at(
    network: ir.Network, index: int | None, field: str, rng: random.Random
) -> tuple[ir.Network, list[Change]] | None:
    """The network with one size redrawn, and its changes; None where it has no other value."""
    if index is None:
        shape = network.input_shape
        spatial = shape[1:]
        if not spatial or len(set(spatial)) != 1 or type(spatial[0]) is not int:
            return None
        size = spatial[0]
        spread = max(2, size // 8)
        new = rng.choice([v for v in range(size - spread, size + spread + 1) if v >= 1])
        if new == size:
            return None
        after = (shape[0], *(new,) * len(spatial))
        return replace(network, input_shape=after), [Change(None, "input", shape, after)]
    layer = network.layers[index]
    op: Any = layer.op
    made: list[Change] = []
    if field == "kernel":
        kernel = op.kernel
        if len(set(kernel)) != 1 or type(kernel[0]) is not int or kernel[0] < 2:
            return None
        k = kernel[0]
        new_k = rng.choice([v for v in (k - 2, k + 2) if v >= min(k, 3)])  # never 1×1
        changes: dict[str, Any] = {"kernel": (new_k,) * len(kernel)}
        made.append(Change(layer.name, "kernel", k, new_k))
        keeps_size = (
            k % 2 == 1
            and op.padding != "same"
            and set(op.padding) == {((k - 1) // 2, (k - 1) // 2)}
        )
        if keeps_size:
            p = (new_k - 1) // 2
            changes["padding"] = ((p, p),) * len(kernel)
            made.append(Change(layer.name, "padding", (k - 1) // 2, p))
        op = replace(op, **changes)
    else:
        old = getattr(op, field)
        if type(old) is not int:
            return None
        step = _step(old)
        values = [v for v in range(step, 3 * old // 2 + 1, step) if 2 * v >= old and v != old]
        if not values:
            return None
        new = rng.choice(values)
        op = replace(op, **{field: new})
        made.append(Change(layer.name, field, old, new))
    layers = (*network.layers[:index], replace(layer, op=op), *network.layers[index + 1 :])
    return replace(network, layers=layers), made
