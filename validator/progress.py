"""Progress of a long run, on one line of a terminal, never in logs.

This module owns the status line ``validator: [2/5] spec/orders.yaml  120/552
checks`` that long runs (many specs, a big state machine, a large audit, and
``validator mutate``) redraw in place on standard error. It is shown only
where a person watches: standard error is a terminal, ``TERM`` is not
``dumb``, ``CI`` is not set (CI runners may give a terminal, and their logs
keep every redraw), and the run is not ``-q``. It never goes to standard
output, so no report format ever holds it, and it is erased before anything
else is written.

Only the thread that made a :class:`Progress` may call it: the checks run in a
worker thread, and the runner reports their count from the calling thread
(``run(progress=...)``), so the line needs no lock.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Mapping
from typing import TextIO

from .reports.escape import visible

INTERVAL = 0.1
"""Seconds between two redraws at most (a redraw per check would flood a slow terminal)."""


def wanted(stream: TextIO | None, environ: Mapping[str, str], quiet: bool) -> bool:
    """Whether a status line belongs on ``stream``: a terminal a person watches."""
    if quiet or stream is None:
        return False
    if environ.get("CI", "").lower() not in ("", "0", "false"):
        return False
    if environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


class Progress:
    """A status line on ``stream`` (nothing at all when not ``enabled``)."""

    def __init__(self, stream: TextIO | None, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled and stream is not None
        self.owner = threading.get_ident()
        self.prefix = ""
        self.shown = False
        self.last = 0.0

    def stage(self, text: str) -> None:
        """Start a stage (a spec): its text stays in front of the counts."""
        self.prefix = visible(text)
        self._draw(self.prefix, force=True)

    def count(self, done: int, total: int) -> None:
        """``done`` of ``total`` checks of the current stage."""
        self._draw(f"{self.prefix}  {done}/{total} checks", force=done == total)

    def clear(self) -> None:
        """Erase the line, so that what comes next starts on a clean one."""
        if self.shown:
            self._write("\r\x1b[K")
            self.shown = False

    def _draw(self, text: str, *, force: bool) -> None:
        if not self.enabled:
            return
        assert threading.get_ident() == self.owner, "progress is drawn by its own thread"
        now = time.monotonic()
        if not force and now - self.last < INTERVAL:
            return
        self.last = now
        width = max(shutil.get_terminal_size().columns - 1, 20)
        line = f"validator: {text}"
        if len(line) > width:
            line = line[: width - 3] + "..."
        self._write(f"\r{line}\x1b[K")
        self.shown = True

    def _write(self, text: str) -> None:
        stream = self.stream
        if stream is None:
            return
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):  # a terminal that went away: stop drawing
            self.enabled = False


def for_terminal(stream: TextIO | None, quiet: bool) -> Progress:
    """A :class:`Progress` on ``stream`` that shows only if :func:`wanted`."""
    return Progress(stream, wanted(stream, os.environ, quiet))
