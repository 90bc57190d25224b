"""A model's local functions inlined, after counting the nodes that makes.

An exporter may write a module as a *local function* (``ModelProto.functions``,
IR version 8 on): a node of op ``f`` in a custom domain stands for ``f``'s body.
cnncalc translates ONNX operators, so each call is replaced by its body
(``onnx.inliner.inline_local_functions``), as ONNX Runtime does before it runs
a model. Inlining can multiply a graph: a function that calls another twice,
nested 30 deep, is 2³⁰ nodes from a file of a few kilobytes. So the nodes the
inlined graph would hold are counted first (each function's size once,
memoised, its calls into subgraphs included), and a graph of more than
:data:`cnncalc.spec.blocks.MAX_LAYERS` nodes, a function that calls itself, or
calls nested over :data:`MAX_CALL_DEPTH` deep, is refused before the inliner runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto

_MAX_NESTING = 8
"""The deepest subgraph (``If``'s branches, a ``Loop``'s body) whose nodes are counted."""
MAX_CALL_DEPTH = 64
"""The deepest chain of local functions calling each other that is inlined."""


def inline_functions(model: ModelProto, path: str) -> ModelProto:
    """``model`` with its local functions' calls replaced by their bodies; a one-line
    error when that would make more nodes than a spec holds, or a function is recursive."""
    if not model.functions:
        return model
    from cnncalc.spec.blocks import MAX_LAYERS

    functions = {(f.domain, f.name, f.overload): f for f in model.functions}
    sizes: dict[tuple[str, str, str], int] = {}
    calling: list[tuple[str, str, str]] = []

    def size_of(key: tuple[str, str, str]) -> int:
        if key in sizes:
            return sizes[key]
        if key in calling:
            raise CnncalcError(
                _("{path}: the local function '{name}' calls itself, which cannot be inlined")
                .format(path=path, name=key[1])
            )  # fmt: skip
        if len(calling) >= MAX_CALL_DEPTH:
            raise CnncalcError(
                _("{path}: local functions call each other over {most} deep (through '{name}'); "
                  "cnncalc inlines at most {most} levels").format(
                    path=path, most=MAX_CALL_DEPTH, name=key[1])
            )  # fmt: skip
        calling.append(key)
        sizes[key] = count(functions[key].node, 0)
        calling.pop()
        return sizes[key]

    def count(nodes: Iterable[NodeProto], depth: int) -> int:
        total = 0
        for node in nodes:
            key = (node.domain, node.op_type, node.overload)
            total += size_of(key) if key in functions else 1
            if depth < _MAX_NESTING:
                for attribute in node.attribute:
                    graphs = [attribute.g] if attribute.HasField("g") else list(attribute.graphs)
                    total += sum(count(graph.node, depth + 1) for graph in graphs)
            if total > MAX_LAYERS:
                break  # already too many: the exact number is not needed
        return total

    total = count(model.graph.node, 0)
    if total > MAX_LAYERS:
        raise CnncalcError(
            _(
                "{path}: inlining its local functions makes over {count} nodes; a cnncalc spec "
                "holds at most {most} layers"
            ).format(path=path, count=f"{min(total, MAX_LAYERS):,}", most=f"{MAX_LAYERS:,}")
        )
    from onnx import inliner

    try:
        inlined: ModelProto = inliner.inline_local_functions(model)
    except Exception as error:  # a call whose inputs do not match its function's
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CnncalcError(
            _("{path}: its local functions cannot be inlined: {reason}").format(
                path=path, reason=reason[:300]
            )
        ) from None
    return inlined
