"""The Python API: load a spec, analyse it.

>>> import cnncalc
>>> report = cnncalc.analyze("specs/lenet5.yaml")
>>> report.layer("C3").trainable_params
1516

A symbolic spec's report is in formulas; :func:`analyze_at_values` gives the
numbers at its ``values`` (what ``cnncalc SPEC`` prints).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from cnncalc.analysis import Report, analyze_network
from cnncalc.conventions import Convention
from cnncalc.errors import CnncalcError, SpecError
from cnncalc.i18n import _
from cnncalc.spec import NetworkSpec, parse_spec, read_spec, read_spec_text


def load(path: str | Path, params: Mapping[str, int] | None = None) -> NetworkSpec:
    """Read and validate a spec file, or a built-in model by name (``"resnet50"``: see
    :mod:`cnncalc.library`); raises :class:`SpecError` with file, line, layer, field.

    ``params`` gives some of the spec's ``params`` other values: ``load("resnet50",
    {"blocks3": 23})`` is ResNet-101's depth (torchvision's layers, Keras's names aside).
    """
    if isinstance(path, str):
        from cnncalc.library import load as load_spec

        return load_spec(path, params)
    return read_spec(path, params=params)


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
    what ``cnncalc SPEC`` prints; see :func:`at_values`.

    An override may also name one of the spec's ``params`` (``--subs blocks3=23``):
    the spec is then read again with that value (:func:`load`), so ``spec`` must be
    its file or model name.
    """
    path = spec if isinstance(spec, str | Path) else None
    spec = load(spec) if isinstance(spec, str | Path) else spec
    params, overrides = split_params(spec.params, overrides or {})
    if params:
        if path is None:
            raise CnncalcError(
                _("a value for the params {names} needs the spec's file or model name").format(
                    names=", ".join(params)
                )
            )
        spec = load(path, params)
        given = ", ".join(f"{name}={value}" for name, value in params.items())
        spec = spec.model_copy(update={"name": f"{spec.name} ({given})"})
    return at_values(spec, analyze(spec, convention), overrides, symbolic=symbolic)


def split_params(
    params: Collection[str], values: Mapping[str, int | Fraction]
) -> tuple[dict[str, int], dict[str, int | Fraction]]:
    """``values`` (``--subs``) split into those of a spec's ``params`` (whole numbers:
    depths, counts; the spec must be read again with them) and those of its symbols."""
    given: dict[str, int] = {}
    symbols: dict[str, int | Fraction] = {}
    for name, value in values.items():
        if name in params:
            given[name] = param_value(name, value)
        else:
            symbols[name] = value
    return given, symbols


def param_value(name: str, value: int | Fraction) -> int:
    """``value`` for param ``name``: a positive whole number, or a :class:`CnncalcError`."""
    if type(value) is int and value >= 1:
        return value
    shown = f"{value.numerator}/{value.denominator}" if isinstance(value, Fraction) else value
    raise CnncalcError(
        _(
            "{name} is one of the network's params (a depth, a count): its values are "
            "positive whole numbers, got {got}"
        ).format(name=name, got=shown)
    )


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
