"""The built-in model library: the classics' specs, shipped in the package and named.

``cnncalc resnet50``, ``cnncalc explain vgg16 features.0``, ``cnncalc check --models``:
a spec argument is a file when it names one that exists, or looks like a path
(it ends in ``.yaml``, ``.yml`` or ``.json``, or holds a ``/``); anything else is
a model's name, looked up here. So a file called ``resnet50`` in the current
directory wins over the model of that name (``./resnet50`` or a suffix says
which is meant), and a name that is neither gets ``no such file or built-in
model``, with the closest name.

The specs are package data (``cnncalc/models/*.yaml``), one file per family:
the file as written is its ``model``, and its ``variants`` are the others (see
:mod:`cnncalc.spec.variants`). :data:`INDEX` says which file holds which model,
so that loading one reads one file; ``tests/test_library.py`` keeps it equal to
what the files declare. The specs that ``specs/`` also holds (``specs/lenet5.yaml``,
``specs/resnet50.yaml``, …) are links to these files: one copy of each.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.errors import SpecError, show_value
from cnncalc.i18n import _

if TYPE_CHECKING:
    from cnncalc.spec import NetworkSpec

MODELS_DIR = Path(__file__).with_name("models")
"""Where the library's spec files are (package data)."""
SPEC_SUFFIXES = (".yaml", ".yml", ".json")

INDEX: dict[str, str] = {
    "lenet5": "lenet5.yaml",
    "lenet5-full-c3": "lenet5-full-c3.yaml",
    "lenet5-modern": "lenet5-modern.yaml",
    "alexnet": "alexnet.yaml",
    "alexnet-paper": "alexnet.yaml",
    "alexnet-paper-1gpu": "alexnet.yaml",
    "alexnet-torchvision": "alexnet-torchvision.yaml",
    "zfnet": "zfnet.yaml",
    "vgg16": "vgg.yaml",
    "vgg11": "vgg.yaml",
    "vgg11-lrn": "vgg.yaml",
    "vgg13": "vgg.yaml",
    "vgg16-c": "vgg.yaml",
    "vgg19": "vgg.yaml",
    "nin": "nin.yaml",
    "nin-d2l": "nin.yaml",
    "googlenet": "googlenet.yaml",
    "googlenet-torchvision": "googlenet.yaml",
    "resnet18": "resnet18.yaml",
    "resnet34": "resnet18.yaml",
    "resnet18-paper": "resnet18.yaml",
    "resnet34-paper": "resnet18.yaml",
    "resnet50": "resnet50.yaml",
    "resnet50-paper": "resnet50.yaml",
    "resnet50-keras": "resnet50.yaml",
    "resnet101": "resnet50.yaml",
    "resnet101-paper": "resnet50.yaml",
    "resnet101-keras": "resnet50.yaml",
    "resnet152": "resnet50.yaml",
    "resnet152-paper": "resnet50.yaml",
    "resnet152-keras": "resnet50.yaml",
    "squeezenet1_0": "squeezenet.yaml",
    "squeezenet1_0-caffe": "squeezenet.yaml",
    "squeezenet1_1": "squeezenet.yaml",
    "squeezenet1_1-caffe": "squeezenet.yaml",
    "densenet121": "densenet.yaml",
    "densenet169": "densenet.yaml",
    "densenet201": "densenet.yaml",
    "densenet121-keras": "densenet.yaml",
    "densenet169-keras": "densenet.yaml",
    "densenet201-keras": "densenet.yaml",
    "inception_v3": "inception_v3.yaml",
    "inception_v3-eval": "inception_v3.yaml",
    "inception_v3-keras": "inception_v3.yaml",
    "xception": "xception.yaml",
    "mobilenet_v1": "mobilenet_v1.yaml",
    "mobilenet_v1-0.75": "mobilenet_v1.yaml",
    "mobilenet_v1-0.5": "mobilenet_v1.yaml",
    "mobilenet_v1-0.25": "mobilenet_v1.yaml",
    "mobilenet_v1-192": "mobilenet_v1.yaml",
    "mobilenet_v1-160": "mobilenet_v1.yaml",
    "mobilenet_v1-128": "mobilenet_v1.yaml",
    "mobilenet_v1-0.5-160": "mobilenet_v1.yaml",
    "mobilenet_v2": "mobilenet_v2.yaml",
    "mobilenet_v3_large": "mobilenet_v3.yaml",
    "mobilenet_v3_small": "mobilenet_v3.yaml",
    "mobilenet_v3_large-keras": "mobilenet_v3.yaml",
    "mobilenet_v3_small-keras": "mobilenet_v3.yaml",
    "efficientnet_b0": "efficientnet.yaml",
    "efficientnet_b0-keras": "efficientnet.yaml",
    "efficientnet_b1": "efficientnet.yaml",
    "efficientnet_b1-keras": "efficientnet.yaml",
    "efficientnet_b2": "efficientnet.yaml",
    "efficientnet_b2-260": "efficientnet.yaml",
    "efficientnet_b2-keras": "efficientnet.yaml",
    "efficientnet_b3": "efficientnet.yaml",
    "efficientnet_b3-keras": "efficientnet.yaml",
    "efficientnet_b4": "efficientnet.yaml",
    "efficientnet_b4-keras": "efficientnet.yaml",
    "efficientnet_b5": "efficientnet.yaml",
    "efficientnet_b5-keras": "efficientnet.yaml",
    "efficientnet_b6": "efficientnet.yaml",
    "efficientnet_b6-keras": "efficientnet.yaml",
    "efficientnet_b7": "efficientnet.yaml",
    "efficientnet_b7-keras": "efficientnet.yaml",
    "shufflenet_v2_x1_0": "shufflenet_v2.yaml",
    "shufflenet_v2_x0_5": "shufflenet_v2.yaml",
    "shufflenet_v2_x1_5": "shufflenet_v2.yaml",
    "shufflenet_v2_x2_0": "shufflenet_v2.yaml",
    "shufflenet_v2_x0_5-paper": "shufflenet_v2.yaml",
    "shufflenet_v2_x1_0-paper": "shufflenet_v2.yaml",
    "shufflenet_v2_x1_5-paper": "shufflenet_v2.yaml",
    "shufflenet_v2_x2_0-paper": "shufflenet_v2.yaml",
    "convnext_tiny": "convnext.yaml",
    "convnext_small": "convnext.yaml",
    "convnext_base": "convnext.yaml",
    "convnext_large": "convnext.yaml",
    "vit_b_16": "vit_b_16.yaml",
}
"""Each built-in model's name → the file that holds it (as its ``model`` or a variant)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A built-in model as ``cnncalc models`` lists it, read from its file's plain data."""

    model: str
    file: str
    name: str
    source: str | None
    paper: Mapping[str, Any]
    variant_of: str | None
    """The file's own model, for a variant; None for the file's model itself."""


def is_path(text: str) -> bool:
    """Whether a spec argument is a file's path rather than a built-in model's name."""
    return (
        os.path.lexists(text)
        or text.endswith(SPEC_SUFFIXES)
        or "/" in text
        or (os.sep != "/" and os.sep in text)
    )


def model_path(name: str) -> Path:
    """The file that holds model ``name`` (a :class:`SpecError` for an unknown name)."""
    if name not in INDEX:
        raise unknown_model(name)
    return MODELS_DIR / INDEX[name]


def unknown_model(name: str) -> SpecError:
    """``resnet5: no such file or built-in model (did you mean 'resnet50'?); …``"""
    from cnncalc.spec.fields import suggest

    return SpecError(
        _("no such file or built-in model{hint}; 'cnncalc models' lists the models").format(
            hint=suggest(name, list(INDEX))
        ),
        source=show_value(name, 60).strip("'"),
    )


def load_model(name: str, params: Mapping[str, int] | None = None) -> NetworkSpec:
    """The built-in model ``name``, validated (a variant: its file with its values in;
    ``params``: other values of its params, see :func:`cnncalc.spec.parse_spec`)."""
    from cnncalc.spec import SourceMap, parse_spec
    from cnncalc.spec.source import load_yaml

    path = model_path(name)
    text = path.read_text(encoding="utf-8")
    data = load_yaml(text, str(path))
    own = data.get("model") if isinstance(data, Mapping) else None
    return parse_spec(data, SourceMap(str(path), text), None if own == name else name, params)


def load(spec: str | Path, params: Mapping[str, int] | None = None) -> NetworkSpec:
    """A spec argument, read: the file it names, or the built-in model of that name
    (``params``: other values of its params)."""
    from cnncalc.spec import read_spec

    if not isinstance(spec, str) or is_path(spec):
        return read_spec(spec, params=params)
    return load_model(spec, params)


def entries() -> Iterator[Entry]:
    """Every built-in model, file by file in :data:`INDEX`'s order, each file's model first."""
    from cnncalc.spec.source import load_yaml

    for file in dict.fromkeys(INDEX.values()):
        path = MODELS_DIR / file
        data = load_yaml(path.read_text(encoding="utf-8"), str(path))
        own = str(data.get("model"))
        paper = data.get("paper") or {}
        yield Entry(own, file, str(data.get("name")), data.get("source"), paper, None)
        for variant, body in (data.get("variants") or {}).items():
            yield Entry(
                str(variant), file, str(body.get("name") or data.get("name")),
                body.get("source", data.get("source")), paper, own,
            )  # fmt: skip
