"""Running a case in-process through :func:`cnncalc.cli.main`, and what it left behind.

The case's files are written into a fresh directory, which becomes the working
directory for the run (so messages and reproducers name ``spec.yaml``, not a
temporary path); its environment variables are set for the run only. With
``CNNCALC_DEBUG=1`` the CLI re-raises an internal error instead of printing
exit 70's line, so the outcome keeps the exception and the innermost cnncalc
frame it came from: the finding's cause.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cnncalc.cli import main
from tests.fuzzing.cases import Case

INTERNAL_ERROR = 70
"""The CLI's exit code for a bug in cnncalc (an exception it did not expect)."""


@dataclass(frozen=True)
class Crash:
    """An exception that escaped the CLI: its type, message and where in cnncalc it rose."""

    type: str
    message: str
    frame: str
    """The innermost frame in cnncalc's own code: ``cnncalc/solve.py:120 in solve``."""

    @property
    def cause(self) -> str:
        """The finding's key: the type and the innermost cnncalc function (no line number,
        so one cause stays one finding as the code around it moves)."""
        where = self.frame.split(":")[0] + " in " + self.frame.rsplit(" in ", 1)[-1]
        return f"{self.type} at {where}"


@dataclass(frozen=True)
class Outcome:
    """What running a case gave."""

    status: int
    out: str
    err: str
    seconds: float
    written: bytes | None
    """The file the command was told to write (``-o``), if it exists after the run."""
    crash: Crash | None = None


def innermost_cnncalc_frame(error: BaseException) -> str:
    """The last traceback frame in the cnncalc package (not in the tests), as file:line in f."""
    found = "outside cnncalc"
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if "cnncalc" in path.parts and "tests" not in path.parts:
            relative = Path(*path.parts[path.parts.index("cnncalc") :])
            found = f"{relative}:{frame.lineno} in {frame.name}"
    return found


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set, restored afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def case_directory(case: Case) -> Iterator[Path]:
    """A fresh directory holding the case's files, as the working directory."""
    previous = os.getcwd()
    directory = Path(tempfile.mkdtemp(prefix="cnncalc-fuzz-"))
    try:
        for name, data in case.files:
            (directory / name).write_bytes(data)
        os.chdir(directory)
        yield directory
    finally:
        os.chdir(previous)
        shutil.rmtree(directory, ignore_errors=True)


def call(argv: list[str], env: dict[str, str]) -> tuple[int, str, str, Crash | None]:
    """``main(argv)`` with stdout and stderr captured; an escaping exception becomes a Crash."""
    out, err = io.StringIO(), io.StringIO()
    crash = None
    with (
        environment({"CNNCALC_DEBUG": "1", "COLUMNS": "100", **env}),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(),
    ):
        # Every warning is shown (to the captured stderr), not only its first time in
        # the process, so a case's outcome does not depend on the cases before it.
        warnings.simplefilter("always")
        try:
            status = main(argv)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            status = INTERNAL_ERROR
            crash = Crash(type(error).__name__, str(error)[:300], innermost_cnncalc_frame(error))
    return status, out.getvalue(), err.getvalue(), crash


def run(case: Case) -> Outcome:
    """Run ``case`` in-process and collect its outputs."""
    with case_directory(case) as directory:
        started = time.perf_counter()
        status, out, err, crash = call(list(case.command.argv), dict(case.command.env))
        seconds = time.perf_counter() - started
        written = None
        output = case.command.output
        if output is not None and output.writable:
            path = directory / output.path
            written = path.read_bytes() if path.is_file() else None
    return Outcome(status, out, err, seconds, written, crash)


def analyse_text(spec: str) -> tuple[int, str]:
    """The exit code and stderr of ``cnncalc spec.yaml`` on a spec's text (an imported one)."""
    with tempfile.TemporaryDirectory(prefix="cnncalc-fuzz-") as directory:
        path = Path(directory) / "imported.yaml"
        path.write_text(spec, encoding="utf-8", errors="surrogatepass")
        status, _, err, crash = call([str(path), "-f", "json"], {})
    return status, (f"{crash.type}: {crash.message}" if crash else err)
