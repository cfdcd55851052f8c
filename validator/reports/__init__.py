"""Reporters: ``render(report) -> str`` functions in a name -> function registry.

Reporters never print or write files; the CLI does.
"""

from __future__ import annotations

from collections.abc import Callable

from ..results import Report
from . import json_report, text

Renderer = Callable[[Report], str]

REPORTERS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
}


def render(name: str, report: Report) -> str:
    """Render ``report`` in the format ``name`` (a key of :data:`REPORTERS`)."""
    return REPORTERS[name](report)
