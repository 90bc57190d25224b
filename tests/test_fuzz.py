"""The fuzzer in CI: a few hundred generated cases, every property checked on every one.

Each generator of :mod:`tests.fuzzing` makes a fixed number of cases from a
fixed seed (so a run is the same every time), runs each through the CLI
in-process and checks every property of :mod:`tests.fuzzing.properties`.
A failure lists each distinct cause once, with the smallest case that shows
it. Time is not asserted (no wall-clock assertions): CI draws the small
sizes of :data:`tests.fuzzing.vocabulary.SMALL`, and the long run,
``python -m tests.fuzz --cases 20000``, holds each case to a time limit.

The properties themselves are tested below on outputs known to break them.
"""

from __future__ import annotations

import random

import pytest

from tests.fuzzing import schema_specs, vocabulary
from tests.fuzzing.cases import Case, Command, Output
from tests.fuzzing.findings import Finding, cause, shown
from tests.fuzzing.generators import GENERATORS
from tests.fuzzing.harness import Crash, Outcome, run
from tests.fuzzing.properties import (
    csv_text,
    error_line,
    html_text,
    json_report,
    json_text,
    markdown_text,
    problems,
    svg_text,
    text_is_clean,
)
from tests.fuzzing.templates import TEMPLATES

CASES = {"schema": 120, "shipped": 80, "tokens": 180, "bytes": 40, "keras": 60, "standalone": 20}
"""Cases per generator in CI: 500 in all."""


@pytest.fixture(autouse=True)
def small_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI's sizes, and a fresh pool of schema networks (the same cases on every run)."""
    monkeypatch.setattr(vocabulary, "sizes", vocabulary.SMALL)
    monkeypatch.setattr(schema_specs, "POOL", schema_specs.Pool())


def summary(findings: dict[str, Finding]) -> str:
    """Each cause with its count and smallest case, for the failure message."""
    lines = [f"{len(findings)} causes:"]
    for finding in sorted(findings.values(), key=lambda f: -f.count):
        assert finding.case is not None
        spec = shown(finding.case.files[0][1], 400) if finding.case.files else ""
        lines += [
            f"- {finding.cause} ({finding.count}×): {finding.detail[:200]}",
            f"    $ {finding.case.argv_text()[:300]}",
            f"    {spec!r}",
        ]
    return "\n".join(lines)


@pytest.mark.parametrize("generator", sorted(CASES))
def test_generated_cases_satisfy_every_property(generator: str) -> None:
    rng = random.Random(f"cnncalc-ci-{generator}")
    findings: dict[str, Finding] = {}
    for _ in range(CASES[generator]):
        case = GENERATORS[generator][0](rng)
        for problem in problems(case, run(case)):
            key = cause(problem, case)
            findings.setdefault(key, Finding(key)).add(problem, case)
    assert not findings, summary(findings)


def spec_case(text: str, *argv: str, stdout: str = "table", output: Output | None = None) -> Case:
    return Case("test", (("spec.yaml", text.encode()),), Command(argv, stdout, "test", output))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_templates_are_valid_specs(name: str) -> None:
    """The mutators' templates analyse cleanly: a mutation is all that is wrong with a case."""
    outcome = run(spec_case(TEMPLATES[name], "spec.yaml", "-f", "json"))
    assert (outcome.status, outcome.err) == (0, "")


@pytest.mark.parametrize("format_", ["table", "json", "csv", "markdown", "html", "latex"])
def test_a_plain_spec_satisfies_every_property_in_every_format(format_: str) -> None:
    """No property fails on a well-behaved spec (the properties do not cry wolf)."""
    text = TEMPLATES["graph"]
    for case in [
        spec_case(text, "spec.yaml", "-f", format_, stdout=format_),
        spec_case(text, "explain", "spec.yaml", "a", "-f", format_, stdout=format_),
        spec_case(
            text,
            "draw",
            "spec.yaml",
            "-o",
            "net.svg",
            stdout="text",
            output=Output("net.svg", "svg", writable=True),
        ),
    ]:
        outcome = run(case)
        assert outcome.status == 0
        assert problems(case, outcome) == []


def outcome(status: int, out: str = "", err: str = "") -> Outcome:
    return Outcome(status, out, err, 0.0, None)


def test_an_escaped_exception_is_exit_70_with_its_cause() -> None:
    crash = Crash("ValueError", "invalid literal", "cnncalc/cli.py:300 in run_solve")
    case = spec_case("", "solve", "spec.yaml", "x", "--for", "n")
    found = problems(case, Outcome(70, "", "", 0.0, None, crash))
    assert found == ["exit 70: ValueError at cnncalc/cli.py in run_solve — invalid literal"]


def test_the_error_line_must_be_one_bounded_clean_line() -> None:
    assert error_line(outcome(2, err="error: spec.yaml:3: bad\n")) == []
    assert error_line(outcome(2, err="error: layer 'a\nb'\n")) == [
        "exit 2 without exactly one 'error:' line — \"error: layer 'a\\nb'\\n\""
    ]
    assert error_line(outcome(2, err="error: " + "x" * 1000 + "\n")) == [
        "error line over 1,000 characters — 1,007 chars"
    ]
    assert error_line(outcome(2, err="error: layer '\x1b[31m'\n")) == [
        "control character in the error line — \"error: layer '\\x1b[31m'\""
    ]
    usage = "usage: cnncalc [-h] spec\ncnncalc: error: argument --depth: invalid int value: 'x'\n"
    assert error_line(outcome(2, err=usage)) == []


def test_raw_control_characters_and_lone_surrogates_are_found() -> None:
    assert text_is_clean("a\tb\n", "stdout") == []
    assert text_is_clean("a\x9bb", "stdout") == ["raw control character in stdout — 'a\\x9bb'"]
    assert text_is_clean("a\ud800", "stdout") == [
        "unencodable character in stdout — 'utf-8' codec can't encode character '\\ud800' "
        "in position 1: surrogates not allowed"
    ]


def test_json_must_be_strict_and_the_report_must_hold_ints() -> None:
    assert json_text('{"a": NaN}') == ["JSON output does not parse — NaN is not JSON"]
    assert json_report('{"layers": [{"params": 1.5}], "totals": {"params": 3}}') == [
        "JSON count not an int — params: 1.5"
    ]
    assert json_report('{"layers": [{"macs": -4}], "totals": {}}') == [
        "JSON macs out of range — -4"
    ]
    assert json_report('{"layers": [{"params": 4, "output_shape": [1, 2]}], "totals": {}}') == []


def test_csv_rows_and_formula_cells() -> None:
    assert csv_text("name,params\na,1\n") == []
    assert csv_text("name,params\n=1+1,1\n") == ["CSV cell starts a formula — '=1+1'"]
    assert csv_text("name,params\n'=1+1,1\n") == []
    assert csv_text("name,params\na\n") == ["CSV rows of different lengths — lengths [1, 2]"]
    assert csv_text("name,params\n-1,4\n") == []
    assert csv_text("name,params\na,-4\n") == ["negative number in CSV — -4"]


def test_markdown_rows_keep_the_header_cell_count() -> None:
    table = "| a | b |\n|:--|--:|\n| x | 1 |\n"
    assert markdown_text(table) == []
    assert markdown_text(table + "| x \\| y | 1 |\n") == []
    assert markdown_text(table + "| x | y | 1 |\n") == [
        "Markdown row with a different cell count — '| x | y | 1 |'"
    ]


def test_html_and_svg_injections_are_found() -> None:
    assert html_text("<html><body><p>a &lt;x-fuzz&gt;</p></body></html>") == []
    assert html_text("<html><body><p>a <x-fuzz></p></body></html>") == [
        "HTML injection: an element from a name — x-fuzz"
    ]
    assert html_text("<html><script>var a = '</script>';</script></html>") == [
        "HTML tags do not nest — </script> after ['html']"
    ]
    assert svg_text("<svg><text>a</text></svg>") == []
    assert svg_text("<svg><text>a\x01</text></svg>") == [
        "SVG does not parse as XML — not well-formed (invalid token): line 1, column 12"
    ]


def test_an_unwritable_output_reported_as_written_is_found() -> None:
    output = Output("/dev/full", "json", writable=False)
    case = spec_case("", "spec.yaml", "-f", "json", "-o", "/dev/full", stdout="text", output=output)
    assert problems(case, outcome(0)) == ["exit 0 though the output cannot be written — /dev/full"]
