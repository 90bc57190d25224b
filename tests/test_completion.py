"""`cnncalc completion`: shell completion generated from the CLI's own parsers."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cnncalc import cli
from cnncalc.completion import completion_script
from tests.conftest import ROOT

BASH = shutil.which("bash")


def complete(words: list[str]) -> list[str]:
    """What bash offers after ``words`` (the last one being completed)."""
    assert BASH is not None
    quoted = " ".join(f"'{word}'" for word in words)
    program = (
        "source /dev/stdin\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n"
        'COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()\n'
        '_shtab_cnncalc; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        [BASH, "-c", program], input=completion_script("bash"), capture_output=True,
        text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    return sorted(line for line in done.stdout.splitlines() if line)


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
@pytest.mark.parametrize(
    ("words", "offered"),
    [
        (["cnncalc", "exp"], ["explain"]),
        (["cnncalc", "specs/lenet5-m"], ["specs/lenet5-modern.yaml"]),  # a spec: no command word
        (["cnncalc", "explain", "specs/lenet5-m"], ["specs/lenet5-modern.yaml"]),
        (
            ["cnncalc", "specs/lenet5.yaml", "-f", ""],
            ["csv", "html", "json", "latex", "markdown", "table"],
        ),
        (["cnncalc", "specs/lenet5.yaml", "-c", "f"], ["flops", "fvcore"]),
        (["cnncalc", "import", ""], ["keras", "onnx", "torch"]),
        (["cnncalc", "plot", "specs/alexnet.yaml", "--d"], ["--depth"]),
    ],
)
def test_bash_completes_commands_options_choices_and_specs(
    words: list[str], offered: list[str]
) -> None:
    assert complete(words) == offered


def test_every_command_and_shell_has_a_script() -> None:
    for shell in ("bash", "zsh", "tcsh"):
        script = completion_script(shell)
        assert all(name in script for name in cli.COMMANDS), shell


def test_the_scripts_describe_in_the_language_spoken() -> None:
    """zsh shows each command's description and each option's help: in Chinese with
    ``--lang zh`` (``cnncalc completion zsh --lang zh``), in English otherwise."""
    from cnncalc import i18n

    with i18n.speaking("zh"):
        chinese = completion_script("zsh")
    assert "    conventions:'列出计算量的各种口径。'" in chinese
    assert "    conventions:'List the FLOP conventions.'" in completion_script("zsh")
