"""A bounded fuzz run in CI: mutated specs never crash the CLI.

Every case ends with exit code 0 (valid), 1 (a check failed, or no solution)
or 2 (bad input, with one located ``error:`` line); never a traceback or an
internal error. Time is measured by the long run and ``bench/``, never
asserted here. The long run: ``python -m tests.fuzz``.
"""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import case, problems, run


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_specs_get_a_clear_answer(seed: int, tmp_path: Path) -> None:
    raw, command = case(random.Random(seed))
    outcome = run(raw, command, tmp_path / "spec.yaml")
    assert problems(outcome) == [], (command, raw[:400])
