"""Error messages in both languages: pydantic's error types in cnncalc's words, show_value's
phrases, libyaml's messages and the hints (cnncalc.spec.diagnostics, cnncalc.errors)."""

from __future__ import annotations

import errno

import pytest

from cnncalc import i18n
from cnncalc.api import analyze
from cnncalc.errors import SpecError, os_reason, show_value
from cnncalc.spec import read_spec_text
from cnncalc.spec.source import YAML_WORDS


def message(text: str, language: str) -> str:
    """The one line ``read_spec_text(text)`` fails with, in ``language``."""
    with i18n.speaking(language), pytest.raises(SpecError) as caught:
        read_spec_text(text, "spec.yaml")
    return str(caught.value)


LAYER = "input: [1, 8, 8]\nlayers:\n  - {{type: {layer}}}\n"


@pytest.mark.parametrize(
    ("layer", "english", "chinese"),
    [
        (  # pydantic's le: its English as it was, its limit in cnncalc's Chinese
            "dense, units: 2, axis: 100",
            "field 'axis': input should be less than or equal to 63, got 100",
            "field 'axis': 应为 ≤ 63 的数，实为 100",
        ),
        (
            "dense, units: 2, axis: -100",
            "field 'axis': expected a number ≥ -64, got -100",
            "field 'axis': 应为 ≥ -64 的数，实为 -100",
        ),
        (
            "permute, dims: []",
            "field 'dims': list should have at least 1 item after validation, not 0, got []",
            "field 'dims': 应至少有 1 项，实为 []",
        ),
        (
            "dense, units: 2, axis: 1.5",
            "field 'axis': expected an integer, got 1.5",
            "field 'axis': 应为整数，实为 1.5",
        ),
        (
            "batchnorm, framework: tf",
            "field 'framework': expected 'keras' or 'pytorch', got 'tf'",
            "field 'framework': 应为'keras' 或 'pytorch'，实为 'tf'",
        ),
        (
            "window_attention, window: 7, heads: 1, version: 3",
            "field 'version': expected 1 or 2, got 3",
            "field 'version': 应为1 或 2，实为 3",
        ),
        (
            "conv2d, filters: 1, kernel: 3, padding: [1, 2, 3]",
            "field 'padding': expected 'valid', 'same', a non-negative integer, [height, width] or "
            "[[height_before, height_after], [width_before, width_after]], got [1, 2, 3]",
            "field 'padding': 应为'valid'、'same'、非负整数、[高度, 宽度] 或 "
            "[[高度前, 高度后], [宽度前, 宽度后]]，实为 [1, 2, 3]",
        ),
        (
            "conv2d, filters: {a: 1, b: 2}, kernel: 3",
            "field 'filters': expected a positive integer or a size formula such as 'n' or "
            "'2*k + 1', got a mapping with 2 keys",
            "field 'filters': 应为正整数，或 'n'、'2*k + 1' 这样的尺寸公式，实为 含 2 个键的映射",
        ),
    ],
)
def test_pydantic_errors_in_both_languages(layer: str, english: str, chinese: str) -> None:
    text = LAYER.format(layer=layer)
    assert message(text, "en").endswith(english)
    assert message(text, "zh").endswith(chinese)


def test_show_value_counts_in_the_active_language() -> None:
    assert show_value({"a": 1}) == "a mapping with 1 key"
    assert show_value(list(range(9))) == "a list of 9 items"
    assert show_value(tuple(range(5))) == "a tuple of 5 items"
    with i18n.speaking("zh"):
        assert show_value({"a": 1, "b": 2, "c": 3}) == "含 3 个键的映射"
        assert show_value(list(range(9))) == "含 9 项的列表"
        assert show_value([1, 2]) == "[1, 2]"


@pytest.mark.parametrize(
    ("text", "english", "chinese"),
    [
        (
            "input: [1, 28, 28]\nlayers:\n  - type: relu\n    name: a\n      units: 3\n",
            "spec.yaml:5: invalid YAML: mapping values are not allowed in this context",
            "spec.yaml:5: YAML 语法错误：此处不允许出现映射的值",
        ),
        (
            "input: [1, 28, 28]\nlayers: {type: relu\n",
            "spec.yaml:3: invalid YAML: did not find expected ',' or '}' (while parsing a flow "
            "mapping)",
            "spec.yaml:3: YAML 语法错误：找不到应有的 ',' 或 '}'（解析流式映射 {...} 时）",
        ),
        (
            "input: [1, 28, 28]\nlayers:\n  - {type: relu}\n - {type: relu}\n",
            "spec.yaml:4: invalid YAML: did not find expected key (while parsing a block mapping)",
            "spec.yaml:4: YAML 语法错误：找不到应有的键（解析块映射时）",
        ),
        (
            "input: [1, 28, 28]\nlayers: [{type: relu}]\nlayers: []\n",
            "spec.yaml:3: duplicate key 'layers' (first given on line 2)",
            "spec.yaml:3: 重复的键 'layers'（第 2 行已给出）",
        ),
    ],
)
def test_yaml_errors_in_both_languages(text: str, english: str, chinese: str) -> None:
    assert message(text, "en") == english
    assert message(text, "zh") == chinese


def test_every_libyaml_message_cnncalc_words_is_translated() -> None:
    with i18n.speaking("zh"):
        untranslated = [text for text in YAML_WORDS if i18n.gettext(text) == text]
    assert untranslated == []


def test_the_channels_last_hint_in_chinese() -> None:
    text = "input: [28, 28, 3]\nlayers:\n  - {type: conv2d, filters: 6, kernel: 5}\n"
    with i18n.speaking("zh"), pytest.raises(SpecError) as caught:
        analyze(read_spec_text(text, "spec.yaml"))
    assert str(caught.value) == (
        "spec.yaml:3: layer 1 'conv2d_1' (conv2d): field 'kernel': 核大小 5 大于填充后的输入 3"
        "（输入 [28, 28, 3] 被读作 28 个通道、每个 28×3：通道在前，是否想写 [3, 28, 28]？）"
    )


def test_os_reasons_are_translated_only_when_they_are_the_c_librarys() -> None:
    missing = FileNotFoundError(errno.ENOENT, "No such file or directory")
    odd = FileNotFoundError(errno.ENOENT, "Datei nicht gefunden")
    assert os_reason(missing) == "No such file or directory"
    with i18n.speaking("zh"):
        assert os_reason(missing) == "没有该文件或目录"
        assert os_reason(odd) == "Datei nicht gefunden"
