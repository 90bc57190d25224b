"""The model's calls: traced with torch.fx, else recorded while it runs.

Symbolic tracing records the module calls and functions of the whole graph,
branches included (https://pytorch.org/docs/stable/fx.html); one forward pass
of the graph (``ShapeProp``) gives each node's output shape.
"""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING, Any, Literal

from cnncalc.errors import CnncalcError
from cnncalc.i18n import N_, _
from cnncalc.importers.torch_fx.calls import Attr, Call, Ref, Shape, batched, refs
from cnncalc.importers.torch_fx.guard import user_code
from cnncalc.importers.torch_fx.messages import one_line, shape_text
from cnncalc.importers.torch_fx.modules import is_leaf
from cnncalc.importers.torch_fx.recorder import record

if TYPE_CHECKING:
    import torch
    import torch.fx
    from torch import nn

_TRACED = (
    "Traced with torch.fx (symbolic_trace): the layers and their inputs are the forward's graph."
)
_RUNNING = N_("running the model's forward")
_KINDS: dict[str, Literal["module", "function", "method"]] = {
    "call_module": "module", "call_function": "function", "call_method": "method",
}  # fmt: skip


def trace_or_record(
    root: nn.Module, input_shape: Shape, others: tuple[tuple[str, Shape], ...] = ()
) -> tuple[list[Call], list[Ref], str]:
    """The model's calls and its outputs: traced with fx, else recorded while it runs.

    ``others``: the forward's further inputs, by name, with their shapes. The
    third item says which it was, for the written spec's header.
    """
    import torch

    example = torch.zeros(1, *input_shape)
    more = [torch.zeros(1, *shape) for _, shape in others]
    try:
        with user_code(_("tracing the model's forward")):
            graph_module, scopes = _trace(root)
    except CnncalcError:  # it exited: no fallback
        raise
    except Exception as error:  # fx raises TraceError, TypeError, …: any means "cannot trace"
        reason = f"torch.fx could not trace the forward ({one_line(error, 120)})"
    else:
        try:
            # ShapeProp prints the traceback of a failing node before raising: keep it quiet.
            with contextlib.redirect_stderr(io.StringIO()), user_code(_(_RUNNING)):
                _propagation(graph_module).propagate(example, *more)
        except CnncalcError:
            raise
        except Exception as error:
            # The model itself may run where its traced graph does not: try it.
            reason = f"the traced graph did not run ({one_line(error, 120)})"
        else:
            calls, outputs = _calls_from_graph(graph_module, scopes, [n for n, _ in others])
            return calls, outputs, _TRACED
    calls, outputs = record(root, example, dict(zip((n for n, _ in others), more, strict=True)))
    recorded = (
        f"Recorded by running the model once on torch.zeros"
        f"{shape_text((1, *input_shape), ', ', '()')}, as {reason}: forward hooks on the leaf "
        "modules and the torch functions between them, in call order. Only the path this input "
        "took is recorded, and branches may need their input: fields checked."
    )
    return calls, outputs, recorded


_SIZES = "cnncalc_sizes"
"""The ``node.meta`` key of sizes computed where the tracer cannot see (:func:`_propagation`)."""
_NUMBER = "cnncalc_number"
"""The ``node.meta`` key of a float computed in forward (:func:`_propagation`)."""
_SIZE_ITEMS = "cnncalc_size_items"
"""The ``node.meta`` key of the items of such a call's tuple result that are sizes."""


def _propagation(graph_module: torch.fx.GraphModule) -> Any:
    """fx's ``ShapeProp``, also keeping the sizes that calls the tracer cannot see into return.

    A leaf module or an fx-wrapped helper may return sizes with its tensors, or
    alone: MViT's attention and pools return ``(x, (t, h, w))``, Video Swin's patch embedding
    pads by ``_compute_pad_size_3d((t, h, w), patch)``. fx records them as nodes,
    which the calls reading them would see as tensors of unknown value; they are
    kept as the integers they were on the example input (``node.meta``), so
    those calls get them as constants. Only plain ints and tuples of them from
    such calls (or items of their tuple results) are kept: ``x.size(0)`` and
    ``x.shape`` stay nodes, as their values hold the example's batch size.
    """
    import operator

    import torch.fx
    from torch.fx.passes.shape_prop import ShapeProp

    def opaque(node: torch.fx.Node) -> bool:
        if node.op == "call_module":
            return True
        if node.op != "call_function":
            return False
        if node.target is operator.getitem:
            whole = node.args[0]
            return isinstance(whole, torch.fx.Node) and (_SIZES in whole.meta or opaque(whole))
        home = (getattr(node.target, "__module__", None) or "").split(".")[0]
        return home not in ("torch", "_operator", "operator", "builtins", "math")

    class Propagation(ShapeProp):
        def run_node(self, n: torch.fx.Node) -> Any:
            result = super().run_node(n)
            if type(result) is float and n.op in ("call_function", "call_method"):
                # A number computed in forward, ``(d // heads) ** 0.5``: never a size, so
                # kept as the constant it was (a ``scalar`` layer's value).
                n.meta[_NUMBER] = result
            elif opaque(n):
                if _are_sizes(result):
                    n.meta[_SIZES] = result
                elif type(result) is tuple:
                    sizes = tuple(i for i, item in enumerate(result) if _are_sizes(item))
                    n.meta[_SIZE_ITEMS] = sizes
            return result

    return Propagation(graph_module)


def _are_sizes(value: object) -> bool:
    """An int, or a plain tuple of them (not a ``torch.Size``: that is a tensor's shape)."""
    if type(value) is tuple:
        return all(_are_sizes(item) for item in value)
    return type(value) is int


def _trace(root: nn.Module) -> tuple[torch.fx.GraphModule, dict[str, str]]:
    """The fx graph of ``root``, and the module each node was called from."""
    import torch.fx

    class Tracer(torch.fx.Tracer):
        # A buffer read in forward (MaxViT's relative_position_index) is a get_attr
        # node, as a parameter is, not a constant folded into the graph: the layer
        # that reads it counts it.
        proxy_buffer_attributes = True

        # fx's own rule makes every torch.nn module a leaf; a subclass of one
        # (a user's nn.Conv2d with extra attributes) is a leaf too when it has
        # our translator, so it is one layer rather than its functional insides.
        def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
            return is_leaf(m)

    tracer = Tracer()
    graph = tracer.trace(root)
    scopes = {node: scope for node, (scope, _) in tracer.node_name_to_scope.items()}
    return torch.fx.GraphModule(tracer.root, graph), scopes


def _calls_from_graph(
    graph_module: torch.fx.GraphModule, scopes: dict[str, str], others: list[str]
) -> tuple[list[Call], list[Ref]]:
    """The graph's nodes as calls (arguments as :class:`Ref`/:class:`Attr`), and its outputs."""
    from torch.fx.node import map_arg

    values: dict[str, Any] = {}
    calls: list[Call] = []
    outputs: list[Ref] = []

    def convert(node: torch.fx.Node) -> Any:
        return values[node.name]

    for node in graph_module.graph.nodes:
        if node.op == "placeholder":
            # The first argument is the network's input, the next its other inputs (as many
            # as were given); later ones keep their defaults.
            given = sum(isinstance(value, Ref) for value in values.values())
            names = ["input", *others]
            values[node.name] = Ref(names[given]) if given < len(names) else Attr(str(node.target))
        elif node.op == "get_attr":
            values[node.name] = Attr(str(node.target))
        elif node.op == "output":
            outputs = refs(map_arg(node.args, convert))
        elif _SIZES in node.meta or _NUMBER in node.meta:
            # Sizes or a number, which the calls read as constants.
            values[node.name] = node.meta.get(_SIZES, node.meta.get(_NUMBER))
        else:
            values[node.name] = Ref(node.name)
            meta = node.meta.get("tensor_meta")
            calls.append(Call(
                key=node.name, kind=_KINDS[node.op], target=node.target,
                args=tuple(map_arg(node.args, convert)), kwargs=dict(map_arg(node.kwargs, convert)),
                scope=scopes.get(node.name, ""), shape=_meta_shape(meta), tensor=meta is not None,
                single=_is_tensor_meta(meta), parts=_meta_parts(meta),
                sizes=node.meta.get(_SIZE_ITEMS, ()),
            ))  # fmt: skip
    return calls, outputs


def _meta_shape(meta: Any) -> Shape | None:
    """The shape without the batch axis from ShapeProp's ``tensor_meta`` (None: not one tensor)."""
    return batched(tuple(meta.shape)) if _is_tensor_meta(meta) else None


def _meta_parts(meta: Any) -> tuple[Shape | None, ...]:
    """The items' shapes of a tuple result (``x.chunk(2)``, ``nn.MultiheadAttention``)."""
    if _is_tensor_meta(meta) or not isinstance(meta, tuple | list):
        return ()  # TensorMetadata is a NamedTuple: one tensor
    return tuple(_meta_shape(item) for item in meta)


def _is_tensor_meta(meta: Any) -> bool:
    from torch.fx.passes.shape_prop import TensorMetadata

    return isinstance(meta, TensorMetadata)
