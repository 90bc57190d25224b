"""MobileNet v1 with its width a and resolution n as symbols, against the paper and Keras.

``specs/mobilenet_v1-symbolic.yaml`` writes every channel count as Keras's
``int(c*a)``. Put in with ``--subs`` at each (a, n) of the paper's Tables 6 and 7
(Howard et al. 2017, "MobileNets", arXiv 1704.04861), its counts are the paper's
at the paper's precision, and exactly Keras's: ``tests/fixtures/mobilenet_v1_keras.json``
holds what Keras 3.15.1 itself counts of ``keras.applications.MobileNet(alpha=a)``
at each (its ``count_params()``, each layer's parameters and output shape, and the
MACs PyTorch's ``FlopCounterMode`` counts in its forward pass; made by
``bench/keras_mobilenet_v1.py``).

Two things the paper rounds differently from a count of the network:

- its parameters leave batch norm out: Keras's 4,253,864 at width 1 are 4.3 M, the
  4,210,088 of the convolutions and the classifier 4.2 M;
- Table 7 scales the mult-adds at 224 by ρ² = (n/224)²: 568,740,352·(160/224)² is
  290.2 M, where the network at 160 has 290,675,200 (291 M): the classifier's
  1,024,000 does not shrink with the image.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from functools import cache
from typing import Any

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.analysis import METRICS, Report
from cnncalc.cli import main
from cnncalc.expressions import Formula, put_in
from cnncalc.spec.source import load_yaml
from tests.conftest import ROOT, SPECS

SPEC = SPECS / "mobilenet_v1-symbolic.yaml"
KERAS = ROOT / "tests" / "fixtures" / "mobilenet_v1_keras.json"

TABLE_6 = [("1", 224, 569, "4.2"), ("0.75", 224, 325, "2.6"), ("0.5", 224, 149, "1.3"),
           ("0.25", 224, 41, "0.5")]  # fmt: skip
"""Width multiplier, resolution, million mult-adds, million parameters."""
TABLE_7 = [("1", 224, 569, "4.2"), ("1", 192, 418, "4.2"), ("1", 160, 290, "4.2"),
           ("1", 128, 186, "4.2")]  # fmt: skip


@cache
def symbolic() -> Report:
    return cnncalc.analyze(SPEC)


def at(width: str, resolution: int, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The JSON report of ``cnncalc SPEC --subs a=WIDTH,n=RESOLUTION``."""
    assert main([str(SPEC), "--subs", f"a={width},n={resolution}", "-f", "json"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def without_batch_norm(report: dict[str, Any]) -> int:
    """The parameters the paper counts: the convolutions' and the classifier's."""
    return sum(layer["params"] for layer in report["layers"] if layer["type"] != "batchnorm")


def millions(count: int, digits: int = 0) -> str:
    """``count`` in millions, rounded half up to ``digits`` decimals, as a table prints it."""
    scaled = Fraction(count, 10**6) * 10**digits
    rounded = int(scaled + Fraction(1, 2))
    return str(rounded) if digits == 0 else f"{rounded / 10**digits:.{digits}f}"


@pytest.mark.parametrize(("width", "resolution", "macs", "params"), TABLE_6)
def test_table_6_widths(
    width: str, resolution: int, macs: int, params: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = at(width, resolution, capsys)
    assert millions(report["totals"]["macs"]) == str(macs)
    assert millions(without_batch_norm(report), 1) == params


@pytest.mark.parametrize(("width", "resolution", "macs", "params"), TABLE_7)
def test_table_7_resolutions(
    width: str, resolution: int, macs: int, params: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = at(width, resolution, capsys)
    at_224 = at(width, 224, capsys)["totals"]["macs"]
    # The paper's rounding: the mult-adds at 224 scaled by (n/224)².
    assert millions(at_224 * resolution**2 // 224**2) == str(macs)
    # The network's own count is within a million of it (290,675,200 at 160).
    assert abs(report["totals"]["macs"] - macs * 10**6) < 10**6
    assert millions(without_batch_norm(report), 1) == params


def test_the_exact_counts_of_every_table_entry(capsys: pytest.CaptureFixture[str]) -> None:
    got = {}
    for width, n, _, _ in TABLE_6 + TABLE_7:
        report = at(width, n, capsys)
        totals = report["totals"]
        got[width, n] = (totals["macs"], totals["params"], without_batch_norm(report))
    assert got == {
        ("1", 224): (568_740_352, 4_253_864, 4_210_088),
        ("0.75", 224): (325_400_448, 2_601_976, 2_569_144),
        ("0.5", 224): (149_497_088, 1_342_536, 1_320_648),
        ("0.25", 224): (41_030_272, 475_544, 464_600),
        ("1", 192): (418_121_728, 4_253_864, 4_210_088),
        ("1", 160): (290_675_200, 4_253_864, 4_210_088),
        ("1", 128): (186_400_768, 4_253_864, 4_210_088),
    }


@cache
def keras() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(KERAS.read_text(encoding="utf-8"))
    return data


def keras_name(name: str) -> str:
    """The Keras layer a spec layer stands for: ``block3.pw_bn`` is ``conv_pw_3_bn``."""
    block, dot, part = name.partition(".")
    if not dot:
        return name
    number = block.removeprefix("block")
    kind, _, rest = part.partition("_")
    return f"conv_{kind}_{number}" + (f"_{rest}" if rest else "")


@pytest.mark.parametrize(
    "model", keras()["models"], ids=lambda m: f"alpha={m['alpha']},rows={m['rows']}"
)
def test_every_layer_is_keras_at_every_width_and_resolution(model: dict[str, Any]) -> None:
    report = symbolic().subs({"a": Fraction(model["alpha"]), "n": model["rows"]})
    totals = report.totals
    assert (totals.params, totals.trainable_params, totals.non_trainable_params, totals.macs) == (
        model["params"], model["trainable"], model["non_trainable"], model["macs"],
    )  # fmt: skip
    # Keras numbers a layer it names itself by the models built before: _6 for the seventh.
    theirs = {re.sub(r"^(global_average_pooling2d)_\d+$", r"\1", layer["name"]): layer
              for layer in model["layers"]}  # fmt: skip
    # Keras pads before a stride-2 depthwise convolution in a layer of its own (conv_pad_N,
    # no parameters); the spec pads in the convolution.
    padding = {name for name in theirs if name.startswith("conv_pad_")}
    assert len(padding) == 4
    ours = {keras_name(layer.name): layer for layer in report}
    assert set(ours) == set(theirs) - padding
    for name, layer in ours.items():
        shape = theirs[name]["shape"]
        channels_first = [shape[-1], *shape[:-1]]
        assert (layer.params, list(layer.output_shape)) == (theirs[name]["params"],
                                                            channels_first), name  # fmt: skip


def numeric_spec(values: dict[str, int | Fraction]) -> dict[str, Any]:
    """The spec with the values put into its formulas' text: what the numeric path reads
    (each formula, then a constant, is computed exactly when the spec is read)."""

    def put(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: put(value) for key, value in item.items() if key != "values"}
        if isinstance(item, list):
            return [put(value) for value in item]
        if isinstance(item, str):
            try:
                formula = Formula(item)
            except ValueError:
                return item
            return put_in(formula, values) if formula.names & set(values) else item
        return item

    data: dict[str, Any] = put(load_yaml(SPEC.read_text(encoding="utf-8"), str(SPEC)))
    data["expect"] = {}
    return data


def rows(report: Report) -> list[tuple[object, ...]]:
    return [
        (layer.name, layer.output_shape, *(layer.metric(m) for m in METRICS),
         layer.flops_by_convention)
        for layer in report
    ]  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(
    a=st.fractions(min_value=Fraction(1, 32), max_value=2**20, max_denominator=2**62),
    n=st.integers(31, 2**63 - 1),
)
def test_the_formulas_at_any_width_and_resolution_are_the_numeric_network(
    a: Fraction, n: int
) -> None:
    # Beyond 2**53 too: a float would round int(32*a) and the sizes of an n of 2**62.
    values: dict[str, int | Fraction] = {"a": a, "n": n}
    numeric = cnncalc.analyze(numeric_spec(values))
    assert not numeric.symbols
    assert rows(symbolic().subs(values)) == rows(numeric)


def test_a_width_that_leaves_a_layer_no_channel_is_refused() -> None:
    assert [str(r.relation) for r in symbolic().requirements if "a" in str(r.relation)][:1] == [
        "a >= 1/32"
    ]
    with pytest.raises(cnncalc.CnncalcError, match=r"a=1/33, n=224 breaks layer 'conv1'"):
        symbolic().subs({"a": Fraction(1, 33), "n": 224})
    assert symbolic().subs({"a": Fraction(1, 32), "n": 224}).layer("conv1").output_shape == (
        1, 112, 112,
    )  # fmt: skip


def test_the_report_names_the_multiplier_and_the_smallest_image() -> None:
    from cnncalc.render.text import requirements

    assert symbolic().symbol_objects["a"].is_rational
    assert not symbolic().symbol_objects["a"].is_integer
    assert symbolic().symbol_objects["n"].is_integer
    assert requirements(symbolic()) == ["a ≥ 1/32", "n ≥ 31"]
    assert symbolic().layer("conv1").output_shape == (
        sympy.floor(32 * symbolic().symbol_objects["a"]),
        sympy.ceiling(symbolic().symbol_objects["n"] / 2),
        sympy.ceiling(symbolic().symbol_objects["n"] / 2),
    )
