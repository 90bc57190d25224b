"""Field types of the spec: what users may write, normalised to what the IR holds.

Each type is one ``Annotated`` alias with a single validator, so a bad value
gets one clear message ("expected a positive integer or [height, width], got
-5") instead of one error per branch of a union.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Annotated, Literal, TypeAlias

from pydantic import BeforeValidator, Field, PlainSerializer, Strict
from pydantic_core import PydanticCustomError

from cnncalc.arith import MAX_SIZE, MAX_SIZE_TEXT
from cnncalc.errors import show_value
from cnncalc.expressions import (
    MAX_FORMULA_LENGTH,
    Exact,
    Formula,
    FormulaError,
    constant_value,
    not_whole,
    read_exact,
    within_bounds,
)
from cnncalc.i18n import N_, _
from cnncalc.ir import Activation, AxisPadding, ConnectionTable
from cnncalc.spec.tables import CONNECTION_TABLES

AXIS_NAMES = {1: ["length"], 2: ["height", "width"], 3: ["depth", "height", "width"]}
"""The spatial axes' names by rank, as messages name them (English: what the docs call them)."""
_AXIS_WORDS = {"length": N_("length"), "height": N_("height"), "width": N_("width"),
               "depth": N_("depth")}  # fmt: skip


def axis_names(rank: int) -> list[str]:
    """:data:`AXIS_NAMES` of ``rank`` in the active language."""
    return [_(_AXIS_WORDS[name]) for name in AXIS_NAMES[rank]]


def _fail(expected: str, value: object) -> PydanticCustomError:
    """``expected {expected}, got {got}``; ``expected`` is already in the active language."""
    if isinstance(value, str):
        try:
            Formula(value)
        except FormulaError as problem:
            expected = _("{expected} ({problem})").format(expected=expected, problem=problem)
    return PydanticCustomError(
        "cnncalc_value",
        _("expected {expected}, got {got}"),
        {"expected": expected, "got": show_value(value)},
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


Size: TypeAlias = int | Formula
"""A size: an integer, or a formula in size symbols (``n``, ``2*k + 1``) on the symbolic path."""


def _size(value: object, minimum: int) -> Size | None:
    """``value`` as a size of at least ``minimum``, or None when it is not one.

    A number above :data:`~cnncalc.arith.MAX_SIZE` is an error of its own. A
    formula with symbols is accepted whatever it may evaluate to: a formula that
    is not provably at least ``minimum`` becomes a requirement of the analysis,
    and an error only where it is provably out of range.
    """
    if _is_int(value):
        number: int = value  # type: ignore[assignment]
    elif isinstance(value, str):
        try:
            formula = Formula(value)
            if formula.names:
                return formula
            exact = constant_value(formula)  # a number written as text: "5", "2*3", "int(64*0.75)"
        except FormulaError:
            return None
        if isinstance(exact, Fraction):
            raise PydanticCustomError("cnncalc_value", not_whole(formula, exact))
        number = exact
    else:
        return None
    if number > MAX_SIZE:
        raise too_large(number)
    return number if number >= minimum else None


def too_large(number: int) -> PydanticCustomError:
    """The error for a size above :data:`~cnncalc.arith.MAX_SIZE`."""
    return PydanticCustomError(
        "cnncalc_value",
        _("{got} is larger than {bound}"),
        {"got": show_value(number), "bound": _(MAX_SIZE_TEXT)},
    )


def _count(value: object) -> Size:
    size = _size(value, 1)
    if size is None:
        raise _fail(_("a positive integer or a size formula such as 'n' or '2*k + 1'"), value)
    return size


_POSITIVE_INT = Annotated[int, Field(ge=1, le=MAX_SIZE)]
_NON_NEGATIVE_INT = Annotated[int, Field(ge=0, le=MAX_SIZE)]
_FORMULA_TEXT = Annotated[str, Field(min_length=1, max_length=MAX_FORMULA_LENGTH)]
_SIZE_INPUT = _POSITIVE_INT | _FORMULA_TEXT
"""What the JSON Schema says a size is: what the validators below accept, as far as a
schema can say it (it cannot evaluate a formula)."""

Count: TypeAlias = Annotated[Size, BeforeValidator(_count, json_schema_input_type=_SIZE_INPUT)]
"""A positive integer (a number of filters, units, groups or maps), or a formula."""


def _symbol_value(value: object) -> Exact:
    if _is_int(value):
        number: int = value  # type: ignore[assignment]
        if number > MAX_SIZE:
            raise too_large(number)
        if number >= 1:
            return number
    exact: Exact | None = None
    if isinstance(value, Fraction):
        exact = value
    elif isinstance(value, float) and math.isfinite(value):
        exact = read_exact(repr(value))  # 0.75 as written: 3/4, never the binary float
    elif isinstance(value, str):
        exact = read_exact(value)
    if exact is not None and within_bounds(exact) and exact > 0:
        return exact
    raise _fail(_("a positive integer, or a fraction ('3/4') or decimal (0.75) for a multiplier"),
                value)  # fmt: skip


SymbolValue: TypeAlias = Annotated[
    Exact,
    BeforeValidator(
        _symbol_value,
        json_schema_input_type=_POSITIVE_INT
        | Annotated[float, Field(gt=0, le=MAX_SIZE)]
        | Annotated[str, Field(pattern=r"^\s*([0-9]+(/[0-9]+)?|[0-9]*\.[0-9]+|[0-9]+\.)\s*$")],
    ),
    PlainSerializer(lambda value: value if isinstance(value, int) else str(value)),
]
"""A value for a size symbol, never a formula: a positive integer up to ``MAX_SIZE``, or for
a multiplier (``a`` of ``int(32*a)``) an exact positive fraction, ``3/4``, ``"0.75"`` or
``0.75`` (read as written, 3/4), its terms each up to ``MAX_SIZE``."""


def _expected(value: object) -> int | Formula:
    if _is_int(value) and value >= 0:  # type: ignore[operator]
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        try:
            return Formula(value)
        except FormulaError:
            pass
    raise _fail(_("a non-negative integer or a formula in the spec's size symbols"), value)


Expected: TypeAlias = Annotated[
    int | Formula,
    BeforeValidator(_expected, json_schema_input_type=Annotated[int, Field(ge=0)] | _FORMULA_TEXT),
]
"""An expected count: a non-negative integer, or a formula in the spec's symbols."""


def _real(value: object) -> float | int:
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (
            isinstance(value, int) or math.isfinite(value)  # an int of 4,000 digits is no float
        )
    ):
        return value
    raise _fail(_("a finite number"), value)


Real: TypeAlias = Annotated[float | int, BeforeValidator(_real, json_schema_input_type=float)]
"""A real constant (LRN's alpha, beta, k): any finite number; NaN and infinities are refused."""


def _shape(value: object) -> tuple[Size, ...]:
    if isinstance(value, list | tuple) and value:
        sizes = [_size(v, 1) for v in value]
        if None not in sizes:
            return tuple(sizes)  # type: ignore[arg-type]
    raise _fail(
        _(
            "a list of positive integers or size formulas, channels first "
            "([channels, height, width])"
        ),
        value,
    )


InputShape: TypeAlias = Annotated[
    tuple[Size, ...],
    BeforeValidator(
        _shape, json_schema_input_type=Annotated[list[_SIZE_INPUT], Field(min_length=1)]
    ),
]
"""The input tensor's shape without the batch axis, channels first."""


def per_axis(rank: int, minimum: int = 1) -> Callable[[object], tuple[Size, ...]]:
    """A validator accepting ``k`` or ``[k_1, ..., k_rank]``, returning a ``rank``-tuple."""

    def parse(value: object) -> tuple[Size, ...]:
        single = _size(value, minimum)
        if single is not None:
            return (single,) * rank
        if isinstance(value, list | tuple) and len(value) == rank:
            sizes = [_size(v, minimum) for v in value]
            if None not in sizes:
                return tuple(sizes)  # type: ignore[arg-type]
        raise _fail(per_axis_expected(rank, minimum), value)

    return parse


def per_axis_expected(rank: int, minimum: int) -> str:
    """What :func:`per_axis` accepts, in words: ``a positive integer or [height, width]``.

    Built when a message needs it, not when the validator is: the language is
    chosen after the models are defined."""
    kind = _("a positive integer") if minimum >= 1 else _("a non-negative integer")
    if rank == 1:
        return kind
    return _("{kind} or [{names}]").format(kind=kind, names=", ".join(axis_names(rank)))


_AXES_INPUT = _SIZE_INPUT | list[_SIZE_INPUT]
_EXTRA_INPUT = _NON_NEGATIVE_INT | _FORMULA_TEXT | list[_NON_NEGATIVE_INT | _FORMULA_TEXT]

Axes1d: TypeAlias = Annotated[
    tuple[Size, ...], BeforeValidator(per_axis(1), json_schema_input_type=_AXES_INPUT)
]
"""A positive size for the one spatial axis: ``k`` or ``[k]``."""
Axes2d: TypeAlias = Annotated[
    tuple[Size, ...], BeforeValidator(per_axis(2), json_schema_input_type=_AXES_INPUT)
]
"""A positive size per spatial axis, ``k`` or ``[k_h, k_w]`` (kernel, stride, dilation)."""
Axes3d: TypeAlias = Annotated[
    tuple[Size, ...], BeforeValidator(per_axis(3), json_schema_input_type=_AXES_INPUT)
]
"""A positive size per spatial axis, ``k`` or ``[k_d, k_h, k_w]``."""
_FRACTION = re.compile(r"\s*(\d{1,18})\s*/\s*(\d{1,18})\s*|\s*(\d{0,18}\.\d{1,18})\s*")
"""``p/q`` or a decimal such as ``0.75``, written as text (bounded: no huge numbers)."""


def _scale(value: object) -> Size | Fraction | None:
    """A positive resize factor: a size (an integer or a formula), or an exact fraction.

    ``0.5``, ``"0.5"`` and ``"1/2"`` all read as ``Fraction(1, 2)``: a decimal is
    taken as written (its shortest representation), never as a binary float.
    """
    fraction: Fraction | None = None
    if isinstance(value, float) and math.isfinite(value):
        fraction = Fraction(repr(value))
    elif isinstance(value, str) and (match := _FRACTION.fullmatch(value)) is not None:
        if match.group(3) is not None:
            fraction = Fraction(match.group(3))
        elif int(match.group(2)) != 0:
            fraction = Fraction(int(match.group(1)), int(match.group(2)))
    elif isinstance(value, str):
        try:  # a constant formula may be a fraction here ("3/2*0.5"); one with names not
            formula = Formula(value)
            exact = None if formula.names else constant_value(formula)
        except FormulaError:
            exact = None
        if isinstance(exact, Fraction):
            fraction = exact
    if fraction is None:
        return _size(value, 1)
    if fraction <= 0 or max(fraction.numerator, fraction.denominator) > MAX_SIZE:
        return None
    return int(fraction) if fraction.denominator == 1 else fraction


def _scales(value: object) -> tuple[Size | Fraction, ...]:
    """``s`` or ``[s_h, s_w]``, each as :func:`_scale` reads it."""
    single = _scale(value)
    if single is not None:
        return (single, single)
    if isinstance(value, list | tuple) and len(value) == 2:
        scales = [_scale(v) for v in value]
        if None not in scales:
            return tuple(scales)  # type: ignore[arg-type]
    raise PydanticCustomError(
        "cnncalc_value",
        _(
            "expected a positive integer, fraction ('1/2') or decimal (0.5), or [height, width] "
            "of them, got {got}"
        ),
        {"got": show_value(value)},
    )


_SCALE_INPUT = _POSITIVE_INT | Annotated[float, Field(gt=0)] | _FORMULA_TEXT
Scales2d: TypeAlias = Annotated[
    tuple[Size | Fraction, ...],
    BeforeValidator(_scales, json_schema_input_type=_SCALE_INPUT | list[_SCALE_INPUT]),
]
"""A resize factor per spatial axis: ``s`` or ``[s_h, s_w]``, integers or exact fractions."""


def _int_sizes(minimum: int, maximum: int, *, scalar: int) -> Callable[[object], tuple[int, ...]]:
    """A validator accepting ``n``, ``[n_h, n_w]`` or ``[n_t, n_h, n_w]`` of plain integers in
    a range; ``n`` alone becomes ``scalar`` copies of it (2: a window, 1: a shift, which the
    layer then gives every axis of its window)."""

    def parse(value: object) -> tuple[int, ...]:
        items = value if isinstance(value, list | tuple) and len(value) in (2, 3) else None
        if items is None and not isinstance(value, list | tuple):
            items = [value] * scalar
        if items is not None and all(_is_int(v) and minimum <= v <= maximum for v in items):
            return tuple(items)
        raise _fail(
            _(
                "an integer from {minimum} to {maximum}, or [height, width] or "
                "[time, height, width] of them"
            ).format(minimum=minimum, maximum=maximum),
            value,
        )

    return parse


MAX_WINDOW = 1024
"""Largest Swin window side: the relative-position index holds ``(w_h·w_w)²`` entries."""

_WINDOW_INT = Annotated[int, Field(ge=1, le=MAX_WINDOW)]
_SHIFT_INT = Annotated[int, Field(ge=0, le=MAX_WINDOW)]
_SHIFT_INPUT = _SHIFT_INT | list[_SHIFT_INT]
Window: TypeAlias = Annotated[
    tuple[int, ...],
    BeforeValidator(
        _int_sizes(1, MAX_WINDOW, scalar=2),
        json_schema_input_type=_WINDOW_INT | list[_WINDOW_INT],
    ),
]
"""A window's size, ``n`` or ``[n_h, n_w]``, or ``[n_t, n_h, n_w]`` (plain integers: no
formulas)."""
Shift: TypeAlias = Annotated[
    tuple[int, ...],
    BeforeValidator(_int_sizes(0, MAX_WINDOW, scalar=1), json_schema_input_type=_SHIFT_INPUT),
]
"""A window's shift, ``n`` (every axis) or one per axis of the window, 0 for none."""

Extra2d: TypeAlias = Annotated[
    tuple[Size, ...],
    BeforeValidator(per_axis(2, minimum=0), json_schema_input_type=_EXTRA_INPUT),
]
"""A non-negative size per spatial axis (a transposed conv's output padding)."""


def padding_parser(
    rank: int, *, same: bool = True
) -> Callable[[object], tuple[AxisPadding, ...] | Literal["same"]]:
    """A validator for ``valid``, ``same``, ``p``, ``[p_h, p_w]`` or ``[[t, b], [l, r]]``.

    Without ``same`` (a transposed conv, zero padding) only explicit padding is taken.
    """
    single = per_axis(rank, minimum=0)

    def parse(value: object) -> tuple[AxisPadding, ...] | Literal["same"]:
        if value == "same" and same:
            return "same"
        if value == "valid":
            return ((0, 0),) * rank
        if isinstance(value, str) and suggest(value, ["valid", "same"]):
            # A misspelt keyword must not become a size symbol.
            raise PydanticCustomError(
                "cnncalc_value",
                _("unknown padding {got}{hint}"),
                {"got": show_value(value), "hint": suggest(value, ["valid", "same"])},
            )
        if (
            isinstance(value, list | tuple)
            and len(value) == rank
            and all(
                isinstance(axis, list | tuple)
                and len(axis) == 2
                and all(_size(p, 0) is not None for p in axis)
                for axis in value
            )
        ):
            return tuple((_size(a, 0), _size(b, 0)) for a, b in value)
        try:
            return tuple((p, p) for p in single(value))
        except PydanticCustomError:
            raise _fail(_padding_expected(rank, same), value) from None

    return parse


def _padding_expected(rank: int, same: bool) -> str:
    """``'valid', 'same', a non-negative integer, [height, width] or [[height_before, …]]``."""
    names = axis_names(rank)
    pairs = ", ".join(_("[{axis}_before, {axis}_after]").format(axis=n) for n in names)
    if not same:
        return _("'valid', a non-negative integer, [{names}] or [{pairs}]").format(
            names=", ".join(names), pairs=pairs
        )
    return _("'valid', 'same', a non-negative integer, [{names}] or [{pairs}]").format(
        names=", ".join(names), pairs=pairs
    )


_PADDING_INPUT = (
    Literal["valid", "same"]
    | _NON_NEGATIVE_INT
    | _FORMULA_TEXT
    | list[_NON_NEGATIVE_INT | _FORMULA_TEXT]
    | list[list[_NON_NEGATIVE_INT | _FORMULA_TEXT]]
)

Padding1d: TypeAlias = Annotated[
    tuple[tuple[Size, Size], ...] | Literal["same"],
    BeforeValidator(padding_parser(1), json_schema_input_type=_PADDING_INPUT),
]
Padding2d: TypeAlias = Annotated[
    tuple[tuple[Size, Size], ...] | Literal["same"],
    BeforeValidator(padding_parser(2), json_schema_input_type=_PADDING_INPUT),
]
"""Zero padding: ``valid``, ``same`` (Keras: output ``ceil(n/s)``), ``p``, ``[p_h, p_w]``, …"""
Padding3d: TypeAlias = Annotated[
    tuple[tuple[Size, Size], ...] | Literal["same"],
    BeforeValidator(padding_parser(3), json_schema_input_type=_PADDING_INPUT),
]
ExplicitPadding2d: TypeAlias = Annotated[
    tuple[tuple[Size, Size], ...],
    BeforeValidator(padding_parser(2, same=False), json_schema_input_type=_PADDING_INPUT),
]
"""Padding given as numbers only (no ``same``)."""


MAX_AXIS = 63
"""Largest axis index (PyTorch tensors have at most 64 axes)."""

Axis: TypeAlias = Annotated[int, Strict(), Field(ge=-MAX_AXIS - 1, le=MAX_AXIS)]
"""An axis of the sample (no batch axis): ``0`` the channels or tokens, ``-1`` the last."""

Index: TypeAlias = Annotated[int, Strict(), Field(ge=-MAX_SIZE, le=MAX_SIZE)]
"""A position along an axis; negative counts from the end."""

Step: TypeAlias = Annotated[int, Strict(), Field(ge=1, le=MAX_SIZE)]
"""A slice's step: a positive integer."""


def _sizes_or_inferred(value: object) -> tuple[Size, ...]:
    if isinstance(value, list | tuple) and 0 < len(value) <= MAX_AXIS + 1:
        sizes = [-1 if _is_int(v) and v == -1 else _size(v, 1) for v in value]
        if None not in sizes:
            return tuple(sizes)  # type: ignore[arg-type]
    raise _fail(
        _("a list of 1 to {most} positive integers or size formulas, one of them may be -1").format(
            most=MAX_AXIS + 1
        ),
        value,
    )


Sizes: TypeAlias = Annotated[
    tuple[Size, ...],
    BeforeValidator(
        _sizes_or_inferred,
        json_schema_input_type=Annotated[
            list[_SIZE_INPUT | Literal[-1]], Field(min_length=1, max_length=MAX_AXIS + 1)
        ],
    ),
]
"""A shape to reshape to: sizes (or formulas), one of which may be ``-1``, inferred."""


MAX_SIZES = 10_000
"""Most parts a split may have."""


def _positive_sizes(value: object) -> tuple[Size, ...]:
    if isinstance(value, list | tuple) and value and len(value) <= MAX_SIZES:
        sizes = [_size(v, 1) for v in value]
        if None not in sizes:
            return tuple(sizes)  # type: ignore[arg-type]
    raise _fail(
        _("a list of 1 to {most} positive integers or size formulas").format(most=f"{MAX_SIZES:,}"),
        value,
    )


PartSizes: TypeAlias = Annotated[
    tuple[Size, ...],
    BeforeValidator(
        _positive_sizes,
        json_schema_input_type=Annotated[
            list[_SIZE_INPUT], Field(min_length=1, max_length=MAX_SIZES)
        ],
    ),
]
"""The sizes of a split's parts."""


def suggest(word: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` when ``word`` is close to one of ``choices``."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return _(" (did you mean '{name}'?)").format(name=close[0]) if close else ""


_NO_ACTIVATION = ("linear", "none", "identity")


def _activation(value: object) -> Activation | None:
    if value is None or value in _NO_ACTIVATION:
        return None
    if isinstance(value, str):
        if value.lower() == Activation.PRELU:
            raise PydanticCustomError(
                "cnncalc_value", _("prelu learns its slopes: write it as a layer of its own"), {}
            )
        try:
            return Activation(value.lower())
        except ValueError:
            names = [a.value for a in Activation if a is not Activation.PRELU]
            raise PydanticCustomError(
                "cnncalc_value",
                _("unknown activation {got}{hint}; expected one of {names}"),
                {
                    "got": show_value(value),
                    "hint": suggest(value.lower(), names),
                    "names": ", ".join([*names, "linear"]),
                },
            ) from None
    raise _fail(_("an activation name such as 'relu'"), value)


ActivationName: TypeAlias = Annotated[
    Activation | None,
    BeforeValidator(
        _activation,
        json_schema_input_type=Activation | Literal["linear", "none", "identity"] | None,
    ),
]
"""An activation applied to the layer's outputs, Keras style; ``linear`` means none."""


def _connections(value: object) -> ConnectionTable | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value == "full":
            return None
        if value in CONNECTION_TABLES:
            return CONNECTION_TABLES[value]
        names = ["full", *CONNECTION_TABLES]
        raise PydanticCustomError(
            "cnncalc_value",
            _(
                "unknown connection table {got}{hint}; expected one of {names} or a list of "
                "input-map lists, one per output map"
            ),
            {"got": show_value(value), "hint": suggest(value, names), "names": ", ".join(names)},
        )
    if isinstance(value, list | tuple) and value:
        rows: list[tuple[int, ...]] = []
        for row in value:
            if not (
                isinstance(row, list | tuple)
                and row
                and all(_is_int(i) and i >= 0 for i in row)
                and len(set(row)) == len(row)
            ):
                raise _fail(
                    _("a list of distinct input-map indices (0, 1, ...) for each output map"),
                    row,
                )
            rows.append(tuple(row))
        return tuple(rows)
    raise _fail(_("'full', 'lenet5' or a list of input-map lists, one per output map"), value)


Connections: TypeAlias = Annotated[
    ConnectionTable | None,
    BeforeValidator(_connections, json_schema_input_type=str | list[list[int]] | None),
]
"""Which input maps each output map reads: ``full`` (default), ``lenet5`` or a list."""


def _rate(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        return float(value)
    raise _fail(_("a rate between 0 (inclusive) and 1 (exclusive)"), value)


Rate: TypeAlias = Annotated[float, BeforeValidator(_rate, json_schema_input_type=float)]
