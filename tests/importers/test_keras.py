"""The Keras importer: model configs as specs whose reports read like ``model.summary()``.

The fixtures in ``tests/fixtures/keras`` are configs as Keras writes them:
``model.to_json()`` of Keras 2.2.4 and tf.keras 2.12, and Keras 3's
``config.json`` (the member of a ``.keras`` zip that describes the model).
Expected numbers are Keras's, written as the arithmetic ``summary()`` does.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import cnncalc
from cnncalc import i18n
from cnncalc.analysis import Report
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.importers.keras_config import import_keras
from tests.conftest import ROOT, SPECS

FIXTURES = ROOT / "tests" / "fixtures" / "keras"
KERAS2_MNIST = FIXTURES / "mnist_convnet_keras2.json"
KERAS3_MNIST = FIXTURES / "mnist_convnet_keras3_config.json"

Row = tuple[str, tuple[int | None, ...], int]
"""A ``summary()`` row: layer name, Keras's output shape, Param #."""

MNIST_CONVNET_SUMMARY: list[Row] = [
    ("conv2d_5", (None, 26, 26, 32), (3 * 3 * 1 + 1) * 32),  # 320
    ("max_pooling2d_3", (None, 13, 13, 32), 0),
    ("conv2d_6", (None, 11, 11, 64), (3 * 3 * 32 + 1) * 64),  # 18,496
    ("max_pooling2d_4", (None, 5, 5, 64), 0),
    ("conv2d_7", (None, 3, 3, 64), (3 * 3 * 64 + 1) * 64),  # 36,928
    ("flatten_1", (None, 576), 0),  # 3·3·64
    ("dense_1", (None, 64), (576 + 1) * 64),  # 36,928
    ("dense_2", (None, 10), (64 + 1) * 10),  # 650
]
"""《第五章 深度学习用于计算机视觉(一)》's second ``model.summary()`` (Total params: 93,322)."""


def keras_shape(shape: tuple[Any, ...]) -> tuple[Any, ...]:
    """cnncalc's channels-first ``[c, h, w]`` as Keras prints it, ``(None, h, w, c)``."""
    return (None, *shape[1:], shape[0]) if len(shape) > 1 else (None, *shape)


def summary(report: Report) -> list[Row]:
    return [(row.name, keras_shape(row.output_shape), row.params) for row in report]


def keras_file(tmp_path: Path, config: Path | dict[str, Any], version: str = "3.8.0") -> Path:
    """A ``.keras`` file as Keras 3's ``saving_lib`` writes it (weights left out)."""
    text = config.read_text() if isinstance(config, Path) else json.dumps(config)
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": version}))
        archive.writestr("config.json", text)
    return path


def write(tmp_path: Path, document: Any, name: str = "model.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def load(path: Path) -> Any:
    return json.loads(path.read_text())


def analyze(path: Path) -> Report:
    return cnncalc.analyze(import_keras(str(path)).spec)


# -- 《第五章 深度学习用于计算机视觉(一)》: the Deep Learning with Python MNIST convnet ------


def test_mnist_convnet_keras2_to_json_reads_as_its_summary() -> None:
    report = analyze(KERAS2_MNIST)
    assert summary(report) == MNIST_CONVNET_SUMMARY
    assert report.totals.params == report.totals.trainable_params == 93_322
    assert report.totals.non_trainable_params == 0


def test_mnist_convnet_keras3_file_reads_as_its_summary(tmp_path: Path) -> None:
    imported = import_keras(str(keras_file(tmp_path, KERAS3_MNIST)))
    report = cnncalc.analyze(imported.spec)
    assert summary(report) == MNIST_CONVNET_SUMMARY
    assert report.totals.params == 93_322
    assert imported.skipped == []
    assert "Keras 3.8.0" in imported.comments[0]


def test_mnist_convnet_import_is_the_shipped_spec() -> None:
    """The imported spec gives specs/keras-mnist.yaml's report, every metric of every layer."""
    shipped = cnncalc.analyze(SPECS / "keras-mnist.yaml")
    for path in (KERAS2_MNIST, KERAS3_MNIST):
        imported = import_keras(str(path))
        assert imported.spec["input"] == [1, 28, 28]  # Keras's (None, 28, 28, 1)
        assert imported.spec["framework"] == "keras"
        assert cnncalc.analyze(imported.spec).layers == shipped.layers


def test_channels_first_model_is_read_as_it_is(tmp_path: Path) -> None:
    document = load(KERAS2_MNIST)
    for layer in document["config"]["layers"]:
        if "data_format" in layer["config"]:
            layer["config"]["data_format"] = "channels_first"
    document["config"]["layers"][0]["config"]["batch_input_shape"] = [None, 1, 28, 28]
    imported = import_keras(str(write(tmp_path, document)))
    assert imported.spec["input"] == [1, 28, 28]
    assert cnncalc.analyze(imported.spec).totals.params == 93_322


def test_mixed_data_formats_are_an_error(tmp_path: Path) -> None:
    document = load(KERAS2_MNIST)
    document["config"]["layers"][2]["config"]["data_format"] = "channels_first"
    with pytest.raises(CnncalcError, match="mixes channels_first and channels_last"):
        import_keras(str(write(tmp_path, document)))


# -- functional graphs ------------------------------------------------------------------------

RESIDUAL_SUMMARY: list[Row] = [
    ("conv2d", (None, 32, 32, 32), 3 * 3 * 3 * 32),  # no bias: 864
    ("batch_normalization", (None, 32, 32, 32), 4 * 32),  # 128, of which 64 non-trainable
    ("re_lu", (None, 32, 32, 32), 0),
    ("conv2d_1", (None, 32, 32, 32), (3 * 3 * 32 + 1) * 32),  # 9,248
    ("add", (None, 32, 32, 32), 0),
    ("conv2d_2", (None, 32, 32, 16), (32 + 1) * 16),  # 528
    ("conv2d_3", (None, 32, 32, 16), (3 * 3 * 32 + 1) * 16),  # 4,624
    ("concatenate", (None, 32, 32, 32), 0),
    ("max_pooling2d", (None, 16, 16, 32), 0),
    ("global_average_pooling2d", (None, 32), 0),
    ("dropout", (None, 32), 0),
    ("dense", (None, 10), (32 + 1) * 10),  # 330
]


@pytest.mark.parametrize("fixture", ["residual_keras2.json", "residual_keras3.json"])
def test_functional_residual_and_concatenate(fixture: str) -> None:
    imported = import_keras(str(FIXTURES / fixture))
    report = cnncalc.analyze(imported.spec)
    assert summary(report) == RESIDUAL_SUMMARY
    layers = {layer["name"]: layer for layer in imported.spec["layers"]}
    assert layers["add"]["inputs"] == ["re_lu", "conv2d_1"]
    assert layers["conv2d_3"]["input"] == "add"  # a branch: not the layer above
    assert layers["concatenate"]["inputs"] == ["conv2d_2", "conv2d_3"]
    assert report.totals.params == 864 + 128 + 9_248 + 528 + 4_624 + 330
    assert report.totals.non_trainable_params == 2 * 32


def test_batchnorm_counts_as_keras_prints_it() -> None:
    """BatchNormalization on 32 channels: Param # 128, 64 of them non-trainable."""
    bn = cnncalc.analyze(import_keras(str(FIXTURES / "residual_keras2.json")).spec).layer(
        "batch_normalization"
    )
    assert (bn.params, bn.trainable_params, bn.non_trainable_params) == (128, 64, 64)
    assert bn.buffers == 0


def test_batchnorm_without_scale_or_center(tmp_path: Path) -> None:
    document = load(FIXTURES / "residual_keras2.json")
    bn = next(layer for layer in document["config"]["layers"] if layer["name"].startswith("batch"))
    bn["config"]["scale"] = False
    report = analyze(write(tmp_path, document))
    row = report.layer("batch_normalization")
    assert (row.trainable_params, row.non_trainable_params) == (32, 64)  # beta; mean, variance


def test_nested_model_is_inlined_and_folds_back(tmp_path: Path) -> None:
    """A Sequential used as a layer: its layers named ``<model>.<layer>``, one row at depth 1."""
    outer = load(FIXTURES / "residual_keras3.json")
    layers = outer["config"]["layers"]
    dense = next(layer for layer in layers if layer["name"] == "dense")
    head = {
        "module": "keras",
        "class_name": "Sequential",
        "name": "head",
        "config": {
            "name": "head",
            "layers": [
                {"class_name": "InputLayer", "config": {"batch_shape": [None, 32]}},
                {"class_name": "Dense", "config": {"name": "hidden", "units": 16}},
                copy.deepcopy(dense) | {"inbound_nodes": []},
            ],
        },
        "inbound_nodes": dense["inbound_nodes"],
    }
    layers[layers.index(dense)] = head
    outer["config"]["output_layers"] = ["head", 0, 0]
    report = analyze(write(tmp_path, outer))
    assert [row.name for row in report][-2:] == ["head.hidden", "head.dense"]
    folded = report.folded(1).layer("head")
    assert folded.params == (32 + 1) * 16 + (16 + 1) * 10


# -- depthwise, separable, transposed, padding, upsampling -------------------------------------

MOBILE_SUMMARY: list[Row] = [
    ("zero_padding2d", (None, 66, 66, 3), 0),
    ("conv2d", (None, 32, 32, 16), (3 * 3 * 3 + 1) * 16),  # (66 − 3)//2 + 1 = 32; 448
    ("batch_normalization", (None, 32, 32, 16), 4 * 16),
    ("re_lu", (None, 32, 32, 16), 0),
    ("depthwise_conv2d", (None, 32, 32, 16), 3 * 3 * 16),  # no bias
    ("separable_conv2d.depthwise", (None, 32, 32, 16), 3 * 3 * 16),
    ("separable_conv2d.pointwise", (None, 32, 32, 32), 16 * 32 + 32),
    ("conv2d_transpose", (None, 64, 64, 16), 3 * 3 * 32 * 16 + 16),  # same: n·s
    ("up_sampling2d", (None, 128, 128, 16), 0),
    ("average_pooling2d", (None, 64, 64, 16), 0),
    ("global_max_pooling2d", (None, 16), 0),
    ("dense", (None, 10), (16 + 1) * 10),
]


def test_depthwise_separable_and_transposed_convolutions() -> None:
    imported = import_keras(str(FIXTURES / "mobile_keras3.json"))
    report = cnncalc.analyze(imported.spec)
    assert summary(report) == MOBILE_SUMMARY
    layers = {layer["name"]: layer for layer in imported.spec["layers"]}
    assert layers["re_lu"]["type"] == "relu6"  # ReLU(max_value=6)
    assert layers["depthwise_conv2d"]["groups"] == 16
    assert layers["up_sampling2d"]["mode"] == "bilinear"


def test_separable_conv_params_sum_to_keras() -> None:
    """SeparableConv2D(32, 3) on 16 maps: Keras's one row of 3·3·16 + 16·32 + 32 = 688."""
    report = analyze(FIXTURES / "mobile_keras3.json")
    assert report.folded(1).layer("separable_conv2d").params == 3 * 3 * 16 + 16 * 32 + 32 == 688
    assert report.totals.params == 448 + 64 + 144 + 688 + 4_624 + 170


def keras_transpose_size(n: int, k: int, s: int, d: int, padding: str, op: int | None) -> int:
    """Keras 3 ``_get_output_shape_given_tf_padding`` (backend/common/backend_utils.py)."""
    k = (k - 1) * d + 1
    if padding == "valid":
        op = max(k, s) - k if op is None else op
        return (n - 1) * s + k + op
    return n * s if op is None else (n - 1) * s + k % 2 + op


def sequential(layers: list[dict[str, Any]], batch_shape: list[int | None]) -> dict[str, Any]:
    """A minimal Keras 3 Sequential config (Keras fills in the fields left out)."""
    entries = [{"class_name": "InputLayer", "config": {"batch_shape": batch_shape}}]
    entries += [
        {"class_name": cls, "config": {"name": f"layer_{i}", **config}}
        for i, (cls, config) in enumerate(
            (layer["class_name"], layer["config"]) for layer in layers
        )
    ]
    return {"class_name": "Sequential", "config": {"name": "net", "layers": entries}}


@pytest.mark.parametrize(
    ("k", "s", "d", "padding", "op"),
    [
        (3, 2, 1, "same", None),
        (2, 2, 1, "same", None),
        (1, 3, 1, "same", None),
        (4, 2, 1, "same", 1),
        (3, 2, 1, "valid", None),
        (1, 3, 1, "valid", None),
        (3, 2, 1, "valid", 1),
        (3, 1, 2, "same", None),
        (5, 3, 1, "same", 2),
    ],
)
def test_conv_transpose_sizes_match_keras(
    tmp_path: Path, k: int, s: int, d: int, padding: str, op: int | None
) -> None:
    extra = None if op is None else [op, op]
    config = {"filters": 4, "kernel_size": [k, k], "strides": [s, s], "padding": padding,
              "dilation_rate": [d, d], "output_padding": extra}  # fmt: skip
    model = sequential([{"class_name": "Conv2DTranspose", "config": config}], [None, 7, 7, 3])
    row = analyze(write(tmp_path, model)).layer("layer_0")
    size = keras_transpose_size(7, k, s, d, padding, op)
    assert row.output_shape == (4, size, size)
    assert row.params == k * k * 3 * 4 + 4


def test_causal_conv1d_and_dense_on_positions(tmp_path: Path) -> None:
    """Conv1D ``causal`` keeps the length; Dense on ``(length, c)`` acts on the channels."""
    model = sequential(
        [
            {"class_name": "Conv1D", "config": {"filters": 8, "kernel_size": [3],
                                                 "padding": "causal", "dilation_rate": [2]}},
            {"class_name": "Dense", "config": {"units": 5}},
        ],
        [None, 20, 4],
    )  # fmt: skip
    imported = import_keras(str(write(tmp_path, model)))
    report = cnncalc.analyze(imported.spec)
    assert imported.spec["layers"][0]["padding"] == [[2 * (3 - 1), 0]]
    assert summary(report) == [
        ("layer_0", (None, 20, 8), (3 * 4 + 1) * 8),
        ("layer_1", (None, 20, 5), (8 + 1) * 5),
    ]
    assert imported.spec["layers"][1] == {"name": "layer_1", "type": "dense", "units": 5,
                                          "axis": 0}  # fmt: skip


def test_activations_map_to_cnncalc_names(tmp_path: Path) -> None:
    model = sequential(
        [
            {"class_name": "Dense", "config": {"units": 4, "activation": "swish"}},
            {"class_name": "Dense", "config": {"units": 4, "activation": "hard_swish"}},
            {"class_name": "Activation", "config": {"activation": "linear"}},
            {"class_name": "Activation", "config": {"activation": "gelu"}},
            {"class_name": "Softmax", "config": {}},
        ],
        [None, 8],
    )
    layers = import_keras(str(write(tmp_path, model))).spec["layers"]
    assert [layer.get("activation", layer["type"]) for layer in layers] == [
        "silu", "hardswish", "identity", "gelu", "softmax",
    ]  # fmt: skip


def test_open_input_sizes_become_symbols(tmp_path: Path) -> None:
    document = load(FIXTURES / "residual_keras3.json")
    document["config"]["layers"][0]["config"]["batch_shape"] = [None, None, None, 3]
    imported = import_keras(str(write(tmp_path, document)))
    assert imported.spec["input"] == [3, "h", "w"]
    fixed = cnncalc.analyze(import_keras(str(FIXTURES / "residual_keras3.json")).spec)
    assert cnncalc.analyze(imported.spec).subs({"h": 32, "w": 32}).totals == fixed.totals


# -- what cannot be translated -------------------------------------------------------------------


def test_skipped_layers_are_listed_with_their_reasons() -> None:
    imported = import_keras(str(FIXTURES / "skips_keras3.json"))
    assert imported.skipped_lines() == [
        # An unknown class, kept out because Keras 3 states it keeps its input's shape.
        "scale (Scale): cnncalc has no Scale layer; the config does not say what weights it "
        "has, so any it has are not counted",
        "softmax_out (Activation): cnncalc has no 'log_softmax' activation (it has no parameters)",
    ]
    assert imported.spec["layers"][0]["activation"] == "elu"
    report = cnncalc.analyze(imported.spec)
    assert summary(report) == [
        ("conv2d", (None, 26, 26, 8), (3 * 3 * 1 + 1) * 8),
        ("leaky_re_lu", (None, 26, 26, 8), 0),
        ("p_re_lu", (None, 26, 26, 8), 8),  # shared_axes=[1, 2]: one slope per channel
        ("flatten", (None, 26 * 26 * 8), 0),
        ("dense", (None, 10), (5408 + 1) * 10),
    ]
    assert "# skipped: scale (Scale)" in imported.to_yaml()


def insert_after(document: dict[str, Any], name: str, entry: dict[str, Any]) -> dict[str, Any]:
    layers = document["config"]["layers"]
    index = next(i for i, layer in enumerate(layers) if layer["config"].get("name") == name)
    layers.insert(index + 1, entry)
    return document


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"class_name": "Cropping3D", "config": {"name": "crop", "cropping": 1}},
            "layer 'crop' (Cropping3D): cnncalc has no 1-D or 3-D cropping, and skipping it "
            "would change the shapes of the layers after it",
        ),
        (
            {"class_name": "Lambda", "config": {"name": "scale", "function": "..."}},
            "layer 'scale' (Lambda): cnncalc has no Lambda layer, and the config does not say "
            "whether it keeps its input's shape, which the layers after it need",
        ),
        (
            {"class_name": "MaxPooling1D", "config": {"name": "pool1d", "pool_size": [2]}},
            "layer 'pool1d' (MaxPooling1D): cnncalc has no 1-D pooling",
        ),
    ],
)
def test_skipping_a_layer_the_shapes_need_is_an_error(
    tmp_path: Path, entry: dict[str, Any], message: str
) -> None:
    path = write(tmp_path, insert_after(load(KERAS2_MNIST), "conv2d_5", entry))
    with pytest.raises(CnncalcError) as raised:
        import_keras(str(path))
    assert str(raised.value).startswith(f"{path}: {message}")


def test_an_unknown_last_layer_is_skipped(tmp_path: Path) -> None:
    entry = {"class_name": "Lambda", "config": {"name": "scale", "function": "..."}}
    imported = import_keras(
        str(write(tmp_path, insert_after(load(KERAS2_MNIST), "dense_2", entry)))
    )
    assert imported.skipped_lines() == [
        "scale (Lambda): cnncalc has no Lambda layer; the config does not say what weights it "
        "has, so any it has are not counted"
    ]
    assert cnncalc.analyze(imported.spec).totals.params == 93_322


def test_a_shared_layer_is_an_error(tmp_path: Path) -> None:
    document = load(FIXTURES / "residual_keras2.json")
    conv = next(layer for layer in document["config"]["layers"] if layer["name"] == "conv2d_1")
    conv["inbound_nodes"].append(conv["inbound_nodes"][0])
    with pytest.raises(CnncalcError, match=r"'conv2d_1' \(Conv2D\) is called 2 times"):
        import_keras(str(write(tmp_path, document)))


def test_two_inputs_are_an_error(tmp_path: Path) -> None:
    document = load(FIXTURES / "residual_keras2.json")
    second = copy.deepcopy(document["config"]["layers"][0]) | {"name": "input_2"}
    document["config"]["layers"].insert(1, second)
    with pytest.raises(CnncalcError, match="more than one input"):
        import_keras(str(write(tmp_path, document)))


def test_a_malformed_field_names_the_layer_and_field(tmp_path: Path) -> None:
    document = load(KERAS2_MNIST)
    document["config"]["layers"][2]["config"]["filters"] = "many"
    path = write(tmp_path, document)
    with pytest.raises(CnncalcError) as raised:
        import_keras(str(path))
    assert str(raised.value) == (
        f"{path}: layer 'conv2d_6' (Conv2D): field 'filters': expected a positive integer, "
        "got 'many'"
    )


def test_a_call_that_reads_no_tensor_names_the_layer(tmp_path: Path) -> None:
    document = load(FIXTURES / "residual_keras3.json")
    config = document.get("config", document)
    conv = next(layer for layer in config["layers"] if layer["name"] == "conv2d")
    conv["inbound_nodes"][0]["args"] = []
    path = write(tmp_path, document)
    with pytest.raises(CnncalcError) as raised:
        import_keras(str(path))
    assert str(raised.value) == (
        f"{path}: layer 'conv2d' (Conv2D): its call reads no tensor (inbound_nodes names none)"
    )


# -- the written spec, and the command line -------------------------------------------------------


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_written_yaml_loads_back_to_the_same_report(fixture: str) -> None:
    imported = import_keras(str(FIXTURES / fixture))
    reloaded = cnncalc.analyze(cnncalc.loads(imported.to_yaml(), source=fixture))
    assert reloaded.layers == cnncalc.analyze(imported.spec).layers


def test_cli_writes_the_spec_and_warns_of_skipped_layers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net.yaml"
    assert main(["import", "keras", str(FIXTURES / "skips_keras3.json"), "-o", str(out)]) == 0
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 2
    assert warnings[1] == (
        "warning: skipped softmax_out (Activation): cnncalc has no 'log_softmax' activation (it "
        "has no parameters)"
    )
    assert main([str(out), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["params"] == 80 + 8 + 54_090


def test_cli_that_cannot_write_prints_only_its_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The skipped layers' warnings would bury the one line that says the run failed.
    model = str(FIXTURES / "skips_keras3.json")
    assert main(["import", "keras", model, "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write '") and err.endswith("': Is a directory\n")
    assert err.count("\n") == 1


def _zip(tmp_path: Path, members: dict[str, str]) -> Path:
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


MALFORMED: dict[str, tuple[Any, str]] = {
    "not_json": (b"model = Sequential()\n", "not JSON (line 1, column 1"),
    "empty": (b"", "not JSON"),
    "binary": (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    "hdf5": (b"\x89HDF\r\n\x1a\n" + bytes(64), "an HDF5 (.h5) model file"),
    "a_list": (b"[1, 2, 3]", "not a Keras model config"),
    "not_a_model": (b'{"name": "x"}', "not a Keras model config"),
    "a_layer": (
        b'{"class_name": "Conv2D", "config": {"filters": 3}}',
        "the config of a Keras 'Conv2D' lists no layers",
    ),
    "no_input_shape": (
        b'{"class_name": "Sequential", "config": {"layers": '
        b'[{"class_name": "Dense", "config": {"units": 3}}]}}',
        "layer 'dense_1' states no input shape: the model was never built",
    ),
    "no_layers": (
        b'{"class_name": "Sequential", "config": {"name": "s", "layers": []}}',
        "the Sequential model has no layers",
    ),
    "unknown_inbound": (
        b'{"class_name": "Functional", "config": {"layers": [{"class_name": "InputLayer", '
        b'"name": "in", "config": {"batch_input_shape": [null, 4]}, "inbound_nodes": []}, '
        b'{"class_name": "Dense", "name": "d", "config": {"units": 2}, '
        b'"inbound_nodes": [[["nowhere", 0, 0, {}]]]}], "input_layers": [["in", 0, 0]], '
        b'"output_layers": [["d", 0, 0]]}}',
        "layer 'd' (Dense) reads 'nowhere', which no layer of the model makes",
    ),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "JSON nested deeper than 100 levels"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_are_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    content, message = MALFORMED[case]
    path = tmp_path / f"{case}.json"
    path.write_bytes(content)
    assert main(["import", "keras", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(f"error: {path}: ")
    assert message in line


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("hdf5", "这是 HDF5（.h5）模型文件；cnncalc 读取 Keras 模型的 JSON 配置：请用 "
         "model.to_json() 或存为 .keras 文件"),
        ("binary", "不是 UTF-8 文本，因此不是 Keras JSON 配置"),
        ("deep", "JSON 嵌套超过 100 层；Keras 模型配置即使模型套模型，也远用不了这么多层"),
    ],
)  # fmt: skip
def test_malformed_files_are_said_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, message: str
) -> None:
    path = tmp_path / f"{case}.json"
    path.write_bytes(MALFORMED[case][0])
    with i18n.speaking("en"):  # cnncalc --lang zh switches; the test's language comes back
        assert main(["import", "keras", str(path), "--lang", "zh"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.endswith(f"{path}：{message}")


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"metadata.json": "{}"}, "a zip file without config.json: not a .keras model"),
        ({"config.json": "{not json"}, "model.keras:config.json: not JSON"),
        ({"config.json": '{"class_name": "Sequential"}'}, "not a Keras model config"),
    ],
)
def test_malformed_keras_files_are_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], members: dict[str, str], message: str
) -> None:
    path = _zip(tmp_path, members)
    assert main(["import", "keras", str(path)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {path}") and message in line


def test_a_truncated_keras_file_and_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = keras_file(tmp_path, KERAS3_MNIST).read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(whole[: len(whole) // 2])
    for path, message in [
        (truncated, "a damaged zip file (its directory is missing)"),
        (tmp_path / "missing.json", "cannot read the file: No such file or directory"),
        (tmp_path, "a directory, not a model file"),
    ]:
        assert main(["import", "keras", str(path)]) == 2
        [line] = capsys.readouterr().err.splitlines()
        assert line.startswith(f"error: {path}: ") and message in line


def _modules_after(code: str) -> str:
    """The cnncalc importer and heavy packages loaded after ``code``, in a fresh interpreter."""
    code += (
        "\nimport sys\n"
        "watched = {'cnncalc.importers.keras_config', 'pydantic', 'yaml', 'rich', 'sympy'}\n"
        "print(' '.join(sorted(set(sys.modules) & watched)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout.strip()


def test_the_core_does_not_import_the_importer_nor_it_anything_heavy() -> None:
    assert _modules_after(
        "import cnncalc, cnncalc.cli\ncnncalc.analyze('specs/keras-mnist.yaml')"
    ) == ("pydantic yaml")
    assert _modules_after("import cnncalc.importers.keras_config") == (
        "cnncalc.importers.keras_config"
    )


def test_reshape_of_the_input_becomes_the_input(tmp_path: Path) -> None:
    """``Reshape((28, 28, 1), input_shape=(784,))``, then the MNIST convnet's layers."""
    document = load(KERAS2_MNIST)
    layers = document["config"]["layers"]
    del layers[0]["config"]["batch_input_shape"]
    reshape = {"name": "reshape", "batch_input_shape": [None, 784], "target_shape": [28, 28, 1]}
    layers.insert(0, {"class_name": "Reshape", "config": reshape})
    imported = import_keras(str(write(tmp_path, document)))
    assert imported.spec["input"] == [1, 28, 28]
    assert summary(cnncalc.analyze(imported.spec)) == MNIST_CONVNET_SUMMARY
    assert "reshape (Reshape) reshapes the network input" in imported.to_yaml()


@pytest.mark.parametrize(
    ("target", "translated"), [([-1], "flatten"), ([576], "flatten"), ([3, 3, 64], "identity")]
)
def test_reshape_as_flatten_or_nothing(tmp_path: Path, target: list[int], translated: str) -> None:
    entry = {"class_name": "Reshape", "config": {"name": "reshape", "target_shape": target}}
    document = insert_after(load(KERAS2_MNIST), "conv2d_7", entry)
    imported = import_keras(str(write(tmp_path, document)))
    assert imported.spec["layers"][5] == {"name": "reshape", "type": translated}
    assert cnncalc.analyze(imported.spec).totals.params == 93_322


def test_squeeze_and_excitation_reshape_is_one_reshape(tmp_path: Path) -> None:
    """``Reshape((1, 1, c))`` after global pooling (EfficientNet): ``(64,)`` to Keras's
    ``(1, 1, 64)``, cnncalc's ``[64, 1, 1]``, the values in the same order."""
    pool = {"class_name": "GlobalAveragePooling2D", "config": {"name": "squeeze"}}
    entry = {"class_name": "Reshape", "config": {"name": "reshape", "target_shape": [1, 1, 64]}}
    document = insert_after(insert_after(load(KERAS2_MNIST), "conv2d_7", pool), "squeeze", entry)
    del document["config"]["layers"][-3:]  # flatten, dense, dense
    imported = import_keras(str(write(tmp_path, document)))
    assert imported.spec["layers"][-1] == {"name": "reshape", "type": "reshape",
                                           "shape": [64, 1, 1]}  # fmt: skip
    assert summary(cnncalc.analyze(imported.spec))[-1] == ("reshape", (None, 1, 1, 64), 0)


def test_a_reshape_of_a_map_reads_the_values_in_keras_s_order(tmp_path: Path) -> None:
    """``Reshape((9, 64))`` of Keras's ``(3, 3, 64)``: cnncalc's ``[64, 3, 3]`` is permuted to
    Keras's order, reshaped to ``(9, 64)`` and permuted back to cnncalc's ``[64, 9]``."""
    entry = {"class_name": "Reshape", "config": {"name": "reshape", "target_shape": [9, -1]}}
    document = insert_after(load(KERAS2_MNIST), "conv2d_7", entry)
    imported = import_keras(str(write(tmp_path, document)))
    layers = imported.spec["layers"][5:8]
    assert layers == [
        {"name": "reshape.to_keras", "type": "permute", "dims": [1, 2, 0]},
        {"name": "reshape.reshape", "type": "reshape", "shape": [9, 64]},
        {"name": "reshape.from_keras", "type": "permute", "dims": [1, 0]},
    ]
    report = cnncalc.analyze(imported.spec)
    assert report.layer("reshape.from_keras").output_shape == (64, 9)
    assert report.totals.params == 93_322


@pytest.mark.parametrize(
    ("dims", "translated", "keras_shape"),
    [
        # Keras's (3, 3, 64) → (64, 3, 3): cnncalc's [64, 3, 3] → [3, 64, 3].
        ([3, 1, 2], {"type": "permute", "dims": [2, 0, 1]}, (None, 64, 3, 3)),
        # (3, 3, 64) → (3, 64, 3): cnncalc's [3, 3, 64] from [64, 3, 3].
        ([1, 3, 2], {"type": "permute", "dims": [2, 1, 0]}, (None, 3, 64, 3)),
        ([1, 2, 3], {"type": "identity"}, (None, 3, 3, 64)),
    ],
)
def test_permute_in_cnncalc_s_order(
    tmp_path: Path, dims: list[int], translated: dict[str, Any], keras_shape: tuple[Any, ...]
) -> None:
    entry = {"class_name": "Permute", "config": {"name": "permute", "dims": dims}}
    document = insert_after(load(KERAS2_MNIST), "conv2d_7", entry)
    imported = import_keras(str(write(tmp_path, document)))
    assert imported.spec["layers"][5] == {"name": "permute", **translated}
    assert summary(cnncalc.analyze(imported.spec))[5] == ("permute", keras_shape, 0)


def test_tf_keras_operator_layers(tmp_path: Path) -> None:
    """tf.keras 2 writes ``x + y`` as a TFOpLambda reading ``x`` and ``{"y": [layer, 0, 0]}``."""
    text = (FIXTURES / "residual_keras2.json").read_text()
    document = json.loads(text.replace('"add",\n', '"tf.__operators__.add",\n'))
    layers = document["config"]["layers"]
    add = next(layer for layer in layers if layer["class_name"] == "Add")
    add |= {
        "class_name": "TFOpLambda",
        "name": "tf.__operators__.add",
        "config": {"name": "tf.__operators__.add", "trainable": True, "dtype": "float32",
                   "function": "__operators__.add"},
        "inbound_nodes": [["re_lu", 0, 0, {"y": ["conv2d_1", 0, 0], "name": None}]],
    }  # fmt: skip
    scale = {
        "class_name": "TFOpLambda",
        "name": "tf.math.multiply",
        "config": {"name": "tf.math.multiply", "function": "math.multiply"},
        "inbound_nodes": [["conv2d", 0, 0, {"y": 0.5, "name": None}]],
    }
    layers.insert(2, scale)
    next(layer for layer in layers if layer["name"] == "batch_normalization")["inbound_nodes"] = [
        [["tf.math.multiply", 0, 0, {}]]
    ]
    imported = import_keras(str(write(tmp_path, document)))
    merged = next(layer for layer in imported.spec["layers"] if layer["type"] == "add")
    assert merged == {
        "name": "tf.__operators__.add",
        "type": "add",
        "inputs": ["re_lu", "conv2d_1"],
    }
    assert imported.skipped_lines() == [
        "tf.math.multiply (TFOpLambda): cnncalc has no layer for tf.math.multiply (on 1 tensor) "
        "(it has no parameters)"
    ]
    assert cnncalc.analyze(imported.spec).totals.params == 864 + 128 + 9_248 + 528 + 4_624 + 330


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda document: document["config"], id="get_config"),
        pytest.param(
            lambda document: document | {"config": document["config"]["layers"]}, id="keras-2.1"
        ),
        pytest.param(
            lambda document: {
                "format": "layers-model",
                "modelTopology": {"model_config": document},
            },
            id="tfjs-model.json",
        ),
    ],
)
def test_other_documents_holding_a_config(tmp_path: Path, wrap: Any) -> None:
    """``model.get_config()`` dumped, Keras ≤ 2.1's layer list, TensorFlow.js's model.json."""
    report = analyze(write(tmp_path, wrap(load(KERAS2_MNIST))))
    assert summary(report) == MNIST_CONVNET_SUMMARY


def one_layer(tmp_path: Path, cls: str, config: dict[str, Any]) -> Any:
    """A Keras 3 Sequential of one layer (and a Flatten) on ``(None, 8, 8, 4)``, imported."""
    layers = [{"class_name": cls, "config": config}, {"class_name": "Flatten", "config": {}}]
    return import_keras(str(write(tmp_path, sequential(layers, [None, 8, 8, 4]))))


@pytest.mark.parametrize(
    ("cls", "config", "translated", "params"),
    [
        ("ZeroPadding2D", {"padding": 2}, {"type": "zeropad2d", "padding": 2}, 0),
        ("ZeroPadding2D", {"padding": [1, 2]}, {"type": "zeropad2d", "padding": [1, 2]}, 0),
        ("ZeroPadding2D", {"padding": [[0, 1], [2, 3]]},
         {"type": "zeropad2d", "padding": [[0, 1], [2, 3]]}, 0),
        ("MaxPooling2D", {"pool_size": [3, 3], "strides": [2, 2], "padding": "same"},
         {"type": "maxpool2d", "kernel": 3, "stride": 2, "padding": "same"}, 0),
        ("Conv2D", {"filters": 8, "kernel_size": [3, 1], "dilation_rate": [2, 2], "groups": 2,
                    "use_bias": False},
         {"type": "conv2d", "filters": 8, "kernel": [3, 1], "dilation": 2, "groups": 2,
          "bias": False}, 3 * 1 * (4 // 2) * 8),
        ("DepthwiseConv2D", {"kernel_size": [3, 3], "depth_multiplier": 2},
         {"type": "conv2d", "filters": 8, "kernel": 3, "groups": 4}, 3 * 3 * 4 * 2 + 4 * 2),
        ("GlobalAveragePooling2D", {"keepdims": True},
         {"type": "global_avgpool", "keepdims": True}, 0),
        ("LayerNormalization", {"axis": -1}, {"type": "layernorm"}, 2 * 4),
        ("LayerNormalization", {"axis": [1, 2, 3]}, {"type": "layernorm", "over": "all"},
         2 * 8 * 8 * 4),
        ("GroupNormalization", {"groups": -1}, {"type": "groupnorm", "groups": 4}, 2 * 4),
        ("GroupNormalization", {"groups": 2, "center": False, "scale": False},
         {"type": "groupnorm", "groups": 2, "affine": False}, 0),
        ("BatchNormalization", {"axis": 3, "center": False},
         {"type": "batchnorm", "center": False}, 3 * 4),
        ("SpatialDropout2D", {"rate": 0.2}, {"type": "dropout", "rate": 0.2}, 0),
        ("GaussianNoise", {"stddev": 0.1}, {"type": "identity"}, 0),
        ("RandomFlip", {"mode": "horizontal"}, {"type": "identity"}, 0),
        ("Permute", {"dims": [1, 2, 3]}, {"type": "identity"}, 0),
        ("UpSampling2D", {"size": [2, 3]}, {"type": "upsample", "scale": [2, 3]}, 0),
        ("Activation", {"activation": "relu6"}, {"type": "relu6"}, 0),
        ("ReLU", {}, {"type": "relu"}, 0),
        ("ReLU", {"negative_slope": 0.1}, {"type": "leaky_relu"}, 0),
        ("LeakyReLU", {"negative_slope": 0.2}, {"type": "leaky_relu"}, 0),
        ("ELU", {"alpha": 1.0}, {"type": "elu"}, 0),
        ("PReLU", {"shared_axes": [1, 2, 3]}, {"type": "prelu"}, 1),
        ("Activation", {"activation": "hard_sigmoid"}, {"type": "hardsigmoid"}, 0),
        ("Conv2D", {"filters": 2, "kernel_size": 1, "activation": "mish"},
         {"type": "conv2d", "filters": 2, "kernel": 1, "activation": "mish"}, (4 + 1) * 2),
        # Keras 3: 2·4 + 1 (mean, variance and count); given as constants, none.
        ("Normalization", {"axis": -1}, {"type": "standardize"}, 2 * 4 + 1),
        ("Normalization", {"axis": -1, "mean": [0.0] * 4, "variance": [1.0] * 4},
         {"type": "standardize", "adapted": False}, 0),
        ("Rescaling", {"scale": 0.00392}, {"type": "scalar", "op": "multiply", "value": 0.00392},
         0),
        ("Cropping2D", {"cropping": [[1, 0], [1, 0]]},
         {"type": "crop2d", "cropping": [[1, 0], [1, 0]]}, 0),
        ("LayerScale", {"init_values": 1e-6, "projection_dim": 4}, {"type": "layer_scale"}, 4),
    ],
)  # fmt: skip
def test_layer_translations(
    tmp_path: Path, cls: str, config: dict[str, Any], translated: dict[str, Any], params: int
) -> None:
    imported = one_layer(tmp_path, cls, config)
    assert imported.spec["layers"][0] == {"name": "layer_0", **translated}
    assert imported.skipped == []
    assert cnncalc.analyze(imported.spec).layer("layer_0").params == params


@pytest.mark.parametrize(
    ("cls", "config", "reason"),
    [
        ("Normalization", {"axis": [1, 2]}, "normalises axis [1, 2], not the channels: its 129 "
         "non-trainable parameters (mean, variance and count) are not counted"),  # 2·8·8 + 1
        ("Rescaling", {"scale": [0.1, 0.2, 0.3, 0.4]}, "a scale or offset per value: cnncalc's "
         "scalar takes one number (it has no parameters)"),
        ("ReLU", {"threshold": 0.5}, "a ReLU with max_value=None, negative_slope=0, "
         "threshold=0.5: cnncalc has relu and relu6 (it has no parameters)"),
        # Keras 3 on (None, 8, 8, 4), axis 1: gamma, beta, moving mean and variance of 8 each.
        ("BatchNormalization", {"axis": 1}, "normalises axis 1, not the channels: its 16 "
         "trainable and 16 non-trainable parameters (gamma, beta, moving_mean and "
         "moving_variance) are not counted"),
        ("LayerNormalization", {"center": False}, "a scale without a shift (or the reverse): "
         "cnncalc's layernorm has both or neither: its 4 trainable parameters (gamma) are not "
         "counted"),
        ("UpSampling2D", {"interpolation": "bicubic"}, "interpolation 'bicubic' counted as "
         "nearest: cnncalc has nearest and bilinear"),
        ("Conv2D", {"filters": 2, "kernel_size": 1, "activation": "log_softmax"}, "activation "
         "'log_softmax' left out: cnncalc has no such activation (it has no parameters; of the "
         "conventions only ptflops would count it)"),
    ],
)  # fmt: skip
def test_what_is_left_out_is_said(
    tmp_path: Path, cls: str, config: dict[str, Any], reason: str
) -> None:
    imported = one_layer(tmp_path, cls, config)
    assert imported.skipped_lines() == [f"layer_0 ({cls}): {reason}"]


@pytest.mark.parametrize("cls", ["Subtract", "Average", "Maximum", "Minimum"])
def test_other_element_wise_merges_count_as_add(tmp_path: Path, cls: str) -> None:
    model = load(FIXTURES / "residual_keras2.json")
    next(layer for layer in model["config"]["layers"] if layer["name"] == "add")["class_name"] = cls
    imported = import_keras(str(write(tmp_path, model)))
    assert imported.skipped_lines() == [
        f"add ({cls}): cnncalc has no {cls.lower()}: translated as add, which has the same "
        "output shape and connections"
    ]
    assert summary(cnncalc.analyze(imported.spec)) == RESIDUAL_SUMMARY


def functional2(name: str, calls: list[tuple[str, str, dict[str, Any], list[str]]]) -> Any:
    """A tf.keras 2 Functional config from ``(name, class, config, inputs)`` calls."""
    layers: list[dict[str, Any]] = [
        {"class_name": cls, "name": layer, "config": {"name": layer} | config,
         "inbound_nodes": [[[source, 0, 0, {}] for source in inputs]] if inputs else []}
        for layer, cls, config, inputs in calls
    ]  # fmt: skip
    return {
        "class_name": "Functional",
        "config": {"name": name, "layers": layers, "input_layers": [[calls[0][0], 0, 0]],
                   "output_layers": [[calls[-1][0], 0, 0]]},
        "keras_version": "2.12.0",
    }  # fmt: skip


def mobilenet_v2() -> Any:
    """``keras.applications.MobileNetV2()`` (alpha 1, 224×224, 1000 classes) as its config.

    After keras/src/applications/mobilenet_v2.py: ``_inverted_res_block`` and
    ``correct_pad`` (a stride-2 depthwise conv pads ((0, 1), (0, 1)), then is valid).
    """
    calls: list[tuple[str, str, dict[str, Any], list[str]]] = []
    last = "input_1"

    def call(name: str, cls: str, config: dict[str, Any], inputs: list[str] | None = None) -> str:
        nonlocal last
        calls.append((name, cls, config, [last] if inputs is None else inputs))
        last = name
        return name

    def conv_bn_relu(prefix: str, filters: int, relu: bool = True) -> None:
        call(prefix, "Conv2D", {"filters": filters, "kernel_size": [1, 1], "use_bias": False})
        call(f"{prefix}_BN", "BatchNormalization", {"axis": [3]})
        if relu:
            call(f"{prefix}_relu", "ReLU", {"max_value": 6.0})

    call("input_1", "InputLayer", {"batch_input_shape": [None, 224, 224, 3]}, [])
    call("Conv1", "Conv2D", {"filters": 32, "kernel_size": [3, 3], "strides": [2, 2],
                             "padding": "same", "use_bias": False})  # fmt: skip
    call("bn_Conv1", "BatchNormalization", {"axis": [3]})
    call("Conv1_relu", "ReLU", {"max_value": 6.0})
    channels = 32
    blocks = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
              (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
              (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]  # fmt: skip
    for block_id, (filters, stride, expansion) in enumerate(blocks):
        block_input = last
        prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
        if block_id:
            expand = {"filters": expansion * channels, "kernel_size": [1, 1], "use_bias": False}
            call(f"{prefix}expand", "Conv2D", expand)
            call(f"{prefix}expand_BN", "BatchNormalization", {"axis": [3]})
            call(f"{prefix}expand_relu", "ReLU", {"max_value": 6.0})
        if stride == 2:
            call(f"{prefix}pad", "ZeroPadding2D", {"padding": [[0, 1], [0, 1]]})
        call(f"{prefix}depthwise", "DepthwiseConv2D", {
            "kernel_size": [3, 3], "strides": [stride, stride], "use_bias": False,
            "padding": "same" if stride == 1 else "valid"})  # fmt: skip
        call(f"{prefix}depthwise_BN", "BatchNormalization", {"axis": [3]})
        call(f"{prefix}depthwise_relu", "ReLU", {"max_value": 6.0})
        conv_bn_relu(f"{prefix}project", filters, relu=False)
        if channels == filters and stride == 1:
            call(f"{prefix}add", "Add", {}, [block_input, last])
        channels = filters
    conv_bn_relu("Conv_1", 1280, relu=False)
    call("out_relu", "ReLU", {"max_value": 6.0})
    call("global_average_pooling2d", "GlobalAveragePooling2D", {})
    call("predictions", "Dense", {"units": 1000, "activation": "softmax"})
    return functional2("mobilenetv2_1.00_224", calls)


def test_keras_applications_mobilenet_v2(tmp_path: Path) -> None:
    """``summary()``: Total params 3,538,984; Trainable 3,504,872; Non-trainable 34,112."""
    imported = import_keras(str(write(tmp_path, mobilenet_v2())))
    assert imported.skipped == []
    report = cnncalc.analyze(imported.spec)
    assert report.totals.params == 3_538_984
    assert report.totals.trainable_params == 3_504_872  # torchvision's count too
    assert report.totals.non_trainable_params == 34_112  # 2 per batch-norm channel
    assert summary(report)[10:13] == [
        ("block_1_expand_relu", (None, 112, 112, 96), 0),
        ("block_1_pad", (None, 113, 113, 96), 0),
        ("block_1_depthwise", (None, 56, 56, 96), 3 * 3 * 96),
    ]
    assert report.output_shape == (1000,)
