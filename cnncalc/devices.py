"""Named devices for the roofline bound (``--device NAME``): peak FLOP/s per dtype, bandwidth.

Each figure is the vendor's datasheet's, in FLOP/s (or integer operations a
second, for ``int8``: two per multiply-accumulate, as FLOPs are counted) and
bytes a second (1 GB/s = 10⁹ B/s), exact :class:`~fractions.Fraction` values
built from the datasheet's decimal text. Peaks are *dense*: where a datasheet
gives tensor-core figures "with sparsity" only (H100), they are halved, as its
footnote says. ``fp32`` is the plain FP32 figure, not TF32 tensor cores (a
different format, which PyTorch uses for convolutions by default on Ampere and
later: give ``--peak-flops`` to bound that). A dtype a datasheet gives no figure
for is absent, and asking for it is an error rather than a guess. Devices whose
figures could not be confirmed against their datasheet are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from cnncalc.i18n import N_


@dataclass(frozen=True, slots=True)
class Device:
    """A device's peak dense throughput per dtype and its memory bandwidth."""

    name: str
    """What ``--device`` takes."""
    title: str
    """The product as the vendor names it."""
    peaks: dict[str, Fraction]
    """Peak FLOP/s (int8: operations/s) by canonical dtype name (:mod:`cnncalc.dtypes`)."""
    bandwidth: Fraction
    """Memory bandwidth, bytes a second."""
    source: str
    """The vendor document the figures come from (English, marked for the catalog: a
    report shows ``_(source)``)."""


def _t(text: str) -> Fraction:
    """``"19.5"`` tera (10¹²) as an exact number."""
    return Fraction(text) * 10**12


DEVICES: Final[dict[str, Device]] = {
    device.name: device
    for device in (
        Device(
            name="a100-sxm4-80gb",
            title="NVIDIA A100 80GB SXM4",
            peaks={"fp32": _t("19.5"), "fp16": _t("312"), "bf16": _t("312"), "int8": _t("624")},
            bandwidth=Fraction(2039) * 10**9,
            source=N_("NVIDIA A100 Tensor Core GPU datasheet (A100 80GB SXM column)"),
        ),
        Device(
            name="h100-sxm5",
            title="NVIDIA H100 SXM5 80GB",
            peaks={
                "fp32": _t("67"),
                # The datasheet's 1,979 and 3,958 are "shown with sparsity"; dense is half.
                "fp16": _t("1979") / 2,
                "bf16": _t("1979") / 2,
                "fp8": _t("3958") / 2,
                "int8": _t("3958") / 2,
            },
            bandwidth=Fraction(3350) * 10**9,
            source=N_("NVIDIA H100 Tensor Core GPU datasheet (H100 SXM column)"),
        ),
        Device(
            name="v100-sxm2",
            title="NVIDIA Tesla V100 SXM2",
            # 125 TFLOPS "deep learning": fp16 tensor cores; Volta has no bf16.
            peaks={"fp32": _t("15.7"), "fp16": _t("125")},
            bandwidth=Fraction(900) * 10**9,
            source=N_("NVIDIA Tesla V100 GPU Accelerator datasheet (V100 SXM2 column)"),
        ),
        Device(
            name="t4",
            title="NVIDIA T4",
            # 65 TFLOPS "mixed precision (FP16/FP32)"; Turing has no bf16.
            peaks={"fp32": _t("8.1"), "fp16": _t("65"), "int8": _t("130")},
            bandwidth=Fraction(320) * 10**9,
            source=N_("NVIDIA T4 Tensor Core GPU datasheet (GPU memory bandwidth 320+ GB/s)"),
        ),
    )
}
"""The named devices, by ``--device`` name."""


def peak(device: Device, dtype: str) -> Fraction:
    """The device's peak for ``dtype`` (canonical name); CnncalcError if its datasheet has none."""
    if dtype not in device.peaks:
        from cnncalc.errors import CnncalcError

        raise CnncalcError(
            f"--device {device.name}: its datasheet gives no {dtype} peak (it gives "
            f"{', '.join(device.peaks)}): choose one of those with --dtype, or give "
            "--peak-flops and --bandwidth"
        )
    return device.peaks[dtype]
