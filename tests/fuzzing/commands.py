"""Command lines for every subcommand and option, to run a generated input under.

Each builder takes a seeded ``random.Random`` and returns a
:class:`~tests.fuzzing.cases.Command`: mostly well-formed, with a fair share
of hostile option values (:mod:`tests.fuzzing.vocabulary`) and of output
paths that cannot be written.
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Callable, Sequence

from cnncalc.conventions import Convention
from tests.fuzzing import vocabulary
from tests.fuzzing.cases import Command, Output

SPEC = "spec.yaml"
"""The spec's file name in the case's directory (commands run there)."""

FORMATS = ("table", "json", "csv", "markdown", "html", "latex")
CONVENTIONS = tuple(convention.value for convention in Convention)
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None

UNWRITABLE = ["nodir/out.txt", ".", "/dev/full", f"{SPEC}/out.txt", "/proc/version", ""]
"""Output paths no write can succeed on: a missing directory, a directory, a full device,
a path under a file, a file even root cannot write, the empty name."""


def output(rng: random.Random, extension: str, format_: str) -> Output:
    """``-o``'s path: a good one mostly, an unwritable one a third of the time."""
    if rng.random() < 0.35:
        return Output(rng.choice(UNWRITABLE), format_, writable=False)
    return Output(f"out.{extension}", format_, writable=True)


def maybe(rng: random.Random, probability: float, *words: str) -> list[str]:
    """``words``, with the given probability; else nothing."""
    return list(words) if rng.random() < probability else []


def subs(rng: random.Random, symbols: Sequence[str]) -> str:
    """A ``--subs`` value: the spec's own symbols at good values, or a hostile one."""
    if symbols and rng.random() < 0.5:
        value = rng.choice(["1", "2", "5", "32", "224", "³²", "0", "9" * 40])
        return ",".join(
            f"{s}={value if rng.random() < 0.3 else rng.randint(1, 64)}" for s in symbols
        )
    return rng.choice(vocabulary.SUBS_VALUES)


def analyze(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc SPEC`` with any of -f, -c, --formulas, --subs, --symbolic, --depth, -o."""
    format_ = rng.choice(FORMATS)
    argv = [SPEC, "-f", format_] if format_ != "table" or rng.random() < 0.5 else [SPEC]
    argv += maybe(rng, 0.3, "-c", rng.choice(CONVENTIONS))
    formulas = rng.random() < 0.25
    argv += ["--formulas"] if formulas else []
    if symbols or rng.random() < 0.15:
        argv += maybe(rng, 0.6 if symbols else 1.0, "--subs", subs(rng, symbols))
    argv += maybe(rng, 0.3 if symbols else 0.05, "--symbolic")
    argv += maybe(rng, 0.15, "--depth", rng.choice(vocabulary.DEPTH_VALUES))
    shape = f"analyze -f {format_}" + (" --formulas" if formulas else "")
    if rng.random() < 0.25:
        out = output(
            rng, {"markdown": "md", "table": "txt", "latex": "tex"}.get(format_, format_), format_
        )
        return Command((*argv, "-o", out.path), "text", shape + " -o", out)
    return Command(tuple(argv), format_, shape)


def memory(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc SPEC --memory`` with --batch, --dtype, --weight-dtype, --optimizer, --subs,
    -f json."""
    format_ = rng.choice(("table", "json"))
    argv = [SPEC, "--memory", "-f", format_]
    argv += maybe(rng, 0.5, "--batch", rng.choice(["1", "32", "2147483648", "0", "x"]))
    argv += maybe(rng, 0.5, "--dtype", rng.choice(["fp16", "bf16", "int8", "half", "int4", ""]))
    argv += maybe(rng, 0.2, "--weight-dtype", rng.choice(["fp32", "int8", "FP16"]))
    argv += maybe(rng, 0.3, "--optimizer", rng.choice(["sgd", "momentum", "adamw", "lion"]))
    if symbols:
        argv += maybe(rng, 0.6, "--subs", subs(rng, symbols))
    return Command(tuple(argv), format_, f"memory -f {format_}")


def explain(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc explain SPEC LAYER`` in every format, with -c, --subs and --symbolic."""
    format_ = rng.choice(FORMATS)
    layer = (
        rng.choice(list(layers))
        if layers and rng.random() < 0.85
        else (vocabulary.hostile_name(rng))
    )
    argv = ["explain", SPEC, layer, "-f", format_]
    argv += maybe(rng, 0.3, "-c", rng.choice(CONVENTIONS))
    if symbols or rng.random() < 0.1:
        argv += maybe(rng, 0.6, "--subs", subs(rng, symbols))
    argv += maybe(rng, 0.3 if symbols else 0.05, "--symbolic")
    return Command(tuple(argv), format_, f"explain -f {format_}")


def check(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc check SPEC``."""
    return Command(("check", SPEC), "text", "check")


def solve(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc solve SPEC CONDITION --for SYMBOL`` with --range, --subs, -f json."""
    if layers and rng.random() < 0.4:
        layer = rng.choice(list(layers))
        condition = rng.choice(
            [f"{layer}.output_shape[1] >= 2", f"{layer}.params > 0", f"{layer}.macs <= total.macs"]
        )
    else:
        condition = rng.choice(vocabulary.CONDITIONS)
    unknown = (
        rng.choice(list(symbols))
        if symbols and rng.random() < 0.85
        else (rng.choice(["n", "k", "zz", "³", ""]))
    )
    argv = ["solve", SPEC, condition, "--for", unknown]
    argv += maybe(rng, 0.6, "--range", rng.choice(vocabulary.RANGE_VALUES))
    others = [s for s in symbols if s != unknown]
    if others or rng.random() < 0.2:
        argv += maybe(rng, 0.7, "--subs", subs(rng, others))
    format_ = rng.choice(["table", "json"])
    argv += ["-f", format_] if format_ == "json" or rng.random() < 0.3 else []
    return Command(tuple(argv), "text" if format_ == "table" else "json", f"solve -f {format_}")


SWEEP_VALUES = ["1:40", "28,32", "1:10:3", "224", "1/2", "0.75", "1:3000", "³", "0", ""]
"""The values a sweep's grid gives one of the spec's symbols."""


def sweep(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc sweep SPEC --grid G`` with --where, --metrics, -c, --subs, -f, and -o or
    --plot."""
    if symbols and rng.random() < 0.8:
        named = rng.sample(list(symbols), rng.randint(1, len(symbols)))
        grid = "; ".join(f"{name}={rng.choice(SWEEP_VALUES)}" for name in named)
    else:
        grid = rng.choice(vocabulary.GRID_VALUES)
    argv = ["sweep", SPEC, "--grid", grid]
    if rng.random() < 0.3:
        argv += ["--where", rng.choice(vocabulary.CONDITIONS)]
    argv += maybe(rng, 0.3, "--metrics", rng.choice(["macs", "params,connections", "x", ""]))
    argv += maybe(rng, 0.2, "-c", rng.choice(CONVENTIONS))
    if symbols:
        argv += maybe(rng, 0.3, "--subs", subs(rng, symbols))
    format_ = rng.choice(["table", "csv", "json", "markdown"])
    argv += ["-f", format_]
    stdout = "text" if format_ == "table" else format_
    if HAS_MATPLOTLIB and rng.random() < 0.15:
        extension = rng.choice(["svg", "png", "txt"])
        out = output(rng, extension, extension)
        argv += ["--plot", out.path, *maybe(rng, 0.3, "--plot-axes", "macs,x")]
        return Command(tuple(argv), stdout, f"sweep -f {format_} --plot .{extension}", out)
    if rng.random() < 0.2:
        out = output(rng, {"markdown": "md", "table": "txt"}.get(format_, format_), format_)
        return Command((*argv, "-o", out.path), "text", f"sweep -f {format_} -o", out)
    return Command(tuple(argv), stdout, f"sweep -f {format_}")


def draw(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc draw SPEC -o FILE.svg`` (with --subs, --symbolic)."""
    out = output(rng, "svg", "svg")
    argv = ["draw", SPEC, "-o", out.path]
    if symbols or rng.random() < 0.1:
        argv += maybe(rng, 0.7, "--subs", subs(rng, symbols))
    argv += maybe(rng, 0.3 if symbols else 0.05, "--symbolic")
    return Command(tuple(argv), "text", "draw", out)


def plot(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc plot SPEC -o FILE`` as SVG, PNG or PDF (draw, if matplotlib is missing)."""
    if not HAS_MATPLOTLIB:
        return draw(rng, layers, symbols)
    extension = rng.choice(["svg", "svg", "png", "pdf", "txt"])
    out = output(rng, extension, extension)
    argv = ["plot", SPEC, "-o", out.path]
    argv += maybe(rng, 0.3, "-c", rng.choice(CONVENTIONS))
    argv += maybe(rng, 0.2, "--depth", rng.choice(vocabulary.DEPTH_VALUES))
    if symbols:
        argv += maybe(rng, 0.7, "--subs", subs(rng, symbols))
    return Command(tuple(argv), "text", f"plot .{extension}", out)


RATES = ["312e12", "2.039e12", "1", "1e24", "1e25", "0", "-1", "nan", "inf", "1e999999999",
         "9" * 50, "0x10", "1/3", "٣", ""]  # fmt: skip
"""``--peak-flops`` and ``--bandwidth`` values, good and hostile."""


def roofline(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc SPEC --roofline`` with --batch, --dtype, -c, a device or rates, --subs:
    well-formed mostly, so that the report itself is drawn."""
    format_ = "csv" if rng.random() < 0.1 else rng.choice(["table", "json"])
    argv = [SPEC, "--roofline", "-f", format_]
    hostile = rng.random() < 0.2
    batches = ["0", "2147483648", "x", "³"] if hostile else ["1", "3", "32", "2147483648"]
    argv += maybe(rng, 0.4, "--batch", rng.choice(batches))
    argv += maybe(rng, 0.3, "--dtype", rng.choice(["fp16", "bf16", "int8", "half", "fp64"]))
    argv += maybe(rng, 0.2, "-c", rng.choice(CONVENTIONS))
    choice = rng.random()
    if choice < 0.3:
        argv += ["--device", rng.choice(["a100-sxm4-80gb", "h100-sxm5", "v100-sxm2", "t4"])]
    elif choice < 0.6:
        rates = RATES if hostile else RATES[:4]
        argv += ["--peak-flops", rng.choice(rates), "--bandwidth", rng.choice(rates)]
    if symbols:
        argv += maybe(rng, 0.6, "--subs", subs(rng, symbols))
    return Command(tuple(argv), format_, f"analyze --roofline -f {format_}")


QUIZ_FORMATS = {"text": "text", "markdown": "markdown", "html": "html", "latex": "text"}
"""``quiz -f``'s formats, and how its output is checked (LaTeX: as clean text)."""
ASKS = ["output_size", "params", "flops", "macs", "neurons", "connections", "input_size"]


def quiz(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc quiz SPEC`` with --layers, --ask, --seed, --vary, --questions, -c, -f, -o and
    --answers."""
    format_ = rng.choice(list(QUIZ_FORMATS))
    argv = ["quiz", SPEC, "-f", format_]
    if layers and rng.random() < 0.4:
        named = rng.sample(list(layers), min(len(layers), rng.randint(1, 3)))
        argv += ["--layers", ",".join(named)]
    elif rng.random() < 0.1:
        argv += ["--layers", vocabulary.hostile_name(rng)]
    if rng.random() < 0.4:
        asks = rng.sample(ASKS, rng.randint(1, 3)) + maybe(rng, 0.1, "weights")
        argv += ["--ask", ",".join(asks)]
    argv += ["--seed", rng.choice(["0", "1", "7", "123456789", "-1", "x"])]
    argv += maybe(rng, 0.4, "--vary")
    argv += maybe(rng, 0.2, "--questions", rng.choice(vocabulary.DEPTH_VALUES))
    argv += maybe(rng, 0.2, "-c", rng.choice(CONVENTIONS))
    if symbols or rng.random() < 0.05:
        argv += maybe(rng, 0.4, "--subs", subs(rng, symbols))
    shape = f"quiz -f {format_}"
    if rng.random() < 0.3:
        out = output(rng, "txt", QUIZ_FORMATS[format_])
        argv += ["--answers", out.path]
        return Command(tuple(argv), QUIZ_FORMATS[format_], shape, out)
    return Command(tuple(argv), QUIZ_FORMATS[format_], shape)


METRICS_VALUES = ["params,macs", "flops", "connections,neurons,buffers", "parms", ",", "macs,macs"]
"""``compare --metrics``: good lists, a typo, an empty one, a repeated name."""


def compare(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """``cnncalc compare SPEC SPEC`` or ``SPEC --subs … --subs …`` in every format, with
    --metrics, -c, --depth, -o."""
    format_ = rng.choice(FORMATS)
    argv = ["compare", SPEC]
    if symbols and rng.random() < 0.7:
        argv += ["--subs", subs(rng, symbols), "--subs", subs(rng, symbols)]
    else:
        argv += [SPEC, *maybe(rng, 0.5 if symbols else 0.05, "--subs", subs(rng, symbols))]
    argv += ["-f", format_]
    argv += maybe(rng, 0.3, "--metrics", rng.choice(METRICS_VALUES))
    argv += maybe(rng, 0.2, "-c", rng.choice(CONVENTIONS))
    argv += maybe(rng, 0.2, "--depth", rng.choice(vocabulary.DEPTH_VALUES))
    if rng.random() < 0.15:
        out = output(rng, "txt", format_)
        return Command((*argv, "-o", out.path), "text", f"compare -f {format_} -o", out)
    return Command(tuple(argv), format_, f"compare -f {format_}")


SpecCommand = Callable[[random.Random, Sequence[str], Sequence[str]], Command]

SPEC_COMMANDS: list[tuple[SpecCommand, int]] = [
    (analyze, 10),
    (memory, 2),
    (explain, 4),
    (check, 2),
    (solve, 3),
    (sweep, 2),
    (draw, 2),
    (plot, 1),
    (roofline, 1),
    (quiz, 2),
    (compare, 2),
]
"""The commands that read a spec, and how often each is drawn."""


def for_spec(rng: random.Random, layers: Sequence[str], symbols: Sequence[str]) -> Command:
    """A command that reads ``spec.yaml``; ``layers`` and ``symbols`` are the spec's, if known.

    Now and then it runs under a hostile ``CNNCALC_MAX_SPEC_BYTES``.
    """
    builders, weights = zip(*SPEC_COMMANDS, strict=True)
    builder: SpecCommand = rng.choices(builders, weights)[0]
    command = builder(rng, layers, symbols)
    if rng.random() < 0.05:
        value = rng.choice(vocabulary.MAX_SPEC_BYTES_VALUES)
        command = Command(
            command.argv,
            command.stdout,
            command.shape,
            command.output,
            (("CNNCALC_MAX_SPEC_BYTES", value),),
        )
    return command


def standalone(rng: random.Random) -> Command:
    """A command that reads no spec: schema, conventions, types, completion, help, version,
    unknown options, and ``import torch`` with an --input that fails before torch loads."""
    choice = rng.randrange(9)
    if choice == 0:
        return Command(("schema",), "json", "schema")
    if choice == 1:
        return Command(("conventions",), "text", "conventions")
    if choice == 2:
        return Command(("types",), "text", "types")
    if choice == 3:
        shell = rng.choice(["bash", "zsh", "tcsh", "fish", ""])
        return Command(("completion", shell), "text", "completion")
    if choice == 4:
        return Command((rng.choice(["--version", "-V", "--help", "-h"]),), "text", "help")
    if choice == 5:
        command = rng.choice(
            ["explain", "solve", "check", "draw", "plot", "import", "types", "quiz", "compare"]
        )
        return Command((command, "--help"), "text", "help")
    if choice == 6:
        return Command((rng.choice(["--nope", "-f", "--depth", "-o"]),), "text", "usage")
    if choice == 7:
        value = rng.choice(["", "³,2,2", "1,2,x", "1;2;3", ",", "1,,2", "-", "1." * 3])
        return Command(
            ("import", "torch", "nonexistent_fuzz_module:f", "--input", value),
            "yaml",
            "import torch",
        )
    return Command(("import", "torch", "nonexistent_fuzz_module:f"), "yaml", "import torch")


def import_keras(rng: random.Random, model: str) -> Command:
    """``cnncalc import keras MODEL`` (to stdout or -o FILE), sometimes with a stray --input."""
    argv = ["import", "keras", model]
    argv += maybe(rng, 0.03, "--input", "1,28,28")
    if rng.random() < 0.25:
        out = output(rng, "yaml", "yaml")
        return Command((*argv, "-o", out.path), "text", "import keras -o", out)
    return Command(tuple(argv), "yaml", "import keras")
