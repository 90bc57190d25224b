"""Structure-aware mutations of valid specs, and a harness that runs them through the CLI.

Shared by the bounded fuzz test in CI (``tests/test_fuzz.py``) and the long
run (``python -m tests.fuzz --cases 100000``), which reports the slowest inputs.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cnncalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "specs").glob("*.yaml"))]

NASTY_VALUES: list[Any] = [
    -1, 0, 1, 2, 3, 10**100, -(10**100), 2**63, 1.5, float("nan"), float("inf"), True, False,
    None, "", "n", "k", "2*k + 1", "n//2", "n / 2", "n - 100", "k**9", "k**99", "(", "1e3",
    "__import__('os').system('true')", "same", "valid", "vaild", "relu", "lenet5", "full",
    "input", "in", "total", "conv2d", "yes", "0x10", "017", "\u00e9\u6a21", "x" * 300,
    [], [1], [0, 0], [-1, 2], [3, 3, 3], [[1, 2], [3, 4]], [[-1, 0], [0, 0]], {}, {"a": 1},
]  # fmt: skip
"""Values a careless or hostile spec might hold where another was expected."""

KEYS = ["type", "name", "filters", "kernel", "stride", "padding", "dilation", "groups", "bias",
        "units", "input", "inputs", "connections", "activation", "rate", "ceil_mode", "block",
        "repeat", "first", "when", "output_size", "scale", "framework", "size", "filers",
        "kernal", "layer", "expect", "values", "convention", "blocks", "params"]  # fmt: skip

TEXT_INJECTIONS = [
    "\t- {type: relu}\n",
    "bad: !!python/object/apply:os.system ['echo pwned']\n",
    "bad: !!python/name:os.system\n",
    "bad: !!binary aGVsbG8=\n",
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
    "deep: " + "[" * 3000 + "]" * 3000 + "\n",
    "deep: " + "{a: " * 200 + "1" + "}" * 200 + "\n",
    "input: [1, 2, 3]\n",
    "layers: *undefined\n",
    "loop: &loop [1, *loop]\n",
    "loop: &loop {a: *loop}\n",
    "{unclosed: [1, 2\n",
    "key: 'unterminated\n",
]
"""YAML text a spec should never hold, inserted as whole lines."""


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in a plain-data tree."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def mutate_data(data: Any, rng: random.Random) -> Any:
    """One structural change: delete, retype, duplicate, swap, misspell or add a key."""
    candidates = [p for p in paths(data) if p]
    if not candidates:
        return copy.deepcopy(rng.choice(NASTY_VALUES))
    path = rng.choice(candidates)
    parent = _parent(data, path)
    key = path[-1]
    operation = rng.randrange(6)
    # Copies throughout: shared objects, mutated later, would make the data cyclic.
    if operation == 0:  # delete
        del parent[key]
    elif operation == 1:  # retype
        parent[key] = copy.deepcopy(rng.choice(NASTY_VALUES))
    elif operation == 2 and isinstance(parent, list):  # duplicate an item
        parent.insert(key, copy.deepcopy(parent[key]))
    elif operation == 3 and isinstance(parent, list) and len(parent) > 1:  # swap items
        other = rng.randrange(len(parent))
        parent[key], parent[other] = parent[other], parent[key]
    elif operation == 4 and isinstance(parent, dict):  # misspell or invent a key
        value = parent.pop(key)
        parent[rng.choice(KEYS) if rng.random() < 0.5 else f"{key}x"] = value
    else:  # put a small subtree where a scalar was
        subtrees = [[rng.choice(NASTY_VALUES)], {rng.choice(KEYS): rng.choice(NASTY_VALUES)}]
        parent[key] = copy.deepcopy(rng.choice(subtrees))
    return data


def mutate_text(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True) or [""]
    at = rng.randrange(len(lines) + 1)
    operation = rng.randrange(4)
    if operation == 0:
        lines.insert(at, rng.choice(TEXT_INJECTIONS))
    elif operation == 1 and lines:  # a duplicate line: often a duplicate key
        lines.insert(at, lines[min(at, len(lines) - 1)])
    elif operation == 2:  # truncation
        return text[: rng.randrange(len(text) + 1)]
    else:  # a tab where an indent was
        lines = [line.replace("  ", "\t", 1) if i == at else line for i, line in enumerate(lines)]
    return "".join(lines)


def mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(3)
    if choice == 0:
        return b"\xef\xbb\xbf" + raw  # a byte-order mark: fine
    if choice == 1:
        at = rng.randrange(len(raw) + 1)
        return raw[:at] + bytes([rng.choice([0xFF, 0xC3, 0x80, 0x00])]) + raw[at:]
    return raw


def case(rng: random.Random) -> tuple[bytes, list[str]]:
    """A mutated spec (as bytes) and the command-line arguments to run it with."""
    data = yaml.safe_load(rng.choice(SEEDS))
    for _ in range(rng.randint(1, 3)):
        data = mutate_data(data, rng)
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200)
    except yaml.YAMLError:  # pragma: no cover - plain data always dumps
        text = "{}"
    if rng.random() < 0.3:
        text = mutate_text(text, rng)
    raw = text.encode("utf-8")
    if rng.random() < 0.1:
        raw = mutate_bytes(raw, rng)
    command = rng.choice([
        [], ["-f", "json"], ["-f", "csv"], ["-f", "markdown"], ["--formulas"], ["--depth", "1"],
        ["-c", "ptflops"], ["--subs", "n=32,k=5"], ["check"], ["explain", "C1"],
        ["solve", "total.params > 0", "--for", "n", "--range", "1:40"],
    ])  # fmt: skip
    return raw, command


SLOW = 2.0
"""Seconds after which a case counts as slow (the long run saves it)."""


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str
    seconds: float


def run(raw: bytes, command: list[str], path: Path) -> Outcome:
    """The CLI on a spec file holding ``raw``, in-process."""
    path.write_bytes(raw)
    if command and command[0] in ("check", "explain", "solve"):
        argv = [command[0], str(path), *command[1:]]
    else:
        argv = [str(path), *command]
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return Outcome(status, out.getvalue(), err.getvalue(), time.perf_counter() - started)


def problems(outcome: Outcome) -> list[str]:
    """What is wrong with how the CLI handled a case (nothing, ideally)."""
    found = []
    if outcome.status not in (0, 1, 2):
        found.append(f"exit code {outcome.status}")
    if "Traceback" in outcome.err or "internal error" in outcome.err:
        found.append("a traceback or internal error")
    if outcome.status == 2:
        lines = outcome.err.splitlines()
        if not lines or not all(line.startswith("error: ") for line in lines):
            found.append(f"not one located 'error:' line: {outcome.err[:200]!r}")
    return found


def main_long() -> None:
    parser = argparse.ArgumentParser(description="Long fuzz run of the CLI on mutated specs.")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", type=Path, help="write failing cases to this directory")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    slowest: list[tuple[float, bytes, list[str]]] = []
    slowest_by_status: dict[int, tuple[float, bytes, list[str]]] = {}
    counts = {0: 0, 1: 0, 2: 0}
    failures = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.yaml"
        for index in range(args.cases):
            raw, command = case(rng)
            outcome = run(raw, command, path)
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
            issues = problems(outcome)
            if issues:
                failures += 1
                print(f"case {index}: {issues}\n  argv {command}\n  spec {raw[:300]!r}")
            if args.save and (issues or outcome.seconds > SLOW):
                args.save.mkdir(parents=True, exist_ok=True)
                kind = "case" if issues else "slow"
                (args.save / f"{kind}-{index}.yaml").write_bytes(raw)
                (args.save / f"{kind}-{index}.argv").write_text(" ".join(command))
            timed = (outcome.seconds, raw, command)
            slowest = sorted([*slowest, timed], key=lambda s: -s[0])[:5]
            if outcome.seconds > slowest_by_status.get(outcome.status, (0.0,))[0]:
                slowest_by_status[outcome.status] = timed
    elapsed = time.perf_counter() - started
    print(f"{args.cases:,} cases in {elapsed:,.0f} s; exit codes {counts}; {failures} failures")
    print("slowest:")
    for seconds, raw, command in slowest:
        print(f"  {seconds * 1e3:,.0f} ms  {command}  {raw[:120]!r}")
    print("slowest of each exit code (2: bad input, 1: a failed check):")
    for status, (seconds, raw, command) in sorted(slowest_by_status.items()):
        print(f"  exit {status}: {seconds * 1e3:,.0f} ms  {command}  {raw[:120]!r}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main_long()
