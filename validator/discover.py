"""Which files are specs: expanding directories, and a cheap sniff for the pytest
plugin; and where the repository a run works in starts (:func:`repository_root`).

A file named on the command line is always taken as a spec (and refused with
a located message if it is not one); in a directory, only ``.yaml``/``.yml``
files that look like specs are taken, so a folder may also hold other YAML.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from .errors import Location, UsageError

SUFFIXES = (".yaml", ".yml")
_SNIFF_BYTES = 64 * 1024
_VERSION = re.compile(r"^version:\s*1\s*(?:#.*)?$", re.MULTILINE)
_SECTION = re.compile(r"^(?:tables|state_machines|criteria):", re.MULTILINE)
_SKIPPED_DIRS = frozenset((".git", ".hg", ".venv", "venv", "node_modules", "__pycache__"))


def looks_like_spec(path: Path) -> bool:
    """Whether ``path`` is a YAML file with ``version: 1`` and a section of checks
    at the top level (read from its first 64 KiB; unreadable files are not specs)."""
    if path.suffix not in SUFFIXES:
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    return bool(_VERSION.search(head) and _SECTION.search(head))


def _walk(directory: Path) -> list[Path]:
    found: list[Path] = []
    for child in sorted(directory.iterdir()):
        if child.is_dir():
            if child.name not in _SKIPPED_DIRS and not child.name.startswith("."):
                found.extend(_walk(child))
        elif looks_like_spec(child):
            found.append(child)
    return found


def expand(paths: list[Path]) -> list[Path]:
    """The spec files named by ``paths``: files as given, directories searched
    recursively (sorted; hidden and virtual-environment folders skipped)."""
    specs: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = _walk(path)
            if not found:
                raise UsageError.at(Location(str(path)), "no spec files in this directory")
            specs.extend(found)
        else:
            specs.append(path)
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
