"""Every torchvision model through ``cnncalc import torch``, against torch's own counts.

    python bench/zoo_torchvision.py [--refresh-reference] [--only NAME,...] [--timeout S]

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

- parameters: ``sum(p.numel() for p in model.parameters())``;
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
equal torch's and its MACs equal FlopCounterMode's count / 2. The report is
``docs/zoo-torchvision.md`` (one row per model, totals per family, failures
grouped by cause) and a summary section in ``bench/RESULTS.md``.
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
    520; video: ``clip_len`` frames (the weights' documentation) of the crop;
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
        frames = re.search(r"clip_len=(\d+)", weights.meta["_docs"])
        assert frames, name
        return ((3, int(frames.group(1)), *keywords["crop_size"]),)
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
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "buffers": sum(b.numel() for b in model.buffers()),
        "flop_counter": counts["attention"],
        "flop_counter_plain": counts["plain"],
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

CAUSES: list[tuple[str, str]] = []
"""``(regex on the error or skipped line, cause)``; the cause may use the regex's groups."""


def causes(outcome: Outcome) -> list[str]:
    """Why a model does not import exactly: its error's cause, or each skipped kind."""
    lines = [outcome.error] if outcome.error else outcome.skipped
    found: list[str] = []
    for line in lines:
        assert line is not None
        cause = classify(line, skipped=outcome.error is None)
        if cause not in found:
            found.append(cause)
    return found


def classify(line: str, *, skipped: bool) -> str:
    for pattern, cause in CAUSES:
        match = re.search(pattern, line)
        if match:
            return match.expand(cause)
    return ("skipped: " if skipped else "") + line


# -- the report ---------------------------------------------------------------------------------


def gmacs(macs: int | None) -> str:
    return "—" if macs is None else f"{macs / 1e9:.3f}"


def whole(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def row_status(outcome: Outcome) -> str:
    if outcome.error:
        return f"error: {outcome.error}"
    if outcome.skipped:
        return f"ok, {len(outcome.skipped)} skipped: {outcome.skipped[0]}"
    return "ok"


def exactness(outcome: Outcome, ref: dict[str, Any]) -> str:
    """``yes``, or what differs."""
    if not outcome.imports or "error" in ref:
        return "—"
    wrong = []
    if outcome.skipped:
        wrong.append("skipped layers")
    if outcome.params != ref["params"]:
        wrong.append("params")
    if outcome.macs is None or 2 * outcome.macs != ref["flop_counter"]:
        wrong.append("MACs")
    return "yes" if not wrong else "no: " + ", ".join(wrong)


def notes(model: Model, ref: dict[str, Any]) -> list[str]:
    """What the reference itself says: `_ops` or `num_params` not reproduced, attention
    missed by the default FlopCounterMode."""
    if "error" in ref:
        return [f"reference: {ref['error']}"]
    found = []
    if ref["params"] != model.num_params:
        found.append(f"torch {ref['params']:,} ≠ num_params {model.num_params:,}")
    if round(ref["flop_counter"] / 2e9, 3) != model.ops:
        found.append("FlopCounterMode/2 ≠ `_ops`")
    if ref["flop_counter_plain"] != ref["flop_counter"]:
        found.append(f"default FlopCounterMode/2: {gmacs(ref['flop_counter_plain'] // 2)} G "
                     "(attention uncounted)")  # fmt: skip
    return found


def family_totals(rows: list[tuple[Model, Outcome, dict[str, Any]]]) -> list[str]:
    lines = ["| family | tried | imports | imports, nothing skipped | exact |",
             "|:--|--:|--:|--:|--:|"]  # fmt: skip
    for family in FAMILIES:
        mine = [(m, o, r) for m, o, r in rows if m.family == family]
        if not mine:
            continue
        imports = sum(o.imports for _, o, _ in mine)
        whole_ = sum(o.imports and not o.skipped for _, o, _ in mine)
        exact = sum(exactness(o, r) == "yes" for _, o, r in mine)
        lines.append(f"| {family} | {len(mine)} | {imports} | {whole_} | {exact} |")
    return lines


def failure_section(rows: list[tuple[Model, Outcome, dict[str, Any]]]) -> list[str]:
    """Every cause, with the models it blocks (or makes inexact), most models first."""
    by_cause: dict[str, list[str]] = {}
    for model, outcome, ref in rows:
        if exactness(outcome, ref) == "yes":
            continue
        found = causes(outcome)
        if not found and outcome.imports:
            found = [f"the counts differ from torch's ({exactness(outcome, ref)})"]
        for cause in found:
            by_cause.setdefault(cause, []).append(model.name)
    lines = ["| cause | models | which |", "|:--|--:|:--|"]
    for cause, names in sorted(by_cause.items(), key=lambda item: (-len(item[1]), item[0])):
        lines.append(f"| {cell(cause)} | {len(names)} | {', '.join(names)} |")
    return lines


def report(rows: list[tuple[Model, Outcome, dict[str, Any]]], versions: str) -> str:
    lines = [
        "# torchvision models through `cnncalc import torch`",
        "",
        f"Generated by `{COMMAND}` ({versions}, {datetime.date.today()}); the command and",
        "its setup are in `bench/zoo_torchvision.py`. Do not edit by hand.",
        "",
        "Each model is built with `weights=None` (and `weights_backbone=None`: nothing is",
        "downloaded), plus the arguments its factory takes from its default weights (the",
        "*arguments* column), imported by the `cnncalc import torch` command line on the input",
        "its weights document, and compared with torch: parameters with",
        "`sum(p.numel())`, MACs with `FlopCounterMode` / 2 (one forward pass on zeros, under",
        "`no_grad`, with the attention kernels on their math path so that attention is",
        "counted) and with torchvision's published `_ops` (GMACs, 3 decimals). *exact*:",
        "imported with nothing skipped, parameters and MACs equal to torch's.",
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
            "", f"## {family.replace('_', ' ').capitalize()}", "",
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
                f"| {model.name} | {inputs} | {cell(args)} | {cell(row_status(outcome))} | "
                f"{whole(ref.get('params'))} | {whole(outcome.params)} | {model.ops:.3f} | "
                f"{whole(None if fc is None else fc // 2)} | {whole(outcome.macs)} | "
                f"{exactness(outcome, ref)} | {cell('; '.join(notes(model, ref)))} |"
            )
    return "\n".join(lines) + "\n"


def results_section(rows: list[tuple[Model, Outcome, dict[str, Any]]], versions: str) -> str:
    return "\n".join([
        RESULTS_HEADING, "",
        f"`{COMMAND}` ({versions}, {datetime.date.today()}); every model's row and the",
        "failures by cause: `docs/zoo-torchvision.md`.", "",
        *family_totals(rows),
    ])  # fmt: skip


def versions() -> str:
    import torch
    import torchvision

    return (f"torch {torch.__version__}, torchvision {torchvision.__version__}, Python "
            f"{platform.python_version()}, {os.cpu_count()} cores")  # fmt: skip


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
    references = {} if args.refresh_reference else load_references()
    saved = {}
    if args.report_from:
        saved = json.loads(args.report_from.read_text(encoding="utf-8"))
        models = [m for m in models if m.name in saved]
    rows = []
    with work_directory() as work:
        for number, model in enumerate(models, start=1):
            cached = references.get(model.name)
            if cached is None or cached.get("key") != model.key:
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
