"""Frozen layers (``trainable: false``, ``Report.frozen``): Keras's parameter split."""

from __future__ import annotations

import pytest

import cnncalc
import cnncalc.spec
from cnncalc.spec.layers import Conv2d, Dense
from tests.conftest import SPECS


def test_a_frozen_layer_s_parameters_are_non_trainable_as_keras_counts_them() -> None:
    # The Python API's models take it as the spec does.
    spec = cnncalc.spec.parse_spec({"input": [1, 28, 28], "layers": [
        Conv2d.model_validate({"name": "c", "filters": 4, "kernel": 3, "trainable": False}),
        {"name": "f", "type": "flatten"},
        Dense(name="d", units=10),
    ]})  # fmt: skip
    report = cnncalc.analyze(spec)
    assert (report.layer("c").trainable_params, report.layer("c").non_trainable_params) == (0, 40)
    assert (report.totals.trainable_params, report.totals.params) == (
        (4 * 26 * 26 + 1) * 10,
        40 + (4 * 26 * 26 + 1) * 10,
    )
    assert [layer.frozen for layer in report.layers] == [True, False, False]


@pytest.mark.parametrize(
    ("framework", "split"),
    # Keras: γ, β and the moving statistics, 4·8 non-trainable; PyTorch: γ and β, and the
    # running statistics (and num_batches_tracked) stay buffers.
    [("keras", (0, 32, 0)), ("pytorch", (0, 16, 17))],
)
def test_a_frozen_batch_norm(framework: str, split: tuple[int, int, int]) -> None:
    spec = cnncalc.spec.parse_spec({"input": [8, 4, 4], "framework": framework, "layers": [
        {"name": "bn", "type": "batchnorm", "trainable": False}]})  # fmt: skip
    bn = cnncalc.analyze(spec).layer("bn")
    assert (bn.trainable_params, bn.non_trainable_params, bn.buffers) == split


def test_the_rbf_keeps_its_own_trainable_field() -> None:
    def rbf(**fields: object) -> tuple[int, int]:
        spec = cnncalc.spec.parse_spec({"input": [84], "layers": [
            {"name": "out", "type": "rbf", "units": 10, **fields}]})  # fmt: skip
        out = cnncalc.analyze(spec).layer("out")
        return int(out.trainable_params), int(out.non_trainable_params)

    assert (rbf(), rbf(trainable=True), rbf(trainable=False)) == ((0, 840), (840, 0), (0, 840))


def test_a_symbolic_layer_frozen_keeps_its_formula() -> None:
    spec = cnncalc.spec.parse_spec({"input": [1, "n", "n"], "layers": [
        {"name": "c", "type": "conv2d", "filters": "k", "kernel": 3, "trainable": False},
    ]})  # fmt: skip
    report = cnncalc.analyze(spec)
    assert str(report.totals.non_trainable_params) == "10*k"
    assert report.totals.trainable_params == 0
    assert report.subs({"k": 4, "n": 8}).totals.non_trainable_params == 40


def test_frozen_until_a_layer() -> None:
    frozen = cnncalc.analyze(cnncalc.load(SPECS / "lenet5.yaml")).frozen("S2")
    assert [layer.frozen for layer in frozen.layers][:3] == [True, True, False]
    assert frozen.totals.params == 60_000 + 840
    assert frozen.totals.trainable_params == 60_000 - 156 - 12
    with pytest.raises(KeyError):
        frozen.frozen("S9")
