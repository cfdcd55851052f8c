"""Which specs a change touches, for the pre-commit hook (``--only-specs``).

The hook passes the files a commit changes. A changed spec is run by itself;
a changed file that is not a spec may be one that specs *use*, and then every
spec that uses it must run too: a commit that only breaks ``schema.sql`` must
not pass as "Skipped". The files a spec uses are listed by :func:`used_by`
(today its ``schema:``; migrations, when the format has them, belong there
too). The specs are searched from a root folder (the working directory: where
pre-commit runs, the repository's top) the way folders named on the command
line are searched (:func:`validator.discover.expand`: hidden and
virtual-environment folders skipped).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import loader
from .discover import expand
from .errors import ValidatorError
from .outputs import Identity


def used_by(spec: Path) -> list[Path]:
    """The files the spec at ``spec`` reads besides itself: its ``schema``,
    relative to the spec's folder. A spec that cannot be read uses nothing
    (when it is changed, its own run says what is wrong with it)."""
    try:
        data = loader.load_file(spec).data
    except ValidatorError:
        return []
    schema = data.get("schema") if isinstance(data, dict) else None
    return [spec.parent / schema] if isinstance(schema, str) and schema else []


def _identities(paths: Sequence[Path]) -> tuple[set[str], set[tuple[int, int]]]:
    reals, inodes = set(), set()
    for path in paths:
        identity = Identity.of(path)
        reals.add(identity.real)
        if identity.inode is not None:
            inodes.add(identity.inode)
    return reals, inodes


def affected(changed: Sequence[Path], root: Path, schema: Path | None = None) -> list[Path]:
    """The specs under ``root`` that use one of the ``changed`` files, in the
    order the search finds them. ``schema`` is ``--schema``: when given, every
    spec uses it (and no schema of its own)."""
    if not changed:
        return []
    reals, inodes = _identities(changed)

    def hit(path: Path) -> bool:
        identity = Identity.of(path)
        return identity.real in reals or (identity.inode is not None and identity.inode in inodes)

    try:
        specs = expand([root])
    except ValidatorError:  # no spec in the folder at all
        return []
    if schema is not None:
        return specs if hit(schema) else []
    return [spec for spec in specs if any(hit(used) for used in used_by(spec))]
