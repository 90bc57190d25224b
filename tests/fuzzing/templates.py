"""Small valid specs that reach every part of the format, for the mutators to start from.

The shipped specs cover the layer types; these add what they leave out:
blocks with parameters, ``first:``, ``when:`` and ``repeat:``, symbols with
``values:`` and ``expect`` formulas, LRN's float fields, graphs, 1-D and 3-D
convolutions, and layers with every optional field. Each is valid as written
(``tests/test_fuzz.py`` checks it), so a mutation is the only thing wrong.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

BLOCKS = """\
name: blocks
input: [3, 32, 32]
blocks:
  unit:
    params: {width: 8, stride: 1, down: false, act: relu}
    layers:
      - {name: conv1, type: conv2d, filters: width, kernel: 3, stride: stride, padding: 1,
         bias: false}
      - {name: bn1, type: batchnorm}
      - {name: relu1, type: relu}
      - {name: conv2, type: conv2d, filters: 2*width, kernel: 3, padding: 1, activation: act}
      - {name: proj, type: conv2d, filters: 2*width, kernel: 1, stride: stride, input: in,
         when: down}
      - {name: add, type: add, inputs: [conv2, proj], when: down}
  stage:
    params: {width: 8}
    layers:
      - {name: a, block: unit, width: width, down: true, stride: 2}
      - {name: b, block: unit, width: 2*width // 2, repeat: 2, first: {down: false}}
layers:
  - {name: stem, type: conv2d, filters: 16, kernel: 3, padding: 1}
  - {name: s1, block: stage, width: 8}
  - {name: s2, block: unit, repeat: 3, width: 4, first: {stride: 2, down: true}}
  - {name: pool, type: global_avgpool}
  - {name: fc, type: dense, units: 10}
"""

SYMBOLIC = """\
name: symbolic
input: [c, n, n]
convention: macs
values: {c: 3, n: 64, k: 3, m: 16}
layers:
  - {name: C1, type: conv2d, filters: m, kernel: k, stride: 1, padding: (k - 1)//2}
  - {name: P1, type: maxpool2d, kernel: 2, ceil_mode: true}
  - {name: C2, type: conv2d, filters: 2*m, kernel: k, dilation: 2, groups: 2}
  - {name: U1, type: upsample, scale: 2, mode: bilinear}
  - {name: Z1, type: zeropad2d, padding: [1, 2]}
  - {name: A1, type: adaptive_avgpool2d, output_size: [4, 4]}
  - {name: F1, type: flatten}
  - {name: D1, type: dense, units: n//2, activation: relu}
expect:
  C1: {output_shape: [m, n, n], trainable_params: "(c*k*k + 1)*m"}
  total: {params: 5}
"""

LRN_NET = """\
name: lrn
input: [3, 227, 227]
framework: pytorch
layers:
  - {name: conv1, type: conv2d, filters: 96, kernel: 11, stride: 4, activation: relu}
  - {name: norm1, type: lrn, size: 5, alpha: 0.0001, beta: 0.75, k: 2}
  - {name: pool1, type: maxpool2d, kernel: 3, stride: 2}
  - {name: gn, type: groupnorm, groups: 8, affine: true}
  - {name: ln, type: layernorm, over: channels}
  - {name: drop, type: dropout, rate: 0.5}
  - {name: gap, type: global_maxpool, keepdims: true}
  - {name: flat, type: flatten}
  - {name: out, type: rbf, units: 10, trainable: false}
expect:
  conv1: {params: 34944}
"""

GRAPH = """\
name: graph
input: [16, 28, 28]
layers:
  - {name: a, type: conv2d, filters: 16, kernel: 3, padding: same}
  - {name: b, type: conv2d, filters: 16, kernel: 1, input: input}
  - {name: sum, type: add, inputs: [a, b]}
  - {name: cat, type: concat, inputs: [sum, a]}
  - {name: sq, type: global_avgpool, keepdims: true}
  - {name: gate, type: conv2d, filters: 32, kernel: 1, activation: sigmoid}
  - {name: se, type: multiply, inputs: [cat, gate]}
  - {name: up, type: conv_transpose2d, filters: 8, kernel: 2, stride: 2, output_padding: 0}
  - {name: sub, type: subsampling, kernel: 2}
  - {name: avg, type: avgpool2d, kernel: 3, stride: 1, padding: 1}
"""

ONE_AND_THREE_D = """\
name: conv1d-3d
input: [4, 16, 16, 16]
layers:
  - {name: c3, type: conv3d, filters: 8, kernel: [3, 3, 3], stride: [1, 2, 2], padding: 1}
  - {name: flat, type: flatten}
  - {name: fc, type: dense, units: 4}
"""

CONV1D = """\
name: conv1d
input: [2, 100]
layers:
  - {name: c1, type: conv1d, filters: 4, kernel: 5, stride: 2, dilation: 2, padding: valid}
  - {name: c2, type: conv1d, filters: 4, kernel: 3, groups: 4, padding: same}
"""

TEMPLATES: dict[str, str] = {
    "blocks": BLOCKS,
    "symbolic": SYMBOLIC,
    "lrn": LRN_NET,
    "graph": GRAPH,
    "conv3d": ONE_AND_THREE_D,
    "conv1d": CONV1D,
}
"""The templates by name."""

SHIPPED: dict[str, str] = {
    path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "specs").glob("*.yaml"))
}
"""The shipped specs by file name."""

SEEDS: dict[str, str] = {**SHIPPED, **TEMPLATES}
"""Every valid spec the mutators start from."""
