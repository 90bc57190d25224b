"""Fonts for the pictures: the installed fonts that draw what the default font cannot.

matplotlib draws with DejaVu Sans, which has no Chinese, Japanese or Korean
characters: a network named 《卷积神经网络CNN与LeNet5详解》, or a plot's words
under ``--lang zh``, would come out as empty boxes. :func:`fallback` finds the
installed fonts that have the missing characters (a CJK font first, by family
name, then any font by its glyphs), for matplotlib's list of fallback families
(``font.family``, matplotlib ≥ 3.6), and says which characters no installed font
has. matplotlib keeps its list of fonts in a cache built once, so a font
installed after that is unknown to it; the fonts of the system that the cache
lacks are added to this process's list (never written back) before giving up.

An SVG names its fonts instead (:data:`CSS_CJK_FAMILIES`): the viewer picks
the first installed one that has the character.

matplotlib is imported inside the functions: the numeric path never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.font_manager import FontEntry

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC",
    "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "SimHei",
    "Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "Noto Serif SC",
    "Songti SC", "STSong", "SimSun", "AR PL UMing CN", "AR PL SungtiL GB",
    "AR PL UKai CN", "AR PL KaitiM GB",
    "Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Sans CJK JP", "Noto Sans CJK KR",
    "Source Han Sans TC", "Source Han Sans", "Microsoft JhengHei", "PingFang TC",
    "Noto Serif CJK TC", "Noto Serif CJK JP", "Noto Serif CJK KR", "AR PL UMing TW",
    "Arial Unicode MS",
)  # fmt: skip
"""CJK font families by preference: Simplified Chinese (the interface's) first, sans-serif
before serif, then the Traditional, Japanese and Korean cuts (their Han characters differ
in detail only). Linux (Noto, Source Han, WenQuanYi, AR PL), Windows (YaHei, SimHei,
SimSun) and macOS (PingFang, Hiragino, Heiti, Songti) all have one."""

CSS_CJK_FAMILIES = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', 'Noto Sans SC', SimHei"
)
"""The CJK part of an SVG's ``font-family``: after the Latin fonts, before the generic
``sans-serif``, so that a viewer draws Chinese in a Simplified Chinese font where one is
installed (the generic fallback may pick a Japanese cut, or none)."""

NOT_A_FALLBACK = ("Last Resort",)
"""Fonts never chosen: matplotlib's Last Resort font "has" every character as a box."""

_CJK_RANGES = (
    (0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x2FF0, 0x31FF), (0x3200, 0x4DBF),
    (0x4E00, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF),
)  # fmt: skip
"""Hangul Jamo; radicals; CJK punctuation (《》、。), kana, bopomofo; enclosed and
compatibility forms, extension A; the unified ideographs; Hangul; compatibility
ideographs and forms; full-width forms （，：）; extensions B and later."""


def is_cjk(character: str) -> bool:
    """Whether ``character`` is Chinese, Japanese or Korean script or punctuation."""
    code = ord(character)
    return any(low <= code <= high for low, high in _CJK_RANGES)


@dataclass(frozen=True, slots=True)
class Fallback:
    """What to add to matplotlib's fonts for some texts, and what stays undrawable."""

    families: tuple[str, ...] = ()
    """Font families to try after the default ones, in order."""
    missing: str = ""
    """The characters no installed font has, each once, in order of appearance."""


def fallback(texts: Iterable[str]) -> Fallback:
    """The installed font families that draw the characters of ``texts`` the default lacks.

    The default is matplotlib's ``font.family``. Missing characters go to the
    first family of :data:`CJK_FAMILIES` that has some of them, then the next,
    and so on. If some are still missing, the fonts of the system that
    matplotlib's cache does not know are added, and the search runs again over
    the CJK families, then every other installed family (by name, in order).
    Cost: nothing for ASCII; a lookup per other character in the default font;
    then, if it lacks some, a lookup per character and family tried, and a
    directory scan if the CJK fonts matplotlib knows are not enough.
    """
    from matplotlib import font_manager, rcParams

    wanted = _characters(texts)
    if not wanted:
        return Fallback()
    fonts: dict[str, Callable[[int], int] | None] = {}
    for family in rcParams["font.family"]:
        glyph = _glyph_index(family, fonts)
        wanted = [ch for ch in wanted if glyph is None or not glyph(ord(ch))]
    chosen: list[str] = []
    for everything in (False, True):
        if not wanted:
            break
        if everything:
            _add_uncached_system_fonts()
        known = _regular_families(font_manager.fontManager.ttflist)
        candidates = [family for family in CJK_FAMILIES if family in known]
        if everything:
            candidates += sorted(known - set(CJK_FAMILIES))
        for family in candidates:
            if family in chosen or family.startswith(NOT_A_FALLBACK):
                continue
            glyph = _glyph_index(family, fonts)
            if glyph is None or not any(glyph(ord(ch)) for ch in wanted):
                continue
            chosen.append(family)
            wanted = [ch for ch in wanted if not glyph(ord(ch))]
            if not wanted:
                break
    return Fallback(tuple(chosen), "".join(wanted))


def _characters(texts: Iterable[str]) -> list[str]:
    """The characters beyond ASCII to draw, each once, in order (every font has ASCII;
    spaces, controls and format characters draw nothing)."""
    seen = dict.fromkeys(ch for text in texts for ch in text if ch > "~" and ch.isprintable())
    return list(seen)


def _regular_families(entries: Iterable[FontEntry]) -> set[str]:
    """The families with an upright regular face (weight 400): those matplotlib draws body
    text in without falling back to another weight (which it would log on stderr)."""
    return {
        entry.name
        for entry in entries
        if entry.style == "normal"
        and (entry.weight == 400 or str(entry.weight).lower() in ("normal", "regular", "book"))
    }


def _glyph_index(
    family: str, fonts: dict[str, Callable[[int], int] | None]
) -> Callable[[int], int] | None:
    """Character code → glyph index (0: no glyph) in the font matplotlib draws ``family``
    with; None if there is none. One lookup a character: reading a CJK font's whole
    table of 65,000 characters would cost more than the plot."""
    if family not in fonts:
        from matplotlib import font_manager

        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=[family]), fallback_to_default=False
            )
            fonts[family] = font_manager.get_font(path).get_char_index
        except (ValueError, OSError, RuntimeError):  # not found, or a file FreeType rejects
            fonts[family] = None
    return fonts[family]


def _add_uncached_system_fonts() -> None:
    """Add the system's fonts that matplotlib's cache lacks to this process's font list.

    Fonts installed after matplotlib built its cache (``apt install
    fonts-noto-cjk`` after the first plot) are otherwise never seen. Nothing is
    written: the next run looks again, which costs a directory scan.
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    known = {entry.fname for entry in manager.ttflist}
    for path in sorted(set(font_manager.findSystemFonts()) - known):
        try:
            manager.addfont(path)
        except (ValueError, OSError, RuntimeError):  # a file FreeType cannot read
            continue
