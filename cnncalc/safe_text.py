"""User text made safe for each place cnncalc shows it.

Layer names, block names, the spec's ``name`` and ``source``, ``expect`` keys,
file paths and conditions typed on the command line are the user's text. They
reach terminals, error lines, CSV, Markdown, HTML, SVG, plots and JSON, and
each of those reads some characters as instructions: a terminal obeys escape
sequences, a spreadsheet evaluates a cell that starts with ``=``, a Markdown
table splits a cell at ``|``. Each function here guards one format and says
against what, and on whose authority; every renderer passes user text through
the one for its format. The core uses :func:`one_line` for error messages, so
this module imports nothing but the standard library, and is cheap on the
usual name (a C-speed :meth:`str.isprintable` check, then nothing).

Ordinary names, Chinese ones included (``卷积层1``), come out unchanged by every
function but :func:`csv_cell` (which changes only a cell that starts with a
formula character). The JSON report alone holds the exact name
(:func:`json_safe` changes only how JSON spells it).
"""

from __future__ import annotations

import re
import unicodedata

NAME_LIMIT = 60
"""Characters of a name (or any quoted value) an error message shows: the rest becomes ``…``."""

LINE_LIMIT = 1000
"""Characters an error or warning line may have at most, whatever it quotes."""

# Characters a terminal, an editor or an XML parser treats as something other
# than a visible glyph: the C0 and C1 controls and DEL (category Cc: ESC starts
# a terminal sequence, and U+009B is a one-byte CSI on some terminals), format
# characters (Cf: the bidirectional overrides of "Trojan Source", U+202E,
# zero-width characters, the BOM), lone surrogates (Cs: they cannot be written
# as UTF-8), the line and paragraph separators U+2028/U+2029 (Zl, Zp: line ends
# to JavaScript and some editors), and the two BMP noncharacters U+FFFE/U+FFFF,
# which with the controls and surrogates are what XML 1.0's Char production
# (https://www.w3.org/TR/xml/#charsets) leaves out.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hidden(ch: str) -> bool:
    return unicodedata.category(ch) in _HIDDEN_CATEGORIES or ch in "\ufffe\uffff"


def _escape(ch: str) -> str:
    """``\\n``, ``\\x1b``, ``\\u202e``, ``\\U000e0001``: as Python's ``repr`` spells them."""
    short = _SHORT_ESCAPES.get(ch)
    if short is not None:
        return short
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` with every control or invisible formatting character shown as an escape.

    Guards terminals and error lines against escape sequences (``\\x1b]0;title\\x07``
    retitles a terminal, ``\\x1b[2J`` clears it), against a newline that splits one
    line into two (a spec forging its own ``error:`` line), against bidirectional
    overrides that make text read differently than it is (U+202E, CVE-2021-42574),
    and XML against characters outside its Char production (a NUL or an ESC makes
    an SVG unreadable). The escapes are ``repr``'s: ``\\n``, ``\\x1b``, ``\\u202e``.
    A backslash stays as it is, so a name with a backslash reads as written.
    """
    if text.isprintable():  # the usual name: no character below can be in it
        return text
    return "".join(_escape(ch) if _hidden(ch) else ch for ch in text)


def clip(text: str, limit: int = NAME_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis, if it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_name(text: str, limit: int = NAME_LIMIT) -> str:
    """A name for a message: visible and at most ``limit`` characters (a megabyte name, cut)."""
    return clip(visible(clip(text, 4 * limit)), limit)


# A quote, not an apostrophe: a ``'`` that is not inside a word (``spec's``).
_QUOTE = re.compile(r"(?<!\w)'|'(?!\w)")
# A long word in parentheses: a layer's type in ``layer 3 'C3' (conv2d)``.
_PARENTHESISED = re.compile(rf"\(([^\s()]{{{NAME_LIMIT + 1},}})\)")


def one_line(text: str, limit: int = LINE_LIMIT) -> str:
    """A message as one bounded line: for ``error:`` and ``warning:`` lines and ``str(error)``.

    Control characters become visible escapes (:func:`visible`), so the line is
    one line whatever the spec holds; every single-quoted value longer than
    :data:`NAME_LIMIT` (messages quote names and fields as ``'name'``) is cut to
    it, as is a word in parentheses (a layer's type); and the line to ``limit``
    characters, for what is not quoted. Applying it twice changes nothing.
    """
    text = _clip_quoted(text)  # first on the raw text: a megabyte name is cut at once
    text = _clip_quoted(visible(text[: 4 * limit]))  # escapes lengthen what they show
    return clip(text, limit)


def _clip_quoted(text: str) -> str:
    """Each quoted span of ``text`` longer than :data:`NAME_LIMIT` cut to it.

    Quotes pair in order of appearance; a name that holds a quote itself may
    pair wrongly, which only moves the cut: the line stays bounded.
    """
    if len(text) <= NAME_LIMIT:
        return text
    text = _PARENTHESISED.sub(lambda m: f"({clip(m.group(1))})", text)
    if "'" not in text:
        return text
    pieces: list[str] = []
    kept = 0  # text[:kept] is in pieces
    opening: int | None = None
    for quote in _QUOTE.finditer(text):
        if opening is None:
            opening = quote.end()
            continue
        if quote.start() - opening > NAME_LIMIT:
            pieces += [text[kept:opening], clip(text[opening : quote.start()])]
            kept = quote.start()
        opening = None
    return "".join([*pieces, text[kept:]])


# -- CSV ---------------------------------------------------------------------------

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A cell of user text that no spreadsheet runs as a formula.

    Guards against CSV (formula) injection: Excel, LibreOffice and Google Sheets
    evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` (``=cmd|' /C
    calc'!A0`` runs a program through DDE). As OWASP recommends
    (https://owasp.org/www-community/attacks/CSV_Injection), such a cell, or one
    starting with a tab or a carriage return, gets a leading single quote, which
    the spreadsheet shows as text; the csv module quotes ``"``. Control
    characters are shown as escapes (:func:`visible`): a CSV goes to a terminal
    as often as to a spreadsheet, and each record stays on one line.
    """
    text = visible(text)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def csv_formula(text: str) -> str:
    """A formula cell (``-k + n + 1``) that no spreadsheet evaluates, still one sympy reads.

    A formula is built from checked identifiers and integers, never from free
    text, but sympy may print it with a leading minus; in parentheses it is still
    the same formula to ``sympy.sympify`` and no longer starts with ``-``.
    """
    return f"({text})" if text.startswith(_FORMULA_PREFIXES) else text


# -- Markdown ------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"[\\`*\[\]<>&|$~#]|(?<![^\W_])_|_(?![^\W_])")


def markdown_text(text: str) -> str:
    """User text inside a Markdown table cell or heading, shown as written.

    Guards GitHub-flavoured Markdown (https://github.github.com/gfm/#tables-extension-)
    against a ``|`` that ends the cell early (GFM: escape it as ``\\|``), a line end
    that ends the row (shown as ``\\n``, :func:`visible`), and names that turn into
    markup: links and images (``[``, ``]``), raw HTML and entities (``<``, ``>``,
    ``&``), code and emphasis (`````, ``*``, ``~``, an ``_`` at a word's edge),
    math (``$x$`` in GitHub and Jupyter) and a heading's closing ``#``. Each is
    backslash-escaped, which CommonMark allows for any ASCII punctuation
    (https://spec.commonmark.org/0.31.2/#backslash-escapes); the backslash itself
    too, so ``\\|`` cannot be undone by a name's own backslash. An ``_`` inside a
    word (``conv2d_1``) is no emphasis in CommonMark and stays as it is.
    """
    return _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), visible(text))


# -- HTML, XML, SVG --------------------------------------------------------------------


def xml_text(text: str) -> str:
    """User text for XML (SVG) and HTML, before the markup escaping of its writer.

    Guards against characters XML 1.0 forbids (its Char production: C0 controls
    but tab and line ends, surrogates, U+FFFE, U+FFFF), which make the whole file
    unreadable to an XML parser, and against invisible controls in a page: all
    become visible escapes (:func:`visible`). ``<``, ``&`` and quotes are left to
    :func:`html_text` or to :mod:`xml.etree.ElementTree`, which escapes them.
    """
    return visible(text)


def html_text(text: str) -> str:
    """User text in HTML text or a quoted attribute: ``<``, ``>``, ``&``, ``"``, ``'`` escaped.

    Guards against markup injection (``</script><script>``, ``<!--``, an
    attribute broken out of) by :func:`html.escape`, and against XML-invalid and
    invisible characters by :func:`xml_text`.
    """
    from html import escape

    return escape(xml_text(text), quote=True)


# -- matplotlib ----------------------------------------------------------------------


def mathtext(text: str) -> str:
    """A label matplotlib draws as written.

    Guards against matplotlib's mathtext
    (https://matplotlib.org/stable/users/explain/text/mathtext.html): text between
    two ``$`` is typeset as math, and an odd ``$`` makes drawing fail; ``\\$``
    is a literal dollar. Controls become visible escapes (:func:`visible`).
    """
    return visible(text).replace("$", r"\$")


# -- JSON ----------------------------------------------------------------------------

_NOT_PLAIN_ASCII = re.compile("[^\x00-\x7e]+")


def json_safe(dumped: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``), hidden characters as ``\\uXXXX``.

    The JSON report holds names exactly; this changes only their spelling.
    ``json.dumps`` escapes the C0 controls but writes DEL, the C1 controls, the
    bidirectional overrides and U+2028/U+2029 as they are, which is valid JSON
    but reaches a terminal raw when the file is printed (and U+2028 ends a line in
    pre-2019 JavaScript); a lone surrogate (``"\\ud800"`` in a spec) cannot even
    be written as UTF-8. Such characters only occur inside JSON strings, so each
    is replaced by its ``\\uXXXX`` escape, which ``json.loads`` reads back as the
    same character. Chinese and every other printable character stay readable.
    """
    if dumped.isascii() and "\x7f" not in dumped:
        return dumped
    return _NOT_PLAIN_ASCII.sub(_json_escapes, dumped)


def _json_escapes(match: re.Match[str]) -> str:
    run = match.group(0)
    if run.isprintable():
        return run
    return "".join(_json_escape(ch) if _hidden(ch) else ch for ch in run)


def _json_escape(ch: str) -> str:
    """``\\u202e``; a character beyond the BMP as its UTF-16 pair, as JSON spells it."""
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
