"""Finding a font for what matplotlib's default font cannot draw (Chinese first)."""

from __future__ import annotations

import os

import pytest

from cnncalc.render.fonts import CJK_FAMILIES, Fallback, fallback, is_cjk

pytest.importorskip("matplotlib")

TITLE = "LeNet-5, fully connected C3 (《卷积神经网络CNN与LeNet5详解》)"


def cjk_font_installed() -> bool:
    """Whether the machine has a CJK font; CI (CNNCALC_REQUIRE_CJK_FONT=1) must have one."""
    found = fallback(["卷积"]).families != ()
    if not found and os.environ.get("CNNCALC_REQUIRE_CJK_FONT") == "1":
        pytest.fail("no CJK font is installed (apt install fonts-noto-cjk)")
    return found


def without_cjk_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    """matplotlib knows DejaVu and its own fonts only, and the system has no others."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    ours = [entry for entry in manager.ttflist if "mpl-data" in entry.fname]
    monkeypatch.setattr(manager, "ttflist", ours)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *_, **__: [])


@pytest.mark.parametrize("character", ["卷", "《", "》", "（", "，", "ア", "한", "𠀀"])
def test_chinese_japanese_korean_and_their_punctuation_are_cjk(character: str) -> None:
    assert is_cjk(character)


@pytest.mark.parametrize("character", ["a", "×", "·", "é", "Ж", "→", "(", " "])
def test_latin_greek_cyrillic_and_symbols_are_not(character: str) -> None:
    assert not is_cjk(character)


def test_what_the_default_font_draws_needs_no_other() -> None:
    assert fallback(["C1: 6@28×28", "conv1 + bn1 + relu", "Ж é → ·", "\x1b\n\t"]) == Fallback()


def test_ascii_looks_no_font_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib import font_manager

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a font was looked up")

    monkeypatch.setattr(font_manager, "findfont", refuse)
    assert fallback(["conv1: 6@28x28", "Parameters\ntotal 60,000 (1%)"]) == Fallback()
    with pytest.raises(AssertionError, match="a font was looked up"):
        fallback(["6@28×28"])


def test_chinese_is_drawn_in_an_installed_cjk_font() -> None:
    if not cjk_font_installed():
        pytest.skip("no CJK font is installed (apt install fonts-noto-cjk)")
    found = fallback([TITLE, "参数量", "合计 61,740 (可训练参数量 60,900)"])
    assert found.missing == ""
    assert len(found.families) == 1
    assert found.families[0] in CJK_FAMILIES


def test_without_a_cjk_font_the_chinese_characters_are_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without_cjk_fonts(monkeypatch)
    found = fallback([TITLE, "参数量", "C1"])
    assert found == Fallback((), "《卷积神经网络与详解》参数量")


def test_a_font_the_cache_lacks_is_found_among_the_systems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A CJK font installed after matplotlib built its font cache (this issue's case)."""
    if not cjk_font_installed():
        pytest.skip("no CJK font is installed (apt install fonts-noto-cjk)")
    from matplotlib import font_manager

    manager = font_manager.fontManager
    system = font_manager.findSystemFonts()
    monkeypatch.setattr(manager, "ttflist", [e for e in manager.ttflist if "mpl-data" in e.fname])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *_, **__: system)
    found = fallback(["参数量"])
    assert found.missing == ""
    assert found.families[0] in CJK_FAMILIES
    assert any(entry.name == found.families[0] for entry in manager.ttflist)
