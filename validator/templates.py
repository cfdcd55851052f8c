"""``${...}`` references inside spec values, and the generated values.

A reference names a bound result and a path into it (``${task.id}``,
``${rows.0.status}``) or a generator (``${uuid}``, ``${now_ms}``, ``${now}``).
A string that is exactly one reference takes the referenced value with its
type (a number stays a number, null stays null); a reference inside a longer
string is formatted into it. ``$${`` writes a literal ``${``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

_REFERENCE = re.compile(r"\$\$\{|\$\{([^{}]*)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class TemplateError(Exception):
    """A reference that cannot be resolved; the message says which and why."""


class Clock:
    """Generated values for one run: ``now_ms`` strictly increases within it,
    so two rows made in the same millisecond still get distinct stamps."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._last_ms = 0

    def now_ms(self) -> int:
        value = max(int(self._now() * 1000), self._last_ms + 1)
        self._last_ms = value
        return value

    def now(self) -> str:
        return datetime.fromtimestamp(self._now(), UTC).strftime("%Y-%m-%d %H:%M:%S")

    def generators(self) -> dict[str, Callable[[], Any]]:
        return {"uuid": uuid4, "now_ms": self.now_ms, "now": self.now}


def uuid4() -> str:
    """A random (version 4) UUID, as ``str(uuid.uuid4())`` writes it: the same
    16 random bytes with the same version and variant bits, without importing
    :mod:`uuid` (which imports :mod:`platform`: 1% of a run)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # variant RFC 4122
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


GENERATORS = frozenset(("uuid", "now_ms", "now"))
"""Names of the built-in generators; bindings may not use them."""


@lru_cache(maxsize=4096)
def _parts(reference: str) -> tuple[str, ...] | None:
    parts = tuple(reference.strip().split("."))
    if not _NAME.match(parts[0]) or any(not part for part in parts[1:]):
        return None
    return parts


def split_reference(reference: str) -> list[str]:
    """``"task.id"`` -> ``["task", "id"]``; raises on a malformed reference."""
    parts = _parts(reference)
    if parts is None:
        raise TemplateError(f"malformed reference ${{{reference}}}")
    return list(parts)


Piece = str | tuple[str]
"""A piece of a template: literal text, or a one-element tuple naming a reference."""


@lru_cache(maxsize=4096)
def _pieces(text: str) -> tuple[Piece, ...]:
    """``"a ${x.y} b"`` -> ``("a ", ("x.y",), " b")``; ``$${`` is the text ``${``."""
    pieces: list[Piece] = []
    last = 0
    for match in _REFERENCE.finditer(text):
        pieces.append(text[last : match.start()])
        pieces.append("${" if match.group(1) is None else (match.group(1),))
        last = match.end()
    pieces.append(text[last:])
    return tuple(piece for piece in pieces if piece != "")


Where = tuple[str | int, ...]
"""A path into a value: mapping keys and list indexes."""


def references(value: Any, where: Where = ()) -> Iterator[tuple[Where, str]]:
    """Every reference inside ``value``, as (path of the string holding it, the
    reference's text), in document order; ``where`` is the path of ``value``."""
    if isinstance(value, str):
        if "$" not in value:  # most strings: nothing to look for
            return
        for match in _REFERENCE.finditer(value):
            if match.group(1) is not None:
                yield where, match.group(1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from references(item, (*where, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from references(item, (*where, key))


MAX_INDEX_DIGITS = 18
"""An index has at most this many digits (a list of 10^18 items cannot exist,
and longer numbers would meet Python's limit on converting digits)."""


def index_problem(part: str) -> str | None:
    """Why ``part`` of a reference cannot be what it looks like, a list index:
    digits other than ASCII ``0-9`` (``²``, which ``int`` refuses) or too many
    of them. None for every other part (a field name, or a usable index)."""
    if not part.isdigit():
        return None
    if not part.isascii():
        return f"{part!r} is not written in ASCII digits (0-9), so it cannot be an index"
    if len(part) > MAX_INDEX_DIGITS:
        return (
            f"index {shorten(part)!r} has {len(part)} digits; "
            f"an index has at most {MAX_INDEX_DIGITS}"
        )
    return None


def shorten(text: str, limit: int = 40) -> str:
    """``text``, with its middle left out if it is longer than ``limit``."""
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return f"{text[:half]}\u2026{text[-half:]}"


def _index(part: str) -> int | None:
    """``part`` as a list index, if it is one (ASCII digits, not too many)."""
    if part.isascii() and part.isdigit() and len(part) <= MAX_INDEX_DIGITS:
        return int(part)
    return None


class Scope:
    """Bound results of a check plus the run's generators."""

    def __init__(self, clock: Clock, bindings: Mapping[str, Any] | None = None) -> None:
        self._clock = clock
        self._generators = clock.generators()
        self.bindings: dict[str, Any] = dict(bindings or {})

    def with_bindings(self, extra: Mapping[str, Any]) -> Scope:
        """A new scope: these bindings and ``extra`` on top (this one is unchanged)."""
        return Scope(self._clock, {**self.bindings, **extra})

    def lookup(self, reference: str) -> Any:
        parts = _parts(reference)
        if parts is None:
            raise TemplateError(f"malformed reference ${{{reference}}}")
        head = parts[0]
        if head in self._generators and len(parts) == 1:
            return self._generators[head]()
        if head not in self.bindings:
            raise TemplateError(f"${{{reference}}}: nothing is bound to {head!r}")
        value = self.bindings[head]
        walked = head
        for part in parts[1:]:
            value = _step(value, part, walked, reference)
            walked += "." + part
        return value

    def resolve(self, value: Any) -> Any:
        """``value`` with every reference replaced."""
        if isinstance(value, str):
            return self._resolve_text(value)
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        return value

    def _resolve_text(self, text: str) -> Any:
        if "$" not in text:
            return text
        pieces = _pieces(text)
        if len(pieces) == 1 and isinstance(pieces[0], tuple):
            return self.lookup(pieces[0][0])  # the whole text: keep the value's type
        resolved = []
        for piece in pieces:
            if isinstance(piece, str):
                resolved.append(piece)
            else:
                found = self.lookup(piece[0])
                resolved.append("" if found is None else str(found))
        return "".join(resolved)


def _step(value: Any, part: str, walked: str, reference: str) -> Any:
    if isinstance(value, Mapping):
        if part in value:
            return value[part]
        fields = ", ".join(sorted(value)) or "none"
        raise TemplateError(f"${{{reference}}}: {walked} has no field {part!r} (fields: {fields})")
    if isinstance(value, list):
        index = _index(part)
        if index is not None and index < len(value):
            return value[index]
        shown = f"${{{shorten(reference, 80)}}}"
        raise TemplateError(f"{shown}: {walked} has {len(value)} item(s), no [{shorten(part)}]")
    found = "null" if value is None else type(value).__name__
    raise TemplateError(f"${{{reference}}}: {walked} is {found}, not a row or list")
