"""A PyTorch model as a cnncalc spec: trace it with torch.fx, translate each operation.

``cnncalc import torch MODULE:FACTORY --input C,H,W`` builds the model and
traces its ``forward`` with :mod:`torch.fx` (symbolic tracing records the
module calls and functions of the whole graph, branches included;
https://pytorch.org/docs/stable/fx.html). Every node becomes a spec layer:
``call_module`` nodes by the module's class (:func:`_module_translators`, one
small function per class, reading the constructor arguments documented at
https://pytorch.org/docs/stable/nn.html), ``call_function`` and
``call_method`` nodes by the function (:func:`_function_translators`,
:func:`_method_translators`). Graph edges become ``input:``/``inputs:``.

Where fx cannot trace a model (control flow on tensor values), the model is
run once and recorded instead (:func:`_record`): forward hooks on the leaf
modules, and a ``TorchFunctionMode`` for the torch functions and tensor
methods between them. That graph holds only the path the input took.

Every translation is checked against PyTorch itself: one forward pass
(``ShapeProp``) gives each node's output shape, and the spec's analysis must
give the same output shape, parameter count and buffer count for every layer,
or the import fails naming the layer (a bug here, never a silently wrong
spec). What has no cnncalc layer type is listed in ``skipped``; if leaving it
out would change a later shape, the import fails with an error naming it.
torch is imported inside the functions, so this module imports without it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import inspect
import io
import math
import operator
import os
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cnncalc.errors import CnncalcError
from cnncalc.importers.common import Imported

if TYPE_CHECKING:
    import torch
    import torch.fx
    from torch import nn

Shape = tuple[int, ...]
Layer = dict[str, Any]
Layout = tuple[int, ...] | None
"""Torch axis ``i`` (batch left out) is cnncalc's axis ``layout[i]``; None: the same order."""

_NEEDS_TORCH = "cnncalc import torch needs PyTorch: pip install torch"
_BUG = "this is a bug in cnncalc's PyTorch importer: please report it with the model"
_MERGES = ("add", "multiply", "concat")
_AXIS_FREE = ("relu", "relu6", "tanh", "sigmoid", "softmax", "hardswish", "gelu", "silu",
              "dropout", "identity", "add", "multiply")  # fmt: skip
"""Types that treat every value alike, so they read permuted tensors as they are."""


class _Untranslatable(Exception):
    """An operation with no cnncalc layer; the message says why."""


# -- the operations of one forward pass, from fx or from the recorder ---------------------


@dataclass(frozen=True, slots=True)
class _Ref:
    """A tensor argument made by an earlier call, or ``input`` (the network's input)."""

    key: str


@dataclass(frozen=True, slots=True)
class _Attr:
    """A tensor argument that no call made: a parameter, a buffer, a constant."""

    name: str


@dataclass(slots=True)
class _Call:
    """One operation of the forward pass, as both tracing methods record it."""

    key: str
    kind: Literal["module", "function", "method"]
    target: Any
    """The module's qualified name, the function, or the method's name."""
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    scope: str
    """The qualified name of the module whose ``forward`` made the call ('' for the root)."""
    shape: Shape | None
    """The output's shape without the batch axis; None unless it is one batched tensor."""
    tensor: bool
    """Whether the result holds a tensor (``x.size(0)`` does not: shape arithmetic)."""
    single: bool = True
    """Whether the result is one tensor (not a tuple, as ``x.chunk(2)`` or ``nn.LSTM`` give)."""


@dataclass(frozen=True, slots=True)
class _Op:
    """What a translator sees: the call, its layer inputs' shapes, its output's shape."""

    call: _Call
    inputs: tuple[Shape, ...]
    """Channels first (cnncalc's order), whatever ``layout`` says of the torch tensors."""
    output: Shape
    notes: list[str]
    layout: Layout = None
    """How the torch tensors' axes are permuted from cnncalc's, if they are (ConvNeXt)."""
    params: dict[str, torch.Tensor] = field(default_factory=dict)
    """The parameters and buffers the call reads by name (``F.linear(x, self.weight)``)."""

    @property
    def input(self) -> Shape:
        return self.inputs[0]

    def arg(self, index: int, name: str, default: Any = None) -> Any:
        """Argument ``name`` of the call, given by keyword or at position ``index``."""
        if name in self.call.kwargs:
            return self.call.kwargs[name]
        return self.call.args[index] if index < len(self.call.args) else default


# -- loading MODULE:FACTORY -------------------------------------------------------------


def import_torch(target: str, input_shape: tuple[int, ...]) -> Imported:
    """The spec of the model ``MODULE:FACTORY`` builds, traced on an input of ``input_shape``.

    ``MODULE`` is an importable module (``torchvision.models``) or a file
    (``path/to/net.py``); ``FACTORY`` a class or function called with no
    arguments, or a module instance. Every failure is a :class:`CnncalcError`.
    """
    _require_torch()
    module = _build(target)
    source = f"PyTorch {target} ({type(module).__qualname__})"
    return _import(module, input_shape, target, source)


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise CnncalcError(_NEEDS_TORCH) from None


def _build(target: str) -> nn.Module:
    from torch import nn

    where, colon, attribute = target.rpartition(":")
    if not colon or not where or not attribute:
        raise CnncalcError(
            f"expected MODULE:FACTORY (e.g. torchvision.models:resnet18 or path/to/net.py:Net), "
            f"got '{target}'"
        )
    found = _attribute(_python_module(where), where, attribute)
    if isinstance(found, nn.Module):
        return found
    if not callable(found):
        raise CnncalcError(f"{target} is a {type(found).__name__}, not a torch.nn.Module")
    try:
        built = found()
    except Exception as error:  # the user's code: any failure is theirs to see in one line
        raise CnncalcError(f"calling {target}() failed: {_one_line(error)}") from None
    if not isinstance(built, nn.Module):
        raise CnncalcError(f"{target}() returned a {type(built).__name__}, not a torch.nn.Module")
    return built


def _python_module(where: str) -> Any:
    """The module ``where`` names: a file path (``net.py``) or a dotted module name."""
    if where.endswith(".py") or os.sep in where or "/" in where:
        return _module_from_file(Path(where))
    # The console script's sys.path holds its own directory, not the working one,
    # which `python -m` would have: add it, so `my_net:Net` works as it does there.
    with _on_path(os.getcwd()):
        try:
            return importlib.import_module(where)
        except ModuleNotFoundError as error:
            if error.name and (where == error.name or where.startswith(error.name + ".")):
                raise CnncalcError(
                    f"no module named '{error.name}' (is it installed, or on PYTHONPATH?)"
                ) from None
            raise CnncalcError(f"importing {where} failed: {_one_line(error)}") from None
        except Exception as error:
            raise CnncalcError(f"importing {where} failed: {_one_line(error)}") from None


def _module_from_file(path: Path) -> Any:
    if not path.is_file():
        raise CnncalcError(f"{path}: no such file")
    name = f"cnncalc_import_{path.stem}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise CnncalcError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    # The file may import its neighbours, as it would when run as a script.
    with _on_path(str(path.resolve().parent)):
        try:
            loader_spec.loader.exec_module(module)
        except Exception as error:
            del sys.modules[name]
            raise CnncalcError(f"{path}: running the file failed: {_one_line(error)}") from None
    return module


@contextlib.contextmanager
def _on_path(directory: str) -> Iterator[None]:
    """Puts a directory first on ``sys.path`` for the duration, if it is not there."""
    added = directory not in sys.path
    if added:
        sys.path.insert(0, directory)
    try:
        yield
    finally:
        if added and directory in sys.path:
            sys.path.remove(directory)


def _attribute(module: Any, where: str, attribute: str) -> Any:
    found = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            from cnncalc.spec.fields import suggest

            names = [name for name in dir(module) if not name.startswith("_")]
            raise CnncalcError(
                f"{where} has no attribute '{attribute}'{suggest(attribute, names)}"
            ) from None
    return found


def _one_line(error: BaseException, limit: int = 200) -> str:
    """An exception as one bounded line: its type and the first line of its message."""
    text = str(error).strip().splitlines()
    message = f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
    return message if len(message) <= limit else message[: limit - 1] + "…"


# -- the importer -----------------------------------------------------------------------


def from_module(
    module: nn.Module, input_shape: tuple[int, ...], name: str | None = None
) -> Imported:
    """The spec of ``module`` on inputs of ``input_shape`` (without the batch axis).

    Traced with torch.fx, or recorded during one forward pass where fx cannot
    trace; checked layer by layer against PyTorch (shapes, parameters,
    buffers). Raises :class:`CnncalcError` for what cannot be translated.
    """
    _require_torch()
    from torch import nn

    if not isinstance(module, nn.Module):
        raise CnncalcError(f"expected a torch.nn.Module, got a {type(module).__name__}")
    cls = type(module)
    return _import(module, input_shape, name or cls.__name__,
                   f"PyTorch {cls.__module__}.{cls.__qualname__}")  # fmt: skip


def _import(module: nn.Module, input_shape: tuple[int, ...], title: str, source: str) -> Imported:
    """Trace (or record), translate, check against torch; ``title`` and ``source`` name it."""
    import torch

    if not input_shape or not all(isinstance(n, int) and n > 0 for n in input_shape):
        raise CnncalcError(f"the input shape must be positive sizes, got {list(input_shape)}")
    _one_input(module)
    root = _wrapped(module)
    training = module.training
    module.eval()  # batch norm on one sample, dropout: inference behaviour
    try:
        with torch.no_grad():
            calls, outputs, method = _trace_or_record(root, input_shape)
    finally:
        module.train(training)
    translation = _Translation(root, input_shape)
    for call in _live(calls, outputs):
        translation.add(call)
    spec = {
        "name": title,
        "source": source,
        "framework": "pytorch",
        "convention": "flops",
        "input": list(input_shape),
        "layers": translation.finished(),
    }
    _verify(spec, translation.checks)
    comments = [
        f"{title}: written by `cnncalc import torch` (torch {torch.__version__}).",
        method,
        f"Checked on an input of {_shape_text((1, *input_shape))}: every layer's output shape, "
        "parameters and buffers equal PyTorch's.",
        *translation.notes,
    ]
    if translation.skipped:
        comments.append("The skipped operations below are not counted: the totals leave them out.")
    return Imported(spec=spec, skipped=translation.skipped, comments=comments)


def _one_input(module: nn.Module) -> None:
    """A model whose forward needs more than the one input tensor cannot be run here."""
    try:
        parameters = inspect.signature(module.forward).parameters.values()
    except (TypeError, ValueError):  # a forward without a signature: let the run tell
        return
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    required = [p.name for p in parameters if p.kind in positional and p.default is p.empty]
    if len(required) > 1:
        raise CnncalcError(
            f"the model's forward takes {len(required)} inputs ({', '.join(required)}); cnncalc "
            "imports models of one input tensor"
        )


def _wrapped(module: nn.Module) -> nn.Module:
    """A model that is itself one layer (``nn.Conv2d(...)``), inside a container to trace."""
    from torch import nn

    if not _is_leaf(module):
        return module
    return nn.Sequential(OrderedDict([(type(module).__name__.lower(), module)]))


def _trace_or_record(root: nn.Module, input_shape: Shape) -> tuple[list[_Call], list[_Ref], str]:
    """The model's calls and its outputs: traced with fx, else recorded while it runs."""
    import torch

    example = torch.zeros(1, *input_shape)
    try:
        graph_module, scopes = _trace(root)
    except Exception as error:  # fx raises TraceError, TypeError, …: any means "cannot trace"
        reason = f"torch.fx could not trace the forward ({_one_line(error, 120)})"
    else:
        try:
            from torch.fx.passes.shape_prop import ShapeProp

            # ShapeProp prints the traceback of a failing node before raising: keep it quiet.
            with contextlib.redirect_stderr(io.StringIO()):
                ShapeProp(graph_module).propagate(example)
        except Exception as error:
            # The model itself may run where its traced graph does not: try it.
            reason = f"the traced graph did not run ({_one_line(error, 120)})"
        else:
            calls, outputs = _calls_from_graph(graph_module, scopes)
            return calls, outputs, _TRACED
    calls, outputs = _record(root, example)
    recorded = (
        f"Recorded by running the model once on torch.zeros"
        f"{_shape_text((1, *input_shape), ', ', '()')}, as {reason}: forward hooks on the leaf "
        "modules and the torch functions between them, in call order. Only the path this input "
        "took is recorded, and branches may need their input: fields checked."
    )
    return calls, outputs, recorded


_TRACED = (
    "Traced with torch.fx (symbolic_trace): the layers and their inputs are the forward's graph."
)


def _shape_text(shape: Sequence[int], sep: str = "×", brackets: str = "") -> str:
    text = sep.join(str(n) for n in shape)
    return f"{brackets[0]}{text}{brackets[1]}" if brackets else text


# -- torch.fx --------------------------------------------------------------------------


def _is_leaf(module: nn.Module) -> bool:
    """A module translated as a whole: one with a translator, or torch.nn's own (fx's rule)."""
    from torch import nn

    if _module_translator(type(module)) is not None:
        return True
    home = type(module).__module__
    containers = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
    return home.startswith(("torch.nn", "torch.ao.nn")) and not isinstance(module, containers)


def _trace(root: nn.Module) -> tuple[torch.fx.GraphModule, dict[str, str]]:
    """The fx graph of ``root``, and the module each node was called from."""
    import torch.fx

    class Tracer(torch.fx.Tracer):
        # fx's own rule makes every torch.nn module a leaf; a subclass of one
        # (a user's nn.Conv2d with extra attributes) is a leaf too when it has
        # our translator, so it is one layer rather than its functional insides.
        def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
            return _is_leaf(m)

    tracer = Tracer()
    graph = tracer.trace(root)
    scopes = {node: scope for node, (scope, _) in tracer.node_name_to_scope.items()}
    return torch.fx.GraphModule(tracer.root, graph), scopes


def _calls_from_graph(
    graph_module: torch.fx.GraphModule, scopes: dict[str, str]
) -> tuple[list[_Call], list[_Ref]]:
    from torch.fx.node import map_arg

    refs: dict[str, _Ref | _Attr] = {}
    calls: list[_Call] = []
    outputs: list[_Ref] = []

    def convert(node: torch.fx.Node) -> Any:
        return refs[node.name]

    for node in graph_module.graph.nodes:
        if node.op == "placeholder":
            # The first argument is the network's input; later ones keep their defaults.
            first = not any(isinstance(ref, _Ref) for ref in refs.values())
            refs[node.name] = _Ref("input") if first else _Attr(str(node.target))
        elif node.op == "get_attr":
            refs[node.name] = _Attr(str(node.target))
        elif node.op == "output":
            outputs = [r for r in _flat(map_arg(node.args, convert)) if isinstance(r, _Ref)]
        else:
            refs[node.name] = _Ref(node.name)
            meta = node.meta.get("tensor_meta")
            calls.append(_Call(
                key=node.name, kind=_KINDS[node.op], target=node.target,
                args=tuple(map_arg(node.args, convert)), kwargs=dict(map_arg(node.kwargs, convert)),
                scope=scopes.get(node.name, ""), shape=_meta_shape(meta), tensor=meta is not None,
                single=_is_tensor_meta(meta),
            ))  # fmt: skip
    return calls, outputs


_KINDS: dict[str, Literal["module", "function", "method"]] = {
    "call_module": "module", "call_function": "function", "call_method": "method",
}  # fmt: skip


def _meta_shape(meta: Any) -> Shape | None:
    """The shape without the batch axis from ShapeProp's ``tensor_meta`` (None: not one tensor)."""
    return _batched(tuple(meta.shape)) if _is_tensor_meta(meta) else None


def _is_tensor_meta(meta: Any) -> bool:
    from torch.fx.passes.shape_prop import TensorMetadata

    return isinstance(meta, TensorMetadata)


def _batched(full: Sequence[int]) -> Shape | None:
    # The input has batch size 1: a result without that leading 1 is not a batch of values.
    return tuple(int(n) for n in full[1:]) if full and full[0] == 1 else None


def _flat(value: Any) -> Iterator[Any]:
    """The leaves of nested tuples, lists and dicts, in order."""
    if isinstance(value, list | tuple):
        for item in value:
            yield from _flat(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _flat(item)
    else:
        yield value


def _live(calls: list[_Call], outputs: list[_Ref]) -> list[_Call]:
    """The calls that matter: module calls, and what they and the outputs are computed from.

    A function whose result nothing uses (``x.sum()`` in an ``if``, shape
    arithmetic) is not part of the network.
    """
    needed = {ref.key for ref in outputs}
    kept: list[_Call] = []
    for call in reversed(calls):
        if call.kind == "module" or call.key in needed:
            kept.append(call)
            needed |= {r.key for r in _flat((call.args, call.kwargs)) if isinstance(r, _Ref)}
    return kept[::-1]


# -- recording one forward pass (where fx cannot trace) -----------------------------------


def _record(root: nn.Module, example: torch.Tensor) -> tuple[list[_Call], list[_Ref]]:
    """The calls of one forward pass: hooks on the leaf modules, a mode for the functions."""
    recorder = _Recorder(root, example)
    handles = recorder.hook()
    try:
        with recorder.mode():
            result = root(example)
    except Exception as error:
        raise CnncalcError(_forward_failed(example, error)) from None
    finally:
        for handle in handles:
            handle.remove()
    outputs = [r for r in map(recorder.argument, _flat(result)) if isinstance(r, _Ref)]
    return recorder.calls, outputs


def _forward_failed(example: torch.Tensor, error: BaseException) -> str:
    return (
        f"the model's forward pass on an input of shape {_shape_text(tuple(example.shape))} "
        f"failed (is --input right for this model?): {_one_line(error)}"
    )


class _Recorder:
    """Records module calls (forward hooks) and torch functions (a TorchFunctionMode).

    Tensors are followed by identity: a call's tensor argument is the output
    of the call that made that very tensor object, which gives the graph's
    edges, residual branches included.
    """

    def __init__(self, root: nn.Module, example: torch.Tensor) -> None:
        self.root = root
        self.calls: list[_Call] = []
        self.makers: dict[int, str] = {id(example): "input"}
        self.kept: list[Any] = [example]  # keeps ids unique while they are looked up
        self.named = {id(t): n for n, t in (*root.named_parameters(), *root.named_buffers())}
        self.scopes = [""]
        self.depth = 0  # > 0 inside a leaf module: its insides are that one layer

    def hook(self) -> list[Any]:
        """Hooks on every module: leaves are recorded, the others give the scope."""
        handles = []
        for qualified, module in _hook_targets(self.root):
            if _is_leaf(module):
                handles.append(module.register_forward_pre_hook(self._enter_leaf))
                handles.append(
                    module.register_forward_hook(self._leaf_called(qualified), with_kwargs=True)
                )
            else:
                handles.append(module.register_forward_pre_hook(self._enter_scope(qualified)))
                handles.append(module.register_forward_hook(self._leave_scope))
        return handles

    def _enter_leaf(self, module: nn.Module, args: Any) -> None:
        self.depth += 1

    def _leaf_called(self, qualified: str) -> Callable[..., None]:
        def called(module: nn.Module, args: Any, kwargs: Any, output: Any) -> None:
            self.depth -= 1
            if self.depth == 0:
                self.depth += 1  # the tensor calls made while recording are not the model's
                try:
                    self.add("module", qualified, args, kwargs, output)
                finally:
                    self.depth -= 1

        return called

    def _enter_scope(self, qualified: str) -> Callable[..., None]:
        def enter(module: nn.Module, args: Any) -> None:
            self.scopes.append(qualified)

        return enter

    def _leave_scope(self, module: nn.Module, args: Any, output: Any) -> None:
        self.scopes.pop()

    def mode(self) -> Any:
        """A TorchFunctionMode that records the functions called outside leaf modules."""
        from torch.overrides import TorchFunctionMode

        recorder = self

        class Mode(TorchFunctionMode):
            def __torch_function__(
                self, func: Any, types: Any, args: Any = (), kwargs: Any = None
            ) -> Any:
                result = func(*args, **(kwargs or {}))
                if recorder.depth == 0:
                    recorder.function(func, args, kwargs or {}, result)
                return result

        return Mode()

    def function(self, func: Any, args: Any, kwargs: dict[str, Any], result: Any) -> None:
        """Record a torch function or tensor method (``x.add(y)`` is how ``x + y`` arrives)."""
        import torch

        if not any(isinstance(r, _Ref) for r in map(self.argument, _flat((args, kwargs)))):
            return  # a constant (made from parameters or literals), not from the input
        name = getattr(func, "__name__", "")
        if name and getattr(torch.Tensor, name, None) is func:
            self.add("method", name, args, kwargs, result)
        else:
            self.add("function", func, args, kwargs, result)

    def add(
        self,
        kind: Literal["module", "function", "method"],
        target: Any,
        args: Any,
        kwargs: Any,
        result: Any,
    ) -> None:
        import torch

        tensors = [t for t in _flat(result) if isinstance(t, torch.Tensor)]
        if not tensors:
            return  # x.size(0), x.dim(): shape arithmetic
        key = f"call{len(self.calls)}"
        single = isinstance(result, torch.Tensor) and result.dim() > 0
        self.calls.append(_Call(
            key=key, kind=kind, target=target, args=self._convert(args),
            kwargs=dict(self._convert(kwargs)), scope=self.scopes[-1],
            shape=_batched(tuple(result.shape)) if single else None, tensor=True,
            single=isinstance(result, torch.Tensor),
        ))  # fmt: skip
        for tensor in tensors:
            # An in-place op returns its input: that object now holds the op's result.
            self.makers[id(tensor)] = key
            self.kept.append(tensor)

    def _convert(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(self._convert(item) for item in value)
        if isinstance(value, dict):
            return {k: self._convert(v) for k, v in value.items()}
        return self.argument(value)

    def argument(self, value: Any) -> Any:
        """A tensor as the call that made it, a parameter by name; other values as they are."""
        import torch

        if not isinstance(value, torch.Tensor):
            return value
        key = self.makers.get(id(value))
        if key is not None:
            return _Ref(key)
        return _Attr(self.named.get(id(value), "a tensor the recorder did not follow"))


def _hook_targets(root: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    """Every module down to the leaves (a leaf's insides are its one layer), each once.

    Named as ``named_modules()`` names them (a shared module by its first name),
    which is how the translation looks them up.
    """
    leaves: list[str] = []
    for qualified, module in root.named_modules():
        if any(qualified.startswith(leaf + ".") for leaf in leaves):
            continue
        yield qualified, module
        if qualified and _is_leaf(module):
            leaves.append(qualified)


# -- from calls to layers ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Check:
    """What PyTorch says of a layer: its output shape, parameters and buffers."""

    name: str
    what: str
    shape: Shape
    params: int
    buffers: int


@dataclass(frozen=True, slots=True)
class _Opaque:
    """A value no layer stands for: an untranslated tuple result, or a constant."""

    reason: str | None
    """Why it cannot be followed (None: a constant, which is simply not a layer's input)."""


@dataclass
class _Translation:
    """Turns calls into spec layers, in order, keeping what PyTorch says of each."""

    root: nn.Module
    input_shape: Shape
    layers: list[Layer] = field(default_factory=list)
    checks: list[_Check] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    values: dict[str, str | _Opaque] = field(default_factory=lambda: {"input": "input"})
    shapes: dict[str, Shape] = field(default_factory=dict)
    names: set[str] = field(default_factory=lambda: {"input", "total"})
    """Names taken: a spec reserves ``input`` (the network's) and ``total`` (for ``expect``)."""
    previous: str = "input"
    module_calls: dict[str, int] = field(default_factory=dict)
    translated: set[str] = field(default_factory=set)
    left_out: set[str] = field(default_factory=set)
    scopes: set[str] = field(default_factory=set)
    """The modules whose forward made a call (traced through, or their leaves called)."""
    layouts: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Calls whose tensor is a layer's output with its axes permuted (ConvNeXt's channels last)."""
    read: set[str] = field(default_factory=set)
    """Parameters and buffers that functional layers (``F.linear``) count."""
    modules: dict[str, nn.Module] = field(init=False)
    parameters: dict[str, torch.Tensor] = field(init=False)
    tensors: dict[str, torch.Tensor] = field(init=False)

    def __post_init__(self) -> None:
        self.shapes["input"] = self.input_shape
        self.modules = dict(self.root.named_modules())
        self.parameters = dict(self.root.named_parameters())
        self.tensors = self.parameters | dict(self.root.named_buffers())

    def add(self, call: _Call) -> None:
        """Translate one call: a layer, an alias (no-op), or a skipped line."""
        self.scopes.add(call.scope)
        if not call.tensor:
            return  # x.size(0): shape arithmetic feeding a view, no layer
        inputs = self._sources(call)
        if call.shape is None:
            why = (
                "its result has no batch axis (the batch reduced, or merged by a reshape)"
                if call.single
                else "it returns several tensors"
            )
            self.values[call.key] = _Opaque(
                f"cannot translate {self._display(call)} ({self._what(call)}): {why}"
            )
            if call.kind == "module":
                self._leave_out(call, why)
            return
        if not inputs and call.kind != "module":
            self.values[call.key] = _Opaque(None)
            return
        if not inputs:
            inputs = [(self.previous, self.layouts.get(self.previous))]
            self.notes.append(
                f"{call.target}: its input is not computed from the network's input as far as "
                "the tracer saw; it reads the layer above."
            )
        sources = [name for name, _ in inputs]
        layout = self._layout(call, inputs)
        if _is_permutation(call):
            self._permute(call, sources[0], layout)
            return
        op = _Op(call, tuple(self.shapes[s] for s in sources), _unpermuted(call.shape, layout),
                 self.notes, layout, self._params(call))  # fmt: skip
        try:
            layer = self._translate(op, len(sources))
        except _Untranslatable as why:
            self._skip(op, sources, str(why))
            return
        if layer is None:  # a no-op: x.contiguous(), a view to the same shape
            self._alias(call, sources[0], layout)
            return
        self._emit(op, layer, sources)

    def _sources(self, call: _Call) -> list[tuple[str, Layout]]:
        """The layers a call reads (tensor arguments made by layers), in argument order."""
        sources = []
        for ref in _flat((call.args, call.kwargs)):
            value = self.values.get(ref.key) if isinstance(ref, _Ref) else None
            if isinstance(value, _Opaque) and value.reason is not None:
                raise CnncalcError(
                    f"{value.reason}, which cnncalc cannot follow, and {self._display(call)} "
                    f"({self._what(call)}) reads its result"
                )
            if isinstance(value, str):
                assert isinstance(ref, _Ref)
                sources.append((value, self.layouts.get(ref.key)))
        return sources

    def _layout(self, call: _Call, read: list[tuple[str, Layout]]) -> Layout:
        layouts = {layout for _, layout in read}
        if len(layouts) > 1:
            raise CnncalcError(
                f"cannot translate {self._display(call)} ({self._what(call)}): it combines "
                "tensors whose axes are permuted differently"
            )
        return layouts.pop()

    def _params(self, call: _Call) -> dict[str, torch.Tensor]:
        names = [a.name for a in _flat((call.args, call.kwargs)) if isinstance(a, _Attr)]
        return {name: self.tensors[name] for name in names if name in self.tensors}

    def _permute(self, call: _Call, source: str, layout: Layout) -> None:
        """``x.permute(0, 2, 3, 1)``: the same values, the axes in another order; no layer."""
        assert call.shape is not None
        order = _permutation(call, len(call.shape) + 1)
        if order is None or order[0] != 0:
            raise CnncalcError(
                f"cannot translate {self._display(call)} ({self._what(call)}): it moves the "
                "batch axis"
            )
        current = layout or tuple(range(len(call.shape)))
        self._alias(call, source, tuple(current[axis - 1] for axis in order[1:]))

    def _alias(self, call: _Call, source: str, layout: Layout) -> None:
        """The call's tensor is ``source``'s output (its axes in ``layout``'s order)."""
        self.values[call.key] = source
        if layout is not None and layout != tuple(range(len(layout))):
            self.layouts[call.key] = layout

    def _translate(self, op: _Op, sources: int) -> Layer | None:
        translator, translate = self._translator(op.call)
        layer = translate(op)
        if layer is None:
            return None
        if layer["type"] not in _MERGES and sources != 1:
            raise _Untranslatable(f"it reads {sources} layers")
        permuted = op.layout is not None and layer["type"] not in _AXIS_FREE
        if permuted and translator not in _LAYOUT_AWARE:
            raise _Untranslatable(
                f"it reads a tensor whose axes are permuted (cnncalc's axes "
                f"{_shape_text(op.layout or (), ', ')}), which cnncalc's layer would read in order"
            )
        return layer

    def _translator(self, call: _Call) -> tuple[object, Callable[[_Op], Layer | None]]:
        """(the registered translator, the translation of this call)."""
        if call.kind == "module":
            module = self.modules[call.target]
            found = _module_translator(type(module))
            if found is not None:
                return found, functools.partial(found, module)
        else:
            table = _function_translators() if call.kind == "function" else _method_translators()
            function = table.get(call.target)
            if function is not None:
                return function, function
        raise _Untranslatable("cnncalc has no layer type for it")

    def _emit(self, op: _Op, layer: Layer, sources: list[str]) -> None:
        call = op.call
        name = self._name(call, layer["type"])
        entry: Layer = {"name": name, **layer}
        if layer["type"] in _MERGES:
            entry["inputs"] = sources
        elif sources[0] != self.previous:
            entry["input"] = sources[0]
        self.layers.append(entry)
        if call.kind == "module":
            module = self.modules[call.target]
            params, buffers = _numel(module.parameters()), _numel(module.buffers())
            self.translated.add(call.target)
            self.module_calls[call.target] = self.module_calls.get(call.target, 0) + 1
        else:  # F.linear(x, self.weight): the parameters it reads are this layer's
            params = sum(t.numel() for n, t in op.params.items() if n in self.parameters)
            buffers = sum(t.numel() for n, t in op.params.items() if n not in self.parameters)
            self.read |= set(op.params)
        self.checks.append(_Check(name, self._what(call), op.output, params, buffers))
        self._alias(call, name, op.layout)
        self.shapes[name] = op.output
        self.previous = name

    def _skip(self, op: _Op, sources: list[str], why: str) -> None:
        call = op.call
        display, what = self._display(call), self._what(call)
        before = self.shapes[sources[0]]
        if op.output != before:
            raise CnncalcError(
                f"cannot translate {display} ({what}): {why}; it changes the shape "
                f"{_shape_text(before)} → {_shape_text(op.output)}, so the layers after it "
                "would be wrong"
            )
        # Same shape in and out: the layers after it are right without it.
        self._alias(call, sources[0], op.layout)
        if call.kind == "module":
            self._leave_out(call, why)
        else:
            self.skipped.append(f"{display} ({what}): {why}")

    def _leave_out(self, call: _Call, why: str) -> None:
        module = self.modules[call.target]
        params = _numel(module.parameters())
        counted = f"; its {params:,} parameters are not counted" if params else ""
        self.skipped.append(f"{call.target} ({self._what(call)}): {why}{counted}")
        self.left_out.add(call.target)

    def _name(self, call: _Call, kind: str) -> str:
        """The module's qualified name; a function is named by its type, in its module."""
        if call.kind == "module":
            base = str(call.target)
        else:
            base = f"{call.scope}.{kind}" if call.scope else kind
        name, suffix = base, 0
        while name in self.names:  # a module called twice (ResNet's one ReLU), two adds
            suffix += 1
            name = f"{base}_{suffix}"
        self.names.add(name)
        return name

    def _display(self, call: _Call) -> str:
        if call.kind == "module":
            return str(call.target)
        name = call.target if call.kind == "method" else getattr(call.target, "__name__", "op")
        return f"{call.scope}.{name}" if call.scope else str(name)

    def _what(self, call: _Call) -> str:
        if call.kind == "module":
            return _class_name(type(self.modules[call.target]))
        if call.kind == "method":
            return f"Tensor.{call.target}"
        home = getattr(call.target, "__module__", None) or "torch"
        home = {"torch.nn.functional": "F", "_operator": "operator"}.get(home, home)
        return f"{home}.{getattr(call.target, '__name__', repr(call.target))}"

    def finished(self) -> list[Layer]:
        """The layers, once every call is in; notes on shared weights and uncounted parameters."""
        if not self.layers:
            raise CnncalcError(
                "no operation of the model has a cnncalc layer type"
                + (f" (skipped: {'; '.join(self.skipped)})" if self.skipped else "")
            )
        for target, count in self.module_calls.items():
            params = _numel(self.modules[target].parameters())
            if count > 1 and params:
                self.notes.append(
                    f"{target} is called {count} times (shared weights): each call is a layer, "
                    f"so its {params:,} parameters are counted {count} times."
                )
        accounted = self.translated | self.left_out
        called = _with_ancestors(accounted | self.scopes)
        self.skipped += _uncounted(self.root, accounted, called, self.read)
        return self.layers


def _numel(tensors: Iterator[torch.Tensor]) -> int:
    return sum(t.numel() for t in tensors)


def _class_name(cls: type[Any]) -> str:
    """``nn.LSTM`` for torch.nn's classes, else the full dotted name."""
    from torch import nn

    if getattr(nn, cls.__name__, None) is cls:
        return f"nn.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def _uncounted(root: nn.Module, accounted: set[str], called: set[str], read: set[str]) -> list[str]:
    """One line per module whose parameters no layer counts: never called, or read directly.

    ``accounted``: modules translated or skipped whole; ``called``: every
    module whose ``forward`` ran (its ancestors included); ``read``: the
    parameters functional layers count.
    """
    lines: list[str] = []
    unused: list[str] = []
    for qualified, module in root.named_modules():
        if _within(qualified, accounted) or _within(qualified, set(unused)):
            continue
        what = f"{qualified or '(the model itself)'} ({_class_name(type(module))})"
        if qualified not in called:
            unused.append(qualified)
            params = _numel(module.parameters())
            if params:
                lines.append(f"{what}: never called on this input (in eval mode); its "
                             f"{params:,} parameters are not counted")  # fmt: skip
            continue
        prefix = f"{qualified}." if qualified else ""
        own = {n: p for n, p in module.named_parameters(recurse=False) if prefix + n not in read}
        if own:
            lines.append(
                f"{what}: parameters {', '.join(own)} ({_numel(iter(own.values())):,} values) "
                "are read directly in forward, by operations with no layer: not counted"
            )
    return lines


def _within(qualified: str, modules: set[str]) -> bool:
    """Whether ``qualified`` is one of ``modules`` or inside one (the root '' holds all)."""
    return any(qualified == m or qualified.startswith(m + ".") for m in modules if m)


def _with_ancestors(names: set[str]) -> set[str]:
    """``{'a.b.c'}`` → ``{'', 'a', 'a.b', 'a.b.c'}``."""
    parts = [name.split(".") for name in names if name]
    return {""} | {".".join(p[:i]) for p in parts for i in range(1, len(p) + 1)}


# -- checking the spec against PyTorch ---------------------------------------------------


def _verify(spec: dict[str, Any], checks: list[_Check]) -> None:
    """Analyse the spec; every layer's shape, parameters and buffers must equal PyTorch's."""
    from cnncalc.api import analyze

    try:
        report = analyze(spec)
    except CnncalcError as error:
        raise CnncalcError(f"the imported spec does not analyse ({error}); {_BUG}") from None
    rows = {row.name: row for row in report.layers}
    for check in checks:
        row = rows[check.name]
        ours = (tuple(int(n) for n in row.output_shape), int(row.params), int(row.buffers))
        theirs = (check.shape, check.params, check.buffers)
        if ours != theirs:
            raise CnncalcError(
                f"layer '{check.name}' ({check.what}): cnncalc gives output "
                f"{_shape_text(ours[0])}, {ours[1]:,} parameters, {ours[2]:,} buffers, PyTorch "
                f"{_shape_text(theirs[0])}, {theirs[1]:,}, {theirs[2]:,}; {_BUG}"
            )


# -- translators: small helpers -----------------------------------------------------------

ModuleTranslator = Callable[[Any, _Op], Layer | None]
FunctionTranslator = Callable[[_Op], Layer | None]


def _sizes(value: Any, rank: int) -> tuple[int, ...]:
    """A torch size argument (``3`` or ``(3, 3)``) as one int per spatial axis."""
    if isinstance(value, int):
        return (value,) * rank
    sizes = tuple(int(v) for v in value)
    return sizes * rank if len(sizes) == 1 else sizes


def _compact(values: Sequence[int]) -> int | list[int]:
    """``3`` for ``(3, 3)``, as the shipped specs write sizes."""
    return values[0] if len(set(values)) == 1 else list(values)


def _padding(pads: Sequence[tuple[int, int]]) -> int | list[Any]:
    """``p``, ``[p_h, p_w]`` or ``[[top, bottom], [left, right]]``: the shortest that says it."""
    if all(a == b for a, b in pads):
        return _compact([a for a, _ in pads])
    return [[a, b] for a, b in pads]


def _put(layer: Layer, key: str, value: Any, default: Any) -> None:
    """Set a field only where it differs from the spec's default (readable specs)."""
    if value != default:
        layer[key] = value


def _spatial(op: _Op, rank: int, what: str) -> None:
    if len(op.input) != rank + 1:
        raise _Untranslatable(f"{what} on a {_shape_text(op.input)} input")


# -- translators: modules ---------------------------------------------------------------


def _conv(module: Any, op: _Op) -> Layer:
    """``nn.Conv1d/2d/3d`` → ``conv1d/2d/3d`` (https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html).

    Output per axis ``⌊(n + 2p − d·(k − 1) − 1)/s⌋ + 1``, cnncalc's rule too.
    ``padding='same'`` pads ``d·(k − 1)`` per axis, the odd one after (torch's
    ``_ConvNd.__init__``), written out as numbers; ``'valid'`` is 0.
    """
    rank = len(module.kernel_size)
    kernel, dilation = tuple(module.kernel_size), tuple(module.dilation)
    if isinstance(module.padding, str):
        totals = [
            d * (k - 1) if module.padding == "same" else 0
            for k, d in zip(kernel, dilation, strict=True)
        ]
        pads = [(t // 2, t - t // 2) for t in totals]
    else:
        pads = [(p, p) for p in module.padding]
    if module.padding_mode != "zeros":
        op.notes.append(
            f"{op.call.target}: padding_mode '{module.padding_mode}' is counted as zero padding "
            "(the same shapes, parameters and MACs)."
        )
    layer: Layer = {"type": f"conv{rank}d", "filters": module.out_channels,
                    "kernel": _compact(kernel)}  # fmt: skip
    _put(layer, "stride", _compact(module.stride), 1)
    _put(layer, "padding", _padding(pads), 0)
    _put(layer, "dilation", _compact(dilation), 1)
    _put(layer, "groups", module.groups, 1)
    _put(layer, "bias", module.bias is not None, True)
    return layer


def _conv_transpose(module: Any, op: _Op) -> Layer:
    """``nn.ConvTranspose2d`` → ``conv_transpose2d`` (https://pytorch.org/docs/stable/generated/torch.nn.ConvTranspose2d.html).

    Output per axis ``(n − 1)·s − 2p + d·(k − 1) + output_padding + 1``; an
    ``output_size`` given to ``forward`` shows as a shape that differs (an error).
    """
    layer: Layer = {"type": "conv_transpose2d", "filters": module.out_channels,
                    "kernel": _compact(module.kernel_size)}  # fmt: skip
    _put(layer, "stride", _compact(module.stride), 1)
    _put(layer, "padding", _compact(module.padding), 0)
    _put(layer, "output_padding", _compact(module.output_padding), 0)
    _put(layer, "dilation", _compact(module.dilation), 1)
    _put(layer, "groups", module.groups, 1)
    _put(layer, "bias", module.bias is not None, True)
    return layer


def _linear(module: Any, op: _Op) -> Layer:
    """``nn.Linear`` → ``dense`` (https://pytorch.org/docs/stable/generated/torch.nn.Linear.html).

    PyTorch applies it to the last axis of any input. On a flat input it is
    ``dense``; on a channels-last tensor (ConvNeXt's ``permute(0, 2, 3, 1)``)
    it is a 1×1 convolution, the same weights, MACs and FLOPs.
    """
    return _linear_layer(op, module.out_features, module.bias is not None)


def _linear_function(op: _Op) -> Layer:
    """``F.linear(x, self.weight, self.bias)``: as ``nn.Linear``, sized by the weight."""
    weight = op.arg(1, "weight")
    if not isinstance(weight, _Attr) or weight.name not in op.params:
        raise _Untranslatable("a weight that is not a parameter of the model")
    return _linear_layer(op, int(op.params[weight.name].shape[0]), op.arg(2, "bias") is not None)


def _linear_layer(op: _Op, units: int, bias: bool) -> Layer:
    if op.layout is not None and op.layout[-1] == 0:
        layer: Layer = {"type": f"conv{len(op.input) - 1}d", "filters": units, "kernel": 1}
    elif len(op.input) == 1:
        layer = {"type": "dense", "units": units}
    else:
        raise _Untranslatable(
            f"a Linear on the last axis of a {_shape_text(op.input)} input: cnncalc's dense "
            "reads a flat input"
        )
    _put(layer, "bias", bias, True)
    return layer


def _pool_layer(
    kind: str, op: _Op, *, kernel: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool
) -> Layer:
    """``maxpool2d``/``avgpool2d``; torch's stride defaults to the kernel, as cnncalc's does."""
    _spatial(op, 2, "2-D pooling")
    if _sizes(dilation, 2) != (1, 1):
        raise _Untranslatable("dilated pooling: cnncalc's pooling has no dilation")
    kernels = _sizes(kernel, 2)
    strides = _sizes(stride, 2) if stride not in (None, ()) else kernels
    layer: Layer = {"type": kind, "kernel": _compact(kernels)}
    _put(layer, "stride", _compact(strides), _compact(kernels))
    _put(layer, "padding", _compact(_sizes(padding, 2)), 0)
    _put(layer, "ceil_mode", bool(ceil_mode), False)
    return layer


def _pool(module: Any, op: _Op) -> Layer:
    """``nn.MaxPool2d``/``nn.AvgPool2d`` → ``maxpool2d``/``avgpool2d``.

    https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html: output per
    axis ``⌊(n + 2p − k)/s⌋ + 1`` (``ceil_mode``: rounded up, and no window
    starting in the right padding), cnncalc's rule. ``count_include_pad`` and
    ``divisor_override`` change values, not counts.
    """
    from torch import nn

    kind = "maxpool2d" if isinstance(module, nn.MaxPool2d) else "avgpool2d"
    dilation = getattr(module, "dilation", 1)
    return _pool_layer(
        kind, op, kernel=module.kernel_size, stride=module.stride, padding=module.padding,
        dilation=dilation, ceil_mode=module.ceil_mode,
    )  # fmt: skip


def _adaptive(kind: str) -> ModuleTranslator:
    """``nn.AdaptiveAvgPool2d``/``nn.AdaptiveMaxPool2d`` → ``adaptive_avgpool2d``/``…max…``.

    https://pytorch.org/docs/stable/generated/torch.nn.AdaptiveAvgPool2d.html:
    ``output_size`` may hold None (keep that axis); the size used is the one
    PyTorch produced.
    """

    def translate(module: Any, op: _Op) -> Layer:
        _spatial(op, 2, kind)
        return {"type": kind, "output_size": _compact(op.output[1:])}

    return translate


def _global(kind: str) -> ModuleTranslator:
    """``nn.AdaptiveAvgPool1d/3d`` (and max) to size 1 → ``global_avgpool`` with ``keepdims``."""

    def translate(module: Any, op: _Op) -> Layer:
        if any(n != 1 for n in op.output[1:]):
            raise _Untranslatable(
                "cnncalc's adaptive pooling is 2-D; in 1-D and 3-D only global pooling (size 1)"
            )
        return {"type": kind, "keepdims": True}

    return translate


def _batch_norm(module: Any, op: _Op) -> Layer:
    """``nn.BatchNorm1d/2d/3d`` → ``batchnorm`` (https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html).

    ``affine``: γ and β, ``2·c`` parameters; ``track_running_stats``: the
    running mean and variance and ``num_batches_tracked``, ``2·c + 1``
    buffers (the spec's ``framework: pytorch``).
    """
    if not module.track_running_stats:
        raise _Untranslatable(
            "track_running_stats=False: no running statistics, which cnncalc's batchnorm has"
        )
    layer: Layer = {"type": "batchnorm"}
    if not module.affine:
        layer |= {"center": False, "scale": False}
    return layer


def _layer_norm(module: Any, op: _Op) -> Layer:
    """``nn.LayerNorm`` → ``layernorm`` (https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html).

    It normalises the last ``len(normalized_shape)`` axes, with a weight and a
    bias of that shape: over the whole sample (``over: all``), or, on a
    channels-last tensor, over each position's channels (ConvNeXt).
    """
    affine = bool(module.elementwise_affine)
    return _layer_norm_layer(op, module.normalized_shape, affine, module.bias is not None)


def _layer_norm_function(op: _Op) -> Layer:
    """``F.layer_norm(x, shape, self.weight, self.bias)`` (torchvision's ``LayerNorm2d``)."""
    weight, bias = op.arg(2, "weight"), op.arg(3, "bias")
    return _layer_norm_layer(op, op.arg(1, "normalized_shape"), weight is not None,
                             bias is not None)  # fmt: skip


def _layer_norm_layer(op: _Op, normalized: Sequence[int], affine: bool, bias: bool) -> Layer:
    if affine and not bias:
        raise _Untranslatable("a scale without a shift (bias=False)")
    normalized = tuple(normalized)
    if op.layout is not None and op.layout[-1] == 0 and normalized == op.input[:1]:
        layer: Layer = {"type": "layernorm"}
    elif op.layout is None and normalized == op.input:
        layer = {"type": "layernorm", "over": "all"}
    else:
        raise _Untranslatable(
            f"normalises the last axes {_shape_text(normalized)} of a {_shape_text(op.input)} "
            "input; cnncalc's layernorm normalises the whole sample or each position's channels"
        )
    _put(layer, "affine", affine, True)
    return layer


def _group_norm(module: Any, op: _Op) -> Layer:
    """``nn.GroupNorm`` → ``groupnorm`` (https://pytorch.org/docs/stable/generated/torch.nn.GroupNorm.html)."""
    layer: Layer = {"type": "groupnorm", "groups": module.num_groups}
    _put(layer, "affine", bool(module.affine), True)
    return layer


def _lrn(module: Any, op: _Op) -> Layer:
    """``nn.LocalResponseNorm`` → ``lrn`` (https://pytorch.org/docs/stable/generated/torch.nn.LocalResponseNorm.html)."""
    return {"type": "lrn", "size": module.size, "alpha": float(module.alpha),
            "beta": float(module.beta), "k": float(module.k)}  # fmt: skip


def _dropout_layer(rate: Any) -> Layer:
    if not 0 <= float(rate) < 1:
        raise _Untranslatable(f"a dropout rate of {rate}: cnncalc's is below 1")
    return {"type": "dropout", "rate": float(rate)}


def _flatten_layer(op: _Op) -> Layer:
    if op.output != (math.prod(op.input),):
        raise _Untranslatable(
            f"reshapes {_shape_text(op.input)} to {_shape_text(op.output)}: cnncalc has only "
            "flatten"
        )
    return {"type": "flatten"}


def _flatten_module(module: Any, op: _Op) -> Layer:
    """``nn.Flatten`` (from axis 1, the default) → ``flatten``."""
    return _flatten_layer(op)


def _zero_pad_layer(op: _Op, left: int, right: int, top: int, bottom: int) -> Layer:
    """``zeropad2d``: torch lists the last axis first, ``(left, right, top, bottom)``."""
    _spatial(op, 2, "2-D padding")
    if min(left, right, top, bottom) < 0:
        raise _Untranslatable("negative padding (cropping)")
    return {"type": "zeropad2d", "padding": _padding([(top, bottom), (left, right)])}


def _zero_pad(module: Any, op: _Op) -> Layer:
    """``nn.ZeroPad2d`` (and ``nn.ConstantPad2d`` with 0) → ``zeropad2d``.

    https://pytorch.org/docs/stable/generated/torch.nn.ZeroPad2d.html
    """
    if float(getattr(module, "value", 0.0)) != 0.0:
        raise _Untranslatable(f"padding with {module.value}, not zeros")
    left, right, top, bottom = module.padding
    return _zero_pad_layer(op, left, right, top, bottom)


def _upsample_layer(op: _Op, mode: Any) -> Layer:
    """``upsample``: the integer factor is the ratio of PyTorch's output to its input."""
    _spatial(op, 2, "2-D upsampling")
    if mode not in ("nearest", "bilinear", "nearest-exact"):
        raise _Untranslatable(f"mode '{mode}': cnncalc upsamples nearest or bilinear")
    scale = [o // i for o, i in zip(op.output[1:], op.input[1:], strict=True)]
    if [s * i for s, i in zip(scale, op.input[1:], strict=True)] != list(op.output[1:]):
        raise _Untranslatable(
            f"{_shape_text(op.input)} → {_shape_text(op.output)} is not an integer factor"
        )
    layer: Layer = {"type": "upsample", "scale": _compact(scale)}
    _put(layer, "mode", "bilinear" if mode == "bilinear" else "nearest", "nearest")
    return layer


def _upsample(module: Any, op: _Op) -> Layer:
    """``nn.Upsample`` (``size`` or ``scale_factor``) → ``upsample`` (https://pytorch.org/docs/stable/generated/torch.nn.Upsample.html)."""
    return _upsample_layer(op, module.mode)


def _named(kind: str) -> ModuleTranslator:
    """A module that is one cnncalc type with no fields (``nn.ReLU`` → ``relu``).

    The activations (https://pytorch.org/docs/stable/nn.html#non-linear-activations-weighted-sum-nonlinearity)
    change no shape and have no parameters; ``nn.Softmax``'s ``dim`` changes no count.
    """
    return lambda module, op: {"type": kind}


def _refuse(reason: str) -> ModuleTranslator:
    """A torch.nn class cnncalc knows it has no type for, and says why."""

    def translate(module: Any, op: _Op) -> Layer:
        raise _Untranslatable(reason)

    return translate


@functools.cache
def _module_translators() -> dict[type[Any], ModuleTranslator]:
    """The registry: each torch.nn class and its translator."""
    from torch import nn

    table: dict[type[Any], ModuleTranslator] = {
        nn.Conv1d: _conv, nn.Conv2d: _conv, nn.Conv3d: _conv,
        nn.ConvTranspose2d: _conv_transpose, nn.Linear: _linear,
        nn.MaxPool2d: _pool, nn.AvgPool2d: _pool,
        nn.AdaptiveAvgPool2d: _adaptive("adaptive_avgpool2d"),
        nn.AdaptiveMaxPool2d: _adaptive("adaptive_maxpool2d"),
        nn.AdaptiveAvgPool1d: _global("global_avgpool"),
        nn.AdaptiveAvgPool3d: _global("global_avgpool"),
        nn.AdaptiveMaxPool1d: _global("global_maxpool"),
        nn.AdaptiveMaxPool3d: _global("global_maxpool"),
        nn.BatchNorm1d: _batch_norm, nn.BatchNorm2d: _batch_norm, nn.BatchNorm3d: _batch_norm,
        nn.SyncBatchNorm: _batch_norm,
        nn.LayerNorm: _layer_norm, nn.GroupNorm: _group_norm, nn.LocalResponseNorm: _lrn,
        nn.Identity: _named("identity"), nn.Flatten: _flatten_module,
        nn.ZeroPad2d: _zero_pad, nn.ConstantPad2d: _zero_pad,
        nn.Upsample: _upsample, nn.UpsamplingNearest2d: _upsample,
        nn.UpsamplingBilinear2d: _upsample,
    }  # fmt: skip
    activations = {
        nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh",
        nn.GELU: "gelu", nn.SiLU: "silu", nn.Hardswish: "hardswish", nn.Softmax: "softmax",
        nn.Softmax2d: "softmax",
    }  # fmt: skip
    table |= {cls: _named(kind) for cls, kind in activations.items()}
    for dropout in (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
                    nn.FeatureAlphaDropout):  # fmt: skip
        table[dropout] = lambda module, op: _dropout_layer(module.p)
    for pool in (nn.MaxPool1d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool3d):
        table[pool] = _refuse("cnncalc's max and average pooling are 2-D")
    for conv in (nn.ConvTranspose1d, nn.ConvTranspose3d):
        table[conv] = _refuse("cnncalc's transposed convolution is 2-D")
    return table


def _module_translator(cls: type[Any]) -> ModuleTranslator | None:
    """The translator of ``cls``, or of the class it derives from if it keeps that ``forward``."""
    table = _module_translators()
    if cls in table:
        return table[cls]
    for base in cls.__mro__[1:]:
        if base in table:
            # A subclass with its own forward may compute anything: not this translation.
            return table[base] if getattr(cls, "forward", None) is base.forward else None
    return None


# -- translators: functions and tensor methods -----------------------------------------


def _activation(kind: str) -> FunctionTranslator:
    """``F.relu(x)``, ``torch.sigmoid(x)``, ``x.relu()`` → the activation layer."""
    return lambda op: {"type": kind}


def _reshape(op: _Op) -> Layer | None:
    """``torch.flatten(x, 1)``, ``x.view(x.size(0), -1)``, ``x.reshape``, ``x.squeeze``.

    To one axis: ``flatten``; to the same shape: nothing. Other reshapes have no layer type.
    """
    if op.output == op.input:
        return None
    return _flatten_layer(op)


def _same(op: _Op) -> Layer | None:
    """``x.contiguous()``, ``x.clone()``, ``x.float()``: no layer, when the shape is kept."""
    if op.output != op.input:
        raise _Untranslatable("it changes the shape")
    return None


def _merge(kind: str, operands: Callable[[_Op], Sequence[Any]]) -> FunctionTranslator:
    """``x + y``, ``torch.mul(x, y)``, ``torch.cat([a, b], 1)`` → ``add``/``multiply``/``concat``.

    Every operand must be a layer's output: ``x + 1`` or ``x * self.scale``
    have no cnncalc layer.
    """

    def translate(op: _Op) -> Layer | None:
        given = operands(op)
        if kind == "concat" and len(given) == 1 and len(op.inputs) == 1:
            return None  # torch.cat([x]) is x
        if len(given) != len(op.inputs) or not all(isinstance(g, _Ref) for g in given):
            raise _Untranslatable(f"a {kind} with a constant or a parameter")
        if kind == "concat":
            dim = op.arg(1, "dim", 0)
            if dim % (len(op.output) + 1) != 1:
                raise _Untranslatable(f"concatenation on axis {dim}: cnncalc's is on the channels")
        return {"type": kind}

    return translate


def _binary(op: _Op) -> Sequence[Any]:
    return [op.arg(0, "input"), op.arg(1, "other")]


def _listed(op: _Op) -> Sequence[Any]:
    tensors = op.arg(0, "tensors")
    return list(tensors) if isinstance(tensors, list | tuple) else [tensors]


def _pool_function(kind: str) -> FunctionTranslator:
    """``F.max_pool2d``/``F.avg_pool2d`` (https://pytorch.org/docs/stable/nn.functional.html)."""

    def translate(op: _Op) -> Layer:
        if kind == "maxpool2d":
            dilation, ceil_mode = op.arg(4, "dilation", 1), op.arg(5, "ceil_mode", False)
            if op.arg(6, "return_indices", False):
                raise _Untranslatable("return_indices=True")
        else:
            dilation, ceil_mode = 1, op.arg(4, "ceil_mode", False)
        return _pool_layer(kind, op, kernel=op.arg(1, "kernel_size"), stride=op.arg(2, "stride"),
                           padding=op.arg(3, "padding", 0), dilation=dilation,
                           ceil_mode=ceil_mode)  # fmt: skip

    return translate


def _adaptive_function(kind: str) -> FunctionTranslator:
    """``F.adaptive_avg_pool2d(x, size)`` → ``adaptive_avgpool2d`` (the size PyTorch produced)."""

    def translate(op: _Op) -> Layer:
        _spatial(op, 2, kind)
        return {"type": kind, "output_size": _compact(op.output[1:])}

    return translate


def _mean(kind: str) -> FunctionTranslator:
    """``x.mean((2, 3))``, ``torch.amax(x, (-2, -1), keepdim=True)`` → global pooling."""

    def translate(op: _Op) -> Layer:
        rank = len(op.input) + 1
        dims = op.arg(1, "dim")
        dims = (dims,) if isinstance(dims, int) else tuple(dims or ())
        if rank < 3 or sorted(d % rank for d in dims) != list(range(2, rank)):
            raise _Untranslatable(f"a reduction over axes {dims}: cnncalc pools all spatial axes")
        layer: Layer = {"type": kind}
        _put(layer, "keepdims", bool(op.arg(2, "keepdim", False)), False)
        return layer

    return translate


def _interpolate(op: _Op) -> Layer:
    """``F.interpolate(x, scale_factor=2)`` → ``upsample``."""
    return _upsample_layer(op, op.arg(3, "mode", "nearest"))


def _pad(op: _Op) -> Layer:
    """``F.pad(x, (l, r, t, b))`` with zeros → ``zeropad2d``."""
    pad, mode, value = op.arg(1, "pad"), op.arg(2, "mode", "constant"), op.arg(3, "value", None)
    if mode != "constant" or value not in (None, 0, 0.0):
        raise _Untranslatable(f"{mode} padding with {value}: cnncalc pads with zeros")
    pads = [*pad, 0, 0, 0, 0][:4]
    if len(pad) > 4:
        raise _Untranslatable("padding of more than the two spatial axes")
    return _zero_pad_layer(op, *pads)


@functools.cache
def _function_translators() -> dict[Any, FunctionTranslator]:
    """The registry of functions (``call_function`` targets) and their translators."""
    import torch
    import torch.nn.functional as F

    activations = {
        F.relu: "relu", torch.relu: "relu", F.relu_: "relu", torch.relu_: "relu",
        F.relu6: "relu6", torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid", torch.tanh: "tanh",
        F.tanh: "tanh", F.gelu: "gelu", F.silu: "silu", F.hardswish: "hardswish",
        F.softmax: "softmax", torch.softmax: "softmax",
    }  # fmt: skip
    table: dict[Any, FunctionTranslator] = {f: _activation(k) for f, k in activations.items()}
    table |= {
        torch.flatten: _reshape, torch.reshape: _reshape, torch.squeeze: _reshape,
        torch.clone: _same,
        F.dropout: lambda op: _dropout_layer(op.arg(1, "p", 0.5)),
        F.dropout1d: lambda op: _dropout_layer(op.arg(1, "p", 0.5)),
        F.dropout2d: lambda op: _dropout_layer(op.arg(1, "p", 0.5)),
        F.dropout3d: lambda op: _dropout_layer(op.arg(1, "p", 0.5)),
        F.max_pool2d: _pool_function("maxpool2d"), F.avg_pool2d: _pool_function("avgpool2d"),
        F.adaptive_avg_pool2d: _adaptive_function("adaptive_avgpool2d"),
        F.adaptive_max_pool2d: _adaptive_function("adaptive_maxpool2d"),
        torch.mean: _mean("global_avgpool"), torch.amax: _mean("global_maxpool"),
        F.interpolate: _interpolate, F.pad: _pad,
        F.linear: _linear_function, F.layer_norm: _layer_norm_function,
        operator.add: _merge("add", _binary), operator.iadd: _merge("add", _binary),
        torch.add: _merge("add", _binary),
        operator.mul: _merge("multiply", _binary), operator.imul: _merge("multiply", _binary),
        torch.mul: _merge("multiply", _binary),
        torch.cat: _merge("concat", _listed), torch.concat: _merge("concat", _listed),
        torch.concatenate: _merge("concat", _listed),
    }  # fmt: skip
    return table


@functools.cache
def _method_translators() -> dict[str, FunctionTranslator]:
    """The registry of tensor methods (``call_method`` targets: ``x.flatten(1)``)."""
    table: dict[str, FunctionTranslator] = {
        name: _activation(kind)
        for kind in ("relu", "sigmoid", "tanh", "softmax")
        for name in (kind, f"{kind}_")
    }
    table |= dict.fromkeys(("flatten", "view", "reshape", "squeeze"), _reshape)
    table |= dict.fromkeys(("contiguous", "clone", "detach", "float", "to", "type_as"), _same)
    table |= {
        "add": _merge("add", _binary), "add_": _merge("add", _binary),
        "__add__": _merge("add", _binary), "__iadd__": _merge("add", _binary),
        "mul": _merge("multiply", _binary), "mul_": _merge("multiply", _binary),
        "__mul__": _merge("multiply", _binary), "__imul__": _merge("multiply", _binary),
        "mean": _mean("global_avgpool"), "amax": _mean("global_maxpool"),
    }  # fmt: skip
    return table


_LAYOUT_AWARE: tuple[object, ...] = (_linear, _linear_function, _layer_norm, _layer_norm_function)
"""Translators that read ``_Op.layout``: the others get channels-first tensors only."""


# -- permuted axes ----------------------------------------------------------------------


def _is_permutation(call: _Call) -> bool:
    import torch

    if call.kind == "method":
        return call.target in ("permute", "transpose")
    return call.kind == "function" and call.target in (torch.permute, torch.transpose)


def _permutation(call: _Call, rank: int) -> tuple[int, ...] | None:
    """The new order of the (batched) axes of ``permute``/``transpose``, or None if unclear."""
    args = call.args[1:]
    if _target_name(call) == "permute":
        dims = call.kwargs.get("dims", args[0] if len(args) == 1 else args)
        order = tuple(int(d) % rank for d in dims) if isinstance(dims, list | tuple) else None
        return order if order is not None and sorted(order) == list(range(rank)) else None
    first = call.kwargs.get("dim0", args[0] if args else None)
    second = call.kwargs.get("dim1", args[1] if len(args) > 1 else None)
    if not isinstance(first, int) or not isinstance(second, int):
        return None
    order_list = list(range(rank))
    a, b = first % rank, second % rank
    order_list[a], order_list[b] = order_list[b], order_list[a]
    return tuple(order_list)


def _target_name(call: _Call) -> str:
    return str(call.target if call.kind == "method" else getattr(call.target, "__name__", ""))


def _unpermuted(shape: Shape, layout: Layout) -> Shape:
    """A torch shape in cnncalc's axis order: cnncalc's axis ``layout[i]`` is torch's ``i``."""
    if layout is None:
        return shape
    ordered = [0] * len(shape)
    for torch_axis, axis in enumerate(layout):
        ordered[axis] = shape[torch_axis]
    return tuple(ordered)
