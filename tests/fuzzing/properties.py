"""What every run must satisfy, whatever its input: each property a small function.

A property returns the ways an outcome breaks it (an empty list when it holds).
Each problem's first part, up to `` — ``, names the property and is the
finding's key; the rest is this case's detail.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import yaml

from cnncalc.analysis import METRICS
from tests.fuzzing.cases import Case
from tests.fuzzing.harness import Outcome, analyse_text

MAX_ERROR_CHARS = 1000
"""The longest error line a person should have to read (names and values are cut to fit)."""

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Raw C0 controls except tab and newline, DEL and the C1 controls (ESC starts a terminal
escape; U+009B is a one-character CSI). ``\\r`` counts: no format here writes one."""

FORMULA_PREFIXES = ("=", "+", "-", "@")
"""A spreadsheet reads a CSV cell starting with one of these as a formula."""

INTEGER = re.compile(r"-?\d+")

csv.field_size_limit(2**31 - 1)  # a cell may hold a million-character name

VOID_ELEMENTS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
"""HTML elements without an end tag."""


def problem(name: str, detail: str = "") -> str:
    """A property's name, and this case's detail after `` — ``."""
    return f"{name} — {detail[:300]}" if detail else name


def lines_of(text: str) -> list[str]:
    """Lines as a terminal shows them: split at newlines only (``str.splitlines`` also splits
    at vertical tabs, form feeds and U+2028, which the control-character check reports)."""
    return text.removesuffix("\n").split("\n") if text else []


def exit_code(outcome: Outcome) -> list[str]:
    """The exit code is 0, 1 or 2; nothing escaped the CLI."""
    if outcome.crash is not None:
        return [problem(f"exit 70: {outcome.crash.cause}", outcome.crash.message)]
    if outcome.status not in (0, 1, 2):
        return [problem(f"exit code {outcome.status}", outcome.err)]
    return []


def exit_one_only_from_checks(case: Case, outcome: Outcome) -> list[str]:
    """Exit 1 means a failed check or no solution: only ``check`` and ``solve`` return it."""
    if outcome.status == 1 and case.command.argv[0] not in ("check", "solve"):
        return [problem("exit 1 from a command that checks nothing", outcome.err)]
    return []


def error_line(outcome: Outcome) -> list[str]:
    """Exit 2: exactly one line ``error: ...``, at most 1,000 characters, no control characters.

    argparse's own usage errors (``usage: ...`` then ``cnncalc: error: ...``) are
    its standard form; only their last line is held to the bound.
    """
    if outcome.status != 2 or outcome.crash is not None:
        return []
    lines = lines_of(outcome.err)
    if (
        outcome.err.startswith("usage: ")
        and lines
        and re.match(r"cnncalc( \w+)?: error: ", lines[-1])
    ):
        lines = lines[-1:]
    elif len(lines) != 1 or not lines[0].startswith("error: "):
        return [problem("exit 2 without exactly one 'error:' line", repr(outcome.err[:300]))]
    found = []
    if len(lines[0]) > MAX_ERROR_CHARS:
        found.append(problem("error line over 1,000 characters", f"{len(lines[0]):,} chars"))
    if CONTROL.search(lines[0]):
        found.append(problem("control character in the error line", repr(lines[0][:200])))
    return found


def stderr_on_success(outcome: Outcome) -> list[str]:
    """Exit 0 or 1: stderr holds only ``warning:`` lines (Python's own warnings are bugs)."""
    if outcome.status not in (0, 1):
        return []
    stray = [line for line in lines_of(outcome.err) if not line.startswith("warning: ")]
    return [problem("stray stderr on success", repr(stray[0][:200]))] if stray else []


def text_is_clean(text: str, where: str) -> list[str]:
    """No raw control characters, and nothing a UTF-8 stdout cannot write (lone surrogates)."""
    found = []
    if match := CONTROL.search(text):
        around = text[max(0, match.start() - 30) : match.end() + 30]
        found.append(problem(f"raw control character in {where}", repr(around)))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        found.append(problem(f"unencodable character in {where}", str(error)))
    return found


def long_int(digits: str) -> int:
    """A JSON integer, also past Python's 4,300-digit ``int(str)`` limit (valid JSON all the
    same): then one of the same number of digits stands for it."""
    if len(digits.lstrip("-")) < 4000:
        return int(digits)
    magnitude: int = 10 ** (len(digits.lstrip("-")) - 1)
    return -magnitude if digits.startswith("-") else magnitude


def json_text(text: str) -> list[str]:
    """Strict JSON: ``json.loads``, with NaN and Infinity refused (JSON has neither)."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    try:
        json.loads(text, parse_constant=refuse, parse_int=long_int)
    except ValueError as error:
        return [problem("JSON output does not parse", str(error))]
    return []


def json_report(text: str) -> list[str]:
    """The JSON report states every size and count as an int (a formula only where symbolic),
    counts ≥ 0 and output sizes ≥ 1."""
    try:
        data = json.loads(text, parse_int=long_int)
    except ValueError:
        return []  # json_text reports it
    layers = data.get("layers", []) if isinstance(data, dict) else []
    symbolic = any(isinstance(layer, dict) and "latex" in layer for layer in layers)
    found = []
    for entry in [*layers, data.get("totals", {}) if isinstance(data, dict) else {}]:
        values = [(m, entry.get(m)) for m in METRICS if m in entry]
        values += [("output_shape", d) for d in entry.get("output_shape", [])]
        for metric, value in values:
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                found.append(problem("JSON count not an int", f"{metric}: {value!r}"))
            elif isinstance(value, str) and not symbolic:
                found.append(problem("JSON count not an int", f"{metric}: {value[:80]!r}"))
            elif isinstance(value, int) and value < (1 if metric == "output_shape" else 0):
                found.append(problem(f"JSON {metric} out of range", f"{value}"))
    return found[:1]


def csv_text(text: str) -> list[str]:
    """CSV: rows of the header's length, no cell a spreadsheet would run as a formula
    (unless it is a plain number), no negative number past the first column (a name)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:  # a bare CR in an unquoted field, say
        return [problem("CSV output does not parse", str(error))]
    if not rows:
        return [problem("CSV output is empty")]
    found = []
    if any(len(row) != len(rows[0]) for row in rows):
        lengths = sorted({len(row) for row in rows})
        found.append(problem("CSV rows of different lengths", f"lengths {lengths}"))
    # compare's differences may be negative; nothing else may.
    signed = {column for column, name in enumerate(rows[0]) if name == "delta"}
    for row in rows:
        for column, cell in enumerate(row):
            if cell.startswith(FORMULA_PREFIXES) and not INTEGER.fullmatch(cell):
                found.append(problem("CSV cell starts a formula", repr(cell[:80])))
                return found
            if (
                column > 0
                and column not in signed
                and INTEGER.fullmatch(cell)
                and cell.startswith("-")
            ):
                found.append(problem("negative number in CSV", cell[:80]))
                return found
    return found


def markdown_cells(line: str) -> int:
    """The cells of a Markdown table row: split on pipes no backslash escapes."""
    return len(re.split(r"(?<!\\)\|", line.strip().strip("|")))


def markdown_text(text: str) -> list[str]:
    """Every Markdown table row has its header's number of cells (a name with a pipe or a
    line break would add cells or end the table)."""
    header = None
    for line in text.splitlines():
        if not line.strip():
            header = None
        elif line.startswith("|") and header is None:
            header = markdown_cells(line)
        elif header is not None and markdown_cells(line) != header:
            return [problem("Markdown row with a different cell count", repr(line[:120]))]
    return []


class _TagChecker(HTMLParser):
    """Records tags that do not nest, and elements that only an injected name would add."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.startswith("x-fuzz"):
            self.found.append(problem("HTML injection: an element from a name", tag))
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.startswith("x-fuzz"):
            self.found.append(problem("HTML injection: an element from a name", tag))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.found.append(problem("HTML tags do not nest", f"</{tag}> after {self.stack[-3:]}"))
        else:
            self.stack.pop()


def html_text(text: str) -> list[str]:
    """HTML: parses with every element closed in order, and no element injected by a name."""
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    if checker.stack and not checker.found:
        checker.found.append(problem("HTML elements left open", str(checker.stack[-3:])))
    return checker.found[:1]


def svg_text(text: str) -> list[str]:
    """SVG: well-formed XML (control characters other than tab and newline are not XML)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        return [problem("SVG does not parse as XML", str(error))]
    if any(element.tag.endswith("x-fuzz") for element in root.iter()):
        return [problem("SVG injection: an element from a name")]
    return []


def yaml_text(text: str) -> list[str]:
    """An imported spec: YAML that loads, and a spec cnncalc analyses (exit 0)."""
    try:
        yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        return [problem("imported spec is not YAML", str(error))]
    status, err = analyse_text(text)
    if status != 0:
        return [problem(f"imported spec does not analyse (exit {status})", err)]
    return []


LATEX_ESCAPED = re.compile(r"\\[{}&%$#_\\]")
"""``\\{`` and the other escaped specials, and ``\\\\`` (a line end), which are not structure."""
LATEX_ENVIRONMENT = re.compile(r"\\(begin|end)\{([^{}]*)\}")
LATEX_TABLES = ("tabular", "longtable")
LATEX_SPAN = re.compile(r"\\multicolumn\{([0-9]+)\}")


def latex_line(line: str, plain: str, first: bool) -> list[str]:
    """One line of a LaTeX document (``plain``: without its escaped specials): braces
    balance, no ``%`` comments out its rest (but on the first, cnncalc's comment), and its
    math ``$`` pair up."""
    found = []
    depth = 0
    for ch in plain:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0:
        found.append(problem("LaTeX line with unbalanced braces", repr(line[:120])))
    if "%" in plain and not first:
        found.append(problem("LaTeX comment in the output", repr(line[:120])))
    if plain.count("$") % 2:
        found.append(problem("LaTeX line with an unpaired $", repr(line[:120])))
    return found


def latex_text(text: str) -> list[str]:
    """A LaTeX document whose structure no name changed: every line sound
    (:func:`latex_line`), environments nested, every row of a table with its header's
    number of cells."""
    found = []
    stack: list[str] = []
    cells: int | None = None
    for number, line in enumerate(text.splitlines()):
        plain = LATEX_ESCAPED.sub("", line)
        found += latex_line(line, plain, number == 0)
        for kind, name in LATEX_ENVIRONMENT.findall(plain):
            if kind == "begin":
                stack.append(name)
            elif not stack or stack.pop() != name:
                found.append(problem("LaTeX environments do not nest", name))
        if not (stack and stack[-1] in LATEX_TABLES and "\\\\" in line):
            continue
        if not line.startswith("\\caption"):
            # A \multicolumn{n}{…}{…} cell stands for n cells (compare's variant headings).
            spans = LATEX_SPAN.findall(plain)
            count = plain.count("&") + sum(int(span) - 1 for span in spans)
            cells = count if cells is None else cells
            if count != cells:
                found.append(problem("LaTeX row with a different cell count", repr(line[:120])))
    if stack:
        found.append(problem("LaTeX environment left open", stack[-1]))
    return found


def binary(data: bytes, format_: str) -> list[str]:
    """A PNG or PDF starts with its magic bytes."""
    magic = {"png": b"\x89PNG", "pdf": b"%PDF"}[format_]
    return [] if data.startswith(magic) else [problem(f"{format_} file without its magic")]


def output_text(text: str, format_: str, where: str, report: bool) -> list[str]:
    """``text`` checked as ``format_``; ``report``: it is the analysis's JSON report."""
    found = text_is_clean(text, where)
    checks = {
        "json": json_text,
        "csv": csv_text,
        "markdown": markdown_text,
        "html": html_text,
        "latex": latex_text,
        "svg": svg_text,
        "yaml": yaml_text,
    }
    if format_ in checks:
        found += checks[format_](text)
    if format_ == "json" and report:
        found += json_report(text)
    return found


def outputs(case: Case, outcome: Outcome) -> list[str]:
    """On success, stdout and the written file hold their formats; a file that cannot be
    written is never reported as written."""
    command = case.command
    if outcome.status not in (0, 1):
        return []  # exit 2's stderr is error_line's
    found = text_is_clean(outcome.err, "stderr")
    report = command.shape.startswith("analyze -f json") and "--formulas" not in command.shape
    found += output_text(outcome.out, command.stdout, f"stdout ({command.stdout})", report)
    output = command.output
    if output is None or outcome.status != 0:
        return found
    if not output.writable:
        found.append(problem("exit 0 though the output cannot be written", output.path))
    elif outcome.written is None:
        found.append(problem("exit 0 without the output file", output.path))
    elif output.format in ("png", "pdf"):
        found += binary(outcome.written, output.format)
    else:
        text = outcome.written.decode("utf-8", errors="replace")
        found += output_text(text, output.format, f"-o file ({output.format})", report)
    return found


def problems(case: Case, outcome: Outcome) -> list[str]:
    """Everything wrong with how the CLI handled ``case``, each problem once."""
    found = exit_code(outcome)
    if outcome.crash is None:
        found += exit_one_only_from_checks(case, outcome)
        found += error_line(outcome)
        found += stderr_on_success(outcome)
        found += outputs(case, outcome)
    return list(dict.fromkeys(found))
