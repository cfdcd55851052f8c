"""The run's private temporary folder: made without probing, removed at the end.

``tempfile.gettempdir()`` finds its folder by creating and deleting a test file
with a random name in it; a run killed between the two leaves that file behind,
next to whatever else lives in ``TMPDIR``. So the folder is chosen here from the
same environment variables, without any probe, and everything the run writes
(SQLite's own temporary files too: see :mod:`validator.database`) goes inside
one ``validator-*`` folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import Location, UsageError

PREFIX = "validator-"


def base() -> Path:
    """Where private folders are made: ``$TMPDIR``, ``$TEMP``, ``$TMP``, else ``/tmp``."""
    for variable in ("TMPDIR", "TEMP", "TMP"):
        value = os.environ.get(variable)
        if value and Path(value).is_dir():
            return Path(value)
    return Path("/tmp")


@contextmanager
def private_folder() -> Iterator[Path]:
    """A new ``validator-*`` folder (mode 0700), removed with its contents on exit."""
    import tempfile  # mkdtemp with an explicit folder does not probe

    where = base()
    try:
        folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=where))
    except OSError as exc:
        raise UsageError.at(
            Location(str(where)), f"cannot make a temporary folder: {exc.strerror or exc}"
        ) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
