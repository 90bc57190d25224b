"""Measuring a spec's inference memory in PyTorch, for the memory tests' oracles.

The spec's layers run as torch modules (:func:`tests.torch_builder.module_for`) in
layer order under ``torch.no_grad()``, each output's Python reference dropped once
its last reader has run (the network's inputs and output are kept), so that what is
live is what PyTorch holds. Two records:

- **outputs**: the storages of the tensors the layers return, counted once each
  (``untyped_storage().data_ptr()``, ``nbytes()``), released by a
  ``weakref.finalize`` on every tensor that refers to them: the live bytes right
  after each layer returns, while its inputs are still held;
- **allocations**: every tensor any ATen op returns, seen by a ``TorchDispatchMode``,
  released the same way: the peak of live bytes at any op, which includes what a
  layer allocates inside itself (temporaries) and the analysis leaves out.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

import cnncalc
from cnncalc import ir
from cnncalc.layouts import IN_PLACE_ACTIVATIONS
from cnncalc.memory import inference_memory
from tests.torch_builder import (
    BiasTable,
    Function,
    LayerScale,
    PositionEmbedding,
    module_for,
)

TORCH_DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16,
                "fp64": torch.float64}  # fmt: skip


@dataclass
class Storages:
    """Live storages by address, each with its bytes and the tensors that refer to it."""

    live: dict[int, list[int]] = field(default_factory=dict)
    current: int = 0
    peak: int = 0

    def hold(self, tensor: torch.Tensor) -> None:
        storage = tensor.untyped_storage()
        address, size = storage.data_ptr(), storage.nbytes()
        if size == 0:
            return
        if address in self.live:
            self.live[address][1] += 1
        else:
            self.live[address] = [size, 1]
            self.current += size
            self.peak = max(self.peak, self.current)
        weakref.finalize(tensor, self._release, address)

    def _release(self, address: int) -> None:
        entry = self.live[address]
        entry[1] -= 1
        if entry[1] == 0:
            del self.live[address]
            self.current -= entry[0]


class Allocations(TorchDispatchMode):  # type: ignore[no-untyped-call]
    """Every tensor an ATen op returns, held until its last Python or C++ reference dies."""

    def __init__(self, weights: set[int]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.storages = Storages()
        self.weights = weights
        """The addresses of parameters and buffers, which a view (``linear``'s ``t()``)
        does not allocate."""
        self.layer = ""
        self.peak_layer = ""

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        result = func(*args, **(kwargs or {}))
        before = self.storages.peak
        for value in tree_leaves(result):
            if (
                isinstance(value, torch.Tensor)
                and value.untyped_storage().data_ptr() not in self.weights
            ):
                self.storages.hold(value)
        if self.storages.peak > before:
            self.peak_layer = self.layer
        return result


@dataclass
class Measured:
    live: list[int]
    """Layer outputs' live bytes right after each layer returns."""
    outputs: list[int]
    """Each layer's output tensors' ``nbytes``."""
    allocated_peak: int
    """The peak of every allocation (temporaries included)."""
    allocated_layer: str


class InPlaceMerge(nn.Module):
    """``add`` or ``multiply`` written into input ``into``."""

    def __init__(self, kind: type[Any], into: int) -> None:
        super().__init__()
        self.kind, self.into = kind, into

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        result = inputs[self.into]
        for k, other in enumerate(inputs):
            if k == self.into:
                continue
            if self.kind is ir.Add:
                result.add_(other)
            else:
                factor = other
                while factor.dim() < result.dim():
                    factor = factor[..., None]
                result.mul_(factor)
        return result


def in_place(node: ir.Node, module: nn.Module, into: int) -> nn.Module:
    """The in-place form of a layer's module, writing over its input ``into``."""
    if isinstance(node, ir.ElementWise):
        assert node.function in IN_PLACE_ACTIVATIONS
        if node.function is ir.Activation.SIGMOID:
            return Function(lambda x: x.sigmoid_())
        if node.function is ir.Activation.TANH:
            return Function(lambda x: x.tanh_())
        module.inplace = True  # type: ignore[assignment]
        return module
    if isinstance(node, ir.Add | ir.Multiply):
        return InPlaceMerge(type(node), into)
    if isinstance(node, ir.Scalar):
        method = {"add": "add_", "subtract": "sub_", "multiply": "mul_", "divide": "div_"}
        name, value = method[node.op.value], node.value
        return Function(lambda x: getattr(x, name)(value))
    if isinstance(module, LayerScale):
        return Function(lambda x: x.mul_(module.gamma.view(1, *module.view)))
    if isinstance(module, PositionEmbedding):
        return Function(lambda x: x.add_(module.pos_embedding))
    if isinstance(module, BiasTable):

        def add_bias(x: torch.Tensor) -> torch.Tensor:
            bias = module.table[module.index.view(-1)].view(module.positions, module.positions, -1)
            return x.add_(bias.permute(2, 0, 1))

        return Function(add_bias)
    raise AssertionError(f"no in-place form for {type(node).__name__}")


def measure(
    spec: cnncalc.NetworkSpec,
    batch: int = 2,
    dtype: str = "fp32",
    *,
    reuse: bool = False,
    around: Callable[[list[nn.Module]], AbstractContextManager[Any]] | None = None,
) -> Measured:
    """Run ``spec`` layer by layer as the liveness analysis orders it (see the module doc).

    ``reuse``: the layers the analysis runs in place use their in-place form;
    ``around``: a context to run in, made from the modules (another tracker's)."""
    report = cnncalc.analyze(spec)
    memory = inference_memory(report, batch, dtype)
    network = spec.to_ir()
    torch_dtype = TORCH_DTYPES[dtype]
    modules = []
    for layer, row, plan in zip(network.layers, report.layers, memory.layers, strict=True):
        module = module_for(layer.op, row.input_shapes).to(torch_dtype).eval()
        if reuse and plan.in_place_of is not None:
            module = in_place(layer.op, module, row.inputs.index(plan.in_place_of))
        modules.append(module)
    last_read: dict[str, int] = {}
    for i, row in enumerate(report.layers):
        for source in row.inputs:
            last_read[source] = i
    final = report.layers[-1].name
    outputs, live, sizes = Storages(), [], []
    generator = torch.Generator().manual_seed(0)
    inputs = {ir.NETWORK_INPUT: report.input_shape, **dict(report.other_inputs)}
    weights = {
        tensor.untyped_storage().data_ptr()
        for module in modules
        for tensor in (*module.parameters(), *module.buffers())
    }
    outer = around(modules) if around is not None else nullcontext()
    with outer, torch.no_grad(), Allocations(weights) as allocations:
        values: dict[str, torch.Tensor] = {}
        for name, shape in inputs.items():
            values[name] = torch.rand(batch, *(int(n) for n in shape), generator=generator).to(
                torch_dtype
            )
            outputs.hold(values[name])
        for i, (row, module) in enumerate(zip(report.layers, modules, strict=True)):
            allocations.layer = row.name
            result = module(*(values[source] for source in row.inputs))
            parts = result if isinstance(result, tuple) else (result,)
            names = (
                [f"{row.name}.{k}" for k in range(len(parts))] if row.output_shapes else [row.name]
            )
            for name, part in zip(names, parts, strict=True):
                values[name] = part
                outputs.hold(part)
            sizes.append(sum(part.nbytes for part in parts))
            del result, parts, part
            live.append(outputs.current)
            for source in row.inputs:
                if last_read[source] == i and source not in inputs:
                    values.pop(source, None)
            for name in names:
                if name not in last_read and row.name != final:
                    del values[name]
    return Measured(live, sizes, allocations.storages.peak, allocations.peak_layer)
