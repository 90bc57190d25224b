"""An ONNX file read with bounds: its size before parsing, its external data never read.

``onnx.load`` on a hostile file can cost without bound: a file of gigabytes is
parsed whole, and a tensor's external-data ``location`` is a path the loader
opens (``../../etc/shadow``, ``/dev/zero``). So the file is checked to be a
regular file of at most :data:`MAX_ONNX_BYTES` before a byte is parsed, and
parsed from those bytes with no external data loaded. cnncalc needs a
weight's dims, which the model file states, not its values: external data is
never opened, and a reference that leaves the model's directory (an absolute
path, ``..``) is refused, naming the tensor.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.importers.keras_config.files import open_regular

if TYPE_CHECKING:
    from onnx import ModelProto, TensorProto

DEFAULT_MAX_ONNX_BYTES = 1024 * 1024 * 1024
"""The largest ONNX file parsed (``CNNCALC_ONNX_MAX_BYTES``): 1 GiB. protobuf caps a
message at 2 GiB; a model over 2 GiB keeps its weights in external data, which
cnncalc does not read, so its model file stays small."""
MAX_DIM = 2**31 - 1
"""The largest size of any axis of a tensor or input (a larger one is a hostile file)."""
MAX_RANK = 16
"""The most axes of a tensor (cnncalc's own bound on a shape)."""


def require_onnx() -> Any:
    """The ``onnx`` package, or a one-line error naming the extra that installs it."""
    try:
        import onnx
    except ImportError:
        raise CnncalcError(
            _("cnncalc import onnx needs the onnx package: pip install 'cnncalc[onnx]'")
        ) from None
    return onnx


def max_bytes() -> int:
    """The bound on an ONNX file's size, from ``CNNCALC_ONNX_MAX_BYTES`` if set."""
    text = os.environ.get("CNNCALC_ONNX_MAX_BYTES", "")
    if text.strip().isdigit() and len(text.strip()) <= 20:
        return int(text)
    return DEFAULT_MAX_ONNX_BYTES


def read_model(path: str) -> ModelProto:
    """The model in ``path``, parsed, its external data checked but not read."""
    onnx = require_onnx()
    limit = max_bytes()
    with open_regular(path, onnx=True) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise CnncalcError(
            _(
                "{path}: the file is over {limit} bytes, the most cnncalc parses "
                "(set CNNCALC_ONNX_MAX_BYTES to raise it)"
            ).format(path=path, limit=f"{limit:,}")
        )
    if not data:
        raise CnncalcError(_("{path}: the file is empty, not an ONNX model").format(path=path))
    try:
        model: ModelProto = onnx.ModelProto.FromString(data)
    except Exception as error:  # protobuf's DecodeError, or a recursion limit
        raise CnncalcError(
            _("{path}: not an ONNX model (protobuf cannot parse it: {reason})").format(
                path=path, reason=str(error) or type(error).__name__
            )
        ) from None
    if not model.HasField("graph") or not model.graph.node:
        raise CnncalcError(
            _("{path}: not an ONNX model (it holds no graph of nodes)").format(path=path)
        )
    for tensor in model.graph.initializer:
        check_tensor(tensor, path)
    return model


def check_tensor(tensor: TensorProto, path: str) -> None:
    """Refuse a tensor of absurd dims, or whose external data leaves the model's directory."""
    where = f"{path}: initializer '{tensor.name}'"
    if len(tensor.dims) > MAX_RANK or any(not 0 <= d <= MAX_DIM for d in tensor.dims):
        raise CnncalcError(
            _("{where}: dims {dims} are out of bounds (at most {rank} axes of 0 to {most})").format(
                where=where, dims=list(tensor.dims)[:MAX_RANK + 1], rank=MAX_RANK,
                most=f"{MAX_DIM:,}",
            )
        )  # fmt: skip
    if tensor.data_location != 1:  # TensorProto.EXTERNAL
        return
    entries = {entry.key: entry.value for entry in tensor.external_data}
    location = entries.get("location", "")
    parts = location.replace("\\", "/").split("/")
    if not location or os.path.isabs(location) or ".." in parts or ":" in location:
        raise CnncalcError(
            _(
                "{where}: its external data location {location!r} is not a file beside the "
                "model (an absolute path or '..'); cnncalc refuses it"
            ).format(where=where, location=location[:200])
        )
