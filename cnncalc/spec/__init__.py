"""The user-facing spec: YAML (or a dict, or Python objects) → validated :class:`NetworkSpec`."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from cnncalc.errors import SpecError, os_reason
from cnncalc.i18n import N_, _
from cnncalc.spec import layers
from cnncalc.spec.expectation import Expectation
from cnncalc.spec.network import NetworkSpec
from cnncalc.spec.source import SourceMap, decode, load_yaml, max_bytes

if TYPE_CHECKING:
    from cnncalc.spec.blocks import Origin

__all__ = [
    "Expectation",
    "NetworkSpec",
    "SourceMap",
    "layers",
    "parse_spec",
    "read_spec",
    "read_spec_text",
]


def parse_spec(
    data: object,
    source_map: SourceMap | None = None,
    variant: str | None = None,
    params: Mapping[str, int] | None = None,
) -> NetworkSpec:
    """Validate plain data (a loaded YAML document or a dict) into a :class:`NetworkSpec`.

    ``variant`` names one of the spec's ``variants`` (see :mod:`cnncalc.spec.variants`):
    the spec with its values in; an error in what the variant gives is located in
    its entry. ``params`` gives some of the spec's ``params`` other values (after
    the variant's): a sweep over a depth (``repeat: blocks3``). Blocks are expanded
    first (their module is imported only when a spec has blocks or params); error
    reporting is imported only when there is an error.
    """
    if not isinstance(data, Mapping):
        raise _located(SpecError(_not_a_mapping(data)), data, source_map)
    taken: frozenset[str] = frozenset()
    if variant is not None:
        from cnncalc.spec.variants import select_variant

        try:
            data, taken = select_variant(data, variant)
        except SpecError as error:
            raise _located(error, data, source_map) from None
    if params:
        from cnncalc.spec.variants import with_params

        try:
            data = with_params(data, params)
        except SpecError as error:
            raise _located(error, data, source_map) from None

    def located(
        error: SpecError, where: object, origins: tuple[Origin, ...] | None = None
    ) -> SpecError:
        if taken and error.loc and error.loc[0] in taken:
            error.loc = ("variants", str(variant), *error.loc)
        return _located(error, where, source_map, origins)

    expanded, origins = data, None
    layers = data.get("layers")
    if (
        data.get("blocks")
        or "params" in data
        or (
            isinstance(layers, list)
            and any(isinstance(entry, Mapping) and "block" in entry for entry in layers)
        )
    ):
        from cnncalc.spec.blocks import expand_blocks

        try:
            expanded, origins = expand_blocks(data)
        except SpecError as error:
            raise located(error, data) from None
    try:
        spec = NetworkSpec.model_validate(expanded)
    except ValidationError as validation_error:
        from cnncalc.spec.diagnostics import from_validation_error

        translated = from_validation_error(validation_error, expanded)
        raise located(translated, expanded, origins) from None
    except SpecError as error:
        raise located(error, expanded, origins) from None
    spec._source_map = source_map
    spec._origins = origins
    return spec


def _not_a_mapping(data: object) -> str:
    """Why a document that is not a mapping is not a spec."""
    if data is None:
        return _("the spec must be a mapping with 'input' and 'layers'; this one is empty")
    kind = type(data).__name__
    word = _KINDS.get(kind)
    return _("the spec must be a mapping with 'input' and 'layers'; this one is {kind}").format(
        kind=_(word) if word is not None else kind
    )


_KINDS = {"list": N_("a list"), "str": N_("a string"), "int": N_("an integer"),
          "float": N_("a number"), "bool": N_("true or false")}  # fmt: skip
"""A YAML document's Python type, as :func:`_not_a_mapping` names it."""


def _located(
    error: SpecError,
    data: object,
    source_map: SourceMap | None,
    origins: tuple[Origin, ...] | None = None,
) -> SpecError:
    from cnncalc.spec.diagnostics import locate

    return locate(error, data, source_map, origins)


def read_spec_text(
    text: str,
    source: str = "<string>",
    variant: str | None = None,
    params: Mapping[str, int] | None = None,
) -> NetworkSpec:
    """Parse a spec from YAML text (``variant``: one of its variants; ``params``: other
    values of its params, see :func:`parse_spec`)."""
    source_map = SourceMap(source, text)
    return parse_spec(load_yaml(text, source), source_map, variant, params)


def read_spec(
    path: str | Path, variant: str | None = None, params: Mapping[str, int] | None = None
) -> NetworkSpec:
    """Read and parse a spec file (YAML or JSON).

    A regular file or a pipe (``<(…)``, a FIFO) is read, at most one byte over
    the size limit; anything else (a directory, a device, a socket) is refused
    before reading. The file is opened without blocking, so a FIFO that nothing
    writes to reads as empty instead of hanging.
    """
    source = str(path)
    limit = max_bytes()
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as file:
            mode = os.fstat(descriptor).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
                raise SpecError(
                    _("cannot read the spec: {why}").format(why=_file_kind(mode)), source=source
                )
            os.set_blocking(descriptor, True)
            raw = file.read(limit + 1)
    except OSError as error:
        raise SpecError(
            _("cannot read the spec: {why}").format(why=os_reason(error)), source=source
        ) from None
    return read_spec_text(decode(raw, source), source, variant, params)


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return _("it is a directory")
    if stat.S_ISCHR(mode):
        return _("it is a character device, not a regular file")
    if stat.S_ISBLK(mode):
        return _("it is a block device, not a regular file")
    if stat.S_ISSOCK(mode):
        return _("it is a socket, not a regular file")
    return _("it is not a regular file")
