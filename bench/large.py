"""Large graphs: every command's time at 1,000, 10,000 and 100,000 layers, and its growth.

    python bench/large.py [--repeat N] [--sizes 1000,10000,100000] [--tree DIR]
                          [--timeout S] [--write]

Each measurement is a fresh child process (cold caches, as on the command line)
that imports cnncalc, sympy, rich and matplotlib first and then times
``cnncalc.cli.main(ARGV)`` alone: start-up is the same at every size and is
left out, so the ratio between sizes is the command's own growth. A column's
growth is the time at 10× the layers divided by the time before: about 10 is
linear, 100 quadratic. Commands with a limit below a size show the time their
refusal takes there instead (the message is quoted once).

The specs are generated (``bench/chains.py``): a chain of 3×3 convolutions for
the reports, a residual add chain, a layer read by all later ones (fan-out)
and a chain with a dead-end head beside every layer for ``draw``, 20 blocks of
repeated convolutions for ``plot --depth 1``, one ReLU block repeated for block
expansion, a Keras Functional config listed last layer first for the Keras
importer's ordering, and ``solve`` over ranges of as many values.

``--tree DIR`` measures the cnncalc of another checkout with the same specs
(an older commit: ``git archive COMMIT | tar -x -C DIR``), under a heading of
its own (``--label``); ``--timeout`` bounds each run (shown as ``> S s``). The
bad-input corpus (``tests/bad/*.yaml``) is timed case by case and its slowest
case reported. ``--write`` puts the tables in bench/RESULTS.md under this
script's headings (``bench/run.py --write`` keeps them).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

import chains  # noqa: E402

HEADING = "## Large graphs (bench/large.py)"

CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
import importlib
import cnncalc, sympy, rich.console, rich.table
for name in ("matplotlib.figure", "cnncalc.api", "cnncalc.render.table_format",
             "cnncalc.render.json_format", "cnncalc.render.html_format",
             "cnncalc.render.draw_svg", "cnncalc.render.derivations", "cnncalc.render.plot",
             "cnncalc.solve", "cnncalc.spec.blocks", "cnncalc.importers.keras_config"):
    try:  # imported before the clock starts: the same cost at every size
        importlib.import_module(name)
    except ImportError:
        pass
from cnncalc.cli import main
os.chdir(sys.argv[2])
results = []
for argv in json.loads(sys.argv[3]):
    sys.stdout, sys.stderr = open(os.devnull, "w"), open(sys.argv[4], "w")
    started = time.perf_counter()
    status = main(argv)
    seconds = time.perf_counter() - started
    sys.stdout.close(); sys.stderr.close()
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    with open(sys.argv[4]) as errors:
        first = errors.readline().strip()
    results.append({"seconds": seconds, "status": status, "stderr": first})
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"results": results, "peak_mb": peak, "module": cnncalc.__file__}))
"""


@dataclass(frozen=True)
class Case:
    """A command measured at several sizes: ``argv(n, directory)`` gives its arguments."""

    label: str
    argv: Callable[[int, Path], list[str]]
    unit: str = "layers"


def _write_spec(path: Path, spec: dict[str, Any]) -> str:
    """A spec as YAML, one layer a line (a flow mapping, which JSON also is)."""
    head = {key: value for key, value in spec.items() if key != "layers"}
    lines = [f"{key}: {json.dumps(value)}" for key, value in head.items()]
    lines += ["layers:", *(f"  - {json.dumps(layer)}" for layer in spec["layers"])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _stages(layers: int) -> dict[str, Any]:
    """``layers`` convolutions in 20 named stages of a repeated block (``plot --depth 1``)."""
    block = {"layers": [{"name": "conv", "type": "conv2d", "filters": 4, "kernel": 3,
                         "padding": 1}]}  # fmt: skip
    return {"name": "stages", "input": [4, 8, 8], "blocks": {"b": block},
            "layers": [{"name": f"stage{i}", "block": "b", "repeat": max(1, layers // 20)}
                       for i in range(20)]}  # fmt: skip


def _spec(kind: str, n: int, directory: Path) -> str:
    path = directory / f"{kind}-{n}.yaml"
    if not path.exists():
        makers: dict[str, Callable[[int], dict[str, Any]]] = {
            "conv": chains.chain, "add": chains.add_chain, "fan": chains.fan_out,
            "dead": lambda m: chains.dead_ends(m // 2), "relu": chains.relu_chain,
            "stages": _stages,
        }  # fmt: skip
        if kind.startswith("repeat"):
            spec = chains.repeat_block(n, 2 if kind == "repeat2" else 1)
            path.write_text(json.dumps(spec), encoding="utf-8")
        else:
            _write_spec(path, makers[kind](n))
    return str(path)


def _keras(n: int, directory: Path) -> str:
    path = directory / f"keras-{n}.json"
    if not path.exists():
        path.write_text(json.dumps(chains.keras_reversed(n)), encoding="utf-8")
    return str(path)


SOLVE_SPEC = str(ROOT / "specs" / "alexnet-symbolic.yaml")
SOLVE = [SOLVE_SPEC, "pool3.output_shape[1] != 6", "--for", "n", "--range"]
"""A condition with no closed form: every value of the range is tried."""


def _report(*options: str) -> Callable[[int, Path], list[str]]:
    return lambda n, d: [_spec("conv", n, d), *options]


def _to_file(command: str, kind: str, suffix: str, *more: str) -> Callable[[int, Path], list[str]]:
    return lambda n, d: [command, _spec(kind, n, d), "-o", str(d / f"out{suffix}"), *more]


CASES = [
    Case("table (`cnncalc SPEC`, conv chain)", _report()),
    Case("JSON (`-f json`)", _report("-f", "json")),
    Case("`--formulas` (table)", _report("--formulas")),
    Case("`--formulas -f json`", _report("--formulas", "-f", "json")),
    Case(
        "HTML (`-f html -o`)",
        lambda n, d: [_spec("conv", n, d), "-f", "html", "-o", str(d / "out.html")],
    ),
    Case("`draw`, residual add chain", _to_file("draw", "add", ".svg")),
    Case("`draw`, one layer read by all", _to_file("draw", "fan", ".svg")),
    Case("`draw`, a dead end beside each layer", _to_file("draw", "dead", ".svg")),
    Case("`plot` (refused over 500 bars)", _to_file("plot", "conv", ".png")),
    Case("`plot --depth 1`, 20 stages", _to_file("plot", "stages", ".png", "--depth", "1")),
    Case("block of one ReLU, `repeat: N`", lambda n, d: [_spec("repeat", n, d)]),
    Case("N ReLU layers written out", lambda n, d: [_spec("relu", n, d)]),
    Case(
        "`import keras`, listed in reverse",
        lambda n, d: ["import", "keras", _keras(n, d), "-o", str(d / "out.yaml")],
    ),
    Case(
        "`solve … --range 1:N` (AlexNet)", lambda n, d: ["solve", *SOLVE, f"1:{n}"], unit="values"
    ),
]

LIMITS: list[tuple[str, Callable[[Path], list[str]]]] = [
    ("a spec of 200,000 ReLU layers (at the limit)", lambda d: [_spec("relu", 200_000, d)]),
    ("a spec of 330,000 ReLU layers (limit 200,000)", lambda d: [_spec("relu", 330_000, d)]),
    ("a block of two ReLUs, `repeat: 150000`", lambda d: [_spec("repeat2", 150_000, d)]),
    ("`solve --range 1:1000000` (AlexNet)", lambda d: ["solve", *SOLVE, "1:1000000"]),
    (
        "`solve --range 1:2000000` (limit 1,000,001 values)",
        lambda d: ["solve", *SOLVE, "1:2000000"],
    ),
]


@dataclass
class Run:
    seconds: float | None
    """None: the timeout passed first."""
    status: int | None
    stderr: str
    peak_mb: float | None


def measure(tree: Path, argvs: list[list[str]], timeout: float) -> list[Run]:
    """Run ``argvs`` one after another in one child; None for a timeout."""
    with tempfile.NamedTemporaryFile(suffix=".err") as errors:
        try:
            result = subprocess.run(
                [sys.executable, "-c", CHILD, str(tree), str(ROOT), json.dumps(argvs),
                 errors.name],
                capture_output=True, text=True, timeout=timeout, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return [Run(None, None, "", None) for _ in argvs]
    if result.returncode != 0:  # the child itself failed (out of memory, a crash)
        last = (result.stderr.strip().splitlines() or [""])[-1]
        return [Run(None, result.returncode, last, None) for _ in argvs]
    data = json.loads(result.stdout)
    if not Path(data["module"]).is_relative_to(tree):
        raise SystemExit(f"measured {data['module']}, not the cnncalc of {tree}")
    return [Run(r["seconds"], r["status"], r["stderr"], data["peak_mb"]) for r in data["results"]]


def median_run(runs: list[Run]) -> Run:
    done = [run for run in runs if run.seconds is not None]
    if len(done) < len(runs):
        return runs[0] if not done else Run(None, None, done[0].stderr, None)
    middle = statistics.median(run.seconds or 0.0 for run in done)
    chosen = min(done, key=lambda run: abs((run.seconds or 0.0) - middle))
    return Run(middle, chosen.status, chosen.stderr, max(run.peak_mb or 0 for run in done))


def seconds(run: Run, timeout: float) -> str:
    if run.seconds is None:
        return f"> {timeout:g} s" if run.status is None else f"failed ({run.status})"
    return f"{run.seconds:.3f} s" if run.seconds < 10 else f"{run.seconds:.1f} s"


def growth(before: Run, after: Run) -> str:
    if before.seconds is None or after.seconds is None or before.seconds <= 0:
        return "—"
    return f"{after.seconds / before.seconds:.1f}×"


def large_graphs(
    tree: Path, sizes: list[int], repeat: int, timeout: float, directory: Path
) -> list[str]:
    header = " | ".join(f"{n:,}" for n in sizes)
    lines = [
        f"| command | {header} | growth per 10× | peak memory at {sizes[-1]:,} |",
        "|:--|" + "--:|" * len(sizes) + ":-:|--:|",
    ]
    notes: list[str] = []
    for case in CASES:
        runs: list[Run] = []
        for n in sizes:
            if runs and runs[-1].seconds is None:  # too slow already: 10× more is no faster
                runs.append(Run(None, None, "", None))
                continue
            argv = case.argv(n, directory)
            runs.append(median_run([measure(tree, [argv], timeout)[0] for _ in range(repeat)]))
        cells = []
        for run in runs:
            text = seconds(run, timeout)
            if run.status not in (0, None):
                text += " (refused)" if run.status == 2 else f" (exit {run.status})"
                note = run.stderr.replace(str(directory) + "/", "")
                if note and note not in notes:
                    notes.append(note)
            cells.append(text)
        ratios = ", ".join(growth(a, b) for a, b in itertools.pairwise(runs))
        peak = runs[-1].peak_mb
        unit = f" ({case.unit})" if case.unit != "layers" else ""
        lines.append(f"| {case.label}{unit} | {' | '.join(cells)} | {ratios} | "
                     f"{f'{peak:,.0f} MB' if peak else '—'} |")  # fmt: skip
    lines += ["", "| at and over the limits | time | refusal |", "|:--|--:|:--|"]
    for label, make in LIMITS:
        run = median_run([measure(tree, [make(directory)], timeout)[0] for _ in range(repeat)])
        message = run.stderr.replace(str(directory) + "/", "").replace("|", "\\|")
        if run.status in (0, 1):  # 1: solve found no value
            lines.append(f"| {label} | {seconds(run, timeout)} | none: done |")
        else:
            lines.append(f"| {label} | {seconds(run, timeout)} | `{message}` |")
    if notes:
        lines += ["", "Refusals: " + "; ".join(f"`{note}`" for note in notes)]
    return lines


def bad_inputs(tree: Path, repeat: int, timeout: float) -> list[str]:
    """Every case of ``tests/bad`` timed in one child, the median of ``repeat`` rounds each."""
    cases = sorted((ROOT / "tests" / "bad").glob("*.yaml"))
    argvs = [[str(case.relative_to(ROOT))] for case in cases]
    rounds = [measure(tree, argvs, timeout * len(cases)) for _ in range(repeat)]
    times = {
        case.name: statistics.median(r[i].seconds or timeout for r in rounds)
        for i, case in enumerate(cases)
    }
    slowest = sorted(times.items(), key=lambda item: -item[1])[:3]
    total = sum(times.values())
    return [
        f"- {len(cases)} cases, {total:.2f} s in all (median of {repeat} rounds each, in one "
        f"process); the slowest: "
        + ", ".join(f"`{name}` {value:.2f} s" for name, value in slowest),
        f"- under the 5 s the tests once asserted per case: "
        f"{'yes' if slowest[0][1] < 5 else '**no**'}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--only", help="measure only the commands whose label holds this")
    parser.add_argument("--label", help="what --tree is, in the heading (e.g. a commit)")
    parser.add_argument("--write", action="store_true", help="write into bench/RESULTS.md")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.only:
        CASES[:] = [case for case in CASES if args.only in case.label]
        LIMITS.clear()
    command = " ".join(["python bench/large.py", *sys.argv[1:]]).replace(" --write", "")
    ours = args.tree.resolve() == ROOT
    heading = HEADING if ours else f"{HEADING}: {args.label or args.tree.name}"
    where = "this checkout" if ours else (args.label or args.tree.name)
    header = (
        f"cnncalc from `{where}`, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores, {datetime.date.today()}; median of "
        f"{args.repeat} (`{command}`)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        table = large_graphs(args.tree, sizes, args.repeat, args.timeout, Path(tmp))
    corpus = bad_inputs(args.tree, args.repeat, args.timeout) if not args.only else []
    text = "\n".join([heading, "", header, "", *table, "", "### The bad-input corpus", "",
                      *corpus, ""])  # fmt: skip
    print(text)
    if args.write:
        write_section(BENCH / "RESULTS.md", heading, text)


def write_section(path: Path, heading: str, text: str) -> None:
    """Put ``text`` in place of ``heading``'s section of ``path`` (up to the next ``## ``
    heading), or at its end."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    sections = re.split(r"(?m)^(?=## )", current)
    replaced = [text if part.startswith(heading + "\n") else part for part in sections]
    if replaced == sections:
        replaced.append(text)
    path.write_text("\n\n".join(part.strip("\n") for part in replaced if part.strip()) + "\n",
                    encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    main()
