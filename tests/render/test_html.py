"""The HTML page: goldens, its structure (parsed), escaping, and the routes that produce it."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import cnncalc
from cnncalc.analysis import Report
from cnncalc.cli import main
from cnncalc.render import render
from cnncalc.render.derivations import explain, formulas
from cnncalc.render.markdown_format import render as markdown
from tests.conftest import ROOT, SPECS, Golden

VOID = {"meta", "br", "link", "img", "input", "hr"}


class Page(HTMLParser):
    """Every element of the page with its attributes and its text (its descendants' too)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.open: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.urls: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        record: tuple[str, dict[str, str | None], list[str]] = (tag, dict(attrs), [])
        self.elements.append(record)
        self.urls += [value or "" for key, value in attrs if key in {"src", "href", "action"}]
        if tag not in VOID:
            self.open.append(record)

    def handle_endtag(self, tag: str) -> None:
        for i in reversed(range(len(self.open))):
            if self.open[i][0] == tag:
                del self.open[i:]
                break

    def handle_data(self, data: str) -> None:
        for _, _, text in self.open:
            text.append(data)

    def all(self, tag: str, css: str | None = None) -> list[tuple[dict[str, str | None], str]]:
        return [
            (attrs, "".join(text))
            for t, attrs, text in self.elements
            if t == tag and (css is None or css in (attrs.get("class") or "").split())
        ]


def page_of(spec: str) -> tuple[Report, Page]:
    report = cnncalc.analyze(SPECS / f"{spec}.yaml")
    return report, Page(render(report, "html"))


# The same files test_renderers.py's golden test reads for the html format.
@pytest.mark.parametrize("spec", ["lenet5", "alexnet", "keras-mnist"])
def test_golden(spec: str, golden: Golden) -> None:
    golden.check(f"{spec}.html", render(cnncalc.analyze(SPECS / f"{spec}.yaml"), "html"))


def test_page_has_the_table_of_the_terminal() -> None:
    report, page = page_of("lenet5")
    assert page.all("title")[0][1] == "LeNet-5 (LeCun et al., 1998) — cnncalc"
    assert page.all("h1")[0][1] == "LeNet-5 (LeCun et al., 1998)"
    headings = [text for _, text in page.all("th") if text][:9]
    assert headings == [
        "Layer", "Type", "Output shape", "Trainable", "Non-trainable", "MACs", "FLOPs",
        "Neurons", "Connections",
    ]  # fmt: skip
    rows = page.all("tr", "cnncalc-layer")
    assert len(rows) == len(report.layers) == 8
    assert [text for _, text in page.all("summary")] == [layer.name for layer in report]
    exact = [attrs["data-value"] for attrs, _ in page.all("td", "num") if "data-value" in attrs]
    assert "48120" in exact and "340908" in exact  # C5's parameters, the total connections
    footer = page.all("tfoot")[0][1]
    assert "Total" in footer and "60,000" in footer and "340,908" in footer


def test_page_states_the_convention_and_draws_the_network() -> None:
    _, page = page_of("resnet18")
    convention = page.all("p", "cnncalc-convention")[0][1]
    assert "'flops' convention" in convention
    assert "two per multiply-accumulate" in convention
    assert "PyTorch FlopCounterMode" in convention
    assert len(page.all("svg")) == 1
    assert len(page.all("g", "node")) == 1 + 2 + 8 * 3 + 3 + 2
    # Everything inline: no URL but the SVG namespace.
    assert page.urls == []
    assert not page.all("link") and all("src" not in a for a, _ in page.all("script"))


def test_every_layer_has_its_formulas() -> None:
    report, page = page_of("lenet5")
    derivations = page.all("tr", "cnncalc-formulas")
    assert len(derivations) == len(report.layers)
    c1 = derivations[0][1]
    assert "C1 (conv2d): 1×32×32 → 6×28×28" in c1
    assert "trainable params= (c_in·k_h·k_w/g + 1)·c_out = (5·5 + 1)·6 = 156" in c1
    flatten = derivations[5][1]
    assert "trainable params, non-trainable params, MACs, FLOPs" in flatten


def test_symbolic_page_lists_requirements_and_formulas() -> None:
    report = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
    page = Page(render(report, "html"))
    requirements = page.all("p", "cnncalc-requirements")[0][1]
    assert requirements.startswith("Requires n ≥ k")
    cells = [text for _, text in page.all("td", "num")]
    assert "6·(k² + 1)" in cells
    # Formula cells have no exact value to sort by: they sort as text.
    assert all("data-value" not in attrs for attrs, text in page.all("td", "num") if "k" in text)


def test_escaping(tmp_path: Path) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text(
        "name: 'A <net> & \"co\"'\ninput: [1, 8, 8]\nlayers:\n"
        "  - {name: '<script>alert(1)</script>', type: conv2d, filters: 2, kernel: 3}\n"
        "  - {name: 'a<b&\"c\"', type: relu}\n  - {type: flatten}\n"
        '  - {name: "x\'y", type: dense, units: 3}\n'
    )
    text = render(cnncalc.analyze(spec), "html")
    assert "<script>alert" not in text and "a<b" not in text and "<net>" not in text
    page = Page(text)
    assert page.all("h1")[0][1] == 'A <net> & "co"'
    names = [name for _, name in page.all("summary")]
    assert names == ["<script>alert(1)</script>", 'a<b&"c"', "flatten_1", "x'y"]
    assert len(page.all("script")) == 1  # the page's own


def test_formulas_and_jupyter_give_the_same_page() -> None:
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    page = render(report, "html")
    assert formulas(report, "html") == page
    body = report._repr_html_()
    assert body in page and not body.lstrip().startswith(("<!DOCTYPE", "<html"))
    assert report._repr_markdown_() == markdown(report)


def test_folded_report_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SPECS / "resnet18.yaml"), "--depth", "1", "-f", "html"]) == 0
    page = Page(capsys.readouterr().out)
    assert [name for _, name in page.all("summary")][4:6] == ["layer1", "layer2"]
    assert "stands for 14 layers" in page.all("tr", "cnncalc-formulas")[4][1]


def test_explain_as_html(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(SPECS / "lenet5.yaml"), "C3", "-f", "html"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("<!DOCTYPE html>")
    page = Page(text)
    assert "C3 (conv2d): 6×14×14 → 16×10×10" in page.all("p")[0][1]
    assert "= 1,516" in page.all("table", "cnncalc-derivation")[0][1]
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    assert explain(report, "C3", "html") == text


def test_analysis_imports_no_renderer() -> None:
    code = (
        "import sys, cnncalc\n"
        f"cnncalc.analyze({str(SPECS / 'resnet18.yaml')!r})\n"
        "print(sorted(m for m in sys.modules if m.startswith('cnncalc.render')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"
