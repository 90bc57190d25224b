"""The ONNX importer on hostile files: bounded, one located error line each, exit 2.

Every hostile file is made here with ``onnx.helper`` (a truncated protobuf,
dims of 2⁴⁰, a cyclic graph, a missing initializer, external data that leaves
the model's directory), never committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cnncalc.cli import main

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


def error_line(path: Path | str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    """The one line ``cnncalc import onnx PATH`` prints, having exited 2 and written nothing."""
    assert main(["import", "onnx", str(path), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    return line


def model(nodes: list[Any], initializers: list[Any] = (), shape: list[Any] | None = None) -> Any:  # type: ignore[assignment]
    """A graph of ``nodes`` from ``x`` [1, 3, 8, 8] to ``y``, opset 17."""
    graph = helper.make_graph(
        nodes, "hostile",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape or [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=list(initializers),
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def conv(weights: Any) -> Any:
    return model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv")], [weights])


def weight(dims: list[int]) -> Any:
    count = 1
    for dim in dims:
        count *= dim
    return helper.make_tensor("w", TensorProto.FLOAT, dims, [0.5] * count)


def bare(dims: list[int]) -> Any:
    """A float tensor 'w' of ``dims`` that states no values (a hostile or external one)."""
    tensor = TensorProto(name="w", data_type=TensorProto.FLOAT)
    tensor.dims.extend(dims)
    return tensor


def write(path: Path, proto: Any) -> Path:
    path.write_bytes(proto.SerializeToString())
    return path


def test_a_good_file_imports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "m.onnx", conv(weight([4, 3, 3, 3])))
    assert main(["import", "onnx", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  - {name: conv, type: conv2d, filters: 4, kernel: 3, bias: false}" in out
    assert (
        "# Coverage: the file's 1 floating-point initializers hold 108 values; the spec's "
        "layers count 108 of them." in out
    )


def test_a_truncated_protobuf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = conv(weight([4, 3, 3, 3])).SerializeToString()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: len(data) // 2])
    assert error_line(path, capsys).startswith(
        f"error: {path}: not an ONNX model (protobuf cannot parse it: "
    )


def test_a_file_over_the_size_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CNNCALC_ONNX_MAX_BYTES", "100")
    path = write(tmp_path / "m.onnx", conv(weight([4, 3, 3, 3])))
    assert error_line(path, capsys) == (
        f"error: {path}: the file is over 100 bytes, the most cnncalc parses "
        "(set CNNCALC_ONNX_MAX_BYTES to raise it)"
    )


def test_a_device(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_line("/dev/zero", capsys) == (
        "error: /dev/zero: a character device, not a model file: cnncalc reads an ONNX model "
        "from a regular file (model.onnx)"
    )


def test_huge_dims(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = bare([2**40, 3, 3, 3])
    path = write(tmp_path / "huge.onnx", conv(huge))
    assert error_line(path, capsys) == (
        f"error: {path}: initializer 'w': dims [1099511627776, 3, 3, 3] are out of bounds "
        "(at most 16 axes of 0 to 2,147,483,647)"
    )
    path = write(
        tmp_path / "input.onnx",
        model([helper.make_node("Relu", ["x"], ["y"], name="relu")], shape=[1, 3, 2**40, 8]),
    )
    assert error_line(path, capsys) == (
        f"error: {path}: input 'x': size 1099511627776 is out of bounds (at most 2,147,483,647)"
    )


def test_a_cyclic_graph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nodes = [
        helper.make_node("Add", ["x", "b"], ["a"], name="first"),
        helper.make_node("Relu", ["a"], ["b"], name="second"),
        helper.make_node("Relu", ["b"], ["y"], name="last"),
    ]
    path = write(tmp_path / "cycle.onnx", model(nodes))
    assert error_line(path, capsys) == (
        f"error: {path}: node 'first' (Add) reads 'b' before any node makes it: the graph is "
        "cyclic or not in order"
    )


def test_a_missing_initializer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "missing.onnx", model([helper.make_node("Conv", ["x", "w"], ["y"],
                                                                    name="conv")]))  # fmt: skip
    assert error_line(path, capsys) == (
        f"error: {path}: node 'conv' (Conv) reads 'w', which no node, graph input or "
        "initializer makes (a missing initializer?)"
    )


@pytest.mark.parametrize("location", ["../../etc/passwd", "/etc/passwd", "a/../../b"])
def test_external_data_outside_the_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], location: str
) -> None:
    tensor = bare([4, 3, 3, 3])
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", location
    path = write(tmp_path / "external.onnx", conv(tensor))
    assert error_line(path, capsys) == (
        f"error: {path}: initializer 'w': its external data location '{location}' is not a "
        "file beside the model (an absolute path or '..'); cnncalc refuses it"
    )


def test_external_data_beside_the_model_is_never_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A weight stored outside the file counts by its dims; the data file need not exist."""
    tensor = bare([4, 3, 3, 3])
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "weights.bin"
    path = write(tmp_path / "external.onnx", conv(tensor))
    assert main(["import", "onnx", str(path)]) == 0
    assert "filters: 4, kernel: 3" in capsys.readouterr().out


def test_an_unknown_op_that_changes_shapes_stops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nodes = [helper.make_node("SpaceToDepth", ["x"], ["s"], name="s2d", blocksize=2),
             helper.make_node("Relu", ["s"], ["y"], name="relu")]  # fmt: skip
    path = write(tmp_path / "s2d.onnx", model(nodes))
    assert error_line(path, capsys) == (
        f"error: {path}: node 's2d' (SpaceToDepth): cnncalc has no layer for the op "
        "SpaceToDepth, and leaving it out would change the shapes after it"
    )


def test_an_op_that_keeps_shapes_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Add", ["c", "bias"], ["a"], name="bias_add"),
             helper.make_node("Erf", ["a"], ["y"], name="erf")]  # fmt: skip
    bias = helper.make_tensor("bias", TensorProto.FLOAT, [1, 4, 1, 1], [0.5] * 4)
    path = write(tmp_path / "erf.onnx", model(nodes, [weight([4, 3, 3, 3]), bias]))
    assert error_line(path, capsys) == (
        f"error: {path}: 4 of the model's parameters are in operations cnncalc cannot "
        "translate (bias_add (Add): Add by a constant of shape [4, 1, 1]; cnncalc has no such "
        "layer: its 4 parameters (bias) are not counted); --allow-uncounted writes the spec "
        "without them"
    )
    assert main(["import", "onnx", str(path), "--allow-uncounted"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "warning: skipped bias_add (Add): Add by a constant of shape [4, 1, 1]; cnncalc has "
        "no such layer: its 4 parameters (bias) are not counted",
        "warning: skipped erf (Erf): cnncalc has no layer for the op Erf (it holds no weights)",
    ]
    assert "4 are in nodes left out (below)" in captured.out


def test_input_sizes_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "m.onnx", model([helper.make_node("Conv", ["x", "w"], ["y"],
                 name="conv")], [weight([4, 3, 3, 3])], shape=["n", 3, "h", "w"]))  # fmt: skip
    assert main(["import", "onnx", str(path)]) == 0
    assert "input: [3, h, w]" in capsys.readouterr().out
    assert main(["import", "onnx", str(path), "--input", "x=3,32,32"]) == 0
    assert "input: [3, 32, 32]" in capsys.readouterr().out
    assert error_line(path, capsys, "--input", "image=3,32,32") == (
        "error: --input image=…: the graph's input is 'x'"
    )
    assert error_line(path, capsys, "--input", "3,x,32") == (
        "error: --input 3,x,32: expected NAME=C,H,W, positive integers separated by commas"
    )


def _batch_swapped(between: int) -> Any:
    """``x`` [1, 4, 8] transposed to [4, 1, 8], ``between`` Relu nodes, transposed back."""
    nodes = [helper.make_node("Transpose", ["x"], ["t0"], name="open", perm=[1, 0, 2])]
    for index in range(between):
        nodes.append(helper.make_node("Relu", [f"t{index}"], [f"t{index + 1}"], name=f"r{index}"))
    nodes.append(
        helper.make_node("Transpose", [f"t{between}"], ["y"], name="close", perm=[1, 0, 2])
    )
    return model(nodes, shape=[1, 4, 8])


def test_a_batch_1_transpose_around_no_attention_stays_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only a region that is provably one self-attention is taken at batch 1."""
    path = write(tmp_path / "swap.onnx", _batch_swapped(2))
    assert error_line(path, capsys) == (
        f"error: {path}: node 'open' (Transpose): it moves the batch axis, and leaving it out "
        "would change the shapes after it"
    )


def test_a_batch_1_transpose_before_too_many_nodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The walk to the closing transpose stops at 200 nodes (ops.attention.MAX_NODES)."""
    path = write(tmp_path / "long.onnx", _batch_swapped(201))
    assert error_line(path, capsys) == (
        f"error: {path}: node 'open' (Transpose): it moves the batch axis, and the nodes after "
        "it are more than 200, the most one exported attention is taken to span, and leaving "
        "it out would change the shapes after it"
    )


def _with_functions(calls: list[Any], functions: list[Any], initializers: list[Any] = ()) -> Any:  # type: ignore[assignment]
    """A model whose graph calls local functions of domain ``local``."""
    proto = model(calls, initializers)
    proto.opset_import.append(helper.make_opsetid("local", 1))
    proto.functions.extend(functions)
    return proto


def _function(name: str, nodes: list[Any]) -> Any:
    return helper.make_function("local", name, ["a"], ["b"], nodes, [helper.make_opsetid("", 17)])


def test_local_functions_are_inlined(tmp_path: Path) -> None:
    """A block written as a local function (Conv then Relu), called twice: its body is
    imported at each call, two convolutions of 3·3·1·1 + 3 = 12 parameters."""
    block = helper.make_function(
        "local", "Block", ["a", "w"], ["b"],
        [helper.make_node("Conv", ["a", "w"], ["c"]), helper.make_node("Relu", ["c"], ["b"])],
        [helper.make_opsetid("", 17)],
    )  # fmt: skip
    calls = [helper.make_node("Block", ["x", "w"], ["h"], name="one", domain="local"),
             helper.make_node("Block", ["h", "w"], ["y"], name="two", domain="local")]  # fmt: skip
    bias = helper.make_tensor("w", TensorProto.FLOAT, [3, 3, 1, 1], [0.5] * 9)
    from cnncalc.importers.onnx import import_onnx

    imported = import_onnx(str(write(tmp_path / "f.onnx", _with_functions(calls, [block], [bias]))))
    assert [layer["type"] for layer in imported.spec["layers"]] == [
        "conv2d", "relu", "conv2d", "relu"
    ]  # fmt: skip
    assert imported.spec["layers"][0]["bias"] is False


def test_local_functions_that_multiply_are_refused_before_inlining(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """f0 is one Relu, each f(k) calls f(k−1) twice: f40 is 2⁴⁰ nodes from a file of a
    few kilobytes; the count stops past the bound, before the inliner runs."""
    functions = [_function("f0", [helper.make_node("Relu", ["a"], ["b"])])]
    for k in range(1, 41):
        functions.append(_function(f"f{k}", [
            helper.make_node(f"f{k - 1}", ["a"], ["m"], domain="local"),
            helper.make_node(f"f{k - 1}", ["m"], ["b"], domain="local"),
        ]))  # fmt: skip
    call = helper.make_node("f40", ["x"], ["y"], name="call", domain="local")
    path = write(tmp_path / "bomb.onnx", _with_functions([call], functions))
    assert error_line(path, capsys) == (
        f"error: {path}: inlining its local functions makes over 200,000 nodes; a cnncalc "
        "spec holds at most 200,000 layers"
    )


def test_recursive_local_function_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = _function("Loop", [helper.make_node("Loop", ["a"], ["b"], domain="local")])
    call = helper.make_node("Loop", ["x"], ["y"], name="call", domain="local")
    path = write(tmp_path / "loop.onnx", _with_functions([call], [loop]))
    assert error_line(path, capsys) == (
        f"error: {path}: the local function 'Loop' calls itself, which cannot be inlined"
    )


def test_local_functions_nested_too_deep_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chain of 100 functions each calling the next: at most 64 levels are inlined."""
    functions = [_function("f0", [helper.make_node("Relu", ["a"], ["b"])])]
    functions += [_function(f"f{k}", [helper.make_node(f"f{k - 1}", ["a"], ["b"],
                                                       domain="local")])
                  for k in range(1, 100)]  # fmt: skip
    call = helper.make_node("f99", ["x"], ["y"], name="call", domain="local")
    path = write(tmp_path / "deep.onnx", _with_functions([call], functions))
    assert error_line(path, capsys) == (
        f"error: {path}: local functions call each other over 64 deep (through 'f35'); "
        "cnncalc inlines at most 64 levels"
    )
