"""The Keras importer on hostile files: bounded, one error line each, never a hang.

Every hostile file is made here (a FIFO, a zip of 10,001 members, a zip bomb,
a model nested 300 deep, an integer of 5,001 digits), never committed.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.importers.keras_config import import_keras
from cnncalc.importers.keras_config.reading import MAX_CONFIG_BYTES
from cnncalc.spec import blocks, source
from tests.importers.test_keras import KERAS2_MNIST

REGULAR_ONLY = (
    "not a model file: cnncalc reads a Keras model from a regular file (model.json or model.keras)"
)


def error_line(path: Path | str, capsys: pytest.CaptureFixture[str]) -> str:
    """The one line ``cnncalc import keras PATH`` prints, having exited 2 and written nothing."""
    assert main(["import", "keras", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    return line


# -- what the path is --------------------------------------------------------------------------


def test_a_fifo_is_refused_without_waiting_for_a_writer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    assert error_line(fifo, capsys) == f"error: {fifo}: a FIFO (named pipe), {REGULAR_ONLY}"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused_before_it_is_read(capsys: pytest.CaptureFixture[str]) -> None:
    """``/dev/zero`` never ends: zipfile's search for a directory once read it until memory
    ran out (14 GiB in 60 s)."""
    assert (
        error_line("/dev/zero", capsys) == f"error: /dev/zero: a character device, {REGULAR_ONLY}"
    )


def test_a_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert error_line(tmp_path, capsys) == f"error: {tmp_path}: a directory, {REGULAR_ONLY}"


def test_a_file_over_the_size_limit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.json"
    with path.open("wb") as file:  # sparse: no 64 MiB written to disk
        file.truncate(MAX_CONFIG_BYTES + 1)
    assert error_line(path, capsys) == (
        f"error: {path}: over the 67,108,864-byte limit for a config"
    )


# -- zips --------------------------------------------------------------------------------------


def test_a_zip_of_too_many_members_is_refused_before_its_directory_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", KERAS2_MNIST.read_text())
        for index in range(10_000):
            archive.writestr(f"{index}", b"")
    assert error_line(path, capsys) == (
        f"error: {path}: a zip of 10,001 members; a .keras file holds a few (config.json, "
        "metadata.json, the weights), and cnncalc reads zips of at most 10,000"
    )


def _forged_directory(path: Path, members: int, size: int, *, zip64: bool = False) -> None:
    """A zip whose end record (or Zip64 end record) states ``members`` and ``size``."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", KERAS2_MNIST.read_text())
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    if not zip64:
        struct.pack_into("<HHL", data, at + 8, members, members, size)
        path.write_bytes(data)
        return
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, members, members, size, 0)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)  # the record is at `at`
    end = bytearray(data[at:])
    struct.pack_into("<HHL", end, 8, 0xFFFF, 0xFFFF, 0xFFFFFFFF)
    path.write_bytes(bytes(data[:at]) + record + locator + bytes(end))


@pytest.mark.parametrize("zip64", [False, True], ids=["zip", "zip64"])
def test_a_zip_directory_stated_too_large_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], zip64: bool
) -> None:
    path = tmp_path / "model.keras"
    _forged_directory(path, 3, 5_000_000, zip64=zip64)
    assert error_line(path, capsys) == (
        f"error: {path}: a zip whose directory is 5,000,000 bytes; cnncalc reads zip "
        "directories of at most 4,194,304 bytes (a .keras file's is a few hundred)"
    )


def test_a_zip64_member_count_is_read_from_the_zip64_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.keras"
    _forged_directory(path, 2**40, 100, zip64=True)
    assert error_line(path, capsys).startswith(f"error: {path}: a zip of 1,099,511,627,776 members")


def test_a_zip_bomb_is_refused_before_it_is_extracted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """64 MiB of spaces deflate to 64 KiB: the member's stated size is refused, unread."""
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b" " * (MAX_CONFIG_BYTES + 1))
    assert path.stat().st_size < 1_000_000
    assert error_line(path, capsys) == (
        f"error: {path}:config.json: 67,108,865 bytes uncompressed, over the 67,108,864-byte "
        "limit for a config (a zip bomb?)"
    )


# -- the JSON ---------------------------------------------------------------------------------


def nested_functional(depth: int) -> dict[str, Any]:
    """A Functional model (tf.keras 2's format) inside another, ``depth`` models deep."""
    inner: dict[str, Any] | None = None
    for level in range(depth):
        layers: list[dict[str, Any]] = [{
            "class_name": "InputLayer", "name": "in", "inbound_nodes": [],
            "config": {"name": "in", "batch_input_shape": [None, 8]},
        }]  # fmt: skip
        if inner is None:
            layers.append({"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 4},
                           "inbound_nodes": [[["in", 0, 0, {}]]]})  # fmt: skip
        else:
            layers.append(inner | {"inbound_nodes": [[["in", 0, 0, {}]]]})
        config = {"name": f"m{level}", "layers": layers, "input_layers": [["in", 0, 0]],
                  "output_layers": [[layers[-1]["name"], 0, 0]]}  # fmt: skip
        inner = {"class_name": "Functional", "name": f"m{level}", "config": config}
    assert inner is not None
    return {"class_name": "Functional", "config": inner["config"]}


def test_a_model_nested_300_deep_is_refused_by_the_json_depth_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(nested_functional(300)))
    assert error_line(path, capsys) == (
        f"error: {path}: JSON nested deeper than 100 levels; a Keras model config, even of "
        "models inside models, needs far fewer"
    )


def test_models_nested_25_deep_are_read(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(nested_functional(25)))
    [layer] = import_keras(str(path)).spec["layers"]
    assert layer["name"] == ".".join(f"m{level}" for level in range(23, -1, -1)) + ".d"
    assert cnncalc.analyze(import_keras(str(path)).spec).totals.params == (8 + 1) * 4


def test_brackets_inside_strings_are_not_nesting(tmp_path: Path) -> None:
    document = json.loads(KERAS2_MNIST.read_text())
    document["config"]["layers"][1]["config"]["name"] = '\\"' + "[{" * 200  # \" then brackets
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    assert cnncalc.analyze(import_keras(str(path)).spec).totals.params == 93_322


def test_an_integer_of_thousands_of_digits_is_refused_where_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Python refuses ``int()`` of over 4,300 digits with a ValueError: once an internal
    error. A string of digits is not a number, and is read."""
    document = json.loads(KERAS2_MNIST.read_text())
    document["config"]["name"] = "1" * 200
    text = json.dumps(document, indent=1).replace('"units": 64', '"units": 1' + "0" * 5000)
    path = tmp_path / "model.json"
    path.write_text(text)
    at = text.index("1" + "0" * 5000)
    line, column = text[:at].count("\n") + 1, at - text.rfind("\n", 0, at)
    assert text.splitlines()[line - 1][column - 1 :].startswith("100000")
    assert error_line(path, capsys) == (
        f"error: {path}: line {line}, column {column}: an integer of 5,001 digits; a Keras "
        "config's integers have at most 100"
    )


# -- what the translation would write ------------------------------------------------------------


def test_a_model_of_more_layers_than_a_spec_holds_is_refused_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blocks, "MAX_LAYERS", 5)
    with pytest.raises(CnncalcError) as raised:
        import_keras(str(KERAS2_MNIST))
    assert str(raised.value) == (
        f"{KERAS2_MNIST}: the model has 8 layer calls; a cnncalc spec holds at most 5 layers"
    )


def test_a_spec_over_the_byte_limit_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CNNCALC_MAX_SPEC_BYTES", "500")
    out = tmp_path / "net.yaml"
    assert main(["import", "keras", str(KERAS2_MNIST), "-o", str(out)]) == 2
    size = len(import_keras_text(monkeypatch))
    assert capsys.readouterr().err == (
        f"error: {KERAS2_MNIST}: the spec it translates to is {size:,} bytes, over the 500-byte "
        "limit of a spec cnncalc reads (set CNNCALC_MAX_SPEC_BYTES to raise it); nothing "
        "written\n"
    )
    assert not out.exists()


def import_keras_text(monkeypatch: pytest.MonkeyPatch) -> bytes:
    with monkeypatch.context() as patch:
        patch.delenv("CNNCALC_MAX_SPEC_BYTES")
        return import_keras(str(KERAS2_MNIST)).to_yaml().encode()


def test_a_spec_of_more_values_than_cnncalc_reads_is_not_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A concatenation of thousands of inputs names each in ``inputs:``: past 1,000,000
    values cnncalc would refuse the file it wrote (here the bound is lowered to 50)."""
    monkeypatch.setattr(source, "MAX_NODES", 50)
    with pytest.raises(CnncalcError) as raised:
        import_keras(str(KERAS2_MNIST)).to_yaml()
    assert str(raised.value) == (
        f"{KERAS2_MNIST}: the spec it translates to would hold more than 50 values (names, "
        "sizes, fields), more than cnncalc reads in one spec; nothing written"
    )


# -- errors in Keras's terms -----------------------------------------------------------------


def functional(*calls: tuple[str, str, dict[str, Any], list[str]]) -> dict[str, Any]:
    """A tf.keras 2 Functional config of ``(name, class, config, inputs)`` on (None, 8, 8, 3)."""
    shape = [None, 8, 8, 3]
    config = {"name": "in", "batch_input_shape": shape}
    layers: list[dict[str, Any]] = [
        {"class_name": "InputLayer", "name": "in", "inbound_nodes": [], "config": config}
    ]
    for name, cls, config, inputs in calls:
        layers.append({"class_name": cls, "name": name, "config": {"name": name, **config},
                       "inbound_nodes": [[[source, 0, 0, {}] for source in inputs]]})  # fmt: skip
    return {"class_name": "Functional", "config": {
        "name": "net", "layers": layers, "input_layers": [["in", 0, 0]],
        "output_layers": [[calls[-1][0], 0, 0]]}}  # fmt: skip


WIDE = ("wide", "Conv2D", {"filters": 64, "kernel_size": [3, 3], "padding": "same"}, ["in"])
NARROW = ("narrow", "Conv2D", {"filters": 32, "kernel_size": [3, 3], "padding": "same"}, ["in"])
SMALLER = ("smaller", "Conv2D", {"filters": 32, "kernel_size": [3, 3]}, ["in"])


@pytest.mark.parametrize(
    ("calls", "message"),
    [
        pytest.param(
            [WIDE, NARROW, ("add_3", "Add", {}, ["wide", "narrow"]),
             ("head", "Dense", {"units": 4}, ["add_3"])],
            "Keras layer 'add_3' (Add): inputs of shapes (None, 8, 8, 64) and (None, 8, 8, 32) "
            "cannot be added",
            id="add",
        ),
        pytest.param(
            [WIDE, NARROW, SMALLER, ("mul", "Multiply", {}, ["wide", "narrow", "smaller"])],
            "Keras layer 'mul' (Multiply): inputs of shapes (None, 8, 8, 64), (None, 8, 8, 32) "
            "and (None, 6, 6, 32) cannot be multiplied",
            id="multiply",
        ),
        pytest.param(
            [WIDE, NARROW, ("sub", "Subtract", {}, ["wide", "narrow"])],
            "Keras layer 'sub' (Subtract): inputs of shapes (None, 8, 8, 64) and (None, 8, 8, 32) "
            "cannot be subtracted",
            id="subtract",
        ),
        pytest.param(
            [NARROW, SMALLER, ("cat", "Concatenate", {"axis": -1}, ["narrow", "smaller"])],
            "Keras layer 'cat' (Concatenate): inputs of shapes (None, 8, 8, 32) and "
            "(None, 6, 6, 32) cannot be concatenated on the channel axis",
            id="concatenate",
        ),
        pytest.param(
            [WIDE, ("alone", "Add", {}, ["wide"])],
            "Keras layer 'alone' (Add): add needs at least two inputs, got 1",
            id="add-of-one",
        ),
        pytest.param(
            [("big", "Conv2D", {"filters": 4, "kernel_size": [9, 9]}, ["in"])],
            "Keras layer 'big' (Conv2D): field 'kernel_size': kernel 9 is larger than its padded "
            "input 8",
            id="conv-kernel",
        ),
        pytest.param(
            [("pool", "MaxPooling2D", {"pool_size": [9, 9]}, ["in"])],
            "Keras layer 'pool' (MaxPooling2D): field 'pool_size': kernel 9 is larger than its "
            "padded input 8",
            id="pool-size",
        ),
    ],
)  # fmt: skip
def test_a_layer_cnncalc_refuses_is_named_as_keras_names_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    calls: list[tuple[str, str, dict[str, Any], list[str]]],
    message: str,
) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(functional(*calls)))
    line = error_line(path, capsys)
    assert line == f"error: {path}: {message}"
    assert "<spec>" not in line


# -- long models ---------------------------------------------------------------------------------


def depthwise_chain(count: int, shape: list[int | None]) -> dict[str, Any]:
    """``count`` DepthwiseConv2D layers in a chain (tf.keras 2: no shapes stated)."""
    config = {"name": "in", "batch_input_shape": shape}
    layers: list[dict[str, Any]] = [
        {"class_name": "InputLayer", "name": "in", "inbound_nodes": [], "config": config}
    ]
    for index in range(count):
        layers.append({
            "class_name": "DepthwiseConv2D", "name": f"dw{index}",
            "config": {"name": f"dw{index}", "kernel_size": [3, 3], "padding": "same"},
            "inbound_nodes": [[[layers[-1]["name"], 0, 0, {}]]],
        })  # fmt: skip
    return {"class_name": "Functional", "config": {
        "name": "chain", "layers": layers, "input_layers": [["in", 0, 0]],
        "output_layers": [[layers[-1]["name"], 0, 0]]}}  # fmt: skip


def test_a_long_chain_of_layers_that_need_their_input_channels(tmp_path: Path) -> None:
    """Each depthwise convolution needs its input's channels: once the whole spec so far
    was analysed for each (quadratic: 1,000 took 9 s); now each layer is analysed once."""
    path = tmp_path / "model.json"
    path.write_text(json.dumps(depthwise_chain(3000, [None, 8, 8, 4])))
    imported = import_keras(str(path))
    assert imported.spec["layers"][-1] == {
        "name": "dw2999", "type": "conv2d", "filters": 4, "kernel": 3, "padding": "same",
        "groups": 4,
    }  # fmt: skip
    assert cnncalc.analyze(imported.spec).totals.params == 3000 * (3 * 3 * 4 + 4)


def test_open_sizes_take_the_whole_analysis(tmp_path: Path) -> None:
    """With ``h`` and ``w`` symbols the shapes are analysed as a whole spec."""
    path = tmp_path / "model.json"
    path.write_text(json.dumps(depthwise_chain(3, [None, None, None, 6])))
    imported = import_keras(str(path))
    assert imported.spec["input"] == [6, "h", "w"]
    assert [layer["groups"] for layer in imported.spec["layers"]] == [6, 6, 6]
