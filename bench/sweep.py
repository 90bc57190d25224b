"""Fast exact evaluation: substitution, solve's search and sweeps, per point, in one run.

    python bench/sweep.py [SPEC] [--symbol n] [--condition COND] [--grid G --grid G]
                          [--base REV] [--repeat N] [--write]

On a symbolic spec (default ``specs/alexnet-symbolic.yaml``; any other, such as a
MobileNet with a width ``a`` and a resolution ``n``, with ``--symbol`` and
``--grid``), measures in the same process and run:

- sympy's substitution (``report.subs``), what a point cost before: a sample;
- the compiled evaluator (:mod:`cnncalc.evaluator`): a point in Python's
  integers, and a point of a NumPy grid;
- ``solve`` by search over 4,096 values (``--condition``, one without a closed
  form), here and, in a child process, at ``--base`` (the revision before this
  work: its search compiled closures per value);
- ``sweep`` over 10,000 and 1,000,000 grid points (``--grid``, twice; default
  ``SYMBOL=1:10000`` and ``SYMBOL=1:1000000``, the other symbols at the spec's
  ``values``) with NumPy and with Python's integers, and the whole command
  ``cnncalc sweep … -f csv -o /dev/null`` on the million;
- the numeric table's start-up (``cnncalc specs/alexnet.yaml``, piped) here and at
  ``--base``, interleaved, and what it imports.

Every figure is a median of ``--repeat`` runs (the million-point ones: of 3 at
most); the targets are ratios of figures from this one run: a point ≥ 100×
faster than substitution's, a million-point sweep in under 10 s. ``--write``
puts the tables in ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from functools import partial
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from large import write_section  # noqa: E402

import cnncalc  # noqa: E402
from cnncalc.analysis import METRICS  # noqa: E402
from cnncalc.evaluator import Evaluator  # noqa: E402
from cnncalc.grid import parse_grid  # noqa: E402
from cnncalc.solve import solve  # noqa: E402
from cnncalc.substitution import sizes_of  # noqa: E402
from cnncalc.sweep import sweep, symbols_named  # noqa: E402
from cnncalc.symbolic import substitute  # noqa: E402

HEADING = "## Fast exact evaluation: solve and sweep (bench/sweep.py)"
"""The section's heading; the spec's name follows it (a section per spec)."""
SEARCH = (1, 4096)

BASE_SOLVE = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import cnncalc
from cnncalc.solve import solve
report = cnncalc.analyze(sys.argv[2])
values = {k: v for k, v in cnncalc.load(sys.argv[2]).values.items() if k != sys.argv[3]}
times = []
for _ in range(int(sys.argv[5])):
    t = time.perf_counter()
    solution = solve(report, sys.argv[4], sys.argv[3], values, (1, 4096))
    times.append(time.perf_counter() - t)
print(min(times), sorted(times)[len(times) // 2], solution.runs)
"""

IMPORTS = r"""
import sys, io, contextlib
sys.path.insert(0, sys.argv[1])
from cnncalc.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main([sys.argv[2]])
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "sympy")
      or m in ("cnncalc.evaluator", "cnncalc.sweep", "cnncalc.grid"))))
"""


def median(action: Callable[[], object], repeat: int) -> float:
    """The median seconds of ``repeat`` runs of ``action`` (after one warm-up run)."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def checkout(revision: str, into: Path) -> Path:
    """The files of ``revision`` in ``into`` (``git archive``: the repository is only read)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def command_time(argv: list[str], tree: Path, repeat: int) -> float:
    """Median wall time of ``python -m cnncalc ARGV`` with ``tree``'s cnncalc.

    With compiled bytecode, as an installed cnncalc runs (pip compiles it): each
    tree gets its own cache (``PYTHONPYCACHEPREFIX``), filled by a first run that is
    not timed, even where ``PYTHONDONTWRITEBYTECODE`` is set. Without it every run
    compiles every module from source, and a longer module counts as a slower start.
    """
    key = hashlib.sha1(bytes(tree)).hexdigest()
    cache = Path(tempfile.gettempdir()) / "cnncalc-bench-pyc" / key
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONPYCACHEPREFIX": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "cnncalc", *argv], cwd=tree, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cnncalc", *argv], cwd=tree, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_point(seconds: float, points: int) -> str:
    micro = seconds / points * 1e6
    return f"{micro / 1000:,.2f} ms" if micro >= 1000 else f"{micro:,.2f} µs"


def main() -> None:  # noqa: PLR0915 - one measurement after another, printed as it goes
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", default="specs/alexnet-symbolic.yaml")
    parser.add_argument("--symbol", default="n", help="the symbol solve and the grids vary")
    parser.add_argument("--condition", default="total.macs <= 300000000",
                        help="solve's condition (no closed form: found by search)")  # fmt: skip
    parser.add_argument("--grid", action="append", default=[],
                        help="the 10,000- and 1,000,000-point grids, in that order")  # fmt: skip
    parser.add_argument("--base", default="f8a8c75", help="the revision before this work")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write into bench/RESULTS.md")
    args = parser.parse_args()
    spec_path = str(ROOT / args.spec)
    grids = args.grid or [f"{args.symbol}=1:10000", f"{args.symbol}=1:1000000"]
    spec = cnncalc.load(spec_path)
    report = cnncalc.analyze(spec)
    values = {k: v for k, v in spec.values.items() if k != args.symbol}
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    heading = f"{HEADING}, {args.spec}"
    say(heading)
    say()
    say(f"cnncalc from this checkout against {args.base}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores, {datetime.date.today()}; "
        f"`python bench/sweep.py {shlex.join(sys.argv[1:])}` (medians)")  # fmt: skip
    say()

    # Substitution, a sample of points (each a fresh xreplace of every formula).
    low, high = 67 if args.symbol == "n" and "alexnet" in args.spec else 1, 4096
    sample = [low + (high - low) * i // 19 for i in range(20)]

    def substitute_sample() -> None:
        for value in sample:
            try:
                totals = report.subs({**values, args.symbol: value}).totals
                [totals.metric(metric) for metric in METRICS]
            except cnncalc.CnncalcError:
                pass

    substitution = median(substitute_sample, max(1, args.repeat // 2)) / len(sample)
    fixed = report.subs(values) if values else report
    names = [args.symbol]
    sizes = {s for _where, s in sizes_of(fixed) if getattr(s, "free_symbols", None)}

    def build() -> Evaluator:
        return Evaluator(
            symbols_named(fixed, names),
            [fixed.totals.metric(metric) for metric in METRICS],
            requirements=[r.relation for r in fixed.requirements],
            sizes=sorted(sizes, key=str),
            fallback=substitute,
        )

    compile_time = median(build, args.repeat)
    evaluator = build()
    points = range(1, 10_001)

    def python_points() -> None:
        point = evaluator.point
        for value in points:
            point(value)

    python_point = median(python_points, args.repeat) / len(points)
    numpy_point = median(lambda: evaluator.grid([range(1, 100_001)]), args.repeat) / 100_000
    say("| per point | time | ÷ substitution |")
    say("|:--|--:|--:|")
    say(f"| sympy substitution (`report.subs`, every metric; {len(sample)} points) | "
        f"{per_point(substitution, 1)} | 1× |")  # fmt: skip
    say(f"| compiled, Python's integers (every metric) | {per_point(python_point, 1)} | "
        f"{substitution / python_point:,.0f}× faster |")  # fmt: skip
    say(f"| compiled, NumPy int64 (every metric; a grid of 100,000) | "
        f"{per_point(numpy_point, 1)} | {substitution / numpy_point:,.0f}× faster |")  # fmt: skip
    say(f"| compiling (once) | {compile_time * 1e3:,.1f} ms | |")
    say()

    # solve by search over 4,096 values, here and at the base revision.
    solve_time = median(
        lambda: solve(report, args.condition, args.symbol, values, SEARCH), args.repeat
    )
    solution = solve(report, args.condition, args.symbol, values, SEARCH)
    with tempfile.TemporaryDirectory() as tmp:
        base = checkout(args.base, Path(tmp) / "base")
        child = subprocess.run(
            [sys.executable, "-c", BASE_SOLVE, str(base), spec_path, args.symbol,
             args.condition, str(args.repeat)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        # A spec the base cannot read (a multiplier, a function it lacks): no base figure.
        base_solve = float(child.stdout.split()[1]) if child.returncode == 0 else None
        # Both trees read the same file, the base's alexnet.yaml (the spec format only
        # grows: today's reads it; the base cannot read today's library file, whose
        # variants and 'when:' cost their own imports).
        startup_argv = [str(base / "specs" / "alexnet.yaml")]
        here_startup, base_startup = [], []
        for _ in range(args.repeat):  # interleaved: drift hits both alike
            base_startup.append(command_time(startup_argv, base, 1))
            here_startup.append(command_time(startup_argv, ROOT, 1))
        imports = subprocess.run(
            [sys.executable, "-c", IMPORTS, str(ROOT), startup_argv[0]],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    say(f"`solve {args.spec} \"{args.condition}\" --for {args.symbol} --range 1:4096` "
        f"(no closed form: every value tried; {solution.method.split(' from')[0]}): "
        f"{solution.runs}")  # fmt: skip
    say()
    say("| solve by search, 4,096 values | whole call | per value | ÷ substitution's |")
    say("|:--|--:|--:|--:|")
    if base_solve is None:
        say(f"| at {args.base} (before) | cannot read this spec | | |")
    else:
        say(f"| at {args.base} (before: closures compiled per formula) | "
            f"{base_solve * 1e3:,.1f} ms | {per_point(base_solve, 4096)} | "
            f"{substitution / (base_solve / 4096):,.0f}× faster |")  # fmt: skip
    say(
        f"| this checkout (the evaluator) | {solve_time * 1e3:,.1f} ms | "
        f"{per_point(solve_time, 4096)} | {substitution / (solve_time / 4096):,.0f}× faster |"
    )
    say(f"| by substitution (estimated: 4,096 × a point) | {substitution * 4096:,.1f} s | "
        f"{per_point(substitution, 1)} | 1× |")  # fmt: skip
    say()

    # Sweeps: 10,000 and 1,000,000 points, NumPy and Python.
    say("| sweep (params, macs, flops) | points | networks | NumPy | per point | "
        "Python's integers | per point |")  # fmt: skip
    say("|:--|--:|--:|--:|--:|--:|--:|")
    metrics = ("params", "macs", "flops")
    for text in grids:
        axes = parse_grid(text)
        size = 1
        for axis in axes:
            size *= len(axis.values)
        rounds = args.repeat if size <= 100_000 else min(3, args.repeat)
        numpy_time = median(partial(sweep, report, axes, metrics, None, values), rounds)
        # As where NumPy is not installed (it is optional): a multiplier's values put in,
        # the sizes in Python's integers.
        with mock.patch("cnncalc.evaluator._has_numpy", return_value=False):
            python_time = median(
                partial(sweep, report, axes, metrics, None, values, vectorise=False)
                if not any(isinstance(v, Fraction) for axis in axes for v in axis.ends())
                else partial(sweep, report, axes, metrics, None, values),
                rounds,
            )
        timings = [numpy_time, python_time]
        networks = len(sweep(report, axes, metrics, None, values))
        say(f"| `--grid \"{text}\"` | {size:,} | {networks:,} | {timings[0]:,.3f} s | "
            f"{per_point(timings[0], size)} | {timings[1]:,.3f} s | "
            f"{per_point(timings[1], size)} |")  # fmt: skip
    million = grids[-1]
    command = ["sweep", spec_path, "--grid", million, "-f", "csv", "-o", os.devnull]
    whole = command_time(command, ROOT, min(3, args.repeat))
    say()
    say(f"The whole command `cnncalc sweep {args.spec} --grid \"{million}\" -f csv -o "
        f"/dev/null` (start-up, sympy, analysis, the sweep, a CSV line per network): "
        f"{whole:,.2f} s (target: under 10 s).")  # fmt: skip
    say()
    here, before = statistics.median(here_startup), statistics.median(base_startup)
    say(f"Numeric start-up, `cnncalc specs/alexnet.yaml` (the base's file) piped: "
        f"{here * 1e3:,.0f} ms here, "
        f"{before * 1e3:,.0f} ms at {args.base} ({here / before:.2f}×); it imports "
        f"{imports or 'no numpy, no sympy, no evaluator'}.")  # fmt: skip
    say()
    if args.write:
        write_section(BENCH / "RESULTS.md", heading, "\n".join(lines))


if __name__ == "__main__":
    main()
