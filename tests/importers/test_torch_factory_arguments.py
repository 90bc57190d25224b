"""``cnncalc import torch MODULE:FACTORY --kwargs JSON``: the factory's keyword arguments.

The factories here are defined in this module and imported by name, as
``torchvision.models:fcn_resnet50`` would be: the working directory is the
repository's root, where ``tests.importers.…`` is importable.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from torch import nn

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.importers.torch_fx import import_torch
from cnncalc.importers.torch_fx.factory_arguments import (
    MAX_KWARGS_BYTES,
    call_text,
    parse_kwargs,
)
from tests.conftest import ROOT

HERE = "tests.importers.test_torch_factory_arguments"


def small_net(
    width: int = 4, bias: bool = True, weights: None = None, weights_backbone: None = None
) -> nn.Module:
    """A factory in torchvision's manner: ``weights`` must stay None (nothing is downloaded)."""
    if weights is not None or weights_backbone is not None:
        raise RuntimeError("this test factory downloads nothing")
    return nn.Sequential(nn.Conv2d(3, width, 3, bias=bias), nn.ReLU(), nn.Flatten())


SMALL_NET_BUILT = nn.Sequential(nn.Conv2d(3, 2, 1))


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


# -- reading the JSON ----------------------------------------------------------------------


def test_json_values_become_python_values() -> None:
    text = '{"weights": null, "aux_loss": true, "num_classes": 21, "scale": 0.5, "sizes": [1, 2]}'
    assert parse_kwargs(text) == {
        "weights": None, "aux_loss": True, "num_classes": 21, "scale": 0.5, "sizes": [1, 2],
    }  # fmt: skip
    assert parse_kwargs("{}") == {}
    assert parse_kwargs('{"seed": ' + "9" * 100 + "}") == {"seed": int("9" * 100)}


EXAMPLE = """e.g. '{"weights": null, "num_classes": 10}'"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{weights: null}", "--kwargs is not JSON (column 2: Expecting property name enclosed in "
         f"double quotes); expected an object of keyword arguments, {EXAMPLE}"),
        ("", f"--kwargs is not JSON (column 1: Expecting value); expected an object of keyword "
         f"arguments, {EXAMPLE}"),
        ('{"weights": None}', "--kwargs is not JSON (column 13: Expecting value); expected an "
         f"object of keyword arguments, {EXAMPLE}"),
        ('{\n  "weights": nul\n}', "--kwargs is not JSON (line 2, column 14: Expecting value); "
         f"expected an object of keyword arguments, {EXAMPLE}"),
        ("[1, 2]", f"--kwargs must be a JSON object of keyword arguments, {EXAMPLE}; got a list"),
        ('"weights"', f"--kwargs must be a JSON object of keyword arguments, {EXAMPLE}; got a "
         "string"),
        ("null", f"--kwargs must be a JSON object of keyword arguments, {EXAMPLE}; got null"),
        ("3", f"--kwargs must be a JSON object of keyword arguments, {EXAMPLE}; got a number"),
        ("true", f"--kwargs must be a JSON object of keyword arguments, {EXAMPLE}; got a boolean"),
        ('{"weights": null, "weights": 1}', "--kwargs names 'weights' twice"),
        ('{"a": ' + "[" * 30_000 + "]" * 30_000 + "}", "--kwargs is JSON nested too deeply to "
         "read"),
        ('{"a": -' + "9" * 5_000 + "}", "--kwargs has an integer of 5,000 digits; at most 100"),
        ('{"a": ' + "9" * 101 + "}", "--kwargs has an integer of 101 digits; at most 100"),
    ],
)  # fmt: skip
def test_what_is_not_a_json_object_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(CnncalcError) as caught:
        parse_kwargs(text)
    assert str(caught.value) == message


def test_the_text_is_bounded() -> None:
    text = '{"a": "' + "x" * (MAX_KWARGS_BYTES - 9) + '"}'
    assert len(text.encode()) == MAX_KWARGS_BYTES
    assert parse_kwargs(text) == {"a": "x" * (MAX_KWARGS_BYTES - 9)}
    with pytest.raises(CnncalcError) as caught:
        parse_kwargs(text.replace("x", "é", 1))  # one byte more
    assert str(caught.value) == (
        "--kwargs is 65,537 bytes, over the 65,536-byte limit for a factory's keyword arguments"
    )


def test_the_call_is_shown_as_python_writes_it_and_bounded() -> None:
    assert call_text("m:f", {"weights": None, "aux": True, "n": 21, "name": "x"}) == (
        "m:f(weights=None, aux=True, n=21, name='x')"
    )
    many = {f"a{i}": i for i in range(7)}
    assert call_text("m:f", many) == "m:f(a0=0, a1=1, a2=2, a3=3, … 3 more)"
    assert call_text("m:f", {"k" * 50: [1, 2, 3, 4, 5]}) == f"m:f({'k' * 39}…=a list of 5 items)"


# -- the import, through the command line ---------------------------------------------------


def test_the_factory_is_called_with_the_arguments(tmp_path: Path) -> None:
    out = f"{tmp_path}/net.yaml"
    kwargs = json.dumps({"width": 6, "bias": False, "weights": None, "weights_backbone": None})
    assert main(["import", "torch", f"{HERE}:small_net", "--input", "3,8,8", "--kwargs", kwargs,
                 "-o", out]) == 0  # fmt: skip
    with open(out, encoding="utf-8") as file:
        header = [next(file) for _ in range(2)]
    assert header[1] == (
        f"# Built by calling {HERE}:small_net(width=6, bias=False, weights=None, "
        "weights_backbone=None).\n"
    )
    report = cnncalc.analyze(out)
    assert report.totals.params == 3 * 3 * 3 * 6  # no bias
    assert report.output_shape == (6 * 6 * 6,)


def test_without_kwargs_the_defaults_are_used() -> None:
    imported = import_torch(f"{HERE}:small_net", (3, 8, 8))
    assert cnncalc.analyze(imported.spec).totals.params == (3 * 3 * 3 + 1) * 4
    assert not any(line.startswith("Built by calling") for line in imported.comments)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["torch", f"{HERE}:small_net", "--input", "3,8,8", "--kwargs", "[]"],
         f"error: --kwargs must be a JSON object of keyword arguments, {EXAMPLE}; got a list"),
        (["torch", f"{HERE}:small_net", "--input", "3,8,8", "--kwargs", '{"weights": "DEFAULT"}'],
         f"error: calling {HERE}:small_net(weights='DEFAULT') failed: RuntimeError: this test "
         "factory downloads nothing"),
        (["torch", f"{HERE}:small_net", "--input", "3,8,8", "--kwargs", '{"depth": 3}'],
         f"error: calling {HERE}:small_net(depth=3) failed: TypeError: small_net() got an "
         "unexpected keyword argument 'depth'"),
        (["torch", f"{HERE}:SMALL_NET_BUILT", "--input", "3,8,8", "--kwargs", '{"width": 3}'],
         f"error: {HERE}:SMALL_NET_BUILT is a model already built (a Sequential), not a factory: "
         "there is nothing to pass --kwargs to"),
        (["keras", "tests/fixtures/keras/mnist_convnet_keras2.json", "--kwargs", "{}"],
         "error: a Keras model is read from its file, not built: drop --kwargs"),
    ],
)  # fmt: skip
def test_cli_errors_are_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.err == message + "\n"
    assert captured.out == ""


def test_an_empty_object_calls_the_factory_as_without_kwargs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["import", "torch", f"{HERE}:small_net", "--input", "3,8,8", "--kwargs", "{}"]) == 0
    out = capsys.readouterr().out
    assert "# Built by calling" not in out
    assert '{name: "0", type: conv2d, filters: 4, kernel: 3}' in out
