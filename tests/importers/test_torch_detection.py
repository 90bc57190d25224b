"""The PyTorch importer on detection models: the static part is imported, the rest named.

torchvision is not installed here: its detectors are matched by class name,
so this file's small detectors carry torchvision's names (``RetinaNet``,
``GeneralizedRCNN``, ``GeneralizedRCNNTransform``) and the attributes the
importer reads. Each has a backbone of two outputs, a head applied to each
level, and a data-dependent tail (scores thresholded, a variable number of
boxes) that a traced import could not follow.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.importers.torch_fx import from_module
from cnncalc.importers.torch_fx.detection import detector_kind

_DETECTION = "torchvision.models.detection"


class ImageList:
    def __init__(self, tensors: torch.Tensor, image_sizes: list[tuple[int, int]]) -> None:
        self.tensors = tensors
        self.image_sizes = image_sizes


class GeneralizedRCNNTransform(nn.Module):
    """torchvision's transform in short: normalise, resize by min/max size, pad to a multiple."""

    __module__ = f"{_DETECTION}.transform"

    def __init__(self, min_size: int, max_size: int, size_divisible: int) -> None:
        super().__init__()
        self.min_size, self.max_size = (min_size,), max_size
        self.size_divisible, self.fixed_size = size_divisible, None
        self.image_mean, self.image_std = [0.5, 0.25, 0.125], [0.5, 2.0, 4.0]

    def forward(self, images: list[torch.Tensor]) -> tuple[ImageList, None]:
        image = images[0]
        mean = torch.tensor(self.image_mean)[:, None, None]
        image = (image - mean) / torch.tensor(self.image_std)[:, None, None]
        h, w = image.shape[-2:]
        scale = min(self.min_size[-1] / min(h, w), self.max_size / max(h, w))
        size = (math.floor(h * scale), math.floor(w * scale))
        image = F.interpolate(image[None], size=size, mode="bilinear", align_corners=False)
        step = self.size_divisible
        padded = (math.ceil(size[0] / step) * step, math.ceil(size[1] / step) * step)
        batch = F.pad(image, (0, padded[1] - size[1], 0, padded[0] - size[0]))
        return ImageList(batch, [size]), None


class Backbone(nn.Module):
    """Two levels, as an FPN returns them: an ordered dict of maps."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        first = self.conv1(x)
        return OrderedDict([("0", first), ("1", self.conv2(first))])


class Head(nn.Module):
    """One 1×1 convolution on every level (shared weights), the levels' outputs concatenated."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 2, 1)

    def forward(self, levels: list[torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"cls_logits": torch.cat([self.conv(x).flatten(1) for x in levels], 1)}


def _tail(scores: torch.Tensor) -> list[dict[str, torch.Tensor]]:
    """What the data decides: the scores above a threshold, as many as there are."""
    kept = scores[0][scores[0] > 0.5]
    return [{"scores": kept, "labels": torch.zeros(len(kept), dtype=torch.int64)}]


class RetinaNet(nn.Module):
    __module__ = f"{_DETECTION}.retinanet"

    def __init__(self) -> None:
        super().__init__()
        self.transform = GeneralizedRCNNTransform(16, 32, 16)
        self.backbone = Backbone()
        self.head = Head()

    def forward(self, images: list[torch.Tensor]) -> list[dict[str, torch.Tensor]]:
        batch, _ = self.transform(images)
        features = self.backbone(batch.tensors)
        return _tail(self.head(list(features.values()))["cls_logits"])


class RPNHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.cls_logits = nn.Conv2d(4, 3, 1)
        self.bbox_pred = nn.Conv2d(4, 12, 1)

    def forward(self, x: list[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        hidden = [F.relu(self.conv(level)) for level in x]
        return [self.cls_logits(h) for h in hidden], [self.bbox_pred(h) for h in hidden]


class RegionProposalNetwork(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.head = RPNHead()

    def post_nms_top_n(self) -> int:
        return 7

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        objectness, _ = self.head(features)
        return torch.cat([o.flatten(1) for o in objectness], 1)


class MultiScaleRoIAlign(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.output_size = (2, 2)


class Predictor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.cls_score = nn.Linear(8, 3)
        self.bbox_pred = nn.Linear(8, 12)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.cls_score(x), self.bbox_pred(x)


class RoIHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.box_roi_pool = MultiScaleRoIAlign()
        self.box_head = nn.Sequential(nn.Flatten(), nn.Linear(16, 8))
        self.box_predictor = Predictor()
        self.detections_per_img = 5


class GeneralizedRCNN(nn.Module):
    __module__ = f"{_DETECTION}.generalized_rcnn"

    def __init__(self) -> None:
        super().__init__()
        self.transform = GeneralizedRCNNTransform(16, 32, 16)
        self.backbone = Backbone()
        self.rpn = RegionProposalNetwork()
        self.roi_heads = RoIHeads()

    def forward(self, images: list[torch.Tensor]) -> list[dict[str, torch.Tensor]]:
        batch, _ = self.transform(images)
        return _tail(self.rpn(list(self.backbone(batch.tensors).values())))


class FasterRCNN(GeneralizedRCNN):
    """A subclass that keeps the forward: the same detector."""


def _header(imported: Any) -> list[str]:
    return [line for line in imported.comments if not line.startswith(("Checked", "FLOPs"))]


def test_a_one_stage_detector_imports_its_transform_backbone_and_head_per_level() -> None:
    imported = from_module(RetinaNet(), (3, 20, 30))
    assert [layer["type"] for layer in imported.spec["layers"]] == [
        "standardize", "upsample", "zeropad2d", "conv2d", "conv2d",
        "conv2d", "flatten", "conv2d", "flatten", "concat",
    ]  # fmt: skip
    assert imported.spec["layers"][:3] == [
        {"name": "normalize", "type": "standardize", "adapted": False},
        {"name": "upsample", "type": "upsample", "size": [16, 24], "mode": "bilinear"},
        {"name": "zeropad2d", "type": "zeropad2d", "padding": [[0, 0], [0, 8]]},
    ]
    assert _header(imported)[2:] == [
        "Detection model (RetinaNet, torchvision): this spec counts its static part, the "
        "transform's normalisation and resize, the backbone and head on each of the 2 feature "
        "levels, and stops where the data decides what runs next.",
        "Transform (GeneralizedRCNNTransform, run on zeros of 20×30): normalised per channel "
        "(mean [0.5, 0.25, 0.125], std [0.5, 2, 4]); resized bilinearly from 20×30 to 16×24, "
        "the size it computes (min_size 16, max_size 32); padded with zeros to 16×32 (a "
        "multiple of size_divisible 16).",
        "Feature levels (the backbone's outputs, read by head): '0' 4×8×16, '1' 4×4×8. The "
        "spec's outputs are head's, per level.",
        "Left out, as the data decides them (no parameters): anchor_generator (anchors), "
        "decoding the boxes (BoxCoder), score threshold, top-k, NMS and detections_per_img; "
        "transform.postprocess (boxes scaled back to the input's size).",
        "The checks below are of this static part: PyTorch's parameters and FlopCounterMode's "
        "FLOPs are those of these modules on this input.",
        "head.conv is called 2 times (shared weights): each call is a layer, so its 10 "
        "parameters are counted 2 times.",
    ]
    # conv1 112, conv2 148, the head's 10 twice; MACs: 27·4·8·16 + 36·4·4·8 + 4·2·(8·16 + 4·8)
    report = cnncalc.analyze(imported.spec)
    assert (report.totals.params, report.totals.macs) == (280, 19_712)
    assert imported.comments[-2] == (
        "FLOPs: 39,424 in the spec's flops convention; torch's FlopCounterMode counts 39,424 "
        "on this input: all of them are counted."
    )
    assert (imported.skipped, imported.uncounted_parameters) == ([], 0)
    assert imported.differences == ["the spec counts 280 parameters, PyTorch 270"]


def test_a_two_stage_detector_names_its_roi_heads_with_their_parameters_and_macs() -> None:
    imported = from_module(FasterRCNN(), (3, 20, 30))
    lines = _header(imported)
    assert lines[2] == (
        "Detection model (FasterRCNN, a GeneralizedRCNN, torchvision): this spec counts its "
        "static part, the transform's normalisation and resize, the backbone and rpn.head on "
        "each of the 2 feature levels, and stops where the data decides what runs next."
    )
    assert lines[5:9] == [
        "Left out, as the data decides them (no parameters): rpn.anchor_generator (anchors), "
        "decoding the RPN's box deltas (BoxCoder) and choosing the proposals (top-n per level, "
        "score threshold, NMS); roi_heads (below); transform.postprocess (boxes scaled back to "
        "the input's size).",
        "The checks below are of this static part: PyTorch's parameters and FlopCounterMode's "
        "FLOPs are those of these modules on this input.",
        # box_head 16·8 + 8, box_predictor 8·3 + 3 + 8·12 + 12; MACs 16·8 + 8·3 + 8·12
        "Left out with their parameters: roi_heads.box_head (Sequential, 136 parameters) and "
        "roi_heads.box_predictor (Predictor, 135 parameters), run on each proposal after "
        "roi_heads.box_roi_pool (MultiScaleRoIAlign to 4×2×2): 248 MACs a proposal "
        "(FlopCounterMode on zeros of 1×4×2×2), 1,736 on the 7 proposals at most (rpn "
        "post_nms_top_n in eval mode).",
        "Not counted: the ROI heads' 271 parameters of the model's 754 (NMS decides how many "
        "regions they run on: the totals below are the static part's).",
    ]
    # backbone 260 + rpn.head 223 counted on both levels; MACs 18,432 + 26,112 + 6,528
    report = cnncalc.analyze(imported.spec)
    assert (report.totals.params, report.totals.macs) == (706, 51_072)
    # A stated boundary, not parameters cnncalc failed to translate: no --allow-uncounted.
    assert (imported.skipped, imported.uncounted_parameters) == ([], 0)
    assert imported.differences == [
        "the spec counts 706 parameters, PyTorch 483",
        "the model has 754 parameters; 271 of them, in the ROI heads that run on the regions "
        "NMS keeps, are left out",
    ]


def test_an_input_at_the_transforms_size_is_neither_resized_nor_padded() -> None:
    imported = from_module(RetinaNet(), (3, 16, 32))
    assert imported.spec["layers"][1]["type"] == "conv2d"
    assert _header(imported)[3] == (
        "Transform (GeneralizedRCNNTransform, run on zeros of 16×32): normalised per channel "
        "(mean [0.5, 0.25, 0.125], std [0.5, 2, 4]); 16×32 is already the size it computes "
        "(min_size 16, max_size 32): no resize; a multiple of size_divisible 16: no padding."
    )


def test_detectors_are_told_by_class_name_and_a_new_forward_is_not_one() -> None:
    class Custom(RetinaNet):
        def forward(self, images: list[torch.Tensor]) -> list[dict[str, torch.Tensor]]:
            return []

    assert [detector_kind(cls) for cls in (RetinaNet, FasterRCNN, Custom, Head)] == [
        "RetinaNet", "two-stage", None, None,
    ]  # fmt: skip


def test_a_detector_needs_an_image_and_torchvisions_transform() -> None:
    with pytest.raises(CnncalcError) as raised:
        from_module(RetinaNet(), (3, 20))
    assert str(raised.value) == (
        "RetinaNet is a detection model: its input is an image [channels, height, width], and "
        "the input shape given has 2 sizes"
    )
    model = RetinaNet()
    model.transform = nn.Identity()  # type: ignore[assignment]
    with pytest.raises(CnncalcError) as raised:
        from_module(model, (3, 20, 30))
    assert str(raised.value) == (
        "RetinaNet's transform is a nn.Identity, not torchvision's GeneralizedRCNNTransform: "
        "cnncalc knows how that one normalises, resizes and pads"
    )


def test_the_command_line_writes_a_two_stage_detector_without_allow_uncounted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "faster.yaml"
    command = ["import", "torch", f"{__file__}:FasterRCNN", "--input", "3,20,30", "-o", str(out)]
    assert main(command) == 0
    assert capsys.readouterr().err.splitlines() == [
        "warning: the spec counts 706 parameters, PyTorch 483: the header says why",
        "warning: the model has 754 parameters; 271 of them, in the ROI heads that run on the "
        "regions NMS keeps, are left out: the header says why",
    ]
    header = [line for line in out.read_text(encoding="utf-8").splitlines() if line[:1] == "#"]
    assert header[2].startswith("# Detection model (FasterRCNN, a GeneralizedRCNN, torchvision)")
    assert cnncalc.analyze(str(out)).totals.params == 706
