"""`cnncalc plot`: per-layer parameters and FLOPs as bars (matplotlib)."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import cnncalc
from cnncalc import i18n
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.render import plot as plot_module
from cnncalc.render.fonts import CJK_FAMILIES, Fallback, fallback
from cnncalc.render.plot import plot
from tests.conftest import SPECS
from tests.render.test_fonts import cjk_font_installed, without_cjk_fonts

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path) -> list[str]:
    return [
        "".join(element.itertext()).strip()
        for element in ET.parse(path).iter(f"{SVG}text")
        if "".join(element.itertext()).strip()
    ]


def test_alexnet_bars_show_where_parameters_and_flops_concentrate(tmp_path: Path) -> None:
    path = tmp_path / "alexnet.svg"
    plot(cnncalc.analyze(SPECS / "alexnet.yaml"), path)
    texts = svg_texts(path)
    # 《经典网络(四)AlexNet全解析》: 62,378,344 parameters, 37,752,832 of them in fc1
    # (6·6·256·4096 + 4096): 61%.
    assert "total 62,378,344" in " ".join(texts)
    assert "61%" in texts
    names = [t for t in texts if t in {"conv1", "pool1", "fc1", "fc3", "relu1", "flatten"}]
    assert names == ["conv1", "pool1", "fc1", "fc3"]  # layers with neither cost are left out


def test_identical_runs_write_identical_files(tmp_path: Path) -> None:
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    plot(report, first)
    plot(report, second)
    assert first.read_bytes() == second.read_bytes()


def test_png_through_the_cli_with_folded_blocks(tmp_path: Path) -> None:
    path = tmp_path / "resnet18.png"
    assert main(["plot", str(SPECS / "resnet18.yaml"), "-o", str(path), "--depth", "1"]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_symbolic_sizes_need_values(tmp_path: Path) -> None:
    report = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
    with pytest.raises(CnncalcError, match="--subs"):
        plot(report, tmp_path / "x.svg")
    plot(report.subs({"n": 32, "k": 5}), tmp_path / "x.svg")
    assert "total 60,840 (60,000 trainable)" in " ".join(svg_texts(tmp_path / "x.svg"))


def test_unknown_file_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(SPECS / "lenet5.yaml"), "-o", str(tmp_path / "x.gif")]) == 2
    assert capsys.readouterr().err == "error: plot writes .svg, .png, .pdf files, not 'x.gif'\n"


def _stages(stages: int, repeat: int) -> dict[str, object]:
    """``stages`` blocks of one 1×1 convolution, each repeated: layers ``stage3.7.conv``."""
    conv = {"name": "conv", "type": "conv2d", "filters": 4, "kernel": 1}
    return {"input": [4, 8, 8], "blocks": {"b": {"layers": [conv]}},
            "layers": [{"name": f"stage{i}", "block": "b", "repeat": repeat}
                       for i in range(stages)]}  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "hint"),
    [
        (_stages(20, 30), ": fold them by name with --depth 1 (20 bars)"),
        (_stages(600, 1), "; folded by name (--depth 1) they are still over 500"),
        ({"input": [4, 8, 8], "layers": [{"type": "conv2d", "filters": 4, "kernel": 1}] * 600},
         " (and their names, without dots, do not fold with --depth)"),
    ],
)  # fmt: skip
def test_more_bars_than_a_chart_holds_are_refused(
    spec: dict[str, object], hint: str, tmp_path: Path
) -> None:
    path = tmp_path / "bars.png"
    with pytest.raises(CnncalcError) as error:
        plot(cnncalc.analyze(spec), path)
    assert str(error.value) == (
        f"network: plot draws at most 500 bars, and 600 layers have parameters or FLOPs{hint}"
    )
    assert not path.exists()


def test_the_folding_that_fits_plots(tmp_path: Path) -> None:
    path = tmp_path / "stages.svg"
    plot(cnncalc.analyze(_stages(20, 30)).folded(1), path)
    assert [text for text in svg_texts(path) if text.startswith("stage")] == [
        f"stage{i}" for i in range(20)
    ]


def test_a_long_name_is_cut_and_leaves_the_bars_their_room(tmp_path: Path) -> None:
    # Found by the long fuzz run: a name of 1,300 visible characters (escapes of an
    # OSC sequence, repeated) made matplotlib warn that the layout collapsed.
    name = "\x1b]0;title\x07" * 100
    spec = {"input": [3, 8, 8], "layers": [{"name": name, "type": "conv2d", "filters": 4,
                                             "kernel": 3}]}  # fmt: skip
    path = tmp_path / "long.svg"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot(cnncalc.analyze(spec), path)
    labels = [t for t in svg_texts(path) if t.startswith("\\x1b]0;title")]
    assert labels == ["\\x1b]0;title\\x07" * 3 + "\\x1b]0;titl…"]
    assert len(labels[0]) == 60


# -- Chinese: a CJK font when one is installed, one line saying how to get one when not ----

HINT = (
    "warning: no installed font has Chinese characters, so the plot shows them as empty "
    "boxes; install one (Debian/Ubuntu: sudo apt install fonts-noto-cjk; macOS and Windows "
    "come with one) or write an .svg\n"
)


def glyph_warnings(recorded: pytest.WarningsRecorder) -> list[str]:
    return [str(w.message) for w in recorded if "missing from font" in str(w.message)]


def test_a_chinese_name_and_words_are_drawn_in_a_cjk_font(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    recwarn: pytest.WarningsRecorder,
) -> None:
    if not cjk_font_installed():
        pytest.skip("no CJK font is installed (apt install fonts-noto-cjk)")
    chosen: list[Fallback] = []

    def recording(texts: list[str]) -> Fallback:
        chosen.append(fallback(texts))
        return chosen[-1]

    monkeypatch.setattr(plot_module, "fallback", recording)
    path = tmp_path / "lenet5-full-c3.png"
    with i18n.speaking("zh"):
        plot(cnncalc.analyze(SPECS / "lenet5-full-c3.yaml"), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    [found] = chosen
    assert found.missing == ""
    assert found.families[0] in CJK_FAMILIES
    assert glyph_warnings(recwarn) == []
    assert capsys.readouterr().err == ""


def test_the_svg_names_the_cjk_font_found(tmp_path: Path) -> None:
    if not cjk_font_installed():
        pytest.skip("no CJK font is installed (apt install fonts-noto-cjk)")
    path = tmp_path / "lenet5-full-c3.svg"
    with i18n.speaking("zh"):
        plot(cnncalc.analyze(SPECS / "lenet5-full-c3.yaml"), path)
    texts = svg_texts(path)
    assert "LeNet-5, fully connected C3 (《卷积神经网络CNN与LeNet5详解》)" in texts
    assert {"参数量", "合计 61,740 (可训练参数量 60,900)", "计算量 (connections 口径)"} <= set(
        texts
    )
    family = fallback(["卷积"]).families[0]
    assert f"'{family}'" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("suffix", [".png", ".pdf"])
def test_without_a_cjk_font_one_line_says_how_to_install_one(
    suffix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    recwarn: pytest.WarningsRecorder,
) -> None:
    without_cjk_fonts(monkeypatch)
    path = tmp_path / f"lenet5-full-c3{suffix}"
    plot(cnncalc.analyze(SPECS / "lenet5-full-c3.yaml"), path)
    assert path.exists()
    assert capsys.readouterr().err == HINT
    assert glyph_warnings(recwarn) == []  # the line above, not one warning a character


def test_the_hint_in_chinese_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    without_cjk_fonts(monkeypatch)
    path = tmp_path / "x.png"
    with i18n.speaking("en"):  # main() leaves --lang's language on: back to English after
        assert main(["plot", str(SPECS / "lenet5.yaml"), "-o", str(path), "--lang", "zh"]) == 0
    assert capsys.readouterr().err == (
        "警告: 没有已安装的字体含有中文字符，图中的中文会显示为空白方框；请安装一个 "
        "(Debian/Ubuntu: sudo apt install fonts-noto-cjk；macOS 和 Windows 自带) 或改为输出 .svg\n"
    )


def test_an_svg_leaves_the_characters_to_its_viewer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    without_cjk_fonts(monkeypatch)
    path = tmp_path / "x.svg"
    plot(cnncalc.analyze(SPECS / "lenet5-full-c3.yaml"), path)
    assert "《卷积神经网络CNN与LeNet5详解》" in " ".join(svg_texts(path))
    assert capsys.readouterr().err == ""


def test_a_character_no_font_has_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    without_cjk_fonts(monkeypatch)
    spec = {"name": "runes ᚠᚢᚦ", "input": [1, 8, 8],
            "layers": [{"name": "ᚨᚱᚲᛃ", "type": "conv2d", "filters": 2, "kernel": 3}]}  # fmt: skip
    plot(cnncalc.analyze(spec), tmp_path / "x.png")
    assert capsys.readouterr().err == (
        "warning: no installed font has ᚠ (U+16A0) ᚢ (U+16A2) ᚦ (U+16A6) ᚨ (U+16A8) "
        "ᚱ (U+16B1) …: the plot shows them as empty boxes\n"
    )


def test_a_plot_that_cannot_be_written_says_only_that(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    without_cjk_fonts(monkeypatch)
    path = tmp_path / "no such folder" / "x.png"
    assert main(["plot", str(SPECS / "lenet5-full-c3.yaml"), "-o", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: ")
