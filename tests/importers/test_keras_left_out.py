"""What a skipped Keras layer leaves out, checked against Keras's own counts.

``tests/fixtures/keras/left_out_keras3.json`` and ``left_out_last/`` are
``model.to_json()`` of models built with Keras 3.15.1 (JAX backend, on the
CPU), in a venv of their own (``pip install keras jax``)::

    inp = keras.Input((8, 8, 4), name="input")
    x = layers.Normalization(name="normalization")(inp)
    x = layers.Normalization(mean=[0.1, 0.2, 0.3, 0.4], variance=[1.0] * 4,
                             name="normalization_given")(x)
    ...  # one layer per row of KERAS_WEIGHTS, in its order
    out = layers.Conv2DTranspose(3, 3, name="conv_t")(x)

``KERAS_WEIGHTS`` holds what Keras itself counts for each layer:
``(sum of trainable_weights sizes, sum of non_trainable_weights sizes)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cnncalc
from cnncalc.cli import main
from cnncalc.importers.keras_config import import_keras
from tests.importers.test_keras import FIXTURES

LEFT_OUT = FIXTURES / "left_out_keras3.json"

KERAS_WEIGHTS = {
    "normalization": (0, 9),  # mean, variance (4 each), count
    "normalization_given": (0, 0),  # mean and variance given: constants, no weights
    "normalization_hw": (0, 129),  # axis=(1, 2): 8·8 means and variances, and count
    "normalization_all": (0, 3),  # axis=None: one mean, one variance, count
    "layer_scale": (4, 0),  # ConvNeXt's LayerScale(1e-6, 4): gamma
    "batch_norm_rows": (16, 16),  # axis=1: gamma, beta, moving mean and variance of 8
    "batch_norm_rows_no_beta": (8, 16),
    "layer_norm_no_beta": (4, 0),
    "layer_norm_hw": (128, 0),  # axis=(1, 2): gamma and beta of 8·8
    "group_norm_rows": (16, 0),  # axis=1: gamma and beta of 8
    "prelu_shared": (4, 0),  # shared_axes=[1, 2]: alpha per channel
    "prelu": (256, 0),  # alpha per value: 8·8·4
    "rms_norm": (4, 0),
    "batch_renorm": (8, 20),  # gamma, beta; moving mean, variance, stddev, renorm mean, stddev
    "conv_t": (111, 0),  # 3·3·4·3 + 3
}
"""Keras 3.15.1's ``trainable_weights`` and ``non_trainable_weights`` sizes, per layer."""


TRANSLATED = {
    "normalization": ("standardize", 0, 9),
    "normalization_given": ("standardize", 0, 0),
    "layer_scale": ("layer_scale", 4, 0),
    "prelu_shared": ("prelu", 4, 0),
}
"""The layers of the model cnncalc has a type for: type, trainable, non-trainable (Keras's)."""


def test_the_layers_cnncalc_has_types_for_count_what_keras_counts() -> None:
    report = cnncalc.analyze(import_keras(str(LEFT_OUT)).spec)
    for name, (kind, trainable, non_trainable) in TRANSLATED.items():
        row = report.layer(name)
        assert (row.type, row.trainable_params, row.non_trainable_params) == (
            kind,
            trainable,
            non_trainable,
        ), name
        assert KERAS_WEIGHTS[name] == (trainable, non_trainable)


def test_each_skipped_layer_states_the_weights_keras_gives_it() -> None:
    imported = import_keras(str(LEFT_OUT))
    assert imported.skipped_lines() == [
        "normalization_hw (Normalization): normalises axis [1, 2], not the channels: its 129 "
        "non-trainable parameters (mean, variance and count) are not counted",
        "normalization_all (Normalization): normalises the whole sample as one (axis None): "
        "its 3 non-trainable parameters (mean, variance and count) are not counted",
        "batch_norm_rows (BatchNormalization): normalises axis 1, not the channels: its 16 "
        "trainable and 16 non-trainable parameters (gamma, beta, moving_mean and "
        "moving_variance) are not counted",
        "batch_norm_rows_no_beta (BatchNormalization): normalises axis 1, not the channels: its "
        "8 trainable and 16 non-trainable parameters (gamma, moving_mean and moving_variance) "
        "are not counted",
        "layer_norm_no_beta (LayerNormalization): a scale without a shift (or the reverse): "
        "cnncalc's layernorm has both or neither: its 4 trainable parameters (gamma) are not "
        "counted",
        "layer_norm_hw (LayerNormalization): normalises axes [1, 2]: cnncalc's layernorm takes "
        "the channels or all: its 128 trainable parameters (gamma and beta) are not counted",
        "group_norm_rows (GroupNormalization): normalises axis 1, not the channels: its 16 "
        "trainable parameters (gamma and beta) are not counted",
        "prelu (PReLU): a slope per position: cnncalc's prelu has one per channel or one in "
        "all: its 256 trainable parameters (alpha) are not counted",
        "rms_norm (RMSNormalization): cnncalc has no RMS normalisation: its 4 trainable "
        "parameters (scale) are not counted",
        "batch_renorm (BatchNormalization): renorm's moving stddev, renorm mean and renorm "
        "stddev (12 non-trainable parameters) left out: cnncalc counts batch norm's usual four",
    ]


def test_the_totals_and_what_the_header_says_is_left_out_add_up_to_keras() -> None:
    imported = import_keras(str(LEFT_OUT))
    totals = cnncalc.analyze(imported.spec).totals
    keras_trainable = sum(trainable for trainable, _ in KERAS_WEIGHTS.values())
    keras_non_trainable = sum(non_trainable for _, non_trainable in KERAS_WEIGHTS.values())
    assert (keras_trainable, keras_non_trainable) == (559, 193)
    assert keras_trainable - totals.trainable_params == 432
    assert keras_non_trainable - totals.non_trainable_params == 176
    assert (
        "The totals leave out what is skipped below: 432 trainable and 176 non-trainable "
        "parameters." in imported.comments
    )
    assert "# skipped: rms_norm (RMSNormalization): " in imported.to_yaml()


def test_uncounted_keras_weights_are_an_error_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net.yaml"
    command = ["import", "keras", str(LEFT_OUT), "-o", str(out)]
    assert main(command) == 2
    assert not out.exists()
    # 432 + 176: what the header says the totals leave out (Keras's own counts).
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(
        f"error: {LEFT_OUT}: 608 of the model's parameters are in operations cnncalc cannot "
        "translate ("
    )
    assert error.endswith("); --allow-uncounted writes the spec without them")
    assert main([*command, "--allow-uncounted"]) == 0
    assert out.exists()


@pytest.mark.parametrize(
    ("fixture", "line", "keras"),
    [
        ("last_conv1d_t_keras3.json", "conv1d_t (Conv1DTranspose): cnncalc has no 1-D transposed "
         "convolution: its 63 trainable parameters (kernel and bias) are not counted", 63),
        ("last_conv3d_t_keras3.json", "conv3d_t (Conv3DTranspose): cnncalc has no 3-D transposed "
         "convolution: its 48 trainable parameters (kernel) are not counted", 48),
    ],
)  # fmt: skip
def test_a_last_layer_left_out_states_its_weights(fixture: str, line: str, keras: int) -> None:
    """Conv1DTranspose(3, 5) on (None, 10, 4): 63; Conv3DTranspose(3, 2, use_bias=False) on
    (None, 4, 4, 4, 2): 48 (Keras's counts)."""
    imported = import_keras(str(FIXTURES / "left_out_last" / fixture))
    assert imported.skipped_lines() == [line]
    assert f"its {keras} trainable parameters" in line
    assert imported.comments[-1] == (
        f"The totals leave out what is skipped below: {keras} trainable parameters."
    )


def test_layers_of_unknown_classes_say_their_weights_are_unknown() -> None:
    imported = import_keras(str(FIXTURES / "skips_keras3.json"))
    assert imported.comments[-1] == (
        "The totals leave out any weights of the skipped 1 layer whose config does not give "
        "them (see below)."
    )


def test_dense_on_a_rank_5_input_acts_on_the_channels() -> None:
    """Dense(5) on (None, 2, 2, 2, 2, 4): Keras counts 4·5 + 5 = 25."""
    imported = import_keras(str(FIXTURES / "left_out_last" / "last_dense_5d_keras3.json"))
    assert imported.skipped == []
    row = cnncalc.analyze(imported.spec).layer("dense_5d")
    assert (row.type, row.params, row.output_shape) == ("dense", 25, (5, 2, 2, 2, 2))


def test_skipped_layers_without_weights_say_the_totals_lose_nothing(tmp_path: Path) -> None:
    """The MNIST convnet with a ThresholdedReLU after its first convolution."""
    document = json.loads((FIXTURES / "mnist_convnet_keras2.json").read_text())
    relu = {"class_name": "ThresholdedReLU", "config": {"name": "leaky"}}
    document["config"]["layers"].insert(1, relu)
    path = tmp_path / "leaky.json"
    path.write_text(json.dumps(document))
    imported = import_keras(str(path))
    assert imported.skipped_lines() == [
        "leaky (ThresholdedReLU): cnncalc has no ThresholdedReLU (it has no parameters)"
    ]
    assert imported.comments[-1] == (
        "The layers skipped below hold no parameters: the totals lose nothing."
    )
    assert cnncalc.analyze(imported.spec).totals.params == 93_322
