"""The Python API: load a spec, analyse it.

>>> import cnncalc
>>> report = cnncalc.analyze("specs/lenet5.yaml")
>>> report.layer("C3").trainable_params
1516
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cnncalc.analysis import Report, analyze_network
from cnncalc.conventions import Convention
from cnncalc.errors import SpecError
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
