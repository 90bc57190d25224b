"""``expect``: a layer's, the totals', or a block instance's numbers, checked exactly."""

from __future__ import annotations

import cnncalc
from cnncalc.expect import Mismatch, check

# Two basic blocks of 64 channels, as torchvision's ResNet-18 layer1: torchvision 0.29.1's
# sum(p.numel() for p in resnet18().layer1.parameters()) is 147,968.
BLOCKS = """
input: [64, 56, 56]
framework: pytorch
blocks:
  basic:
    params: {}
    layers:
      - {name: conv1, type: conv2d, filters: 64, kernel: 3, padding: 1, bias: false}
      - {name: bn1, type: batchnorm}
      - {name: relu1, type: relu}
      - {name: conv2, type: conv2d, filters: 64, kernel: 3, padding: 1, bias: false}
      - {name: bn2, type: batchnorm}
      - {name: add, type: add, inputs: [bn2, in]}
      - {name: relu2, type: relu}
layers:
  - {name: layer1, block: basic, repeat: 2}
expect:
  layer1: {params: PARAMS, output_shape: [64, 56, 56]}
  layer1.1: {params: 73984}
"""


def test_a_block_instance_s_layers_are_summed() -> None:
    spec = cnncalc.loads(BLOCKS.replace("PARAMS", "147968"))
    assert check(spec, cnncalc.analyze(spec)) == (3, [])


def test_a_wrong_number_for_an_instance_is_a_mismatch() -> None:
    spec = cnncalc.loads(BLOCKS.replace("PARAMS", "147969"))
    assert check(spec, cnncalc.analyze(spec)) == (
        3,
        [Mismatch("layer1", "params", 147969, 147968)],
    )
