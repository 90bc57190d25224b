"""Hostile names through every output format and subcommand: shown, never obeyed.

One spec names its layers (and itself) with a corpus of hostile strings:
terminal escape sequences, every C0 and C1 control, bidi overrides, line
separators, spreadsheet formulas, Markdown, HTML and rich markup, TeX, a
megabyte name and a Chinese one. Each format must stay well-formed (JSON, CSV,
XML and HTML parse; Markdown rows keep their cells), no control character
reaches a terminal or an error line, JSON keeps every name exactly, and the
Chinese name comes out unchanged everywhere.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import cnncalc
from cnncalc.analysis import Report
from cnncalc.cli import main
from cnncalc.render import render
from cnncalc.render.derivations import explain, formulas
from cnncalc.render.draw_svg import draw
from cnncalc.render.table_format import build_table
from cnncalc.safe_text import LINE_LIMIT, markdown_text, visible

HOSTILE = [
    "\x1b]0;title\x07",  # OSC: retitles the terminal
    "\x1b[2J",  # CSI: clears the screen
    "ring\x07",
    "c0" + "".join(chr(c) for c in range(1, 32)),  # every C0 control but NUL
    "del\x7f",
    "c1" + "".join(chr(c) for c in range(0x80, 0xA0)),  # U+009B is a one-byte CSI
    "a\u2028b\u2029c",
    "\u202eevil\u202c",  # Trojan Source
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(1)",
    "\tTAB",
    "\rCR",
    "a|b",
    "x\nerror: forged",
    "</script><script>alert(1)</script>",
    "]]>",
    "<!--",
    "&amp;",
    "$x$",
    "\\",
    "\\|",
    "[bold]B",
    "[link=http://x]L",
    "[x](http://evil)",
    "_x_ *y*",
    "\\frac{a}{b} % # & _ {",
    "'\"",
    "卷积层1",
]
CHINESE = "卷积层1"
NETWORK = "net \x1b[31m[link=http://x]$x$|</title>"

# Characters that must not reach a terminal or an error line: C0 but the line end,
# DEL, C1, line and paragraph separators, bidi controls.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def hostile_spec(names: list[str] = HOSTILE) -> dict[str, Any]:
    return {
        "name": NETWORK,
        "input": [4],
        "layers": [{"name": name, "type": "dense", "units": 2} for name in names],
    }


@pytest.fixture(scope="module")
def report() -> Report:
    return cnncalc.analyze(hostile_spec())


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # JSON is YAML: its \u escapes put every control character into the names.
    path = tmp_path_factory.mktemp("hostile") / "hostile.yaml"
    path.write_text(json.dumps(hostile_spec()), encoding="utf-8")
    return path


def assert_no_raw_control(text: str) -> None:
    found = RAW_CONTROL.search(text)
    if found is not None:
        context = text[max(0, found.start() - 40) :][:80]
        pytest.fail(f"raw {found.group(0)!r} at {found.start()}: {context!r}")


# -- terminal table --------------------------------------------------------------------


def test_plain_table(report: Report) -> None:
    text = render(report, "table")
    assert_no_raw_control(text)
    rows = [line for line in text.splitlines() if line.startswith("│ ")]
    assert len(rows) == len(HOSTILE) + 1  # one line per layer (no name splits a row), total
    for name, row in zip(HOSTILE, rows, strict=False):
        assert row.startswith(f"│ {visible(name)[:20]}")  # rich cuts the longest with …
    assert f"│ {CHINESE} " in text
    assert visible(NETWORK) in text.splitlines()[0]


def test_rich_table_on_a_terminal_obeys_no_name(report: Report) -> None:
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, force_terminal=True, width=200, color_system="standard").print(
        build_table(report)
    )
    text = out.getvalue()
    # rich's own styles only (SGR, ESC [ … m): no OSC hyperlink, no clear screen.
    assert_no_raw_control(re.sub("\x1b\\[[0-9;]*m", "", text))
    assert "\x1b]" not in text  # rich would write [link=…] as an OSC 8 hyperlink
    plain = re.sub("\x1b\\[[0-9;]*m", "", text)
    assert "[bold]B" in plain and "[link=http://x]L" in plain  # text, not markup
    assert "[link=http://x]$x$|</title>" in plain  # the title too


def test_formulas_table_obeys_no_markup(report: Report) -> None:
    text = formulas(report, "table")
    assert_no_raw_control(text)
    assert "[bold]B" in text and "[link=http://x]L" in text
    assert f"{visible(NETWORK)}: formulas" in text


# -- JSON ------------------------------------------------------------------------------


def test_json_keeps_every_name_exactly(report: Report) -> None:
    text = render(report, "json")
    assert_no_raw_control(text.replace("\n", ""))
    data = json.loads(text)
    assert data["name"] == NETWORK
    assert [layer["name"] for layer in data["layers"]] == HOSTILE
    assert f'"name": "{CHINESE}"' in text  # readable, not \u escapes


@pytest.mark.parametrize("name", HOSTILE)
def test_explain_json_keeps_the_name(report: Report, name: str) -> None:
    text = explain(report, name, "json")
    assert_no_raw_control(text.replace("\n", ""))
    assert json.loads(text)["layer"] == name


def test_formulas_json(report: Report) -> None:
    data = json.loads(formulas(report, "json"))
    assert [layer["name"] for layer in data["layers"]] == HOSTILE


# -- CSV -------------------------------------------------------------------------------


def check_csv(text: str, names: list[str]) -> list[list[str]]:
    assert_no_raw_control(text.replace("\n", ""))
    rows = list(csv.reader(io.StringIO(text)))
    assert len(text.splitlines()) == len(rows)  # one record per line
    assert {len(row) for row in rows} == {len(rows[0])}
    for row in rows:
        assert not any(cell.startswith(FORMULA_PREFIXES) for cell in row), row
    return rows


def test_csv(report: Report) -> None:
    rows = check_csv(render(report, "csv"), HOSTILE)
    assert len(rows) == 1 + len(HOSTILE) + 1
    firsts = [row[0] for row in rows[1:-1]]
    for name, cell in zip(HOSTILE, firsts, strict=True):
        shown = visible(name)
        assert cell == ("'" + shown if shown.startswith(FORMULA_PREFIXES) else shown)
    assert "'=cmd|' /C calc'!A0" in firsts and CHINESE in firsts


def test_formulas_csv(report: Report) -> None:
    rows = check_csv(formulas(report, "csv"), HOSTILE)
    assert rows[0] == ["layer", "quantity", "formula", "value", "convention"]
    assert len(rows) == 1 + 5 * len(HOSTILE)  # five quantities of each dense layer


def test_csv_formula_cells_start_with_no_minus() -> None:
    spec = {"input": ["n"], "layers": [{"name": "d", "type": "dense", "units": "n - k"}]}
    report = cnncalc.analyze(spec)
    rows = check_csv(render(report, "csv"), ["d"])
    assert rows[1][8] == "(-k + n)"  # neurons: still a formula sympy reads


# -- Markdown --------------------------------------------------------------------------


def cells(row: str) -> list[str]:
    """A GFM table row's cells: split at pipes no backslash escapes."""
    found, current, escaped = [], "", False
    for ch in row.strip()[1:-1]:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            current += ch
            escaped = True
        elif ch == "|":
            found.append(current)
            current = ""
        else:
            current += ch
    return [*found, current]


def check_markdown_table(text: str, width: int, rows: int) -> list[list[str]]:
    assert_no_raw_control(text)
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) == 2 + rows
    parsed = [cells(line) for line in table]
    assert {len(row) for row in parsed} == {width}
    return parsed


def test_markdown(report: Report) -> None:
    text = render(report, "markdown")
    assert text.startswith(f"### {markdown_text(NETWORK)}\n")
    parsed = check_markdown_table(text, 8, len(HOSTILE) + 1)
    assert [row[0].strip() for row in parsed[2:-1]] == [markdown_text(n) for n in HOSTILE]
    assert f"| {CHINESE} |" in text


def test_formulas_markdown(report: Report) -> None:
    check_markdown_table(formulas(report, "markdown"), 4, 5 * len(HOSTILE))


@pytest.mark.parametrize("name", HOSTILE)
def test_explain_markdown_and_text(report: Report, name: str) -> None:
    markdown = explain(report, name, "markdown")
    assert markdown.startswith(f"### {markdown_text(name)} (dense): ")
    check_markdown_table(markdown, 3, 5)
    text = explain(report, name, "table")
    assert_no_raw_control(text)
    assert text.startswith(f"{visible(name)} (dense): ")


# -- HTML and SVG ----------------------------------------------------------------------


class Tags(HTMLParser):
    """The elements of a page, checked to nest properly."""

    VOID = frozenset({"meta", "br", "rect", "path", "polygon", "line"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.started: list[str] = []
        self.comments: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.started.append(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.started.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(page: str) -> Tags:
    assert_no_raw_control(page)
    tags = Tags()
    tags.feed(page)
    tags.close()
    assert tags.open == []
    assert tags.comments == []
    assert tags.started.count("script") <= 1  # cnncalc's own sorting script, no other
    svg = re.search(r"<svg .*?</svg>", page, re.DOTALL)
    if svg:
        ET.fromstring(svg.group(0))
    return tags


def test_html_page(report: Report) -> None:
    tags = check_html(render(report, "html"))
    assert tags.started.count("script") == 1
    text = "".join(tags.text)
    for name in HOSTILE:
        assert visible(name) in text
    assert f"<summary>{CHINESE}</summary>" in render(report, "html")


@pytest.mark.parametrize("name", HOSTILE)
def test_explain_html(report: Report, name: str) -> None:
    tags = check_html(explain(report, name, "html"))
    assert visible(name) in "".join(tags.text)


def test_svg_drawing_parses_and_shows_each_name(report: Report) -> None:
    svg = draw(report)
    assert_no_raw_control(svg)
    root = ET.fromstring(svg)
    nodes = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
    assert [g.get("data-name") for g in nodes[1:]] == [visible(n) for n in HOSTILE]
    assert json.loads(nodes[-1].get("data-layers") or "") == [CHINESE]
    texts = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert visible(NETWORK) in texts


def test_plot_draws_names_as_written(report: Report, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from cnncalc.render.plot import plot

    path = tmp_path / "plot.svg"
    plot(report, path)  # an odd $ in a name would make mathtext fail
    text = path.read_text(encoding="utf-8")
    assert_no_raw_control(text.replace("\n", ""))
    root = ET.fromstring(text)
    texts = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert "$x$" in texts and CHINESE in texts  # shown literally, not as math
    plot(report, tmp_path / "plot.png")


# -- the command line: reports, errors, check, explain, solve --------------------------


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
def test_cli_reports_write_no_raw_control(
    spec_file: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(spec_file), "-f", fmt]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert_no_raw_control(out)


def one_error_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err[:300]
    assert_no_raw_control(err[:-1])
    assert len(err) <= len("error: ") + LINE_LIMIT + 1
    return err[:-1]


def test_a_newline_in_a_name_cannot_forge_an_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "forged.yaml"
    path.write_text(json.dumps(hostile_spec(["x\nerror: forged", "x\nerror: forged"])))
    assert main([str(path)]) == 2
    assert one_error_line(capsys.readouterr().err) == (
        f"error: {path}:1: layer 2 'x\\nerror: forged' (dense): field 'name': duplicate layer "
        "name 'x\\nerror: forged' (layer 1 has it too)"
    )


def test_a_megabyte_name_is_cut_in_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = "\x1b" + "A" * 1_000_000
    path = tmp_path / "big.yaml"
    path.write_text(json.dumps(hostile_spec([big, big])))
    assert main([str(path)]) == 2
    cut = "\\x1b" + "A" * 55 + "…"
    assert one_error_line(capsys.readouterr().err) == (
        f"error: {path}:1: layer 2 '{cut}' (dense): field 'name': duplicate layer name "
        f"'{cut}' (layer 1 has it too)"
    )


@pytest.mark.parametrize(
    "layer",
    [
        {"name": "\x1b]0;x\x07", "type": "dense", "units": 0},  # the name in the location
        {"name": "a", "type": "dense", "units": 2, "input": "\x1b[2J" + "B" * 100_000},
        {"name": "a", "type": "dense", "units": 2, "fil\x1bers\n": 3},  # a field
        {"name": "a", "type": "den\x1bse" + "C" * 100_000, "units": 2},  # a type
        {"name": "a", "type": "dense", "units": "\x1b[2J" + "D" * 100_000},  # a value
        {"name": "a\u202e" + "E" * 100_000, "type": "conv2d", "filters": 2, "kernel": 9},
    ],
)
def test_every_error_is_one_clean_line(
    layer: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps({"input": [4], "layers": [layer]}))
    assert main([str(path)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: {path}:1: layer 1 '")


def test_hostile_expect_key_and_block_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "expect.yaml"
    spec = hostile_spec(["\x1b]0;x\x07"]) | {"expect": {"\x1b[2J|x": {"macs": 1}}}
    path.write_text(json.dumps(spec))
    assert main([str(path)]) == 2
    assert "'\\x1b[2J|x'" in one_error_line(capsys.readouterr().err)
    spec = {"input": [4], "blocks": {"b": {"layers": [{"type": "relu"}]}},
            "layers": [{"name": "x", "block": "b\x1b]0;t\x07"}]}  # fmt: skip
    path.write_text(json.dumps(spec))
    assert main([str(path)]) == 2
    assert "\\x1b]0;t\\x07" in one_error_line(capsys.readouterr().err)


def test_check_shows_a_hostile_layer_name_visibly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "check.yaml"
    name = "\x1b]0;x\x07\nerror: forged"
    path.write_text(json.dumps(hostile_spec([name]) | {"expect": {name: {"macs": 3}}}))
    assert main(["check", str(path)]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert out == (
        f"{path}: 1 of 1 expected numbers differ\n"
        "  \\x1b]0;x\\x07\\nerror: forged macs: expected 3, got 8\n"
    )


def test_explain_an_unknown_layer_lists_a_few_names_and_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [f"layer_{i:04d}" for i in range(2000)]
    path = tmp_path / "many.yaml"
    path.write_text(json.dumps(hostile_spec(["\x1b[2J" + "L" * 1000, *names])))
    assert main(["explain", str(path), "layer_12345"]) == 2
    assert one_error_line(capsys.readouterr().err) == (
        f"error: {path}: no layer named 'layer_12345' (did you mean 'layer_1345'?); layers: "
        f"\\x1b[2J{'L' * 52}…, layer_0000, layer_0001, layer_0002, layer_0003, … and 1,996 more"
    )


def test_explain_an_unknown_layer_of_a_small_spec(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import SPECS

    assert main(["explain", str(SPECS / "lenet5.yaml"), "C4"]) == 2
    assert capsys.readouterr().err == (
        f"error: {SPECS / 'lenet5.yaml'}: no layer named 'C4' (did you mean 'S4'?); "
        "layers: C1, S2, C3, S4, C5, … and 3 more\n"
    )


def test_explain_on_the_command_line(spec_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in HOSTILE:
        assert main(["explain", str(spec_file), name]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        assert_no_raw_control(out)
        assert out.startswith(f"{visible(name)} (dense): ")


def test_solve_shows_the_condition_visibly(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import SPECS

    spec = str(SPECS / "lenet5-symbolic.yaml")
    assert main(["solve", spec, "C1.output_shape[1] == 28", "--for", "n\x1b[2J"]) == 2
    one_error_line(capsys.readouterr().err)
    assert main(["solve", spec, "C1.output_shape[1] == 28\x1b]0;t\x07", "--for", "n"]) == 2
    one_error_line(capsys.readouterr().err)


def test_usage_errors_quote_arguments_visibly(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import SPECS

    assert main([str(SPECS / "lenet5.yaml"), "\x1b]0;title\x07"]) == 2
    err = capsys.readouterr().err
    assert err == "error: unrecognized arguments: \\x1b]0;title\\x07 (see 'cnncalc --help')\n"
    assert_no_raw_control(err.replace("\n", ""))


def test_import_warnings_are_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "keras" / "skips_keras3.json"
    text = fixture.read_text().replace('"softmax_out"', json.dumps("soft\n\x1b]0;x\x07"))
    model = tmp_path / "model.json"
    model.write_text(text)
    assert main(["import", "keras", str(model), "-o", str(tmp_path / "net.yaml")]) == 0
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 2
    assert warnings[1] == (
        "warning: skipped soft\\n\\x1b]0;x\\x07 (Activation): cnncalc has no 'log_softmax' "
        "activation (it has no parameters)"
    )


def test_ordinary_names_render_as_before() -> None:
    """The goldens (tests/golden) pin this for the shipped specs; here the Chinese name."""
    report = cnncalc.analyze(hostile_spec([CHINESE, "conv2d_1", "layer1.0.conv1"]))
    assert "| 卷积层1 | dense |" in render(report, "markdown")
    assert "\n卷积层1,dense," in render(report, "csv")
    assert "│ 卷积层1        │ dense │" in render(report, "table")
    assert "| conv2d_1 | dense |" in render(report, "markdown")


def test_the_progress_bar_shows_the_network_name_visibly(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnncalc import progress

    drawn = io.StringIO()
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws as on a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("sys.stderr", drawn)
    monkeypatch.setattr(progress, "_enabled", True)
    assert list(progress.tracked([1, 2], f"analysing {NETWORK}", worth_a_bar=True)) == [1, 2]
    text = drawn.getvalue()
    assert "analysing net \\x1b[31m[link=http://x]$x$|</title>" in text
    assert "\x1b]" not in text and "\x1b[31m" not in text  # no hyperlink, no red


def test_a_name_that_is_bad_mathtext_plots(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from cnncalc.render.plot import plot

    report = cnncalc.analyze(hostile_spec(["$\\foo{$"]))
    plot(report, tmp_path / "plot.png")  # mathtext would raise "Unknown symbol: \foo"
    plot(report, tmp_path / "plot.svg")
    texts = {
        "".join(t.itertext())
        for t in ET.parse(tmp_path / "plot.svg").iter("{http://www.w3.org/2000/svg}text")
    }
    assert "$\\foo{$" in texts


def test_an_internal_error_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cnncalc import cli

    def fail(args: object) -> int:
        raise ValueError("Unknown symbol:\n\\foo\x1b[2J")

    parser, _ = cli.COMMANDS["conventions"]
    monkeypatch.setitem(cli.COMMANDS, "conventions", (parser, fail))
    monkeypatch.delenv("CNNCALC_DEBUG", raising=False)
    assert main(["conventions"]) == 70
    assert capsys.readouterr().err == (
        "cnncalc: internal error (ValueError: Unknown symbol:\\n\\foo\\x1b[2J); please report it "
        "with the spec. Set CNNCALC_DEBUG=1 to see the traceback.\n"
    )


def test_the_pooling_note_shows_each_name_as_written() -> None:
    """The footnote under a table with max pooling names its layers: escaped in each
    format like the table's own cells (no raw control, no Markdown or HTML markup)."""
    layers = [{"name": name, "type": "maxpool1d", "kernel": 1} for name in HOSTILE]
    report = cnncalc.analyze({"name": NETWORK, "input": [2, 8], "layers": layers})
    table = render(report, "table")
    assert_no_raw_control(table)
    assert f"{visible(HOSTILE[0])}: 1·2·8 = 16;" in " ".join(table.split())
    markdown = render(report, "markdown")
    (note,) = [line for line in markdown.splitlines() if line.startswith("\\* ")]
    assert all(f"{markdown_text(name)}: 1·2·8 = 16" in note for name in HOSTILE)
    page = render(report, "html")
    text = "".join(check_html(page).text)
    assert all(f"{visible(name)}: 1·2·8 = 16" in text for name in HOSTILE)
    assert "<script>alert" not in page


# -- the metric reports ----------------------------------------------------------------

METRIC_REPORTS = [
    ["--memory"],
    ["--training"],
    ["--receptive-field"],
    ["--roofline", "--device", "t4"],
]


@pytest.mark.parametrize("options", METRIC_REPORTS, ids=lambda o: o[0])
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_metric_reports_show_every_name_and_obey_none(
    spec_file: Path, options: list[str], fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The memory, training, receptive-field and roofline reports, as table and JSON: no
    raw control character reaches the output (their JSON once wrote U+009B raw), and
    JSON keeps every name exactly."""
    assert main([str(spec_file), *options, "-f", fmt]) == 0
    out = capsys.readouterr().out
    assert_no_raw_control(out)
    if fmt == "json":
        names = [json.loads(n) for n in re.findall(r'"name": ("(?:[^"\\]|\\.)*")', out)]
        assert set(HOSTILE) <= set(names)
    else:
        assert CHINESE in out


@pytest.mark.parametrize("options", METRIC_REPORTS, ids=lambda o: o[0])
def test_metric_reports_take_a_very_long_name(
    tmp_path: Path, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A 20,000-character name makes a wide table, not an internal error (exit 70)."""
    path = tmp_path / "long.yaml"
    path.write_text(json.dumps(hostile_spec(["x" * 20_000])), encoding="utf-8")
    assert main([str(path), *options]) == 0
    assert "x" * 20_000 in capsys.readouterr().out
