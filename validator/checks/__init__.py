"""The check kinds, in report order; each yields results and never prints.

A new kind is one module keeping the contract of :class:`~validator.checks.base.Kind`
and one entry here.
"""

from __future__ import annotations

from . import criteria, invariants, machines, tables
from .base import Context, Kind

KINDS: tuple[Kind, ...] = (tables, machines, criteria, invariants)

__all__ = ["KINDS", "Context", "Kind"]
