"""``cnncalc quiz SPEC -f json``: goldens in English and Chinese, every answer the analysis'
number (``cnncalc.analyze``), the exercise sheet without answers, names exact."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import cnncalc
from cnncalc.i18n import speaking
from cnncalc.quiz import ASKS, METRIC_OF, Change, build_quiz
from cnncalc.render.quiz_json import ANSWER_KEYS, render_quiz_json
from tests.conftest import ROOT, SPECS, Golden
from tests.render.test_hostile_names import HOSTILE, assert_no_raw_control
from tests.render.test_quiz_format import hostile_quiz
from tests.test_quiz import spec_with


def lenet5_json(language: str = "en", sheets: str = "both") -> str:
    """``cnncalc quiz specs/lenet5.yaml --layers C1,S2,C3,F6 --ask <all> --seed 1 -f json``."""
    with speaking(language):
        q = build_quiz(
            cnncalc.load(SPECS / "lenet5.yaml"), layers=["C1", "S2", "C3", "F6"], asks=ASKS, seed=1
        )
        return render_quiz_json(q, sheets)


def test_golden_english(golden: Golden) -> None:
    golden.check("quiz-lenet5.en.json", lenet5_json("en"))


def test_golden_chinese(golden: Golden) -> None:
    text = lenet5_json("zh")
    assert "C1 层是卷积层（conv2d），有 6 个 5×5 的卷积核" in text
    golden.check("quiz-lenet5.zh.json", text)


def test_only_the_sentences_follow_the_language() -> None:
    """Every key, number and identifier is the same in both languages; the texts differ."""
    english, chinese = json.loads(lenet5_json("en")), json.loads(lenet5_json("zh"))
    texts = {"text", "label", "solution_text", "language"}

    def strip(data: Any) -> Any:
        if isinstance(data, dict):
            return {k: strip(v) for k, v in data.items() if k not in texts}
        if isinstance(data, list):
            return [strip(v) for v in data]
        return data

    assert strip(english) == strip(chinese)
    assert english["language"] == "en" and chinese["language"] == "zh"
    assert english["exercises"][0]["parts"][1]["label"] == "trainable parameters"
    assert chinese["exercises"][0]["parts"][1]["label"] == "可训练参数量"


def test_lenet5_answers_are_the_documents_numbers() -> None:
    data = json.loads(lenet5_json())
    c1, s2, c3, f6, inverse = data["exercises"]
    assert c1["given"] == {
        "input_shape": [1, 32, 32], "kernel": [5, 5], "stride": [1, 1],
        "padding": [[0, 0], [0, 0]], "dilation": [1, 1], "groups": 1, "filters": 6, "bias": True,
    }  # fmt: skip
    answers = {part["ask"]: part["answer"] for part in c1["parts"]}
    assert answers["output_size"] == [6, 28, 28]
    assert answers["params"] == 156 and answers["connections"] == 122_304
    assert {p["ask"]: p["answer"] for p in s2["parts"]}["connections"] == 5_880
    assert s2["given"]["pool"] == "subsampling"
    assert c3["given"]["connection_table"] == [
        {"maps": 6, "inputs_each": 3}, {"maps": 9, "inputs_each": 4}, {"maps": 1, "inputs_each": 6}
    ]  # fmt: skip
    assert {p["ask"]: p["answer"] for p in c3["parts"]}["params"] == 1_516
    assert f6["given"] == {"input_shape": [120], "units": 84, "bias": True}
    assert inverse["kind"] == "input_size" and inverse["layer"] == "C3"
    assert inverse["given"] == {
        "input_shape": [1, "n", "n"],
        "unknown": "n",
        "output_size": [10, 10],
    }
    assert inverse["answer"]["runs"] == [{"first": 32, "last": 33}]
    assert inverse["answer"]["count"] == 2 and inverse["answer"]["closed_form"] is True
    step = c1["parts"][1]["steps"][0]
    assert (step["text"], step["substituted"], step["value"]) == (
        "(c_in·k_h·k_w/g + 1)·c_out", "(5·5 + 1)·6", 156
    )  # fmt: skip


def check_against(data: dict[str, Any], report: Any) -> int:
    """Every part's answer and last step against ``report``'s layer; the parts checked."""
    checked = 0
    for exercise in data["exercises"]:
        layer = report.layer(exercise["layer"])
        if exercise["kind"] == "input_size":
            assert exercise["given"]["output_size"] == list(layer.output_shape[1:])
            runs = exercise["answer"]["runs"]
            given = exercise["answer"]["given"]
            assert any(r["first"] <= given <= (r["last"] or given) for r in runs)
            assert exercise["given"]["input_shape"][0] == report.input_shape[0]
            checked += 1
            continue
        assert exercise["given"]["input_shape"] == list(layer.input_shape)
        for part in exercise["parts"]:
            if part["ask"] == "output_size":
                expected: Any = list(layer.output_shape)
                assert [s["value"] for s in part["steps"]] == expected[1 : 1 + len(part["steps"])]
            else:
                expected = layer.metric(METRIC_OF[part["ask"]])
                assert type(part["answer"]) is int
                assert part["steps"][-1]["value"] == expected
            assert part["answer"] == expected, (exercise["layer"], part["ask"])
            checked += 1
    return checked


@pytest.mark.parametrize(
    "name", ["lenet5.yaml", "alexnet.yaml", "keras-mnist.yaml", "resnet18.yaml", "vgg16.yaml"]
)
def test_every_answer_is_the_analysis_number(name: str) -> None:
    path = SPECS / name
    q = build_quiz(cnncalc.load(path), asks=ASKS, seed=3, questions=8)
    data = json.loads(render_quiz_json(q))
    assert check_against(data, cnncalc.analyze(path)) >= 8


@pytest.mark.parametrize("name", ["alexnet.yaml", "lenet5.yaml"])
def test_a_varied_quiz_answers_for_the_changes_it_lists(name: str) -> None:
    """The JSON's ``changes`` written into the spec give a network whose analysis is every
    answer: a learning platform can check the quiz from the JSON alone."""
    q = build_quiz(cnncalc.load(SPECS / name), asks=ASKS, seed=2, vary=True, questions=100)
    data = json.loads(render_quiz_json(q))
    assert data["changes"]

    def shape(value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    changes = tuple(
        Change(c["layer"], c["field"], shape(c["before"]), shape(c["after"]))
        for c in data["changes"]
    )
    fresh = cnncalc.analyze(spec_with(SPECS / name, changes))
    assert data["input_shape"] == list(fresh.input_shape)
    assert check_against(data, fresh) > 10


def test_the_exercise_sheet_holds_no_answer() -> None:
    data = json.loads(lenet5_json(sheets="exercises"))

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    assert not keys(data) & set(ANSWER_KEYS)
    assert [p["ask"] for p in data["exercises"][0]["parts"]] == [
        "output_size", "params", "flops", "macs", "neurons", "connections"
    ]  # fmt: skip
    assert json.loads(lenet5_json(sheets="answers")) == json.loads(lenet5_json())


def test_the_command_line_writes_json(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "cnncalc", "quiz", "specs/lenet5.yaml", "--layers",
           "C1,S2,C3,F6", "--ask", ",".join(ASKS), "--seed", "1", "-f", "json"]  # fmt: skip
    result = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout == lenet5_json()
    exercises, answers = tmp_path / "exercises.json", tmp_path / "answers.json"
    subprocess.run([*run, "-o", str(exercises), "--answers", str(answers)], cwd=ROOT, check=True)
    assert exercises.read_text(encoding="utf-8") == lenet5_json(sheets="exercises")
    assert answers.read_text(encoding="utf-8") == lenet5_json()


def test_hostile_names_come_back_exactly() -> None:
    text = render_quiz_json(hostile_quiz())
    assert_no_raw_control(text)
    data = json.loads(text)
    layers = [e["layer"] for e in data["exercises"] if e["kind"] == "layer"]
    assert layers == HOSTILE
    assert data["exercises"][0]["text"].startswith(f"{HOSTILE[0]} is a convolutional layer")
