"""Recording one forward pass, where fx cannot trace: forward hooks and a TorchFunctionMode.

Hooks on the leaf modules record their calls; a ``TorchFunctionMode`` records
the torch functions and tensor methods between them. The graph holds only the
path the input took.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.importers.torch_fx.calls import Attr, Call, Ref, Shape, batched, flat, refs
from cnncalc.importers.torch_fx.guard import user_code
from cnncalc.importers.torch_fx.messages import one_line, shape_text
from cnncalc.importers.torch_fx.modules import is_leaf

if TYPE_CHECKING:
    import torch
    from torch import nn


def record(
    root: nn.Module, example: torch.Tensor, others: dict[str, torch.Tensor] | None = None
) -> tuple[list[Call], list[Ref]]:
    """The calls of one forward pass: hooks on the leaf modules, a mode for the functions;
    ``others``: the forward's further inputs, by name."""
    recorder = _Recorder(root, example, others or {})
    handles = recorder.hook()
    try:
        with recorder.mode(), user_code(_("running the model's forward")):
            result = root(example, *(others or {}).values())
    except CnncalcError:
        raise
    except Exception as error:
        raise CnncalcError(_forward_failed(example, error)) from None
    finally:
        for handle in handles:
            handle.remove()
    return recorder.calls, refs([recorder.argument(value) for value in flat(result)])


def _forward_failed(example: torch.Tensor, error: BaseException) -> str:
    return _(
        "the model's forward pass on an input of shape {shape} failed (is --input right for "
        "this model?): {why}"
    ).format(shape=shape_text(tuple(example.shape)), why=one_line(error))


class _Recorder:
    """Records module calls (forward hooks) and torch functions (a TorchFunctionMode).

    Tensors are followed by identity: a call's tensor argument is the output
    of the call that made that very tensor object, which gives the graph's
    edges, residual branches included.
    """

    def __init__(
        self, root: nn.Module, example: torch.Tensor, others: dict[str, torch.Tensor]
    ) -> None:
        self.root = root
        self.calls: list[Call] = []
        self.makers: dict[int, str] = {id(example): "input"}
        self.makers |= {id(tensor): name for name, tensor in others.items()}
        # keeps ids unique while they are looked up
        self.kept: list[Any] = [example, *others.values()]
        self.named = {id(t): n for n, t in (*root.named_parameters(), *root.named_buffers())}
        self.tensor_names = set(self.named.values())
        self.scopes = [""]
        self.depth = 0  # > 0 inside a leaf module: its insides are that one layer

    def hook(self) -> list[Any]:
        """Hooks on every module: leaves are recorded, the others give the scope."""
        handles = []
        for qualified, module in _hook_targets(self.root):
            if is_leaf(module):
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

        arguments = [self.argument(value) for value in flat((args, kwargs))]
        if not any(isinstance(a, Ref) or (isinstance(a, Attr) and a.name in self.tensor_names)
                   for a in arguments):  # fmt: skip
            # A constant (made from literals): not from the input, nor from a parameter or a
            # buffer, as ViT's class_token.expand(n, -1, -1) and MaxViT's index.view(-1) are.
            return
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

        tensors = [t for t in flat(result) if isinstance(t, torch.Tensor)]
        if not tensors:
            return  # x.size(0), x.dim(): shape arithmetic
        key = f"call{len(self.calls)}"
        single = isinstance(result, torch.Tensor) and result.dim() > 0
        self.calls.append(Call(
            key=key, kind=kind, target=target, args=self._convert(args),
            kwargs=dict(self._convert(kwargs)), scope=self.scopes[-1],
            shape=batched(tuple(result.shape)) if single else None, tensor=True,
            single=isinstance(result, torch.Tensor), parts=_parts(result),
        ))  # fmt: skip
        for tensor in tensors:
            # An in-place op returns its input: that object now holds the op's result.
            self.makers[id(tensor)] = key
            self.kept.append(tensor)
        if isinstance(result, tuple | list):
            self._items(key, result)

    def _items(self, key: str, result: tuple[Any, ...] | list[Any]) -> None:
        """Each tensor of a tuple result as ``operator.getitem(result, i)``, as fx records it,
        so that a call reading ``q`` of ``q, k, v = x.chunk(3)`` reads that part only."""
        import operator

        import torch

        for index, item in enumerate(result):
            if not isinstance(item, torch.Tensor):
                continue
            item_key = f"{key}_{index}"
            shape = batched(tuple(item.shape)) if item.dim() else None
            self.calls.append(Call(
                key=item_key, kind="function", target=operator.getitem, args=(Ref(key), index),
                kwargs={}, scope=self.scopes[-1], shape=shape, tensor=True,
            ))  # fmt: skip
            self.makers[id(item)] = item_key

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
            return Ref(key)
        return Attr(self.named.get(id(value), "a tensor the recorder did not follow"))


def _parts(result: Any) -> tuple[Shape | None, ...]:
    """The items' shapes of a tuple result (``x.chunk(2)``, ``nn.MultiheadAttention``)."""
    import torch

    if not isinstance(result, tuple | list):
        return ()
    return tuple(
        batched(tuple(item.shape)) if isinstance(item, torch.Tensor) and item.dim() else None
        for item in result
    )


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
        if qualified and is_leaf(module):
            leaves.append(qualified)
