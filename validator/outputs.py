"""Files the CLI writes (``--report`` files and ``--dump`` files) and the rules
that keep them from harming anything.

- Only a regular file is ever replaced, and atomically: the text goes to a
  temporary file beside it and is renamed over it, so a reader sees the old
  file or the new one, never half of one. A symlink is followed: its target
  is replaced (the temporary file goes beside the target) and the link stays.
- A character device (``/dev/null``, a terminal) is written as a stream; so
  is a FIFO, but only when a process is reading it (else the write would
  block forever). Directories, sockets and block devices are refused.
- ``--report`` targets are checked before any work (:func:`parse_target`);
  none may be an input of the run (:class:`Inputs`, :func:`conflicts`: a
  spec, a schema, the database and its ``-wal``/``-journal``/``-shm``) and no
  two may name the same file. Streams are opened before any work too
  (:class:`ReportFiles`), so a FIFO without a reader is refused up front.
- ``--dump DIR`` is checked before any work (:func:`check_dump`); dump files
  follow the same rules as reports.
- The step summary of a GitHub Actions job (the file ``$GITHUB_STEP_SUMMARY``
  names) is appended to, never replaced: each step adds its part
  (:func:`step_summary`, :func:`append_file`). The same rules apply to it,
  and a write that fails is cut back, so the earlier steps' text stays whole.
- Standard output that cannot be written (closed, full, a broken pipe, an
  encoding that cannot show the text) is reported on one line of standard
  error, never a traceback (:func:`write_stdout`, :func:`say`).

Two paths name the same file when their real paths (symlinks resolved) or
their ``(st_dev, st_ino)`` agree, so hard links and other spellings count.
A write that fails raises :class:`OutputError`, located at the option.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TextIO

from .errors import Location, Problem, UsageError, ValidatorError
from .reports.escape import visible

Kind = Literal["file", "device", "fifo"]
"""What a destination is: a regular file (or none yet), a character device, a FIFO."""


class OutputError(ValidatorError):
    """An output could not be written (a full disk, a reader that went away, ...)."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


# -- what a path names -----------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """How a file is recognised under any of its names: its real path, and its
    device and inode when it exists."""

    real: str
    inode: tuple[int, int] | None

    @classmethod
    def of(cls, path: Path) -> Identity:
        try:
            real = os.path.realpath(path)
        except (OSError, ValueError):  # a NUL in the name: no file has it
            return cls(str(path), None)
        try:
            info = path.stat()
        except (OSError, ValueError):
            return cls(real, None)
        return cls(real, (info.st_dev, info.st_ino))


@dataclass(frozen=True)
class Destination:
    """Where the text for ``path`` goes: the regular file ``real`` (replaced
    atomically; it need not exist yet), or a stream opened at ``path``."""

    path: Path
    real: Path
    kind: Kind

    @property
    def stream(self) -> bool:
        return self.kind != "file"


_SPECIAL = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISBLK, "a block device"),
)


def _special(mode: int) -> str:
    return next((what for test, what in _SPECIAL if test(mode)), "a special file")


def destination(path: Path, where: Location) -> Destination:
    """What writing to ``path`` means, or a :class:`UsageError` at ``where``
    saying why it must not be written."""
    try:
        info: os.stat_result | None = path.stat()  # follows symlinks
    except FileNotFoundError:
        info = None  # nothing there yet, or a link to nothing: created where the link points
    except OSError as exc:
        raise UsageError.at(where, f"cannot use {path}: {_reason(exc)}") from None
    except ValueError as exc:  # a NUL in the name
        raise UsageError.at(where, f"cannot use {path!r}: {exc}") from None
    if info is None or stat.S_ISREG(info.st_mode):
        return Destination(path, _real_file(path, info, where), "file")
    if stat.S_ISCHR(info.st_mode):
        return Destination(path, path, "device")
    if stat.S_ISFIFO(info.st_mode):
        return Destination(path, path, "fifo")
    raise UsageError.at(where, f"{path} is {_special(info.st_mode)}, expected a regular file")


def _real_file(path: Path, info: os.stat_result | None, where: Location) -> Path:
    """The regular file behind ``path`` (symlinks resolved), in a writable directory."""
    real = Path(os.path.realpath(path))
    if info is not None:
        try:
            again = real.stat()
        except OSError:
            again = None
        if again is None or (again.st_dev, again.st_ino) != (info.st_dev, info.st_ino):
            raise UsageError.at(where, f"cannot tell which file {path} is (a link to a lost file?)")
    directory = real.parent if path.is_symlink() else path.parent
    if not directory.is_dir():
        raise UsageError.at(where, f"directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError.at(where, f"directory {directory} is not writable")
    return real


# -- writing -----------------------------------------------------------------------


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (``os.write`` may write fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def open_stream(target: Destination, where: Location) -> int:
    """Open a character device or FIFO for writing, without blocking: a FIFO
    that no process reads is refused (``ENXIO``) instead of waiting for one."""
    flags = os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(target.path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO and target.kind == "fifo":
            raise UsageError.at(
                where,
                f"{target.path} is a FIFO that no process is reading; start its reader first",
            ) from None
        raise UsageError.at(where, f"cannot open {target.path}: {_reason(exc)}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):  # swapped since it was checked
            raise UsageError.at(where, f"{target.path} changed while it was checked; run again")
        os.set_blocking(fd, True)  # the reader sets the pace from here on
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_stream(fd: int, text: str | Iterable[str], where: Location) -> None:
    """Write ``text`` (or its pieces, one at a time) to an open stream and close it."""
    try:
        for piece in (text,) if isinstance(text, str) else text:
            _write_all(fd, piece.encode("utf-8"))
    except OSError as exc:
        raise OutputError.at(where, f"cannot write: {_reason(exc)}") from None
    finally:
        os.close(fd)


def _kept_attributes(path: Path) -> tuple[int, tuple[int, int] | None]:
    """The mode (and owner) a file at ``path`` gets: those of the file it
    replaces, else what the umask gives a new file (``mkstemp`` alone gives 0600)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask, None
    return info.st_mode & 0o7777, (info.st_uid, info.st_gid)


def replace_file(real: Path, text: str | Iterable[str], where: Location) -> None:
    """Write ``text`` (or its pieces, one at a time) to the regular file ``real``
    through a temporary file beside it and a rename; the old file stays whole
    if anything fails."""
    import tempfile  # only report files need it

    try:
        mode, owner = _kept_attributes(real)
        handle, temporary = tempfile.mkstemp(
            dir=real.parent, prefix=f".{real.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise OutputError.at(where, f"cannot write: {_reason(exc)}") from None
    try:
        try:
            for piece in (text,) if isinstance(text, str) else text:
                _write_all(handle, piece.encode("utf-8"))
            if owner is not None:
                with contextlib.suppress(OSError):  # only root may give a file away
                    os.fchown(handle, *owner)
            os.fchmod(handle, mode)
            os.fsync(handle)
        finally:
            os.close(handle)
        _check_still_a_file(real, where)
        Path(temporary).replace(real)
    except OSError as exc:
        _discard(temporary)
        raise OutputError.at(where, f"cannot write: {_reason(exc)}") from None
    except BaseException:
        _discard(temporary)
        raise


def append_file(real: Path, text: str, where: Location) -> None:
    """Add ``text`` at the end of the regular file ``real`` (made if missing),
    after a line break when the file has text already, so that the two stay
    apart. If the write fails, the file is cut back to its former length."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(real, flags, 0o666)
    except OSError as exc:
        raise OutputError.at(where, f"cannot write: {_reason(exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped since it was checked
            raise OutputError.at(where, f"{real} is no longer a regular file; it was left alone")
        data = ("\n" if info.st_size else "") + text
        try:
            _write_all(fd, data.encode("utf-8"))
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, info.st_size)
            raise OutputError.at(where, f"cannot write: {_reason(exc)}") from None
    finally:
        os.close(fd)


def create_file(path: Path, text: str, where: Location) -> None:
    """Write ``text`` to a new regular file at ``path``, whole or not at all, and
    never over a file that is there (even one made a moment ago): the text goes
    to a temporary file beside it, which is then hard-linked to ``path`` (a link
    fails if anything has that name) and removed. Where hard links are not
    supported, ``path`` is first made empty and exclusively, then replaced."""
    import tempfile

    try:
        mode, _ = _kept_attributes(path)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise OutputError.at(where, f"cannot write: {_reason(exc)}") from None
    try:
        try:
            _write_all(handle, text.encode("utf-8"))
            os.fchmod(handle, mode)
            os.fsync(handle)
        finally:
            os.close(handle)
        _link(Path(temporary), path, where)
    except OSError as exc:
        raise OutputError.at(where, f"cannot write: {_reason(exc)}") from None
    finally:
        _discard(temporary)


def _link(temporary: Path, path: Path, where: Location) -> None:
    exists = UsageError.at(where, f"{path} exists; it is left alone (--force replaces it)")
    try:
        os.link(temporary, path)
        return
    except FileExistsError:
        raise exists from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
    try:  # no hard links here: claim the name, then fill it
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise exists from None
    temporary.replace(path)


def _discard(temporary: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        Path(temporary).unlink()


def _check_still_a_file(real: Path, where: Location) -> None:
    """The rename must replace a regular file or nothing, whatever appeared meanwhile."""
    try:
        mode = os.lstat(real).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise OutputError.at(where, f"{real} is no longer a regular file; it was left alone")


def write_text(target: Destination, text: str | Iterable[str], where: Location) -> None:
    """Write ``text`` (or its pieces, one at a time, so that memory stays bounded)
    to ``target`` by the rules of this module."""
    if target.stream:
        write_stream(open_stream(target, where), text, where)
    else:
        replace_file(target.real, text, where)


# -- the inputs of a run -------------------------------------------------------------


class Inputs:
    """The files a run reads (or writes already), each with what it is; an output
    must not name one of them."""

    def __init__(self) -> None:
        self._by_real: dict[str, str] = {}
        self._by_inode: dict[tuple[int, int], str] = {}

    def add(self, path: Path, what: str) -> None:
        self.add_identity(Identity.of(path), what)

    def add_identity(self, identity: Identity, what: str) -> None:
        self._by_real.setdefault(identity.real, what)
        if identity.inode is not None:
            self._by_inode.setdefault(identity.inode, what)

    def add_database(self, database: Path) -> None:
        """``--db``: the database and its companions, under the name given and
        under its real path (SQLite puts them beside the real file)."""
        self.add(database, f"the database this run reads (--db {database})")
        for base in dict.fromkeys((str(database), os.path.realpath(database))):
            for suffix in ("-wal", "-journal", "-shm"):
                what = f"the {suffix} file of the database this run reads (--db {database})"
                self.add(Path(base + suffix), what)

    def find(self, identity: Identity) -> str | None:
        """What the file ``identity`` names is, if it is one of the inputs."""
        found = self._by_real.get(identity.real)
        if found is None and identity.inode is not None:
            found = self._by_inode.get(identity.inode)
        return found


def standard_output_identity() -> Identity | None:
    """Standard output, when it is a regular file: a report there would replace
    what the run prints."""
    try:
        info = os.fstat(1)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return Identity(f"/dev/fd/1 ({info.st_dev}:{info.st_ino})", (info.st_dev, info.st_ino))


# -- --report ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where to write one report format: ``--report FORMAT:PATH``; ``append``:
    added at the end of a regular file instead of replacing it."""

    format: str
    text: str
    destination: Destination
    append: bool = False

    @property
    def path(self) -> Path:
        return self.destination.path

    @property
    def where(self) -> Location:
        return Location(f"--report {self.text}")


def parse_target(text: str, formats: tuple[str, ...]) -> Target:
    """``"junit:out/report.xml"`` -> Target, checking the format and the path."""
    where = Location(f"--report {text}")
    name, colon, path = text.partition(":")
    if not colon or not path:
        raise UsageError.at(where, "expected FORMAT:PATH, e.g. junit:report.xml")
    if name not in formats:
        raise UsageError.at(where, f"unknown format {name!r} (formats: {', '.join(formats)})")
    if path.endswith(("/", os.sep)):  # Path() would drop the slash and make a file
        raise UsageError.at(where, f"{path} names a directory, expected a file path")
    return Target(name, text, destination(Path(path), where))


STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
"""The variable naming the file a GitHub Actions step appends its summary to."""


def step_summary(targets: Sequence[Target], environ: Mapping[str, str]) -> list[Target]:
    """``targets``, those naming the file of ``$GITHUB_STEP_SUMMARY`` (under any
    spelling) marked to be appended to: a step summary is added to, never replaced."""
    named = environ.get(STEP_SUMMARY, "")
    if not named:
        return list(targets)
    summary = Identity.of(Path(named))
    found = Inputs()
    found.add_identity(summary, STEP_SUMMARY)
    return [
        replace(target, append=True) if found.find(Identity.of(target.path)) else target
        for target in targets
    ]


def conflicts(targets: Sequence[Target], inputs: Inputs) -> list[Problem]:
    """A problem for each target that names an input of the run or a file an
    earlier target names already."""
    problems: list[Problem] = []
    earlier: Inputs = Inputs()
    for target in targets:
        identity = Identity.of(target.path)
        what = inputs.find(identity)
        if what is not None:
            message = f"{target.path} is {what}; choose another report path"
            problems.append(Problem(target.where, message))
        elif (first := earlier.find(identity)) is not None:
            message = f"{target.path} is also named by {first}; each report needs its own file"
            problems.append(Problem(target.where, message))
        earlier.add_identity(identity, f"--report {target.text}")
    return problems


class ReportFiles:
    """The ``--report`` targets of one run. Entering opens the streams among them
    (before any work, so a FIFO without a reader is refused at once); leaving
    closes whatever was not written."""

    def __init__(self, targets: Sequence[Target]) -> None:
        self.targets = tuple(targets)
        self._streams: dict[int, int] = {}

    def __enter__(self) -> Self:
        try:
            for index, target in enumerate(self.targets):
                if target.destination.stream:
                    self._streams[index] = open_stream(target.destination, target.where)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def write(self, index: int, text: str) -> None:
        """Write the report of target ``index``; :class:`OutputError` if it fails."""
        target = self.targets[index]
        stream = self._streams.pop(index, None)
        if stream is not None:
            write_stream(stream, text, target.where)
        elif target.append:
            append_file(target.destination.real, text, target.where)
        else:
            replace_file(target.destination.real, text, target.where)

    def close(self) -> None:
        while self._streams:
            _, fd = self._streams.popitem()
            with contextlib.suppress(OSError):
                os.close(fd)


# -- --dump ------------------------------------------------------------------------


def check_dump(root: Path, where: Location | None = None) -> None:
    """``--dump DIR``: DIR, or its nearest existing ancestor, must be a writable
    directory (checked before any work)."""
    where = where or Location(f"--dump {root}")
    probe = root
    while True:
        try:
            info = probe.stat()
            break
        except (FileNotFoundError, NotADirectoryError):
            if probe.parent == probe:
                raise UsageError.at(where, f"no directory of {root} exists") from None
            probe = probe.parent
        except OSError as exc:
            raise UsageError.at(where, f"cannot use {probe}: {_reason(exc)}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise UsageError.at(where, f"{probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError.at(where, f"directory {probe} is not writable")


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class Dumper:
    """Writes each criterion's final database state to ``DIR/SPEC/CHECK.sql``, by
    the rules of this module; never over an input of the run."""

    def __init__(self, root: Path, spec_name: str, inputs: Inputs | None = None) -> None:
        self.root = root
        self.directory = root / _UNSAFE.sub("_", spec_name)
        self.inputs = inputs or Inputs()

    @property
    def where(self) -> Location:
        return Location(f"--dump {self.root}")

    def path(self, check_id: str) -> Path:
        return self.directory / f"{_UNSAFE.sub('_', check_id)}.sql"

    def check(self, check_ids: Sequence[str]) -> None:
        """Before any work: the spec's folder, if it exists, is a writable
        directory, and each dump file of ``check_ids`` may be written."""
        if not self.directory.exists():
            check_dump(self.root, self.where)
            return
        check_dump(self.directory, self.where)
        for check_id in check_ids:
            self._destination(self.path(check_id))

    def _destination(self, path: Path) -> Destination:
        what = self.inputs.find(Identity.of(path))
        if what is not None:
            raise UsageError.at(self.where, f"{path} is {what}; it is left alone")
        return destination(path, self.where)

    def __call__(self, check_id: str, sql: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError.at(
                self.where, f"cannot make {self.directory}: {_reason(exc)}"
            ) from None
        path = self.path(check_id)
        write_text(self._destination(path), sql, self.where)


class FailureStore(Dumper):
    """Writes every row breaking a rule to ``DIR/SPEC/CHECK.csv``
    (``--store-failures``), by the rules of :class:`Dumper`, one row at a time:
    memory stays bounded however many rows there are."""

    @property
    def where(self) -> Location:
        return Location(f"--store-failures {self.root}")

    def path(self, check_id: str) -> Path:
        return self.directory / f"{_UNSAFE.sub('_', check_id)}.csv"

    def store(self, check_id: str, rows: Iterator[tuple[Any, ...]]) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError.at(
                self.where, f"cannot make {self.directory}: {_reason(exc)}"
            ) from None
        write_text(self._destination(self.path(check_id)), _csv(rows), self.where)


def _csv(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    """``rows`` as CSV lines: NULL as an empty cell, a BLOB as hex."""
    import csv  # only --store-failures needs it
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow("" if v is None else v.hex() if isinstance(v, bytes) else v for v in row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# -- standard output and standard error ----------------------------------------------


def open_standard_descriptors() -> None:
    """Put ``/dev/null`` on any of descriptors 0-2 that is closed (as git does), so
    that no file the run opens takes its number and receives what is meant for
    standard output or error. Python has already set ``sys.stdout`` (or
    ``sys.stderr``) to None for a descriptor closed at start-up."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


def _silence(stream: TextIO) -> None:
    """After ``stream`` failed, point its descriptor at ``/dev/null``, so that what
    is still buffered is dropped quietly when Python flushes it at exit (instead of
    "Exception ignored ... BrokenPipeError")."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not backed by a descriptor: nothing is flushed at exit
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def write_stdout(text: str) -> bool:
    """Write ``text`` to standard output and flush it; on failure, say why on
    standard error (nothing for a broken pipe: the reader left on purpose) and
    return False."""
    stream = sys.stdout
    if stream is None:
        say("standard output: cannot write: it is closed")
        return False
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        _silence(stream)
        return False
    except UnicodeEncodeError:
        say(
            f"standard output: cannot write: its encoding {stream.encoding} cannot show "
            "the report (set PYTHONIOENCODING=utf-8)"
        )
        return False
    except ValueError:  # "I/O operation on closed file"
        say("standard output: cannot write: it is closed")
        return False
    except OSError as exc:
        _silence(stream)
        say(f"standard output: cannot write: {_reason(exc)}")
        return False
    return True


def flush_stdout() -> bool:
    """Flush what is left on standard output (argparse's help); False if that fails."""
    stream = sys.stdout
    if stream is None:
        return True
    try:
        stream.flush()
    except (OSError, ValueError):
        _silence(stream)
        return False
    return True


def say(line: str) -> None:
    """One line on standard error, control characters made visible; nothing if
    standard error is closed or broken."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(visible(line) + "\n")
        stream.flush()
    except (OSError, ValueError):
        _silence(stream)
