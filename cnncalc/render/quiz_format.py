"""A quiz (:mod:`cnncalc.quiz`) as an exercise sheet and an answer sheet: text, Markdown,
HTML or LaTeX.

The questions are phrased as the documents phrase them (《卷积神经网络CNN与LeNet5详解》:
"C1 层…输入…卷积核…可训练参数量"), in the glossary's terms
(:mod:`cnncalc.glossary`), in English or Chinese (``--lang``). Each answer is
the analysis' number with its derivation as ``explain`` prints it: the general
formula, the values put in, the result. The two sheets are separate pages of one
document (a page break in HTML and LaTeX, a rule in text and Markdown) or two
documents (:func:`render_quiz` with ``sheets``).

Every name from the spec (the network's, the layers', the types) is the user's
text, escaped for the format: :func:`cnncalc.safe_text.visible` in text,
:func:`~cnncalc.safe_text.markdown_text`, :func:`~cnncalc.safe_text.html_text`,
:func:`cnncalc.render.latex.escape`. The sentences themselves (translations
included) are escaped too, piece by piece, around their placeholders.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cnncalc import i18n
from cnncalc.arith import Shape
from cnncalc.formulas import Derivation
from cnncalc.i18n import N_, _, ngettext, pgettext
from cnncalc.quiz import Change, Exercise, Facts, InverseExercise, Part, Quiz
from cnncalc.render import latex
from cnncalc.render.derivations import same_size_axes, where_clause
from cnncalc.render.math import Style, formula_text
from cnncalc.render.text import convention_note, count
from cnncalc.safe_text import html_text, markdown_text, visible
from cnncalc.symbolic import symbol
from cnncalc.wrapping import width

QUIZ_FORMATS = ("text", "markdown", "html", "latex")
SHEETS = ("both", "exercises", "answers")
"""What a document holds: both sheets (a page apiece), or one of them."""

ASK_LABELS = {
    "output_size": N_("output feature map size"),
    "params": N_("trainable parameters"),
    "flops": N_("FLOPs (under the '{convention}' convention)"),
    "macs": N_("MACs (multiply-accumulates)"),
    "neurons": N_("number of neurons"),
    "connections": N_("number of connections"),
}
"""Each counting question's words, in the glossary's terms."""

POOL_KINDS = {
    "max": N_("a max pooling layer"),
    "avg": N_("an average pooling layer"),
    "subsampling": N_("LeNet-5's trainable pooling layer"),
}


@dataclass(frozen=True, slots=True)
class Form:
    """How one format writes the pieces of a sentence."""

    name: str
    user: Callable[[str], str]
    """The user's text (a name), escaped."""
    words: Callable[[str], str]
    """Our own words (a translated sentence's text around its placeholders), escaped."""
    math: Callable[[str], str]
    """A size or a formula written in Unicode (``5×5``, ``3×n×n``)."""
    style: Style
    """How formulas are printed."""


LATEX_MATH = {"×": r"\times ", "…": r"\ldots ", "→": r"\to ", "≥": r"\geq "}


def _latex_math(text: str) -> str:
    """A size, shape or run of sizes (``3×227×227 → 96×55×55``) as LaTeX math."""
    return "$" + "".join(LATEX_MATH.get(ch, ch) for ch in text) + "$"


def _latex_user(text: str) -> str:
    """The user's text for LaTeX: escaped, and ``--`` kept from becoming an en dash."""
    return latex.escape(text).replace("--", "-{}-")


def _latex_words(text: str) -> str:
    """Our words for LaTeX: as the user's, and an opening quote written as one (``'flops'``
    would print two closing quotes)."""
    return _OPENING_QUOTE.sub("`", _latex_user(text))


_OPENING_QUOTE = re.compile(r"(?<![\w\\])'(?=\w)")


FORMS = {
    "text": Form("text", visible, str, str, "unicode"),
    "markdown": Form("markdown", markdown_text, markdown_text, str, "latex"),
    "html": Form("html", html_text, html_text, html_text, "unicode"),
    "latex": Form("latex", _latex_user, _latex_words, _latex_math, "latex"),
}


def fill(template: str, form: Form, **values: str) -> str:
    """``template`` (translated) with its literal text escaped by ``form`` and ``values``
    (already written for the format) put in its placeholders."""
    out = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        words = form.words(literal)
        if form.name == "latex" and field is not None and words.endswith("'"):
            words = words[:-1] + "`"  # the quote opens around the value: '{convention}'
        out.append(words)
        if field is not None:
            out.append(values[field])
    return "".join(out)


# -- the pieces of a question ---------------------------------------------------------


def size_text(sizes: Sequence[Any]) -> str:
    """``5×5``; ``(1, 2)`` for a per-axis padding that differs."""
    return "×".join(str(s) for s in sizes)


def _same(values: Sequence[Any]) -> str:
    """One number when every axis has it (``stride 4``), else ``2×1``."""
    return str(values[0]) if len(set(values)) == 1 else size_text(values)


def padding_text(padding: Any) -> str:
    """``0``, ``2``, ``1×2`` (per axis), ``(0, 1)×(0, 1)`` (before and after), ``same``."""
    if padding == "same":
        return "same"
    if all(before == after for before, after in padding):
        return _same([before for before, _after in padding])
    return "×".join(f"({before}, {after})" for before, after in padding)


def input_text(shape: Shape, facts: Facts, form: Form) -> str:
    """``3 feature maps of 227×227``, ``9216 values``, ``a tensor of 197×768``."""
    maps = facts.family in ("conv", "transposed", "pool", "adaptive")
    if maps and len(shape) >= 2:
        channels = int(shape[0])
        template = ngettext(
            "{channels} feature map of {size}", "{channels} feature maps of {size}", channels
        )
        return fill(template, form, channels=str(channels), size=form.math(size_text(shape[1:])))
    if len(shape) == 1:
        number = int(shape[0])
        return fill(ngettext("{n} value", "{n} values", number), form, n=count(number))
    return fill(_("a tensor of {shape}"), form, shape=form.math(size_text(shape)))


def statement(exercise: Exercise, form: Form) -> str:
    """The question's facts as one sentence, in the documents' order."""
    facts = exercise.facts
    layer, kind = form.user(exercise.layer), form.user(exercise.type)
    given = input_text(facts.input_shape, facts, form)
    extras = _extras(facts, form)
    if facts.family in ("conv", "transposed"):
        template = (
            _("{layer} is a convolutional layer ({type}) with {filters} kernels of {kernel}, "
              "stride {stride} and padding {padding}{extras}; its input is {input}.")
            if facts.family == "conv"
            else _("{layer} is a transposed convolutional layer ({type}) with {filters} kernels "
                   "of {kernel}, stride {stride} and padding {padding}{extras}; its input is "
                   "{input}.")
        )  # fmt: skip
        return fill(
            template, form, layer=layer, type=kind, filters=count(facts.filters),
            kernel=form.math(size_text(facts.kernel)), stride=form.math(_same(facts.stride)),
            padding=form.math(padding_text(facts.padding)), extras=extras, input=given,
        )  # fmt: skip
    if facts.family == "pool":
        template = _(
            "{layer} is {kind} ({type}) with a {kernel} window, stride {stride} and padding "
            "{padding}{extras}; its input is {input}."
        )
        return fill(
            template, form, layer=layer, kind=form.words(_(POOL_KINDS[facts.pool])), type=kind,
            kernel=form.math(size_text(facts.kernel)), stride=form.math(_same(facts.stride)),
            padding=form.math(padding_text(facts.padding)), extras=extras, input=given,
        )  # fmt: skip
    if facts.family == "adaptive" and not facts.output_size:
        template = _(
            "{layer} is a global pooling layer ({type}), one value per map; its input is {input}."
        )
        return fill(template, form, layer=layer, type=kind, input=given)
    if facts.family == "adaptive":
        template = _(
            "{layer} is an adaptive pooling layer ({type}) whose output feature maps are "
            "{size}; its input is {input}."
        )
        size = form.math(size_text(facts.output_size))
        return fill(template, form, layer=layer, type=kind, size=size, input=given)
    if facts.family == "dense":
        template = _(
            "{layer} is a fully connected layer ({type}) of {units} units{extras}; its input is "
            "{input}."
        )
        units = count(facts.units)
        return fill(template, form, layer=layer, type=kind, units=units, extras=extras, input=given)
    if facts.family == "rbf":
        template = _(
            "{layer} is LeNet-5's RBF output layer ({type}) of {units} units, whose parameters "
            "are fixed by hand (non-trainable); its input is {input}."
        )
        return fill(template, form, layer=layer, type=kind, units=count(facts.units), input=given)
    return fill(_("{layer} is a {type} layer; its input is {input}."), form,
                layer=layer, type=kind, input=given)  # fmt: skip


def _extras(facts: Facts, form: Form) -> str:
    """What a layer has beyond the usual: dilation, groups, no bias, a connection table."""
    items = []
    if facts.dilation and set(facts.dilation) != {1}:
        items.append(
            fill(_("dilation {dilation}"), form, dilation=form.math(_same(facts.dilation)))
        )
    if facts.output_padding and set(facts.output_padding) != {0}:
        items.append(fill(_("output padding {padding}"), form,
                          padding=form.math(_same(facts.output_padding))))  # fmt: skip
    if facts.groups != 1:
        items.append(fill(_("in {groups} groups"), form, groups=str(facts.groups)))
    if not facts.bias:
        items.append(form.words(_("no bias")))
    if facts.pool == "subsampling":
        items.append(form.words(_("a trainable coefficient and bias per map")))
    if facts.ceil_mode:
        items.append(form.words(_("rounding up (ceil_mode)")))
    if facts.table:
        reads = pgettext("list separator", ", ").join(
            ngettext("{maps} map reads {inputs}", "{maps} maps read {inputs} each", maps).format(
                maps=maps, inputs=inputs
            )
            for maps, inputs in facts.table
        )
        items.append(fill(_("each output map reading the input maps of a connection table "
                            "({reads})"), form, reads=form.words(reads)))  # fmt: skip
    separator = form.words(pgettext("list separator", ", "))
    return "".join(separator + item for item in items)


def ask_label(part_or_ask: Part | str, quiz: Quiz, form: Form) -> str:
    """``trainable parameters``, ``FLOPs (under the 'connections' convention)``."""
    ask = part_or_ask if isinstance(part_or_ask, str) else part_or_ask.ask
    return fill(_(ASK_LABELS[ask]), form, convention=form.user(str(quiz.convention)))


def inverse_statement(exercise: InverseExercise, form: Form) -> str:
    """ "The network's input is 3×n×n. For which n are pool3's output feature maps 6×6?"."""
    given = size_text((exercise.channels, *("n",) * exercise.axes))
    return fill(
        _("The network's input is {input}. For which {n} are the output feature maps of "
          "{layer} ({type}) {size}?"),
        form, input=form.math(given), n=form.math("n"), layer=form.user(exercise.layer),
        type=form.user(exercise.type), size=form.math(size_text(exercise.target)),
    )  # fmt: skip


def runs_text(exercise: InverseExercise) -> str:
    """``n = 227…258`` (Unicode; several runs joined by commas, ``n ≥ 67`` unbounded)."""
    parts = []
    for first, last in exercise.solution.runs:
        if last is None:
            parts.append(f"n ≥ {first}")
        elif first == last:
            parts.append(f"n = {first}")
        else:
            parts.append(f"n = {first}…{last}")
    return ", ".join(parts)


def solution_sentence(exercise: InverseExercise, form: Form) -> str:
    """ "From ⌊(n − 35)/32⌋ = 6: n = 227…258 (32 values), in closed form."."""
    solution = exercise.solution
    condition = form.math(formula_text(solution.condition)) if form.style == "unicode" else (
        f"${formula_text(solution.condition, 'latex')}$"
    )  # fmt: skip
    if not solution.runs:
        return fill(_("{condition} holds for no {n}."), form, condition=condition, n=form.math("n"))
    total = solution.count
    amount = (
        fill(ngettext(" ({count} value)", " ({count} values)", total), form, count=count(total))
        if total is not None and total > 1
        else ""
    )
    if exercise.closed_form:
        found = fill(
            _("From {condition}: {runs}{count}, solved in closed form."),
            form,
            condition=condition,
            runs=form.math(runs_text(exercise)),
            count=amount,
        )
    else:
        found = fill(
            _("From {condition}: {runs}{count}, found by trying every {n} from {first} to {last}."),
            form,
            condition=condition,
            runs=form.math(runs_text(exercise)),
            count=amount,
            n=form.math("n"),
            first=str(exercise.searched[0]),
            last=str(exercise.searched[1]),
        )
    given = fill(
        _("The network's own {size} is one of them."), form, size=form.math(f"n = {exercise.given}")
    )
    return sentences(found, given)


def sentences(first: str, second: str) -> str:
    """Two sentences (already written for the format) one after the other: a space
    between them in English, none after a Chinese 。."""
    return pgettext("two sentences", "{first} {second}").format(first=first, second=second)


def labelled(label: str, value: str, form: Form) -> str:
    """``trainable parameters: 34,944`` (a full-width colon in Chinese)."""
    return fill(_("{label}: {value}"), form, label=label, value=value)


def change_text(change: Change, form: Form) -> str:
    """``conv1 filters: 96 → 128``; ``input: 3×227×227 → 3×244×244``."""

    def value(v: int | tuple[int, ...]) -> str:
        return form.math(size_text(v) if isinstance(v, tuple) else str(v))

    if change.layer is None:
        return fill(_("input: {before} → {after}"), form,
                    before=value(change.before), after=value(change.after))  # fmt: skip
    return fill(
        _("{layer} {field}: {before} → {after}"), form, layer=form.user(change.layer),
        field=form.user(change.field), before=value(change.before), after=value(change.after),
    )  # fmt: skip


def seed_line(quiz: Quiz, form: Form) -> str:
    if quiz.changes:
        return fill(_("Seed {seed}; the sizes are varied from the spec's (--vary)."), form,
                    seed=str(quiz.seed))  # fmt: skip
    return fill(_("Seed {seed}."), form, seed=str(quiz.seed))


def chain(derivation: Derivation, style: Style) -> list[str]:
    """The general formula, the values put in, the result, each once (as ``explain``)."""
    general, substituted = derivation.general(style), derivation.substituted(style)
    result = derivation.result
    shown = count(result) if style == "unicode" else _latex_count(result)
    plain = str(result)
    steps = [general]
    if substituted not in (general, plain):
        steps.append(substituted)
    if plain != general:
        steps.append(shown)
    return steps


def _latex_count(value: Any) -> str:
    return count(value).replace(",", "{,}") if isinstance(value, int) else str(value)


def size_names(exercise: Exercise, part: Part, style: Style) -> tuple[str, list[Derivation]]:
    """The left side of an output size's derivation (``h_out = w_out`` when both axes
    agree) and the derivations to show."""
    merged = same_size_axes(exercise.derivation)
    steps = list(part.steps)
    if steps and merged.get(steps[0].name, "") and len(steps) > 1:
        names = [formula_text(symbol(q.name), style) for q in steps]
        return " = ".join(names), steps[:1]
    return "", steps


def answer_value(part: Part, form: Form) -> str:
    if isinstance(part.answer, tuple):
        return form.math(size_text(part.answer))
    return form.math(count(part.answer)) if form.name != "latex" else (
        f"${_latex_count(part.answer)}$"
    )  # fmt: skip


# -- the sheets ----------------------------------------------------------------------------


def render_quiz(quiz: Quiz, fmt: str, sheets: str = "both") -> str:
    """The quiz as a document of format ``fmt`` (:data:`QUIZ_FORMATS`) holding ``sheets``
    (:data:`SHEETS`): both, a page apiece, or the exercises or the answers alone."""
    form = FORMS[fmt]
    writer = {"text": _Text, "markdown": _Markdown, "html": _Html, "latex": _Latex}[fmt]
    return writer(quiz, form).document(sheets)


class _Sheet:
    """What every format writes; each subclass lays it out."""

    def __init__(self, quiz: Quiz, form: Form) -> None:
        self.quiz = quiz
        self.form = form

    def title(self, sheet: str) -> str:
        name = self.form.user(self.quiz.name)
        template = _("{name}: exercises") if sheet == "exercises" else _("{name}: answers")
        return fill(template, self.form, name=name)

    def notes(self) -> list[str]:
        """The seed, and the FLOPs convention when a question counts FLOPs."""
        lines = [seed_line(self.quiz, self.form)]
        if self.quiz.asks_flops:
            lines.append(self.form.words(convention_note(self.quiz.convention)))
        return lines

    def heading(self, exercise: Exercise) -> str:
        """``conv1 (conv2d): 3×227×227 → 96×55×55``."""
        shapes = f"{size_text(exercise.facts.input_shape)} → {size_text(exercise.output_shape)}"
        return (
            f"{self.form.user(exercise.layer)} ({self.form.user(exercise.type)}): "
            f"{self.form.math(shapes)}"
        )

    def where(self, exercise: Exercise) -> str:
        values = where_clause(exercise.derivation, self.form.style)
        if not values:
            return ""
        math = f"${values}$" if self.form.style == "latex" else self.form.math(values)
        return fill(pgettext("quiz", "where {values}"), self.form, values=math)

    def by_layer(self) -> str:
        """The inverse answer's lead-in: "The output size, layer by layer, as a function of n:"."""
        template = _("The output size, layer by layer, as a function of {n}:")
        return fill(template, self.form, n=self.form.math("n"))

    def document(self, sheets: str) -> str:
        raise NotImplementedError


PAGE_RULE = "\n" + "─" * 72 + "\n\n"
"""Where the answer sheet starts in text: a rule to cut along (a form feed would be a raw
control character, which no output of cnncalc holds)."""


class _Text(_Sheet):
    INDENT = "   "

    def document(self, sheets: str) -> str:
        pages = []
        if sheets in ("both", "exercises"):
            pages.append(self.exercises())
        if sheets in ("both", "answers"):
            pages.append(self.answers())
        return PAGE_RULE.join(pages)

    def exercises(self) -> str:
        lines = [self.title("exercises"), *self.notes(), ""]
        for exercise in self.quiz.exercises:
            if isinstance(exercise, InverseExercise):
                lines.append(f"{exercise.number}. {inverse_statement(exercise, self.form)}")
            else:
                find = _("Find:")
                lines.append(
                    f"{exercise.number}. {sentences(statement(exercise, self.form), find)}"
                )
                lines += [
                    f"{self.INDENT}({i}) {ask_label(part, self.quiz, self.form)}"
                    for i, part in enumerate(exercise.parts, 1)
                ]
            lines.append("")
        return "\n".join(lines)

    def answers(self) -> str:
        lines = [self.title("answers"), *self.notes()]
        if self.quiz.changes:
            lines.append(_("Sizes changed from the spec:"))
            lines += [f"{self.INDENT}{change_text(c, self.form)}" for c in self.quiz.changes]
        lines.append("")
        for exercise in self.quiz.exercises:
            if isinstance(exercise, InverseExercise):
                lines += self.inverse(exercise)
                continue
            lines.append(f"{exercise.number}. {self.heading(exercise)}")
            where = self.where(exercise)
            if where:
                lines.append(self.INDENT + where)
            for i, part in enumerate(exercise.parts, 1):
                label = ask_label(part, self.quiz, self.form)
                answer = labelled(label, answer_value(part, self.form), self.form)
                lines.append(f"{self.INDENT}({i}) {answer}")
                lines += self.derivations(exercise, part)
            lines.append("")
        return "\n".join(lines)

    def derivations(self, exercise: Exercise, part: Part) -> list[str]:
        pad = self.INDENT + " " * 4  # under the part's words, after "(1) "
        name, steps = size_names(exercise, part, "unicode")
        lines = []
        for derivation in steps:
            lhs = name or (
                formula_text(symbol(derivation.name)) if part.ask == "output_size" else ""
            )
            first, *rest = chain(derivation, "unicode")
            if not rest and not lhs:
                continue  # a constant (a max pooling's 0 parameters): the answer says it all
            if lhs:
                lines.append(f"{pad}{lhs} = {first}")
                lines += [f"{pad}{' ' * len(lhs)} = {step}" for step in rest]
            else:
                lines.append(f"{pad}  {first}")
                lines += [f"{pad}= {step}" for step in rest]
        return lines

    def inverse(self, exercise: InverseExercise) -> list[str]:
        lines = [f"{exercise.number}. {inverse_statement(exercise, self.form)}"]
        if exercise.steps:
            lines.append(self.INDENT + self.by_layer())
            names = [visible(step.layer) for step in exercise.steps]
            widest = max(width(name) for name in names)
            for name, step in zip(names, exercise.steps, strict=True):
                gap = " " * (widest - width(name) + 2)
                lines.append(f"{self.INDENT}    {name}{gap}{formula_text(step.size)}")
        lines += [self.INDENT + solution_sentence(exercise, self.form), ""]
        return lines


class _Markdown(_Sheet):
    def document(self, sheets: str) -> str:
        pages = []
        if sheets in ("both", "exercises"):
            pages.append(self.exercises())
        if sheets in ("both", "answers"):
            pages.append(self.answers())
        return "\n---\n\n".join(pages)

    def exercises(self) -> str:
        lines = [f"## {self.title('exercises')}", ""]
        for note in self.notes():
            lines += [note, ""]
        for exercise in self.quiz.exercises:
            if isinstance(exercise, InverseExercise):
                lines += [f"{exercise.number}. {inverse_statement(exercise, self.form)}", ""]
                continue
            find = markdown_text(_("Find:"))
            lines.append(f"{exercise.number}. {sentences(statement(exercise, self.form), find)}")
            lines += [
                f"   {i}. {ask_label(part, self.quiz, self.form)}"
                for i, part in enumerate(exercise.parts, 1)
            ]
            lines.append("")
        return "\n".join(lines)

    def answers(self) -> str:
        lines = [f"## {self.title('answers')}", ""]
        for note in self.notes():
            lines += [note, ""]
        if self.quiz.changes:
            lines += [markdown_text(_("Sizes changed from the spec:")), ""]
            lines += [f"- {change_text(c, self.form)}" for c in self.quiz.changes]
            lines.append("")
        for exercise in self.quiz.exercises:
            if isinstance(exercise, InverseExercise):
                lines += self.inverse(exercise)
                continue
            lines += [f"**{exercise.number}. {self.heading(exercise)}**", ""]
            where = self.where(exercise)
            if where:
                lines += [where, ""]
            for i, part in enumerate(exercise.parts, 1):
                label = ask_label(part, self.quiz, self.form)
                answer = labelled(label, f"**{answer_value(part, self.form)}**", self.form)
                lines.append(f"{i}. {answer}")
                name, steps = size_names(exercise, part, "latex")
                for derivation in steps:
                    lhs = name or (
                        formula_text(symbol(derivation.name), "latex")
                        if part.ask == "output_size"
                        else ""
                    )
                    formula = " = ".join([*([lhs] if lhs else []), *chain(derivation, "latex")])
                    lines += ["", f"   $${formula}$$"]
                lines.append("")
        return "\n".join(lines)

    def inverse(self, exercise: InverseExercise) -> list[str]:
        lines = [f"**{exercise.number}. {inverse_statement(exercise, self.form)}**", ""]
        if exercise.steps:
            lines += [self.by_layer(), ""]
            lines += [
                f"- {markdown_text(step.layer)}: ${formula_text(step.size, 'latex')}$"
                for step in exercise.steps
            ]
            lines.append("")
        return [*lines, solution_sentence(exercise, self.form), ""]


HTML_STYLE = """
body { font-family: system-ui, "Segoe UI", "Noto Sans CJK SC", sans-serif; color: #222;
  line-height: 1.5; max-width: 60em; margin: 1em auto; padding: 0 1em; }
h1 { font-size: 1.4em; }
.cnncalc-answers { break-before: page; page-break-before: always; margin-top: 3em; }
.cnncalc-steps { margin: 0.2em 0 0.6em 1.5em; white-space: pre-wrap; }
.cnncalc-note { color: #555; }
"""


class _Html(_Sheet):
    def document(self, sheets: str) -> str:
        body = []
        if sheets in ("both", "exercises"):
            body.append(self.exercises())
        if sheets in ("both", "answers"):
            body.append(self.answers())
        title = self.title("answers" if sheets == "answers" else "exercises")
        lang = "zh-CN" if i18n.current() == "zh" else "en"
        return (
            f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body)
            + "</body>\n</html>\n"
        )

    def _notes(self) -> list[str]:
        return [f'<p class="cnncalc-note">{note}</p>' for note in self.notes()]

    def exercises(self) -> str:
        lines = ['<section class="cnncalc-exercises">', f"<h1>{self.title('exercises')}</h1>"]
        lines += [*self._notes(), "<ol>"]
        for exercise in self.quiz.exercises:
            if isinstance(exercise, InverseExercise):
                lines.append(f"<li><p>{inverse_statement(exercise, self.form)}</p></li>")
                continue
            find = html_text(_("Find:"))
            lines.append(f"<li><p>{sentences(statement(exercise, self.form), find)}</p>")
            lines.append("<ol>")
            lines += [
                f"<li>{ask_label(part, self.quiz, self.form)}</li>" for part in exercise.parts
            ]
            lines.append("</ol></li>")
        lines += ["</ol>", "</section>"]
        return "\n".join(lines) + "\n"

    def answers(self) -> str:
        lines = ['<section class="cnncalc-answers">', f"<h1>{self.title('answers')}</h1>"]
        lines += self._notes()
        if self.quiz.changes:
            lines.append(f"<p>{html_text(_('Sizes changed from the spec:'))}</p><ul>")
            lines += [f"<li>{change_text(c, self.form)}</li>" for c in self.quiz.changes]
            lines.append("</ul>")
        lines.append("<ol>")
        for exercise in self.quiz.exercises:
            if isinstance(exercise, InverseExercise):
                lines += self.inverse(exercise)
                continue
            lines.append(f"<li><p>{self.heading(exercise)}")
            where = self.where(exercise)
            if where:
                lines.append(f'<br><span class="cnncalc-note">{where}</span>')
            lines += ["</p>", "<ol>"]
            for part in exercise.parts:
                label = ask_label(part, self.quiz, self.form)
                value = f"<strong>{answer_value(part, self.form)}</strong>"
                lines.append(f"<li>{labelled(label, value, self.form)}")
                text = _Text(self.quiz, FORMS["text"]).derivations(exercise, part)
                if text:
                    steps = "\n".join(html_text(line.strip()) for line in text)
                    lines.append(f'<div class="cnncalc-steps">{steps}</div>')
                lines.append("</li>")
            lines.append("</ol></li>")
        lines += ["</ol>", "</section>"]
        return "\n".join(lines) + "\n"

    def inverse(self, exercise: InverseExercise) -> list[str]:
        steps = "\n".join(
            html_text(f"{visible(step.layer)}: {formula_text(step.size)}")
            for step in exercise.steps
        )
        return [
            f"<li><p>{inverse_statement(exercise, self.form)}</p>",
            *(
                [f"<p>{self.by_layer()}</p>", f'<div class="cnncalc-steps">{steps}</div>']
                if exercise.steps
                else []
            ),
            f"<p>{solution_sentence(exercise, self.form)}</p></li>",
        ]


class _Latex(_Sheet):
    def document(self, sheets: str) -> str:
        pages = []
        if sheets in ("both", "exercises"):
            pages.append(self.exercises())
        if sheets in ("both", "answers"):
            pages.append(self.answers())
        setup = r"\renewcommand{\labelenumii}{(\arabic{enumii})}" + "\n"
        return latex.document(setup + "\n\\newpage\n".join(pages), landscape=False)

    def _notes(self) -> list[str]:
        return [f"{note}\n" for note in self.notes()]

    def exercises(self) -> str:
        lines = [rf"\section*{{{self.title('exercises')}}}", *self._notes(), r"\begin{enumerate}"]
        for exercise in self.quiz.exercises:
            if isinstance(exercise, InverseExercise):
                lines.append(rf"\item {inverse_statement(exercise, self.form)}")
                continue
            find = latex.escape(_("Find:"))
            text = sentences(statement(exercise, self.form), find)
            lines += [rf"\item {text}", r"\begin{enumerate}"]
            lines += [rf"\item {ask_label(part, self.quiz, self.form)}" for part in exercise.parts]
            lines.append(r"\end{enumerate}")
        lines.append(r"\end{enumerate}")
        return "\n".join(lines) + "\n"

    def answers(self) -> str:
        lines = [rf"\section*{{{self.title('answers')}}}", *self._notes()]
        if self.quiz.changes:
            lines += [latex.escape(_("Sizes changed from the spec:")), r"\begin{itemize}"]
            lines += [rf"\item {change_text(c, self.form)}" for c in self.quiz.changes]
            lines.append(r"\end{itemize}")
        lines.append(r"\begin{enumerate}")
        for exercise in self.quiz.exercises:
            if isinstance(exercise, InverseExercise):
                lines += self.inverse(exercise)
                continue
            lines.append(rf"\item {self.heading(exercise)}")
            where = self.where(exercise)
            if where:
                lines.append(rf"\\ {where}")
            lines.append(r"\begin{enumerate}")
            for part in exercise.parts:
                label = ask_label(part, self.quiz, self.form)
                lines.append(rf"\item {labelled(label, answer_value(part, self.form), self.form)}")
                lines += self.derivations(exercise, part)
            lines.append(r"\end{enumerate}")
        lines.append(r"\end{enumerate}")
        return "\n".join(lines) + "\n"

    def derivations(self, exercise: Exercise, part: Part) -> list[str]:
        name, steps = size_names(exercise, part, "latex")
        lines = []
        for derivation in steps:
            lhs = name or (
                formula_text(symbol(derivation.name), "latex") if part.ask == "output_size" else ""
            )
            first, *rest = chain(derivation, "latex")
            if not rest and not lhs:
                continue  # a constant (a max pooling's 0 parameters): the answer says it all
            rows = [f"{lhs} &= {first}" if lhs else f"&{first}", *(f"&= {step}" for step in rest)]
            lines += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
        return lines

    def inverse(self, exercise: InverseExercise) -> list[str]:
        rows = [
            rf"\text{{{latex.escape(step.layer)}}} &: {formula_text(step.size, 'latex')}"
            for step in exercise.steps
        ]
        lines = [rf"\item {inverse_statement(exercise, self.form)}", ""]
        if rows:  # an empty align* would end its paragraph inside it
            lines += [self.by_layer(), r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
        return [*lines, solution_sentence(exercise, self.form)]
