"""The HTML report in a real browser: it opens, sorts by exact integers, draws, logs no error.

Headless Chromium through Playwright's sync API. Playwright cannot download its
browsers on these machines, so the test drives Debian's Chromium
(``/usr/bin/chromium``, or ``CNNCALC_CHROMIUM``). Without Chromium or
Playwright the tests skip, saying why, unless ``CNNCALC_REQUIRE_BROWSER=1``
(CI sets it), where a missing browser is a failure. One browser serves the
whole module and every wait is bounded (5 s), so the file takes a few seconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

import cnncalc
from cnncalc.render import render
from tests.conftest import SPECS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("CNNCALC_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
WAIT_MS = 5_000

Opened = tuple["Page", list[str]]


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CNNCALC_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CNNCALC_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install '.[test]')")
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=CHROMIUM, args=ARGS, timeout=3 * WAIT_MS
            )
        except Error as error:
            unavailable(f"Chromium at {CHROMIUM} does not start: {error.message.splitlines()[0]}")
        yield launched
        launched.close()


@pytest.fixture
def open_report(browser: Browser, tmp_path: Path) -> Iterator[Callable[[Path], Opened]]:
    """Opens a spec's HTML page from a file; afterwards, checks nothing was logged as an error."""
    problems: list[str] = []
    pages: list[Page] = []

    def open_(spec: Path) -> Opened:
        html = tmp_path / f"{spec.stem}.html"
        html.write_text(render(cnncalc.analyze(spec), "html"), encoding="utf-8")
        page = browser.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(html.as_uri())
        pages.append(page)
        return page, problems

    yield open_
    for page in pages:
        page.close()
    assert problems == []


def column_values(page: Page, heading: str) -> list[int]:
    """The exact integers of a column, in the order the rows show."""
    values: list[int] = page.evaluate(
        """heading => {
            const table = document.querySelector("table.cnncalc-layers");
            const column = [...table.tHead.rows[0].cells].findIndex(c => c.textContent === heading);
            return [...table.tBodies].map(b => b.rows[0].cells[column].dataset.value);
        }""",
        heading,
    )
    return [int(value) for value in values]


@pytest.mark.parametrize("spec", ["lenet5", "resnet18"])
def test_page_opens_with_its_rows_and_drawing(
    spec: str, open_report: Callable[[Path], Opened]
) -> None:
    page, _ = open_report(SPECS / f"{spec}.yaml")
    report = cnncalc.analyze(SPECS / f"{spec}.yaml")
    assert page.title() == f"{report.name} — cnncalc"
    assert page.locator("tr.cnncalc-layer").count() == len(report.layers)
    assert page.locator("tr.cnncalc-formulas:visible").count() == 0
    box = page.locator("figure svg").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    assert page.locator("figure svg g.node").count() >= 8


def test_params_sort_descending_then_ascending(open_report: Callable[[Path], Opened]) -> None:
    page, _ = open_report(SPECS / "resnet18.yaml")
    report = cnncalc.analyze(SPECS / "resnet18.yaml")
    order = [layer.trainable_params for layer in report]
    header = page.locator("thead th", has_text="Params")
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert column_values(page, "Params") == sorted(order, reverse=True)
    names = page.locator("tr.cnncalc-layer summary").all_inner_texts()
    # Ties keep the report's order.
    expected = sorted(report, key=lambda layer: -int(layer.trainable_params))
    assert names == [layer.name for layer in expected]
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert column_values(page, "Params") == sorted(order)
    assert page.locator("tfoot th").inner_text() == "Total"  # the totals stay last


def test_sorting_is_exact_beyond_doubles(
    open_report: Callable[[Path], Opened], tmp_path: Path
) -> None:
    # 2**53 and 2**53 + 1 are one double: only exact integers tell them apart.
    spec = tmp_path / "big.yaml"
    spec.write_text(
        "input: [9007199254740992]\nlayers:\n"
        "  - {name: small, type: dense, units: 1, bias: false}\n"
        "  - {name: large, type: dense, units: 1, input: input}\n"
    )
    page, _ = open_report(spec)
    page.locator("thead th", has_text="Params").click()
    assert page.locator("tr.cnncalc-layer summary").all_inner_texts() == ["large", "small"]
    assert column_values(page, "Params") == [2**53 + 1, 2**53]


def test_a_layer_name_opens_its_formulas(open_report: Callable[[Path], Opened]) -> None:
    page, _ = open_report(SPECS / "lenet5.yaml")
    page.locator("summary", has_text="C3").click()
    shown = page.locator("tr.cnncalc-formulas:visible")
    assert shown.count() == 1
    assert "(5·5 + 1)" in shown.inner_text() or "1,516" in shown.inner_text()
    page.locator("th", has_text="Type").click()  # sorting carries the open formulas along
    assert page.locator("tr.cnncalc-formulas:visible").count() == 1


def test_a_drawing_in_chinese_is_drawn_in_a_chinese_font(browser: Browser, tmp_path: Path) -> None:
    """The SVG names CJK fonts after the Latin ones: Chromium draws the Chinese of the title
    in one of them (as its DevTools protocol reports, font by font) and the rest in DejaVu."""
    from tests.render.test_fonts import cjk_font_installed

    if not cjk_font_installed():
        pytest.skip("no CJK font is installed (apt install fonts-noto-cjk)")
    from cnncalc import i18n
    from cnncalc.render.draw_svg import draw
    from cnncalc.render.fonts import CJK_FAMILIES

    path = tmp_path / "lenet5-full-c3.svg"
    with i18n.speaking("zh"):
        path.write_text(draw(cnncalc.analyze(SPECS / "lenet5-full-c3.yaml")), encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        session = page.context.new_cdp_session(page)
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument")["root"]["nodeId"]
        glyphs: list[dict[str, int]] = []
        for selector in ("svg > text", "svg > text:last-of-type"):  # the title, the caption
            node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})
            used = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
            glyphs.append({font["familyName"]: font["glyphCount"] for font in used["fonts"]})
    finally:
        page.close()
    title, caption = ({f: n for f, n in fonts.items() if f in CJK_FAMILIES} for fonts in glyphs)
    assert len(title) == 1
    assert sum(title.values()) == len("《卷积神经网络与详解》")
    assert caption.keys() == title.keys()  # 参数量, 计算量, 口径 in the same font
    assert all(fonts.get("DejaVu Sans", 0) > 0 for fonts in glyphs)
