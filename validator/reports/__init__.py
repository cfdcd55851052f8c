"""Reporters: ``render(reports, options) -> str`` functions, one module per format.

Every reporter takes the reports of one run (one per spec, in order) and
returns the whole document; reporters never print or write files, the CLI
does.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..results import Report


@dataclass(frozen=True)
class RenderOptions:
    """How to render.

    ``color`` adds ANSI colours (text, on a terminal only);
    ``junit_testcase_location`` adds ``file``/``line`` to each JUnit
    ``<testcase>``, which GitLab reads but Jenkins' junit-10 schema refuses;
    ``root`` is the top of the repository (absolute) and ``cwd`` the folder
    the report's relative paths start from: formats read by a code host
    (github, sarif, codequality) name files from the root (:func:`from_root`);
    ``baseline`` holds the ``(spec, check id)`` of the known failures when a
    baseline is in use (sarif marks results ``new`` or ``unchanged``);
    ``quiet`` (text) shows only the checks that did not pass, and the summary.
    """

    color: bool = False
    junit_testcase_location: bool = False
    root: str | None = None
    cwd: str | None = None
    baseline: frozenset[tuple[str, str]] | None = None
    quiet: bool = False


def from_root(file: str, options: RenderOptions) -> str:
    """``file`` (as the report names it) relative to the repository root, with
    ``/`` separators; as it is when there is no root or it lies outside."""
    if options.root is None or not file:
        return file
    full = os.path.normpath(Path(options.cwd or Path.cwd()) / file)
    try:
        relative = os.path.relpath(full, options.root)
    except ValueError:  # pragma: no cover - another drive on Windows
        return file
    if relative == os.curdir or relative.startswith(os.pardir):
        return file
    return relative.replace(os.sep, "/")


Renderer = Callable[[Sequence[Report], RenderOptions], str]


_MODULES = {
    "text": "text",
    "json": "json_report",
    "junit": "junit",
    "markdown": "markdown",
    "github": "github",
    "sarif": "sarif",
    "codequality": "codequality",
}


def renderer(name: str) -> Renderer:
    """The reporter for format ``name``; its module is imported only when used."""
    module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
    function: Renderer = module.render
    return function


FORMATS = tuple(_MODULES)
"""The format names, in the order the help lists them."""


def render(name: str, reports: Sequence[Report], options: RenderOptions | None = None) -> str:
    """Render ``reports`` in the format ``name`` (one of :data:`FORMATS`)."""
    return renderer(name)(reports, options or RenderOptions())
