"""The bad-input corpus: every malformed spec in ``tests/bad`` gets its one-line message.

Each ``NAME.yaml`` has the exact expected stderr in ``NAME.err`` (regenerate
with ``pytest --update-goldens`` and read the diff). The exit code is 2, and
no traceback is printed. How long each takes is measured in ``bench/`` (a time
bound here would fail on a busy machine, not on a slow cnncalc).

In Chinese (``--lang zh``) every case keeps its location as it is (file:line,
layer, field) and gets its message translated: no English sentence may be left
in it (:func:`english_left` says what may stay), and ``NAME.zh.err`` holds the
exact Chinese line of a representative set of cases, the students' slips first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cnncalc import i18n
from cnncalc.cli import main
from cnncalc.conventions import Convention
from cnncalc.expressions import FUNCTIONS
from cnncalc.ir import Activation
from cnncalc.spec.blocks import INSTANCE_KEYS, BlockSpec
from cnncalc.spec.diagnostics import FRAMEWORK_WORDS
from cnncalc.spec.expectation import Expectation
from cnncalc.spec.layers import ALIASES, LAYER_MODELS, LAYER_TYPES
from cnncalc.spec.network import NetworkSpec
from cnncalc.spec.tables import CONNECTION_TABLES
from tests.conftest import ROOT, Golden

BAD = Path(__file__).resolve().parent / "bad"
CASES = sorted(BAD.glob("*.yaml"))
CHINESE = {path.name.removesuffix(".zh.err") for path in BAD.glob("*.zh.err")}
"""The cases with a Chinese golden, ``NAME.zh.err`` beside ``NAME.yaml``."""
ERROR_WORDS = ("error: ", "错误: ")
"""The word that starts an error line, printed by cli.py: English, or its Chinese once
cli.py translates it (the word is cli.py's; the line after it is what is checked here)."""

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run(path, *options)``: ``(status, stdout, stderr)`` of ``cnncalc tests/bad/NAME.yaml
    *options`` from the repository root, the language in force before restored after."""
    monkeypatch.chdir(ROOT)

    def run_cnncalc(path: Path, *options: str) -> tuple[int, str, str]:
        with i18n.speaking(i18n.current()):
            status = main([str(path.relative_to(ROOT)), *options])
        out, err = capsys.readouterr()
        return status, out, err

    return run_cnncalc


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 50


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_bad_input_gets_one_located_line(path: Path, golden: Golden, run: Run) -> None:
    status, out, err = run(path)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: tests/bad/{path.name}")
    golden.check(path.with_suffix(".err"), err)


def test_the_chinese_goldens_cover_the_students_slips() -> None:
    """The cases the issue names: channels last, Keras's and PyTorch's words, a negative,
    zero or fractional size, a kernel larger than its input, an unknown type, YAML syntax,
    a missing field."""
    slips = {
        "input-channels-last", "keras-pool-size", "keras-kernel-size", "keras-strides",
        "negative-kernel", "stride-zero", "float-for-int", "kernel-larger-than-input",
        "unknown-layer-type", "typo-filers", "syntax-unclosed-bracket", "yaml-bad-indent",
        "tab-indentation", "missing-filters", "missing-input", "dense-on-maps",
    }  # fmt: skip
    assert slips <= CHINESE
    assert {f"{name}.yaml" for name in CHINESE} <= {path.name for path in CASES}


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_bad_input_gets_its_located_line_in_chinese(path: Path, golden: Golden, run: Run) -> None:
    """The same location as in English, then a message with no English sentence left;
    exactly the ``NAME.zh.err`` line where there is one."""
    status, out, err = run(path, "--lang", "zh")
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    english = without_error_word(path.with_suffix(".err").read_text(encoding="utf-8"))
    chinese = without_error_word(err)
    location = location_of(english, chinese)
    assert location.startswith(f"tests/bad/{path.name}")
    message = chinese.removeprefix(location)
    assert message != english.removeprefix(location), "the message is not translated"
    assert english_left(message) == []
    if path.stem in CHINESE:
        check_chinese(golden, path.with_suffix(".zh.err"), err)


def without_error_word(line: str) -> str:
    """``line`` after its ``error: `` (or ``错误: ``)."""
    for word in ERROR_WORDS:
        if line.startswith(word):
            return line.removeprefix(word)
    raise AssertionError(f"not an error line: {line!r}")


def location_of(english: str, chinese: str) -> str:
    """``tests/bad/x.yaml:3: layer 1 'c' (conv2d): field 'kernel': ``: the part of the two
    lines that is the same, up to its last ``": "`` (a message may start with the same
    word in both, ``heads=12``, but not with the same clause)."""
    same = 0
    while same < min(len(english), len(chinese)) and english[same] == chinese[same]:
        same += 1
    return english[: english.rfind(": ", 0, same) + 2]


def check_chinese(golden: Golden, path: Path, err: str) -> None:
    """``err`` against the golden ``path``, its 错误 included; ``--update-goldens`` writes
    ``err`` as it is."""
    if golden.update or not path.exists():
        path.write_text(err, encoding="utf-8")
    assert err.startswith("错误: ")
    assert err == path.read_text(encoding="utf-8"), f"output differs from {path}"


ALLOWED_WORDS = frozenset(
    {
        *LAYER_TYPES, *ALIASES, *INSTANCE_KEYS, *FRAMEWORK_WORDS,
        *(field for model in LAYER_MODELS for field in model.model_fields),
        *NetworkSpec.model_fields, *Expectation.model_fields, *BlockSpec.model_fields,
        *(activation.value for activation in Activation), "linear",
        *(convention.value for convention in Convention),
        "full", *CONNECTION_TABLES, "valid", "same", *FUNCTIONS,
        "true", "false", "null", "inf", "nan",
        "cnncalc", "YAML", "UTF", "PyTorch", "Keras", "ONNX", "Dense", "Linear", "ViT",
        "Swin", "MViT", "GiB", "CNNCALC_MAX_SPEC_BYTES",
    }
)  # fmt: skip
"""Words a Chinese message may hold: what the user types (type, field, activation,
convention and connection-table names, formula functions, YAML's words) and proper names."""


def english_left(message: str) -> list[str]:
    """The English words of ``message`` that are not allowed to stay in a Chinese one.

    Allowed: quoted text ('kernel', the user's names and values), identifiers with a
    digit or an underscore (conv2d, pool_size, 0xff), words of one or two letters (the
    formulas' n, k, N and nn of nn.Linear), and :data:`ALLOWED_WORDS`. Anything else, a
    word of English prose, is reported.
    """
    text = re.sub(r"'[^']*'|\"[^\"]*\"", " ", message)
    words = re.findall(r"[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*", text)
    return [
        word
        for word in words
        if len(word) > 2 and not re.search(r"[0-9_]", word) and word not in ALLOWED_WORDS
    ]


@pytest.mark.parametrize(
    ("message", "left"),
    [
        ("核大小 3 大于填充后的输入 1", []),
        ("未知字段（是否想写 'kernel'？这是 cnncalc 对 pool_size 的叫法）", []),
        ("应为 true 或 false，实为 'yes'", []),
        ("dense 需要展平的输入（-1：最后一个轴，同 nn.Linear）", []),
        (
            "kernel 3 is larger than its padded input 1",
            ["larger", "than", "its", "padded"],
        ),
        ("YAML 语法错误：did not find expected key", ["did", "not", "find", "expected", "key"]),
    ],
)
def test_english_left_finds_prose_and_lets_names_stay(message: str, left: list[str]) -> None:
    assert english_left(message) == left
