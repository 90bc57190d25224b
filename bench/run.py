"""cnncalc's benchmark: in-process analysis times and whole-process start-up, side by side.

    python bench/run.py [--repeat N] [--quick]

Machines are noisy and absolute times differ between runs, so every figure is
a median of N repetitions with its spread (min–max), and whole-process times
are also given as ratios to ``python -c pass`` measured in the same run.
Results go to stdout as a Markdown table; copy them into bench/RESULTS.md with
the machine and date.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from chains import chain  # noqa: E402

import cnncalc  # noqa: E402


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """(median, min, max) seconds of ``repeat`` runs of ``action``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), max(times)


def row(label: str, result: tuple[float, float, float], note: str = "") -> str:
    median, low, high = result
    return f"| {label} | {median * 1e3:,.1f} ms | {low * 1e3:,.1f}–{high * 1e3:,.1f} | {note} |"


def in_process(repeat: int, quick: bool) -> list[str]:
    lines = ["| in-process | median | spread | note |", "|:--|--:|--:|:--|"]
    for name in ("lenet5", "alexnet"):
        spec = cnncalc.load(ROOT / "specs" / f"{name}.yaml")
        lines.append(
            row(f"analyze {name}.yaml (numeric)", timed(partial(cnncalc.analyze, spec), repeat))
        )
    per_layer = {}
    for length in (10, 100, 1_000) if quick else (10, 100, 1_000, 10_000):
        spec = cnncalc.spec.parse_spec(chain(length))
        result = timed(partial(cnncalc.analyze, spec), max(3, repeat // (1 + length // 1000)))
        per_layer[length] = result[0] / length
        lines.append(row(f"analyze a {length:,}-layer chain", result,
                         f"{result[0] / length * 1e6:.1f} µs per layer"))  # fmt: skip
    if len(per_layer) > 1:
        lengths = sorted(per_layer)
        ratio = per_layer[lengths[-1]] / per_layer[lengths[0]]
        lines.append(
            f"| per-layer time, longest ÷ shortest chain | {ratio:.2f} | | linear if ≈ 1 |"
        )
    import sympy  # noqa: F401 - imported once, outside the timings below

    for name in ("alexnet-symbolic", "lenet5-symbolic"):
        spec = cnncalc.load(ROOT / "specs" / f"{name}.yaml")
        lines.append(
            row(f"analyze {name}.yaml", timed(partial(cnncalc.analyze, spec), max(3, repeat // 4)))
        )
    symbolic_chain = cnncalc.spec.parse_spec(chain(50, "n"))
    lines.append(row("analyze a 50-layer chain, input n×n", timed(
        lambda: cnncalc.analyze(symbolic_chain), 3)))  # fmt: skip
    report = cnncalc.analyze(cnncalc.load(ROOT / "specs" / "lenet5.yaml"))
    from cnncalc.render.derivations import explain

    lines.append(row("explain lenet5.yaml C3", timed(lambda: explain(report, "C3"), repeat)))
    return lines


def whole_process(repeat: int) -> list[str]:
    python = sys.executable
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "cnncalc --version": [python, "-m", "cnncalc", "--version"],
        "cnncalc alexnet.yaml (table, piped)": [python, "-m", "cnncalc", "specs/alexnet.yaml"],
        "cnncalc alexnet.yaml --format json": [
            python, "-m", "cnncalc", "specs/alexnet.yaml", "-f", "json",
        ],
        "cnncalc alexnet-symbolic.yaml": [python, "-m", "cnncalc", "specs/alexnet-symbolic.yaml"],
        "cnncalc explain lenet5.yaml C3": [
            python, "-m", "cnncalc", "explain", "specs/lenet5.yaml", "C3",
        ],
    }  # fmt: skip
    results: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(repeat):  # interleaved, so drift hits every command alike
        for label, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
            results[label].append(time.perf_counter() - started)
    base = statistics.median(results["python -c pass"])
    lines = ["| whole process | median | spread | ÷ `python -c pass` |", "|:--|--:|--:|--:|"]
    for label, times in results.items():
        median = statistics.median(times)
        lines.append(row(label, (median, min(times), max(times)), f"{median / base:.1f}×"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    args = parser.parse_args()
    repeat = 5 if args.quick else args.repeat
    print(f"cnncalc {cnncalc.__version__}, Python {sys.version.split()[0]}, {repeat} repetitions\n")
    print("\n".join(in_process(repeat, args.quick)))
    print()
    print("\n".join(whole_process(repeat)))


if __name__ == "__main__":
    main()
