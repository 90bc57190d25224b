"""What a rule returns, and the registry that maps each IR node type to its rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from cnncalc.arith import Dim, Shape
from cnncalc.conventions import Convention, Flops, count
from cnncalc.errors import RuleError
from cnncalc.i18n import _
from cnncalc.ir import Node
from cnncalc.work import Work


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerCounts:
    """Every metric of one layer, as its rule computes it.

    ``neurons`` are the output activations the layer creates and
    ``connections`` the paper's count (one per weight use plus one per bias).
    Layers that only pass values through (activations, dropout, flatten,
    normalisation) create no neurons and no connections: the paper folds the
    squashing function into the unit. ``work`` states what the layer computes
    (:mod:`cnncalc.work`); its FLOPs under every convention are counted from it
    (:mod:`cnncalc.conventions`), and a layer that states none costs nothing.
    """

    output_shape: Shape
    trainable_params: Dim = 0
    non_trainable_params: Dim = 0
    buffers: Dim = 0
    """Non-parameter state, PyTorch's buffers (batch norm's running statistics)."""
    integer_buffers: Dim = 0
    """How many of ``buffers`` hold integers (int64 in PyTorch: batch norm's
    ``num_batches_tracked``, a window's relative-position index), which keep their dtype
    when a network is cast (``model.to(torch.float16)``); the rest are floating point."""
    neurons: Dim = 0
    connections: Dim = 0
    work: Work = ()
    outputs: tuple[Shape, ...] = ()
    """A layer with several outputs (``split``): each one's shape, read as ``NAME.0``,
    ``NAME.1``, …; ``output_shape`` is then the first. Empty for one output."""

    @property
    def macs(self) -> Dim:
        """Multiply-accumulates of weights (bias not counted): the ``macs`` convention."""
        return count(self.work, Convention.MACS)

    @property
    def flops(self) -> Flops:
        """The layer's count under every convention."""
        return Flops.of(self.work)


N = TypeVar("N", bound=Node)
Rule = Callable[[N, Shape], LayerCounts]
MergeRule = Callable[[N, tuple[Shape, ...]], LayerCounts]

_RULES: dict[type[Any], Callable[[Any, Shape], LayerCounts]] = {}
_MERGE_RULES: dict[type[Any], Callable[[Any, tuple[Shape, ...]], LayerCounts]] = {}


def rule(node_type: type[N]) -> Callable[[Rule[N]], Rule[N]]:
    """Register the decorated function as the one rule for ``node_type`` (one input)."""

    def register(function: Rule[N]) -> Rule[N]:
        _check_unregistered(node_type)
        _RULES[node_type] = function
        return function

    return register


def merge_rule(node_type: type[N]) -> Callable[[MergeRule[N]], MergeRule[N]]:
    """Register the decorated function as the rule for ``node_type``, which takes many inputs."""

    def register(function: MergeRule[N]) -> MergeRule[N]:
        _check_unregistered(node_type)
        _MERGE_RULES[node_type] = function
        return function

    return register


def _check_unregistered(node_type: type[Any]) -> None:
    if node_type in _RULES or node_type in _MERGE_RULES:
        raise RuntimeError(f"two rules registered for {node_type.__name__}")


def rule_for(node: Node) -> Callable[[Any, Shape], LayerCounts]:
    """The rule registered for ``node``'s type (a one-input layer)."""
    try:
        return _RULES[type(node)]
    except KeyError:
        raise NotImplementedError(f"no rule registered for {type(node).__name__}") from None


def merge_rule_for(node: Node) -> Callable[[Any, tuple[Shape, ...]], LayerCounts] | None:
    """The rule for a layer with several inputs, or None for a one-input layer."""
    return _MERGE_RULES.get(type(node))


def apply_rule(node: Node, inputs: tuple[Shape, ...]) -> LayerCounts:
    """``node``'s rule on its input shapes (one, or several for a merge)."""
    merge = _MERGE_RULES.get(type(node))
    if merge is not None:
        return merge(node, inputs)
    if len(inputs) != 1:
        raise RuleError(
            "inputs",
            _("this layer takes one input, not {count}: merge them with add or concat").format(
                count=len(inputs)
            ),
        )
    return rule_for(node)(node, inputs[0])


def registered_node_types() -> frozenset[type[Any]]:
    """The IR node types that have a rule (for the completeness test)."""
    return frozenset(_RULES) | frozenset(_MERGE_RULES)
