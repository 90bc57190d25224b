"""The static part of a torchvision detector, as a module of its own that cnncalc traces.

Imported only once a detector is recognised (:mod:`.detection`), with torch
loaded: this module imports torch at the top, so that its classes have stable
names (``Standardize`` is translated by its class). The forward is that of
torchvision 0.29.1's detectors up to the data-dependent part:
``GeneralizedRCNNTransform`` (its ``normalize``, ``resize`` and
``batch_images``), then ``backbone``, then the heads on every feature level
(``rpn.head`` for the two-stage models, ``head`` for RetinaNet, FCOS and SSD),
whose outputs it returns. The submodules are the model's own, under the
model's names (``backbone.body.conv1``, ``rpn.head.conv.0.0``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F


class Standardize(nn.Module):
    """``(x − mean) / std`` per channel, with constants (``GeneralizedRCNNTransform.normalize``:
    ``image_mean`` and ``image_std`` are Python lists, neither parameters nor buffers)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        self.mean = [float(m) for m in mean]
        self.std = [float(s) for s in std]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = torch.as_tensor(self.mean, dtype=x.dtype, device=x.device)
        std = torch.as_tensor(self.std, dtype=x.dtype, device=x.device)
        return (x - mean[:, None, None]) / std[:, None, None]


class ChannelScale(nn.Module):
    """``weight.view(1, -1, 1, 1) * x``: SSD300's learned scale of its first feature map per
    channel (``SSDFeatureExtractorVGG.scale_weight``), as a module that holds that parameter."""

    def __init__(self, weight: nn.Parameter) -> None:
        super().__init__()
        self.weight = weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight.view(1, -1, 1, 1) * x


class VGGFeatures(nn.Module):
    """``SSDFeatureExtractorVGG``'s forward, its ``scale_weight`` held by a :class:`ChannelScale`
    (``backbone.scale``): the same modules and values, the scale a layer cnncalc counts."""

    def __init__(self, backbone: Any) -> None:
        super().__init__()
        self.features = backbone.features
        self.scale = ChannelScale(backbone.scale_weight)
        self.extra = backbone.extra

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = self.features(x)
        output = [self.scale(F.normalize(x))]  # L2 normalisation per position, then the scale
        for block in self.extra:
            x = block(x)
            output.append(x)
        return OrderedDict([(str(i), v) for i, v in enumerate(output)])


class StaticPart(nn.Module):
    """Transform (normalise, resize ``given`` to ``size``, pad to ``padded``), backbone, heads
    per level. The sizes are known when it is built, so the forward has no branch on a shape.

    ``two_stage``: the head is ``rpn.head`` (``RPNHead``: objectness and box deltas
    per level, two lists); otherwise ``head`` (a dict of tensors, each the levels'
    outputs reshaped and concatenated). Returned: the heads' outputs, flat.
    """

    def __init__(
        self,
        model: Any,
        sizes: tuple[tuple[int, int], tuple[int, int], tuple[int, int]],
        two_stage: bool,
        vgg: bool = False,
    ) -> None:
        super().__init__()
        transform = model.transform
        self.normalize = Standardize(transform.image_mean, transform.image_std)
        self.backbone: Any = VGGFeatures(model.backbone) if vgg else model.backbone
        self.rpn: Any = model.rpn if two_stage else None
        self.head: Any = None if two_stage else model.head
        given, self.size, padded = sizes
        self.resize = given != self.size
        self.padding = (0, padded[1] - self.size[1], 0, padded[0] - self.size[0])
        self.two_stage = two_stage

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        levels = list(self.levels(self.transformed(x)).values())
        if self.two_stage:
            objectness, deltas = self.rpn.head(levels)
            return (*objectness, *deltas)
        return tuple(self.head(levels).values())

    def transformed(self, x: torch.Tensor) -> torch.Tensor:
        """``GeneralizedRCNNTransform``'s batch of the one image ``x`` (``1×c×h×w``)."""
        x = self.normalize(x)
        if self.resize:  # _resize_image_and_masks, to the size torchvision computed
            x = F.interpolate(x, size=self.size, mode="bilinear", align_corners=False)
        if any(self.padding):  # batch_images: zeros after, to a multiple of size_divisible
            x = F.pad(x, self.padding)
        return x

    def levels(self, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        """The backbone's feature levels by name (``'0'`` … ``'pool'``), as the heads read them."""
        features = self.backbone(batch)
        if not isinstance(features, dict):  # a backbone of one output: level '0'
            features = {"0": features}
        return dict(features)
