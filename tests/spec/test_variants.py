"""A spec's own parameters, and its variants: one file, a family of networks."""

from __future__ import annotations

from pathlib import Path

import pytest

import cnncalc
from cnncalc.errors import SpecError
from cnncalc.spec import read_spec_text

FAMILY = """\
model: tiny
name: tiny
input: [3, 32, 32]
params: {width: 8, blocks: 2, deep: false}
blocks:
  unit:
    params: {filters: 8, stride: 1}
    layers:
      - {name: conv, type: conv2d, filters: filters, kernel: 3, stride: stride, padding: 1}
      - {name: relu, type: relu}
layers:
  - {name: stem, type: conv2d, filters: 2*width, kernel: 3, padding: 1}
  - {name: body, block: unit, repeat: blocks, filters: 2*width, first: {stride: blocks}}
  - {name: extra, type: conv2d, filters: width, kernel: 1, when: deep}
  - {name: pool, type: global_avgpool}
  - {name: fc, type: dense, units: 10}
expect:
  total: {params: 5258}                # 448 + 2·2,320 + 170
variants:
  tiny-deep:
    name: tiny, deep
    params: {deep: true, blocks: 3}
    expect:
      extra: {params: 136}
  tiny-wide:
    params: {width: 16}
    input: [3, 16, 16]
"""


def layers_of(variant: str | None) -> list[tuple[str, int, tuple[int, ...]]]:
    report = cnncalc.analyze(read_spec_text(FAMILY, "family.yaml", variant))
    return [(layer.name, layer.params, layer.output_shape) for layer in report]


def test_the_spec_as_written_is_its_model_with_its_parameters() -> None:
    spec = read_spec_text(FAMILY, "family.yaml")
    assert (spec.model, spec.name, list(spec.variants)) == (
        "tiny", "tiny", ["tiny-deep", "tiny-wide"],
    )  # fmt: skip
    # stem (3·9 + 1)·16 = 448; body.0 stride 2 (first: {stride: blocks}), (16·9 + 1)·16 = 2,320
    assert layers_of(None) == [
        ("stem", 448, (16, 32, 32)),
        ("body.0.conv", 2320, (16, 16, 16)),
        ("body.0.relu", 0, (16, 16, 16)),
        ("body.1.conv", 2320, (16, 16, 16)),
        ("body.1.relu", 0, (16, 16, 16)),
        ("pool", 0, (16,)),
        ("fc", 170, (10,)),
    ]


def test_a_variant_takes_its_values_and_its_own_numbers() -> None:
    spec = read_spec_text(FAMILY, "family.yaml", "tiny-deep")
    assert (spec.model, spec.name, spec.variants, list(spec.expect)) == (
        "tiny-deep", "tiny, deep", {}, ["extra"],
    )  # fmt: skip
    names = [name for name, _params, _shape in layers_of("tiny-deep")]
    assert names == ["stem", "body.0.conv", "body.0.relu", "body.1.conv", "body.1.relu",
                     "body.2.conv", "body.2.relu", "extra", "pool", "fc"]  # fmt: skip
    assert layers_of("tiny-deep")[1][2] == (16, 11, 11)  # first: {stride: 3}
    wide = read_spec_text(FAMILY, "family.yaml", "tiny-wide")
    assert (wide.name, wide.input, wide.expect) == ("tiny", (3, 16, 16), {})
    assert layers_of("tiny-wide")[0] == ("stem", 896, (32, 16, 16))


def test_check_reads_each_variants_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cnncalc.cli import main

    path = tmp_path / "family.yaml"
    path.write_text(FAMILY, encoding="utf-8")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out == (
        f"{path}: all 1 expected numbers match\n"
        f"{path} [tiny-deep]: all 1 expected numbers match\n"
        f"{path} [tiny-wide]: no 'expect' block: nothing to check\n"
    )


@pytest.mark.parametrize(
    ("variant", "edit", "message"),
    [
        (
            "tiny-dep",
            None,
            "family.yaml:19: field 'variants': no variant is named 'tiny-dep' "
            "(did you mean 'tiny-deep'?) (variants: tiny-deep, tiny-wide)",
        ),
        (
            None,
            ("{deep: true, blocks: 3}", "{deep: true, block: 3}"),
            "family.yaml:22: field 'variants.tiny-deep.params.block': the spec has no parameter "
            "'block' (did you mean 'blocks'?)",
        ),
        (
            "tiny-deep",
            ("extra: {params: 136}", "extr: {params: 136}"),
            "family.yaml:24: field 'variants.tiny-deep.expect.extr': no layer or block instance "
            "is named 'extr' (did you mean 'extra'?)",
        ),
        (
            None,
            ("when: deep}", "when: dep}"),
            "family.yaml:14: layer 3 'extra' (conv2d): field 'when': expected a boolean parameter, "
            "'not' one, true or false, got 'dep'",
        ),
        (
            None,
            ("params: {width: 8,", "params: {width: 8.5,"),
            "family.yaml:4: field 'params.width': expected true, false, an integer or a formula, "
            "got 8.5",
        ),
        (
            None,
            ("  tiny-wide:", "  tiny:"),
            "family.yaml:25: field 'variants.tiny': 'tiny' is the spec's own model; a variant "
            "needs another name",
        ),
    ],
)
def test_a_mistake_in_a_variant_is_located_in_its_entry(
    variant: str | None, edit: tuple[str, str] | None, message: str
) -> None:
    text = FAMILY if edit is None else FAMILY.replace(*edit)
    with pytest.raises(SpecError) as caught:
        read_spec_text(text, "family.yaml", variant)
    assert str(caught.value) == message


SYMBOLIC = """\
model: sym
name: sym
input: [3, n, n]
layers:
  - {name: conv, type: conv2d, filters: int(16*a), kernel: 3, stride: 2, padding: 1}
  - {name: pool, type: global_avgpool}
values: {a: 1, n: 32}
expect:
  total: {params: 448}                 # (27 + 1)·16
variants:
  sym-half:
    values: {a: 1/2}
    expect:
      conv: {params: 224, output_shape: [8, 16, 16]}
  sym-half-8:
    values: {a: 0.5, n: 8}
    expect:
      conv: {output_shape: [8, 4, 4], macs: 3456}   # 27·8·4·4
"""


def test_a_variant_of_a_symbolic_spec_gives_values_over_the_specs() -> None:
    from fractions import Fraction

    half = read_spec_text(SYMBOLIC, "sym.yaml", "sym-half")
    assert half.values == {"a": Fraction(1, 2), "n": 32}  # n kept from the spec's values
    small = read_spec_text(SYMBOLIC, "sym.yaml", "sym-half-8")
    assert small.values == {"a": Fraction(1, 2), "n": 8}
    report = cnncalc.api.at_values(small, cnncalc.analyze(small))
    assert (report.layer("conv").output_shape, report.totals.params) == ((8, 4, 4), 224)


def test_check_reads_each_variants_numbers_at_its_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cnncalc.cli import main

    path = tmp_path / "sym.yaml"
    path.write_text(SYMBOLIC, encoding="utf-8")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out == (
        f"{path}: all 1 expected numbers match\n"
        f"{path} [sym-half]: all 2 expected numbers match\n"
        f"{path} [sym-half-8]: all 2 expected numbers match\n"
    )


def test_a_variants_value_for_no_symbol_is_located_in_its_entry() -> None:
    text = SYMBOLIC.replace("values: {a: 1/2}", "values: {b: 1/2}")
    with pytest.raises(SpecError) as caught:
        read_spec_text(text, "sym.yaml", "sym-half")
    assert str(caught.value) == (
        "sym.yaml:12: field 'variants.sym-half.values.b': no size symbol of this spec is "
        "named 'b' (symbols: a, n)"
    )


DEEPER = """\
params: {d: 1}
input: [3, 8, 8]
blocks:
  unit:
    layers:
      - {name: conv, type: conv2d, filters: 3, kernel: 1}
layers:
  - {name: body, block: unit, repeat: "ceil(3*d)"}
variants:
  deeper: {params: {d: "1.2"}}
  half: {params: {d: "1/2"}}
"""


@pytest.mark.parametrize(("variant", "repeats"), [(None, 3), ("deeper", 4), ("half", 2)])
def test_repeat_is_a_formula_of_the_params(variant: str | None, repeats: int) -> None:
    # EfficientNet's depth coefficient: ceil(3·1.2) = 4 blocks, ceil(3/2) = 2.
    report = cnncalc.analyze(read_spec_text(DEEPER, "deeper.yaml", variant))
    assert [layer.name for layer in report] == [f"body.{i}.conv" for i in range(repeats)]


def test_a_repeat_formula_that_is_not_whole_is_refused() -> None:
    text = DEEPER.replace('repeat: "ceil(3*d)"', 'repeat: "3*d"')
    with pytest.raises(SpecError) as caught:
        read_spec_text(text, "deeper.yaml", "half")
    assert str(caught.value) == (
        "deeper.yaml:8: layer 1 'body': field 'repeat': 3*d is 3/2, not a whole number of "
        "repetitions: round it with ceil(), floor(), round() or int()"
    )
