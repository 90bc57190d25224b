"""cnncalc's benchmark: start-up, analysis and symbolic times, side by side in one run.

    python bench/run.py [--repeat N] [--quick] [--write]

Machines are noisy and absolute times differ between runs: every figure is a
median of N repetitions with its spread (min–max), whole processes run
interleaved, and the targets are ratios measured in the same run:

- AlexNet table (to a pipe) ≤ 1.3 × the floor (``bench/floor.py``: yaml +
  pydantic + rich doing the least such a tool can);
- ``--help`` and ``--version`` ≤ 3 × ``python -c pass``;
- end to end ≥ 15 × faster than torchinfo on the same AlexNet;
- a 10,000-layer chain analysed in ≤ 0.5 s in-process; symbolic AlexNet ≤ 1 s;
- a numeric run imports no sympy, and ``--format json`` no rich.

``--write`` writes the tables to ``bench/RESULTS.md`` with the machine and date.
Run it with the interpreter of an environment where cnncalc is installed (its
``cnncalc`` script is timed, as users run it); peers that are not installed
are skipped with a note.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from chains import chain  # noqa: E402
from large import HEADING as LARGE_HEADING  # noqa: E402

import cnncalc  # noqa: E402

Result = tuple[float, float, float]


def timed(action: Callable[[], object], repeat: int) -> Result:
    """(median, min, max) seconds of ``repeat`` runs of ``action``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), max(times)


def ms(result: Result) -> tuple[str, str]:
    median, low, high = result
    return f"{median * 1e3:,.1f} ms", f"{low * 1e3:,.1f}–{high * 1e3:,.1f}"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


IMPORT_SYMPY = "python -c 'import sympy'"


def whole_process(repeat: int) -> tuple[list[str], list[str]]:
    """Whole-process times, interleaved; returns (table lines, target lines)."""
    python = sys.executable
    script = Path(python).with_name("cnncalc")
    cli = [str(script)] if script.exists() else [python, "-m", "cnncalc"]
    alexnet = str(ROOT / "specs" / "alexnet.yaml")
    commands: dict[str, list[str]] = {
        "python -c pass": [python, "-c", "pass"],
        "floor (bench/floor.py)": [python, str(BENCH / "floor.py")],
        IMPORT_SYMPY: [python, "-c", "import sympy"],
        "cnncalc --version": [*cli, "--version"],
        "cnncalc --help": [*cli, "--help"],
        "cnncalc alexnet.yaml (table, piped)": [*cli, alexnet],
        "cnncalc alexnet.yaml --format json": [*cli, alexnet, "-f", "json"],
        "cnncalc alexnet-symbolic.yaml": [*cli, str(ROOT / "specs" / "alexnet-symbolic.yaml")],
        "cnncalc explain lenet5.yaml C3": [*cli, "explain", str(ROOT / "specs/lenet5.yaml"), "C3"],
    }
    skipped = []
    for peer, module in (("torchinfo", "torchinfo"), ("fvcore", "fvcore"), ("ptflops", "ptflops")):
        if importlib.util.find_spec(module) and importlib.util.find_spec("torch"):
            commands[f"{peer} on the same AlexNet"] = [python, str(BENCH / "peer_alexnet.py"), peer]
        else:
            skipped.append(peer)
    samples: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(repeat):
        for label, command in commands.items():
            started = time.perf_counter()
            # stderr too: fvcore warns about unsupported operators on every run.
            subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT
            )
            samples[label].append(time.perf_counter() - started)
    median = {label: statistics.median(times) for label, times in samples.items()}
    empty, floor = median["python -c pass"], median["floor (bench/floor.py)"]
    lines = [
        "| whole process | median | spread | ÷ `python -c pass` | ÷ floor |",
        "|:--|--:|--:|--:|--:|",
    ]
    for label, times in samples.items():
        value = median[label]
        text, spread = ms((value, min(times), max(times)))
        lines.append(
            f"| {label} | {text} | {spread} | {value / empty:.1f}× | {value / floor:.2f}× |"
        )
    if skipped:
        lines.append(f"\nNot installed, so not measured: {', '.join(skipped)}.")
    table = median["cnncalc alexnet.yaml (table, piped)"]
    targets = [
        f"- AlexNet table ÷ floor = {table / floor:.2f} (≤ 1.3: {verdict(table / floor <= 1.3)})",
        f"- `--version` ÷ `python -c pass` = {median['cnncalc --version'] / empty:.1f}, `--help` "
        f"{median['cnncalc --help'] / empty:.1f} (≤ 3: "
        f"{verdict(max(median['cnncalc --version'], median['cnncalc --help']) / empty <= 3)})",
        f"- symbolic AlexNet, whole process: {median['cnncalc alexnet-symbolic.yaml']:.2f} s "
        f"(≤ 1 s: {verdict(median['cnncalc alexnet-symbolic.yaml'] <= 1)}); of which "
        f"`import sympy` alone takes {median[IMPORT_SYMPY]:.2f} s and the "
        f"floor's libraries {floor:.2f} s",
    ]
    if "torchinfo on the same AlexNet" in median:
        torchinfo = median["torchinfo on the same AlexNet"]
        targets.append(
            f"- torchinfo ÷ cnncalc on AlexNet = {torchinfo / table:.1f} (≥ 15: "
            f"{verdict(torchinfo / table >= 15)}); torchinfo ÷ the floor itself = "
            f"{torchinfo / floor:.1f}: a cnncalc that cost nothing beyond importing pydantic, "
            "yaml and rich could not do better"
        )
    return lines, targets


def in_process(repeat: int, quick: bool) -> tuple[list[str], list[str]]:
    lines = ["| in-process | median | spread | note |", "|:--|--:|--:|:--|"]
    for name in ("lenet5", "alexnet", "resnet50"):
        spec = cnncalc.load(ROOT / "specs" / f"{name}.yaml")
        text, spread = ms(timed(partial(cnncalc.analyze, spec), repeat))
        lines.append(f"| analyze {name}.yaml | {text} | {spread} | {len(spec.layers)} layers |")
    per_layer: dict[int, float] = {}
    for length in (10, 100, 1_000) if quick else (10, 100, 1_000, 10_000):
        spec = cnncalc.spec.parse_spec(chain(length))
        result = timed(partial(cnncalc.analyze, spec), max(3, repeat // (1 + length // 1000)))
        per_layer[length] = result[0]
        text, spread = ms(result)
        note = f"{result[0] / length * 1e6:.1f} µs per layer"
        lines.append(f"| analyze a {length:,}-layer chain | {text} | {spread} | {note} |")
    lengths = sorted(per_layer)
    growth = (per_layer[lengths[-1]] / lengths[-1]) / (per_layer[lengths[0]] / lengths[0])
    lines.append(f"| per-layer time, longest ÷ shortest chain | {growth:.2f} | | linear if ≈ 1 |")
    import sympy  # noqa: F401 - imported once, outside the timings below

    symbolic = {}
    for name in ("alexnet-symbolic", "lenet5-symbolic"):
        spec = cnncalc.load(ROOT / "specs" / f"{name}.yaml")
        symbolic[name] = timed(partial(cnncalc.analyze, spec), max(3, repeat // 4))
        text, spread = ms(symbolic[name])
        lines.append(f"| analyze {name}.yaml | {text} | {spread} | sympy loaded |")
    text, spread = ms(timed(partial(cnncalc.analyze, cnncalc.spec.parse_spec(chain(50, "n"))), 3))
    lines.append(f"| analyze a 50-layer chain, input n×n | {text} | {spread} | sympy loaded |")
    text, spread = ms(cold_symbolic_alexnet(max(3, repeat // 2)))
    lines.append(
        f"| analyze alexnet-symbolic.yaml, cold | {text} | {spread} | a fresh process each "
        "time, sympy imported first: its caches empty, as on the command line |"
    )
    targets = []
    if 10_000 in per_layer:
        targets.append(f"- 10,000-layer chain in-process: {per_layer[10_000]:.2f} s (≤ 0.5 s: "
                       f"{verdict(per_layer[10_000] <= 0.5)})")  # fmt: skip
    return lines, targets


def cold_symbolic_alexnet(repeat: int) -> Result:
    """The symbolic analysis alone, as the CLI meets it: in a new process, sympy's caches cold."""
    code = (
        "import time, sympy, cnncalc\n"
        "spec = cnncalc.load('specs/alexnet-symbolic.yaml')\n"
        "started = time.perf_counter(); cnncalc.analyze(spec)\n"
        "print(time.perf_counter() - started)\n"
    )
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=ROOT).stdout)
        for _ in range(repeat)
    ]  # fmt: skip
    return statistics.median(times), min(times), max(times)


def imports() -> list[str]:
    """The top-level packages a numeric run imports, from ``python -X importtime``."""
    lines = []
    for label, extra in (("table, piped", []), ("--format json", ["-f", "json"])):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "cnncalc",
             str(ROOT / "specs" / "alexnet.yaml"), *extra],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        names = sorted({
            line.split("|")[-1].strip().split(".")[0]
            for line in result.stderr.splitlines() if line.startswith("import time:")
        } - {"import time:"})  # fmt: skip
        third_party = [n for n in names if n in {"pydantic", "pydantic_core", "yaml", "rich",
                                                  "sympy", "torch", "annotated_types"}]  # fmt: skip
        sympy = "**imported**" if "sympy" in names else "not imported"
        rich = "imported" if "rich" in names else "not imported"
        lines.append(f"- `cnncalc specs/alexnet.yaml` ({label}) imports "
                     f"{', '.join(third_party)}; sympy {sympy}, rich {rich}")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md")
    args = parser.parse_args()
    repeat = 5 if args.quick else args.repeat
    header = (
        f"cnncalc {cnncalc.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores, {datetime.date.today()}; "
        f"{repeat} repetitions (`python bench/run.py --repeat {repeat}`)"
    )
    process_lines, process_targets = whole_process(repeat)
    process_lines_in, in_targets = in_process(repeat, args.quick)
    text = "\n".join([
        "# Benchmark results", "", header, "", *process_lines, "", *process_lines_in, "",
        "## Targets", "", *process_targets, *in_targets, "", "## Imports", "", *imports(), "",
    ])  # fmt: skip
    print(text)
    if args.write:
        results = BENCH / "RESULTS.md"
        # bench/large.py's sections follow, kept as they are.
        current = results.read_text(encoding="utf-8") if results.exists() else ""
        at = current.find(LARGE_HEADING)
        kept = "\n" + current[at:] if at >= 0 else ""
        results.write_text(text + EXTRA + kept, encoding="utf-8")


EXTRA = """
## Numeric path before and after the formulas work (issue 4)

`python bench/compare_revisions.py 1298b3d 7b0fe8c --repeat 7` (1298b3d: the last commit
before the symbolic path): AlexNet 0.34 → 0.28 ms (0.82×), LeNet-5 0.22 → 0.20 ms (0.93×),
1,000-layer chain 25.0 → 18.9 ms (0.76×).
"""

if __name__ == "__main__":
    main()
