"""The bound on a network's layers: refused before any layer is validated."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from cnncalc import cli, ir
from cnncalc.errors import SpecError
from cnncalc.spec import layers, network, parse_spec


def test_a_spec_over_the_limit_is_refused_before_its_layers_are_validated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validated: list[int] = []

    def counting(index: int, item: object) -> object:
        validated.append(index)
        return layers.layer_from(index, item)

    monkeypatch.setattr(network, "layer_from", counting)
    with pytest.raises(SpecError) as error:
        parse_spec({"input": [1, 4, 4], "layers": [{"type": "relu"}] * (ir.MAX_LAYERS + 1)})
    assert str(error.value) == (
        "<spec>: field 'layers': the spec has 200,001 layers, over the limit of 200,000"
    )
    assert validated == []


def test_the_limit_is_located_in_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ir, "MAX_LAYERS", 3)
    spec = tmp_path / "long.yaml"
    spec.write_text("input: [1, 4, 4]\nlayers:\n" + "  - {type: relu}\n" * 4)
    assert cli.main([str(spec)]) == 2
    assert capsys.readouterr().err == (
        f"error: {spec}:2: field 'layers': the spec has 4 layers, over the limit of 3\n"
    )


def test_the_cli_collects_cycles_less_often_and_restores_the_thresholds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    during: list[tuple[int, int, int]] = []

    def run(args: object) -> int:
        during.append(gc.get_threshold())
        return 0

    monkeypatch.setitem(cli.COMMANDS, "conventions", (cli.COMMANDS["conventions"][0], run))
    before = gc.get_threshold()
    assert cli.main(["conventions"]) == 0
    assert during == [cli.GC_THRESHOLDS] and gc.get_threshold() == before


def test_a_symbolic_spec_has_its_own_bound_before_any_formula_is_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Symbolic analysis costs a few ms a layer: 200,000 layers would take minutes.
    built: list[object] = []
    monkeypatch.setattr("cnncalc.symbolic.input_requirements", built.append)
    spec = tmp_path / "symbolic.yaml"
    repeat = ir.MAX_SYMBOLIC_LAYERS + 1
    spec.write_text(
        "input: [2, n]\nblocks:\n  b:\n    layers:\n    - {type: conv1d, filters: 4, kernel: 3}\n"
        f"layers:\n- {{block: b, name: blk, repeat: {repeat}}}\n"
    )
    assert cli.main([str(spec), "--subs", "n=10000"]) == 2
    assert capsys.readouterr().err == (
        f"error: {spec}:6: field 'layers': the spec has 5,001 layers and size symbols, over the "
        "limit of 5,000 for a symbolic analysis (a few ms a layer): give its sizes as numbers\n"
    )
    assert built == []
