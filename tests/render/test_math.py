"""The formula printer: Unicode, LaTeX, ASCII, and values put in."""

from __future__ import annotations

import pytest
import sympy

from cnncalc.render.math import formula_text
from cnncalc.symbolic import symbol, unevaluated_sum

c_in, c_out, g, k_h, k_w, h_out, w_out, n, k = (
    symbol(s) for s in ["c_in", "c_out", "g", "k_h", "k_w", "h_out", "w_out", "n", "k"]
)
PARAMS = c_out * (c_in * k_h * k_w / g + 1)


@pytest.mark.parametrize(
    ("expr", "style", "text"),
    [
        (PARAMS, "unicode", "(c_in·k_h·k_w/g + 1)·c_out"),
        (PARAMS, "ascii", "(c_in*k_h*k_w/g + 1)*c_out"),
        (
            PARAMS,
            "latex",
            r"\left(\frac{c_{in} \cdot k_{h} \cdot k_{w}}{g} + 1\right) \cdot c_{out}",
        ),
        (n - k + 1, "unicode", "n − k + 1"),
        (31 - 3 * k, "unicode", "31 − 3·k"),
        (sympy.floor((n - 3) / 2) + 1, "unicode", "⌊(n − 3)/2⌋ + 1"),
        (sympy.ceiling(n / 2), "unicode", "⌈n/2⌉"),
        (6 * (n - k + 1) ** 2, "unicode", "6·(n − k + 1)²"),
        (sympy.Ge(n - 7 * k + 3, 0), "unicode", "n + 3 ≥ 7·k"),
        (sympy.Eq(sympy.Mod(c_in, g), 0), "unicode", "g divides c_in"),
    ],
)
def test_formulas(expr: sympy.Expr, style: str, text: str) -> None:
    assert formula_text(expr, style) == text  # type: ignore[arg-type]


def test_values_put_in_as_the_documents_write_them() -> None:
    values = {c_in: 1, g: 1, k_h: 5, k_w: 5, c_out: 6, h_out: 28, w_out: 28}
    assert formula_text(PARAMS * h_out * w_out, values=values) == "(5·5 + 1)·6·28·28"
    # A factor of 1, a division by 1 and a term that is 0 are left out.
    p = symbol("p")
    assert formula_text((c_in * k_h + 2 * p) / g, values={c_in: 1, k_h: 3, p: 0, g: 1}) == "3"


def test_the_paper_grouping_of_c3_is_kept() -> None:
    K = k_h * k_w
    groups = unevaluated_sum([(6, 3 * K + 1), (6, 4 * K + 1), (3, 4 * K + 1), (1, 6 * K + 1)])
    assert formula_text(groups, values={k_h: 5, k_w: 5}) == (
        "6·(3·5·5 + 1) + 6·(4·5·5 + 1) + 3·(4·5·5 + 1) + (6·5·5 + 1)"
    )
