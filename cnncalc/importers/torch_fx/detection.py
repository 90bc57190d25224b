"""torchvision's detection models: their static part is imported, the data-dependent rest named.

A detector's ``forward`` takes a list of images and runs, in torchvision
0.29.1 (``torchvision/models/detection``), a transform
(``GeneralizedRCNNTransform``: normalise, resize by a scale computed from the
image's size, batch into a padded tensor), the backbone (with its FPN: several
feature levels), heads applied to every level with shared weights, and then
what depends on the data: anchors, box decoding, score thresholds, NMS, and
for the two-stage models (``GeneralizedRCNN``: Faster, Mask and Keypoint
R-CNN) the ROI heads, which run on as many regions as NMS keeps.

cnncalc imports the static part, as a module of its own
(:class:`.detection_modules.StaticPart`, built from the model's own
submodules): the normalisation (a ``standardize`` layer), the resize to the
size torchvision computes for ``--input`` (found by running
``model.transform`` on zeros of that shape: its ``image_sizes`` and padded
batch), ``backbone`` and the heads on every level. The file's header says
where that part ends and names what is left out: the data-dependent steps
(no parameters) and, for the two-stage models, the ROI heads with their
parameters and their MACs per region, times the most regions torchvision
runs them on in eval mode (``rpn`` ``post_nms_top_n``, 1,000 by default;
``roi_heads.detections_per_img``, 100) — not in the totals, since that
count is decided by NMS on the image.

The ROI heads are a stated boundary, not uncounted parameters (no
``--allow-uncounted``): cnncalc could translate their layers, but their input
(``MultiScaleRoIAlign`` on the boxes NMS keeps) is not computed from the image
by a fixed graph, so no spec of one input holds them; the header gives their
parameters and MACs instead of a silent zero.

Models are recognised by class name (the classes above and their subclasses
that keep ``forward``), so cnncalc never imports torchvision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnncalcError
from cnncalc.i18n import _
from cnncalc.importers.torch_fx.accounting import numel
from cnncalc.importers.torch_fx.guard import user_code
from cnncalc.importers.torch_fx.messages import one_line, shape_text
from cnncalc.importers.torch_fx.naming import class_name
from cnncalc.importers.torch_fx.op import Layer, ModuleTranslator, Op, Untranslatable

if TYPE_CHECKING:
    from torch import nn

    from cnncalc.importers.common import Imported

_DETECTION = "torchvision.models.detection"
DETECTORS = {
    f"{_DETECTION}.generalized_rcnn.GeneralizedRCNN": "two-stage",
    f"{_DETECTION}.retinanet.RetinaNet": "RetinaNet",
    f"{_DETECTION}.fcos.FCOS": "FCOS",
    f"{_DETECTION}.ssd.SSD": "SSD",
}
"""The detectors' classes (qualified names) and their kind."""
TRANSFORM = f"{_DETECTION}.transform.GeneralizedRCNNTransform"
SSD_VGG = f"{_DETECTION}.ssd.SSDFeatureExtractorVGG"
_OWN = "cnncalc.importers.torch_fx.detection_modules"

_AFTER_HEADS = {
    "two-stage": (
        "rpn.anchor_generator (anchors), decoding the RPN's box deltas (BoxCoder) and choosing "
        "the proposals (top-n per level, score threshold, NMS)"
    ),
    "RetinaNet": (
        "anchor_generator (anchors), decoding the boxes (BoxCoder), score threshold, top-k, NMS "
        "and detections_per_img"
    ),
    "FCOS": (
        "anchor_generator (anchor points), decoding the boxes (BoxLinearCoder), centre-ness "
        "weighting, score threshold, top-k, NMS and detections_per_img"
    ),
    "SSD": (
        "anchor_generator (DefaultBoxGenerator), decoding the boxes (BoxCoder), softmax over "
        "the classes, score threshold, top-k, NMS and detections_per_img"
    ),
}
"""What each kind computes after its heads (torchvision 0.29.1), none of it with parameters."""
_ROI_PARTS = (
    ("box", "proposal"),
    ("mask", "detection"),
    ("keypoint", "detection"),
)
"""The two-stage models' ROI heads: ``roi_heads.{part}_roi_pool/_head/_predictor``, and what
each runs on."""


def detector_kind(cls: type[Any]) -> str | None:
    """``two-stage``, ``RetinaNet``, ``FCOS`` or ``SSD`` for torchvision's detectors (and their
    subclasses that keep ``forward``), else None."""
    base = _base_named(cls, DETECTORS)
    return None if base is None else DETECTORS[_qualified(base)]


def _qualified(cls: type[Any]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _base_named(cls: type[Any], names: Sequence[str] | dict[str, str]) -> type[Any] | None:
    """The class in ``cls``'s bases named one of ``names``, if ``cls`` keeps its forward."""
    for base in cls.__mro__:
        if _qualified(base) in names:
            same = base is cls or getattr(cls, "forward", None) is getattr(base, "forward", None)
            return base if same else None
    return None


def static_translator(cls: type[Any]) -> ModuleTranslator | None:
    """The translator of the static part's own modules (:mod:`.detection_modules`)."""
    return _TRANSLATORS.get(_qualified(cls))


def _standardize(module: Any, op: Op) -> Layer:
    """``(x − mean) / std`` per channel with constants → ``standardize`` (``adapted: false``)."""
    if len(op.input) != 3 or op.input[0] != len(module.mean):
        raise Untranslatable(
            f"normalising {len(module.mean)} channels of a {shape_text(op.input)} input"
        )
    return {"type": "standardize", "adapted": False}


def _channel_scale(module: Any, op: Op) -> Layer:
    """``weight.view(1, -1, 1, 1) * x`` → ``layer_scale`` (one weight per channel)."""
    if len(op.input) != 3 or op.input[0] != module.weight.numel():
        raise Untranslatable(
            f"a scale of {module.weight.numel()} channels on a {shape_text(op.input)} input"
        )
    return {"type": "layer_scale"}


_VGG_NOTE = (
    "The backbone (SSDFeatureExtractorVGG) runs as in torchvision: features, then F.normalize "
    "and scale_weight on level '0' (the layer backbone.scale, a layer_scale of its {weights} "
    "weights), then the extra blocks."
)
_TRANSLATORS: dict[str, ModuleTranslator] = {
    f"{_OWN}.Standardize": _standardize,
    f"{_OWN}.ChannelScale": _channel_scale,
}


@dataclass
class StaticPart:
    """The module cnncalc imports for a detector, and what its header says of the rest."""

    module: nn.Module
    lines: list[str] = field(default_factory=list)
    """The header's lines on the boundary, placed before the checks of the static part."""
    left_out: int = 0
    """Parameters of the modules left out (the ROI heads)."""
    model_params: int = 0

    def annotate(self, imported: Imported) -> None:
        """Put the boundary in ``imported``'s header, and the left-out parameters in its
        differences (said on stderr)."""
        imported.comments[2:2] = self.lines
        if self.left_out:
            imported.differences.append(
                f"the model has {self.model_params:,} parameters; {self.left_out:,} of them, in "
                "the ROI heads that run on the regions NMS keeps, are left out"
            )


def static_part(model: nn.Module, input_shape: tuple[int, ...]) -> StaticPart | None:
    """The static part of a torchvision detector on images of ``input_shape``, or None if
    ``model`` is not one."""
    kind = detector_kind(type(model))
    if kind is None:
        return None
    import torch

    from cnncalc.importers.torch_fx import detection_modules

    name = type(model).__name__
    if len(input_shape) != 3:
        raise CnncalcError(
            _(
                "{name} is a detection model: its input is an image [channels, height, width], "
                "and the input shape given has {count} sizes"
            ).format(name=name, count=len(input_shape))
        )
    transform = getattr(model, "transform", None)
    if transform is None or _base_named(type(transform), (TRANSFORM,)) is None:
        raise CnncalcError(
            _(
                "{name}'s transform is a {kind}, not torchvision's GeneralizedRCNNTransform: "
                "cnncalc knows how that one normalises, resizes and pads"
            ).format(name=name, kind=class_name(type(transform)))
        )
    training = model.training
    model.eval()
    try:
        image = torch.zeros(*input_shape)
        running = _("running {what}").format(what=f"{name}.transform")
        with torch.no_grad(), user_code(running):
            try:
                batch, _targets = transform([image])
            except Exception as error:  # the model's code: its failure in one line
                raise CnncalcError(
                    _("running {what} on zeros of {shape} failed: {why}").format(
                        what=f"{name}.transform", shape=shape_text(input_shape),
                        why=one_line(error),
                    )
                ) from None  # fmt: skip
        size = (int(batch.image_sizes[0][0]), int(batch.image_sizes[0][1]))
        padded = (int(batch.tensors.shape[-2]), int(batch.tensors.shape[-1]))
        given = (input_shape[1], input_shape[2])
        vgg = _base_named(type(model.backbone), (SSD_VGG,)) is not None
        module = detection_modules.StaticPart(
            model, (given, size, padded), kind == "two-stage", vgg=vgg
        )
        _check_transform(module, image, batch.tensors, name)
        part = StaticPart(module, model_params=numel(model.parameters()))
        with torch.no_grad(), user_code(_("running {what}").format(what=f"{name}.backbone")):
            levels = module.levels(batch.tensors)
        part.lines = _boundary(model, kind, (given, size, padded), levels)
        if vgg:
            backbone: Any = model.backbone
            weights = int(backbone.scale_weight.numel())
            part.lines.insert(3, _VGG_NOTE.format(weights=f"{weights:,}"))
        if kind == "two-stage":
            roi_lines, part.left_out = _roi_heads(model, levels)
            part.lines += roi_lines
    finally:
        model.train(training)
    return part


def _check_transform(module: Any, image: Any, batched: Any, name: str) -> None:
    """The static part's transform gives ``model.transform``'s batch (values, shape), or the
    import stops: cnncalc would count another network."""
    import torch

    with torch.no_grad():
        ours = module.transformed(image[None])
    if ours.shape != batched.shape or not torch.allclose(ours, batched, atol=1e-5):
        raise CnncalcError(
            _(
                "{name}.transform gives a batch of {theirs} that cnncalc's normalise, resize and "
                "pad do not reproduce ({ours}): its transform is not torchvision 0.29.1's"
            ).format(
                name=name, theirs=shape_text(tuple(batched.shape)),
                ours=shape_text(tuple(ours.shape)),
            )
        )  # fmt: skip


def _boundary(
    model: Any,
    kind: str,
    sizes: tuple[tuple[int, int], tuple[int, int], tuple[int, int]],
    levels: dict[str, Any],
) -> list[str]:
    """The header's lines: what the static part is, the transform's sizes, what is left out."""
    given, size, padded = sizes
    transform = model.transform
    head = "rpn.head" if kind == "two-stage" else "head"
    what = f"{type(model).__name__}" + (", a GeneralizedRCNN" if kind == "two-stage" else "")
    limits = (
        f"fixed_size {shape_text(transform.fixed_size[::-1])}"
        if transform.fixed_size
        else f"min_size {transform.min_size[-1]}, max_size {transform.max_size}"
    )
    if size == given:
        resized = f"{shape_text(size)} is already the size it computes ({limits}): no resize"
    else:
        resized = (
            f"resized bilinearly from {shape_text(given)} to {shape_text(size)}, the size it "
            f"computes ({limits})"
        )
    if padded == size:
        pad = f"a multiple of size_divisible {transform.size_divisible}: no padding"
    else:
        pad = (
            f"padded with zeros to {shape_text(padded)} (a multiple of size_divisible "
            f"{transform.size_divisible})"
        )
    shown = ", ".join(f"'{key}' {shape_text(tuple(value.shape[1:]))}" for key, value in
                      levels.items())  # fmt: skip
    left_out = _AFTER_HEADS[kind]
    if kind == "two-stage":
        left_out += "; roi_heads (below)"
    return [
        f"Detection model ({what}, torchvision): this spec counts its static part, the "
        f"transform's normalisation and resize, the backbone and {head} on each of the "
        f"{len(levels)} feature levels, and stops where the data decides what runs next.",
        f"Transform (GeneralizedRCNNTransform, run on zeros of {shape_text(given)}): normalised "
        f"per channel (mean {_numbers(transform.image_mean)}, std "
        f"{_numbers(transform.image_std)}); {resized}; {pad}.",
        f"Feature levels (the backbone's outputs, read by {head}): {shown}. The spec's outputs "
        f"are {head}'s, per level.",
        f"Left out, as the data decides them (no parameters): {left_out}; transform.postprocess "
        "(boxes scaled back to the input's size).",
        "The checks below are of this static part: PyTorch's parameters and FlopCounterMode's "
        "FLOPs are those of these modules on this input.",
    ]


def _numbers(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{float(v):.6g}" for v in values) + "]"


def _roi_heads(model: Any, levels: dict[str, Any]) -> tuple[list[str], int]:
    """The ROI heads' line: each part's modules with parameters, MACs per region (FlopCounterMode
    on zeros of the pooled size), the most regions in eval mode; and their parameters."""
    roi_heads = model.roi_heads
    channels = int(next(iter(levels.values())).shape[1])
    lines: list[str] = []
    total = 0
    for part, region in _ROI_PARTS:
        pool = getattr(roi_heads, f"{part}_roi_pool", None)
        if pool is None:
            continue
        modules = [(f"{part}_head", getattr(roi_heads, f"{part}_head")),
                   (f"{part}_predictor", getattr(roi_heads, f"{part}_predictor"))]  # fmt: skip
        pooled = (channels, *_pair(pool.output_size))
        macs = _macs_per_region(modules, pooled)
        most = int(model.rpn.post_nms_top_n()) if region == "proposal" else int(
            roi_heads.detections_per_img)  # fmt: skip
        params = sum(numel(module.parameters()) for _, module in modules)
        total += params
        named = " and ".join(
            f"roi_heads.{label} ({type(module).__name__}, {numel(module.parameters()):,} "
            "parameters)"
            for label, module in modules
        )
        limit = ("rpn post_nms_top_n in eval mode" if region == "proposal"
                 else "roi_heads.detections_per_img")  # fmt: skip
        lines.append(
            f"Left out with their parameters: {named}, run on each {region} after "
            f"roi_heads.{part}_roi_pool ({type(pool).__name__} to {shape_text(pooled)}): "
            f"{macs:,} MACs a {region} (FlopCounterMode on zeros of 1×{shape_text(pooled)}), "
            f"{macs * most:,} on the {most:,} {region}s at most ({limit})."
        )
    lines.append(
        f"Not counted: the ROI heads' {total:,} parameters of the model's "
        f"{numel(model.parameters()):,} (NMS decides how many regions they run on: the "
        "totals below are the static part's)."
    )
    return lines, total


def _pair(size: Any) -> tuple[int, int]:
    if isinstance(size, int):
        return (size, size)
    values = [int(n) for n in size]
    return (values[0], values[-1])


def _macs_per_region(modules: list[tuple[str, Any]], pooled: tuple[int, ...]) -> int:
    """FlopCounterMode's FLOPs / 2 for ``modules`` in turn on zeros of ``1×pooled``."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with torch.no_grad(), user_code(_("counting the ROI heads' FLOPs")), counter:
        value = torch.zeros(1, *pooled)
        for _name, module in modules:
            value = module(value)  # the last (FastRCNNPredictor) returns a tuple
    return int(counter.get_total_flops()) // 2
