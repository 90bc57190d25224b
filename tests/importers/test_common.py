"""The spec an importer writes: a model's own names come back exactly, and never as YAML."""

from __future__ import annotations

import pytest

from cnncalc.importers.common import Imported
from cnncalc.importers.skipped import Skipped, verbatim
from cnncalc.spec.source import load_yaml

HOSTILE = [
    "a\x7fb",  # DEL: YAML reads it nowhere, not even quoted
    "c\x85d",  # a C1 control
    "e\u2028f",  # a line separator
    "g\x1b]0;title\x07",  # a terminal sequence
    "h\u202ei",  # a bidirectional override
    "j\U000e0001k",  # a tag character, beyond the BMP
    "l\u00a0m",  # a no-break space
    'n"o\\p',
    "卷积层1",
]


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_a_hostile_name_reads_back_exactly(name: str) -> None:
    imported = Imported({"input": [1, 8, 8], "layers": [{"name": name, "type": "relu"}]})
    assert load_yaml(imported.to_yaml(), "<import>")["layers"] == [{"name": name, "type": "relu"}]


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_a_name_in_the_header_stays_a_comment(name: str) -> None:
    imported = Imported(
        {"input": [1, 8, 8], "layers": [{"type": "relu"}]},
        skipped=[Skipped(name, "Custom", verbatim("\nlayers: [{type: relu}, {type: relu}]"))],
        comments=[f"from {name}\nname: forged"],
    )
    data = load_yaml(imported.to_yaml(), "<import>")
    assert data == {"input": [1, 8, 8], "layers": [{"type": "relu"}]}
