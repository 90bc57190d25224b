"""The built-in model library: names, package data, the papers' numbers and the frameworks'."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

import cnncalc
from cnncalc.api import at_values
from cnncalc.cli import main
from cnncalc.expect import check_published
from cnncalc.library import INDEX, MODELS_DIR, load_model
from cnncalc.schema import spec_schema
from tests.conftest import GOLDEN, ROOT, SPECS, Golden

TORCHVISION = json.loads((ROOT / "bench" / "zoo_torchvision_reference.json").read_text())
"""torchvision 0.29's own counts of its models (bench/zoo_torchvision.py measured them)."""
KERAS = json.loads(
    (ROOT / "tests" / "fixtures" / "keras" / "applications" / "reference.json").read_text()
)["models"]
"""Keras 3.15.1's count_params() of keras.applications (bench/keras_applications.py)."""


def declared(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [data["model"], *data.get("variants", {})]


def test_the_index_names_every_model_of_every_file_once() -> None:
    found = {name: path.name for path in MODELS_DIR.glob("*.yaml") for name in declared(path)}
    assert found == INDEX
    assert len(INDEX) == 88


def test_each_spec_in_specs_that_is_a_model_is_a_link_to_its_one_file() -> None:
    links = {p.name: p.resolve() for p in SPECS.glob("*.yaml") if p.is_symlink()}
    assert {name: target.name for name, target in links.items()} == {
        "alexnet-torchvision.yaml": "alexnet-torchvision.yaml", "alexnet.yaml": "alexnet.yaml",
        "densenet121.yaml": "densenet.yaml", "lenet5-full-c3.yaml": "lenet5-full-c3.yaml",
        "lenet5-modern.yaml": "lenet5-modern.yaml", "lenet5.yaml": "lenet5.yaml",
        "mobilenet_v1-symbolic.yaml": "mobilenet_v1.yaml",
        "mobilenet_v2.yaml": "mobilenet_v2.yaml", "resnet18.yaml": "resnet18.yaml",
        "resnet50.yaml": "resnet50.yaml", "squeezenet1_0.yaml": "squeezenet.yaml",
        "vgg16.yaml": "vgg.yaml", "vit_b_16.yaml": "vit_b_16.yaml",
    }  # fmt: skip
    assert all(target.parent == MODELS_DIR for target in links.values())
    # Each link's name is its file's own model, as specs/ always called it (a symbolic
    # spec's with "-symbolic": MobileNet v1 with its width and resolution as symbols).
    for name, target in links.items():
        model = yaml.safe_load(target.read_text())["model"]
        assert model == name.removesuffix(".yaml").removesuffix("-symbolic")


def test_the_models_are_package_data_and_valid_against_the_schema() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "models/*.yaml" in config["tool"]["setuptools"]["package-data"]["cnncalc"]
    validator = jsonschema.Draft202012Validator(spec_schema())
    linked = {p.resolve() for p in SPECS.glob("*.yaml") if p.is_symlink()}
    for path in sorted(MODELS_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        # The schema as an editor finds it: from specs/ for a file opened through its link.
        where = SPECS if path in linked else MODELS_DIR
        schema = text.splitlines()[0].removeprefix("# yaml-language-server: $schema=")
        assert (where / schema).resolve() == ROOT / "cnncalc.schema.json", path.name
        assert [e.message for e in validator.iter_errors(yaml.safe_load(text))] == [], path.name


def test_every_built_in_model_checks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--models"]) == 0
    out = capsys.readouterr().out
    assert "resnet50-paper: 0 of 1 published numbers agree at their printed precision; the " \
        "other 1 differ as the spec explains\n" in out  # fmt: skip
    assert "googlenet: 9 of 26 published numbers agree at their printed precision; the other " \
        "17 differ as the spec explains\n" in out  # fmt: skip
    assert "differ\n" not in out and "not as the spec says" not in out


def macs(model: str) -> int:
    count = cnncalc.analyze(load_model(model)).totals.macs
    assert isinstance(count, int)
    return count


def test_the_papers_multiply_adds_follow_from_torchvisions_counts() -> None:
    """He et al. 2016, Table 1, derived from torchvision's measured counts by hand."""
    # Option A: torchvision's ResNet-34 less its three 1×1 projections, 64·128·28·28 each.
    assert macs("resnet34-paper") == TORCHVISION["resnet34"]["flop_counter"] // 2 - 3 * 6_422_528
    assert 3_550_000_000 <= macs("resnet34-paper") <= 3_650_000_000  # "3.6×10^9"
    # v1 strides on the 1×1 before the 3×3: in each of three stages the first block's 1×1
    # runs on the small map, 256·128·(56² − 28²) = 77,070,336 fewer multiply-adds.
    saved = 256 * 128 * (56 * 56 - 28 * 28)
    for depth in (50, 101, 152):
        torchvision = TORCHVISION[f"resnet{depth}"]["flop_counter"] // 2
        assert macs(f"resnet{depth}-paper") == torchvision - 3 * saved
    assert macs("resnet50-paper") == 3_857_973_248  # not "3.8×10^9": the spec says why
    # VGG-16's convolutions: the whole network less its three linear layers' weights.
    assert TORCHVISION["vgg16"]["flop_counter"] // 2 - (25088 + 4096 + 1000) * 4096 == (
        15_346_630_656
    )


@pytest.mark.parametrize(
    ("model", "torchvision"),
    [
        ("alexnet-torchvision", "alexnet"), ("vgg11", "vgg11"), ("vgg13", "vgg13"),
        ("vgg16", "vgg16"), ("vgg19", "vgg19"), ("googlenet-torchvision", "googlenet"),
        ("resnet18", "resnet18"), ("resnet34", "resnet34"), ("resnet50", "resnet50"),
        ("resnet101", "resnet101"), ("resnet152", "resnet152"),
        ("squeezenet1_0", "squeezenet1_0"), ("squeezenet1_1", "squeezenet1_1"),
        ("densenet121", "densenet121"), ("densenet169", "densenet169"),
        ("densenet201", "densenet201"), ("mobilenet_v2", "mobilenet_v2"), ("vit_b_16", "vit_b_16"),
        ("inception_v3", "inception_v3"), ("mobilenet_v3_large", "mobilenet_v3_large"),
        ("mobilenet_v3_small", "mobilenet_v3_small"),
        *((f"efficientnet_b{i}", f"efficientnet_b{i}") for i in range(8)),
        ("inception_v3", "inception_v3"),
        ("shufflenet_v2_x0_5", "shufflenet_v2_x0_5"), ("shufflenet_v2_x1_0", "shufflenet_v2_x1_0"),
        ("shufflenet_v2_x1_5", "shufflenet_v2_x1_5"), ("shufflenet_v2_x2_0", "shufflenet_v2_x2_0"),
        ("convnext_tiny", "convnext_tiny"), ("convnext_small", "convnext_small"),
        ("convnext_base", "convnext_base"), ("convnext_large", "convnext_large"),
    ],
)  # fmt: skip
def test_a_torchvision_model_counts_what_torchvision_counts(model: str, torchvision: str) -> None:
    report = cnncalc.analyze(load_model(model))
    measured = TORCHVISION[torchvision]
    assert (report.totals.params, report.totals.buffers) == (
        measured["params"],
        measured["buffers"],
    )
    # torchvision measured its FLOPs in eval mode, where Inception-v3's auxiliary head is idle.
    at_inference = report
    if model == "inception_v3":
        at_inference = cnncalc.analyze(load_model("inception_v3-eval"))
    assert at_inference.flops_by_convention.flops == measured["flop_counter"]


@pytest.mark.parametrize(
    ("model", "keras"),
    [
        ("resnet50-keras", "ResNet50"), ("resnet101-keras", "ResNet101"),
        ("resnet152-keras", "ResNet152"), ("densenet121-keras", "DenseNet121"),
        ("densenet169-keras", "DenseNet169"), ("densenet201-keras", "DenseNet201"),
        ("vgg16", "VGG16"), ("vgg19", "VGG19"), ("inception_v3-keras", "InceptionV3"),
        ("mobilenet_v1", "MobileNet"), ("mobilenet_v3_large-keras", "MobileNetV3Large"),
        ("mobilenet_v3_small-keras", "MobileNetV3Small"),
        *((f"efficientnet_b{i}-keras", f"EfficientNetB{i}") for i in range(8)),
        ("xception", "Xception"), ("convnext_tiny", "ConvNeXtTiny"),
        ("convnext_small", "ConvNeXtSmall"), ("convnext_base", "ConvNeXtBase"),
        ("convnext_large", "ConvNeXtLarge"),
    ],
)  # fmt: skip
def test_a_keras_model_counts_what_keras_counts(model: str, keras: str) -> None:
    spec = load_model(model)  # at its values: MobileNet v1's width a and resolution n
    totals = at_values(spec, cnncalc.analyze(spec)).totals
    counted = KERAS[keras]
    assert (totals.params, totals.trainable_params, totals.non_trainable_params) == (
        counted["params"], counted["trainable"], counted["non_trainable"],
    )  # fmt: skip


def test_a_model_by_name_from_any_directory(tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "cnncalc", "resnet50", "-f", "json"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["name"], report["totals"]["params"]) == ("ResNet-50 (torchvision)", 25_557_032)


def test_every_command_takes_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "vgg16", "stage1.0.conv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "stage1.0.conv (conv2d): 3×224×224 → 64×224×224"
    )
    assert main(["check", "resnet101-paper"]) == 0
    assert capsys.readouterr().out == (
        "resnet101-paper: all 1 published numbers agree at their printed precision\n"
    )


@pytest.mark.parametrize(
    ("argument", "language", "message"),
    [
        (
            "resnet5",
            "en",
            "error: resnet5: no such file or built-in model (did you mean "
            "'resnet50'?); 'cnncalc models' lists the models",
        ),
        (
            "resnet5",
            "zh",
            "错误: resnet5: 没有这个文件, 也没有这个内置模型（是否想写 "
            "'resnet50'？）; 'cnncalc models' 列出全部模型",
        ),
        (
            "resnet5.yaml",
            "en",
            "error: resnet5.yaml: cannot read the spec: No such file or directory",
        ),
        (
            "models/resnet5",
            "en",
            "error: models/resnet5: cannot read the spec: No such file or directory",
        ),
    ],
)
def test_a_name_that_is_neither_a_file_nor_a_model(
    argument: str, language: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([argument, "--lang", language]) == 2
    assert capsys.readouterr().err == message + "\n"


def test_a_file_of_that_name_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resnet50").write_text(
        "name: mine\ninput: [1, 8, 8]\nlayers:\n  - {type: conv2d, filters: 2, kernel: 3}\n",
        encoding="utf-8",
    )
    assert main(["resnet50", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "mine"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_list_of_models(
    language: str, golden: Golden, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "--lang", language]) == 0
    golden.check(f"models.{language}.txt", capsys.readouterr().out)


def test_docs_papers_md_is_what_the_library_says(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--papers", "-f", "markdown"]) == 0
    document = capsys.readouterr().out
    assert document == (ROOT / "docs" / "papers.md").read_text(encoding="utf-8"), (
        "regenerate: cnncalc models --papers -f markdown > docs/papers.md"
    )
    assert "| `resnet50-paper` | MACs (multiply-adds) | 3.8×10^9 |" in document
    # A paper with no number of its own says so under its heading (the spec's paper.note).
    assert "prints no parameter or operation counts, so there is no number of the paper to " \
        "reproduce." in document.split("## Network In Network")[1].split("\n\n")[2]  # fmt: skip


def test_a_published_number_that_starts_to_agree_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "vgg.yaml"
    text = (MODELS_DIR / "vgg.yaml").read_text(encoding="utf-8")
    spec.write_text(text.replace('value: "138 M"', 'value: "138 M"\n    differs: "no"'), "utf-8")
    assert main(["check", str(spec)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{spec}: 1 of 4 published numbers are not as the spec says\n"
        '  total params: published 138 M (Simonyan & Zisserman 2015, Table 2 (D, "in '
        "millions\")) agrees with cnncalc's 138,357,544, but the spec says it differs\n"
    ) in out


def test_the_published_numbers_of_a_variant_are_its_own() -> None:
    spec = load_model("alexnet-paper")
    results = check_published(spec, cnncalc.analyze(spec))
    assert [(r.entry.layers, r.count) for r in results[:3]] == [
        (["total"], 60_965_224),
        (["conv1", "conv2", "conv3", "conv4", "conv5", "fc1", "fc2", "fc3"], 659_272),
        (["conv1"], 290_400),  # 55·55·96; the paper prints 253,440
    ]
    assert GOLDEN.is_dir()


def test_a_symbolic_model_by_name_at_other_values(capsys: pytest.CaptureFixture[str]) -> None:
    """``cnncalc mobilenet_v1 --subs a=1/2,n=160`` is the variant of Table 9's row."""
    assert main(["mobilenet_v1", "--subs", "a=1/2,n=160", "-f", "json"]) == 0
    totals = json.loads(capsys.readouterr().out)["totals"]
    assert main(["mobilenet_v1-0.5-160", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"] == totals
    # Keras 3.15.1, MobileNet(alpha=0.5, input_shape=(160, 160, 3)).count_params()
    assert (totals["params"], totals["non_trainable_params"]) == (1_342_536, 10_944)
    # Table 9's 76 M is the count at 224 scaled by (160/224)²; the network's is not.
    # Keras's MobileNet(alpha=0.5) at 224, tests/fixtures/mobilenet_v1_keras.json
    at_224 = 149_497_088
    assert at_224 * 160**2 // 224**2 == 76_274_024
    assert totals["macs"] - 76_274_024 == 250_776


def test_efficientnet_b2_at_the_papers_resolution() -> None:
    """Table 2's B2 is at 260 (1.0B), torchvision evaluates it at 288 (its _ops, 1.088 G)."""
    assert macs("efficientnet_b2-260") == 993_561_872
    assert macs("efficientnet_b2") == TORCHVISION["efficientnet_b2"]["flop_counter"] // 2


def keras_name(name: str) -> str:
    """cnncalc's name of an Xception layer of Keras's: block2_sepconv1 → block2.sepconv1."""
    residual = {"conv2d": "residual", "batch_normalization": "residual_bn", "add": "add"}
    base, _, number = name.rpartition("_")
    if name in residual or base in residual:  # Keras numbers its unnamed layers: conv2d_1, …
        kind, index = (name, 0) if name in residual else (base, int(number))
        blocks = [2, 3, 4, 13] if kind != "add" else list(range(2, 14))
        return f"block{blocks[index]}.{residual[kind]}"
    block, _, rest = name.partition("_")
    if block.startswith("block") and 2 <= int(block.removeprefix("block")) <= 13:
        return f"{block}.{rest}"
    return name


def test_xception_counts_what_keras_counts_layer_by_layer() -> None:
    """Every layer of keras.applications.Xception: its parameters and output shape."""
    report = cnncalc.analyze(load_model("xception"))
    rows = {row.name: row for row in report.layers}
    compared = 0
    for layer in KERAS["Xception"]["layers"][1:]:
        name = keras_name(layer["name"])
        if layer["class"] == "SeparableConv2D":  # two spec layers
            parts = [rows[f"{name}.depthwise"], rows[f"{name}.pointwise"]]
        else:
            parts = [rows[name]]
        assert sum(row.params for row in parts) == layer["params"], layer["name"]
        shape = layer["output_shape"]
        channels_first = [shape[-1], *shape[:-1]]
        assert list(parts[-1].output_shape) == channels_first, layer["name"]
        compared += 1
    assert compared == 133 and len(report.layers) == 133 + 34  # 34 separable convolutions
