"""Every torchvision model through ``cnncalc import torch``, against torch's own counts.

    python bench/zoo_torchvision.py [--refresh-reference] [--only NAME,...] [--timeout S]
                                    [--outcomes FILE] [--report-from FILE]

Run it with a Python that has torch 2.14.1 and torchvision 0.29.1, which are
not test dependencies (torchvision for the tests' torch 2.13 does not import):

    python3 -m venv .venv-tv && .venv-tv/bin/pip install torch==2.14.1 torchvision==0.29.1
    .venv-tv/bin/pip install -e .      # cnncalc from this checkout; torch stays 2.14.1
    nice -n 10 .venv-tv/bin/python bench/zoo_torchvision.py

Every model of ``torchvision.models.list_models(module=…)`` in the
classification, segmentation, video, detection and optical-flow packages is
built with ``weights=None`` (``weights_backbone=None`` where the factory takes
it: nothing is downloaded) plus the few arguments its factory would set from
its default weights (``ARCHITECTURE``: ViT's image size, GoogLeNet's and
Inception's aux heads, the segmentation aux head), so that the model is the
architecture the weights' ``num_params`` and ``_ops`` describe, and run on the
input those weights document (``input_shapes``).

For each model, one child process runs the ``cnncalc`` command line as a user
would (``python -m cnncalc import torch MODULE:FACTORY --input … --kwargs …``,
then ``python -m cnncalc SPEC --format json``), under a time limit, so that
one hang or crash stops only its own row. The reference numbers come from a
child process of their own (``--reference NAME``) and are cached in
``zoo_torchvision_reference.json`` beside this file (keyed by the model's
arguments and input): a rerun after cnncalc changes runs only cnncalc's side;
``--refresh-reference`` measures them again. They are

- parameters: ``sum(p.numel() for p in model.parameters())`` of the model built
  after ``torch.manual_seed(0)`` (the same weights every run: what detection
  heads compute after NMS depends on them);
- FlopCounterMode: ``torch.utils.flop_counter.FlopCounterMode`` over one forward
  pass on ``torch.zeros`` (the input cnncalc runs the model on), under
  ``torch.no_grad()`` with ``nn.MultiheadAttention``'s fast path off
  (``torch.backends.mha.set_fastpath_enabled(False)``) and
  ``F.scaled_dot_product_attention`` on its math path (``sdpa_kernel(MATH)``):
  as torch runs by default on the CPU, FlopCounterMode counts 0 for the fused
  attention kernels, so the attention matmuls would be missing. That default
  count is kept too (``plain``) and shown where it differs;
- ``_ops``: torchvision's published GMACs (``get_model_weights(name).DEFAULT.meta``,
  3 decimals; no download).

A row is exact when the import succeeded with nothing skipped, its parameters
equal torch's and its MACs equal FlopCounterMode's count / 2 (or all that but
an aux head eval mode never calls, which the spec's header names with its
parameters). A detector's spec is its static part (transform, backbone, heads
per level): its row is exact when that part's counts equal those of the same
modules measured with torchvision's own code (``measure_static_part``).
The report is ``docs/zoo-torchvision.md`` (one row per model, totals per
family, failures grouped by cause: the torch op or module, what cnncalc
cannot do with it, the models it stops) and a summary section in
``bench/RESULTS.md``. ``--outcomes FILE`` keeps cnncalc's side of a run, and
``--report-from FILE`` writes the report from it again without running it (to
change the report, not the measurement). The models run one at a time: the
machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import inspect
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
REFERENCE = BENCH / "zoo_torchvision_reference.json"
DOC = ROOT / "docs" / "zoo-torchvision.md"
RESULTS_HEADING = "## torchvision zoo (bench/zoo_torchvision.py)"
COMMAND = "nice -n 10 .venv-tv/bin/python bench/zoo_torchvision.py"

FAMILIES = {
    "classification": "torchvision.models",
    "segmentation": "torchvision.models.segmentation",
    "video": "torchvision.models.video",
    "detection": "torchvision.models.detection",
    "optical_flow": "torchvision.models.optical_flow",
}

ARCHITECTURE: dict[str, dict[str, Any]] = {
    # What each factory sets from its default weights (torchvision 0.29.1's
    # models/googlenet.py, inception.py, segmentation/fcn.py, deeplabv3.py):
    # GoogLeNet is built with aux heads and loses them after loading unless
    # asked for (num_params 6,624,904); Inception v3 keeps its aux head
    # (27,161,264); the FCN and DeepLabV3 weights hold an aux classifier.
    # `init_weights=False` only skips a slow initialisation (and its warning).
    # Not set: `transform_input=True`, which both set with weights: it rescales
    # the input's channels (`x[:, 0]`, no parameters, no MACs).
    "googlenet": {"aux_logits": False, "init_weights": False},
    "inception_v3": {"aux_logits": True, "init_weights": False},
    "fcn_resnet50": {"aux_loss": True},
    "fcn_resnet101": {"aux_loss": True},
    "deeplabv3_resnet50": {"aux_loss": True},
    "deeplabv3_resnet101": {"aux_loss": True},
    "deeplabv3_mobilenet_v3_large": {"aux_loss": True},
}
"""Arguments beyond ``weights=None`` that make the built model the weights' architecture;
ViT's ``image_size`` is read from the weights' ``min_size`` (``architecture``)."""


VIDEO_FRAMES = 16
"""The clip length of every video model's ``_ops``: the weights document ``clip_len=16``
for most, but 128 for S3D and 32 for Swin3D, whose ``_ops`` are 1/8 and 1/2 of
FlopCounterMode's count at those lengths and equal to it at 16 frames."""

FAMILY_NOTES = {
    "classification": (
        "GoogLeNet and Inception v3 are built as their weights are (`aux_logits`); their "
        "factories also set `transform_input=True` with weights, left out here: it rescales "
        "the input's channels with `x[:, 0]` indexing (no parameters, no MACs). An aux head "
        "that eval mode never calls is named in the spec's header with its parameters; such "
        "an import is exact when the rest is (*yes, aux head named*)."
    ),
    "segmentation": (
        "Built with the aux classifier the weights hold (`aux_loss=True`): `_ops` counts it; "
        "the forward returns a dict of two outputs (`out`, `aux`)."
    ),
    "video": f"Clips of {VIDEO_FRAMES} frames: see `VIDEO_FRAMES` in the script.",
    "detection": (
        "A detector imports as its static part: the transform's normalisation and resize (to "
        "the size torchvision computes for the input), the backbone with its FPN, and the "
        "heads on every level (`rpn.head` for the R-CNNs); the spec's header names what the "
        "data decides (anchors, box decoding, NMS; the R-CNNs' ROI heads with their "
        "parameters and MACs per region). *exact* compares it with the same part measured "
        "with torchvision's own code: the parameters of `backbone` and the head (the spec "
        "counts a head shared by n levels n times, as its header says; the check counts it "
        "once), and FlopCounterMode on `model.transform`, `model.backbone` and the head run "
        "on the same zeros. The notes say how far `_ops` is from it: `_ops` is FlopCounterMode "
        "over a whole forward pass, which in the R-CNNs includes the ROI heads on the regions "
        "NMS kept. Built without weights, the backbones use `nn.BatchNorm2d` (its weight and "
        "bias are "
        "parameters) where the pretrained models use `FrozenBatchNorm2d` (buffers): hence "
        "torch's parameters above `num_params` (53,120 for a ResNet-50 backbone, 24,400 for "
        "MobileNetV3). What the heads compute after the region proposals depends on the "
        "data (the boxes NMS keeps, from random weights), so FlopCounterMode's count is that "
        "of one run on zeros with the weights of `torch.manual_seed(0)`."
    ),
    "optical_flow": "Two frames of 3×512×512, the size at which FlopCounterMode gives `_ops`.",
}


@dataclass(frozen=True)
class Model:
    """One torchvision model: how it is built, what it is run on, what torchvision says."""

    name: str
    family: str
    kwargs: dict[str, Any]
    inputs: tuple[tuple[int, ...], ...]
    ops: float
    """Published GMACs (``_ops``)."""
    num_params: int
    """Published parameters of the default weights."""

    @property
    def target(self) -> str:
        return f"{FAMILIES[self.family]}:{self.name}"

    @property
    def key(self) -> str:
        """What the reference numbers depend on: a cached entry with another key is stale."""
        return json.dumps([self.kwargs, self.inputs])


def architecture(name: str, meta: dict[str, Any]) -> dict[str, Any]:
    """The factory arguments its default weights would set (``ARCHITECTURE``, ViT's size)."""
    extra = dict(ARCHITECTURE.get(name, {}))
    if name.startswith("vit_") and meta["min_size"][0] != 224:
        extra["image_size"] = meta["min_size"][0]
    return extra


def input_shapes(name: str, family: str, weights: Any) -> tuple[tuple[int, ...], ...]:
    """The input the default weights document, without the batch axis.

    Classification: the transform's crop (224, 299 for Inception v3, up to 600
    for EfficientNet-B7, 518 for ViT-H/14 SWAG); segmentation: the transform's
    520; video: ``VIDEO_FRAMES`` frames of the crop;
    detection: the transform's own ``min_size`` (800, 320 for the 320 models,
    300 for SSD300), square; optical flow: two 3×512×512 frames (which give RAFT's
    `_ops`).
    """
    keywords = getattr(weights.transforms, "keywords", {})
    if family == "classification":
        crop = keywords["crop_size"]
        return ((3, crop, crop),)
    if family == "segmentation":
        return ((3, keywords["resize_size"], keywords["resize_size"]),)
    if family == "video":
        return ((3, VIDEO_FRAMES, *keywords["crop_size"]),)
    if family == "detection":
        side = 300 if name.startswith("ssd300") else 320 if "320" in name else 800
        return ((3, side, side),)
    return ((3, 512, 512), (3, 512, 512))


def zoo_models() -> list[Model]:
    """Every model of the five families, in ``list_models`` order."""
    import importlib

    from torchvision.models import get_model_builder, get_model_weights, list_models

    models = []
    for family, module_name in FAMILIES.items():
        module = importlib.import_module(module_name)
        for name in list_models(module=module):
            weights = get_model_weights(name).DEFAULT
            kwargs: dict[str, Any] = {"weights": None}
            if "weights_backbone" in inspect.signature(get_model_builder(name)).parameters:
                kwargs["weights_backbone"] = None
            kwargs |= architecture(name, weights.meta)
            models.append(Model(
                name=name, family=family, kwargs=kwargs,
                inputs=input_shapes(name, family, weights),
                ops=float(weights.meta["_ops"]), num_params=int(weights.meta["num_params"]),
            ))  # fmt: skip
    return models


# -- the reference: torch's own counts, in a child process per model -------------------------


def measure_reference(name: str, kwargs: dict[str, Any], inputs: list[list[int]]) -> dict[str, Any]:
    """Parameters, buffers and FlopCounterMode totals of one model (the child's work)."""
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode
    from torchvision.models import get_model_builder

    torch.manual_seed(0)  # the same random weights every run: detection heads depend on them
    model = get_model_builder(name)(**kwargs).eval()
    tensors = [torch.zeros(1, *shape) for shape in inputs]
    counts = {}
    for label, attention in (("plain", False), ("attention", True)):
        counter = FlopCounterMode(display=False)
        torch.backends.mha.set_fastpath_enabled(not attention)
        backend = sdpa_kernel(SDPBackend.MATH) if attention else contextlib.nullcontext()
        with torch.no_grad(), backend, counter:
            model(*tensors)
        counts[label] = int(counter.get_total_flops())
    found = {
        "params": sum(p.numel() for p in model.parameters()),
        "buffers": sum(b.numel() for b in model.buffers()),
        "flop_counter": counts["attention"],
        "flop_counter_plain": counts["plain"],
    }
    if name in detection_names():
        found |= measure_static_part(model, tensors[0][0])
    return found


def detection_names() -> set[str]:
    from torchvision.models import detection, list_models

    return set(list_models(module=detection))


def measure_static_part(model: Any, image: Any) -> dict[str, int]:
    """A detector's static part, measured with torchvision's own code (not cnncalc's): its
    parameters (``backbone`` and ``rpn.head`` or ``head``) and FlopCounterMode's FLOPs of
    ``model.transform``, ``model.backbone`` and that head, run as the model's forward runs
    them, on the same zeros."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    head = model.rpn.head if hasattr(model, "rpn") else model.head
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        images, _ = model.transform([image])
        features = model.backbone(images.tensors)
        head(list(features.values()))
    return {
        "static_params": sum(p.numel() for m in (model.backbone, head) for p in m.parameters()),
        "static_flop_counter": int(counter.get_total_flops()),
    }


def reference(model: Model, timeout: float) -> dict[str, Any]:
    """The child process's answer for ``model``, or ``{"error": …}``."""
    argv = [sys.executable, __file__, "--reference", model.name, json.dumps(model.kwargs),
            json.dumps(model.inputs)]  # fmt: skip
    result = run_bounded(argv, timeout)
    if result.timed_out:
        return {"error": f"timed out after {timeout:g} s"}
    if result.returncode != 0:
        last = result.stderr.strip().splitlines()[-1:] or [f"exit {result.returncode}"]
        return {"error": last[0][:300]}
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def load_references() -> dict[str, Any]:
    if REFERENCE.exists():
        return dict(json.loads(REFERENCE.read_text(encoding="utf-8")))
    return {}


def save_references(references: dict[str, Any]) -> None:
    REFERENCE.write_text(json.dumps(references, indent=1, sort_keys=True) + "\n", encoding="utf-8")


# -- cnncalc's side: the command line, in a child process per model --------------------------


@dataclass
class Bounded:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float


def run_bounded(argv: list[str], timeout: float, env: dict[str, str] | None = None) -> Bounded:
    """Run ``argv`` in a session of its own; after ``timeout`` seconds, kill that session."""
    started = time.monotonic()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=ROOT, env=env, start_new_session=True) as child:  # fmt: skip
        try:
            out, err = child.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            out, err = child.communicate()
            timed_out = True
    return Bounded(child.returncode, out, err, timed_out, time.monotonic() - started)


@dataclass
class Outcome:
    """What ``cnncalc import torch`` made of one model."""

    error: str | None = None
    skipped: list[str] = field(default_factory=list)
    params: int | None = None
    macs: int | None = None
    header: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def imports(self) -> bool:
        return self.error is None


def import_with_cnncalc(model: Model, timeout: float, work: Path) -> Outcome:
    """``cnncalc import torch`` then ``cnncalc SPEC --format json``, as on the command line."""
    spec = work / f"{model.name}.yaml"
    argv = [sys.executable, "-m", "cnncalc", "import", "torch", model.target]
    for shape in model.inputs:  # two for RAFT: several --input where cnncalc reads them
        argv += ["--input", ",".join(map(str, shape))]
    argv += ["--kwargs", json.dumps(model.kwargs), "-o", str(spec)]
    env = os.environ | {"CNNCALC_IMPORT_TIMEOUT": str(timeout), "NO_COLOR": "1"}
    result = run_bounded(argv, timeout + 30, env)
    lines = result.stderr.splitlines()
    outcome = Outcome(seconds=result.seconds)
    outcome.skipped = [line.removeprefix("warning: skipped ") for line in lines
                       if line.startswith("warning: skipped ")]  # fmt: skip
    if result.timed_out:
        outcome.error = f"no answer within {timeout + 30:g} s (killed)"
        return outcome
    if result.returncode != 0:
        errors = [line for line in lines if line.startswith("error: ")]
        outcome.error = errors[0].removeprefix("error: ") if errors else (
            f"exit {result.returncode}: {(lines or ['no message'])[-1][:300]}")  # fmt: skip
        return outcome
    text = spec.read_text(encoding="utf-8")
    outcome.header = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    report = run_bounded([sys.executable, "-m", "cnncalc", str(spec), "--format", "json"], 600)
    if report.returncode != 0:
        outcome.error = f"the written spec does not analyse: {report.stderr.strip()[:300]}"
        return outcome
    totals = json.loads(report.stdout)["totals"]
    outcome.params, outcome.macs = int(totals["params"]), int(totals["macs"])
    return outcome


# -- the causes of failures --------------------------------------------------------------------

_CALL = re.compile(r"^(?:cannot translate )?(?P<where>.+?) \((?P<what>[^()]+)\): (?P<why>.+)$")
_WHY: list[tuple[str, str]] = [
    # (regex on what cnncalc says of the call, the cause in a few words)
    (r"^reshapes .* to .*: cnncalc has only flatten", "cnncalc's only reshape is `flatten` to "
     "one axis"),
    (r"^it reshapes a tensor whose axes are permuted", "on a permuted (channels-last) tensor, "
     "whose reshape cnncalc cannot follow"),
    (r"^cnncalc has no layer type for it; it changes the shape", "no layer type, and it changes "
     "the shape"),
    (r"^cnncalc has no layer type for it", "no layer type; skipped (same shape in and out)"),
    (r"^it returns several tensors", "returns several values (a tuple), which later operations "
     "read"),
    (r"^a Linear on the last axis of a .* input", "a Linear on the last axis of a tensor that is "
     "not flat (cnncalc's `dense` reads a flat input)"),
    (r"is not an integer factor", "interpolation to a size that is not an integer multiple of "
     "the input's"),
    (r"^cnncalc's max and average pooling are 2-D", "3-D pooling (cnncalc's pooling is 2-D)"),
    (r"^a multiply with a constant or a parameter", "a multiply by a parameter (ConvNeXt's "
     "`layer_scale * x`): skipped"),
    (r"^parameters (\S+) \([\d,]+ values\) are read directly in forward", r"its parameter `\1`, "
     "read directly in forward, is counted by no layer"),
    (r"^never called on this input \(in eval mode\)", "an aux head never called in eval mode: "
     "named in the header with its parameters, which are not counted"),
]  # fmt: skip
_KNOWN = {
    # What torchvision's fx-wrapped helpers do (torchvision 0.29.1's source): fx records
    # the call, not the torch ops inside, so the error names the helper.
    "torchvision.models.swin_transformer._patch_merging_pad": "pads H and W to even sizes, "
    "then `x[..., 0::2, 0::2, :]` and its three neighbours concatenated on the channels "
    "(a 2×2 space-to-depth on a channels-last tensor)",
    "torchvision.models.video.mvit._unsqueeze": "returns `(x, rank)`: the tensor with an axis "
    "added and the rank it had, read back with `[0]` and `[1]`",
}
_NEVER_CALLED = re.compile(r"never called on this input \(in eval mode\); its ([\d,]+) parameters")


@dataclass(frozen=True)
class Cause:
    """Why one model does not import exactly, where in it, and what cnncalc said there."""

    cause: str
    where: str
    said: str


def cause_of(line: str) -> Cause:
    """The cause of one error or skipped line: the torch op or module, and why, in words."""
    if line.startswith("the model's forward takes"):
        return Cause("a forward of more inputs than --input gave", "forward", line)
    if re.match(r"exit -9\b", line):
        return Cause("the import was killed (SIGKILL): out of memory", "—", line)
    match = _CALL.match(line)
    if not match:
        return Cause(line, "—", line)
    why = match["why"]
    reshaped = re.match(r"reshapes (\S+) to (\S+):", why) or re.match(
        r"it reshapes a tensor whose axes are permuted \((\S+) in torch's order; .*\) to (\S+),",
        why,
    )
    for pattern, words in _WHY:
        found = re.search(pattern, why)
        if found:
            why = found.expand(words)
            break
    if reshaped:
        why = f"a reshape that {reshape_kind(*(shape(s) for s in reshaped.groups()))}; {why}"
    if match["what"] in _KNOWN:
        why = f"{why}: it {_KNOWN[match['what']]}"
    return Cause(f"`{match['what']}`: {why}", match["where"], line)


def shape(text: str) -> tuple[int, ...]:
    """``48×28×28`` → ``(48, 28, 28)``."""
    return tuple(int(n) for n in text.split("×"))


def reshape_kind(before: tuple[int, ...], after: tuple[int, ...]) -> str:
    """What a reshape does to the axes (batch left out): merges neighbours (a ``flatten``
    with start and end axes), splits axes (``unflatten``), or neither."""
    if refines(before, after):
        return "splits axes into several (an unflatten)"
    if refines(after, before):
        return "merges neighbouring axes (a flatten from a start to an end axis)"
    return "regroups values across axes (neither a flatten nor an unflatten)"


def refines(coarse: tuple[int, ...], fine: tuple[int, ...]) -> bool:
    """Whether ``fine``'s axes, taken in runs, multiply to ``coarse``'s, in order."""
    position = 0
    for size in coarse:
        product = 1
        while product < size and position < len(fine):
            product *= fine[position]
            position += 1
        if product != size:
            return False
    return position == len(fine) and len(fine) > len(coarse)


def causes(outcome: Outcome) -> list[Cause]:
    """Why a model does not import exactly: its error's cause, or each kind it skipped."""
    lines = [outcome.error] if outcome.error else outcome.skipped
    found: dict[str, Cause] = {}
    for line in lines:
        assert line is not None
        cause = cause_of(line)
        found.setdefault(cause.cause, cause)
    return list(found.values())


# -- the report ---------------------------------------------------------------------------------


def gmacs(macs: int | None) -> str:
    return "—" if macs is None else f"{macs / 1e9:.3f}"


def whole(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def row_status(outcome: Outcome) -> str:
    """``ok``, ``ok, 9 skipped``, or ``error at WHERE``."""
    if outcome.error:
        where = cause_of(outcome.error).where
        return "error" if where == "—" else f"error at `{where}`"
    return f"ok, {len(outcome.skipped)} skipped" if outcome.skipped else "ok"


def status_cell(outcome: Outcome) -> str:
    """The status and its causes: ``error at `x`: cause``, ``ok, 9 skipped: `nn.Hardsigmoid```."""
    found = causes(outcome)
    if outcome.error:
        return f"{row_status(outcome)}: {found[0].cause}"
    if outcome.skipped:
        kinds = sorted({c.cause.split(":")[0] for c in found})
        return f"{row_status(outcome)}: {', '.join(kinds)}"
    return "ok"


def uncalled_params(outcome: Outcome) -> int | None:
    """The parameters of modules never called (aux heads), if that is all an import skipped."""
    counts = [_NEVER_CALLED.search(line) for line in outcome.skipped]
    if not counts or not all(counts):
        return None
    return sum(int(match[1].replace(",", "")) for match in counts if match)


_SHARED = re.compile(r"is called (\d+) times \(shared weights\): each call is a layer, so its "
                     r"([\d,]+) parameters")  # fmt: skip


def shared_repeats(outcome: Outcome) -> int:
    """The parameters a spec counts more than once: a module called on n levels (a detector's
    head), as its header says, counts its parameters n times."""
    found = (_SHARED.search(line) for line in outcome.header)
    return sum((int(m[1]) - 1) * int(m[2].replace(",", "")) for m in found if m)


def static_exactness(outcome: Outcome, ref: dict[str, Any]) -> str:
    """A detector's row: its spec is the static part (:mod:`cnncalc.importers.torch_fx.detection`),
    exact when its parameters, each shared head once, equal those of torchvision's
    ``backbone`` and ``rpn.head``/``head``, and its MACs FlopCounterMode's on torchvision's
    ``transform``, ``backbone`` and head run on the same zeros / 2."""
    assert outcome.params is not None and outcome.macs is not None
    params = outcome.params - shared_repeats(outcome)
    wrong = []
    if params != ref["static_params"]:
        wrong.append(f"static params {params - ref['static_params']:+,}")
    if 2 * outcome.macs != ref["static_flop_counter"]:
        wrong.append(f"static MACs {outcome.macs - ref['static_flop_counter'] // 2:+,}")
    if wrong:
        return "no: " + ", ".join(wrong)
    if outcome.skipped:
        return f"static part: counts equal, {len(outcome.skipped)} skipped"
    return "yes, static part"


def exactness(outcome: Outcome, ref: dict[str, Any]) -> str:
    """``yes``; ``yes, aux head named``; ``counts equal, N skipped``; or what differs (a
    detector's: :func:`static_exactness`)."""
    if not outcome.imports or "error" in ref or outcome.params is None or outcome.macs is None:
        return "—"
    if "static_params" in ref:
        return static_exactness(outcome, ref)
    macs = 2 * outcome.macs == ref["flop_counter"]
    uncalled = uncalled_params(outcome)
    if macs and uncalled and outcome.params + uncalled == ref["params"]:
        return "yes, aux head named"
    if macs and outcome.params == ref["params"]:
        return f"counts equal, {len(outcome.skipped)} skipped" if outcome.skipped else "yes"
    wrong = []
    if outcome.params != ref["params"]:
        wrong.append(f"params {outcome.params - ref['params']:+,}")
    if not macs:
        wrong.append(f"MACs {outcome.macs - ref['flop_counter'] // 2:+,}")
    return "no: " + ", ".join(wrong)


def is_exact(outcome: Outcome, ref: dict[str, Any]) -> bool:
    return exactness(outcome, ref).startswith("yes")


def notes(model: Model, outcome: Outcome, ref: dict[str, Any]) -> list[str]:
    """What the reference itself says: `_ops` or `num_params` not reproduced, attention
    missed by the default FlopCounterMode."""
    if "error" in ref:
        return [f"reference: {ref['error']}"]
    found = []
    if ref["params"] != model.num_params:
        found.append(f"torch's params ≠ `num_params` {model.num_params:,}")
    if round(ref["flop_counter"] / 2e9, 3) != model.ops:
        found.append("FlopCounterMode/2 ≠ `_ops`")
    if "static_params" in ref:
        found.append(static_note(model, outcome, ref))
    if ref["flop_counter_plain"] != ref["flop_counter"]:
        found.append(f"default FlopCounterMode/2: {gmacs(ref['flop_counter_plain'] // 2)} G "
                     "(attention uncounted)")  # fmt: skip
    return found


_ROI = re.compile(r"roi_heads\.(\w+)_head .*?: ([\d,]+) MACs a (proposal|detection) .*?, "
                  r"([\d,]+) on the ([\d,]+) ")  # fmt: skip


def static_note(model: Model, outcome: Outcome, ref: dict[str, Any]) -> str:
    """A detector's static part in torch, and what `_ops` counts beyond it: FlopCounterMode's
    count of one whole forward pass (the R-CNNs' ROI heads on the regions NMS kept, whose
    MACs per region and on the most regions the spec's header states)."""
    static = ref["static_flop_counter"] // 2
    beyond = round(model.ops - static / 1e9, 3)
    rest = ref["flop_counter"] // 2 - static
    text = (f"static part in torch: params {whole(ref['static_params'])}, FlopCounterMode/2 "
            f"{whole(static)}")  # fmt: skip
    if rest:
        text += f"; the whole forward on zeros counts {gmacs(rest)} G more (the ROI heads)"
    text += f"; `_ops` − static part = {beyond:.3f} G" if beyond else "; `_ops` = static part"
    for match in filter(None, (_ROI.search(line) for line in outcome.header)):
        part, each, region, most, count = match.groups()
        text += (f"; {part} head, header: {int(each.replace(',', '')) / 1e9:.4f} G a {region}, "
                 f"{gmacs(int(most.replace(',', '')))} G on {count}")  # fmt: skip
    return text


def family_totals(rows: list[tuple[Model, Outcome, dict[str, Any]]]) -> list[str]:
    lines = ["| family | tried | imports | imports, nothing skipped | exact | MACs = `_ops` |",
             "|:--|--:|--:|--:|--:|--:|"]  # fmt: skip
    for family in FAMILIES:
        mine = [(m, o, r) for m, o, r in rows if m.family == family]
        if not mine:
            continue
        imports = sum(o.imports for _, o, _ in mine)
        whole_ = sum(o.imports and not o.skipped for _, o, _ in mine)
        exact = sum(is_exact(o, r) for _, o, r in mine)
        ops = sum(o.macs is not None and round(o.macs / 1e9, 3) == m.ops for m, o, _ in mine)
        lines.append(f"| {family} | {len(mine)} | {imports} | {whole_} | {exact} | {ops} |")
    return lines


def failure_section(rows: list[tuple[Model, Outcome, dict[str, Any]]]) -> list[str]:
    """Every cause, with the models it blocks (or makes inexact), most models first."""
    by_cause: dict[str, list[tuple[str, Cause]]] = {}
    for model, outcome, ref in rows:
        if exactness(outcome, ref) in ("yes", "yes, static part"):  # nothing to explain
            continue
        found = causes(outcome)
        if not found and outcome.imports:
            found = [Cause(f"the counts differ from torch's ({exactness(outcome, ref)})", "—",
                           "")]  # fmt: skip
        for cause in found:
            by_cause.setdefault(cause.cause, []).append((model.name, cause))
    lines = ["| cause | models | which | first seen |", "|:--|--:|:--|:--|"]
    for text, seen in sorted(by_cause.items(), key=lambda item: (-len(item[1]), item[0])):
        names = ", ".join(name for name, _ in seen)
        first_name, first = seen[0]
        example = f"{first_name}: {first.said}" if first.said else ""
        lines.append(f"| {cell(text)} | {len(seen)} | {names} | {cell(example)} |")
    return lines


def report(rows: list[tuple[Model, Outcome, dict[str, Any]]], versions: str) -> str:
    lines = [
        "# torchvision models through `cnncalc import torch`",
        "",
        "Generated, not written by hand: the virtual environment it needs is described at the",
        "top of `bench/zoo_torchvision.py`; then, from the repository's root,",
        "",
        "```sh",
        COMMAND,
        "```",
        "",
        f"Last run: {versions}, {datetime.date.today()}.",
        "",
        "Each model is built with `weights=None` (and `weights_backbone=None`: nothing is",
        "downloaded), plus the arguments its factory takes from its default weights (the",
        "*arguments* column), imported by the `cnncalc import torch` command line on the input",
        "its weights document, and compared with torch: parameters with",
        "`sum(p.numel())`, MACs with `FlopCounterMode` / 2 (one forward pass on zeros, under",
        "`no_grad`, with the attention kernels on their math path so that attention is",
        "counted) and with torchvision's published `_ops` (GMACs, 3 decimals).",
        "",
        "*exact*: imported with nothing skipped, its parameters and MACs equal to torch's",
        "(*yes, aux head named*: all but an aux head that eval mode never calls, which the",
        "header names with its parameters; *yes, static part*: a detector's static part, see",
        "its section); *counts equal, N skipped*: the totals are right",
        "but the spec leaves out N operations that have no parameters and no MACs; *MACs =",
        "`_ops`*: cnncalc's MACs rounded to 3 decimals of GMACs equal the published figure",
        "(the *notes* column says where FlopCounterMode does not give `_ops` either).",
        "",
        "## Totals",
        "",
        *family_totals(rows),
        "",
        "## Why models do not import exactly",
        "",
        "One line per cause: the error of an import that failed (only its first error is",
        "known: a model may hold more), or a kind of layer an import skipped.",
        "",
        *failure_section(rows),
    ]
    for family in FAMILIES:
        mine = [(m, o, r) for m, o, r in rows if m.family == family]
        if not mine:
            continue
        lines += [
            "", f"## {family.replace('_', ' ').capitalize()}", "", FAMILY_NOTES[family], "",
            "| model | input | arguments | status | params torch | params cnncalc | `_ops` G | "
            "FlopCounterMode/2 | cnncalc MACs | exact? | notes |",
            "|:--|:--|:--|:--|--:|--:|--:|--:|--:|:--|:--|",
        ]  # fmt: skip
        for model, outcome, ref in mine:
            shown = {k: v for k, v in model.kwargs.items()
                     if k not in ("weights", "weights_backbone")}  # fmt: skip
            args = ", ".join(f"{k}={v!r}" for k, v in shown.items())
            inputs = " + ".join("×".join(map(str, s)) for s in model.inputs)
            fc = ref.get("flop_counter")
            lines.append(
                f"| {model.name} | {inputs} | {cell(args)} | {cell(status_cell(outcome))} | "
                f"{whole(ref.get('params'))} | {whole(outcome.params)} | {model.ops:.3f} | "
                f"{whole(None if fc is None else fc // 2)} | {whole(outcome.macs)} | "
                f"{exactness(outcome, ref)} | {cell('; '.join(notes(model, outcome, ref)))} |"
            )
    return "\n".join(lines) + "\n"


def results_section(rows: list[tuple[Model, Outcome, dict[str, Any]]], versions: str) -> str:
    return "\n".join([
        RESULTS_HEADING, "",
        f"`{COMMAND}`", "",
        f"{versions}, {datetime.date.today()}; every model's row and the failures by cause:",
        "`docs/zoo-torchvision.md`.", "",
        *family_totals(rows),
    ])  # fmt: skip


def versions() -> str:
    import torch
    import torchvision

    return (f"torch {torch.__version__}, torchvision {torchvision.__version__}, Python "
            f"{platform.python_version()}, {os.cpu_count()} cores")  # fmt: skip


def stale(cached: dict[str, Any], model: Model) -> bool:
    """Whether the cached reference must be measured again: another key, or a detector's
    without its static part's counts (cached before they were measured)."""
    if cached.get("key") != model.key:
        return True
    return model.family == "detection" and "static_params" not in cached


@contextlib.contextmanager
def work_directory() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="cnncalc-zoo-") as directory:
        yield Path(directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--refresh-reference", action="store_true",
                        help="measure torch's counts again, not from the cache")  # fmt: skip
    parser.add_argument("--only", help="these models only (comma-separated): the report goes "
                        "to stdout, no file is written")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=900, help="seconds per model and side")
    parser.add_argument("--outcomes", type=Path, help="also write cnncalc's outcomes to this "
                        "JSON file, model by model")  # fmt: skip
    parser.add_argument("--report-from", type=Path, help="write the report from outcomes saved "
                        "by --outcomes, without running cnncalc")  # fmt: skip
    parser.add_argument("--reference", nargs=3, help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.reference:
        name, kwargs, inputs = args.reference
        print(json.dumps(measure_reference(name, json.loads(kwargs), json.loads(inputs))))
        return

    models = zoo_models()
    if args.only:
        wanted = set(args.only.split(","))
        models = [m for m in models if m.name in wanted]
    references = load_references()  # others' entries are kept under --only
    saved = {}
    if args.report_from:
        saved = json.loads(args.report_from.read_text(encoding="utf-8"))
        models = [m for m in models if m.name in saved]
    rows = []
    with work_directory() as work:
        for number, model in enumerate(models, start=1):
            cached = references.get(model.name)
            if cached is None or args.refresh_reference or stale(cached, model):
                cached = reference(model, args.timeout) | {"key": model.key}
                references[model.name] = cached
                save_references(references)
            if args.report_from:
                outcome = Outcome(**saved[model.name])
            else:
                outcome = import_with_cnncalc(model, args.timeout, work)
                saved[model.name] = dataclasses.asdict(outcome)
                if args.outcomes:
                    args.outcomes.write_text(json.dumps(saved, indent=1), encoding="utf-8")
            rows.append((model, outcome, cached))
            verdict = exactness(outcome, cached)
            print(f"[{number}/{len(models)}] {model.name}: {row_status(outcome)[:150]} "
                  f"({verdict}, {outcome.seconds:.0f} s)", flush=True)  # fmt: skip
    text = report(rows, versions())
    if args.only:
        print(text)
        return
    DOC.write_text(text, encoding="utf-8")
    sys.path.insert(0, str(BENCH))
    from large import write_section

    write_section(BENCH / "RESULTS.md", RESULTS_HEADING, results_section(rows, versions()))
    print(f"wrote {DOC.relative_to(ROOT)} and bench/RESULTS.md")


if __name__ == "__main__":
    main()
