"""The YAML loader: plain data only, YAML 1.2 scalars, bounded, and lines for errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncalc.errors import SpecError
from cnncalc.spec import source
from cnncalc.spec.source import MAX_DEPTH, SourceMap, decode, load_yaml


def load(text: str) -> object:
    return load_yaml(text, "t.yaml")


def test_yaml_1_2_scalars() -> None:
    data = load("a: yes\nb: on\nc: NO\nd: 017\ne: 1:30\nf: 0x1f\ng: 0o17\nh: true\ni: 1e3\nj: ~\n")
    assert data == {
        "a": "yes", "b": "on", "c": "NO", "d": 17, "e": "1:30", "f": 31, "g": 15,
        "h": True, "i": 1000.0, "j": None,
    }  # fmt: skip


def test_exact_big_integers() -> None:
    assert load("k: " + "9" * 200) == {"k": int("9" * 200)}


def test_merge_keys_work_and_explicit_keys_win() -> None:
    data = load("base: &b {type: conv2d, kernel: 3}\nl: {<<: *b, kernel: 5}\n")
    assert data == {"base": {"type": "conv2d", "kernel": 3}, "l": {"type": "conv2d", "kernel": 5}}


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['touch /tmp/cnncalc-pwned']\n",
        "a: !!python/object/new:os.system ['touch /tmp/cnncalc-pwned']\n",
        "a: !!python/name:os.system\n",
        "a: !!python/module:os\n",
        "a: !!python/object:os.system {}\n",
        "a: !!python/object/apply:subprocess.Popen {args: [[touch, /tmp/cnncalc-pwned]]}\n",
        "a: !!python/object/new:type {args: [x, [], {}]}\n",
        "a: !!python/tuple [1, 2]\n",
        "a: !!python/list [1]\n",
        "a: !!python/dict {b: 1}\n",
        "a: !!python/str x\n",
        "a: !!python/unicode x\n",
        "a: !!python/bytes aGVsbG8=\n",
        "a: !!python/int 1\n",
        "a: !!python/long 1\n",
        "a: !!python/float 1.0\n",
        "a: !!python/complex 1+2j\n",
        "a: !!python/bool true\n",
        "a: !!python/none ''\n",
        "? !!python/name:os.system\n: 1\n",
        "a: !<tag:yaml.org,2002:python/object/apply:os.system> ['touch /tmp/cnncalc-pwned']\n",
        "%TAG !p! tag:yaml.org,2002:python/object/apply:\n---\na: !p!os.system [x]\n",
        "a: !!set {b}\n",
        "a: !!pairs [{b: 1}]\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!timestamp 2001-12-14\n",
        "a: !!omap [{a: 1}]\n",
        "a: !custom x\n",
    ],
)
def test_no_tag_constructs_objects(text: str) -> None:
    # Every constructor PyYAML's full and unsafe loaders know, in each tag syntax
    # (shorthand, verbatim, %TAG-defined, on a key); cnncalc does not use ruamel.
    with pytest.raises(SpecError, match="is not allowed: a spec holds plain data only"):
        load(text)
    assert not Path("/tmp/cnncalc-pwned").exists()


def test_alias_bomb_fails_fast() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 12):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 10) + "]")
    # 10**12 values once expanded: refused from the shared nodes, never walked
    # (bench/run.py times it beside the other bad inputs).
    with pytest.raises(SpecError, match="alias bomb"):
        load("\n".join(lines))


def test_a_document_of_too_many_values_stops_while_composing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real bound is 1,000,000; the rule is the same at 100.
    monkeypatch.setattr(source, "MAX_NODES", 100)
    text = "layers:\n" + "  - {type: relu}\n" * 60
    with pytest.raises(
        SpecError, match="holds more than 100 values: a spec needs far fewer"
    ) as error:
        load(text)
    assert error.value.line == 34  # the 101st value (layer 33's key), not the end of the file
    assert load("layers:\n" + "  - {type: relu}\n" * 30) == {"layers": [{"type": "relu"}] * 30}


def test_shared_aliases_within_the_bound_load() -> None:
    assert load("a: &a [1, 2]\nb: [*a, *a]\n") == {"a": [1, 2], "b": [[1, 2], [1, 2]]}


@pytest.mark.parametrize("text", ["[" * 50_000 + "]" * 50_000, "- " * 50_000 + "x"])
def test_deep_nesting_is_rejected_without_crashing(text: str) -> None:
    # libyaml's own composer segfaults near 25,000 levels; this one counts.
    with pytest.raises(SpecError, match=f"nesting deeper than {MAX_DEPTH} levels"):
        load(text)


def test_duplicate_keys_are_an_error() -> None:
    with pytest.raises(SpecError, match="duplicate key 'a' \\(first given on line 1\\)") as error:
        load("a: 1\nb: 2\na: 3\n")
    assert error.value.line == 3


def test_byte_order_mark_is_accepted() -> None:
    assert decode("\ufeffa: 1\n".encode(), "t.yaml") == "a: 1\n"


def test_non_utf8_is_located() -> None:
    with pytest.raises(SpecError, match="byte 0xe9 is not UTF-8") as error:
        decode(b"a: 1\nb: caf\xe9\n", "t.yaml")
    assert error.value.line == 2


def test_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNNCALC_MAX_SPEC_BYTES", "100")
    with pytest.raises(SpecError, match="over the 100-byte limit"):
        decode(b"#" * 101, "t.yaml")


def test_source_map_finds_keys_items_and_merged_keys() -> None:
    text = (
        "name: x\n"
        "base: &b {type: conv2d, kernel: 3}\n"
        "layers:\n"
        "  - {type: relu}\n"
        "  - <<: *b\n"
        "    filters: 4\n"
    )
    lines = SourceMap("t.yaml", text)
    assert lines.line_of(("name",)) == 1
    assert lines.line_of(("layers", 1)) == 5
    assert lines.line_of(("layers", 1, "filters")) == 6
    assert lines.line_of(("layers", 1, "kernel")) == 2  # merged from the anchor
    assert lines.line_of(("layers", 1, "missing")) == 5  # the deepest node found


@pytest.mark.parametrize(
    "digits", ["9" * 4001, "0x" + "f" * 3323, "0o" + "7" * 4430, "-" + "9" * 4001]
)
def test_integers_of_more_than_4000_digits_are_refused(digits: str) -> None:
    # 3,323 hex digits are 4,001 decimal ones; Python cannot print more than 4,300.
    with pytest.raises(SpecError, match="integer too large: more than 4,000 digits") as error:
        load(f"a: 1\nk: {digits}\n")
    assert error.value.line == 2


def test_integers_of_4000_digits_load_exactly() -> None:
    assert load("k: " + "9" * 4000) == {"k": 10**4000 - 1}
    assert load("k: 0x" + "f" * 3321) == {"k": 16**3321 - 1}


def test_merge_key_chains_are_bounded() -> None:
    chain = "".join(f"a{i}: &a{i}\n  <<: *a{i - 1}\n" for i in range(1, 66))
    with pytest.raises(SpecError, match=r"merge keys \('<<'\) chained deeper than 64 levels"):
        load("a0: &a0 {type: relu}\n" + chain)
    within = "".join(f"a{i}: &a{i}\n  <<: *a{i - 1}\n" for i in range(1, 64))
    assert load("a0: &a0 {type: relu}\n" + within)["a63"] == {"type": "relu"}  # type: ignore[index]


def test_source_map_follows_long_merge_chains_without_recursion() -> None:
    # The line lookup is iterative: a chain far deeper than Python's recursion limit
    # (the loader refuses it, but a SourceMap may be given any text).
    chain = "".join(f"a{i}: &a{i}\n  <<: *a{i - 1}\n" for i in range(1, 3000))
    text = "a0: &a0 {type: relu}\n" + chain + "layers:\n  - <<: *a2999\n"
    lines = SourceMap("t.yaml", text)
    assert lines.line_of(("layers", 0, "type")) == 1  # found at the end of the chain
    assert lines.line_of(("layers", 0, "missing")) == 6001


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_size_limit_variable_is_the_default(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CNNCALC_MAX_SPEC_BYTES", value)
    assert source.max_bytes() == 16 * 1024 * 1024
