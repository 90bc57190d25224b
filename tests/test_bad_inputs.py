"""The bad-input corpus: every malformed spec in ``tests/bad`` gets its one-line message.

Each ``NAME.yaml`` has the exact expected stderr in ``NAME.err`` (regenerate
with ``pytest --update-goldens`` and read the diff). The exit code is 2, and
no traceback is printed. How long each takes is measured in ``bench/`` (a time
bound here would fail on a busy machine, not on a slow cnncalc).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncalc.cli import main
from tests.conftest import ROOT, Golden

BAD = Path(__file__).resolve().parent / "bad"
CASES = sorted(BAD.glob("*.yaml"))


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 50


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_bad_input_gets_one_located_line(
    path: Path, golden: Golden, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    status = main([str(path.relative_to(ROOT))])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: tests/bad/{path.name}")
    golden.check(path.with_suffix(".err"), err)
