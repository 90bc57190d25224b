"""cnncalc.wrapping: Chinese filled into terminal columns."""

from __future__ import annotations

import pytest

from cnncalc.wrapping import fill, width


@pytest.mark.parametrize(
    ("text", "columns"),
    [("conv2d", 6), ("卷积层", 6), ("C1 卷积层", 9), ("é", 1), ("e\u0301", 1), ("", 0)],
)
def test_width_counts_terminal_columns(text: str, columns: int) -> None:
    assert width(text) == columns


def test_chinese_breaks_between_characters_within_the_page() -> None:
    assert fill("可训练参数量等于权重加偏置", 10) == ["可训练参数", "量等于权重", "加偏置"]


def test_a_kept_term_is_never_split() -> None:
    text = "可训练参数量等于权重加偏置"
    assert fill(text, 10, keep=["可训练参数量"]) == ["可训练参数量", "等于权重加", "偏置"]


def test_no_line_starts_with_a_closing_mark() -> None:
    """The comma goes with the character before it, and the opening bracket with the one
    after it, even when the page would fit one character more."""
    assert fill("一二三四，五六", 8) == ["一二三", "四，五六"]
    assert fill("一二三（四五", 8) == ["一二三", "（四五"]


def test_english_words_are_whole_and_spaces_are_breaks() -> None:
    assert fill("FLOPs 计算量 of conv2d", 12) == ["FLOPs 计算量", "of conv2d"]
    assert fill("a  b\n c", 80) == ["a b c"]


def test_a_piece_wider_than_the_page_has_a_line_of_its_own() -> None:
    assert fill("见 torchvision.models:resnet18 即可", 10) == [
        "见",
        "torchvision.models:resnet18",
        "即可",
    ]
