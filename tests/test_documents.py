"""Every number the source documents print, from the shipped spec files.

Expected values are written as the source's own arithmetic. The documents
(docs/sources.md lists them, with the slips cnncalc corrects): LeCun et al. 1998
(LeNet-5, §II.B); 《卷积神经网络CNN与LeNet5详解》 (LeNet-5 with a full C3,
计算量/连接数); 《LeNet卷积神经网络详解》 (the modern LeNet-5 in torch.nn);
《第五章 深度学习用于计算机视觉(一)》 (the Keras MNIST convnet); 《经典网络(四)AlexNet全解析》
(AlexNet); 《卷积层改变维度,梯度卷积核》 (a Keras three-conv CNN, and the paper's
LeNet-5 numbers layer by layer).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import cnncalc
from cnncalc.analysis import Report
from cnncalc.expect import check
from tests.conftest import ROOT, SPECS

SOURCES = ROOT / "docs" / "sources.md"


def report(name: str, convention: str | None = None) -> Report:
    return cnncalc.analyze(SPECS / name, convention)


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_expect_block_holds(path: Path) -> None:
    spec = cnncalc.load(path)
    checked, mismatches = check(spec, cnncalc.analyze(spec))
    assert spec.expect, "every shipped spec names its source's numbers"
    assert checked > 0
    assert mismatches == []


class TestLeNet5Paper:
    """LeCun et al. 1998, §II.B (and 《卷积层改变维度,梯度卷积核》's layer-by-layer account)."""

    r = report("lenet5.yaml")

    def test_c1(self) -> None:
        c1 = self.r.layer("C1")
        assert c1.output_shape == (6, 28, 28)
        assert c1.trainable_params == (5 * 5 + 1) * 6 == 156
        assert c1.connections == (5 * 5 + 1) * 6 * (28 * 28) == 122_304

    def test_s2(self) -> None:
        s2 = self.r.layer("S2")
        assert s2.trainable_params == 6 * (1 + 1) == 12
        assert s2.connections == (2 * 2 + 1) * 6 * 14 * 14 == 5_880

    def test_c3(self) -> None:
        c3 = self.r.layer("C3")
        assert c3.trainable_params == 6 * (3 * 25 + 1) + 6 * (4 * 25 + 1) + 3 * (4 * 25 + 1) + (
            25 * 6 + 1
        )
        assert c3.trainable_params == 1_516
        assert c3.connections == 1516 * 10 * 10 == 151_600

    def test_s4(self) -> None:
        s4 = self.r.layer("S4")
        assert s4.trainable_params == 16 * (1 + 1) == 32
        assert s4.connections == 16 * (2 * 2 + 1) * 5 * 5 == 2_000

    def test_c5_and_f6(self) -> None:
        assert self.r.layer("C5").trainable_params == 120 * (16 * 5 * 5 + 1) == 48_120
        assert self.r.layer("C5").connections == 48_120 * 1 * 1
        assert self.r.layer("F6").trainable_params == 84 * (120 * (1 * 1) + 1) == 10_164
        assert self.r.layer("F6").connections == 10_164 * 1 * 1

    def test_totals(self) -> None:
        # "340,908 connections, but only 60,000 trainable free parameters".
        assert self.r.totals.trainable_params == 156 + 12 + 1516 + 32 + 48120 + 10164 == 60_000
        assert self.r.totals.connections == 122_304 + 5_880 + 151_600 + 2_000 + 48_120 + (
            10_164 + 84 * 10
        )
        assert self.r.totals.connections == 340_908
        # The RBF parameters are fixed by hand: non-trainable.
        assert self.r.totals.non_trainable_params == 84 * 10

    def test_flops_equal_connections_under_the_documents_convention(self) -> None:
        for layer in self.r:
            assert layer.flops == layer.connections, layer.name


POST_COLUMNS = ("可训练参数量", "计算量", "神经元数量", "连接数")
"""The columns of the table in 《卷积神经网络CNN与LeNet5详解》, as it names them."""

POST_TABLE: dict[str, tuple[int, int, int, int]] = {
    # layer: (可训练参数量, 计算量, 神经元数量, 连接数), each as the post computes it
    "C1": ((5 * 5 + 1) * 6, (5 * 5 + 1) * 6 * 28 * 28, (28 * 28) * 6, (5 * 5 + 1) * 6 * 28 * 28),
    "S2": ((1 + 1) * 6, (2 * 2 + 1) * 14 * 14 * 6, (14 * 14) * 6, (2 * 2 + 1) * ((14 * 14) * 6)),
    "C3": (
        (6 * 5 * 5 + 1) * 16, (6 * 5 * 5 + 1) * 16 * 10 * 10, 10 * 10 * 16,
        (6 * 5 * 5 + 1) * 16 * 10 * 10,
    ),
    "S4": ((1 + 1) * 16, (2 * 2 + 1) * 5 * 5 * 16, 5 * 5 * 16, (2 * 2 + 1) * 5 * 5 * 16),
    "C5": (
        (16 * 5 * 5 + 1) * 120, (16 * 5 * 5 + 1) * 1 * 1 * 120, 1 * 1 * 120,
        (16 * 5 * 5 + 1) * 1 * 1 * 120,
    ),
    "F6": ((120 + 1) * 84, (120 + 1) * 84, 84, (120 + 1) * 84),
}  # fmt: skip
"""Every per-layer number of 《卷积神经网络CNN与LeNet5详解》 (LeNet-5 with a full C3), by
layer of ``specs/lenet5-full-c3.yaml``: the Chinese report's test reads them too."""


class TestLeNet5FullC3Post:
    """《卷积神经网络CNN与LeNet5详解》: 可训练参数量, 计算量, 神经元数量, 连接数 for each layer."""

    r = report("lenet5-full-c3.yaml")

    @pytest.mark.parametrize("name", POST_TABLE)
    def test_the_posts_numbers(self, name: str) -> None:
        layer = self.r.layer(name)
        counts = (layer.trainable_params, layer.flops, layer.neurons, layer.connections)
        assert counts == POST_TABLE[name]

    def test_shapes(self) -> None:
        assert self.r.layer("C1").output_shape == (6, 32 - 5 + 1, 32 - 5 + 1)
        assert self.r.layer("S2").output_shape == (6, 14, 14)
        assert self.r.layer("C3").output_shape == (16, 14 - 5 + 1, 14 - 5 + 1)
        assert self.r.layer("C1").trainable_params == (5 * 5) * 6 + 6
        assert self.r.layer("C3").trainable_params == 2_416

    def test_general_formulas(self) -> None:
        """计算公式: conv m = n-k+1, params (a·k·k+1)·b, ops (a·k·k+1)·b·m·m;
        pooling params (1+1)·a, ops (k·k+1)·m·m·a."""
        a, k, b, n = 6, 5, 16, 14
        m = n - k + 1
        c3 = self.r.layer("C3")
        assert c3.trainable_params == (a * k * k + 1) * b
        assert c3.flops == (a * k * k + 1) * b * m * m
        assert c3.neurons == m * m * b
        s4 = self.r.layer("S4")
        a, k, m = 16, 2, 5
        assert s4.trainable_params == (1 + 1) * a
        assert s4.flops == (k * k + 1) * (m * m * a)


class TestLeNet5ModernSlides:
    """《LeNet卷积神经网络详解》: the torch.nn LeNet-5 with max pooling and a full C3."""

    r = report("lenet5-modern.yaml")

    def test_layers(self) -> None:
        assert self.r.layer("c1").trainable_params == (5 * 5 + 1) * 6
        assert self.r.layer("c1").neurons == 28 * 28 * 6
        assert self.r.layer("s2").output_shape == (6, 28 // 2, 28 // 2)
        assert self.r.layer("s2").neurons == 14 * 14 * 6
        assert self.r.layer("c3").trainable_params == (6 * 5 * 5 + 1) * 16 == 2_416
        assert self.r.layer("s4").neurons == 5 * 5 * 16 == 400
        assert self.r.layer("c5").trainable_params == (16 * 5 * 5 + 1) * 120 == 48_120
        assert self.r.layer("f6").trainable_params == 84 * (120 + 1) == 10_164
        assert self.r.layer("f7").trainable_params == 84 * 10 + 10 == 850

    def test_s2_connection_count_of_the_text(self) -> None:
        # The slides' 连接数 (2*2+1)*6*14*14 is the paper's subsampling count: cnncalc
        # gives it as the documents' operation count; a max pool's own connections
        # have no bias term.
        s2 = self.r.layer("s2")
        assert s2.flops == (2 * 2 + 1) * 6 * 14 * 14 == 5_880
        assert s2.connections == 2 * 2 * 6 * 14 * 14

    def test_total(self) -> None:
        assert self.r.totals.trainable_params == 156 + 2416 + 48120 + 10164 + 850 == 61_706

    def test_the_28_by_28_image_of_its_recognition_does_not_fit(self) -> None:
        # recognition() resizes the image to 28×28: 28 → 24 → 12 → 8 → 4, and c5 is 5×5.
        data = yaml.safe_load((SPECS / "lenet5-modern.yaml").read_text(encoding="utf-8"))
        data["input"] = [1, 28, 28]
        del data["expect"]
        with pytest.raises(cnncalc.SpecError) as raised:
            cnncalc.analyze(data)
        assert str(raised.value) == (
            "<spec>: layer 7 'c5' (conv2d): field 'kernel': "
            "kernel 5 is larger than its padded input 4"
        )


class TestKerasMnistNotes:
    """《第五章 深度学习用于计算机视觉(一)》: both model.summary() tables."""

    def test_convolutional_base(self) -> None:
        r = report("keras-mnist-convbase.yaml")
        assert [layer.params for layer in r] == [
            (9 * 1 + 1) * 32, 0, (9 * 32 + 1) * 64, 0, (9 * 64 + 1) * 64,
        ]  # fmt: skip
        assert [layer.output_shape for layer in r] == [
            (32, 26, 26), (32, 13, 13), (64, 11, 11), (64, 5, 5), (64, 3, 3),
        ]  # fmt: skip
        assert r.totals.params == r.totals.trainable_params == 55_744
        assert r.totals.non_trainable_params == 0

    def test_with_classifier(self) -> None:
        r = report("keras-mnist.yaml")
        assert r.layer("flatten_1").output_shape == (3 * 3 * 64,)  # the text's "3×3×32" is a slip
        assert r.layer("dense_1").params == (576 + 1) * 64 == 36_928
        assert r.layer("dense_2").params == (64 + 1) * 10 == 650
        assert r.totals.params == r.totals.trainable_params == 93_322


class TestAlexNetPost:
    """《经典网络(四)AlexNet全解析》: the printed shapes and parameters of its nn.Sequential."""

    r = report("alexnet.yaml")

    def test_shapes_as_torch_prints_them(self) -> None:
        shapes = [layer.output_shape for layer in self.r if layer.type != "lrn"]
        assert shapes == [
            (96, 55, 55), (96, 55, 55), (96, 27, 27),
            (256, 27, 27), (256, 27, 27), (256, 13, 13),
            (384, 13, 13), (384, 13, 13), (384, 13, 13), (384, 13, 13),
            (256, 13, 13), (256, 13, 13), (256, 6, 6),
            (9216,), (4096,), (4096,), (1000,),
        ]  # fmt: skip

    def test_text_arithmetic(self) -> None:
        assert self.r.layer("conv1").output_shape[1] == (227 - 11) // 4 + 1 == 55
        assert self.r.layer("pool1").output_shape[1] == (55 - 3) // 2 + 1 == 27
        assert self.r.layer("conv2").output_shape[1] == (27 - 5 + 2 * 2) // 1 + 1 == 27
        assert self.r.layer("pool2").output_shape[1] == (27 - 3) // 2 + 1 == 13
        assert self.r.layer("conv3").output_shape[1] == (13 - 3 + 2 * 1) + 1 == 13
        # The text writes (13-3)/2+1 = 5; it is 6, as its own torch output shows.
        assert self.r.layer("pool3").output_shape[1] == (13 - 3) // 2 + 1 == 6
        assert self.r.layer("flatten").output_shape == (6 * 6 * 256,)

    def test_parameters(self) -> None:
        params = [layer.params for layer in self.r if layer.params]
        assert params == [
            96 * 3 * 11 * 11 + 96, 256 * 96 * 5 * 5 + 256, 384 * 256 * 3 * 3 + 384,
            384 * 384 * 3 * 3 + 384, 256 * 384 * 3 * 3 + 256,
            4096 * 9216 + 4096, 4096 * 4096 + 4096, 1000 * 4096 + 1000,
        ]  # fmt: skip
        assert params == [34944, 614656, 885120, 1327488, 884992, 37752832, 16781312, 4097000]
        assert self.r.totals.params == 62_378_344

    def test_macs_match_torch_flop_counter(self) -> None:
        # torch 2.13 FlopCounterMode on this net, halved (measured live).
        assert self.r.totals.macs == 1_135_256_096
        assert report("alexnet.yaml", "flops").totals.flops == 2 * 1_135_256_096


class TestKeras3ConvPost:
    """《卷积层改变维度,梯度卷积核》: 卷积层参数数 and 全连接层参数个数."""

    r = report("keras-mnist-3conv.yaml")

    def test_parameters(self) -> None:
        assert self.r.layer("conv2d_1").params == (3 * 3 * 1 + 1) * 32 == 320
        assert self.r.layer("conv2d_2").params == (3 * 3 * 32 + 1) * 64 == 18_496
        assert self.r.layer("conv2d_3").params == (3 * 3 * 64 + 1) * 128 == 73_856
        assert self.r.layer("dense_1").params == (128 + 1) * 64 == 8_256
        assert self.r.layer("dense_2").params == (64 + 1) * 10 == 650
        assert self.r.totals.params == 320 + 18_496 + 73_856 + 8_256 + 650


# -- docs/sources.md: every document cited, by title ------------------------------------------

TITLE = re.compile(r"《([^》\n]+)》|(LeCun et al\.,? 1998)")
# How a source document must never be cited: by its number in a collection, or by a path
# into the collection (the documents are cited by title).
NUMBERED = re.compile(r"\bseeds?[ _-]?0\d\d\b|\.\./shared|shared/seeds|\bseeds/", re.IGNORECASE)


def cited(text: str) -> set[str]:
    """The document titles a text cites: 《…》 titles and the paper."""
    return {(book or paper).replace("al.,", "al.") for book, paper in TITLE.findall(text)}


def user_facing_files() -> list[Path]:
    """Specs, READMEs, docs, cnncalc's sources and catalogs, and the rendered goldens."""
    files = [*SPECS.glob("*.yaml"), *ROOT.glob("README*.md")]
    for folder in ("docs", "cnncalc", "tests/golden"):
        files += [path for path in (ROOT / folder).rglob("*") if path.is_file()]
    return [path for path in files if path.suffix not in {".png", ".mo", ".pyc"}]


def test_sources_names_every_document_the_specs_and_code_cite() -> None:
    listed = SOURCES.read_text(encoding="utf-8")
    headings = {line[3:].strip() for line in listed.splitlines() if line.startswith("## ")}
    citing = [*SPECS.glob("*.yaml"), ROOT / "README.md", *(ROOT / "cnncalc").rglob("*.py")]
    titles = {title for path in citing for title in cited(path.read_text(encoding="utf-8"))}
    assert len(titles) >= 6  # the paper and the five documents, at least
    for title in titles:
        assert f"《{title}》" in headings or title in headings, f"docs/sources.md lacks {title}"
    # And no entry for a document nothing cites any more.
    in_specs = {t for path in SPECS.glob("*.yaml") for t in cited(path.read_text(encoding="utf-8"))}
    assert {cited(heading).pop() for heading in headings} == in_specs


def test_sources_names_every_spec_that_reproduces_a_document() -> None:
    listed = SOURCES.read_text(encoding="utf-8")
    for path in SPECS.glob("*.yaml"):
        if cited(cnncalc.load(path).source or ""):
            assert f"`{path.name}`" in listed, path.name


def test_the_files_and_tests_sources_points_to_exist() -> None:
    listed = SOURCES.read_text(encoding="utf-8")
    for name in re.findall(r"`([\w.-]+\.yaml)`", listed):
        assert (SPECS / name).is_file(), name
    for path in re.findall(r"`(tests/[\w/.-]+\.(?:py|json))", listed):
        assert (ROOT / path).is_file(), path
    named = re.findall(r"`(tests/[\w/]+\.py)?::(\w+)`", listed)
    assert named
    for path, test in named:
        source = (ROOT / (path or "tests/test_documents.py")).read_text(encoding="utf-8")
        assert re.search(rf"^\s*(class|def) {test}\b", source, re.MULTILINE), (path, test)


def test_no_user_facing_file_cites_a_document_by_number_or_path() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in user_facing_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if NUMBERED.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "line",
    ["as in seed 000", "Seed 003's AlexNet", "seeds/001_x.txt", "see ../shared/", "SEED_002"],
)
def test_the_guard_catches_a_numbered_citation(line: str) -> None:
    assert NUMBERED.search(line)


@pytest.mark.parametrize("line", ["--seed 2028", "seeds 2028 and 2029", "a seeded rng"])
def test_the_guard_lets_random_seeds_be(line: str) -> None:
    assert not NUMBERED.search(line)
