"""Rows that break a rule, as every human format shows them: one line per row of
the sample (a compact JSON object), then how many more there are."""

from __future__ import annotations

import json
from typing import Any

from ..results import Rows

ROW_WIDTH = 200
"""A row's line is cut to this many characters."""


def records(rows: Rows) -> list[dict[str, Any]]:
    """The sample as JSON-ready mappings (a BLOB as hex text)."""
    return [
        {name: value.hex() if isinstance(value, bytes) else value for name, value in r.items()}
        for r in rows.records()
    ]


def row_lines(rows: Rows) -> list[str]:
    """One compact line per sampled row, and a last line for the rows not shown."""
    lines = []
    for record in records(rows):
        text = json.dumps(record, ensure_ascii=False, default=str)
        lines.append(text if len(text) <= ROW_WIDTH else text[: ROW_WIDTH - 3] + "...")
    rest = rows.count - len(rows.sample)
    if rest > 0:
        lines.append(f"... and {rest} more row{'s' if rest != 1 else ''}")
    return lines
