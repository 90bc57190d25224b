"""The Python API: load a spec, analyse it.

>>> import cnncalc
>>> report = cnncalc.analyze("specs/lenet5.yaml")
>>> report.layer("C3").trainable_params
1516

A symbolic spec's report is in formulas; :func:`analyze_at_values` gives the
numbers at its ``values`` (what ``cnncalc SPEC`` prints).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from cnncalc.analysis import Report, analyze_network
from cnncalc.conventions import Convention
from cnncalc.errors import CnncalcError, SpecError
from cnncalc.spec import NetworkSpec, parse_spec, read_spec, read_spec_text


def load(path: str | Path) -> NetworkSpec:
    """Read and validate a spec file, or a built-in model by name (``"resnet50"``: see
    :mod:`cnncalc.library`); raises :class:`SpecError` with file, line, layer, field."""
    if isinstance(path, str):
        from cnncalc.library import load as load_spec

        return load_spec(path)
    return read_spec(path)


def loads(text: str, source: str = "<string>") -> NetworkSpec:
    """Validate a spec given as YAML text."""
    return read_spec_text(text, source)


def analyze(
    spec: NetworkSpec | Mapping[str, Any] | str | Path,
    convention: Convention | str | None = None,
) -> Report:
    """Analyse a network: a :class:`NetworkSpec`, a plain dict, or a spec file's path.

    ``convention`` selects the FLOP convention of the ``flops`` column (default:
    the spec's own ``convention``); MACs and every other metric do not depend on it.
    """
    if isinstance(spec, str | Path):
        spec = load(spec)
    elif not isinstance(spec, NetworkSpec):
        spec = parse_spec(spec)
    chosen = Convention(convention) if convention is not None else spec.convention
    try:
        return analyze_network(spec.to_ir(), chosen)
    except SpecError as error:
        from cnncalc.spec.diagnostics import locate

        # The analysis names the layer; the source map (if any) gives the line.
        raise locate(error, None, spec._source_map, spec._origins) from None


def analyze_at_values(
    spec: NetworkSpec | str | Path,
    convention: Convention | str | None = None,
    overrides: Mapping[str, int | Fraction] | None = None,
    *,
    symbolic: bool = False,
) -> Report:
    """The report at the spec's ``values`` with ``overrides`` put over them (``--subs``):
    what ``cnncalc SPEC`` prints; see :func:`at_values`."""
    if isinstance(spec, str | Path):
        spec = load(spec)
    return at_values(spec, analyze(spec, convention), overrides, symbolic=symbolic)


def at_values(
    spec: NetworkSpec,
    report: Report,
    overrides: Mapping[str, int | Fraction] | None = None,
    *,
    symbolic: bool = False,
) -> Report:
    """``report``, the analysis of ``spec``, at the spec's ``values`` with ``overrides``
    put over them.

    The spec's ``values`` are defaults: a symbol they give is a number unless
    ``overrides`` gives it another value, and a symbol neither gives stays a symbol.
    ``symbolic`` leaves the defaults out (``--symbolic``): only ``overrides`` go in.
    A symbol the analysis lost (its formulas cancelled) takes no default, as
    ``cnncalc check`` takes none; an override naming it is an error. Values that break
    a requirement are an error, located at the spec's ``values`` when they are its own.
    The report's :attr:`~cnncalc.analysis.Report.values` say what was put in.
    """
    given = dict(overrides or {})
    defaults = {} if symbolic else spec.values
    # In the spec's order, each override in its default's place, then the others.
    symbols = report.symbols if defaults else frozenset()
    values = {k: given.get(k, v) for k, v in defaults.items() if k in symbols}
    values.update(given)
    if not values:
        return report
    try:
        return report.subs(values)
    except CnncalcError as error:
        if given:  # the command line's values take part: the message names them
            raise
        from cnncalc.spec.diagnostics import locate

        located = SpecError(str(error), loc=("values",))
        raise locate(located, None, spec._source_map) from None
