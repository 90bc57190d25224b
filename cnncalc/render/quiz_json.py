"""A quiz (:mod:`cnncalc.quiz`) as JSON, for a teacher's tool or a learning platform's import
(``cnncalc quiz SPEC -f json``).

The keys are English and stable, named as the JSON report and ``explain``'s JSON name
things (``input_shape``, ``output_shape``, ``convention``, a derivation's ``formula``,
``text``, ``substituted``, ``value``); the values are language-independent (numbers as
JSON integers, ``ask`` and ``family`` as identifiers) except the sentences meant for a
reader (``text``, ``label``, ``solution_text``), which follow ``--lang``::

    {"name", "seed", "convention", "language", "input_shape", "changes": [...],
     "exercises": [
       {"number", "kind": "layer", "layer", "type", "family", "given": {...}, "text",
        "where": {...}, "parts": [{"ask", "label", "answer", "steps": [...]}]},
       {"number", "kind": "input_size", "layer", "type", "given": {...}, "text",
        "answer": {"runs": [{"first", "last"}], "count", "closed_form", ...},
        "steps": [{"layer", "type", "size", "latex"}], "condition", "solution_text"}]}

A part's ``answer`` is the analysis' number (an int) or, for ``output_size``, the output
shape as a list of ints; ``steps`` are the derivations ``explain`` gives. The exercise
sheet alone (``sheets="exercises"``) leaves out every answer, step and where clause.
Names are the spec's own strings, hidden characters written as ``\\uXXXX``
(:func:`cnncalc.safe_text.json_safe`); nothing is escaped by hand.
"""

from __future__ import annotations

import json
from typing import Any

from cnncalc import i18n
from cnncalc.quiz import Change, Exercise, Facts, InverseExercise, Part, Quiz
from cnncalc.render.derivations import plain, quantity_data
from cnncalc.render.math import formula_text
from cnncalc.render.quiz_format import (
    Form,
    ask_label,
    inverse_statement,
    solution_sentence,
    statement,
)
from cnncalc.safe_text import json_safe

JSON_FORM = Form("json", str, str, str, "unicode")
"""The sentences as plain Unicode text: ``json.dumps`` does the escaping."""

ANSWER_KEYS = ("answer", "steps", "where", "condition", "solution_text")
"""What the exercise sheet alone leaves out."""


def render_quiz_json(quiz: Quiz, sheets: str = "both") -> str:
    """The quiz as indented JSON; ``sheets`` ``"exercises"`` leaves the answers out."""
    data = to_dict(quiz, answers=sheets != "exercises")
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def to_dict(quiz: Quiz, *, answers: bool = True) -> dict[str, Any]:
    """The quiz as plain JSON-ready data (see the module's docstring)."""
    exercises = [
        _inverse(exercise) if isinstance(exercise, InverseExercise) else _layer(quiz, exercise)
        for exercise in quiz.exercises
    ]
    if not answers:
        exercises = [_without_answers(exercise) for exercise in exercises]
    return {
        "name": quiz.name,
        "seed": quiz.seed,
        "convention": quiz.convention.value,
        "language": i18n.current(),
        "input_shape": plain(quiz.network.input_shape),
        "changes": [_change(change) for change in quiz.changes],
        "exercises": exercises,
    }


def _without_answers(exercise: dict[str, Any]) -> dict[str, Any]:
    data = {key: value for key, value in exercise.items() if key not in ANSWER_KEYS}
    if "parts" in data:
        data["parts"] = [
            {key: value for key, value in part.items() if key not in ANSWER_KEYS}
            for part in data["parts"]
        ]
    return data


def _change(change: Change) -> dict[str, Any]:
    """``{"layer": "conv1", "field": "filters", "before": 96, "after": 112}``; the input's
    change has ``layer`` null and shapes as lists."""
    return {
        "layer": change.layer,
        "field": change.field,
        "before": plain(change.before),
        "after": plain(change.after),
    }


def given(facts: Facts) -> dict[str, Any]:
    """What a question states, as numbers: the input shape and the layer's sizes (only
    those its family has; a padding as ``[[before, after], …]`` per axis, or ``"same"``)."""
    data: dict[str, Any] = {"input_shape": plain(facts.input_shape)}
    if facts.family in ("conv", "transposed", "pool"):
        data["kernel"] = plain(facts.kernel)
        data["stride"] = plain(facts.stride)
        data["padding"] = (
            facts.padding
            if facts.padding == "same"
            else [[plain(b), plain(a)] for b, a in facts.padding]
        )
    if facts.family in ("conv", "transposed"):
        data["dilation"] = plain(facts.dilation)
        if facts.family == "transposed":
            data["output_padding"] = plain(facts.output_padding)
        data["groups"] = plain(facts.groups)
        data["filters"] = plain(facts.filters)
        data["bias"] = facts.bias
    if facts.table:
        data["connection_table"] = [
            {"maps": maps, "inputs_each": inputs} for maps, inputs in facts.table
        ]
    if facts.family == "pool":
        data["pool"] = facts.pool
        data["ceil_mode"] = facts.ceil_mode
    if facts.family == "adaptive":
        data["output_size"] = plain(facts.output_size) if facts.output_size else None
    if facts.family in ("dense", "rbf"):
        data["units"] = plain(facts.units)
    if facts.family == "dense":
        data["bias"] = facts.bias
    return data


def _layer(quiz: Quiz, exercise: Exercise) -> dict[str, Any]:
    return {
        "number": exercise.number,
        "kind": "layer",
        "layer": exercise.layer,
        "type": exercise.type,
        "family": exercise.facts.family,
        "given": given(exercise.facts),
        "text": statement(exercise, JSON_FORM),
        "where": {str(k): plain(v) for k, v in exercise.derivation.values.items()},
        "parts": [_part(quiz, part) for part in exercise.parts],
    }


def _part(quiz: Quiz, part: Part) -> dict[str, Any]:
    return {
        "ask": part.ask,
        "label": ask_label(part, quiz, JSON_FORM),
        "answer": plain(part.answer),
        "steps": [quantity_data(step) for step in part.steps],
    }


def _inverse(exercise: InverseExercise) -> dict[str, Any]:
    solution = exercise.solution
    channels = exercise.channels
    return {
        "number": exercise.number,
        "kind": "input_size",
        "layer": exercise.layer,
        "type": exercise.type,
        "given": {
            "input_shape": [channels, *("n",) * exercise.axes],
            "unknown": "n",
            "output_size": list(exercise.target),
        },
        "text": inverse_statement(exercise, JSON_FORM),
        "answer": {
            "runs": [{"first": first, "last": last} for first, last in solution.runs],
            "count": solution.count,
            "given": exercise.given,
            "closed_form": exercise.closed_form,
            "searched": None if exercise.closed_form else list(exercise.searched),
        },
        "steps": [
            {
                "layer": step.layer,
                "type": step.type,
                "size": str(step.size),
                "text": formula_text(step.size),
                "latex": formula_text(step.size, "latex"),
            }
            for step in exercise.steps
        ],
        "condition": {
            "formula": str(solution.condition),
            "text": formula_text(solution.condition),
            "latex": formula_text(solution.condition, "latex"),
        },
        "solution_text": solution_sentence(exercise, JSON_FORM),
    }
