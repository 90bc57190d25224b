"""Skipped layers as records: the header in English, the warnings in the user's language.

``cnncalc import … --lang zh`` warns in Chinese about what it leaves out, the reason
included (an ONNX file made here with ``onnx.helper``, a Keras config among the
fixtures); the written spec's header says the same in English; and the uncounted
parameters' error names the first record that holds some, found by its field.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cnncalc import i18n
from cnncalc.cli import main
from cnncalc.importers.keras_config import import_keras
from cnncalc.importers.skipped import Skipped, leaving_out_parameters, reason, verbatim
from tests.importers.test_keras_left_out import LEFT_OUT
from tests.render.test_chinese import ENGLISH_RUN


def english_left(line: str, names: set[str]) -> list[str]:
    """Runs of three English words in ``line`` once the model's names (layers, ops,
    classes, weights) and the program's own (``cnncalc``) are taken out."""
    for name in sorted(names | {"cnncalc"}, key=len, reverse=True):
        line = re.sub(rf"(?<![A-Za-z0-9_.]){re.escape(name)}(?![A-Za-z0-9_])", "", line)
    return ENGLISH_RUN.findall(line)


def run_chinese(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    with i18n.speaking("en"):  # cnncalc --lang zh switches; the test's language comes back
        status = main([*argv, "--lang", "zh"])
    return status, capsys.readouterr().err.splitlines()


def test_a_record_is_said_in_the_active_language_and_in_english() -> None:
    record = Skipped(
        "bias_add", "Add",
        reason("{op} by a constant of unknown shape", op="Add"),
        reason(" (it holds no weights)"),
    )  # fmt: skip
    assert (
        record.english()
        == "bias_add (Add): Add by a constant of unknown shape (it holds no weights)"
    )
    with i18n.speaking("zh"):
        assert record.line() == "bias_add (Add): 与形状未知的常量做 Add（它没有权重）"
        assert record.english().startswith("bias_add (Add): Add by a constant")


def test_verbatim_text_keeps_its_braces() -> None:
    assert verbatim("a {dict} repr").english() == "a {dict} repr"


def test_the_uncounted_record_is_found_by_its_parameters_not_a_word() -> None:
    """The first record that says "parameters" holds none: the error names the next."""
    free = Skipped("act", "Activation", reason(" (it has no parameters)"))
    held = Skipped("norm", "LayerNormalization", verbatim("a scale without a shift"), None, 4)
    assert leaving_out_parameters([free, held]) is held
    assert leaving_out_parameters([free]) is None


onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


def erf_model(path: Path) -> Path:
    """x [1, 3, 8, 8] → Conv (w) → Add of a [1, 4, 1, 1] constant (no cnncalc layer: its
    4 parameters are left out) → Erf (no cnncalc layer, no weights) → y."""
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Add", ["c", "bias"], ["a"], name="bias_add"),
             helper.make_node("Erf", ["a"], ["y"], name="erf")]  # fmt: skip
    graph = helper.make_graph(
        nodes, "reasons",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[helper.make_tensor("w", TensorProto.FLOAT, [4, 3, 3, 3], [0.5] * 108),
                     helper.make_tensor("bias", TensorProto.FLOAT, [1, 4, 1, 1], [0.5] * 4)],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path.write_bytes(model.SerializeToString())
    return path


ONNX_NAMES = {"bias_add", "Add", "erf", "Erf", "bias", "conv", "Conv"}


def test_onnx_skips_are_warned_in_chinese_and_written_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = erf_model(tmp_path / "erf.onnx"), tmp_path / "erf.yaml"
    status, lines = run_chinese(["import", "onnx", str(path), "-o", str(out)], capsys)
    assert status == 2 and not out.exists()
    assert lines == [
        f"错误: {path}: 模型有 4 个参数位于 cnncalc 无法转换的运算中 (bias_add (Add): "
        "与形状为 [4, 1, 1] 的常量做 Add；cnncalc 没有这样的层：它的 4 个参数（bias）未计入); "
        "--allow-uncounted 会写出不含它们的网络描述"
    ]
    status, lines = run_chinese(
        ["import", "onnx", str(path), "-o", str(out), "--allow-uncounted"], capsys
    )
    assert status == 0
    assert lines == [
        "警告: 跳过了 bias_add (Add): 与形状为 [4, 1, 1] 的常量做 Add；cnncalc 没有这样的层：它的 "
        "4 个参数（bias）未计入",
        "警告: 跳过了 erf (Erf): cnncalc 没有对应运算 Erf 的层（它没有权重）",
    ]
    assert [english_left(line, ONNX_NAMES) for line in lines] == [[], []]
    header = [line for line in out.read_text().splitlines() if line.startswith("# skipped:")]
    assert header == [
        "# skipped: bias_add (Add): Add by a constant of shape [4, 1, 1]; cnncalc has no such "
        "layer: its 4 parameters (bias) are not counted",
        "# skipped: erf (Erf): cnncalc has no layer for the op Erf (it holds no weights)",
    ]
    # The checker can fail: the English warnings are prose.
    assert english_left(header[0], ONNX_NAMES)


def test_an_onnx_stop_error_gives_its_reason_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nodes = [helper.make_node("SpaceToDepth", ["x"], ["s"], name="s2d", blocksize=2),
             helper.make_node("Relu", ["s"], ["y"], name="relu")]  # fmt: skip
    graph = helper.make_graph(
        nodes, "s2d", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )  # fmt: skip
    path = tmp_path / "s2d.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path.write_bytes(model.SerializeToString())
    status, lines = run_chinese(["import", "onnx", str(path)], capsys)
    assert status == 2
    assert lines == [
        f"错误: {path}: node 's2d' (SpaceToDepth): cnncalc 没有对应运算 SpaceToDepth 的层, "
        "而略过它会改变其后各层的形状"
    ]
    assert english_left(lines[0], {str(path), "SpaceToDepth", "s2d", "node"}) == []


def test_keras_skips_are_warned_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net.yaml"
    imported = import_keras(str(LEFT_OUT))
    names = {str(record.name) for record in imported.skipped}
    names |= {record.kind for record in imported.skipped}
    names |= {"gamma", "beta", "moving_mean", "moving_variance", "mean", "variance", "count",
              "alpha", "scale", "layernorm", "prelu", "renorm", "None", "axis"}  # fmt: skip
    status, lines = run_chinese(
        ["import", "keras", str(LEFT_OUT), "-o", str(out), "--allow-uncounted"], capsys
    )
    assert status == 0
    assert len(lines) == len(imported.skipped) == 10
    assert lines[0] == (
        "警告: 跳过了 normalization_hw (Normalization): 归一化轴 [1, 2]，而不是通道：它的不可训练"
        "参数量 129（mean, variance 和 count）未计入"
    )
    assert lines[-1] == (
        "警告: 跳过了 batch_renorm (BatchNormalization): 略去了 renorm 的滑动标准差、renorm 均值和 "
        "renorm 标准差（不可训练参数量 12）：cnncalc 只计批归一化通常的四组"
    )
    assert {line: english_left(line, names) for line in lines} == {line: [] for line in lines}
    assert "# skipped: normalization_hw (Normalization): normalises axis [1, 2], not the " \
        "channels: its 129 non-trainable parameters (mean, variance and count) are not " \
        "counted" in out.read_text().splitlines()  # fmt: skip
