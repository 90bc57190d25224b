"""Hostile values the generators draw from: numbers, names, formulas and option values.

Each list targets a family of inputs that once ended in an internal error, a
wrong answer or a hang: integers of thousands of digits (past Python's 4,300-digit
``int``/``str`` limit), formulas whose value explodes within the 200-character
formula limit, symbols that can be zero or negative, Unicode digits that
``str.isdigit`` accepts and ``int`` refuses, names that carry terminal escapes,
line breaks, Markdown or CSV syntax, XML-invalid characters or a million characters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

HUGE_DIGITS = 5000
"""Past ``sys.get_int_max_str_digits()`` (4,300): ``int(text)`` and ``str(value)`` raise."""

NUMBER_TOKENS: list[str] = [
    "0", "-0", "1", "-1", "2", "3", "-5", "00", "017", "0x10", "0o17", "0b101", "1_000",
    "+3", "1.5", "1e3", "1e400", ".nan", ".inf", "-.inf", ".NaN", "2147483648",
    "9223372036854775808", "-9223372036854775809", "9" * 50, "-" + "9" * 50,
    "9" * 4000, "9" * HUGE_DIGITS, "0x" + "f" * 4000, "0o" + "7" * 5000,
    "-" + "9" * HUGE_DIGITS, "1" + "0" * 400, "true", "null", "~", "[]", "{}",
    "'³²'", "'٣٢'", "'３２'", "'𝟑𝟐'", "'½'", "'Ⅻ'", "'1e3'", "'0x10'",
]  # fmt: skip
"""Number tokens as YAML text: zero, negative, huge (thousands of digits, hex, octal),
floats, NaN and infinities, and strings of Unicode digits."""

UNICODE_DIGITS = ["³²", "٣٢", "３２", "𝟑𝟐", "²", "½", "Ⅻ", "߃", "፫"]
"""Text ``str.isdigit`` (or ``isdecimal``, ``isnumeric``) may accept that ``int`` may refuse."""

SIZE_VALUES: list[object] = [
    -1, 0, 1, 2, 3, 5, 7, 10**30, -(10**30), 2**63, 10**4000, 1.5, float("nan"),
    float("inf"), True, False, None, "", "n", "k", "-n", "n - n", "0*n", "2*k + 1", "n//2",
    "n / 2", "n - 100", "k**9", "k**8", "((2**8)**8)**8", "(n**8)**8", "n % 2", "(", "1e3",
    "__import__('os').system('true')", "same", "valid", "relu", "lenet5", "full", "input",
    "in", "total", "yes", "0x10", "017", "³²", "٣٢", "x" * 300, [], [1], [0, 0], [-1, 2],
    [3, 3, 3], [[1, 2], [3, 4]], [[-1, 0], [0, 0]], {}, {"a": 1},
]  # fmt: skip
"""Values a careless or hostile spec might hold where a size was expected."""

HOSTILE_NAMES: list[str] = [
    "\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\x1b]8;;http://example.invalid\x1b\\link\x1b]8;;\x1b\\",
    "\x9b2J", "a\nb", "a\r\nb", "a\rb", "a\u2028b", "a|b", "a\\|b", "a`b`", "*x*", "$x$",
    "=1+1", "+1", "-1", "@SUM(A1)", "=cmd|' /C calc'!A0", "\t=1", " =1", "a,b", 'a"b', "a'b",
    "<x-fuzz>", "</script><x-fuzz>", "<script>alert(1)</script>", "a&b", "&lt;", "]]>",
    "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9f",
    "\ufffe", "\uffff", "\ud800", "\u202eevil", "\u200b", "e\u0301", "😀", "模型",
    "input", "in", "total", "x", " ", "a.b.c", "a..b", ".", "-", "x" * 1000,
]  # fmt: skip
"""Layer and network names that test every output format's escaping."""


@dataclass(frozen=True)
class Sizes:
    """How large the generators' large inputs get.

    The long run draws the full sizes (:data:`FULL`) under its per-case time
    limit, so a quadratic cost shows up as a slow case. CI has no time limit
    (no wall-clock assertions), so it draws :data:`SMALL` ones, at which even a
    quadratic cost stays within seconds.
    """

    long_name: str
    """A name to stay linear in."""
    copies: tuple[int, ...]
    """How many times a Keras layer is repeated."""
    repeats: tuple[int, ...]
    """``repeat:`` counts for blocks (the expansion limit is 200,000 layers)."""
    chains: tuple[int, ...]
    """Lengths of merge-key chains."""
    nesting: tuple[int, ...]
    """How deep a Keras model is nested in itself, and JSON lists in a Keras config."""


FULL = Sizes("n" * 1_000_000, (100, 5000, 50_000), (200_000, 200_001, 1_000_000, 3000),
             (3, 20, 200, 2000), (2, 30, 200, 100_000))  # fmt: skip
SMALL = Sizes("n" * 20_000, (100, 1000), (300, 3000), (3, 20, 200), (2, 30, 2000))

sizes = FULL
"""The sizes in force; ``tests/test_fuzz.py`` switches to :data:`SMALL`."""

SYMBOLS = ["n", "k", "m", "w", "s", "p"]
"""Size symbols the formula grammar uses."""

EXPLODING_FORMULAS = [
    "((2**8)**8)**8", "(((2**8)**8)**8)**8", "2**8**8", "(n**8)**8", "((n**8)**8)**8",
    "(((n*n)**8)**8)**8", "((k+1)**8)**8*n", "9" * 190, "(" * 90 + "n" + ")" * 90,
    "n" + "*n" * 99, "-n", "n - n", "0*n", "n//(n - n)", "n - n - 1", "-(n**8)",
    "n**0", "n**-1", "n % 2", "n / 2", "n@n", "n if n else n", "n.real", "__import__",
]  # fmt: skip
"""Formulas whose value explodes, divides by zero, can be zero or negative, or is not one."""


def formula(rng: random.Random, depth: int = 0) -> str:
    """A random formula of symbols and integers with ``+ - * // **`` (and parentheses).

    Exponents are drawn up to 9, one past the limit, and nested powers make
    values of hundreds of digits within 200 characters.
    """
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice([*SYMBOLS, str(rng.choice([0, 1, 2, 3, 8, 32, 224, 10**20]))])
    if roll < 0.4:
        return f"({formula(rng, depth + 1)})"
    if roll < 0.5:
        return f"-{formula(rng, depth + 1)}"
    if roll < 0.65:
        return f"({formula(rng, depth + 1)})**{rng.choice([0, 1, 2, 8, 9])}"
    operator = rng.choice([" + ", " - ", "*", "//", " - "])
    return f"{formula(rng, depth + 1)}{operator}{formula(rng, depth + 1)}"


def size_formula(rng: random.Random) -> str:
    """A formula for a size field: from the grammar, or one of the known exploding ones."""
    return rng.choice(EXPLODING_FORMULAS) if rng.random() < 0.4 else formula(rng)


def hostile_name(rng: random.Random) -> str:
    """A hostile name, now and then wrapped in plain text or repeated."""
    name = rng.choice(HOSTILE_NAMES)
    roll = rng.random()
    if roll < 0.2:
        return f"layer{name}end"
    if roll < 0.25:
        return name * rng.choice([2, 100])
    return name


SUBS_VALUES = [
    "n=32,k=5", "n=5", "n=32", "k=5", "n=³²", "n=٣٢", "n=３２", "n=0", "n=-1", "n=",
    "n=" + "9" * HUGE_DIGITS, "n=" + "9" * 40, "n=1e3", "n=0x10", "=5", "n=5,n=6",
    " n = 5 ", "n=32,k=5,", "ñ=3", "x=1", "n=32;k=5", "n==5", "n=5,k=³", "w=2,s=1,p=1,m=3",
    "n=1,k=1", "n=2,k=9", "__class__=1",
]  # fmt: skip
"""``--subs`` values: good ones, Unicode digits, zero, negative, huge, malformed."""

RANGE_VALUES = [
    "1:40", "1:4096", "1:1", "5:1", "0:5", "-1:5", "1:", ":5", "1:2:3", "³:²", "1:³²",
    "1:٣٢", "٣:٩", "1:" + "9" * HUGE_DIGITS, "1:" + "9" * 30, "1:10000000", " 1:5", "x",
]  # fmt: skip
"""``solve --range`` values, good and bad."""

GRID_VALUES = [
    "", ";", "n", "n=", "=3", "n=1::0", "n=³²", "n=٣", "n=1e999", "n=1/0", "n=1:2:3:4",
    "n=" + "9" * HUGE_DIGITS, "n=1:" + "9" * 30, "n=1:1000000000", "a=1:1000; b=1:1001",
    "n=-5", "n=0.5", "n=1/3", "n=1,1", "\x1b[2J=3", "n=32; n=64", "n=5:1", "k=1:3; n=28:40",
]  # fmt: skip
"""``sweep --grid`` values, good and bad."""

DEPTH_VALUES = ["1", "2", "0", "-1", "3", "9" * 30, "٣", "³", "x"]
"""``--depth`` values; argparse's ``int`` accepts the Arabic-Indic ``٣`` and refuses ``³``."""

MAX_SPEC_BYTES_VALUES = [
    "0", "1", "10", "-1", "abc", "", " 100 ", "1e3", "0x10", "9" * 40, "9" * HUGE_DIGITS,
    "³²", "٣٢", "100000000",
]  # fmt: skip
"""``CNNCALC_MAX_SPEC_BYTES``: out of range, not a number, Unicode digits."""

CONDITIONS = [
    "total.params > 0", "total.params >= 60000", "total.params == 60000", "total.macs < 10**9",
    "C1.output_shape[1] == 28", "C1.output_shape[1] >= 6 and total.params < 100000",
    "total.params > " + "9" * HUGE_DIGITS, "total.params > 10**" + "9" * 10,
    "total.params > ((2**8)**8)**8", "total.params", "", "and", "total.params > -1",
    "C1.output_shape[99] == 1", "C1.output_shape[-1] == 1", "nope.params > 1",
    "total.nope > 1", "__import__('os').system('true')", "total.params > ³²",
    "total.params > 1 or total.params < 1", "(total.params > 1)", "total.params ≥ 1",
]  # fmt: skip
"""``solve`` conditions: good ones, huge numbers, unknown names, code, Unicode digits."""
