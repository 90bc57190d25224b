"""Every IR node type has exactly one rule; every spec type lowers to one."""

from __future__ import annotations

import typing

import pytest

from cnncalc import ir
from cnncalc.rules import registered_node_types
from cnncalc.rules.base import rule
from cnncalc.spec.layers import LAYER_TYPES, example_layer


def test_every_node_type_has_a_rule() -> None:
    assert registered_node_types() == set(typing.get_args(ir.Node))


def test_every_spec_type_lowers_to_a_registered_node() -> None:
    assert LAYER_TYPES
    for name in LAYER_TYPES:
        assert type(example_layer(name).to_ir()) in registered_node_types(), name


def test_a_second_rule_for_a_node_is_refused() -> None:
    with pytest.raises(RuntimeError, match="two rules registered for Conv"):
        rule(ir.Conv)(lambda node, shape: None)  # type: ignore[arg-type,return-value]
