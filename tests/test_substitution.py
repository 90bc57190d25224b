"""Values for a spec's symbols: ``--subs``, ``values:``, and what each kind of symbol takes.

A size symbol (one a formula uses as a size: ``kernel: k``, ``filters: 32*a``) is a
positive integer; a multiplier (one every formula rounds: ``int(32*a)``) is a
positive rational, and takes ``3/4`` or ``0.75``, read exactly. A size must come
out whole either way.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import CnncalcError, SpecError
from cnncalc.spec import parse_spec
from cnncalc.substitution import parse_assignments

WIDTH = {
    "input": [3, "n", "n"],
    "layers": [
        {"name": "c1", "type": "conv2d", "filters": "int(32*a)", "kernel": 3, "padding": 1},
        {"name": "c2", "type": "conv2d", "filters": "make_divisible(64*a, 8)", "kernel": 1},
        {"name": "c3", "type": "conv2d", "filters": "int(24*a)/2", "kernel": 1},
    ],
}
"""A network with a width multiplier a: c3's channels are whole only for some a."""


def spec(**changes: Any) -> dict[str, Any]:
    return {**WIDTH, **changes}


def test_fractions_and_decimals_are_read_exactly() -> None:
    assert parse_assignments("a=3/4,n=224") == {"a": Fraction(3, 4), "n": 224}
    assert parse_assignments("a=0.75") == {"a": Fraction(3, 4)}
    assert parse_assignments("a=0.1") == {"a": Fraction(1, 10)}  # not 0.1000000000000000055…
    assert parse_assignments("a=6/3, b=2.0") == {"a": 2, "b": 2}  # whole: an int
    assert type(parse_assignments("a=6/3")["a"]) is int


def test_a_multiplier_takes_a_fraction_and_the_sizes_come_out_whole() -> None:
    report = cnncalc.analyze(spec())
    assert {name for name, s in report.symbol_objects.items() if not s.is_integer} == {"a"}
    at = report.subs({"a": Fraction(3, 4), "n": 32})
    assert [layer.output_shape[0] for layer in at] == [24, 48, 9]
    assert at.subs({}) == at  # nothing left to put in
    as_float: dict[str, Any] = {"a": 0.75, "n": 32}
    assert report.subs(as_float).totals == at.totals  # a float reads as written


def test_a_size_that_comes_out_a_fraction_is_named_with_its_fix() -> None:
    report = cnncalc.analyze(spec())
    with pytest.raises(CnncalcError) as error:
        report.subs({"a": Fraction(5, 8), "n": 32})
    assert str(error.value) == (
        "at a=5/8, n=32, layer 'c3', field 'filters' is ⌊24·a⌋/2 = 15/2, not a whole number: "
        "round it with int(), round(), floor(), ceil() or make_divisible()"
    )


def test_a_fraction_for_a_size_symbol_is_refused_with_the_reason() -> None:
    report = cnncalc.analyze(spec())
    with pytest.raises(CnncalcError) as error:
        report.subs({"a": Fraction(3, 4), "n": Fraction(449, 2)})
    assert str(error.value) == (
        "n is a size of this spec, a whole number (a formula uses it outside int(), round(), "
        "floor(), ceil() or make_divisible()), so n=449/2 is not a value for it"
    )
    for bad in (0, -1, Fraction(-3, 4), Fraction(1, 2**63), 2**63, "3/4", True, None):
        with pytest.raises(CnncalcError, match="a must be a positive fraction p/q"):
            report.subs({"a": bad, "n": 32})  # type: ignore[dict-item]


def test_a_size_divided_is_whole_only_where_it_divides(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    half = {"input": [1, "n", "n"], "layers": [{"name": "c", "type": "conv2d", "filters": "n/2",
                                                "kernel": 1}]}  # fmt: skip
    report = cnncalc.analyze(half)
    assert [str(r.relation) for r in report.requirements] == ["n >= 2", "Contains(n/2, Integers)"]
    assert report.subs({"n": 8}).layer("c").output_shape == (4, 8, 8)
    with pytest.raises(CnncalcError, match=r"at n=7, layer 'c', field 'filters' is n/2 = 7/2"):
        report.subs({"n": 7})
    path = tmp_path / "half.yaml"
    path.write_text(
        "input: [1, n, n]\nlayers:\n  - {name: c, type: conv2d, filters: n/2, kernel: 1}\n"
    )
    assert main([str(path)]) == 0
    assert "Requires n ≥ 2, n/2 ∈ ℤ." in " ".join(capsys.readouterr().out.split())
    assert main([str(path), "-f", "json"]) == 0
    assert '"(n/2) % 1 == 0"' in capsys.readouterr().out  # the JSON's test, as Python reads it


@pytest.mark.parametrize("written", [0.75, "3/4", "0.75", Fraction(3, 4)])
def test_values_take_a_multiplier_as_a_fraction(written: object) -> None:
    loaded = parse_spec(spec(values={"a": written, "n": 32}))
    assert loaded.values == {"a": Fraction(3, 4), "n": 32}
    assert loaded.multipliers == {"a"}
    assert loaded.model_dump()["values"] == {"a": "3/4", "n": 32}  # and reads back
    assert parse_spec(loaded.model_dump()).values == loaded.values


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"a": 0}, "expected a positive integer, or a fraction ('3/4') or decimal (0.75) for a "
                   "multiplier, got 0"),
        ({"a": "1/0"}, "got '1/0'"),
        ({"a": "-3/4"}, "got '-3/4'"),
        ({"a": 1e-300}, "got 1e-300"),
        ({"a": "n/2"}, "got 'n/2'"),
        ({"a": f"1/{2**63}"}, "got '1/9223372036854775808'"),
        ({"n": "449/2"}, "n is a size, a whole number: 'n' uses it outside int(), round(), "
                         "floor(), ceil() or make_divisible(); give it a whole value, or round "
                         "that formula"),
    ],
)  # fmt: skip
def test_values_that_no_symbol_takes(values: dict[str, object], complaint: str) -> None:
    with pytest.raises(SpecError) as error:
        parse_spec(spec(values=values))
    assert complaint in str(error.value)


def test_the_fraction_of_a_multiplier_in_values_is_checked(tmp_path: Any) -> None:
    path = tmp_path / "width.yaml"
    text = (
        "input: [3, n, n]\nlayers:\n  - {name: c1, type: conv2d, filters: int(24*a)/2, kernel: 1}\n"
        "values: {a: 5/8, n: 32}\nexpect:\n  total: {params: 60}\n"
    )
    path.write_text(text)
    with pytest.raises(SpecError, match=r"width.yaml:4: field 'values': at a=5/8, n=32"):
        from cnncalc.expect import check

        loaded = cnncalc.load(path)
        check(loaded, cnncalc.analyze(loaded))


def test_a_block_parameter_may_be_a_decimal_multiplier() -> None:
    blocks = {"scaled": {"params": {"c": 32, "alpha": 1}, "layers": [
        {"name": "conv", "type": "conv2d", "filters": "make_divisible(c*alpha, 8)", "kernel": 1},
        {"name": "narrow", "type": "conv2d", "filters": "int(c*alpha)", "kernel": 1},
    ]}}  # fmt: skip
    layers = [{"name": "b", "block": "scaled", "alpha": 0.35, "c": 96}]
    report = cnncalc.analyze({"input": [3, 8, 8], "blocks": blocks, "layers": layers})
    assert [layer.output_shape[0] for layer in report] == [32, 33]  # 33.6: 32 and int() 33
    assert not report.symbols
    with pytest.raises(SpecError, match=r"96 \* \(7 / 20\) = 168/5 is not a whole number"):
        bare = {"name": "conv", "type": "conv2d", "filters": "c*alpha", "kernel": 1}
        blocks = {"scaled": {"params": {"c": 32, "alpha": 1}, "layers": [bare]}}
        cnncalc.analyze({"input": [3, 8, 8], "layers": layers, "blocks": blocks})


def test_a_function_name_is_never_a_block_parameter() -> None:
    blocks = {"b": {"params": {"round": 3}, "layers": [
        {"type": "conv2d", "filters": "round(round*1.5)", "kernel": 1}]}}  # fmt: skip
    report = cnncalc.analyze({"input": [1, 4, 4], "blocks": blocks, "layers": [{"block": "b"}]})
    assert report.output_shape == (4, 4, 4)  # round(4.5) is 4, to even
