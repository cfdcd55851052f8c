"""Files the CLI writes: report files (atomically, after the run) and debug dumps.

``--report FORMAT:PATH`` targets are checked before any work, so a typo in a
path costs nothing; the file is then written to a temporary name in the same
directory and renamed over the target, so a reader never sees half a report.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Location, UsageError


@dataclass(frozen=True)
class Target:
    """Where to write one report format."""

    format: str
    path: Path


def parse_target(text: str, formats: tuple[str, ...]) -> Target:
    """``"junit:out/report.xml"`` -> Target, checking the format and the directory."""
    where = Location(f"--report {text}")
    name, colon, path = text.partition(":")
    if not colon or not path:
        raise UsageError.at(where, "expected FORMAT:PATH, e.g. junit:report.xml")
    if name not in formats:
        raise UsageError.at(where, f"unknown format {name!r} (formats: {', '.join(formats)})")
    target = Path(path)
    directory = target.parent
    if target.is_dir():
        raise UsageError.at(where, f"{path} is a directory, expected a file path")
    if not directory.is_dir():
        raise UsageError.at(where, f"directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError.at(where, f"directory {directory} is not writable")
    return Target(name, target)


def _mode(path: Path) -> int:
    """The permissions a report at ``path`` gets: those of the file it replaces,
    else what the umask gives a new file (``mkstemp`` alone would give 0600)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    import tempfile  # only report files need it

    mode = _mode(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(temporary).unlink()
        raise


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class Dumper:
    """Writes each criterion's final database state to ``DIR/SPEC/CHECK.sql``."""

    def __init__(self, root: Path, spec_name: str) -> None:
        self.directory = root / _UNSAFE.sub("_", spec_name)

    def __call__(self, check_id: str, sql: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomic(self.directory / f"{_UNSAFE.sub('_', check_id)}.sql", sql)


class FailureStore:
    """Writes every row breaking a rule to ``DIR/SPEC/CHECK.csv`` (``--store-failures``),
    one row at a time: memory stays bounded however many rows there are."""

    def __init__(self, root: Path, spec_name: str) -> None:
        self.directory = root / _UNSAFE.sub("_", spec_name)

    def __call__(self, check_id: str, rows: Iterator[tuple[Any, ...]]) -> None:
        import csv  # only --store-failures needs it

        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{_UNSAFE.sub('_', check_id)}.csv"
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            for row in rows:
                writer.writerow(_cell(value) for value in row)


def _cell(value: Any) -> Any:
    """A value as a CSV cell: NULL empty, a BLOB as hex."""
    if value is None:
        return ""
    return value.hex() if isinstance(value, bytes) else value
