"""The locked test environment: every dependency pinned, and the lock regenerated as documented.

A requirement added to ``pyproject.toml`` without regenerating the lock would
install unpinned, and the next upstream release could turn CI red again.
"""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

LOCK = ROOT / "requirements" / "test.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def locked() -> dict[str, set[str]]:
    """Each locked distribution's pinned versions (two where a marker splits the pin)."""
    pins: dict[str, set[str]] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#", "-")):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            pins.setdefault(canonicalize_name(requirement.name), set()).add(specifier.version)
    return pins


def declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    return [
        Requirement(text) for text in [*project["dependencies"], *extras["test"], *extras["plot"]]
    ]


def test_every_declared_dependency_is_pinned_by_the_lock() -> None:
    pins = locked()
    for requirement in declared():
        versions = pins.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not in {LOCK.name}: regenerate it (README)"
        for version in versions:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{LOCK.name} pins {requirement.name}=={version}, outside {requirement.specifier}"
            )


def test_the_lock_names_the_command_the_readme_documents() -> None:
    text = LOCK.read_text(encoding="utf-8")
    command = re.search(r"^#    (uv pip compile .*)$", text, re.M)
    assert command is not None
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pip install uv && {command[1]}" in readme
    assert "torch" in locked() and 50 < len(locked()) < 400
