"""A program (:mod:`cnncalc.evaluator.program`) written as Python or NumPy source, compiled.

The source is generated here, from the program's nodes: no user text ever
reaches it. Symbols are the positional parameters ``s0, s1, …`` (never the
spec's names), numbers are integer literals (or constants of the namespace,
past int64), temporaries are ``t<node>``, and the only names called are the
helpers of the namespace built here (``_ratio``, ``_whole``, NumPy's ``_np``, …).
A node used more than once is computed once, into a temporary; the branches of a
choice are written inline, so that only the branch taken runs (as sympy picks
one). The Python form is exact in Python's integers (``p // q`` floors, also a
Fraction); the NumPy form runs on int64 arrays, exact only within the bounds
:mod:`cnncalc.evaluator.bounds` checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy

from cnncalc.arith import MAX_SIZE
from cnncalc.evaluator.bounds import INT64_LIMIT
from cnncalc.evaluator.program import Exact, Fallback, Node, NotCompilable, Program

_INLINE_DEPTH = 40
"""Nested inline expressions deeper than this are cut into temporaries (Python's compiler
recurses once per level)."""

_FLAT_ARGS = 16
"""A sum or product of more terms is written ``sum((…))`` / ``_prod((…))``, flat, not as a
chain of ``+`` that the compiler would nest one level a term."""

_OPERATORS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class NotVectorisable(Exception):
    """A program NumPy's int64 cannot run exactly (fractions, or a sympy fallback)."""


@dataclass(frozen=True, slots=True)
class Roots:
    """The nodes a program computes, by role, in the order they are checked."""

    requirements: list[int]
    """Relations that must hold for the network to exist."""
    sizes: list[int]
    """Sizes that must be at most ``MAX_SIZE``."""
    conditions: list[int]
    """Relations that keep a point."""
    outputs: list[int]


@dataclass(slots=True)
class Writer:
    """Straight-line source for a program's roots: nodes used more than once become
    temporaries, computed before their first use; the others are written inline."""

    program: Program
    numpy: bool
    lines: list[str] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    uses: dict[int, int] = field(default_factory=dict)
    lazy: set[int] = field(default_factory=set)
    """Nodes used only inside a branch of a choice: never computed ahead of it."""
    namespace: dict[str, Any] = field(default_factory=dict)

    def prepare(self, roots: Sequence[int]) -> None:
        """Count each node's eager uses; mark the nodes only a branch reads as lazy."""
        eager: set[int] = set()
        reached: set[int] = set()
        stack = [(root, True) for root in roots]
        seen: set[tuple[int, bool]] = set()
        while stack:
            index, is_eager = stack.pop()
            if (index, is_eager) in seen:
                if is_eager:
                    self.uses[index] = self.uses.get(index, 0) + 1
                continue
            seen.add((index, is_eager))
            (eager if is_eager else reached).add(index)
            if is_eager:
                self.uses[index] = self.uses.get(index, 0) + 1
            node = self.program.nodes[index]
            for position, arg in enumerate(node.args):
                branch = node.op == "where" and position > 0
                stack.append((arg, is_eager and not branch))
        self.lazy = reached - eager
        if self.numpy and any(self._divides(i) for i in self.lazy):
            raise NotVectorisable("a division inside a branch")

    def _divides(self, index: int) -> bool:
        node = self.program.nodes[index]
        if node.op not in ("fdiv", "cdiv", "mod"):
            return False
        divisor = self.program.nodes[node.args[1]]
        return not (divisor.op == "const" and divisor.value != 0)

    def value(self, index: int) -> str:
        """Source for node ``index``'s value, its eager dependencies assigned first."""
        text, _depth = self._expr(index)
        return text

    def _expr(self, index: int) -> tuple[str, int]:
        if index in self.names:
            return self.names[index], 0
        node = self.program.nodes[index]
        text, depth = self._write(node)
        shared = self.uses.get(index, 0) > 1 and index not in self.lazy
        if node.op not in ("const", "bool", "sym") and (shared or depth > _INLINE_DEPTH):
            if index in self.lazy:  # inside a branch: never computed ahead of it
                return text, depth
            name = f"t{index}"
            self.lines.append(f"{name} = {text}")
            self.names[index] = name
            return name, 0
        return text, depth

    def _args(self, node: Node) -> tuple[list[str], int]:
        parts = [self._expr(arg) for arg in node.args]
        return [text for text, _ in parts], 1 + max((depth for _, depth in parts), default=0)

    def _write(self, node: Node) -> tuple[str, int]:  # noqa: PLR0912
        op = node.op
        if op == "const":
            return self._constant(node.value), 0
        if op == "bool":
            return ("True" if node.value else "False"), 0
        if op == "sym":
            return f"s{node.value}", 0
        if op == "slow":
            if self.numpy:
                raise NotVectorisable("a formula evaluated by sympy")
            return f"_slow{node.value}({', '.join(self.symbol_names())})", 0
        args, depth = self._args(node)
        if op == "add":
            return (f"({' + '.join(args)})" if len(args) <= _FLAT_ARGS
                    else f"sum(({', '.join(args)}))"), depth  # fmt: skip
        if op == "mul":
            return (f"({' * '.join(args)})" if len(args) <= _FLAT_ARGS
                    else f"_prod(({', '.join(args)}))"), depth  # fmt: skip
        if op == "pow":
            base = args[0]
            if node.value == 2 and base.isidentifier():
                return f"({base} * {base})", depth
            return f"({base} ** {node.value})", depth
        if op in ("fdiv", "cdiv", "mod"):
            return self._division(node, args), depth
        if op == "ratio":
            if self.numpy:
                raise NotVectorisable("an exact division")
            return f"_ratio({args[0]}, {args[1]})", depth
        if op in ("min", "max"):
            if self.numpy:
                return _nested(f"_np.{op}imum", args), depth
            return f"{op}({', '.join(args)})", depth
        if op == "gcd":
            return f"{'_np.gcd' if self.numpy else '_gcd'}({args[0]}, {args[1]})", depth
        if op in _OPERATORS:
            return f"({args[0]} {_OPERATORS[op]} {args[1]})", depth
        if op in ("and", "or"):
            if self.numpy:
                return _nested(f"_np.logical_{op}", args), depth
            return f"({f' {op} '.join(args)})", depth
        if op == "not":
            return (f"_np.logical_not({args[0]})" if self.numpy else f"(not {args[0]})"), depth
        assert op == "where", op
        if self.numpy:
            return f"_np.where({args[0]}, {args[1]}, {args[2]})", depth
        return f"({args[1]} if {args[0]} else {args[2]})", depth

    def _division(self, node: Node, args: list[str]) -> str:
        top, bottom = args
        divisor = self.program.nodes[node.args[1]]
        constant = divisor.op == "const" and divisor.value != 0
        if self.numpy and not constant:
            helper = {"fdiv": "_fdiv", "cdiv": "_cdiv", "mod": "_mod"}[node.op]
            return f"{helper}({top}, {bottom}, _bad)"
        if node.op == "fdiv":
            return f"({top} // {bottom})"
        if node.op == "cdiv":
            return f"(-((-{top}) // {bottom}))"
        return f"({top} % {bottom})"

    def _constant(self, value: Exact) -> str:
        if type(value) is int and abs(value) <= INT64_LIMIT:
            return str(value) if value >= 0 else f"({value})"
        if self.numpy:
            raise NotVectorisable("a fraction")  # an int64 overflow is the bounds' to find
        name = f"_k{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def symbol_names(self) -> list[str]:
        return [f"s{i}" for i in range(len(self.program.symbols))]


def _nested(function: str, args: list[str]) -> str:
    """``f(a, f(b, c))``: a NumPy binary function over several arguments."""
    text = args[-1]
    for arg in reversed(args[:-1]):
        text = f"{function}({arg}, {text})"
    return text


def _ratio(numerator: Exact, denominator: Exact) -> Exact:
    """``numerator / denominator`` exactly: an int where it divides, else a Fraction."""
    value = Fraction(numerator) / denominator
    return value.numerator if value.denominator == 1 else value


def _whole(value: Any) -> Any:
    """A Fraction that is a whole number as an int (results are ints wherever they can be)."""
    if type(value) is Fraction and value.denominator == 1:
        return value.numerator
    return value


def _exact(value: Any) -> Any:
    """A fallback's sympy result as an exact Python value; infinite or undefined: no network."""
    if isinstance(value, bool | int | Fraction):
        return value
    if value is sympy.true or value is sympy.false:
        return bool(value)
    if value.is_Integer:
        return int(value)
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    if getattr(value, "is_Relational", False) or not value.is_finite:
        raise ZeroDivisionError  # sympy could not decide it: a division by zero (zoo)
    raise NotCompilable(value)


def _slow(expr: Any, symbols: tuple[Any, ...], fallback: Fallback | None) -> Callable[..., Any]:
    """``expr`` at a point through the fallback (sympy), as an exact Python value."""
    assert fallback is not None

    def evaluate(*values: Exact) -> Any:
        mapping = {s: sympy.Rational(v) if type(v) is Fraction else v
                   for s, v in zip(symbols, values, strict=True)}  # fmt: skip
        return _exact(fallback(expr, mapping))

    return evaluate


def python_form(
    program: Program, roots: Roots, fallback: Fallback | None
) -> tuple[str, Callable[..., Any]]:
    """The program as Python source and the function compiled from it: ``evaluate(s0, s1,
    …)`` returns None where a requirement fails, a size is over ``MAX_SIZE`` or something
    divides by zero (no network), False where a condition fails, else the outputs."""
    writer = Writer(program, numpy=False)
    writer.prepare([*roots.requirements, *roots.sizes, *roots.conditions, *roots.outputs])
    body: list[str] = []

    def emit(text: str) -> None:
        body.extend(writer.lines)
        writer.lines.clear()
        body.append(text)

    for requirement in roots.requirements:
        emit(f"if not {writer.value(requirement)}: return None")
    for size in roots.sizes:
        text = writer.value(size)
        big = f"{text} > {MAX_SIZE}" if program.integral[size] else f"_big({text})"
        emit(f"if {big}: return None")
    for condition in roots.conditions:
        emit(f"if not {writer.value(condition)}: return False")
    results = [writer.value(output) for output in roots.outputs]
    results = [
        text if program.integral[output] else f"_whole({text})"
        for text, output in zip(results, roots.outputs, strict=True)
    ]
    emit(f"return ({''.join(text + ', ' for text in results)})")
    names = writer.symbol_names()
    source = "\n".join(
        [
            f"def evaluate({', '.join(names)}):",
            "    try:",
            *(f"        {line}" for line in body),
            "    except ZeroDivisionError:",
            "        return None",
        ]
    )
    namespace: dict[str, Any] = {
        "_ratio": _ratio,
        "_whole": _whole,
        "_gcd": math.gcd,
        "_prod": math.prod,
        "_big": lambda value: type(value) is int and value > MAX_SIZE,
        **writer.namespace,
    }
    for index, expr in enumerate(program.slow):
        namespace[f"_slow{index}"] = _slow(expr, program.symbols, fallback)
    exec(compile(source, "<cnncalc evaluator>", "exec"), namespace)  # generated: see above
    function: Callable[..., Any] = namespace["evaluate"]
    return source, function


def numpy_form(program: Program, roots: Roots) -> tuple[str, Callable[..., Any]] | None:
    """The program as NumPy source and its function, ``evaluate(s0, s1, …, _bad)`` on int64
    arrays (``_bad`` marks the points that divide by zero), returning the requirements',
    conditions' and outputs' arrays; None without NumPy, or for a program it cannot run
    exactly (fractions, sympy's fallback, a division inside a choice). Its values must be
    bounded first (:func:`cnncalc.evaluator.bounds.bounded`)."""
    try:
        import numpy
    except ImportError:  # optional: the Python form runs everything without it
        return None
    writer = Writer(program, numpy=True)
    try:
        writer.prepare([*roots.requirements, *roots.conditions, *roots.outputs])
        body: list[str] = []

        def values(indices: list[int]) -> list[str]:
            texts = [writer.value(i) for i in indices]
            body.extend(writer.lines)
            writer.lines.clear()
            return texts

        valid = values(roots.requirements)
        keep = values(roots.conditions)
        outputs = values(roots.outputs)
    except NotVectorisable:
        return None
    names = writer.symbol_names()
    source = "\n".join(
        [
            f"def evaluate({', '.join([*names, '_bad'])}):",
            *(f"    {line}" for line in body),
            f"    return [{', '.join(valid)}], [{', '.join(keep)}], [{', '.join(outputs)}]",
        ]
    )
    namespace: dict[str, Any] = {
        "_np": numpy,
        "_fdiv": _numpy_division("fdiv"),
        "_cdiv": _numpy_division("cdiv"),
        "_mod": _numpy_division("mod"),
        "_prod": math.prod,
        **writer.namespace,
    }
    exec(compile(source, "<cnncalc evaluator, numpy>", "exec"), namespace)
    function: Callable[..., Any] = namespace["evaluate"]
    return source, function


def _numpy_division(kind: str) -> Callable[[Any, Any, Any], Any]:
    """``p // q``, ``⌈p/q⌉`` or ``p % q`` on int64 arrays with the zero divisors marked in
    ``bad`` (those points are no network) and divided by 1 instead."""
    import numpy

    def divide(top: Any, bottom: Any, bad: Any) -> Any:
        zero = numpy.equal(bottom, 0)
        if numpy.any(zero):
            bad |= zero
            bottom = numpy.where(zero, 1, bottom)
        if kind == "fdiv":
            return top // bottom
        if kind == "cdiv":
            return -((-top) // bottom)
        return top % bottom

    return divide
