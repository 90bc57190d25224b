"""A PyTorch model as a cnncalc spec: trace it with torch.fx, translate each operation.

``cnncalc import torch MODULE:FACTORY --input C,H,W`` builds the model
(:mod:`.loading`) and traces its ``forward`` with :mod:`torch.fx` (symbolic
tracing records the module calls and functions of the whole graph, branches
included; https://pytorch.org/docs/stable/fx.html; :mod:`.tracing`). Every
node becomes a spec layer (:mod:`.translation`): ``call_module`` nodes by the
module's class (:func:`.modules.module_translators`, one small function per
class, reading the constructor arguments documented at
https://pytorch.org/docs/stable/nn.html), ``call_function`` and
``call_method`` nodes by the function (:func:`.functions.function_translator`,
:func:`.functions.method_translators`). Graph edges become ``input:``/``inputs:``.

Where fx cannot trace a model (control flow on tensor values), the model is
run once and recorded instead (:func:`.recorder.record`): forward hooks on the
leaf modules, and a ``TorchFunctionMode`` for the torch functions and tensor
methods between them. That graph holds only the path the input took.

Every translation is checked against PyTorch itself (:mod:`.checking`): one
forward pass (``ShapeProp``) gives each node's output shape, and the spec's
analysis must give the same output shape, parameter count and buffer count for
every layer, or the import fails naming the layer (a bug here, never a silently
wrong spec). What has no cnncalc layer type is listed in ``skipped``; if
leaving it out would change a later shape, the import fails with an error
naming it. torch is imported inside the functions, so this package imports
without it.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _, ngettext
from cnncalc.importers.common import LONG_IMPORT, Imported
from cnncalc.importers.torch_fx.accounting import numel, totals_line
from cnncalc.importers.torch_fx.calls import live
from cnncalc.importers.torch_fx.checking import verify
from cnncalc.importers.torch_fx.coverage import flop_counter_flops, flops_line
from cnncalc.importers.torch_fx.detection import static_part
from cnncalc.importers.torch_fx.factory_arguments import call_text
from cnncalc.importers.torch_fx.guard import time_limit, user_code
from cnncalc.importers.torch_fx.input_shape import check_input_shape
from cnncalc.importers.torch_fx.loading import build, require_torch
from cnncalc.importers.torch_fx.messages import shape_text
from cnncalc.importers.torch_fx.modules import is_leaf
from cnncalc.importers.torch_fx.tracing import trace_or_record
from cnncalc.importers.torch_fx.translation import Translation
from cnncalc.progress import tracked

if TYPE_CHECKING:
    from torch import nn

__all__ = ["from_module", "import_torch"]


def import_torch(
    target: str,
    input_shape: tuple[int, ...],
    kwargs: dict[str, Any] | None = None,
    others: tuple[tuple[int, ...], ...] = (),
) -> Imported:
    """The spec of the model ``MODULE:FACTORY`` builds, traced on an input of ``input_shape``.

    ``MODULE`` is an importable module (``torchvision.models``) or a file
    (``path/to/net.py``); ``FACTORY`` a class or function, called with the
    keyword arguments ``kwargs`` (none by default; ``--kwargs`` on the command
    line, :func:`.factory_arguments.parse_kwargs`), or a module instance.
    Every failure is a :class:`CnncalcError`, the model's own ``sys.exit``
    included (:func:`.guard.user_code`), and the whole import runs under the
    time limit (:func:`.guard.time_limit`). What the model prints goes to
    stderr: stdout is the spec's. ``others``: the shapes of the forward's
    further inputs, in order (a second image); the spec names them as the
    forward does.
    """
    for shape in (input_shape, *others):
        check_input_shape(shape)
    require_torch()
    outer = user_code(_("importing {what}").format(what=target), phase=False)
    with time_limit(target), contextlib.redirect_stdout(sys.stderr), outer:
        module = build(target, kwargs)
        source = f"PyTorch {target} ({type(module).__qualname__})"
        imported = _import_model(module, input_shape, target, source, others)
    if kwargs:  # the header says how the model was built, so the file can be made again
        imported.comments.insert(1, f"Built by calling {call_text(target, kwargs)}.")
    return imported


def from_module(
    module: nn.Module,
    input_shape: tuple[int, ...],
    name: str | None = None,
    others: tuple[tuple[int, ...], ...] = (),
) -> Imported:
    """The spec of ``module`` on inputs of ``input_shape`` (without the batch axis).

    Traced with torch.fx, or recorded during one forward pass where fx cannot
    trace; checked layer by layer against PyTorch (shapes, parameters,
    buffers). Raises :class:`CnncalcError` for what cannot be translated.
    """
    require_torch()
    from torch import nn

    if not isinstance(module, nn.Module):
        raise CnncalcError(
            _("expected a torch.nn.Module, got a {kind}").format(kind=type(module).__name__)
        )
    for shape in (input_shape, *others):
        check_input_shape(shape)
    cls = type(module)
    title = name or cls.__name__
    with time_limit(title), user_code(_("importing {what}").format(what=title), phase=False):
        source = f"PyTorch {cls.__module__}.{cls.__qualname__}"
        return _import_model(module, input_shape, title, source, others)


def _import_model(
    module: nn.Module,
    input_shape: tuple[int, ...],
    title: str,
    source: str,
    others: tuple[tuple[int, ...], ...] = (),
) -> Imported:
    """The model's spec; of a torchvision detector, its static part's, with the boundary stated
    in the header (:mod:`.detection`)."""
    static = None if others else static_part(module, input_shape)
    if static is None:
        return _import(module, input_shape, title, source, others)
    imported = _import(static.module, input_shape, title, source)
    static.annotate(imported)
    return imported


def _import(
    module: nn.Module,
    input_shape: tuple[int, ...],
    title: str,
    source: str,
    other_shapes: tuple[tuple[int, ...], ...] = (),
) -> Imported:
    """Trace (or record), translate, check against torch; ``title`` and ``source`` name it."""
    import torch

    others = tuple(zip(_input_names(module, len(other_shapes)), other_shapes, strict=True))
    root = _wrapped(module)
    training = module.training
    module.eval()  # batch norm on one sample, dropout: inference behaviour
    try:
        with torch.no_grad():
            calls, outputs, method = trace_or_record(root, input_shape, others)
    finally:
        module.train(training)
    translation = Translation(root, input_shape, others)
    needed = live(calls, outputs)
    for call in tracked(needed, "translating", worth_a_bar=len(needed) >= LONG_IMPORT):
        translation.add(call)
    spec = {
        "name": title,
        "source": source,
        "framework": "pytorch",
        "convention": "flops",
        "input": list(input_shape),
        **({"inputs": {name: list(shape) for name, shape in others}} if others else {}),
        "layers": translation.finished(outputs),
    }
    params, buffers, flops = verify(spec, translation.checks)
    checked = f"Checked on an input of {shape_text((1, *input_shape))}" + "".join(
        f" and {name} of {shape_text((1, *shape))}" for name, shape in others
    )
    model = (numel(root.parameters()), numel(root.buffers()))
    torch_flops = flop_counter_flops(root, (input_shape, *(shape for _, shape in others)))
    comments = [
        f"{title}: written by `cnncalc import torch` (torch {torch.__version__}).",
        method,
        totals_line(checked, (params, buffers), model),
        flops_line(flops, torch_flops),
        *translation.notes,
    ]
    if translation.skipped:
        comments.append("The skipped operations below are not counted: the totals leave them out.")
    differences = []
    if params != model[0]:
        differences.append(f"the spec counts {params:,} parameters, PyTorch {model[0]:,}")
    if flops != torch_flops:
        differences.append(f"the spec counts {flops:,} FLOPs, FlopCounterMode {torch_flops:,}")
    return Imported(spec=spec, skipped=translation.skipped, comments=comments, origin=title,
                    uncounted_parameters=translation.uncounted_parameters,
                    differences=differences)  # fmt: skip


def _input_names(module: nn.Module, others: int) -> tuple[str, ...]:
    """The names of the forward's inputs after the first, as many as ``--input`` gave shapes
    beyond one; a forward that needs more (or fewer) inputs is a clear error."""
    try:
        parameters = list(inspect.signature(module.forward).parameters.values())
    except (TypeError, ValueError):  # a forward without a signature: let the run tell
        return tuple(f"input_{i + 2}" for i in range(others))
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    named = [p for p in parameters if p.kind in positional]
    required = [p.name for p in named if p.default is p.empty]
    if len(required) > 1 + others or len(named) < 1 + others:
        given = ngettext("{count} input shape", "{count} input shapes", 1 + others).format(
            count=1 + others
        )
        raise CnncalcError(
            _(
                "the model's forward takes {count} inputs ({names}); --input gave {given}: give "
                "one --input per input, in order"
            ).format(count=len(required), names=", ".join(required), given=given)
        )
    return tuple(p.name for p in named[1 : 1 + others])


def _wrapped(module: nn.Module) -> nn.Module:
    """A model that is itself one layer (``nn.Conv2d(...)``), inside a container to trace."""
    from torch import nn

    if not is_leaf(module):
        return module
    return nn.Sequential(OrderedDict([(type(module).__name__.lower(), module)]))
