"""Which parameters the layers count, and which modules' parameters none counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cnncalc.i18n import N_
from cnncalc.importers.skipped import Reason, Skipped, reason
from cnncalc.importers.torch_fx.naming import class_name

if TYPE_CHECKING:
    import torch
    from torch import nn


def numel(tensors: Iterator[torch.Tensor]) -> int:
    """The number of values in all of ``tensors``."""
    return sum(t.numel() for t in tensors)


def uncounted(
    root: nn.Module, accounted: set[str], called: set[str], read: set[str]
) -> tuple[list[Skipped], int]:
    """One record per module whose parameters no layer counts: never called, or read directly;
    and how many parameters are read directly by operations with no layer.

    ``accounted``: modules translated or skipped whole; ``called``: every
    module whose ``forward`` ran (its ancestors included); ``read``: the
    parameters functional layers count. A module never called (an aux head in
    eval mode) is not part of the inference graph: it is named, not an error.
    """
    lines: list[Skipped] = []
    unused: list[str] = []
    read_directly = 0
    for qualified, module in root.named_modules():
        if _within(qualified, accounted) or _within(qualified, set(unused)):
            continue
        name = qualified or reason(N_("(the model itself)"))
        kind = class_name(type(module))
        if qualified not in called:
            unused.append(qualified)
            if numel(module.parameters()) or numel(module.buffers()):
                # Not part of the inference graph: said, but not parameters the spec loses.
                never = reason(N_("never called on this input (in eval mode)"))
                lines.append(Skipped(name, kind, never, held(module)))
            continue
        prefix = f"{qualified}." if qualified else ""
        own = {n: p for n, p in module.named_parameters(recurse=False) if prefix + n not in read}
        if own:
            count = numel(iter(own.values()))
            read_directly += count
            direct = reason(
                N_("parameters {names} ({count} values) are read directly in forward, by "
                   "operations with no layer: not counted"),
                names=", ".join(own), count=f"{count:,}",
            )  # fmt: skip
            lines.append(Skipped(name, kind, direct, parameters=count))
        buffers = {n: b for n, b in module.named_buffers(recurse=False) if prefix + n not in read}
        if buffers:
            unread = reason(
                N_("buffers {names} ({count} values) are counted by no layer (read directly in "
                   "forward, or not at all)"),
                names=", ".join(buffers), count=f"{numel(iter(buffers.values())):,}",
            )  # fmt: skip
            lines.append(Skipped(name, kind, unread))
    return lines, read_directly


def held(module: nn.Module) -> Reason:
    """What leaving ``module`` out leaves uncounted: ``; its 40 parameters and 8 buffers are
    not counted``, or `` (it has no parameters or buffers)``."""
    parameters, buffers = numel(module.parameters()), numel(module.buffers())
    if parameters and buffers:
        return reason(N_("; its {parameters} parameters and {buffers} buffers are not counted"),
                      parameters=f"{parameters:,}", buffers=f"{buffers:,}")  # fmt: skip
    if parameters:
        return reason(N_("; its {parameters} parameters are not counted"),
                      parameters=f"{parameters:,}")  # fmt: skip
    if buffers:
        return reason(N_("; its {buffers} buffers are not counted"), buffers=f"{buffers:,}")
    return reason(N_(" (it has no parameters or buffers)"))


def _within(qualified: str, modules: set[str]) -> bool:
    """Whether ``qualified`` is one of ``modules`` or inside one (the root '' holds all)."""
    return any(qualified == m or qualified.startswith(m + ".") for m in modules if m)


def with_ancestors(names: set[str]) -> set[str]:
    """``{'a.b.c'}`` → ``{'', 'a', 'a.b', 'a.b.c'}``."""
    parts = [name.split(".") for name in names if name]
    return {""} | {".".join(p[:i]) for p in parts for i in range(1, len(p) + 1)}


def totals_line(checked: str, ours: tuple[int, int], model: tuple[int, int]) -> str:
    """The header's claim, led by ``checked`` (``Checked on an input of 1×3×32×32``).

    Every translated layer was checked against PyTorch; the totals equal the
    model's only when nothing with weights was left out and no module with
    weights is called twice, so the line says which is true:
    ``ours``/``model`` are ``(parameters, buffers)``.
    """
    layers = "every layer's output shape, parameters and buffers equal PyTorch's"
    if ours == model:
        return (
            f"{checked}: {layers}, and so do the totals ({model[0]:,} parameters, "
            f"{model[1]:,} buffers)."
        )
    differences = [
        f"{abs(spec - torch):,} {what} {'fewer' if spec < torch else 'more'}"
        for spec, torch, what in zip(ours, model, ("parameters", "buffers"), strict=True)
        if spec != torch
    ]
    return (
        f"{checked}: {layers.replace('every layer', 'every translated layer')}; the totals are "
        f"not the model's: {ours[0]:,} parameters and {ours[1]:,} buffers here, {model[0]:,} and "
        f"{model[1]:,} in PyTorch ({' and '.join(differences)}; the lines below say why)."
    )
