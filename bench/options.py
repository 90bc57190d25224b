"""The cost of the report options beside the default table, alternated in one run.

    python bench/options.py [--repeat 21]

Each round runs ``cnncalc SPEC`` and ``cnncalc SPEC OPTION`` for every option once, in
fresh processes, so the load other work puts on the machine falls on all alike; the
best time of each is printed, and its ratio to the default table's.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = ("specs/resnet50.yaml", "specs/lenet5-symbolic.yaml")
OPTIONS = {
    "default table": [],
    "--memory --batch 32 --dtype fp16": ["--memory", "--batch", "32", "--dtype", "fp16"],
    "--training --batch 32": ["--training", "--batch", "32"],
    "--receptive-field": ["--receptive-field"],
    "--roofline --batch 32 --dtype fp16": ["--roofline", "--batch", "32", "--dtype", "fp16"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    print("| spec | " + " | ".join(f"`{o}`" if o != "default table" else o for o in OPTIONS)
          + " |\n|---|" + "--:|" * len(OPTIONS))  # fmt: skip
    for spec in SPECS:
        best = dict.fromkeys(OPTIONS, float("inf"))
        for _ in range(args.repeat):
            for label, extra in OPTIONS.items():
                start = time.perf_counter()
                command = [sys.executable, "-m", "cnncalc", spec, *extra]
                subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
                best[label] = min(best[label], time.perf_counter() - start)
        base = best["default table"]
        cells = [f"{t:.3f} s" + ("" if k == "default table" else f" ({t / base:.2f}×)")
                 for k, t in best.items()]  # fmt: skip
        print(f"| `{spec}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
