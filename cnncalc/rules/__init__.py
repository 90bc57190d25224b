"""One rule per layer family, registered by IR node type.

Importing this package registers every rule; :func:`rule_for` finds a node's.
"""

from cnncalc.conventions import NO_FLOPS, Flops
from cnncalc.rules import (
    activation,
    attention,
    conv,
    dense,
    merge,
    mvit,
    normalization,
    passthrough,
    pooling,
    shape,
    swin,
)
from cnncalc.rules.base import (
    LayerCounts,
    apply_rule,
    merge_rule_for,
    registered_node_types,
    rule_for,
)

__all__ = [
    "NO_FLOPS",
    "Flops",
    "LayerCounts",
    "activation",
    "apply_rule",
    "attention",
    "conv",
    "dense",
    "merge",
    "merge_rule_for",
    "mvit",
    "normalization",
    "passthrough",
    "pooling",
    "registered_node_types",
    "rule_for",
    "shape",
    "swin",
]
