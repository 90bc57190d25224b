"""Numbers as a paper prints them, and the spec's ``published`` entries that hold them.

A paper rounds: ResNet-50 has "3.8×10^9 FLOPs", MobileNet "569 M" mult-adds,
VGG-16 "138" million parameters. :func:`printed_number` reads such a number as
the interval it stands for — every count that rounds to it at the printed
precision — so that ``cnncalc check`` compares an exact count with it the way a
reader would, with exact rational arithmetic (no floats):

- ``3.8e9``, ``3.8×10^9``, ``3.8x10^9``, ``3.8·10⁹``: the last printed digit
  is the precision, ±0.05·10⁹ here;
- a unit after the number, with or without a space: ``K``/``k`` (thousand),
  ``M``/``million``, ``G``/``B``/``billion``, ``T``; ``binary`` reads K, M, G as
  1,024, 1,024², 1,024³ (GoogLeNet's Table 1 needs it for some rows);
- plain digits, with or without thousands separators (``340,908``): exact, all
  digits significant, unless ``significant`` says fewer (AlexNet's "650,000
  neurons" is two significant digits);
- an integer in the YAML (not a string) is exact.

A count agrees with a printed number when it lies within half a unit of the
last significant digit of it, both ends included (a paper that rounds half up
and one that rounds half to even both print 3.85 as 3.8 or 3.9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Literal, TypeAlias

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cnncalc.conventions import Convention
from cnncalc.errors import show_value
from cnncalc.i18n import _

MAX_PRINTED_LENGTH = 40
"""Longest printed number read: a paper's number is a few characters; this bounds the work."""

_UNITS = {
    "": 0, "k": 3, "K": 3, "thousand": 3, "M": 6, "million": 6, "G": 9, "B": 9,
    "billion": 9, "T": 12, "trillion": 12,
}  # fmt: skip
"""Unit words and letters → the power of ten they stand for (thousands: 3)."""
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_PRINTED = re.compile(
    r"""(?P<mantissa>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?
        \s*(?:(?:[eE](?P<e>[+-]?\d{1,2}))|(?:\s*[×x·*]\s*10\s*\^?\s*(?P<power>-?\d{1,2})))?
        \s*(?P<unit>[A-Za-z]*)""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class PrintedNumber:
    """A printed number: its value and the half-unit of its last significant digit."""

    text: str
    value: Fraction
    half_unit: Fraction

    def agrees(self, count: int) -> bool:
        """Whether ``count`` rounds to this number at its printed precision."""
        return abs(count - self.value) <= self.half_unit

    @property
    def exact(self) -> bool:
        """Whether only one integer agrees with it (a number printed to the unit)."""
        return self.half_unit < 1

    @property
    def digits(self) -> int:
        """How many significant digits it has (0 for a printed 0)."""
        if self.value == 0:
            return 0
        unit = self.half_unit * 2
        digits = 0
        while unit <= abs(self.value):
            unit *= 10
            digits += 1
        return digits


def printed_number(
    written: str | int, significant: int | None = None, binary: bool = False
) -> PrintedNumber:
    """``written`` as the interval it stands for (see the module's docstring).

    Raises :class:`ValueError` (with a message for the user) on text that is not
    one number.
    """
    if isinstance(written, int):
        text = f"{written:,}"
        digits = text.replace(",", "")
        mantissa, fraction, exponent, base = digits, "", 0, 10
    else:
        text = written.strip().translate(_SUPERSCRIPTS)
        match = _PRINTED.fullmatch(text) if len(text) <= MAX_PRINTED_LENGTH else None
        unit = match.group("unit") if match else ""
        if match is None or unit not in _UNITS:
            raise ValueError(
                _(
                    "{got} is not a number as papers print them (e.g. 3.8e9, 3.8×10^9, "
                    "569 M, 4.2M, 340,908)"
                ).format(got=show_value(written))
            )
        mantissa = match.group("mantissa").replace(",", "")
        fraction = match.group("fraction") or ""
        power = match.group("e") or match.group("power")
        exponent = int(power) if power else 0
        base = 10
        if unit:
            if binary and _UNITS[unit] in (3, 6, 9, 12):
                base = 1024 ** (_UNITS[unit] // 3)
            else:
                exponent += _UNITS[unit]
    scale = Fraction(10) ** exponent * (base if base != 10 else 1)
    value = Fraction(int(mantissa + fraction)) / 10 ** len(fraction) * scale
    last = Fraction(1, 10 ** len(fraction)) * scale
    if significant is not None:
        whole = len(mantissa.lstrip("0")) or 1
        if significant < whole:  # trailing zeros of the mantissa are not significant
            last = Fraction(10) ** (whole - significant) * scale
    return PrintedNumber(text=text, value=value, half_unit=last / 2)


def _printed(value: object) -> str | int:
    if isinstance(value, str):
        try:
            printed_number(value)  # the digits must read; significant and binary only scale them
        except ValueError as error:
            raise PydanticCustomError(
                "cnncalc_value", "{message}", {"message": str(error)}
            ) from None
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise PydanticCustomError(
            "cnncalc_value",
            _("expected the number as printed, as a string ('3.8e9', '569 M'), got {got}"),
            {"got": show_value(value)},
        )
    if isinstance(value, float):  # YAML read 3.8e9 as a float: the text is what counts
        raise PydanticCustomError(
            "cnncalc_value",
            _("write the number as printed in quotes ('{got}'), so that its digits are kept"),
            {"got": repr(value)},
        )
    return value


Printed: TypeAlias = Annotated[
    str | int | list[int],
    BeforeValidator(lambda v: v if isinstance(v, list) else _printed(v)),
]
"""A published value: the number as printed (a string or an exact integer), or a shape."""


def _layers(value: object) -> object:
    if (isinstance(value, str) and value) or (
        isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
    ):
        return value
    raise PydanticCustomError(
        "cnncalc_value",
        _("expected a layer's name, 'total' or a non-empty list of names, got {got}"),
        {"got": show_value(value)},
    )


Layers: TypeAlias = Annotated[
    str | list[str],
    BeforeValidator(
        _layers,
        json_schema_input_type=Annotated[str, Field(min_length=1)]
        | Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)],
    ),
]
"""What a published number counts: one name, or several whose counts are summed."""

PUBLISHED_METRICS = (
    "output_shape", "trainable_params", "non_trainable_params", "params", "buffers", "macs",
    "flops", "neurons", "connections",
)  # fmt: skip
"""What a published number may be: the metrics ``expect`` knows, and PyTorch's buffers."""


class Published(BaseModel):
    """A number a paper (or a framework's documentation) prints, with where it is printed.

    ``cnncalc check`` compares it with cnncalc's exact count at its printed
    precision; ``differs`` says why a number does not agree (an erratum, another
    convention, an unstated detail), and then the check requires that it still
    does not (an explanation that no longer holds is an error too).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    layer: Layers = Field(
        default="total",
        description="What the number counts: 'total', a layer, a block instance (the sum "
        "of its layers, as --depth folds them) or a list of them (their sum).",
    )
    metric: str = Field(
        description="The quantity: output_shape, trainable_params, non_trainable_params, "
        "params, buffers, macs (a paper's 'multiply-adds'), flops (under 'convention'), "
        "neurons or connections."
    )
    value: Printed = Field(
        description="The number as printed, in quotes: '3.8e9', '3.8×10^9', '569 M', "
        "'4.2M', '60 million', '340,908'; an integer in the YAML is exact; a shape is a list."
    )
    significant: int | None = Field(
        default=None,
        ge=1,
        le=40,
        description="Significant digits, where trailing zeros are not ('650,000': 2).",
    )
    binary: StrictBool = Field(
        default=False, description="K, M, G are 1,024, 1,024², 1,024³ (not 10³, 10⁶, 10⁹)."
    )
    bound: Literal["below", "above"] | None = Field(
        default=None,
        description="The number is a bound, not a rounding: 'below' (\"less than 25 million\": "
        "the count is under it) or 'above' (\"more than 40M\").",
    )
    convention: Convention | None = Field(
        default=None, description="The FLOP convention of a flops number (default: the spec's)."
    )
    source: str = Field(
        min_length=1,
        description="Where the number is printed: 'He et al. 2016, Table 1', "
        "'torchvision docs, ResNet50_Weights'.",
    )
    note: str | None = Field(default=None, description="What the number means, how it is read.")
    differs: str | None = Field(
        default=None,
        description="Why cnncalc's exact count does not round to it (an erratum, another "
        "convention or variant, an unstated detail), with the evidence.",
    )
    compare: list[str] = Field(
        default_factory=list,
        description="Other built-in models whose count of the same quantity is shown beside "
        "it (the exact count under each variant or convention).",
    )

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in PUBLISHED_METRICS:
            from cnncalc.spec.fields import suggest

            raise PydanticCustomError(
                "cnncalc_value",
                _("unknown metric {got}{hint}; expected one of {names}"),
                {
                    "got": show_value(value),
                    "hint": suggest(value, list(PUBLISHED_METRICS)),
                    "names": ", ".join(PUBLISHED_METRICS),
                },
            )
        return value

    @model_validator(mode="after")
    def _readable(self) -> Published:
        if self.metric == "output_shape":
            if not isinstance(self.value, list):
                raise PydanticCustomError(
                    "cnncalc_value", _("an output shape is a list of sizes, channels first"), {}
                )
            return self
        if isinstance(self.value, list):
            raise PydanticCustomError(
                "cnncalc_value",
                _("a list is an output shape; {metric} is one number"),
                {"metric": self.metric},
            )
        try:
            self.printed()
        except ValueError as error:
            message = {"message": str(error)}
            raise PydanticCustomError("cnncalc_value", "{message}", message) from None
        return self

    def printed(self) -> PrintedNumber:
        """The value as the interval it stands for."""
        if isinstance(self.value, list):
            raise ValueError("an output shape is not a number")
        return printed_number(self.value, self.significant, self.binary)

    @property
    def layers(self) -> list[str]:
        """The layers (or block instances, or ``total``) whose counts are summed."""
        return [self.layer] if isinstance(self.layer, str) else list(self.layer)
