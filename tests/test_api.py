"""The Python API: load, loads, analyze; networks built without YAML."""

from __future__ import annotations

import pytest

import cnncalc
from cnncalc.spec.layers import Conv2d, Dense, Flatten, Subsampling
from tests.conftest import SPECS


def test_analyze_a_path_a_dict_and_a_spec() -> None:
    from_path = cnncalc.analyze(SPECS / "lenet5-modern.yaml")
    spec = cnncalc.load(SPECS / "lenet5-modern.yaml")
    from_spec = cnncalc.analyze(spec)
    from_dict = cnncalc.analyze(spec.model_dump())
    assert from_path == from_spec == from_dict
    assert from_path.totals.trainable_params == 61_706


def test_build_in_python() -> None:
    spec = cnncalc.NetworkSpec(
        name="LeNet-5 head",
        input=(1, 32, 32),
        layers=[
            Conv2d(name="C1", filters=6, kernel=5),  # type: ignore[arg-type]
            Subsampling(name="S2", kernel=2),  # type: ignore[arg-type]
            Flatten(),
            Dense(units=10),
        ],
    )
    report = cnncalc.analyze(spec, convention="macs")
    assert report.layer("C1").connections == (5 * 5 + 1) * 6 * 28 * 28
    assert report.layer("S2").trainable_params == 12
    assert report.layer("dense_1").trainable_params == (6 * 14 * 14 + 1) * 10
    assert report.output_shape == (10,)
    assert report.totals.flops == report.totals.macs


def test_loads_locates_errors_in_text() -> None:
    with pytest.raises(cnncalc.SpecError) as error:
        cnncalc.loads("input: [1, 8, 8]\nlayers:\n  - {type: conv2d, filters: 2}\n", "inline.yaml")
    assert str(error.value) == (
        "inline.yaml:3: layer 1 (conv2d): field 'kernel': required field is missing"
    )


def test_analysis_errors_are_located_for_dicts_too() -> None:
    with pytest.raises(cnncalc.SpecError) as error:
        cnncalc.analyze(
            {"input": [1, 4, 4], "layers": [{"type": "conv2d", "filters": 1, "kernel": 5}]}
        )
    assert str(error.value) == (
        "<spec>: layer 1 'conv2d_1' (conv2d): field 'kernel': "
        "kernel 5 is larger than its padded input 4"
    )


def test_report_layer_lookup() -> None:
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    with pytest.raises(KeyError, match="no layer named 'C7'"):
        report.layer("C7")
    assert [layer.name for layer in report][:2] == ["C1", "S2"]


ISSUE_EXAMPLE = """\
name: LeNet-5 (LeCun et al., 1998)
input: [1, 32, 32]                # channels, height, width
layers:
  - {name: C1, type: conv2d, filters: 6, kernel: 5}   # kernel: int or [kh, kw]; stride, padding (int, [ph, pw], valid, same), dilation, groups, bias: true|false, activation: relu|tanh|sigmoid|softmax|...
  - {name: S2, type: subsampling, kernel: 2}          # LeNet-5's trainable pooling: per map one coefficient and one bias; stride defaults to kernel
  - {name: C3, type: conv2d, filters: 16, kernel: 5, connections: lenet5}   # the paper's sparse table by name, or a list (one list of input-map indices per output map)
  - {name: S4, type: subsampling, kernel: 2}
  - {name: C5, type: conv2d, filters: 120, kernel: 5}
  - {name: FL, type: flatten}
  - {name: F6, type: dense, units: 84}
  - {name: OUT, type: rbf, units: 10}                 # Euclidean RBF output; its parameters are fixed in the paper: non-trainable unless trainable: true
expect:                                               # optional: numbers from the source, checked by `cnncalc check`
  C3: {trainable_params: 1516, connections: 151600}
  total: {trainable_params: 60000, connections: 340908}
"""  # noqa: E501 - the spec format's example, word for word


def test_the_spec_format_example_works_as_written() -> None:
    from cnncalc.expect import check

    spec = cnncalc.loads(ISSUE_EXAMPLE)
    assert check(spec, cnncalc.analyze(spec)) == (4, [])
