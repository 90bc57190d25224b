"""Networks generated from the spec format's JSON Schema by hypothesis-jsonschema.

The schema (``cnncalc schema``) says which fields each layer type has and what
kind of value each takes. Drawing from it as it is gives mostly random text
where sizes go, refused at the first field; so the schema is first *biased*:
every free integer becomes a choice of boundary values (0, negative, huge),
every free string a choice of formulas (exploding, vanishing, negative) and
hostile words, every float a choice of extremes. hypothesis-jsonschema then
draws each layer type's fields from its own definition (one strategy per
type: the whole document's schema is two orders of magnitude slower to draw
from), and :func:`networks` assembles layers, blocks, ``values`` and ``expect``
into a spec, naming layers plainly or with hostile names and wiring some of
them to earlier ones.
"""

from __future__ import annotations

import copy
import json
import random
from functools import cache
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from tests.fuzzing import vocabulary

GOOD_INTS = [1, 1, 2, 2, 3, 4, 8, 16]
GOOD_STRINGS = ["n", "k", "2*k", "n//2", "k + 1"]
GOOD_FLOATS = [0.5, 0.0001, 0.75, 2.0]
"""What the schema's free integers, strings and numbers are narrowed to: values that
usually fit, so that a network gets past validation to the arithmetic and the renderers."""

BOUNDARY_VALUES: list[object] = [
    0,
    -1,
    -2,
    2**31,
    2**63,
    10**30,
    10**300,
    1.5,
    float("nan"),
    float("inf"),
    -float("inf"),
    True,
    None,
    "n - n",
    "-n",
    "0*n",
    "n - 1",
    "k**8",
    "((2**8)**8)**8",
    "(n**8)**8",
    "2**8**8",
    "n**9",
    "n//(n - n)",
    "n / 2",
    "n % 2",
    "same",
    "full",
    "lenet5",
    "nearest",
    "³²",
    "٣٢",
    "",
    " ",
    "1e3",
    "0x10",
    "__import__('os')",
    "(" * 50 + "n" + ")" * 50,
    "9" * 190,
    [],
    [0, 0],
    [1, 2, 3],
    [[1, 2], [3, 4]],
]
"""Values put at one or two places of a drawn network: where sizes break (zero, negative,
past 64 bits, hundreds of digits, formulas that explode or vanish), other fields' keywords,
Unicode digits, code, floats where ints belong and NaN where floats do."""


def bias(node: Any) -> Any:
    """The schema with free integers, strings and numbers narrowed to usual values, and
    size lists to two entries ([height, width])."""
    if isinstance(node, list):
        return [bias(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "enum" in node or "const" in node or "$ref" in node:
        return node
    kind = node.get("type")
    if kind == "integer":
        return {"enum": GOOD_INTS}
    if kind == "string":
        return {"enum": GOOD_STRINGS}
    if kind == "number":
        return {"enum": GOOD_FLOATS}
    narrowed = {key: bias(value) for key, value in node.items()}
    if kind == "array" and "anyOf" in node.get("items", {}):
        narrowed.update(minItems=2, maxItems=2)
    return narrowed


@cache
def biased_schema() -> dict[str, Any]:
    """cnncalc's spec schema, biased; layers lose ``name``, ``input`` and ``inputs``
    (:func:`networks` sets those, so that some refer to layers that exist)."""
    from cnncalc.schema import spec_schema

    schema: dict[str, Any] = bias(copy.deepcopy(spec_schema()))
    for definition in schema["$defs"].values():
        for key in ("name", "input", "inputs"):
            definition.get("properties", {}).pop(key, None)
    return schema


def definition(name: str) -> st.SearchStrategy[Any]:
    """Values of one ``$defs`` entry of the biased schema."""
    schema = biased_schema()
    return from_schema({**schema["$defs"][name], "$defs": schema["$defs"]})


@cache
def definitions_by_type() -> dict[str, str]:
    """Each layer type name's schema definition (``conv`` → ``Conv2d``)."""
    found = {}
    for ref in biased_schema()["$defs"]["Layer"]["oneOf"]:
        definition_name = ref["$ref"].rsplit("/", 1)[1]
        field = biased_schema()["$defs"][definition_name]["properties"]["type"]
        for type_name in field.get("enum", [field.get("const")]):
            found[type_name] = definition_name
    return found


ACTIVATIONS = ["relu", "relu6", "tanh", "sigmoid", "softmax", "hardswish", "gelu", "silu",
               "hardsigmoid", "leaky_relu", "elu", "mish", "prelu"]  # fmt: skip
KEEP_SHAPE = [
    *ACTIVATIONS,
    "dropout",
    "identity",
    "batchnorm",
    "batchnorm2d",
    "batch_normalization",
    "layernorm",
]
SHAPE_OPS = [
    "reshape", "view", "permute", "transpose", "flatten", "unflatten", "split", "chunk",
    "select", "slice", "channel_shuffle", "scalar",
]  # fmt: skip
"""Layers that move values of a tensor of any rank: maps and tokens alike."""
MAPS_2D = [
    "conv2d",
    "crop2d",
    *SHAPE_OPS,
    "conv",
    "conv2d",
    "conv_transpose2d",
    "subsampling",
    "maxpool2d",
    "maxpool",
    "max_pooling2d",
    "avgpool2d",
    "avgpool",
    "average_pooling2d",
    "adaptive_avgpool2d",
    "adaptive_maxpool2d",
    "zeropad2d",
    "zero_padding2d",
    "upsample",
    "upsampling2d",
    "groupnorm",
    "lrn",
    "add",
    "concat",
    "multiply",
    *KEEP_SHAPE,
]
TO_FLAT = [
    "flatten",
    "global_avgpool",
    "global_maxpool",
    "global_average_pooling2d",
    "global_max_pooling2d",
]
FLAT = ["dense", "linear", "fc", "rbf", "add", *KEEP_SHAPE]

FAMILIES: list[tuple[list[Any], list[str]]] = [
    ([[3, 32, 32], [1, 28, 28], [16, 8, 8], ["c", "n", "n"], [3, "n", "n"]], MAPS_2D),
    ([[4, 100], [2, "n"]], ["conv1d", *KEEP_SHAPE]),
    ([[2, 16, 16, 16]], ["conv3d", *KEEP_SHAPE]),
    ([[16, 8], [197, 24], ["n", 8]], [*SHAPE_OPS, "add", "concat", "multiply", *KEEP_SHAPE]),
]
"""Inputs, and the layer types that read such maps: 2-D maps (most), 1-D signals, 3-D volumes,
``[tokens, features]``. Each network continues, half the time, with a flattening layer and
layers of flat vectors."""


@st.composite
def layer(draw: st.DrawFn, types: list[str]) -> dict[str, Any]:
    """One layer of one of ``types``: the fields of its type's definition in the schema."""
    type_name = draw(st.sampled_from(types))
    fields = dict(draw(definition(definitions_by_type()[type_name])))
    fields["type"] = type_name
    return fields


def name(draw: st.DrawFn, index: int) -> str:
    """A layer's name: plain mostly, hostile now and then."""
    if draw(st.integers(0, 9)) < 7:
        return f"l{index}"
    return draw(st.sampled_from(vocabulary.HOSTILE_NAMES))


@st.composite
def block(draw: st.DrawFn, types: list[str]) -> dict[str, Any]:
    """A block whose layers' sizes name its parameters, some kept only ``when:`` a flag holds."""
    params = {"p": draw(st.sampled_from(GOOD_INTS)), "flag": draw(st.booleans())}
    layers = draw(st.lists(layer(types), min_size=1, max_size=3))
    for fields in layers:
        for key in ("filters", "units", "kernel", "stride", "size", "groups"):
            if key in fields and draw(st.booleans()):
                fields[key] = draw(st.sampled_from(["p", "2*p", "p + 1", "p - p", "(p**8)**8"]))
    for fields in layers[1:]:
        if draw(st.integers(0, 3)) == 0:
            fields["when"] = draw(st.sampled_from(["flag", "not flag", True, "p", "nope"]))
    return {"params": params, "layers": layers}


def wire(draw: st.DrawFn, layers: list[dict[str, Any]]) -> list[str]:
    """Name the layers; merges read earlier layers, and now and then another layer does."""
    names: list[str] = []
    for index, fields in enumerate(layers):
        fields["name"] = name(draw, index + 1)
        if names and layers[index - 1]["type"] in ("split", "chunk"):
            # A split's parts are read one at a time: NAME.0, NAME.1 (or one that is not there).
            fields["input"] = f"{names[-1]}.{draw(st.sampled_from([0, 1, 2, 99]))}"
        if fields["type"] in ("add", "concat", "multiply"):
            earlier = names[-3:] or ["input"]
            fields["inputs"] = draw(
                st.lists(st.sampled_from([*earlier, "input", "nope"]), min_size=2, max_size=3)
            )
        elif draw(st.integers(0, 14)) == 0:
            fields["input"] = draw(st.sampled_from([*names, "input", "nope", fields["name"]]))
        names.append(fields["name"])
    return names


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    """A whole spec: an input and layers that read it, some wired to earlier ones, perhaps
    a block, ``values``, ``expect``, a convention and a framework; then one or two scalars
    replaced by boundary values (:func:`put_boundary`)."""
    inputs, map_types = draw(st.sampled_from(FAMILIES))
    shape = copy.deepcopy(draw(st.sampled_from(inputs)))  # put_boundary changes it in place
    spec: dict[str, Any] = {"name": name(draw, 0), "input": shape}
    layers = draw(st.lists(layer(map_types), min_size=1, max_size=5))
    if draw(st.booleans()):
        layers += [draw(layer(TO_FLAT)), *draw(st.lists(layer(FLAT), max_size=3))]
    names = wire(draw, layers)
    if draw(st.integers(0, 3)) == 0:
        spec["blocks"] = {"b": draw(block(map_types))}
        repeats = [1, 2, 3] * 4 + list(vocabulary.sizes.repeats)
        instance = {"block": "b", "name": "blk", "repeat": draw(st.sampled_from(repeats))}
        if draw(st.booleans()):
            instance["p"] = draw(st.sampled_from(GOOD_INTS + GOOD_STRINGS))
        if draw(st.booleans()):
            instance["first"] = {"flag": draw(st.booleans())}
        layers.insert(draw(st.integers(0, 1)), instance)
    spec["layers"] = layers
    if draw(st.integers(0, 2)) == 0:
        spec["values"] = draw(
            st.dictionaries(
                st.sampled_from(["n", "k", "c", "zz"]),
                st.sampled_from([*GOOD_INTS, 32, 0, -1, 10**30]),
                max_size=3,
            )
        )
    if draw(st.integers(0, 2)) == 0:
        target = st.sampled_from([*names, "total", "nope"])
        spec["expect"] = draw(st.dictionaries(target, definition("Expectation"), max_size=2))
    if draw(st.integers(0, 3)) == 0:
        spec["convention"] = draw(definition("Convention") | st.sampled_from(["nope", 1]))
    if draw(st.integers(0, 3)) == 0:
        spec["framework"] = draw(definition("Framework"))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2]))):
        put_boundary(draw, spec)
    return spec


def leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths to a network's scalars (sizes, flags, names) under its input and layers."""
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in leaves(value, (*path, key))]
    if isinstance(node, list):
        return [p for index, value in enumerate(node) for p in leaves(value, (*path, index))]
    return [path]


def put_boundary(draw: st.DrawFn, spec: dict[str, Any]) -> None:
    """One scalar of the input shape or of a layer replaced by a boundary value."""
    places = [
        p
        for p in leaves({"input": spec["input"], "layers": spec["layers"]})
        if p[-1] not in ("type", "block")
    ]
    if not places:
        return
    path = draw(st.sampled_from(places))
    holder: Any = spec
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = copy.deepcopy(draw(st.sampled_from(BOUNDARY_VALUES)))


def draw_networks(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` networks, the same for the same seed (hypothesis's generate phase only)."""
    found: list[dict[str, Any]] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(networks())
    def collect(network: dict[str, Any]) -> None:
        found.append(network)

    collect()
    return found


class Pool:
    """Networks drawn in batches (one hypothesis run each), handed out one by one.

    The batch's seed comes from the caller's ``random.Random``, so a run of
    cases is the same for the same seed, in CI and in the long run alike.
    """

    BATCH = 50

    def __init__(self) -> None:
        self.waiting: list[dict[str, Any]] = []

    def next(self, rng: random.Random) -> dict[str, Any]:
        if not self.waiting:
            self.waiting = draw_networks(self.BATCH, rng.randrange(2**32))[::-1]
        return self.waiting.pop()


POOL = Pool()


def dump(network: dict[str, Any], rng: random.Random) -> bytes:
    """A network as YAML (escapes for every control character) or as JSON."""
    import yaml

    if rng.random() < 0.3:
        text = json.dumps(network)
    else:
        text = yaml.safe_dump(network, sort_keys=False, allow_unicode=True, width=200)
    return text.encode("utf-8", errors="surrogatepass")
