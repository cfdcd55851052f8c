"""Reporters: ``render(reports, options) -> str`` functions in a name -> function registry.

Every reporter takes the reports of one run (one per spec, in order) and
returns the whole document; reporters never print or write files, the CLI
does.
"""

from __future__ import annotations

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


def _registry() -> dict[str, Renderer]:
    from . import github, json_report, junit, markdown, text

    return {
        "text": text.render,
        "json": json_report.render,
        "junit": junit.render,
        "markdown": markdown.render,
        "github": github.render,
    }


FORMATS = ("text", "json", "junit", "markdown", "github")
"""The format names, in the order the help lists them."""


def render(name: str, reports: Sequence[Report], options: RenderOptions | None = None) -> str:
    """Render ``reports`` in the format ``name`` (one of :data:`FORMATS`)."""
    return _registry()[name](reports, options or RenderOptions())
