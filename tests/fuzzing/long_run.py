"""The long fuzz run: ``python -m tests.fuzz --cases 20000 --seed 0 --report findings.md``.

Cases are generated in this process (the same seed gives the same cases)
and run in worker processes, each case under a time limit: a case over it is
reported as a slow finding and its worker replaced, so one hang cannot stop
the run. Workers also bound their memory (``--memory``), so a blow-up is a
``MemoryError`` finding rather than the machine swapping. At the end each
finding's smallest case is reduced (:func:`tests.fuzzing.findings.reduce`)
and the figures are printed: cases, seconds, exit codes, findings by cause
with their reproducers, and the slowest cases.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from tests.fuzzing.cases import Case
from tests.fuzzing.findings import Finding, cause, reduce, shown, size
from tests.fuzzing.generators import GENERATORS, mixed

# Imported here, not in the worker: a worker is forked while a thread draws cases, and
# an import in the child could wait forever for an import lock that thread held.
from tests.fuzzing.harness import run
from tests.fuzzing.properties import problems

SLOW = "slow"
CRASHED = "crashed"


@dataclass(frozen=True)
class Result:
    """What a worker reports for one case."""

    status: int | str
    """The exit code, or ``slow`` / ``crashed`` when the worker did not answer."""
    seconds: float
    problems: list[str]
    retire: bool = False
    """The worker grew past half its memory bound and is to be replaced."""


def serve(connection: Connection, parent_end: Connection, memory_bytes: int, seconds: int) -> None:
    """A worker: runs the cases it is sent, answers with each one's result; stops when the
    run ends (its end of the pipe closes, with the parent process), and ends itself (SIGALRM)
    when a case runs twice its time limit (the run, if alive, has replaced it by then)."""

    parent_end.close()  # else the pipe stays open after the parent dies, and so does this
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while True:
        try:
            case = connection.recv()
        except EOFError:
            return
        if case is None:
            return
        signal.alarm(seconds)
        try:
            outcome = run(case)
        except MemoryError:  # past the memory bound outside the CLI (capturing its output)
            signal.alarm(0)
            connection.send(Result(CRASHED, 0.0, ["MemoryError outside the CLI"]))
            continue
        signal.alarm(0)
        try:
            found = problems(case, outcome)
        except Exception as error:  # a bug of the fuzzer's own: reported apart, as one
            found = [f"fuzzer error: {type(error).__name__} — {error}"]
        # Past half its bound (a large case), a worker's heap stays large and a later small
        # case would meet a MemoryError that is not its own: it asks to be replaced.
        retire = bool(memory_bytes) and _peak_bytes() > memory_bytes // 2
        connection.send(Result(outcome.status, outcome.seconds, found, retire))


def _peak_bytes() -> int:
    """The process's peak resident memory (Linux reports kibibytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Worker:
    """A worker process, the case it runs and when that case's time is up."""

    def __init__(self, memory_bytes: int, timeout: float) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=serve,
            args=(child, self.connection, memory_bytes, int(2 * timeout) + 1),
            daemon=True,
        )
        self.process.start()
        child.close()
        self.case: Case | None = None
        self.index = -1
        self.started = 0.0

    def send(self, index: int, case: Case) -> bool:
        """Hand ``case`` to the worker; False when the worker has died meanwhile."""
        self.index, self.case, self.started = index, case, time.perf_counter()
        try:
            self.connection.send(case)
        except OSError:  # BrokenPipeError: it died after its last answer
            return False
        return True

    def stop(self) -> None:
        self.process.kill()
        self.process.join()


class Runner:
    """Workers with a time limit per case; results come back with their case."""

    def __init__(self, jobs: int, timeout: float, memory_bytes: int) -> None:
        self.timeout, self.memory_bytes = timeout, memory_bytes
        self.workers = [Worker(memory_bytes, timeout) for _ in range(jobs)]

    def results(self, cases: list[tuple[int, Case]]) -> list[tuple[int, Case, Result]]:
        """Run ``cases``; each comes back with its result, in the order they finish."""
        waiting, finished = list(reversed(cases)), []
        while waiting or any(w.case is not None for w in self.workers):
            for worker in self.workers:
                if worker.case is None and waiting:
                    index, case = waiting.pop()
                    if not worker.send(index, case):
                        self._replace(worker)
                        worker.send(index, case)
            busy = [w for w in self.workers if w.case is not None]
            first_deadline = min(w.started + self.timeout for w in busy)
            ready = wait(
                [w.connection for w in busy], max(0.0, first_deadline - time.perf_counter())
            )
            for worker in busy:
                result = self._result(worker, ready)
                if result is not None and worker.case is not None:
                    finished.append((worker.index, worker.case, result))
                    worker.case = None
        return finished

    def _result(self, worker: Worker, ready: Sequence[object]) -> Result | None:
        seconds = time.perf_counter() - worker.started
        if worker.connection in ready:
            try:
                result: Result = worker.connection.recv()
                if result.retire:
                    self._replace(worker)
                return result
            except EOFError:  # the worker died: a segfault, or the kernel's OOM killer
                code = worker.process.exitcode
                self._replace(worker)
                return Result(CRASHED, seconds, [f"worker crashed (exit {code})"])
        if seconds > self.timeout:
            self._replace(worker)
            return Result(SLOW, seconds, [f"over the {self.timeout:g} s limit"])
        return None

    def _replace(self, worker: Worker) -> None:
        worker.stop()
        fresh = Worker(self.memory_bytes, self.timeout)
        worker.connection, worker.process = fresh.connection, fresh.process

    def causes(self, case: Case) -> set[str]:
        """The causes of one case's problems (for reducing a reproducer)."""
        ((_, _, result),) = self.results([(0, case)])
        return {cause(p, case) for p in result.problems}

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()


def report(findings: dict[str, Finding], out: list[str]) -> None:
    """Each finding, most frequent first, with its reproducer."""
    for number, finding in enumerate(sorted(findings.values(), key=lambda f: -f.count), 1):
        assert finding.case is not None
        generators = ", ".join(f"{g} {n}" for g, n in sorted(finding.generators.items()))
        out.append(f"\n### {number}. {finding.cause}\n\n{finding.count:,} cases ({generators}).")
        if finding.detail:
            out.append(f"Detail: `{finding.detail[:300]}`")
        out.append(f"\n```console\n$ {finding.case.argv_text()}\n```")
        for name, data in finding.case.files:
            out.append(f"\n{name} ({len(data):,} bytes):\n\n```yaml\n{shown(data)}\n```")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Long fuzz run of every cnncalc command.")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--generator", choices=sorted(GENERATORS), help="only this generator")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per case (10)")
    parser.add_argument("--memory", type=int, default=4096, help="MiB per worker (4096)")
    parser.add_argument("--report", type=Path, help="write the findings as Markdown here")
    parser.add_argument("--save", type=Path, help="write each finding's reproducer here")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    generate = GENERATORS[args.generator][0] if args.generator else mixed
    # The workers' case directories go under one directory of the run's, removed at the
    # end: a worker killed mid-case (over its time) cannot leave them behind in /tmp.
    scratch = Path(tempfile.mkdtemp(prefix="cnncalc-fuzz-run-"))
    tempfile.tempdir = str(scratch)
    runner = Runner(args.jobs, args.timeout, args.memory * 2**20)
    tally = Tally()
    started = time.perf_counter()
    batch = 200  # a batch waits for its slowest case (up to the time limit): not too few
    stack = contextlib.ExitStack()
    try:
        # The next batch is drawn in a thread while the workers run this one: drawing
        # (hypothesis-jsonschema above all) took as long as running, one after the other.
        # One thread draws every batch, in order, so a seed still gives the same cases.
        def draw(first: int) -> list[tuple[int, Case]]:
            return [(i, generate(rng)) for i in range(first, min(first + batch, args.cases))]

        drawing = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        upcoming = drawing.submit(draw, 0)
        for first in range(0, args.cases, batch):
            cases = upcoming.result()
            if first + batch < args.cases:
                upcoming = drawing.submit(draw, first + batch)
            for _, case, result in runner.results(cases):
                tally.add(case, result)
            if (first // batch) % 5 == 0:
                elapsed = time.perf_counter() - started
                print(
                    f"{tally.cases:,} cases, {len(tally.findings)} findings, {elapsed:,.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
                if args.report:  # so far, unreduced: a run stopped early still tells
                    write(args.report, tally.text(args, elapsed, partial=True))
        elapsed = time.perf_counter() - started
        for finding in tally.findings.values():
            if finding.case is not None and not finding.cause.startswith(
                ("over the", "worker", "MemoryError outside")
            ):
                finding.case = reduce(finding.case, finding.cause, runner.causes)
    finally:
        stack.close()  # waits for a batch being drawn
        runner.close()
        tempfile.tempdir = None
        shutil.rmtree(scratch, ignore_errors=True)
    text = tally.text(args, elapsed)
    if args.report:
        write(args.report, text)
    if args.save:
        save(tally.findings, args.save)
    print(escaped(text))
    return 1 if tally.findings else 0


class Tally:
    """The run's figures so far: exit codes, generators, findings by cause, slowest cases."""

    def __init__(self) -> None:
        self.cases = 0
        self.failing = 0
        self.findings: dict[str, Finding] = {}
        self.statuses: Counter[str] = Counter()
        self.by_generator: Counter[str] = Counter()
        self.slowest: list[tuple[float, Case, int | str]] = []

    def add(self, case: Case, result: Result) -> None:
        self.cases += 1
        self.statuses[str(result.status)] += 1
        self.by_generator[case.generator] += 1
        self.failing += bool(result.problems)
        for problem in result.problems:
            key = cause(problem, case)
            self.findings.setdefault(key, Finding(key)).add(problem, case)
        self.slowest = sorted(
            [*self.slowest, (result.seconds, case, result.status)], key=lambda s: -s[0]
        )[:10]

    def text(self, args: argparse.Namespace, elapsed: float, partial: bool = False) -> str:
        """The report as Markdown."""
        title = f"# Fuzz run: {args.cases:,} cases, seed {args.seed}"
        if partial:
            title += f" (so far: {self.cases:,} cases; reproducers not yet reduced)"
        out = [
            title,
            f"\n{elapsed:,.0f} s ({args.jobs} worker(s), {args.timeout:g} s per case); "
            f"by generator: {dict(sorted(self.by_generator.items()))}",
            f"exit codes: {dict(sorted(self.statuses.items()))}; "
            f"cases with a problem: {self.failing:,}; findings: {len(self.findings)}",
            "\n## Slowest cases\n",
            *(
                f"- {s:,.2f} s, exit {st}: `{c.argv_text()[:150]}` "
                f"({c.generator}: {c.note[:120]}, {size(c):,} bytes)"
                for s, c, st in self.slowest
            ),
            "\n## Findings, most frequent first",
        ]
        report(self.findings, out)
        return "\n".join(out) + "\n"


def escaped(text: str) -> str:
    """Names and values may hold lone surrogates (a YAML "\\ud800" escape): shown escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def write(path: Path, text: str) -> None:
    path.write_text(escaped(text), encoding="utf-8")


def save(findings: dict[str, Finding], directory: Path) -> None:
    """Each finding's reproducer as files: NN.argv (the command line) and NN-FILE."""
    directory.mkdir(parents=True, exist_ok=True)
    ordered = sorted(findings.values(), key=lambda f: -f.count)
    for number, finding in enumerate(ordered, 1):
        assert finding.case is not None
        argv = finding.case.argv_text().encode("utf-8", "backslashreplace")
        (directory / f"{number:02}.argv").write_bytes(argv + b"\n")
        for name, data in finding.case.files:
            (directory / f"{number:02}-{name.replace('/', '_')}").write_bytes(data)
