"""The PyTorch importer against models that misbehave: exits, hangs, huge inputs.

``cnncalc import torch`` runs the user's code in-process: importing the file,
calling the factory, tracing and running the forward. Whatever that code does
(``sys.exit(3)``, a ``BaseException`` of its own, a loop that never ends),
cnncalc ends with one error line and exit 2, never with the model's exit code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import cnncalc
from cnncalc import i18n
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.importers.torch_fx import from_module
from tests.conftest import ROOT

MODELS = """
import sys
import time

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        print("the model prints this")
        return torch.relu(self.conv(x))


def exits():
    sys.exit(3)


def exits_quietly():
    sys.exit()


def exits_saying():
    sys.exit("bye")


class Custom(BaseException):
    pass


def raises_custom():
    raise Custom("not an Exception")


def raises_generator_exit():
    raise GeneratorExit


class ExitsInForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        sys.exit(4)


class ExitsWhenRun(nn.Module):
    # fx cannot trace `if` on a tensor: the model is run instead, and exits there.
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        if x.sum() >= 0:
            sys.exit(5)
        return self.conv(x)


class Forever(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        while True:
            pass


def slow():
    time.sleep(10**6)


class Stubborn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        while True:
            try:
                time.sleep(10**6)
            except BaseException:
                pass


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(3))

    def forward(self, x):
        # Three parameters made into one number: no layer type (a per-channel scale is one).
        return x * self.gamma.sum()


class Skipping(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.scale = Scale()
        self.register_buffer("mask", torch.ones(4))

    def forward(self, x):
        return self.scale(self.conv(x))


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return self.conv(self.conv(x))


class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.left = nn.Conv2d(3, 4, 3)
        self.right = nn.Conv2d(1, 4, 3)

    def forward(self, image, depth):
        return self.left(image) + self.right(depth)
"""


@pytest.fixture
def models(tmp_path: Path) -> Path:
    path = tmp_path / "models.py"
    path.write_text(MODELS, encoding="utf-8")
    return path


def error_line(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one line ``cnncalc import torch ARGS`` prints, having exited 2 and written nothing."""
    assert main(["import", "torch", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    *_, line = captured.err.splitlines()
    return line


# -- the model's exits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        ("exits", "calling MODELS:exits() exited (sys.exit(3))"),
        ("exits_quietly", "calling MODELS:exits_quietly() exited (sys.exit())"),
        ("exits_saying", "calling MODELS:exits_saying() exited (sys.exit('bye'))"),
        ("raises_custom", "calling MODELS:raises_custom() failed: Custom: not an Exception"),
        ("raises_generator_exit", "calling MODELS:raises_generator_exit() failed: GeneratorExit"),
        ("ExitsInForward", "tracing the model's forward exited (sys.exit(4))"),
        ("ExitsWhenRun", "running the model's forward exited (sys.exit(5))"),
    ],
)
def test_the_models_exit_is_an_error_not_cnncalcs_exit_code(
    models: Path, capsys: pytest.CaptureFixture[str], factory: str, message: str
) -> None:
    line = error_line(capsys, f"{models}:{factory}", "--input", "3,8,8")
    assert line == "error: " + message.replace("MODELS", str(models))


def test_a_file_that_exits_when_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "exits.py"
    path.write_text("import sys\nsys.exit(5)\n", encoding="utf-8")
    assert error_line(capsys, f"{path}:Net", "--input", "3,8,8") == (
        f"error: {path}: running the file exited (sys.exit(5))"
    )


def test_a_module_whose_getattr_exits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lazy.py"
    path.write_text("import sys\n\ndef __getattr__(name):\n    sys.exit(6)\n", encoding="utf-8")
    assert error_line(capsys, f"{path}:Net", "--input", "3,8,8") == (
        f"error: reading {path}:Net exited (sys.exit(6))"
    )


def test_a_module_named_on_the_path_that_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "exiting_module.py").write_text("raise SystemExit(7)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    try:
        assert error_line(capsys, "exiting_module:Net", "--input", "3,8,8") == (
            "error: importing exiting_module exited (sys.exit(7))"
        )
    finally:
        sys.modules.pop("exiting_module", None)


def test_the_models_prints_go_to_stderr_and_stdout_is_the_spec(
    models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "torch", f"{models}:Net", "--input", "3,8,8"]) == 0
    captured = capsys.readouterr()
    assert "the model prints this" in captured.err
    assert "the model prints this" not in captured.out
    assert cnncalc.analyze(cnncalc.loads(captured.out)).totals.params == (3 * 3 * 3 + 1) * 4


# -- the time limit -----------------------------------------------------------------------------


def test_a_forward_that_never_returns_is_stopped(
    models: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CNNCALC_IMPORT_TIMEOUT", "1")
    handler = signal.getsignal(signal.SIGALRM)
    assert error_line(capsys, f"{models}:Forever", "--input", "3,8,8") == (
        f"error: {models}:Forever: the import did not finish within 1 s (while tracing the "
        "model's forward); set CNNCALC_IMPORT_TIMEOUT to more seconds (0: no limit) if the "
        "model is this slow"
    )
    assert signal.getsignal(signal.SIGALRM) == handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_factory_that_never_returns_is_stopped_and_an_outer_alarm_kept(
    models: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CNNCALC_IMPORT_TIMEOUT", "0.5")
    previous = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    signal.setitimer(signal.ITIMER_REAL, 1000)  # someone else's alarm (pytest-timeout's)
    try:
        assert error_line(capsys, f"{models}:slow", "--input", "3,8,8") == (
            f"error: {models}:slow: the import did not finish within 0.5 s (while calling "
            f"{models}:slow()); set CNNCALC_IMPORT_TIMEOUT to more seconds (0: no limit) if "
            "the model is this slow"
        )
        assert signal.getsignal(signal.SIGALRM) == signal.SIG_IGN
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 1000
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_model_that_swallows_the_limit_ends_the_process(models: Path) -> None:
    """``except BaseException: pass`` in a loop cannot be stopped from inside Python: after
    the grace period (lowered here to 0.5 s) the process ends with the error line, exit 2."""
    code = (
        "import sys\nimport cnncalc.importers.torch_fx.guard as guard\nguard.GRACE = 0.5\n"
        "from cnncalc.cli import main\n"
        f"sys.exit(main(['import', 'torch', {f'{models}:Stubborn'!r}, '--input', '3,8,8']))\n"
    )
    env = os.environ | {"CNNCALC_IMPORT_TIMEOUT": "0.5"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
        timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {models}:Stubborn: the import did not finish within 0.5 s; set "
        "CNNCALC_IMPORT_TIMEOUT to more seconds (0: no limit) if the model is this slow (the "
        "model's code went on for 0.5 s after it was told to stop: cnncalc ends here)\n"
    )


@pytest.mark.parametrize("value", ["soon", "-1", "inf", "nan", "１"])
def test_a_time_limit_that_is_not_seconds_is_an_error(
    models: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    monkeypatch.setenv("CNNCALC_IMPORT_TIMEOUT", value)
    assert error_line(capsys, f"{models}:Net", "--input", "3,8,8") == (
        f"error: CNNCALC_IMPORT_TIMEOUT must be a number of seconds (0 for no limit), got '{value}'"
    )


# -- the input ----------------------------------------------------------------------------------

ASCII = "sizes are whole numbers in ASCII digits, separated by commas (e.g. 3,224,224)"
TOO_MANY = "cnncalc runs a model on (set CNNCALC_IMPORT_MAX_INPUT to raise it)"


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ("3,100000,100000", f"--input 3,100000,100000: 30,000,000,000 values, more than the "
         f"100,000,000 {TOO_MANY}"),
        ("3," + "9" * 5000 + ",3", f"--input size 2 has 5,000 digits: larger than the "
         f"100,000,000 values {TOO_MANY}"),
        ("3,0,8", "--input: size 2 is 0; every size is at least 1"),
        ("3,-8,8", f"--input size 2 is '-8': {ASCII}"),
        ("3,x,8", f"--input size 2 is 'x': {ASCII}"),
        ("3,,8", f"--input size 2 is empty: {ASCII}"),
        ("3,8.5,8", f"--input size 2 is '8.5': {ASCII}"),
        ("3,1_000,8", f"--input size 2 is '1_000': {ASCII}"),
        ("٣,8,8", f"--input size 1 is '٣': {ASCII}"),  # an Arabic-Indic 3: int() reads it
        ("3,８,8", f"--input size 2 is '８': {ASCII}"),  # a full-width 8
        (",".join(["1"] * 17), "--input has 17 sizes; a model's input has at most 16 axes"),
    ],
)  # fmt: skip
def test_an_input_shape_is_read_strictly_and_bounded_before_anything_runs(
    models: Path, capsys: pytest.CaptureFixture[str], shape: str, message: str
) -> None:
    assert error_line(capsys, f"{models}:Net", "--input", shape) == f"error: {message}"


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (
            "3,x,8",
            "--input 的第 2 个大小为 'x'：大小是用 ASCII 数字写的整数，"
            "以逗号分隔（例如 3,224,224）",
        ),
        ("3,0,8", "--input：第 2 个大小为 0；每个大小至少为 1"),
        (",".join(["1"] * 17), "--input 有 17 个大小；模型的输入最多 16 个轴"),
    ],
)
def test_a_bad_input_shape_is_said_in_chinese(
    models: Path, capsys: pytest.CaptureFixture[str], shape: str, message: str
) -> None:
    with i18n.speaking("en"):  # cnncalc --lang zh switches; the test's language comes back
        line = error_line(capsys, f"{models}:Net", "--input", shape, "--lang", "zh")
    assert line.endswith(f": {message}") and "--input" in line


def test_the_input_bound_can_be_set(
    models: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CNNCALC_IMPORT_MAX_INPUT", "100")
    assert error_line(capsys, f"{models}:Net", "--input", "3,8,8") == (
        f"error: --input 3,8,8: 192 values, more than the 100 {TOO_MANY}"
    )
    monkeypatch.setenv("CNNCALC_IMPORT_MAX_INPUT", "lots")
    assert error_line(capsys, f"{models}:Net", "--input", "3,8,8") == (
        "error: CNNCALC_IMPORT_MAX_INPUT must be a whole number of values, got 'lots'"
    )


def test_the_api_checks_the_input_before_allocating_it() -> None:
    with pytest.raises(CnncalcError) as raised:
        from_module(nn.Conv2d(3, 4, 3), (3, 100_000, 100_000))
    assert str(raised.value) == (
        f"the input shape 3,100000,100000: 30,000,000,000 values, more than the 100,000,000 "
        f"{TOO_MANY}"
    )
    with pytest.raises(CnncalcError, match=r"^the input shape: size 1 is 0; every size is at"):
        from_module(nn.Conv2d(3, 4, 3), (0, 8, 8))


# -- the header's claim ---------------------------------------------------------------------------


def test_the_header_claims_equal_totals_only_when_they_are(models: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.yaml"

    def header(factory: str, shape: str, *options: str) -> str:
        command = ["import", "torch", f"{models}:{factory}", "--input", shape, "-o", str(out)]
        assert main([*command, *options]) == 0
        return out.read_text(encoding="utf-8").splitlines()[2]

    assert header("Net", "3,8,8") == (
        "# Checked on an input of 1×3×8×8: every layer's output shape, parameters and buffers "
        "equal PyTorch's, and so do the totals (112 parameters, 0 buffers)."
    )
    # Scale's gamma (3) and the unused buffer mask (4) are in the model, not in the spec.
    assert header("Skipping", "3,8,8", "--allow-uncounted") == (
        "# Checked on an input of 1×3×8×8: every translated layer's output shape, parameters "
        "and buffers equal PyTorch's; the totals are not the model's: 112 parameters and 0 "
        "buffers here, 115 and 4 in PyTorch (3 parameters fewer and 4 buffers fewer; the lines "
        "below say why)."
    )
    # One conv called twice: a layer per call, its 84 parameters counted twice.
    assert header("Shared", "3,8,8") == (
        "# Checked on an input of 1×3×8×8: every translated layer's output shape, parameters "
        "and buffers equal PyTorch's; the totals are not the model's: 168 parameters and 0 "
        "buffers here, 84 and 0 in PyTorch (84 parameters more; the lines below say why)."
    )


def test_uncounted_parameters_are_an_error_unless_allowed(
    models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net.yaml"
    command = ["import", "torch", f"{models}:Skipping", "--input", "3,8,8", "-o", str(out)]
    assert main(command) == 2
    assert not out.exists()
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: {models}:Skipping: 3 of the model's parameters are in operations cnncalc "
        "cannot translate (scale (cnncalc_import_models.Scale): parameters gamma (3 values) are "
        "read directly in forward, by operations with no layer: not counted); --allow-uncounted "
        "writes the spec without them"
    )
    assert main([*command, "--allow-uncounted"]) == 0
    assert capsys.readouterr().err.splitlines()[-1] == (
        "warning: the spec counts 112 parameters, PyTorch 115: the header says why"
    )


def test_the_header_states_the_flops_torch_counts(models: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.yaml"
    command = ["import", "torch", f"{models}:Net", "--input", "3,8,8", "-o", str(out)]
    assert main(command) == 0
    # Net: Conv2d(3, 4, 3) on 8×8 → 4×6×6, each output 27 MACs: 2·27·144 FLOPs.
    assert out.read_text(encoding="utf-8").splitlines()[3] == (
        f"# FLOPs: {2 * 27 * 144:,} in the spec's flops convention; torch's FlopCounterMode "
        f"counts {2 * 27 * 144:,} on this input: all of them are counted."
    )


class WithAux(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.aux = nn.Sequential(nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))
        self.register_buffer("mask", torch.ones(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y: torch.Tensor = self.conv(x)
        return self.aux(y) if self.training else y


def test_skipped_modules_state_their_parameters_and_buffers() -> None:
    imported = from_module(WithAux(), (3, 8, 8))
    # BatchNorm2d(4): weight and bias (8), running mean and variance (8), num_batches_tracked (1).
    assert imported.skipped_lines() == [
        "(the model itself) (tests.importers.test_torch_guard.WithAux): buffers mask (4 values) "
        "are counted by no layer (read directly in forward, or not at all)",
        f"aux (nn.Sequential): never called on this input (in eval mode); its "
        f"{8 + 4 * 6 * 6 * 10 + 10:,} parameters and 9 buffers are not counted",
    ]
    assert imported.comments[2] == (
        "Checked on an input of 1×3×8×8: every translated layer's output shape, parameters and "
        "buffers equal PyTorch's; the totals are not the model's: 112 parameters and 0 buffers "
        "here, 1,570 and 13 in PyTorch (1,458 parameters fewer and 13 buffers fewer; the lines "
        "below say why)."
    )


def test_a_forward_of_two_inputs_imports_with_an_input_for_each(
    models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net.yaml"
    command = ["import", "torch", f"{models}:Siamese", "-o", str(out), "--input", "3,8,8"]
    assert error_line(capsys, *command[2:]) == (
        "error: the model's forward takes 2 inputs (image, depth); --input gave 1 input shape: "
        "give one --input per input, in order"
    )
    assert main([*command, "--input", "1,8,8"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "inputs:\n  depth: [1, 8, 8]\n" in text
    assert "  - {name: right, type: conv2d, input: depth, filters: 4, kernel: 3}" in text
    report = cnncalc.analyze(cnncalc.load(out))
    # Two 3×3 convolutions to 4×6×6: 27·144 and 9·144 MACs.
    assert report.totals.macs == 27 * 144 + 9 * 144
    assert report.other_inputs == (("depth", (1, 8, 8)),)
