"""The check kinds, in report order; each yields results and never prints.

A new kind is one module keeping the contract of :class:`~validator.checks.base.Kind`
and one entry here.
"""

from __future__ import annotations

from . import audit, criteria, invariants, machines, migrations, tables
from .base import Context, Kind

KINDS: tuple[Kind, ...] = (migrations, tables, machines, criteria, invariants, audit)

__all__ = ["KINDS", "Context", "Kind"]
