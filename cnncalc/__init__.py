"""cnncalc: a static analyzer for convolutional networks.

A network described in YAML (or built in Python) goes in; every layer's output
shape, trainable and non-trainable parameters, MACs, FLOPs under a named
convention, neurons and connections come out, as exact integers.

The public API is imported lazily so that ``cnncalc --version`` and ``--help``
stay fast: ``import cnncalc`` loads neither pydantic, rich, yaml nor sympy.
"""

from __future__ import annotations

__version__ = "0.1.0"

# Not typing.TYPE_CHECKING: importing typing costs --version a third of its time.
# mypy treats the name as true (always_true in pyproject.toml).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from cnncalc.analysis import LayerReport, Report
    from cnncalc.api import analyze, load, loads
    from cnncalc.conventions import Convention
    from cnncalc.errors import CnncalcError, SpecError
    from cnncalc.formulas import formula
    from cnncalc.spec import NetworkSpec, layers

__all__ = [
    "CnncalcError",
    "Convention",
    "LayerReport",
    "NetworkSpec",
    "Report",
    "SpecError",
    "__version__",
    "analyze",
    "formula",
    "layers",
    "load",
    "loads",
]

_LAZY = {
    "analyze": "cnncalc.api",
    "load": "cnncalc.api",
    "loads": "cnncalc.api",
    "Report": "cnncalc.analysis",
    "LayerReport": "cnncalc.analysis",
    "Convention": "cnncalc.conventions",
    "CnncalcError": "cnncalc.errors",
    "SpecError": "cnncalc.errors",
    "NetworkSpec": "cnncalc.spec",
    "layers": "cnncalc.spec",
    "formula": "cnncalc.formulas",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
