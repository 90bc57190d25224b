"""The long fuzz run of every command: ``python -m tests.fuzz --cases 20000 --report FILE``.

The fuzzer lives in :mod:`tests.fuzzing`; this module keeps the command the
README documents. ``python -m tests.fuzz --help`` lists the options (seed,
generator, worker processes, time and memory limits per case).
"""

from __future__ import annotations

import sys

from tests.fuzzing.long_run import main

if __name__ == "__main__":
    sys.exit(main())
