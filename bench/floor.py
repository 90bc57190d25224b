"""The start-up floor: the least a YAML → pydantic → rich tool can do.

Imports yaml, pydantic and rich, defines one pydantic model, validates one
object loaded from YAML and prints a one-row rich table. cnncalc's numeric CLI
is measured against this, not against ``python -c pass``: pydantic and rich
alone cost many times an empty interpreter.
"""

from __future__ import annotations

import yaml
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table


class Layer(BaseModel):
    name: str
    filters: int


layer = Layer.model_validate(yaml.safe_load("{name: conv1, filters: 96}"))
table = Table("name", "filters")
table.add_row(layer.name, str(layer.filters))
Console().print(table)
