"""Every ``keras.applications`` model through ``cnncalc import keras``, against Keras's counts.

    python bench/zoo_keras.py            # writes docs/zoo-keras.md

Needs only cnncalc: it reads the configs and Keras's numbers that
``bench/keras_applications.py`` wrote (with Keras 3.15.1) into
``tests/fixtures/keras/applications/``. Each model runs as ``cnncalc import keras
NAME.json -o NAME.yaml`` then ``cnncalc NAME.yaml --format json`` would (the
same functions, in one process): *imports* when the import succeeds, *nothing
skipped* when it leaves no layer out, *exact* when moreover its total, trainable
and non-trainable parameters equal Keras's and so does every Keras layer's
parameter count and output shape (the spec layers ``NAME`` and ``NAME.part`` of
each Keras layer summed, the last one's shape read channels last; an open size,
MobileNetV3's, a symbol). MACs are cnncalc's (``convention: macs``, the default),
with the open sizes of MobileNetV3's input at 224 (``--subs h=224,w=224``);
Keras states none to compare with.
"""

from __future__ import annotations

import datetime
import json
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnncalc.api import analyze
from cnncalc.errors import CnncalcError
from cnncalc.importers.keras_config import import_keras

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the comparison the tests make too

from tests.keras_zoo import differences  # noqa: E402

APPLICATIONS = ROOT / "tests" / "fixtures" / "keras" / "applications"
DOC = ROOT / "docs" / "zoo-keras.md"
COMMAND = "python bench/zoo_keras.py"
OPEN_SIZES = {"h": 224, "w": 224}
"""The sizes an open input (MobileNetV3's ``(None, None, 3)``) is counted at."""


@dataclass
class Row:
    name: str
    input: str
    keras_params: int
    imports: bool = False
    skipped: int = 0
    params: int | None = None
    macs: int | None = None
    layers: int = 0
    differences: tuple[str, ...] = ()
    error: str = ""
    seconds: float = 0.0

    @property
    def exact(self) -> bool:
        return self.imports and not self.skipped and not self.differences


def run(name: str, keras: dict[str, Any]) -> Row:
    shape = ", ".join("None" if size is None else str(size) for size in keras["input_shape"])
    row = Row(name, f"({shape})", keras["params"])
    start = time.perf_counter()
    try:
        imported = import_keras(str(APPLICATIONS / f"{name}.json"))
        report = analyze(imported.spec)
    except CnncalcError as error:
        row.error = str(error).replace(str(APPLICATIONS) + "/", "")
        return row
    row.seconds = time.perf_counter() - start
    row.imports, row.skipped = True, len(imported.skipped)
    row.differences = tuple(differences(keras, report))
    counted = report.subs(OPEN_SIZES) if report.symbols else report
    row.params, row.macs = int(counted.totals.params), int(counted.totals.macs)
    row.layers = len(report.layers)
    return row


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| model | input (Keras) | imports | nothing skipped | exact | parameters (Keras) | "
        "parameters (cnncalc) | MACs (cnncalc) | spec layers |",
        "|:--|:--|:-:|:-:|:-:|--:|--:|--:|--:|",
    ]
    for row in rows:
        yes = {True: "yes", False: "**no**"}
        params = f"{row.params:,}" if row.params is not None else "–"
        macs = f"{row.macs:,}" if row.macs is not None else "–"
        lines.append(
            f"| {row.name} | {row.input} | {yes[row.imports]} | "
            f"{yes[row.imports and not row.skipped]} | {yes[row.exact]} | {row.keras_params:,} | "
            f"{params} | {macs} | {row.layers or '–'} |"
        )
    return lines


def report_text(rows: list[Row], version: str) -> str:
    tried = len(rows)
    imports = sum(row.imports for row in rows)
    clean = sum(row.imports and not row.skipped for row in rows)
    exact = sum(row.exact for row in rows)
    today = datetime.date.today().isoformat()
    lines = [
        "# keras.applications through `cnncalc import keras`",
        "",
        "Generated, not written by hand: from the repository's root,",
        "",
        "```sh",
        COMMAND,
        "```",
        "",
        f"Last run: Keras {version} configs, Python {platform.python_version()}, {today}. "
        "The configs and Keras's own counts are made by `bench/keras_applications.py` (it "
        "needs Keras; its docstring says how) and kept in `tests/fixtures/keras/applications/`, "
        "which `tests/importers/test_keras_applications.py` checks on every run.",
        "",
        "Each model is built with `weights=None`, `include_top=True` and its default input, "
        "saved with `model.to_json()` and imported by `cnncalc import keras`. *exact*: "
        "nothing skipped, the total, trainable and non-trainable parameters equal Keras's "
        "(`count_params()`, `trainable_weights`, `non_trainable_weights`), and so does every "
        "Keras layer's parameter count and output shape. MACs are cnncalc's (convention "
        "`macs`); Keras publishes none to compare with. MobileNetV3 leaves its input's height "
        "and width open (`None`): cnncalc keeps them as symbols, counted here at 224×224.",
        "",
        "## Totals",
        "",
        "| tried | imports | imports, nothing skipped | exact |",
        "|--:|--:|--:|--:|",
        f"| {tried} | {imports} | {clean} | {exact} |",
        "",
        "## Models",
        "",
        *table(rows),
        "",
    ]
    failing = [row for row in rows if not row.exact]
    if failing:
        lines += ["## Why models do not import exactly", ""]
        for row in failing:
            why = row.error or "; ".join(row.differences[:3]) or f"{row.skipped} layers skipped"
            lines.append(f"- **{row.name}**: {why}")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    reference = json.loads((APPLICATIONS / "reference.json").read_text())
    rows = [run(name, keras) for name, keras in sorted(reference["models"].items())]
    DOC.write_text(report_text(rows, reference["keras_version"]))
    exact = sum(row.exact for row in rows)
    imports = sum(row.imports for row in rows)
    seconds = sum(row.seconds for row in rows)
    print(f"{len(rows)} models: {imports} import, {exact} exact ({seconds:.1f} s); wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
