"""The fuzzer: generated and mutated inputs for every command, and what their outputs must be.

A *case* (:class:`tests.fuzzing.cases.Case`) is a few input files, a command
line and environment variables. Generators make cases from a seeded
``random.Random``:

- ``schema``: networks drawn from ``cnncalc.schema.json`` by hypothesis-jsonschema,
  with every free integer, string and number biased toward the boundaries
  (:mod:`tests.fuzzing.schema_specs`);
- ``shipped``: structural mutations of the shipped specs (:mod:`tests.fuzzing.spec_mutations`);
- ``tokens``: token-level mutations of YAML text: huge, negative, zero, hex and
  Unicode-digit numbers, hostile names, merge keys, aliases, exploding formulas;
- ``bytes``: byte-level mutations of spec files;
- ``keras``: mutated Keras configs, as JSON or as ``.keras`` zips (:mod:`tests.fuzzing.keras`).

:mod:`tests.fuzzing.commands` puts each input under a command line drawn from
every subcommand and option; :mod:`tests.fuzzing.harness` runs it in-process
through :func:`cnncalc.cli.main`; :mod:`tests.fuzzing.properties` says what
is wrong with the result (an exit code other than 0, 1 or 2, a traceback, an
error message that is not one bounded line, an output that does not parse in
its format, a raw control character, a CSV formula cell, a count that is not a
non-negative int). ``tests/test_fuzz.py`` runs a few hundred cases in CI;
``python -m tests.fuzz --cases 20000`` is the long run (:mod:`tests.fuzzing.long_run`).
"""
