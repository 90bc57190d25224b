"""The reports in Chinese: goldens, the post's table under ``LANG=zh_CN.UTF-8``, no English
prose left untranslated, and the mark on a max pooling layer's connections (both languages)."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cnncalc
from cnncalc import i18n
from cnncalc.cli import main
from cnncalc.conventions import Convention
from cnncalc.devices import DEVICES
from cnncalc.render import render
from cnncalc.render.table_format import fill, wrap
from cnncalc.wrapping import width
from tests.conftest import GOLDEN, ROOT, SPECS, Golden
from tests.test_documents import POST_COLUMNS, POST_TABLE


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """What ``cnncalc ARGS`` prints (it must succeed); the language is restored after, as
    ``main`` leaves the one it spoke in force."""
    with i18n.speaking("en"):
        assert main(list(args)) == 0
    return capsys.readouterr().out


# -- goldens ---------------------------------------------------------------------------------

GOLDENS = {
    "lenet5-full-c3.zh.txt": ["lenet5-full-c3.yaml"],
    "lenet5-full-c3.zh.md": ["lenet5-full-c3.yaml", "-f", "markdown"],
    "lenet5-full-c3.zh.html": ["lenet5-full-c3.yaml", "-f", "html"],
    "lenet5.zh.txt": ["lenet5.yaml"],
    "lenet5.zh.md": ["lenet5.yaml", "-f", "markdown"],
    "lenet5.zh.html": ["lenet5.yaml", "-f", "html"],
    "lenet5-modern.zh.txt": ["lenet5-modern.yaml"],
    "lenet5-modern-memory.zh.txt": ["lenet5-modern.yaml", "--memory"],
    "lenet5-training.zh.txt": ["lenet5.yaml", "--training", "--batch", "32", "--samples", "1000"],
    "lenet5-modern-receptive-field.zh.txt": ["lenet5-modern.yaml", "--receptive-field"],
    "lenet5-roofline-a100.zh.txt": ["lenet5.yaml", "--roofline", "--device", "a100-sxm4-80gb"],
}
"""Chinese goldens (``--lang zh``) beside the English ones, by file in ``tests/golden``."""


@pytest.mark.parametrize("name", GOLDENS)
def test_golden(name: str, golden: Golden, capsys: pytest.CaptureFixture[str]) -> None:
    spec, *options = GOLDENS[name]
    golden.check(name, cli(capsys, str(SPECS / spec), *options, "--lang", "zh"))


def test_the_chinese_goldens_are_chinese() -> None:
    """Each golden speaks Chinese (its headers or its title), in the glossary's words."""
    for name in GOLDENS:
        text = (GOLDEN / name).read_text(encoding="utf-8")
        assert "层" in text and "类型" in text, name
    page = (GOLDEN / "lenet5-full-c3.zh.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert '<html lang="en">' in (GOLDEN / "lenet5.html").read_text(encoding="utf-8")


# -- LANG=zh_CN.UTF-8: the post's table --------------------------------------------------------


def table_cells(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """The headers and each layer's cells (by its name) of a plain-text table."""
    headers: list[str] = []
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("┃"):
            headers = [cell.strip() for cell in line.strip("┃").split("┃")]
        elif line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            rows[cells[0]] = cells
    return headers, rows


def test_lang_zh_cn_prints_the_posts_table() -> None:
    """``LANG=zh_CN.UTF-8 cnncalc specs/lenet5-full-c3.yaml`` (no ``--lang``, no
    ``CNNCALC_LANG``): the columns of 《卷积神经网络CNN与LeNet5详解》 by its own names, and every
    number of its table in them."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CNNCALC_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"}
    }
    environment["LANG"] = "zh_CN.UTF-8"
    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", "specs/lenet5-full-c3.yaml"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    headers, rows = table_cells(result.stdout)
    assert headers[:3] == ["层", "类型", "输出特征图大小"]
    assert set(POST_COLUMNS) <= set(headers)
    for layer, numbers in POST_TABLE.items():
        cells = dict(zip(headers, rows[layer], strict=True))
        shown = tuple(int(cells[column].replace(",", "")) for column in POST_COLUMNS)
        assert shown == numbers, layer
    assert "计算量: 'connections' 口径，每次权重使用和每个偏置各计 1 次" in result.stdout
    assert "《卷积神经网络CNN与LeNet5详解》，其中 计算量 = 连接数）。" in result.stdout


# -- no English prose left ---------------------------------------------------------------------

ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*(?:[ \t]+[A-Za-z][A-Za-z0-9'\-]*){2,}")
"""Three or more English words in a row, separated by spaces only: prose. Names written
with digits (``A100``) are words; a number (``1998``), a formula's ``·`` or a Chinese
character breaks a run."""

CITATIONS = ("LeCun et al.", "Araujo et al.")
"""Works cited by their authors' names."""
UNITS = ("KiB", "MiB", "GiB", "B/s", "FLOP/s", "FLOP/B", "µs", "B")
PRODUCTS = (
    "NVIDIA A100 Tensor Core GPU",
    "NVIDIA H100 Tensor Core GPU",
    "NVIDIA Tesla V100 GPU Accelerator",
    "NVIDIA T4 Tensor Core GPU",
)
"""The datasheets' products, named as their vendor names them (the titles of
:data:`cnncalc.devices.DEVICES` too)."""

NOT_YET_HERS: tuple[re.Pattern[str], ...] = ()
"""Parts of a page left out of the check (none: the drawing and each layer's derivation
are translated too)."""

REPORTS = {
    "table": [],
    "markdown": ["-f", "markdown"],
    "html": ["-f", "html"],
    "memory": ["--memory"],
    "training": ["--training", "--samples", "1000", "--batch", "32"],
    "receptive-field": ["--receptive-field"],
    "roofline": ["--roofline", "--device", "a100-sxm4-80gb"],
}
SPECS_CHECKED = ("lenet5", "lenet5-full-c3", "lenet5-modern", "keras-mnist", "alexnet", "resnet18")


def english_left(text: str, spec: Path) -> list[str]:
    """The runs of English words in ``text`` once the names it may hold are taken out: the
    network's, its layers' and their types' (what the user wrote), the conventions', units,
    products (:data:`PRODUCTS`) and cited authors (:data:`CITATIONS`)."""
    report = cnncalc.analyze(spec)
    for part in NOT_YET_HERS:
        text = part.sub("", text)
    text = re.sub(r"<(script|style)>.*?</\1>", "", text, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]*>", " ¦ ", text))  # a tag ends a run
    text = " ".join(text.split())  # a wrapped caption's lines, one text again
    names = {report.name, *(layer.name for layer in report.layers)}
    names |= {layer.type for layer in report.layers} | {str(c) for c in Convention}
    names |= {device.title for device in DEVICES.values()} | set(PRODUCTS) | set(UNITS)
    names |= set(CITATIONS)
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z0-9_.]){re.escape(name)}(?![A-Za-z0-9_])", "", text)
    return ENGLISH_RUN.findall(text)


@pytest.mark.parametrize("spec", SPECS_CHECKED)
@pytest.mark.parametrize("kind", REPORTS)
def test_no_english_prose_is_left_in_a_chinese_report(
    spec: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = SPECS / f"{spec}.yaml"
    text = cli(capsys, str(path), *REPORTS[kind], "--lang", "zh")
    assert english_left(text, path) == []


def test_the_check_finds_english_prose(capsys: pytest.CaptureFixture[str]) -> None:
    """The same check on the English report finds its sentences, and on a Chinese one a
    sentence left in English; names and units alone are no prose."""
    path = SPECS / "lenet5-modern.yaml"
    english = english_left(cli(capsys, str(path), "--lang", "en"), path)
    assert "Max pooling has no coefficient and no bias" in english
    assert english_left("计算量：max pooling has no bias。", path) == ["max pooling has no bias"]
    assert english_left("s2 maxpool2d 4,704 B  KiB relu1 connections 计算量", path) == []
    assert english_left("NVIDIA A100 Tensor Core GPU 数据手册", path) == []


# -- the mark on a max pooling layer's connections --------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_max_pooling_layers_connections_carry_a_mark_the_caption_explains(
    language: str,
) -> None:
    """The modern LeNet-5's S2 is a max pool: 2·2·6·14·14 = 4,704 connections, where the
    documents' (2·2+1)·6·14·14 = 5,880 counts LeNet-5's trainable subsampling (its FLOPs
    under the 'connections' convention, beside it)."""
    report = cnncalc.analyze(SPECS / "lenet5-modern.yaml")
    with i18n.speaking(language):
        table, markdown, page = (render(report, f) for f in ("table", "markdown", "html"))
    s2 = table_cells(table)[1]["s2"]
    assert s2[-1] == "4,704*" and "5,880" in s2  # connections marked; FLOPs (5,880) not
    assert table_cells(table)[1]["s4"][-1] == "1,600*"
    assert table_cells(table)[1]["c1"][-1] == "122,304"
    assert "| 4,704\\* |" in markdown
    assert '<td class="num" data-value="4704">4,704<sup>*</sup></td>' in page
    flat = " ".join(table.split())  # the caption is wrapped: join its lines
    for text in (flat, markdown, page):
        assert "2·2·6·14·14 = 4,704" in text
        assert "2·2·16·5·5 = 1,600" in text
        assert "(2·2+1)·6·14·14 = 5,880" in text
    notes = {
        "en": "Max pooling has no coefficient and no bias: one connection per window element",
        "zh": "最大池化没有系数和偏置：每个输出对窗口中的每个元素有 1 个连接",
    }
    for text in (flat, markdown, page):
        assert notes[language] in text


def test_lenet5s_trainable_subsampling_carries_no_mark() -> None:
    """LeNet-5's S2 has a coefficient and a bias per map: 5,880 connections, the
    documents' own count, with nothing to explain."""
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    for language in ("en", "zh"):
        with i18n.speaking(language):
            table, markdown, page = (render(report, f) for f in ("table", "markdown", "html"))
        assert table_cells(table)[1]["S2"][-1] == "5,880"
        assert "*" not in table and "\\*" not in markdown and "<sup>" not in page
        assert "cnncalc-note" not in page


def test_the_notes_numbers_are_the_reports() -> None:
    """An average pooling 3×2 window with stride 1, under another convention: the note
    derives each number from the layer (k_h·k_w·c·h·w), without the 'connections' clause."""
    spec = {
        "name": "pools",
        "input": [4, 9, 8],
        "layers": [
            {"name": "p", "type": "avgpool2d", "kernel": [3, 2], "stride": 1},
            {"name": "m", "type": "maxpool2d", "kernel": 2},
        ],
    }
    report = cnncalc.analyze(spec, "macs")
    note = " ".join(render(report, "table").split())
    assert "Max and average pooling have no coefficient and no bias" in note
    assert "p: 3·2·4·7·7 = 1,176; m: 2·2·4·3·3 = 144." in note
    assert "p would have (3·2+1)·4·7·7 = 1,372." in note
    assert "its FLOPs under" not in note
    assert report.layer("p").connections == 1_176


def test_the_chinese_tables_are_what_rich_draws() -> None:
    """As tests/render/test_renderers.py checks in English: the plain drawing of the
    table, Chinese headers and wrapped Chinese captions included, is rich's."""
    from cnncalc.render.table_format import build_table, draw, grid, to_text

    with i18n.speaking("zh"):
        for spec in ("lenet5-full-c3", "lenet5-modern", "alexnet", "resnet18"):
            report = cnncalc.analyze(SPECS / f"{spec}.yaml")
            plain = draw(grid(report))
            assert plain is not None
            assert plain == to_text(build_table(report)), spec


def test_fill_breaks_between_chinese_characters_not_before_punctuation() -> None:
    text = (
        "激活值：58,888 B (57.5 KiB)，每层输出按 fp32 求和（含视图）；"
        "一次前向传播不会同时持有全部输出。"
    )
    lines = fill(text, 40)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(width(line) <= 40 for line in lines)
    assert lines[0] == "激活值：58,888 B (57.5 KiB)，每层输出按"
    assert not any(line[0] in "，。；：）" for line in lines[1:])
    english = "Activations: 58,888 B (57.5 KiB), every layer's output at fp32 summed."
    assert fill(english, 30) == wrap(english, 30)


# -- contracts stay English ---------------------------------------------------------------------

CONTRACTS = {
    "json": ["-f", "json"],
    "csv": ["-f", "csv"],
    "memory json": ["--memory", "-f", "json"],
    "training json": ["--training", "--samples", "1000", "-f", "json"],
    "receptive-field json": ["--receptive-field", "-f", "json"],
    "roofline json": ["--roofline", "--device", "t4", "-f", "json"],
}


@pytest.mark.parametrize("kind", CONTRACTS)
def test_json_and_csv_are_the_same_in_chinese(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON keys and values and CSV columns are contracts: a script reading them must not
    care which language the user speaks (the CSV holds no prose: names, numbers, ``total``)."""
    for spec in ("lenet5-modern", "resnet18"):
        args = [str(SPECS / f"{spec}.yaml"), *CONTRACTS[kind]]
        english = cli(capsys, *args, "--lang", "en")
        assert cli(capsys, *args, "--lang", "zh") == english
        assert not re.search(r"[\u4e00-\u9fff]", english.replace("LeNet卷积神经网络详解", "")), kind


def test_a_receptive_fields_reason_is_translated_in_the_table_not_in_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The reason a field is unknown is written once, in English, marked for the catalog:
    the table shows it in the language spoken, JSON keeps the English."""
    spec = {
        "name": "pooled",
        "input": [3, 32, 32],
        "layers": [
            {"name": "c", "type": "conv2d", "filters": 4, "kernel": 3},
            {"name": "a", "type": "adaptive_avgpool2d", "output_size": [4, 4]},
        ],
    }
    report = cnncalc.analyze(spec)
    from cnncalc.render.receptive_field_format import render_receptive_fields

    english = (
        "a: cnncalc derives an adaptive pooling's field only where its input size is "
        "(provably) a multiple of its output size, here 30×30 to 4×4: its windows differ in size"
    )
    with i18n.speaking("zh"):
        table = render_receptive_fields(report, "table")
        data = render_receptive_fields(report, "json")
    assert table_cells(table)[1]["a"][3:] == [
        "未知",
        "",
        "a: cnncalc 仅在自适应池化的输入大小（可证明）为输出大小的整数倍时推导其感受野，此处为 "
        "30×30 到 4×4：各窗口大小不一",
    ]
    assert f'"why": "{english}"' in data
    assert english in render_receptive_fields(report, "table")
