"""ONNX files made at test time from shipped specs: each spec as one torch network
(``tests/torch_builder.py``), exported with PyTorch's TorchScript exporter.

Each layer is a module at the top level, named as the layer with its dots as
``__`` (``layer1__0__conv1``), so every ONNX node's name starts with the layer
it comes from (``/layer1__0__conv1/Conv``): :func:`owner` reads it back.
Weights are drawn at random (seeded), since the exporter stores equal
initializers once; the model is exported as it is (``TrainingMode.PRESERVE``
in eval mode), so batch norm stays a ``BatchNormalization`` node rather than
being folded into the convolution before it, as the default export does.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

import cnncalc
from tests.importers.test_torch_import import SpecNetwork


class FlatSpecNetwork(SpecNetwork):
    """A spec's layers as top-level modules, so that ONNX node names say their layer."""

    def _attach(self, name: str, module: torch.nn.Module) -> None:
        self.add_module(name.replace(".", "__"), module)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = {"input": x}
        for name, sources in self.wiring:
            output = getattr(self, name.replace(".", "__"))(*(values[s] for s in sources))
            if isinstance(output, tuple):  # a split: its parts are read as NAME.0, NAME.1, …
                values.update({f"{name}.{i}": part for i, part in enumerate(output)})
                output = output[0]
            values[name] = output
        return values[self.wiring[-1][0]]


def exportable(spec: cnncalc.NetworkSpec) -> tuple[FlatSpecNetwork, tuple[int, ...]]:
    """``spec`` built in torch, in eval mode, its weights seeded away from 0 (an exporter
    drops a bias of zeros), and its input shape."""
    torch.manual_seed(0)
    network = FlatSpecNetwork(spec).eval()
    with torch.no_grad():
        for tensor in [*network.parameters(), *network.buffers()]:
            if tensor.is_floating_point():
                tensor.copy_(torch.rand_like(tensor) + 0.5)
    return network, tuple(int(n) for n in spec.to_ir().input_shape)


def export(spec: cnncalc.NetworkSpec, path: Path, *, dynamic: bool = False) -> None:
    """Write ``spec`` as an ONNX file (opset 17: LayerNormalization, GELU written out);
    ``dynamic``: batch, height and width as ``dim_param`` symbols."""
    network, shape = exportable(spec)
    axes = {"input": {0: "batch", 2: "height", 3: "width"}} if dynamic else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation warning
        torch.onnx.export(
            network, (torch.zeros(1, *shape),), str(path), dynamo=False, opset_version=17,
            input_names=["input"], training=torch.onnx.TrainingMode.PRESERVE,
            do_constant_folding=True, dynamic_axes=axes,
        )  # fmt: skip


def owner(node_name: str) -> str:
    """The spec layer an ONNX node comes from: ``/layer1__0__conv1/Conv`` → ``layer1.0.conv1``."""
    return node_name.strip("/").split("/")[0].replace("__", ".")
