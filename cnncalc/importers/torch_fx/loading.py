"""Loading the model: ``MODULE:FACTORY`` resolved (a module name or a file) and called."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnncalcError
from cnncalc.i18n import N_, _
from cnncalc.importers.torch_fx.factory_arguments import call_text
from cnncalc.importers.torch_fx.guard import failed, user_code
from cnncalc.importers.torch_fx.messages import one_line

if TYPE_CHECKING:
    from torch import nn

_NEEDS_TORCH = N_("cnncalc import torch needs PyTorch: pip install torch")


def require_torch() -> None:
    """Raise the install hint if PyTorch is missing."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise CnncalcError(_(_NEEDS_TORCH)) from None


def build(target: str, kwargs: dict[str, Any] | None = None) -> nn.Module:
    """The model ``MODULE:FACTORY`` names: the factory called with ``kwargs`` (none by
    default: ``--kwargs``), or the instance (which takes no arguments)."""
    from torch import nn

    where, colon, attribute = target.rpartition(":")
    if not colon or not where or not attribute:
        raise CnncalcError(
            _(
                "expected MODULE:FACTORY (e.g. torchvision.models:resnet18 or path/to/net.py:Net), "
                "got '{target}'"
            ).format(target=target)
        )
    found = _attribute(_python_module(where), where, attribute)
    if isinstance(found, nn.Module):
        if kwargs:
            raise CnncalcError(
                _(
                    "{target} is a model already built (a {kind}), not a factory: there is "
                    "nothing to pass --kwargs to"
                ).format(target=target, kind=type(found).__name__)
            )
        return found
    if not callable(found):
        raise CnncalcError(
            _("{target} is a {kind}, not a torch.nn.Module").format(
                target=target, kind=type(found).__name__
            )
        )
    call = call_text(target, kwargs or {})
    try:
        with user_code(_("calling {call}").format(call=call)):
            built = found(**(kwargs or {}))
    except CnncalcError:
        raise
    except Exception as error:  # the user's code: any failure is theirs to see in one line
        raise CnncalcError(failed(_("calling {call}").format(call=call), one_line(error))) from None
    if not isinstance(built, nn.Module):
        raise CnncalcError(
            _("{call} returned a {kind}, not a torch.nn.Module").format(
                call=call, kind=type(built).__name__
            )
        )
    return built


def _python_module(where: str) -> Any:
    """The module ``where`` names: a file path (``net.py``) or a dotted module name."""
    if where.endswith(".py") or os.sep in where or "/" in where:
        return _module_from_file(Path(where))
    # The console script's sys.path holds its own directory, not the working one,
    # which `python -m` would have: add it, so `my_net:Net` works as it does there.
    with _on_path(os.getcwd()):
        try:
            with user_code(_("importing {what}").format(what=where)):
                return importlib.import_module(where)
        except ModuleNotFoundError as error:
            if error.name and (where == error.name or where.startswith(error.name + ".")):
                raise CnncalcError(
                    _("no module named '{name}' (is it installed, or on PYTHONPATH?)").format(
                        name=error.name
                    )
                ) from None
            raise CnncalcError(
                failed(_("importing {what}").format(what=where), one_line(error))
            ) from None
        except CnncalcError:
            raise
        except Exception as error:
            raise CnncalcError(
                failed(_("importing {what}").format(what=where), one_line(error))
            ) from None


def _module_from_file(path: Path) -> Any:
    if path.exists() and not path.is_file():
        raise CnncalcError(
            _("{path}: not a regular file, so not a Python file to import").format(path=path)
        )
    if not path.is_file():
        raise CnncalcError(_("{path}: no such file").format(path=path))
    name = f"cnncalc_import_{path.stem}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise CnncalcError(_("{path}: not a Python file").format(path=path))
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    # The file may import its neighbours, as it would when run as a script.
    with _on_path(str(path.resolve().parent)):
        try:
            with user_code(_("{path}: running the file").format(path=path)):
                loader_spec.loader.exec_module(module)
        except BaseException as error:
            sys.modules.pop(name, None)
            if not isinstance(error, Exception) or isinstance(error, CnncalcError):
                raise
            raise CnncalcError(
                failed(_("{path}: running the file").format(path=path), one_line(error))
            ) from None
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
            reading = _("reading {what}").format(what=f"{where}:{attribute}")
            with user_code(reading):  # a module's __getattr__ runs
                found = getattr(found, part)
        except AttributeError:
            from cnncalc.spec.fields import suggest

            names = [name for name in dir(module) if not name.startswith("_")]
            raise CnncalcError(
                _("{where} has no attribute '{attribute}'{hint}").format(
                    where=where, attribute=attribute, hint=suggest(attribute, names)
                )
            ) from None
        except CnncalcError:
            raise
        except Exception as error:  # a property or module __getattr__ of the user's
            raise CnncalcError(failed(reading, one_line(error))) from None
    return found
