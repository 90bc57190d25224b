"""Numeric analysis time of two git revisions, measured side by side in one run.

    python bench/compare_revisions.py BEFORE [AFTER] [--repeat N]

Each revision is checked out into a temporary worktree; a child process per
revision and measurement imports cnncalc from that worktree and times
``cnncalc.analyze`` on the shipped AlexNet and LeNet-5 specs and on generated
chains. Runs alternate between the revisions so drift on a noisy machine hits
both alike; the table gives medians and the after ÷ before ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
import cnncalc
from cnncalc.spec import parse_spec
from chains import chain
cases = {
    "alexnet.yaml": cnncalc.load(sys.argv[1] + "/specs/alexnet.yaml"),
    "lenet5.yaml": cnncalc.load(sys.argv[1] + "/specs/lenet5.yaml"),
    "1,000-layer chain": parse_spec(chain(1000)),
}
out = {}
for name, spec in cases.items():
    cnncalc.analyze(spec)
    times = []
    for _ in range(int(sys.argv[3])):
        t = time.perf_counter(); cnncalc.analyze(spec); times.append(time.perf_counter() - t)
    out[name] = min(times)
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after", nargs="?", default="HEAD")
    parser.add_argument("--repeat", type=int, default=7, help="alternating rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {}
        for label, revision in (("before", args.before), ("after", args.after)):
            tree = Path(tmp) / label
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(tree), revision],
                cwd=ROOT, check=True, capture_output=True,
            )  # fmt: skip
            trees[label] = tree
        try:
            samples: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
            for _ in range(args.repeat):
                for label, tree in trees.items():
                    result = subprocess.run(
                        [sys.executable, "-c", CHILD, str(tree), str(ROOT / "bench"), "20"],
                        check=True, capture_output=True, text=True,
                    )  # fmt: skip
                    for case, seconds in json.loads(result.stdout).items():
                        samples[label].setdefault(case, []).append(seconds)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                               check=False, capture_output=True)  # fmt: skip
    print(f"before = {args.before}, after = {args.after}; median of {args.repeat} rounds "
          "of the best of 20\n")  # fmt: skip
    print("| numeric analysis | before | after | after ÷ before |\n|:--|--:|--:|--:|")
    for case in samples["before"]:
        before = statistics.median(samples["before"][case])
        after = statistics.median(samples["after"][case])
        print(f"| {case} | {before * 1e3:.2f} ms | {after * 1e3:.2f} ms | {after / before:.2f} |")


if __name__ == "__main__":
    main()
