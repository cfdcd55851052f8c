"""Source locations and the exceptions that mean "could not run".

Failing checks are values (see :mod:`validator.results`); the exceptions here
are for input the engine cannot use at all: a spec that does not parse or
breaks the format, a schema that does not apply, a file that is missing.
Every one carries the place it came from when there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file; ``line`` and ``column`` are 1-based, 0 means unknown."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, at one place."""

    location: Location
    message: str

    def __str__(self) -> str:
        # One line per problem, whatever the message quotes (a multi-line CHECK).
        return f"{self.location}: {_one_line(self.message)}"


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text.strip())


class ValidatorError(Exception):
    """Base of every error that means the run could not happen (exit status 2)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, location: Location, message: str) -> Self:
        return cls([Problem(location, message)])


class SpecError(ValidatorError):
    """The spec file is unreadable, is not YAML, or breaks the spec format."""


class SchemaError(ValidatorError):
    """The SQL schema (or database) the spec is checked against is unusable."""


class UsageError(ValidatorError):
    """The command line asks for something that cannot be done."""
