"""Running the model's own code: its exits become errors, and it runs under a time limit.

``cnncalc import torch`` imports the user's module, calls its factory and runs
its forward in-process. That code may call ``sys.exit(3)`` or raise another
``BaseException`` (``GeneratorExit``, a class of its own), which ``except
Exception`` lets through: cnncalc would exit with the model's code.
:func:`user_code` turns each into a one-line error naming what was running.
``KeyboardInterrupt`` is left alone: Ctrl-C still stops cnncalc (exit 130).

A forward that never returns is stopped by :func:`time_limit`: ``SIGALRM``
raises :class:`ImportTimeout` in the main thread, at the next Python
bytecode, after ``CNNCALC_IMPORT_TIMEOUT`` seconds (default
``DEFAULT_TIMEOUT``; 0: no limit). It repeats every second, so a model that
swallows it (``except BaseException: pass``) meets it again; one that still
runs ``GRACE`` seconds later cannot be stopped from inside Python, and the
process ends there: the one error line, exit 2 (the CLI's bad-input code),
nothing written. Outside the main thread, or where there is no ``SIGALRM``
(Windows), there is no limit; a loop inside one C call (a single huge
convolution) is stopped only when it returns.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

from cnncalc.errors import CnncalcError, show_value
from cnncalc.i18n import _
from cnncalc.importers.torch_fx.messages import one_line

DEFAULT_TIMEOUT = 300
"""Seconds the model's code may run (building, tracing, one forward pass or two)."""
_REPEAT = 1.0
GRACE = 5.0
"""Seconds the model's code may go on ignoring the time limit before the process ends."""
_EXIT_BAD_INPUT = 2


class ImportTimeout(BaseException):
    """Raised by the time limit's alarm; a BaseException, so ``except Exception`` in the
    model's code does not swallow it."""

    def __init__(self) -> None:
        super().__init__("the time limit")
        self.phase: str | None = None


def import_timeout() -> float:
    """``CNNCALC_IMPORT_TIMEOUT`` in seconds if set, else ``DEFAULT_TIMEOUT``; 0 is no limit."""
    value = os.environ.get("CNNCALC_IMPORT_TIMEOUT", "")
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value) if value.isascii() and len(value) <= 20 else -1.0
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise CnncalcError(
            _(
                "CNNCALC_IMPORT_TIMEOUT must be a number of seconds (0 for no limit), got {got}"
            ).format(got=show_value(value))
        )
    return seconds


@contextlib.contextmanager
def user_code(what: str, *, phase: bool = True) -> Iterator[None]:
    """Run the model's code; ``what`` (``calling net.py:Net()``) names it in errors.

    ``sys.exit(n)`` becomes ``… exited (sys.exit(n))``, any other BaseException but
    Ctrl-C ``… failed: Type: message``; an ``Exception`` is left to the caller,
    which knows what to say of it. With ``phase``, the time limit's message says
    this was running when time ran out.
    """
    try:
        yield
    except ImportTimeout as timeout:
        if phase and timeout.phase is None:
            timeout.phase = what
        raise
    except (KeyboardInterrupt, CnncalcError):
        raise
    except SystemExit as exit_:
        code = "" if exit_.code is None else show_value(exit_.code)
        raise CnncalcError(
            _("{what} exited ({call})").format(what=what, call=f"sys.exit({code})")
        ) from None
    except Exception:
        raise
    except BaseException as error:  # GeneratorExit, a class of the model's own
        raise CnncalcError(failed(what, one_line(error))) from None


def failed(what: str, why: str) -> str:
    """``calling net.py:Net() failed: ValueError: …``; ``what`` in the active language."""
    return _("{what} failed: {why}").format(what=what, why=why)


def _timeout_message(model: str, seconds: float, phase: str | None) -> str:
    if phase:
        return _(
            "{model}: the import did not finish within {seconds} s (while {phase}); set "
            "CNNCALC_IMPORT_TIMEOUT to more seconds (0: no limit) if the model is this slow"
        ).format(model=model, seconds=f"{seconds:g}", phase=phase)
    return _(
        "{model}: the import did not finish within {seconds} s; set CNNCALC_IMPORT_TIMEOUT "
        "to more seconds (0: no limit) if the model is this slow"
    ).format(model=model, seconds=f"{seconds:g}")


@contextlib.contextmanager
def time_limit(model: str) -> Iterator[None]:
    """Stop the body after ``CNNCALC_IMPORT_TIMEOUT`` seconds with a one-line error."""
    seconds = import_timeout()
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not seconds or not usable:
        yield
        return

    message = _timeout_message(model, seconds, None)
    expired: list[float] = []  # when the alarm first rang

    def expire(signum: int, frame: FrameType | None) -> None:
        if not expired:
            expired.append(time.monotonic())
        elif time.monotonic() - expired[0] >= GRACE:
            ended = _(
                "{message} (the model's code went on for {grace} s after it was told to stop: "
                "cnncalc ends here)"
            ).format(message=message, grace=f"{GRACE:g}")
            sys.stderr.write(f"error: {ended}\n")
            sys.stderr.flush()
            os._exit(_EXIT_BAD_INPUT)
        raise ImportTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    outer = signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT)
    try:
        yield
    except ImportTimeout as timeout:
        signal.setitimer(signal.ITIMER_REAL, 0)
        raise CnncalcError(_timeout_message(model, seconds, timeout.phase)) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer[0]:  # someone else's alarm (pytest-timeout's): put it back
            signal.setitimer(signal.ITIMER_REAL, *outer)
