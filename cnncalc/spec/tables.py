"""Named connection tables."""

from __future__ import annotations

from cnncalc.ir import ConnectionTable

LENET5_C3: ConnectionTable = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)  # fmt: skip
"""LeNet-5's S2→C3 table (LeCun et al. 1998, Table I), one row per C3 map.

Maps 0-5 read three contiguous S2 maps, 6-11 four contiguous, 12-14 four
non-contiguous, and 15 all six: ``6·(3·25+1) + 6·(4·25+1) + 3·(4·25+1) + (6·25+1)
= 1,516`` trainable parameters.
"""

CONNECTION_TABLES: dict[str, ConnectionTable] = {"lenet5": LENET5_C3}
