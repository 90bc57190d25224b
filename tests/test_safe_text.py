"""The per-format neutralisers of cnncalc.safe_text, each on the text it guards against."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cnncalc.errors import CnncalcError, SpecError
from cnncalc.safe_text import (
    LINE_LIMIT,
    NAME_LIMIT,
    clip,
    csv_cell,
    csv_formula,
    html_text,
    json_safe,
    markdown_text,
    mathtext,
    one_line,
    show_name,
    visible,
    xml_text,
)

ORDINARY = ["C1", "conv2d_1", "layer1.0.conv1", "卷积层1", "x + identity", "F.relu", "a-b", "n=3"]
"""Names every neutraliser but csv_cell leaves exactly as they are."""


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_names_are_unchanged(name: str) -> None:
    assert visible(name) == name
    assert show_name(name) == name
    assert one_line(name) == name
    assert xml_text(name) == name
    assert mathtext(name) == name
    assert markdown_text(name) == name
    assert csv_cell(name) == name


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("\x1b[2J", "\\x1b[2J"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x01\x1f\x7f", "\\x01\\x1f\\x7f"),
        ("\x80\x9b\x9f", "\\x80\\x9b\\x9f"),  # C1: U+009B is a one-byte CSI
        ("a\u2028b\u2029", "a\\u2028b\\u2029"),
        ("\u202eevil\u202c", "\\u202eevil\\u202c"),  # Trojan Source's bidi override
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("\ud800", "\\ud800"),  # a lone surrogate: no UTF-8 for it
        ("\ufffe\uffff", "\\ufffe\\uffff"),  # outside XML's Char production
        ("tag\U000e0001", "tag\\U000e0001"),
        ("back\\slash", "back\\slash"),  # kept: a name with a backslash reads as written
        ("\u00a0nbsp\u3000", "\u00a0nbsp\u3000"),  # spaces are visible enough
    ],
)
def test_visible_shows_controls_as_repr_does(text: str, shown: str) -> None:
    assert visible(text) == shown
    assert visible(shown) == shown  # idempotent


def test_clip_and_show_name_cut_to_the_limit() -> None:
    assert clip("x" * NAME_LIMIT) == "x" * NAME_LIMIT
    assert clip("x" * (NAME_LIMIT + 1)) == "x" * (NAME_LIMIT - 1) + "…"
    assert show_name("\x1b" * 1_000_000) == "\\x1b" * 14 + "\\x1…"
    assert len(show_name("A" * 1_000_000)) == NAME_LIMIT


def test_one_line_keeps_a_message_on_one_bounded_line() -> None:
    big = "A" * 1_000_000
    message = f"f.yaml:3: layer 2 '{big}' (dense): field 'name': duplicate layer name '{big}'"
    cut = "A" * (NAME_LIMIT - 1) + "…"
    assert one_line(message) == (
        f"f.yaml:3: layer 2 '{cut}' (dense): field 'name': duplicate layer name '{cut}'"
    )
    forged = "layer 'x\nerror: forged' (dense)"
    assert one_line(forged) == "layer 'x\\nerror: forged' (dense)"
    # A long type in parentheses is cut as a quoted name is.
    assert one_line(f"layer 1 'a' (den{big}): unknown") == f"layer 1 'a' (den{cut[:-4]}…): unknown"
    # Apostrophes inside words are no quotes: the short quoted values around them stay.
    text = "the spec's layer 'a' and the field 'units': expected 'n' or '2*k + 1'" + " x" * 40
    assert one_line(text) == text
    long_prose = "word " * 1000
    assert len(one_line(long_prose)) == LINE_LIMIT
    assert one_line(one_line(message)) == one_line(message)


def test_error_messages_are_one_line_from_the_python_api_too() -> None:
    error = SpecError("duplicate layer name 'x\nerror: forged'", source="s.yaml", line=2,
                      layer="2 'x\nerror: forged' (relu)", field="na\x1bme")  # fmt: skip
    assert str(error) == (
        "s.yaml:2: layer 2 'x\\nerror: forged' (relu): field 'na\\x1bme': "
        "duplicate layer name 'x\\nerror: forged'"
    )
    assert str(CnncalcError("bad '\x1b[2J'")) == "bad '\\x1b[2J'"


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "\\tx"),  # shown as an escape, so no longer a tab
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_cell_quotes_formula_prefixes_as_owasp_recommends(text: str, cell: str) -> None:
    assert csv_cell(text) == cell


def test_csv_formula_stays_a_formula_sympy_reads() -> None:
    import sympy

    assert csv_formula("-k + n + 1") == "(-k + n + 1)"
    assert csv_formula("n - k + 1") == "n - k + 1"
    assert sympy.sympify(csv_formula("-k + n + 1")) == sympy.sympify("n - k + 1")


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("\\|", "\\\\\\|"),  # the name's own backslash cannot undo the pipe's escape
        ("$x$", "\\$x\\$"),
        ("[x](http://evil)", "\\[x\\](http://evil)"),
        ("<script>&amp;", "\\<script\\>\\&amp;"),
        ("_x_ *y* `z` ~w~ #", "\\_x\\_ \\*y\\* \\`z\\` \\~w\\~ \\#"),
        ("conv2d_1 a_b", "conv2d_1 a_b"),  # an _ inside a word is no emphasis
        ("x\ny", "x\\\\ny"),  # the visible \n, its backslash escaped: shows as \n
    ],
)
def test_markdown_text(text: str, escaped: str) -> None:
    assert markdown_text(text) == escaped


def test_html_and_xml_text() -> None:
    assert html_text("</script><script>") == "&lt;/script&gt;&lt;script&gt;"
    assert html_text("\"'&\x1b") == "&quot;&#x27;&amp;\\x1b"
    assert xml_text("]]>\x00") == "]]>\\x00"  # ElementTree escapes the >, not the NUL


def test_mathtext_escapes_dollars() -> None:
    assert mathtext("$x$ costs $5") == r"\$x\$ costs \$5"


def test_json_safe_escapes_hidden_characters_and_keeps_the_exact_name() -> None:
    name = "卷积层\x1b\x7f\x9b\u2028\u202e\ud800\U000e0001é"
    dumped = json_safe(json.dumps({"name": name}, ensure_ascii=False))
    assert dumped == ('{"name": "卷积层\\u001b\\u007f\\u009b\\u2028\\u202e\\ud800\\udb40\\udc01é"}')
    assert json.loads(dumped) == {"name": name}
    dumped.encode("utf-8")  # a lone surrogate written raw would raise here
    plain = json.dumps({"name": "C1"})
    assert json_safe(plain) is plain


def test_csv_cells_parse_back() -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([csv_cell("x\ny"), csv_cell('"q"')])
    assert out.getvalue() == 'x\\ny,"""q"""\n'
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["x\\ny", '"q"']
