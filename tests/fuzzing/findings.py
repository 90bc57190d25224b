"""Findings: problems grouped by cause, each with the smallest reproducer seen, reduced.

A problem's cause is its property's name (``exit 70: ValueError at
cnncalc/cli.py in run_solve`` names the exception and the innermost cnncalc
function; a property names what it checks) plus, for output properties, the
command and renderer (``[analyze -f csv]``), since each renderer escapes on
its own. The reproducer is reduced line by line (delta debugging on the
spec's lines) and option by option while the same cause persists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tests.fuzzing.cases import Case


def cause(problem: str, case: Case) -> str:
    """The finding a problem belongs to."""
    head = problem.split(" — ", 1)[0]
    if head.startswith(ANY_COMMAND):
        return head
    return f"{head} [{case.command.shape}]"


ANY_COMMAND = (
    "exit",
    "error line",
    "control character in the error line",
    "stray stderr",
    "worker crashed",
    "fuzzer error",
)
"""Problems whose cause does not depend on the renderer (the others are keyed by command)."""


def size(case: Case) -> int:
    """How big a reproducer is: its files and its command line, in characters."""
    return sum(len(data) for _, data in case.files) + sum(len(w) for w in case.command.argv)


@dataclass
class Finding:
    """One cause: how often it was seen, the first problem's detail, the smallest case."""

    cause: str
    count: int = 0
    detail: str = ""
    case: Case | None = None
    generators: dict[str, int] = field(default_factory=dict)

    def add(self, problem: str, case: Case) -> None:
        self.count += 1
        self.generators[case.generator] = self.generators.get(case.generator, 0) + 1
        if self.case is None or size(case) < size(self.case):
            self.case = case
            self.detail = problem.split(" — ", 1)[-1] if " — " in problem else ""


Check = Callable[[Case], set[str]]
"""Runs a case and returns the causes of its problems."""


def with_spec(case: Case, data: bytes) -> Case:
    """The case with its first file's bytes replaced."""
    (name, _), *rest = case.files
    return replace(case, files=((name, data), *rest))


def reduce_lines(case: Case, wanted: str, check: Check, budget: int) -> tuple[Case, int]:
    """Delta debugging on the first file's lines: drop chunks while ``wanted`` persists."""
    if not case.files:
        return case, budget
    lines = case.files[0][1].splitlines(keepends=True)
    chunk = max(1, len(lines) // 2)
    while chunk >= 1 and budget > 0:
        start, changed = 0, False
        while start < len(lines) and budget > 0:
            candidate = lines[:start] + lines[start + chunk :]
            budget -= 1
            if candidate and wanted in check(with_spec(case, b"".join(candidate))):
                lines, changed = candidate, True
            else:
                start += chunk
        if not changed:
            chunk //= 2
    return with_spec(case, b"".join(lines)), budget


REMOVABLE = {"-c": 2, "--subs": 2, "--depth": 2, "--range": 2}
"""Options a reproducer can do without, and how many words each takes (``-f``,
``--formulas``, ``-o`` and ``--for`` stay: the expected output depends on them)."""


def reduce_options(case: Case, wanted: str, check: Check, budget: int) -> tuple[Case, int]:
    """Drop options (``-c X``, ``--subs X``, ``--formulas``) while ``wanted`` persists."""
    argv, index = list(case.command.argv), 0
    while index < len(argv) and budget > 0:
        span = REMOVABLE.get(argv[index])
        if span:
            shorter = argv[:index] + argv[index + span :]
            candidate = replace(case, command=replace(case.command, argv=tuple(shorter)))
            budget -= 1
            if wanted in check(candidate):
                case, argv = candidate, shorter
                continue
        index += 1
    return case, budget


def reduce(case: Case, wanted: str, check: Check, budget: int = 120) -> Case:
    """A smaller case with the same finding (at most ``budget`` runs)."""
    case, budget = reduce_options(case, wanted, check, budget)
    case, _ = reduce_lines(case, wanted, check, budget)
    return case


def shown(data: bytes, limit: int = 1500) -> str:
    """A file's bytes as readable text: UTF-8 where it decodes, control characters escaped."""
    text = data.decode("utf-8", errors="backslashreplace")
    escaped = "".join(c if c == "\n" or c.isprintable() else repr(c)[1:-1] for c in text)
    return escaped if len(escaped) <= limit else escaped[:limit] + f"\n…({len(escaped):,} chars)"
