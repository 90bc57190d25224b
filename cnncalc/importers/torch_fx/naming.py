"""Names: of the spec's layers, and of calls and modules in messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnncalc.importers.torch_fx.calls import Call

if TYPE_CHECKING:
    from torch import nn

RESERVED = frozenset({"input", "total"})
"""Names a spec reserves: ``input`` (the network's) and ``total`` (for ``expect``)."""


def layer_name(call: Call, kind: str, taken: set[str]) -> str:
    """The module's qualified name; a function is named by its type, in its module.

    A name in ``taken`` gets a suffix (``_1``, ``_2``, …); the name returned is added to it.
    """
    if call.kind == "module":
        base = str(call.target)
    else:
        base = f"{call.scope}.{kind}" if call.scope else kind
    name, suffix = base, 0
    while name in taken:  # a module called twice (ResNet's one ReLU), two adds
        suffix += 1
        name = f"{base}_{suffix}"
    taken.add(name)
    return name


def target_name(call: Call) -> str:
    """The name of a function or method call (``permute``, ``relu``); ``op`` if it has none."""
    return str(call.target if call.kind == "method" else getattr(call.target, "__name__", "op"))


def display(call: Call) -> str:
    """Where the call is in the model: the module's qualified name, or the function in its scope."""
    if call.kind == "module":
        return str(call.target)
    name = target_name(call)
    return f"{call.scope}.{name}" if call.scope else name


def what(call: Call, modules: dict[str, nn.Module]) -> str:
    """What the call runs: the module's class, ``Tensor.view``, ``F.relu``, ``operator.add``."""
    if call.kind == "module":
        return class_name(type(modules[call.target]))
    if call.kind == "method":
        return f"Tensor.{call.target}"
    home = getattr(call.target, "__module__", None) or "torch"
    home = {"torch.nn.functional": "F", "_operator": "operator"}.get(home, home)
    return f"{home}.{getattr(call.target, '__name__', repr(call.target))}"


def class_name(cls: type[Any]) -> str:
    """``nn.LSTM`` for torch.nn's classes, else the full dotted name."""
    from torch import nn

    if getattr(nn, cls.__name__, None) is cls:
        return f"nn.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"
