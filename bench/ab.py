"""Before and after: the same commands on two checkouts, alternated in one run.

    python bench/ab.py BEFORE_TREE [--after TREE] [--sizes 10000] [--repeat 11] [--only LABEL]

A change that must not slow the numeric path is measured here: each round runs
every case once on the other checkout (``BEFORE_TREE``, e.g. ``git archive
COMMIT | tar -x -C DIR``) and once on this one, in fresh child processes, so
the load other work puts on the machine falls on both alike. It prints the
median seconds of each and the ratio after/before (1.00: no change). Cases and
specs are :mod:`large`'s (the timing excludes start-up, as there).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import large

DEFAULT = ("table (", "JSON (", "N ReLU layers")
"""The numeric reports: a conv chain as a table and as JSON, and a chain of activations."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the checkout to compare with")
    parser.add_argument("--after", type=Path, default=large.ROOT, help="default: this checkout")
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--only", help="the cases whose label holds this (default: reports)")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    wanted = args.only or ""
    cases = [c for c in large.CASES if c.label.startswith(DEFAULT) and wanted in c.label]
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    print("| case | layers | before (s) | after (s) | after/before |\n|:--|--:|--:|--:|--:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            for case in cases:
                argv = case.argv(size, Path(tmp))
                times: dict[str, list[float]] = {name: [] for name in trees}
                for _ in range(args.repeat):
                    for name, tree in trees.items():
                        run = large.measure(tree, [argv], args.timeout)[0]
                        if run.seconds is None or run.status != 0:
                            raise SystemExit(f"{case.label} on {tree}: {run}")
                        times[name].append(run.seconds)
                before, after = (statistics.median(times[name]) for name in trees)
                print(f"| {case.label} | {size:,} | {before:.3f} | {after:.3f} | "
                      f"{after / before:.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
