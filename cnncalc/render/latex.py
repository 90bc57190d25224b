"""LaTeX building blocks shared by the LaTeX renderers: escaping and the document around.

Every piece of user text (layer names, network names, types) goes through
:func:`escape`, so no spec can inject a command (``\\input``, ``\\write18``) or
break the table. A document holding Chinese (the ``zh`` interface, a layer
named 卷积层, a document title in 《》) is a ``ctexart`` document for XeLaTeX;
any other is a plain ``article`` that pdfLaTeX compiles too.
"""

from __future__ import annotations

import unicodedata

SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "%": r"\%",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
"""Characters with a meaning in LaTeX text, and how to print them as themselves."""


def escape(text: str) -> str:
    """``text`` as LaTeX prints it literally; a control character as its code (``U+001B``),
    never raw."""
    out = []
    for ch in text:
        if ch in SPECIALS:
            out.append(SPECIALS[ch])
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\n\t":
            out.append(f"U+{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def needs_cjk(text: str) -> bool:
    """Whether ``text`` holds a character only a CJK font has (so XeLaTeX and ctex)."""
    return any(unicodedata.east_asian_width(ch) in "WF" for ch in text if not ch.isascii())


PACKAGES = (r"\usepackage{booktabs}", r"\usepackage{amsmath}", r"\usepackage{longtable}")


def document(body: str, *, title: str = "", landscape: bool = True) -> str:
    """A whole LaTeX document around ``body`` (already LaTeX): ``ctexart`` when anything
    in it is Chinese (compile with ``xelatex``), else ``article``; on landscape pages (a
    report's wide table) unless ``landscape`` is false (an exercise sheet)."""
    cjk = needs_cjk(body) or needs_cjk(title)
    lines = [
        "% Written by cnncalc. Compile with xelatex" + ("." if cjk else " or pdflatex."),
        r"\documentclass[UTF8]{ctexart}" if cjk else r"\documentclass{article}",
        *([] if cjk else [r"\usepackage[T1]{fontenc}", r"\usepackage{textcomp}"]),
        *PACKAGES,
        r"\usepackage[margin=2cm,landscape]{geometry}"
        if landscape
        else r"\usepackage[margin=2cm]{geometry}",
        r"\begin{document}",
        *([rf"\section*{{{escape(title)}}}"] if title else []),
        body.rstrip("\n"),
        r"\end{document}",
    ]
    return "\n".join(lines) + "\n"
