"""Dtype sizes against PyTorch's own: ``torch.empty(0, dtype=d).element_size()``."""

from __future__ import annotations

import pytest
import torch

from cnncalc.dtypes import BYTES, DTYPE_NAMES, canonical, dtype_bytes

TORCH_NAMES = {
    "fp64": "float64", "fp32": "float32", "fp16": "float16", "bf16": "bfloat16",
    "fp8": "float8_e4m3fn", "int64": "int64", "int32": "int32", "int8": "int8",
    "uint8": "uint8", "bool": "bool",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BYTES))
def test_bytes_per_value_are_torchs(name: str) -> None:
    dtype = getattr(torch, TORCH_NAMES[name])
    assert dtype_bytes(name) == torch.empty(0, dtype=dtype).element_size()


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_every_spelling_that_torch_has_is_the_same_size(name: str) -> None:
    dtype = getattr(torch, name, None)
    if isinstance(dtype, torch.dtype):
        assert dtype_bytes(name) == torch.empty(0, dtype=dtype).element_size()
    assert canonical(name) in BYTES


def test_unknown_dtypes_are_refused() -> None:
    with pytest.raises(KeyError):
        canonical("int4")
    assert canonical(" Half ") == "fp16"
