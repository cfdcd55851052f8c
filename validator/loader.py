"""YAML text -> plain data plus the source position of every node.

The loader is deliberately strict, because a spec is a contract and a typo in
it must not silently change what is checked:

* scalars resolve as in YAML 1.2's core schema, so ``on``, ``no``, ``0755``,
  ``12:30`` and ``2024-01-02`` stay strings;
* duplicate keys, non-string keys, anchors and aliases, tags other than the
  core ones and more than one document are refused;
* nesting deeper than :data:`MAX_DEPTH` and files over :data:`MAX_BYTES` are
  refused, and the text must be UTF-8 (a BOM is accepted).

Parsing is event based (libyaml when available) so that the tree is built by
this module alone, with positions recorded on the way.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from . import files
from .errors import Location, Problem, SpecError, ValidatorError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]
"""A path into the loaded data: mapping keys and sequence indexes."""

# libyaml's event parser when PyYAML was built with it, else the pure-Python one.
_Parser: Any = getattr(yaml, "CBaseLoader", None) or yaml.BaseLoader

_CORE = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


def _pack(line: int, column: int) -> int:
    """A 0-based position as one int: one small object per node, not a tuple."""
    return line << 24 | min(column, 0xFFFFFF)


def _unpack(position: int) -> tuple[int, int]:
    """The 1-based (line, column) of a packed position."""
    return (position >> 24) + 1, (position & 0xFFFFFF) + 1


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of a document starts (packed
    positions: see :meth:`at`)."""

    file: str
    text: str = ""
    values: dict[Path_, int] = field(default_factory=dict)
    keys: dict[Path_, int] = field(default_factory=dict)
    plain: dict[Path_, str] = field(default_factory=dict)
    """The text of plain scalars that resolved to a number, boolean or null, so a
    value the format wants as a string (a state named ``0755``) can have it back."""
    literal_blocks: set[Path_] = field(default_factory=set)
    """Paths of ``|`` block scalars, whose text starts on the line after the mark."""

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines, split only when a position inside a string is needed."""
        return self.text.splitlines()

    @cached_property
    def _line_starts(self) -> list[int]:
        """The offset in :attr:`text` where each of :attr:`lines` starts."""
        # Summed in C: a Python loop over the lines of a 1 MiB spec took 40 ms.
        return list(itertools.accumulate(map(len, self.text.splitlines(keepends=True)), initial=0))

    def _offset(self, where: Location) -> int:
        starts = self._line_starts
        line = min(max(where.line, 1), len(starts)) - 1
        return min(starts[line] + max(where.column, 1) - 1, len(self.text))

    def _location(self, offset: int) -> Location:
        line = bisect.bisect_right(self._line_starts, offset)
        return Location(self.file, line, offset - self._line_starts[line - 1] + 1)

    def text_line(self, path: Path_, offset: int) -> Location:
        """Where line ``offset`` (0-based) of the string at ``path`` starts in the
        file: in a ``|`` block the lines are the file's; in any other style YAML
        may have folded them, so the string's own start is given."""
        start = self.at(path)
        if path not in self.literal_blocks:
            return start
        line = start.line + 1 + offset
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Location(self.file, line, len(text) - len(text.lstrip()) + 1)

    def statement_locations(self, path: Path_, statements: list[tuple[int, str]]) -> list[Location]:
        """Where each statement, given as (0-based line within the string at
        ``path``, text), starts in the file.

        In a ``|`` block the lines are the file's. In any other style the first
        statement is placed at the string itself, and since YAML may
        have folded lines and expanded escapes, so each statement's first words
        are looked for, in order: after the previous statement's text (a
        statement takes at least as much source as text), and within a window
        proportional to the two statements' length, so that statements written
        in a way that cannot be found (``\\x53ELECT``) cost no more than their
        length. A statement not found is placed at the previous one.
        """
        if path in self.literal_blocks:
            return [self.text_line(path, line) for line, _ in statements]
        located: list[Location] = []
        lower = self._offset(self.at(path))  # no statement starts before this
        previous = ""
        for sql in (text for _, text in statements):
            words = sql.split()[:2]
            begin = lower + len(previous)
            end = begin + 16 * (len(previous) + len(sql)) + 256
            pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
            found = pattern.search(self.text, begin, end) if words else None
            if found is not None:
                lower = found.start()
                located.append(self._location(lower) if located else self.at(path))
            else:
                lower = begin
                located.append(located[-1] if located else self.at(path))
            previous = sql
        return located

    def at(self, path: Path_, *, key: bool = False) -> Location:
        """The location of ``path``, or of its nearest recorded ancestor."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while True:
            where = table.get(probe)
            if where is None and key:
                where = self.values.get(probe)
            if where is not None:
                return Location(self.file, *_unpack(where))
            if not probe:
                return Location(self.file, 1, 1)
            probe = probe[:-1]


@dataclass(frozen=True)
class Document:
    """A loaded YAML document: plain data and where each part of it came from."""

    data: Any
    source: SourceMap


_MAYBE_NOT_TEXT = frozenset("0123456789+-.~nNtTfF")
"""First characters of every core-schema null, boolean and number."""


def resolve_plain(text: str) -> Any:
    """Resolve an untagged plain scalar by YAML 1.2's core schema."""
    if not text:
        return None
    first = text[0]
    if first not in _MAYBE_NOT_TEXT:
        return text  # most scalars in a spec: names and words
    if first in "tTfF":  # only a boolean, or a word (title, false_start): no number
        return _BOOL.get(text, text)
    if first in "nN":  # only a null, or a word (name, notes)
        return None if _NULL.match(text) else text
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    try:
        if _INT10.match(text):
            return int(text)
        if _INT8.match(text):
            return int(text[2:], 8)
        if _INT16.match(text):
            return int(text[2:], 16)
    except ValueError:  # more digits than Python converts: keep the text
        return text
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


def overflows(text: str) -> bool:
    """Whether the plain scalar ``text`` is a finite number that resolves to
    infinity (``1e400``), which is surely not what its author meant."""
    value = resolve_plain(text) if text[:1] in _MAYBE_NOT_TEXT else None
    return isinstance(value, float) and math.isinf(value) and not _INF.match(text)


def too_large_for_a_float(text: str) -> str:
    """The message for a number written too large for a 64-bit float."""
    sign = "-" if text.lstrip().startswith("-") else ""
    shown = text if len(text) <= 40 else text[:30] + "\u2026"
    return f"number {shown} is too large for a 64-bit float; write {sign}.inf if infinity is meant"


def _float(value: int | float) -> float | None:
    """``value`` as a finite float (``!!float``), or None if it is too large."""
    try:
        number = float(value)
    except OverflowError:  # !!float 1000...0: an int too large for a float
        return None
    return None if math.isinf(number) and not math.isinf(value) else number


def read_text(
    path: Path,
    name: str,
    error: type[ValidatorError] = SpecError,
    limit: int | None = MAX_BYTES,
    what: str = "a spec file",
) -> str:
    """Read ``path`` as UTF-8 (a BOM is fine), refusing what is not a regular file
    (without blocking on a FIFO), too big or not text; problems are raised as
    ``error`` located in ``name``."""
    raw = files.read_regular(path, name, error, limit, what)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw[: exc.start].count(b"\n") + 1
        column = len(raw[line_start : exc.start].decode("utf-8", "replace")) + 1
        raise error.at(
            Location(name, line, column), f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})"
        ) from None


_NOT_YAML: re.Pattern[str] = yaml.reader.Reader.NON_PRINTABLE
"""Characters YAML 1.2 does not allow in a stream (controls, lone surrogates, U+FFFE/F).
PyYAML's own pattern for them (tab, LF, CR, U+0020-7E, U+0085, U+00A0-D7FF,
U+E000-FFFD, U+10000-10FFFF and nothing else), compiled when ``yaml`` is imported:
reused, not compiled a second time (a large Unicode class costs milliseconds)."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_characters(text: str, name: str) -> None:
    found = _NOT_YAML.search(text)
    if found is None:
        return
    start = text.rfind("\n", 0, found.start()) + 1
    where = Location(name, text.count("\n", 0, found.start()) + 1, found.start() - start + 1)
    raise SpecError.at(where, f"character U+{ord(found.group()):04X} is not allowed in YAML")


def load_text(text: str, name: str) -> Document:
    """Parse one YAML document from ``text``; ``name`` is used in locations."""
    text = text.removeprefix("\ufeff")
    _refuse_characters(text, name)
    source = SourceMap(name, text=text)
    parser = _Parser(text)
    builder = _Builder(parser, source)
    try:
        with no_collection():
            data = builder.document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
        problem = _explain_yaml(exc.problem or exc.context or "invalid YAML", text, mark)
        raise SpecError([*builder.problems, Problem(where, f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        broken = Problem(Location(name), f"invalid YAML: {exc}")
        raise SpecError([*builder.problems, broken]) from None
    finally:
        parser.dispose()
    if builder.problems:
        raise SpecError(builder.problems)
    return Document(data, source)


def _explain_yaml(problem: str, text: str, mark: Any) -> str:
    """libyaml does not say which character it could not read; name it."""
    if mark is None or "cannot start any token" not in problem or "'" in problem:
        return problem
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    char = line[mark.column] if mark.column < len(line) else ""
    if char == "\t":
        return "found a tab, which YAML does not allow for indentation; use spaces"
    return f"found character {char!r} that cannot start any token" if char else problem


@contextmanager
def no_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector. Loading a spec makes many small
    containers and no garbage, so collections would only walk them again and
    again (a tenth of the time on big specs)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def load_file(path: Path, name: str | None = None) -> Document:
    """Read and parse the spec at ``path``; ``name`` defaults to the path as given."""
    display = name if name is not None else str(path)
    return load_text(read_text(path, display), display)


_TAGGED: dict[str, type | tuple[type, ...]] = {
    "int": int,
    "float": (int, float),
    "bool": bool,
    "null": type(None),
}


def _fits(value: Any, kind: str) -> bool:
    """Whether a resolved scalar is of the core type ``kind`` (a bool is no number)."""
    return isinstance(value, _TAGGED[kind]) and (kind == "bool") == isinstance(value, bool)


def _position(event: Any) -> tuple[int, int]:
    """1-based (line, column) where ``event`` starts."""
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _short(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


class _Builder:
    """Builds plain Python data from parser events, recording positions.

    Problems that leave the tree well-formed (a duplicate key, an anchor, a
    tag, a non-string key) are collected so that all of them are reported;
    a YAML syntax error ends the parse.
    """

    def __init__(self, parser: Any, source: SourceMap) -> None:
        self._parser = parser
        self._source = source
        self.problems: list[Problem] = []

    def _note(self, event: Any, message: str) -> None:
        self.problems.append(Problem(Location(self._source.file, *_position(event)), message))

    def document(self) -> Any:
        parser = self._parser
        parser.get_event()  # StreamStart
        if parser.check_event(yaml.StreamEndEvent):
            return None
        parser.get_event()  # DocumentStart
        data = self._node((), 1)
        parser.get_event()  # DocumentEnd
        if not parser.check_event(yaml.StreamEndEvent):
            event = parser.get_event()
            self._note(event, "more than one YAML document; a spec is a single document")
        return data

    def _node(self, path: Path_, depth: int) -> Any:
        return self._given(self._parser.get_event(), path, depth)

    def _given(self, event: Any, path: Path_, depth: int) -> Any:
        """The node that starts with ``event`` (already read), built whatever it is."""
        if type(event) is yaml.ScalarEvent and not event.anchor and depth <= MAX_DEPTH:
            return self._scalar_node(event, path)  # the common case, first
        if isinstance(event, yaml.AliasEvent):
            self._note(event, f"aliases are not allowed in a spec (*{event.anchor})")
            return None
        if getattr(event, "anchor", None):
            self._note(event, f"anchors are not allowed in a spec (&{event.anchor})")
        if depth > MAX_DEPTH:
            raise SpecError(
                [
                    *self.problems,
                    Problem(self._where(event), f"nesting deeper than {MAX_DEPTH} levels"),
                ]
            )
        if isinstance(event, yaml.ScalarEvent):
            return self._scalar_node(event, path)
        mark = event.start_mark
        self._source.values[path] = _pack(mark.line, mark.column) if mark else 0
        if isinstance(event, yaml.SequenceStartEvent):
            self._check_tag(event, "seq")
            return self._tree([], path, depth)
        if isinstance(event, yaml.MappingStartEvent):
            self._check_tag(event, "map")
            return self._tree({}, path, depth)
        raise SpecError.at(self._where(event), "unexpected YAML event")  # pragma: no cover

    def _tree(self, root: list[Any] | dict[str, Any], path: Path_, depth: int) -> Any:
        """Fill ``root``, the collection at ``path`` whose start event was read,
        with everything up to its end event.

        One loop over the events with a stack of open collections: the usual
        nodes (plain keys, untagged scalars, collections without anchors) are
        handled inline, being most of a spec's events; anything else goes
        through :meth:`_given`, which reports it as the recursive reading did.
        """
        source = self._source
        values, keys, plain = source.values, source.keys, source.plain
        get = self._parser.get_event
        scalar_event, mapping_start, sequence_start = (
            yaml.ScalarEvent,
            yaml.MappingStartEvent,
            yaml.SequenceStartEvent,
        )
        maybe_not_text = _MAYBE_NOT_TEXT
        stack: list[tuple[Any, Path_, int, int]] = []
        container: Any = root
        index = 0  # of the next item, in a sequence
        while True:
            event: Any = get()
            kind = type(event)
            if type(container) is dict:
                if kind is yaml.MappingEndEvent:
                    values.pop((*path, "\0key"), None)
                    if not stack:
                        return root
                    container, path, depth, index = stack.pop()
                    continue
                if kind is scalar_event and not event.anchor and not event.tag:
                    key = text = event.value
                    if event.implicit[0] and (not text or text[0] in maybe_not_text):
                        key = resolve_plain(text)
                else:
                    key = self._given(event, (*path, "\0key"), depth + 1)
                if not isinstance(event, scalar_event):
                    self._note(event, "mapping keys must be plain strings")
                    self._node((*path, "\0key"), depth + 1)
                    continue
                if not isinstance(key, str):
                    self._note(event, f"mapping key {event.value!r} must be a string; quote it")
                    self._node((*path, "\0key"), depth + 1)
                    continue
                child = (*path, key)
                if key in container:
                    first, _ = _unpack(keys[child])
                    self._note(event, f"duplicate key {key!r} (first defined at line {first})")
                    self._node((*path, "\0key"), depth + 1)
                    continue
                mark: Any = event.start_mark
                keys[child] = mark.line << 24 | mark.column
                event = get()
                kind = type(event)
            else:
                if kind is yaml.SequenceEndEvent:
                    if not stack:
                        return root
                    container, path, depth, index = stack.pop()
                    continue
                child = (*path, index)
                index += 1
            # The value at ``child``: ``event`` is its first event.
            if depth < MAX_DEPTH and not event.anchor:  # its depth is depth + 1
                if kind is scalar_event and event.tag is None and not event.style:
                    mark = event.start_mark
                    values[child] = mark.line << 24 | mark.column
                    text = event.value
                    if not event.implicit[0]:
                        value: Any = text
                    elif text and text[0] not in maybe_not_text:
                        value = text  # most scalars in a spec: names and words
                    else:
                        value = resolve_plain(text)
                        if not isinstance(value, str):
                            plain[child] = text
                elif kind is mapping_start or kind is sequence_start:
                    mark = event.start_mark
                    values[child] = _pack(mark.line, mark.column)
                    if event.tag is not None:
                        self._check_tag(event, "map" if kind is mapping_start else "seq")
                    value = {} if kind is mapping_start else []
                    if type(container) is dict:
                        container[key] = value
                    else:
                        container.append(value)
                    stack.append((container, path, depth, index))
                    container, path, depth, index = value, child, depth + 1, 0
                    continue
                else:
                    value = self._given(event, child, depth + 1)
            else:
                value = self._given(event, child, depth + 1)
            if type(container) is dict:
                container[key] = value
            else:
                container.append(value)

    def _scalar_node(self, event: Any, path: Path_) -> Any:
        source = self._source
        mark = event.start_mark
        source.values[path] = mark.line << 24 | mark.column  # _pack, inlined: every scalar
        if event.style == "|":
            source.literal_blocks.add(path)
        value = self._scalar(event)
        if not isinstance(value, str):
            source.plain[path] = event.value
        return value

    def _where(self, event: Any) -> Location:
        return Location(self._source.file, *_position(event))

    def _check_tag(self, event: Any, kind: str) -> None:
        tag = event.tag
        if tag is not None and tag not in ("!", _CORE + kind):
            self._note(event, f"tag {_short(tag)} is not allowed in a spec")

    def _scalar(self, event: Any) -> Any:
        if event.style == '"' and _SURROGATE.search(event.value):
            # An escape such as "\uD800" (libyaml refuses it; the pure-Python parser not).
            self._note(event, "a lone surrogate is not a character; it is not allowed")
            return ""
        tag = event.tag
        plain = event.implicit[0] and not event.style  # libyaml says "", PyYAML None
        if tag in (None, "!"):
            # A plain 1e400 becomes infinity here; validate refuses it where the
            # format does not give it its text back (a state named 1e400 is fine).
            return resolve_plain(event.value) if plain else event.value
        if tag == _CORE + "str":
            return event.value
        if tag in (_CORE + "int", _CORE + "float", _CORE + "bool", _CORE + "null"):
            value = resolve_plain(event.value)
            kind = tag[len(_CORE) :]
            if not _fits(value, kind):
                self._note(event, f"{event.value!r} is not a valid !!{kind}")
                return event.value
            if kind != "float":
                return value
            number = _float(value)
            if number is None:
                self._note(event, too_large_for_a_float(event.value))
                return event.value
            return number
        self._note(event, f"tag {_short(tag)} is not allowed in a spec")
        return event.value
