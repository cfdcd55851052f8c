"""Migrations: each script given with ``--migrate`` is a check that it applies.

The scripts are applied in order when the database under test is opened (see
:mod:`validator.runner`), before any other check runs; this kind reports
what applying them found. A migration that cannot apply (a syntax error, a
constraint the existing rows break) fails at its line, with the rows that
break it where they can be told; the ones after it are not applied.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..errors import Location
from ..model import Spec
from ..results import CheckResult, Planned, Section
from .base import Context, Migration, Target, one_each

SECTION: Section = "migrations"
units = one_each


def check_id(migration: Migration) -> str:
    return f"migration-{migration.name}"


def plan(_spec: Spec, target: Target) -> list[Planned]:
    """One check per migration, in the order they apply."""
    return [
        Planned(
            SECTION,
            check_id(migration),
            f"migration {migration.name} applies",
            Location(migration.shown, 1, 1),
            detail=migration,
        )
        for migration in target.migrations
    ]


def check(_spec: Spec, unit: Sequence[Planned], context: Context) -> Iterator[CheckResult]:
    for planned in unit:
        yield planned.judge(context.migrated.get(planned.id, []))
