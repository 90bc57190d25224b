"""Published numbers read as the intervals their printed digits stand for."""

from __future__ import annotations

from fractions import Fraction

import pytest

import cnncalc
from cnncalc.errors import SpecError
from cnncalc.expect import check_published
from cnncalc.spec.published import printed_number


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("3.8e9", 3_750_000_000, 3_850_000_000),
        ("3.8×10^9", 3_750_000_000, 3_850_000_000),
        ("3.8x10^9", 3_750_000_000, 3_850_000_000),
        ("7.6×10⁹", 7_550_000_000, 7_650_000_000),
        ("569 M", 568_500_000, 569_500_000),
        ("4.2M", 4_150_000, 4_250_000),
        ("1.5 billion", 1_450_000_000, 1_550_000_000),
        ("60 million", 59_500_000, 60_500_000),
        ("4.089 G", 4_088_500_000, 4_089_500_000),
        ("159K", 158_500, 159_500),
        ("340,908", Fraction(681_815, 2), Fraction(681_817, 2)),
    ],
)
def test_a_printed_number_stands_for_the_counts_that_round_to_it(
    text: str, low: int | Fraction, high: int | Fraction
) -> None:
    number = printed_number(text)
    assert (number.value - number.half_unit, number.value + number.half_unit) == (low, high)


def test_both_ends_agree_and_the_next_integers_do_not() -> None:
    number = printed_number("3.8e9")
    assert [number.agrees(n) for n in (3_749_999_999, 3_750_000_000, 3_850_000_000)] == [
        False, True, True,
    ]  # fmt: skip
    assert number.agrees(3_850_000_001) is False
    # ResNet-50 v1 (He et al. 2016): 3,857,973,248 multiply-adds are not "3.8×10^9".
    assert number.agrees(3_857_973_248) is False


def test_significant_digits_and_binary_units() -> None:
    # "650,000 neurons" (AlexNet): two significant digits, 645,000 to 655,000.
    assert printed_number("650,000", significant=2).half_unit == 5_000
    assert printed_number("650,000").half_unit == Fraction(1, 2)
    # GoogLeNet's "112K" read with K = 1,024: 114,176 to 115,200.
    assert printed_number("112K", binary=True).value == 114_688
    assert printed_number("112K", binary=True).agrees(114_944) is True
    assert printed_number("112K").agrees(114_944) is False
    assert printed_number(60_000).exact is True
    assert printed_number("3.8e9").digits == 2


@pytest.mark.parametrize("text", ["about 4", "3.8 gigaflops", "1e999", "", "4,2 M", "9" * 41])
def test_text_that_is_not_a_printed_number_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a number as papers print them"):
        printed_number(text)


SPEC = """\
name: tiny
input: [1, 8, 8]
layers:
  - {name: conv, type: conv2d, filters: 4, kernel: 3}
  - {name: flatten, type: flatten}
  - {name: fc, type: dense, units: 10}
published:
  - {metric: params, value: "1.5 K", source: "a paper, Table 1"}
  - {layer: conv, metric: macs, value: "2 K", source: "a paper, Table 1", differs: "a slip"}
  - {layer: [conv, fc], metric: params, value: "1,480", source: "a paper, §2"}
  - {layer: conv, metric: output_shape, value: [4, 6, 6], source: "a paper, Fig. 1"}
"""


def test_each_published_number_is_set_beside_cnncalcs_count() -> None:
    spec = cnncalc.loads(SPEC)
    results = check_published(spec, cnncalc.analyze(spec))
    # conv: (9 + 1)·4 = 40 parameters, 9·4·36 = 1,296 MACs; fc: (144 + 1)·10 = 1,450.
    assert [(r.count, r.agrees, r.as_explained) for r in results] == [
        (1_490, True, True),
        (1_296, False, True),
        (1_490, False, False),
        ((4, 6, 6), True, True),
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            '{metric: params, value: 3.8e9, source: "x"}',
            "field 'published[0].value': write the number as printed in quotes ('3800000000.0'), "
            "so that its digits are kept",
        ),
        (
            '{metric: flop, value: "1 M", source: "x"}',
            "field 'published[0].metric': unknown metric 'flop' (did you mean 'flops'?); "
            "expected one of output_shape, trainable_params, non_trainable_params, params, "
            "buffers, macs, flops, neurons, connections",
        ),
        (
            '{metric: params, value: "about 4", source: "x"}',
            "field 'published[0].value': 'about 4' is not a number as papers print them (e.g. "
            "3.8e9, 3.8×10^9, 569 M, 4.2M, 340,908)",
        ),
        (
            '{layer: conv2, metric: params, value: "4", source: "x"}',
            "field 'published[0].layer': no layer or block instance is named 'conv2' (did you "
            "mean 'conv'?)",
        ),
        (
            '{metric: params, value: "4"}',
            "field 'published[0].source': required field is missing",
        ),
    ],
)
def test_a_malformed_published_number_is_one_located_error(entry: str, message: str) -> None:
    text = SPEC.split("published:", maxsplit=1)[0] + f"published:\n  - {entry}\n"
    with pytest.raises(SpecError) as caught:
        cnncalc.loads(text, "tiny.yaml")
    assert str(caught.value) == f"tiny.yaml:8: {message}"
