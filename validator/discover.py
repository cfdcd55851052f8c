"""Which files are specs: expanding directories, and a cheap sniff for the pytest
plugin; and where the repository a run works in starts (:func:`repository_root`).

A file named on the command line is always taken as a spec (and refused with
a located message if it is not one); in a directory, only ``.yaml``/``.yml``
files that look like specs are taken, so a folder may also hold other YAML.

Walking a folder is bounded and never blocks: each real directory is visited
once (by device and inode, so symbolic-link loops and several links to one
folder cost nothing), the walk is iterative (no depth limit), special files
(FIFOs, devices, sockets) are skipped without being opened, and a folder or
YAML file that cannot be read is a located problem rather than a silent gap:
a folder whose specs cannot all be read must not pass.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

from . import files
from .errors import Location, Problem, UsageError

SUFFIXES = (".yaml", ".yml")
_SNIFF_BYTES = 64 * 1024
_VERSION = re.compile(r"^version:\s*1\s*(?:#.*)?$", re.MULTILINE)
_SECTION = re.compile(r"^(?:tables|state_machines|criteria|invariants):", re.MULTILINE)
_SKIPPED_DIRS = frozenset((".git", ".hg", ".venv", "venv", "node_modules", "__pycache__"))


def _is_spec_text(head: bytes) -> bool:
    text = head.decode("utf-8", "replace")
    return bool(_VERSION.search(text) and _SECTION.search(text))


def _sniff(path: Path) -> bool:
    """Whether the regular file ``path`` starts like a spec; UsageError when it
    cannot be read (or is no longer a regular file)."""
    with files.open_regular(path, str(path), UsageError, "a YAML file") as handle:
        try:
            head = handle.read(_SNIFF_BYTES)
        except OSError as exc:
            raise UsageError.at(Location(str(path)), f"cannot read: {exc.strerror}") from None
    return _is_spec_text(head)


def looks_like_spec(path: Path) -> bool:
    """Whether ``path`` is a YAML file with ``version: 1`` and a section of checks
    at the top level (read from its first 64 KiB). Special files are never
    opened, and unreadable files are not specs."""
    if path.suffix not in SUFFIXES:
        return False
    try:
        return _sniff(path)
    except UsageError:
        return False


class _Walk:
    """One folder's walk: the specs found and the problems met, in path order."""

    def __init__(self) -> None:
        self.found: list[Path] = []
        self.problems: list[Problem] = []
        self._seen: set[tuple[int, int]] = set()

    def run(self, root: Path) -> None:
        if not self._first_visit(root):
            return
        # Depth first, in sorted order, with a stack of listings instead of recursion.
        stack = [self._children(root)]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                continue
            folder = self._visit(child)
            if folder is not None:
                stack.append(self._children(folder))

    def _first_visit(self, directory: Path) -> bool:
        try:
            info = directory.stat()
        except OSError as exc:
            self._cannot_read(directory, exc)
            return False
        identity = (info.st_dev, info.st_ino)
        if identity in self._seen:
            return False
        self._seen.add(identity)
        return True

    def _children(self, directory: Path) -> Iterator[Path]:
        try:
            with os.scandir(directory) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as exc:
            self._cannot_read(directory, exc)
            return iter(())
        return (directory / name for name in names)

    def _visit(self, child: Path) -> Path | None:
        """Takes ``child`` if it is a spec; returns it if it is a folder to walk."""
        try:
            mode = child.stat().st_mode  # follows links: a link to a folder is walked
        except PermissionError as exc:
            self._cannot_read(child, exc)
            return None
        except OSError:
            return None  # a dangling or looping link: nothing there to check
        if stat.S_ISDIR(mode):
            hidden = child.name in _SKIPPED_DIRS or child.name.startswith(".")
            return child if not hidden and self._first_visit(child) else None
        if stat.S_ISREG(mode) and child.suffix in SUFFIXES:
            try:
                if _sniff(child):
                    self.found.append(child)
            except UsageError as exc:
                self.problems.extend(exc.problems)
        return None  # special files (FIFOs, devices, sockets) are not opened at all

    def _cannot_read(self, path: Path, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        self.problems.append(Problem(Location(str(path)), f"cannot read: {reason}"))


def expand(paths: list[Path]) -> list[Path]:
    """The spec files named by ``paths``: files as given, directories searched
    recursively (sorted; hidden and virtual-environment folders skipped).

    Raises UsageError with every folder or YAML file that could not be read,
    and for a folder with no spec in it.
    """
    specs: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            walk = _Walk()
            walk.run(path)
            problems.extend(walk.problems)
            if not walk.found and not walk.problems:
                problems.append(Problem(Location(str(path)), "no spec files in this directory"))
            specs.extend(walk.found)
        else:
            specs.append(path)
    if problems:
        raise UsageError(problems)
    unique: dict[Path, None] = {}
    for spec in specs:
        unique.setdefault(spec, None)
    return list(unique)


def repository_root(start: Path, environ: Mapping[str, str]) -> Path:
    """The top of the repository a run works in: ``GITHUB_WORKSPACE`` when set
    (the checkout of a GitHub Actions job), else the nearest folder from
    ``start`` up that holds ``.git`` (a folder, or a file in a worktree or
    submodule), else ``start`` itself."""
    workspace = environ.get("GITHUB_WORKSPACE", "")
    if workspace:
        return Path(workspace)
    for folder in (start, *start.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return start
