"""Reporters: ``render(reports, options) -> str`` functions, one module per format.

Every reporter takes the reports of one run (one per spec, in order) and
returns the whole document; reporters never print or write files, the CLI
does.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..results import Report


@dataclass(frozen=True)
class RenderOptions:
    """How to render.

    ``color`` adds ANSI colours (text, on a terminal only);
    ``junit_testcase_location`` adds ``file``/``line`` to each JUnit
    ``<testcase>``, which GitLab reads but Jenkins' junit-10 schema refuses.
    """

    color: bool = False
    junit_testcase_location: bool = False


Renderer = Callable[[Sequence[Report], RenderOptions], str]


_MODULES = {
    "text": "text",
    "json": "json_report",
    "junit": "junit",
    "markdown": "markdown",
    "github": "github",
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
