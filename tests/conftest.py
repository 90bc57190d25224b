"""Shared fixtures: the shipped specs and golden files.

Run ``pytest --update-goldens`` to rewrite golden files from current output
(then read the diff before committing it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI's examples are the same on every run and machine (a red CI must mean a change broke
# something); ``HYPOTHESIS_PROFILE=explore`` draws new ones, as the long fuzzer does.
settings.register_profile("reproducible", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))

# The goldens are English unless a test asks for Chinese: a developer's zh_CN locale
# must not turn them red (the language tests pass their environment explicitly).
os.environ["CNNCALC_LANG"] = "en"

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
GOLDEN = Path(__file__).resolve().parent / "golden"
NUMERIC_SPECS = sorted(p for p in SPECS.glob("*.yaml") if not p.stem.endswith("-symbolic"))
"""The shipped specs whose sizes are all numbers (symbolic ones end in ``-symbolic``)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", help="rewrite golden files from current output"
    )


class Golden:
    """Compares text with a stored golden file, or rewrites it under --update-goldens."""

    def __init__(self, update: bool) -> None:
        self.update = update

    def check(self, name: str | Path, text: str) -> None:
        """Compare with ``name`` (relative to ``tests/golden`` unless absolute)."""
        path = GOLDEN / name
        if self.update or not path.exists():
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"output differs from {path}"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(bool(request.config.getoption("--update-goldens")))
