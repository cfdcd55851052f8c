"""Opening the user's input files: regular files only, never blocking, bounded reads.

A path named as a spec, a schema or a database may be anything: a FIFO (whose
``open`` blocks until a writer comes, forever), a terminal, a socket, a device
whose mere opening does something (a tape that rewinds, a watchdog that starts).
So a path is looked at first, and anything but a regular file is refused
without being opened; then it is opened without blocking and the *opened*
descriptor is checked again, so a path swapped for a FIFO in between (a
stat/open race) is refused too; then it is read up to a limit.

Every refusal raises the caller's :class:`~validator.errors.ValidatorError`
subclass, located at the name the user gave: ``spec.yaml: is a FIFO, expected a
spec file (a regular file)``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from .errors import Location, ValidatorError

REGULAR = "a regular file"

_KINDS = (
    (stat.S_ISDIR, "directory"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISLNK, "symbolic link"),
)

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)  # a terminal never becomes our controlling terminal
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def kind(mode: int) -> str:
    """What a file of ``mode`` is, in words (``"FIFO"``, ``"regular file"``, ...)."""
    if stat.S_ISREG(mode):
        return "regular file"
    for test, name in _KINDS:
        if test(mode):
            return name
    return "special file"


def _refusal(mode: int, what: str) -> str:
    expected = what if what == REGULAR else f"{what} ({REGULAR})"
    return f"is a {kind(mode)}, expected {expected}"


def open_regular(
    path: Path, name: str, error: type[ValidatorError], what: str = REGULAR
) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file (a symbolic
    link to one is fine); otherwise ``error`` located at ``name``, saying what
    was found and that ``what`` was expected."""
    where = Location(name)
    try:
        # Looked at first, so that a device or FIFO is refused without being opened.
        before = path.stat()
        if not stat.S_ISREG(before.st_mode):
            raise error.at(where, _refusal(before.st_mode, what))
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise error.at(where, "no such file") from None
    except OSError as exc:
        raise error.at(where, f"cannot read: {exc.strerror or exc}") from None
    try:
        # What counts is the file actually opened: the path may have changed since.
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error.at(where, _refusal(mode, what))
        _blocking(fd)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _blocking(fd: int) -> None:
    """Regular files ignore O_NONBLOCK; clear it anyway so the descriptor is ordinary."""
    if hasattr(os, "get_blocking"):
        os.set_blocking(fd, True)


def read_regular(
    path: Path,
    name: str,
    error: type[ValidatorError],
    limit: int | None,
    what: str = REGULAR,
) -> bytes:
    """The bytes of the regular file ``path`` (see :func:`open_regular`), refusing
    one larger than ``limit`` bytes (``None``: no limit) without reading it all."""
    with open_regular(path, name, error, what) as handle:
        try:
            raw = handle.read() if limit is None else handle.read(limit + 1)
        except OSError as exc:
            raise error.at(Location(name), f"cannot read: {exc.strerror or exc}") from None
    if limit is not None and len(raw) > limit:
        raise error.at(Location(name), f"file is larger than {limit} bytes")
    return raw
