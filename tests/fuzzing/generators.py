"""The generators: each makes a whole case (input files and a command) from a seeded rng."""

from __future__ import annotations

import random
from collections.abc import Callable

from tests.fuzzing import commands, keras, schema_specs, spec_mutations
from tests.fuzzing.cases import Case
from tests.fuzzing.spec_mutations import SpecInput

Generator = Callable[[random.Random], Case]


def spec_case(name: str, spec: SpecInput, rng: random.Random) -> Case:
    """A spec file under a command drawn from every command that reads a spec."""
    command = commands.for_spec(rng, spec.layers, spec.symbols)
    return Case(name, ((commands.SPEC, spec.raw),), command, spec.note)


def schema(rng: random.Random) -> Case:
    """A network drawn from the biased JSON Schema (:mod:`tests.fuzzing.schema_specs`)."""
    network = schema_specs.POOL.next(rng)
    layers = spec_mutations.layer_names(network)
    symbols = ("n", "k") if rng.random() < 0.5 else ()
    spec = SpecInput(schema_specs.dump(network, rng), layers, symbols, "schema")
    return spec_case("schema", spec, rng)


def shipped(rng: random.Random) -> Case:
    """A shipped spec or template with structural mutations."""
    return spec_case("shipped", spec_mutations.shipped(rng), rng)


def tokens(rng: random.Random) -> Case:
    """A shipped spec or template with token-level mutations of its YAML text."""
    return spec_case("tokens", spec_mutations.tokens(rng), rng)


def byte_level(rng: random.Random) -> Case:
    """A shipped spec or template with byte-level mutations."""
    return spec_case("bytes", spec_mutations.byte_level(rng), rng)


def keras_import(rng: random.Random) -> Case:
    """``cnncalc import keras`` on a mutated Keras config (JSON or .keras)."""
    model = keras.keras_input(rng)
    return Case(
        "keras", ((model.name, model.raw),), commands.import_keras(rng, model.name), model.note
    )


def standalone(rng: random.Random) -> Case:
    """A command that reads no input file: schema, conventions, types, completion, help."""
    return Case("standalone", (), commands.standalone(rng), "")


GENERATORS: dict[str, tuple[Generator, int]] = {
    "schema": (schema, 3),
    "shipped": (shipped, 3),
    "tokens": (tokens, 4),
    "bytes": (byte_level, 1),
    "keras": (keras_import, 2),
    "standalone": (standalone, 1),
}
"""Every generator, and its weight in the long run's mix."""


def mixed(rng: random.Random) -> Case:
    """A case from a generator drawn by weight."""
    names = list(GENERATORS)
    weights = [GENERATORS[name][1] for name in names]
    return GENERATORS[rng.choices(names, weights)[0]][0](rng)
