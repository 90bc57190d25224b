"""Symbolic specs: formulas that, substituted, are the numeric path's answers."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.analysis import METRICS, Report
from cnncalc.errors import CnncalcError, SpecError
from cnncalc.symbolic import symbol
from tests.conftest import ROOT, SPECS


def rows(report: Report) -> list[tuple[object, ...]]:
    return [
        (layer.name, layer.output_shape, *(layer.metric(m) for m in METRICS),
         layer.flops_by_convention)
        for layer in report
    ]  # fmt: skip


def test_symbolic_lenet5_at_the_papers_sizes_is_the_paper() -> None:
    symbolic = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
    numeric = cnncalc.analyze(SPECS / "lenet5.yaml")
    assert symbolic.symbols == {"n", "k"}
    assert rows(symbolic.subs({"n": 32, "k": 5})) == rows(numeric)
    assert symbolic.subs({"n": 32, "k": 5}).totals == numeric.totals


def test_symbolic_alexnet_at_227_is_the_posts_network() -> None:
    symbolic = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml")
    numeric = cnncalc.analyze(SPECS / "alexnet.yaml")
    assert rows(symbolic.subs({"n": 227})) == rows(numeric)
    assert symbolic.subs({"n": 227}).totals.params == 62_378_344


@settings(max_examples=25, deadline=None)
@given(n=st.integers(67, 600))
def test_alexnet_formulas_at_any_size_equal_the_numeric_path(n: int) -> None:
    symbolic = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml")
    spec = cnncalc.load(SPECS / "alexnet.yaml").model_dump()
    spec["input"] = [3, n, n]
    spec["expect"] = {}
    assert rows(symbolic.subs({"n": n})) == rows(cnncalc.analyze(spec))


@pytest.fixture(scope="module")
def squeezenet_at_any_width() -> Report:
    spec = cnncalc.load(SPECS / "squeezenet1_0.yaml").model_dump()
    spec["input"] = [3, 224, "n"]
    spec["expect"] = {}
    return cnncalc.analyze(spec)


@settings(max_examples=10, deadline=None)
@given(n=st.integers(30, 400))
def test_ceil_mode_pooling_needs_no_cases_where_no_window_can_start_in_padding(
    squeezenet_at_any_width: Report, n: int
) -> None:
    # SqueezeNet pools with kernel 3, stride 2, no padding, ceil_mode: a last window
    # can never start past the input, so its widths are plain ceilings (a Piecewise
    # per pool made this network take sympy 30 s), and still PyTorch's numbers.
    pooled = squeezenet_at_any_width.layer("classifier.3")  # the global average pool
    widths = [dim for dim in pooled.input_shapes[0][1:] if not isinstance(dim, int)]
    assert widths and not any(dim.has(sympy.Piecewise) for dim in widths)
    spec = cnncalc.load(SPECS / "squeezenet1_0.yaml").model_dump()
    spec["input"], spec["expect"] = [3, 224, n], {}
    assert rows(squeezenet_at_any_width.subs({"n": n})) == rows(cnncalc.analyze(spec))


def test_formulas_read_as_the_documents_write_them() -> None:
    report = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
    n, k = symbol("n"), symbol("k")
    c1 = report.layer("C1")
    assert c1.output_shape == (6, n - k + 1, n - k + 1)
    assert sympy.expand(c1.trainable_params - (1 * k * k + 1) * 6) == 0
    assert sympy.expand(c1.connections - (k * k + 1) * 6 * (n - k + 1) ** 2) == 0
    # Nested floors are compacted: ⌊(⌊(n − k + 1)/2⌋ − k + 1)/2⌋ is ⌊(n − 3k + 3)/4⌋.
    assert report.layer("S4").output_shape[1] == sympy.floor((n - 3 * k - 1) / 4) + 1


def test_requirements_are_stated_not_raised() -> None:
    report = cnncalc.analyze(SPECS / "alexnet-symbolic.yaml")
    relations = {str(r.relation) for r in report.requirements}
    assert "n >= 67" in relations
    with pytest.raises(CnncalcError, match=r"n=66 breaks layer 'pool3'.*requires n ≥ 67"):
        report.subs({"n": 66})


def test_a_provably_impossible_size_is_an_error() -> None:
    with pytest.raises(SpecError, match="kernel n \\+ 1 is larger than its padded input n"):
        cnncalc.analyze({"input": [1, "n", "n"], "layers": [
            {"type": "conv2d", "filters": 2, "kernel": "n + 1"}]})  # fmt: skip


def test_a_symbol_only_in_a_later_axis_of_a_shape_is_a_symbol_of_the_report() -> None:
    # Zero padding by k: only the height and width depend on k, and no count does
    # (found by the fuzzer: the JSON report's formulas had no "latex").
    spec = {"input": [3, 32, 32], "layers": [{"type": "zeropad2d", "padding": ["k", "k"]}]}
    report = cnncalc.analyze(spec)
    assert report.output_shape == (3, 2 * symbol("k") + 32, 2 * symbol("k") + 32)
    assert report.symbols == {"k"}


def test_substitution_checks_names_and_values() -> None:
    report = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
    with pytest.raises(CnncalcError, match="no size symbol named m"):
        report.subs({"m": 3})
    with pytest.raises(CnncalcError, match="n must be a positive integer"):
        report.subs({"n": 0})
    partial = report.subs({"k": 5})
    assert partial.symbols == {"n"}


@pytest.mark.parametrize(
    ("size", "requirement"),
    [("n - 6", "n >= 7"), ("n - k", "-k + n - 1 >= 0"), ("(n - 1)//4", "n >= 5")],
)
def test_a_size_not_provably_positive_is_a_requirement(size: str, requirement: str) -> None:
    report = cnncalc.analyze(
        {
            "input": [1, 8, 8],
            "layers": [{"name": "c", "type": "conv2d", "filters": size, "kernel": 3}],
        }
    )
    assert [(r.layer, r.field, str(r.relation)) for r in report.requirements] == [
        ("c", "filters", requirement)
    ]


@pytest.mark.parametrize(
    ("field", "size", "message"),
    [
        (
            "filters",
            "-n",
            "expected a positive integer, got -n, which is not one for any value of its symbols",
        ),
        ("filters", "n - n", "expected a positive integer, got a formula equal to 0"),
        ("stride", "n - n", "expected a positive integer, got a formula equal to 0"),
        (
            "padding",
            "-n",
            "expected a non-negative integer, got -n, which is not one for any value of its "
            "symbols",
        ),
    ],
)
def test_a_size_that_cannot_be_positive_is_an_error(field: str, size: str, message: str) -> None:
    layer = {"name": "c", "type": "conv2d", "filters": 2, "kernel": 3, field: size}
    with pytest.raises(SpecError) as error:
        cnncalc.analyze({"input": [1, "n", "n"], "layers": [layer]})
    assert str(error.value) == f"<spec>: layer 1 'c' (conv2d): field '{field}': {message}"


def test_the_input_shape_must_be_positive() -> None:
    report = cnncalc.analyze({"input": [1, "n - 4", 8], "layers": [{"type": "relu"}]})
    assert [(r.layer, str(r.relation)) for r in report.requirements] == [("input", "n >= 5")]
    with pytest.raises(CnncalcError) as error:
        report.subs({"n": 4})
    assert str(error.value) == ("n=4 breaks the input shape: it requires n ≥ 5, and 4 ≥ 5 is false")


def test_a_substitution_may_not_pass_the_size_bound() -> None:
    report = cnncalc.analyze(
        {
            "input": [1, 8, 8],
            "layers": [{"name": "c", "type": "conv2d", "filters": "n**3", "kernel": 3}],
        }
    )
    with pytest.raises(CnncalcError) as error:
        report.subs({"n": 2**21 + 1})
    assert str(error.value) == (
        f"n={2**21 + 1} makes layer 'c', field 'filters', {(2**21 + 1) ** 3}, larger than "
        "2**63 − 1, the largest size PyTorch and ONNX store"
    )
    assert report.subs({"n": 2**21 - 1}).totals.params == ((2**21 - 1) ** 3) * (9 + 1)


def test_a_substitution_that_divides_by_zero_is_an_error() -> None:
    layer = {"name": "c", "type": "conv2d", "filters": 2, "kernel": 3, "stride": "n // (n - 5)"}
    report = cnncalc.analyze({"input": [1, "n", "n"], "layers": [layer]})
    with pytest.raises(CnncalcError) as error:
        report.subs({"n": 5})
    assert str(error.value) == "n=5 makes layer 'c', field 'stride' divide by zero"
    assert report.subs({"n": 7}).layer("c").output_shape == (2, 2, 2)  # stride 7 // 2 = 3


def test_adaptive_windows_of_a_huge_output_substitute_in_closed_form() -> None:
    report = cnncalc.analyze(
        {
            "input": ["c", "n", "n"],
            "layers": [{"type": "adaptive_avgpool2d", "output_size": 10**18}],
        }
    )
    partial = report.subs({"c": 3})  # n stays a symbol: the sums stay unevaluated
    assert partial.symbols == {"n"}
    windows = 7 + 10**18 - 1  # n + o − gcd(n, o) per axis
    assert partial.subs({"n": 7}).totals.connections == 3 * windows**2


def test_expect_checks_formulas_and_numbers(tmp_path: object) -> None:
    from cnncalc.expect import check

    spec = cnncalc.loads(
        "input: [1, n, n]\n"
        "layers: [{name: C1, type: conv2d, filters: 6, kernel: 5}]\n"
        "values: {n: 32}\n"
        "expect: {C1: {trainable_params: 156, connections: '(5*5 + 1)*6*(n - 4)**2',"
        " neurons: '6*(n - 5)**2'}}\n"
    )
    checked, mismatches = check(spec, cnncalc.analyze(spec))
    assert checked == 3
    assert [(m.target, m.metric) for m in mismatches] == [("C1", "neurons")]


def test_the_numeric_path_never_imports_sympy() -> None:
    code = (
        "import sys, cnncalc\n"
        "r = cnncalc.analyze('specs/alexnet.yaml')\n"
        "from cnncalc.render import render\n"
        "for f in ('table', 'json', 'csv', 'markdown'): render(r, f)\n"
        "print('sympy' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.stdout.strip() == "False", out.stderr


def test_symbolic_json_reads_back() -> None:
    import json

    from cnncalc.render import render

    report = cnncalc.analyze(SPECS / "lenet5-symbolic.yaml")
    data = json.loads(render(report, "json"))
    c1 = data["layers"][0]
    assert sympy.simplify(sympy.sympify(c1["connections"], locals={
        "n": symbol("n"), "k": symbol("k")}) - report.layer("C1").connections) == 0  # fmt: skip
    assert c1["latex"]["trainable_params"] == r"6 \cdot \left({k}^{2} + 1\right)"
    assert data["requirements"][-1] == "n + 3 >= 7*k"
