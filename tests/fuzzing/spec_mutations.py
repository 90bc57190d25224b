"""Specs mutated from valid ones: as data, as YAML tokens, and as bytes.

Three generators, each ``(rng) -> SpecInput``:

- :func:`shipped`: one to three structural changes to a seed's data (a key
  deleted, retyped, duplicated, misspelt; a subtree where a scalar was);
- :func:`tokens`: one to four changes to a seed's YAML text, token by token:
  a number replaced by a huge, negative, zero, hex, octal, float or
  Unicode-digit one; a name by a hostile one; a size by a formula that can
  explode or vanish; merge keys chained deep; anchors and aliases; ``values:``
  naming unknown symbols; ``expect`` values of the wrong type; NaN and
  infinities for LRN; blocks repeated 200,000 times;
- :func:`byte_level`: a seed's bytes with bytes flipped, inserted, cut or re-encoded.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from tests.fuzzing import vocabulary
from tests.fuzzing.templates import SEEDS

KEYS = ["type", "name", "filters", "kernel", "stride", "padding", "dilation", "groups", "bias",
        "units", "input", "inputs", "connections", "activation", "rate", "ceil_mode", "block",
        "repeat", "first", "when", "output_size", "scale", "framework", "size", "filers",
        "kernal", "layer", "expect", "values", "convention", "blocks", "params", "<<",
        "alpha", "beta", "k", "mode", "over", "affine", "keepdims", "trainable"]  # fmt: skip
"""Keys a mutation may add or rename to: real ones, misspelt ones, the merge key."""

TEXT_INJECTIONS = [
    "\t- {type: relu}\n",
    "bad: !!python/object/apply:os.system ['echo pwned']\n",
    "bad: !!python/name:os.system\n",
    "bad: !!binary aGVsbG8=\n",
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
    "deep: " + "[" * 3000 + "]" * 3000 + "\n",
    "deep: " + "{a: " * 200 + "1" + "}" * 200 + "\n",
    "input: [1, 2, 3]\n",
    "layers: *undefined\n",
    "loop: &loop [1, *loop]\n",
    "loop: &loop {a: *loop}\n",
    "{unclosed: [1, 2\n",
    "key: 'unterminated\n",
    "%YAML 1.1\n---\n",
    "--- !!map\n",
    "...\n",
]
"""YAML text a spec should never hold, inserted as whole lines."""


@dataclass(frozen=True)
class SpecInput:
    """A spec file's bytes, the layer names and symbols of the spec it came from, and how."""

    raw: bytes
    layers: tuple[str, ...]
    symbols: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Seed:
    name: str
    text: str
    layers: tuple[str, ...]
    symbols: tuple[str, ...]


@cache
def seeds() -> tuple[Seed, ...]:
    """Every seed with its (expanded) layer names and symbols, from cnncalc's own analysis."""
    from cnncalc.api import analyze, loads

    found = []
    for name, text in SEEDS.items():
        report = analyze(loads(text))
        layers = tuple(layer.name for layer in report.layers)
        found.append(Seed(name, text, layers, tuple(sorted(report.symbols))))
    return tuple(found)


# -- structural mutations of the data ---------------------------------------------------------


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in a plain-data tree."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def hostile_value(rng: random.Random) -> Any:
    """A value for any field: a hostile size, formula or name."""
    roll = rng.random()
    if roll < 0.6:
        return copy.deepcopy(rng.choice(vocabulary.SIZE_VALUES))
    if roll < 0.8:
        return vocabulary.size_formula(rng)
    return vocabulary.hostile_name(rng)


def mutate_data(data: Any, rng: random.Random) -> Any:
    """One structural change: delete, retype, duplicate, swap, misspell or add a key."""
    candidates = [p for p in paths(data) if p]
    if not candidates:
        return hostile_value(rng)
    path = rng.choice(candidates)
    parent = _parent(data, path)
    key = path[-1]
    operation = rng.randrange(7)
    # Copies throughout: shared objects, mutated later, would make the data cyclic.
    if operation == 0:  # delete
        del parent[key]
    elif operation == 1:  # retype
        parent[key] = hostile_value(rng)
    elif operation == 2 and isinstance(parent, list):  # duplicate an item
        parent.insert(key, copy.deepcopy(parent[key]))
    elif operation == 3 and isinstance(parent, list) and len(parent) > 1:  # swap items
        other = rng.randrange(len(parent))
        parent[key], parent[other] = parent[other], parent[key]
    elif operation == 4 and isinstance(parent, dict):  # misspell or invent a key
        value = parent.pop(key)
        parent[rng.choice(KEYS) if rng.random() < 0.5 else f"{key}x"] = value
    elif operation == 5 and key == "name":  # a hostile name
        parent[key] = vocabulary.hostile_name(rng)
    else:  # put a small subtree where a scalar was
        subtrees = [[hostile_value(rng)], {rng.choice(KEYS): hostile_value(rng)}]
        parent[key] = rng.choice(subtrees)
    return data


def dump(data: Any, rng: random.Random) -> str:
    """Data as YAML (block or flow style) or as JSON, which cnncalc reads as well."""
    if rng.random() < 0.2:
        return json.dumps(data, default=str)
    try:
        return yaml.safe_dump(
            data,
            sort_keys=False,
            allow_unicode=rng.random() < 0.5,
            width=200,
            default_flow_style=rng.choice([False, None]),
        )
    except (yaml.YAMLError, ValueError):  # a value past the digit limit: JSON writes it
        return json.dumps(data, default=str)


def layer_names(data: Any) -> tuple[str, ...]:
    """The names in a spec's top-level layers (what ``explain`` may be asked about)."""
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list):
        return ()
    names = (layer.get("name") for layer in layers if isinstance(layer, dict))
    return tuple(name for name in names if isinstance(name, str))


def shipped(rng: random.Random) -> SpecInput:
    """A seed's data with one to three structural changes, as YAML or JSON."""
    seed = rng.choice(seeds())
    data = yaml.safe_load(seed.text)
    for _ in range(rng.randint(1, 3)):
        data = mutate_data(data, rng)
    text = dump(data, rng)
    if rng.random() < 0.2:
        text = inject_line(text, rng)
    raw = text.encode("utf-8", errors="surrogatepass")
    return SpecInput(raw, layer_names(data) or seed.layers, seed.symbols, f"shipped {seed.name}")


def inject_line(text: str, rng: random.Random) -> str:
    """A line a spec should never hold, a duplicated line, a truncation or a tab indent."""
    lines = text.splitlines(keepends=True) or [""]
    at = rng.randrange(len(lines) + 1)
    operation = rng.randrange(4)
    if operation == 0:
        lines.insert(at, rng.choice(TEXT_INJECTIONS))
    elif operation == 1:  # a duplicate line: often a duplicate key
        lines.insert(at, lines[min(at, len(lines) - 1)])
    elif operation == 2:  # truncation
        return text[: rng.randrange(len(text) + 1)]
    else:  # a tab where an indent was
        lines = [line.replace("  ", "\t", 1) if i == at else line for i, line in enumerate(lines)]
    return "".join(lines)


# -- token-level mutations of the YAML text ---------------------------------------------------

NUMBER = re.compile(r"(?<![\w.*&\"'])-?\d+(?![\w.\"'])")
NAME = re.compile(r"(\bname: )([^,}\n]+)")
SIZE = re.compile(
    r"(\b(?:filters|kernel|stride|padding|units|size|groups|output_size|scale|dilation|"
    r"output_padding|width|repeat|rate|m|n|k|c): )([^,}\n\]]+)"
)
LRN_FLOAT = re.compile(r"(\b(?:alpha|beta|k|rate): )([^,}\n]+)")


def quoted(text: str) -> str:
    """A YAML double-quoted scalar holding ``text`` (escapes for every control character)."""
    return json.dumps(text)


def replace_one(
    pattern: re.Pattern[str], text: str, rng: random.Random, new: Callable[[re.Match[str]], str]
) -> str:
    """``text`` with one match of ``pattern`` (drawn at random) replaced by ``new(match)``."""
    matches = list(pattern.finditer(text))
    if not matches:
        return text
    match = rng.choice(matches)
    return text[: match.start()] + new(match) + text[match.end() :]


def merge_chain(rng: random.Random) -> str:
    """Layers built by YAML merge keys, each merging the one before (and now and then two)."""
    depth = rng.choice(vocabulary.sizes.chains)
    double = rng.random() < 0.2
    lines = ["  - &m0 {type: relu, name: m0}\n"]
    for i in range(1, depth):
        merged = f"[*m{i - 1}, *m{max(i - 2, 0)}]" if double else f"*m{i - 1}"
        lines.append(f"  - &m{i} {{<<: {merged}, name: m{i}}}\n")
    return "".join(lines)


def after_key(text: str, key: str, insert: str) -> str:
    """``insert`` after the line ``key:`` (at the top level), or appended with the key."""
    marker = f"\n{key}:\n"
    if marker in text:
        return text.replace(marker, marker + insert, 1)
    if text.startswith(f"{key}:\n"):
        return text.replace(f"{key}:\n", f"{key}:\n{insert}", 1)
    return text.rstrip("\n") + f"\n{key}:\n{insert}"


WRONG_EXPECTATIONS = [
    "params: [1, 2]", "output_shape: 5", "params: n n", "params: 1.5", "params: true",
    "macs: .nan", "params: -1", "params: '((2**8)**8)**8'", "flops: {a: 1}",
    "params: " + "9" * vocabulary.HUGE_DIGITS, "output_shape: [a, b, c]", "nope: 1",
    "output_shape: ['³²', 1, 1]", "connections: '-n'", "neurons: '1/0'",
]  # fmt: skip
"""``expect`` entries of the wrong type, out of range or past the limits."""


def number_token(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """A number replaced by a huge, negative, zero, hex, octal, float or Unicode-digit one."""
    token = rng.choice(vocabulary.NUMBER_TOKENS)
    return replace_one(NUMBER, text, rng, lambda m: token), f"number → {token[:20]}"


def name_token(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """A layer's (or the network's) name replaced by a hostile one, now and then a million
    characters long."""
    name = vocabulary.sizes.long_name if rng.random() < 0.02 else vocabulary.hostile_name(rng)
    new = replace_one(NAME, text, rng, lambda m: m[1] + quoted(name))
    return new, f"name → {name[:20]!r}"


def formula_token(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """A size replaced by a formula that can explode, vanish or go negative."""
    formula = vocabulary.size_formula(rng)
    return replace_one(SIZE, text, rng, lambda m: m[1] + quoted(formula)), f"size → {formula}"


def size_token(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """A size replaced by a hostile number token."""
    value = rng.choice(vocabulary.NUMBER_TOKENS)
    return replace_one(SIZE, text, rng, lambda m: m[1] + value), f"size → {value[:20]}"


def merge_keys(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """Layers built by YAML merge keys, chained deep."""
    return after_key(text, "layers", merge_chain(rng)), "merge-key chain"


def alias(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """An anchor on one size, and an alias to it from a later size."""
    matches = list(SIZE.finditer(text))
    if len(matches) < 2:
        return text, "no sizes to alias"
    first, later = sorted(rng.sample(matches, 2), key=lambda m: m.start())
    text = (
        text[: first.start()]
        + f"{first[1]}&s {first[2]}"
        + text[first.end() : later.start()]
        + f"{later[1]}*s"
        + text[later.end() :]
    )
    return text, "anchor and alias"


def values_entry(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """``values:`` naming an unknown symbol, or a known one at a hostile value."""
    symbol = rng.choice(["zz", "n", "k", "c", "m", "width", "in", "__class__", "n.k"])
    value = rng.choice(["3", "0", "-1", "'³²'", "9" * vocabulary.HUGE_DIGITS, "true", "1.5"])
    line = f"values: {{{symbol}: {value}}}\n"
    marker = re.compile(r"^values:.*\n", re.M)
    new = marker.sub(line, text) if marker.search(text) else text.rstrip("\n") + "\n" + line
    return new, f"values: {{{symbol}: {value[:20]}}}"


def expect_entry(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """An ``expect`` entry of the wrong type, out of range or past the limits."""
    target = rng.choice([*layers[:5], "total", "nope", "\x1b[31m"])
    entry = rng.choice(WRONG_EXPECTATIONS)
    return after_key(text, "expect", f"  {quoted(target)}: {{{entry}}}\n"), f"expect {entry[:30]}"


def lrn_float(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """NaN, an infinity or a huge number for LRN's alpha, beta or k (or dropout's rate)."""
    value = rng.choice([".nan", ".inf", "-.inf", "-1", "0", "1e400", "'x'", "9" * 5000])
    return replace_one(LRN_FLOAT, text, rng, lambda m: m[1] + value), f"float → {value[:10]}"


def repeat_count(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """A block repeated past the expansion limit, zero or a negative number of times."""
    count = str(rng.choice([*vocabulary.sizes.repeats, 0, -1, 10**30]))
    new = re.sub(r"repeat: \d+", f"repeat: {count}", text, count=1)
    return new, f"repeat: {count[:12]}"


def nested_blocks(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """Blocks nested nine deep (one past the limit), or a block that uses itself."""
    if rng.random() < 0.5:
        chain = "".join(f"  b{i}: {{layers: [{{block: b{i + 1}}}]}}\n" for i in range(9))
        blocks, instance = chain + "  b9: {layers: [{type: relu}]}\n", "  - {block: b0}\n"
    else:
        blocks, instance = "  loop: {layers: [{block: loop}]}\n", "  - {block: loop}\n"
    return after_key(after_key(text, "blocks", blocks), "layers", instance), "nested blocks"


def line(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """A line a spec should never hold, a duplicate line, a truncation or a tab."""
    return inject_line(text, rng), "line injected"


TokenMutation = Callable[[str, random.Random, tuple[str, ...]], tuple[str, str]]

TOKEN_MUTATIONS: list[tuple[TokenMutation, int]] = [
    (number_token, 4), (name_token, 6), (formula_token, 4), (size_token, 3), (merge_keys, 1),
    (alias, 1), (values_entry, 2), (expect_entry, 2), (lrn_float, 1), (repeat_count, 1),
    (nested_blocks, 1), (line, 1),
]  # fmt: skip
"""Each token-level mutation, and how often it is drawn (names and sizes most: they reach
the renderers and the arithmetic)."""


def mutate_tokens(text: str, rng: random.Random, layers: tuple[str, ...]) -> tuple[str, str]:
    """One token-level change to a spec's YAML text, and what it was."""
    mutations, weights = zip(*TOKEN_MUTATIONS, strict=True)
    mutation: TokenMutation = rng.choices(mutations, weights)[0]
    return mutation(text, rng, layers)


COMMENT_LINE = re.compile(r"^\s*#.*\n", re.M)


def tokens(rng: random.Random) -> SpecInput:
    """A seed's YAML text (comment lines dropped) with one to three token-level changes."""
    seed = rng.choice(seeds())
    text, notes = COMMENT_LINE.sub("", seed.text), []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        text, note = mutate_tokens(text, rng, seed.layers)
        notes.append(note)
    raw = text.encode("utf-8", errors="surrogatepass")
    layers = tuple(dict.fromkeys([*seed.layers, *names_in(text)]))
    return SpecInput(raw, layers, seed.symbols, f"tokens {seed.name}: " + "; ".join(notes))


def names_in(text: str) -> list[str]:
    """The ``name:`` values in YAML text, hostile (JSON-quoted) ones included."""
    found = []
    for match in NAME.finditer(text):
        value = match[2].strip()
        try:
            found.append(json.loads(value) if value.startswith('"') else value)
        except ValueError:
            continue
    return found


# -- byte-level mutations ---------------------------------------------------------------------

BYTES = [b"\x00", b"\xff", b"\xc3", b"\x80", b"\xc2\x85", b"\xef\xbb\xbf", b"\r", b"\x1b",
         b"\t", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x80\xa8", b"\x7f"]  # fmt: skip
"""Bytes that break UTF-8 or YAML: NUL, invalid or truncated sequences, a NEL, a BOM, CR,
ESC, an encoded surrogate, a code point past U+10FFFF, a line separator, DEL."""


def mutate_bytes(raw: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One byte-level change to a file, and what it was."""
    at = rng.randrange(len(raw) + 1)
    operation = rng.randrange(8)
    if operation == 0:
        return b"\xef\xbb\xbf" + raw, "BOM"
    if operation == 1:
        chosen = rng.choice(BYTES)
        return raw[:at] + chosen + raw[at:], f"insert {chosen!r}"
    if operation == 2 and raw:
        flipped = raw[at % len(raw)] ^ (1 << rng.randrange(8))
        return raw[: at % len(raw)] + bytes([flipped]) + raw[at % len(raw) + 1 :], "bit flip"
    if operation == 3:
        return raw[:at], "truncated"
    if operation == 4:
        return raw.decode("utf-8", errors="replace").encode(rng.choice(["utf-16", "utf-32"])), (
            "re-encoded"
        )
    if operation == 5:
        return raw.replace(b"\n", rng.choice([b"\r", b"\r\n", b"\x85"])), "line endings"
    if operation == 6:
        end = min(len(raw), at + rng.randint(1, 40))
        return raw[:at] + raw[at:end] * rng.choice([2, 100]) + raw[end:], "repeated run"
    return raw[:at] + raw[at + rng.randint(1, 20) :], "cut"


def byte_level(rng: random.Random) -> SpecInput:
    """A seed's bytes with one to three byte-level changes."""
    seed = rng.choice(seeds())
    raw, notes = seed.text.encode("utf-8"), []
    for _ in range(rng.randint(1, 3)):
        raw, note = mutate_bytes(raw, rng)
        notes.append(note)
    return SpecInput(raw, seed.layers, seed.symbols, f"bytes {seed.name}: " + "; ".join(notes))
