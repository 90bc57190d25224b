"""``cnncalc quiz``'s questions as data: every answer is the analysis' number.

The documents' own numbers (LeNet-5's C1 156 parameters, C3 1,516, S2 5,880
connections; AlexNet's conv1 55×55 on 227×227, pool3 6×6 for n = 227…258) come
out of the quizzes; a varied quiz's answers are a fresh analysis of the spec
with its stated changes written in.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import cnncalc
from cnncalc.conventions import Convention
from cnncalc.errors import CnncalcError
from cnncalc.quiz import (
    METRIC_OF,
    Change,
    Exercise,
    InverseExercise,
    Quiz,
    build_quiz,
    parse_list,
    varied,
)
from tests.conftest import ROOT, SPECS


def quiz(name: str, **options: Any) -> Quiz:
    return build_quiz(cnncalc.load(SPECS / name), **options)


def answers(q: Quiz) -> dict[tuple[str, str], object]:
    return {
        (e.layer, part.ask): part.answer
        for e in q.exercises
        if isinstance(e, Exercise)
        for part in e.parts
    }


def inverse(q: Quiz) -> InverseExercise:
    (found,) = [e for e in q.exercises if isinstance(e, InverseExercise)]
    return found


def test_lenet5_answers_are_the_documents_numbers() -> None:
    q = quiz(
        "lenet5.yaml",
        layers=["C1", "S2", "C3"],
        asks=["params", "connections", "output_size", "neurons"],
    )
    got = answers(q)
    assert got[("C1", "params")] == (5 * 5 + 1) * 6 == 156
    assert got[("C1", "connections")] == 122_304
    assert got[("C1", "output_size")] == (6, 28, 28)
    assert got[("C1", "neurons")] == 28 * 28 * 6 == 4_704
    assert got[("S2", "params")] == (1 + 1) * 6 == 12
    assert got[("S2", "connections")] == (2 * 2 + 1) * 14 * 14 * 6 == 5_880
    assert got[("C3", "params")] == 1_516
    assert got[("C3", "connections")] == 151_600
    assert got[("C3", "output_size")] == (16, 10, 10)


def test_each_answer_is_derived_to_itself() -> None:
    """The worked answer ends where the answer is: the derivation's result."""
    q = quiz("lenet5.yaml", layers=["C1", "C3"], asks=["params", "connections", "output_size"])
    c1, c3 = (e for e in q.exercises if isinstance(e, Exercise))
    params = c1.parts[0]
    assert params.steps[0].general() == "(c_in·k_h·k_w/g + 1)·c_out"
    assert params.steps[0].substituted() == "(5·5 + 1)·6"
    assert params.steps[0].result == 156
    assert c3.parts[0].steps[0].substituted() == (
        "6·(3·5·5 + 1) + 6·(4·5·5 + 1) + 3·(4·5·5 + 1) + (6·5·5 + 1)"
    )
    assert [step.result for step in c1.parts[2].steps] == [28, 28]  # h_out, w_out
    # The question's facts are the IR's: C3 reads its maps through the paper's table.
    assert c3.facts.kernel == (5, 5) and c3.facts.filters == 16
    assert c3.facts.table == ((6, 3), (9, 4), (1, 6))
    assert c3.facts.input_shape == (6, 14, 14)


def test_alexnet_answers_and_the_inverse_question() -> None:
    q = quiz("alexnet.yaml", layers=["conv1", "pool3", "fc1"])
    got = answers(q)
    assert got[("conv1", "output_size")] == (96, (227 - 11) // 4 + 1, 55)
    assert got[("conv1", "params")] == (11 * 11 * 3 + 1) * 96 == 34_944
    assert got[("pool3", "output_size")] == (256, 6, 6)
    assert got[("fc1", "params")] == 37_752_832
    assert ("fc1", "output_size") not in got  # its units, stated in the question
    inv = inverse(q)
    assert (inv.layer, inv.target, inv.given, inv.channels) == ("pool3", (6, 6), 227, 3)
    assert inv.solution.runs == ((227, 258),)
    assert inv.closed_form
    assert [step.layer for step in inv.steps] == ["conv1", "pool1", "pool2", "pool3"]
    assert str(inv.steps[-1].size) == "floor(n/32 - 35/32)"


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_answer_is_the_analysis_number(path: Path) -> None:
    spec = cnncalc.load(path)
    q = build_quiz(spec, seed=3)
    report = q.report
    assert q.exercises
    for exercise in q.exercises:
        if isinstance(exercise, InverseExercise):
            runs = exercise.solution.runs
            assert any(a <= exercise.given <= (b or a) for a, b in runs)
            assert report.layer(exercise.layer).output_shape[1:] == exercise.target
            continue
        layer = report.layer(exercise.layer)
        for part in exercise.parts:
            if part.ask == "output_size":
                assert part.answer == layer.output_shape
                assert [s.result for s in part.steps] == [
                    size for size in layer.output_shape[1:] if len(layer.output_shape) > 1
                ][: len(part.steps)]
            else:
                assert part.answer == layer.metric(METRIC_OF[part.ask])
                assert part.steps[0].result == part.answer


def test_a_symbolic_spec_is_asked_at_its_values() -> None:
    symbolic = quiz("lenet5-symbolic.yaml", layers=["C1", "C3", "F6"], asks=["params"])
    numeric = quiz("lenet5.yaml", layers=["C1", "C3", "F6"], asks=["params"])
    assert (
        answers(symbolic)
        == answers(numeric)
        == {
            ("C1", "params"): 156,
            ("C3", "params"): 1_516,
            ("F6", "params"): 10_164,
        }
    )


def test_the_seed_draws_the_layers_reproducibly() -> None:
    first = quiz("alexnet.yaml", seed=1)
    again = quiz("alexnet.yaml", seed=1)
    other = quiz("alexnet.yaml", seed=2)
    layers = [e.layer for e in first.exercises]
    assert layers == ["conv1", "pool1", "conv2", "conv3", "fc2", "pool3"]
    assert layers == [e.layer for e in again.exercises]
    assert layers != [e.layer for e in other.exercises]
    assert len(other.exercises) == 6  # five layers and the inverse question
    assert [e.layer for e in quiz("alexnet.yaml", seed=1, questions=2).exercises] == [
        "conv2",
        "fc2",
        "pool3",
    ]


def test_pass_through_layers_are_asked_only_when_named() -> None:
    drawn = quiz("alexnet.yaml", seed=5, questions=100)
    assert {e.type for e in drawn.exercises} == {"conv2d", "maxpool2d", "dense"}
    named = quiz("alexnet.yaml", layers=["relu1", "flatten"], asks=["params", "output_size"])
    assert answers(named) == {
        ("relu1", "params"): 0,
        ("relu1", "output_size"): (96, 55, 55),
        ("flatten", "params"): 0,
        ("flatten", "output_size"): (9216,),
    }


def test_no_inverse_question_where_the_input_is_not_square() -> None:
    spec = cnncalc.loads(
        "input: [1, 28, 32]\nlayers:\n  - {name: c, type: conv2d, filters: 2, kernel: 3}\n"
    )
    q = build_quiz(spec)
    assert [type(e).__name__ for e in q.exercises] == ["Exercise"]


def spec_with(path: Path, changes: tuple[Change, ...]) -> dict[str, Any]:
    """The spec's YAML data with each stated change written in, as a teacher would."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    layers = {layer["name"]: layer for layer in data["layers"]}
    for change in changes:
        if change.layer is None:
            data["input"] = list(change.after)  # type: ignore[arg-type]
        else:
            layers[change.layer][change.field] = change.after
    data.pop("expect", None)
    return data


@pytest.mark.parametrize("name", ["alexnet.yaml", "lenet5.yaml", "keras-mnist.yaml"])
@pytest.mark.parametrize("seed", [1, 2, 7])
def test_a_varied_quiz_answers_for_the_spec_it_states(name: str, seed: int) -> None:
    q = quiz(name, seed=seed, vary=True, questions=100)
    assert q.changes  # new numbers
    fresh = cnncalc.analyze(spec_with(SPECS / name, q.changes))
    for exercise in q.exercises:
        if isinstance(exercise, InverseExercise):
            assert (fresh.input_shape[1],) * exercise.axes == (exercise.given,) * exercise.axes
            runs = exercise.solution.runs
            assert any(a <= exercise.given <= (b or a) for a, b in runs)
            continue
        layer = fresh.layer(exercise.layer)
        assert exercise.facts.input_shape == layer.input_shape  # the question states it
        for part in exercise.parts:
            expected = (
                layer.output_shape
                if part.ask == "output_size"
                else layer.metric(METRIC_OF[part.ask])
            )
            assert part.answer == expected, (exercise.layer, part.ask)
    unvaried = quiz(name, seed=seed, questions=100)
    assert answers(q) != answers(unvaried)


class Greedy(random.Random):
    """Tries the kernel first, and always the largest value on offer."""

    def shuffle(self, x: Any) -> None:
        x.sort(key=lambda site: site[1] != "kernel")

    def choice(self, seq: Any) -> Any:
        return max(seq)


def test_vary_keeps_only_what_the_rules_accept() -> None:
    """A 5×5 kernel on a 5×5 input: 7×7 does not fit, so it stays 5×5, and the input grows."""
    text = (
        "input: [1, 5, 5]\nlayers:\n  - {name: c, type: conv2d, filters: 4, kernel: 5}\n"
        "  - {type: flatten}\n  - {name: d, type: dense, units: 10}\n"
    )
    network = cnncalc.loads(text).to_ir()
    got, changes = varied(network, Convention.CONNECTIONS, Greedy())
    assert changes == (
        Change(None, "input", (1, 5, 5), (1, 7, 7)),
        Change("c", "filters", 4, 6),
        Change("d", "units", 10, 14),
    )
    assert got.layers[0].op.kernel == (5, 5)  # type: ignore[union-attr]
    for seed in range(20):  # whatever is drawn, the rules accept the network
        q = build_quiz(cnncalc.loads(text), seed=seed, vary=True)
        conv = q.network.layers[0].op
        assert conv.kernel[0] <= q.network.input_shape[1]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"asks": ["params", "parms"]},
            "--ask: no question 'parms' (did you mean 'params'?); questions: output_size, "
            "params, flops, macs, neurons, connections, input_size",
        ),
        (
            {"layers": ["C1", "C9"]},
            "--layers: no layer named 'C9' (did you mean 'C5'?); layers: C1, S2, C3, S4, C5, …",
        ),
        (
            {"layers": ["FL"], "asks": ["input_size"]},
            "no question fits: the layers chosen have none of the quantities asked",
        ),
    ],
)
def test_bad_choices_are_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(CnncalcError) as caught:
        quiz("lenet5.yaml", **options)
    assert str(caught.value) == message


def test_parse_list() -> None:
    assert parse_list("C1, S2,,") == ["C1", "S2"]
    assert parse_list("") is None
    assert parse_list(None) is None


@pytest.mark.parametrize(
    ("argv", "stderr"),
    [
        (
            ["--layers", "C7"],
            "error: --layers: no layer named 'C7' (did you mean 'C5'?); layers: C1, S2, C3, "
            "S4, C5, …\n",
        ),
        (["--ask", "weights"], "error: --ask: no question 'weights'; questions: output_size, "
         "params, flops, macs, neurons, connections, input_size\n"),
        (["--seed", "-1"], "error: argument --seed: takes a whole number from 0 to 2**63 − 1, "
         "got '-1' (see 'cnncalc quiz --help')\n"),
    ],
)  # fmt: skip
def test_the_command_line_refuses_bad_arguments_in_one_line(
    argv: list[str], stderr: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from cnncalc.cli import main

    assert main(["quiz", str(SPECS / "lenet5.yaml"), *argv]) == 2
    captured = capsys.readouterr()
    assert captured.err == stderr
    assert captured.out == ""


def test_the_command_line_writes_the_two_sheets_apart(tmp_path: Path) -> None:
    exam, key = tmp_path / "exam.md", tmp_path / "answers.md"
    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", "quiz", "specs/lenet5.yaml", "--seed", "4", "-f",
         "markdown", "-o", str(exam), "--answers", str(key)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    questions, worked = exam.read_text(encoding="utf-8"), key.read_text(encoding="utf-8")
    assert questions.startswith("## LeNet-5 (LeCun et al., 1998): exercises\n")
    assert "answers" not in questions and "$$" not in questions
    assert worked.startswith("## LeNet-5 (LeCun et al., 1998): answers\n")
    assert "Find:" not in worked


def test_without_a_seed_the_sheet_names_the_one_drawn() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", "quiz", "specs/lenet5.yaml", "--ask", "params"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    seed = result.stdout.splitlines()[1].removeprefix("Seed ").removesuffix(".")
    again = subprocess.run(
        [sys.executable, "-m", "cnncalc", "quiz", "specs/lenet5.yaml", "--ask", "params",
         "--seed", seed],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    assert seed.isdigit()
    assert again.stdout == result.stdout


def test_the_readme_quiz_is_real_output() -> None:
    from cnncalc.i18n import speaking
    from cnncalc.render.quiz_format import render_quiz

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Exercises\n")[1].split("\n## ")[0]
    shown = section.split("```text\n")[1].split("```")[0]
    with speaking("zh"):
        q = quiz("lenet5.yaml", layers=["C3"], asks=["params", "connections", "input_size"], seed=1)
        text = render_quiz(q, "text")
    assert shown == text
    assert "   (1) 可训练参数量：1,516\n" in shown and "       = 151,600\n" in shown
