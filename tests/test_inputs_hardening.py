"""How validator reads its inputs: special files, spec folders, huge specs, odd values.

Every test here failed before the fix it pins (issue 8): a FIFO that blocked the
run, a symlink loop that multiplied the walk, an unreadable folder that gave a
traceback, loading that was quadratic in the size of the spec, references and
integers that crashed, problems reported at the wrong node.
"""

from __future__ import annotations

import os
import socket
import stat
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import RunCli

from validator import discover, files, loader
from validator.errors import SchemaError, SpecError, UsageError

SCHEMA_SQL = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);\n"

SPEC = """\
version: 1
name: items
schema: schema.sql
operations:
  createItem:
    params: [name]
    defaults: {qty: 1}
    sql: INSERT INTO items (name, qty) VALUES (:name, :qty)
    returns: {one: "SELECT * FROM items WHERE id = last_insert_rowid()"}
criteria:
  - id: 1
    title: an item is stored
    steps:
      - {call: createItem, with: {name: a}, as: item}
    expect:
      item: {type: object, required: [id]}
"""


def write_spec(folder: Path, name: str = "spec.yaml", text: str = SPEC) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text(SCHEMA_SQL, "utf-8")
    path = folder / name
    path.write_text(text, "utf-8")
    return path


# -- special files never block ------------------------------------------------------


@contextmanager
def watched_fifo(path: Path) -> Iterator[threading.Event]:
    """A FIFO at ``path`` and an event set when anything opens it for reading.

    A writer thread keeps opening the FIFO: if the code under test opens it
    (the bug), the writer's open returns, the event is set, and the writer
    closes its end so that the reader sees end-of-file instead of hanging.
    The test thus never blocks, with or without the fix, and needs no sleep.
    """
    os.mkfifo(path)
    opened = threading.Event()
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            fd = os.open(path, os.O_WRONLY)  # blocks until someone opens the other end
            if not stop.is_set():
                opened.set()  # before close: a reader sees EOF only after this
            os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield opened
    finally:
        stop.set()
        release = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # lets a blocked writer return
        thread.join()
        os.close(release)


def test_fifo_named_as_spec_is_refused_without_opening_it(run_cli: RunCli, tmp_path: Path) -> None:
    fifo = tmp_path / "spec.yaml"
    with watched_fifo(fifo) as opened:
        result = run_cli(fifo)
        assert not opened.is_set(), "the FIFO was opened"
    assert (result.status, result.out) == (2, "")
    assert result.err == f"{fifo}: is a FIFO, expected a spec file (a regular file)\n"


def test_fifo_inside_a_spec_folder_is_skipped_without_opening_it(tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    with watched_fifo(tmp_path / "pipe.yaml") as opened:
        found = discover.expand([tmp_path])
        assert not opened.is_set(), "the FIFO was opened"
    assert found == [spec]


def test_fifo_is_not_a_spec_for_the_plugin(tmp_path: Path) -> None:
    with watched_fifo(tmp_path / "test_pipe.yaml") as opened:
        assert not discover.looks_like_spec(tmp_path / "test_pipe.yaml")
        assert not opened.is_set(), "the FIFO was opened"


def test_fifo_as_schema_is_refused_without_opening_it(run_cli: RunCli, tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    with watched_fifo(tmp_path / "pipe.sql") as opened:
        result = run_cli(spec, "--schema", tmp_path / "pipe.sql")
        assert not opened.is_set(), "the FIFO was opened"
    assert (result.status, result.out) == (2, "")
    expected = "is a FIFO, expected an SQL file (a regular file)"
    assert result.err == f"{tmp_path / 'pipe.sql'}: {expected}\n"


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "socket.yaml"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        yield path
    finally:
        server.close()


def test_character_device_named_as_spec_is_refused(run_cli: RunCli) -> None:
    result = run_cli("/dev/null")
    assert (result.status, result.out) == (2, "")
    assert result.err == "/dev/null: is a character device, expected a spec file (a regular file)\n"


def test_socket_named_as_spec_is_refused(run_cli: RunCli, unix_socket: Path) -> None:
    result = run_cli(unix_socket)
    assert (result.status, result.out) == (2, "")
    assert result.err == f"{unix_socket}: is a socket, expected a spec file (a regular file)\n"


def test_read_regular_refuses_special_files_with_the_given_error(
    tmp_path: Path, unix_socket: Path
) -> None:
    with pytest.raises(SchemaError) as raised:
        files.read_regular(Path("/dev/zero"), "the-db", SchemaError, limit=10)
    assert str(raised.value) == "the-db: is a character device, expected a regular file"
    with pytest.raises(UsageError, match=r"^x: is a socket, expected a report \(a regular file\)$"):
        files.open_regular(unix_socket, "x", UsageError, what="a report")
    with pytest.raises(SpecError, match=r"^d: is a directory, expected a regular file$"):
        files.open_regular(tmp_path, "d", SpecError)
    with pytest.raises(SpecError, match=r"^m: no such file$"):
        files.open_regular(tmp_path / "missing", "m", SpecError)


def test_read_regular_reads_within_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    assert files.read_regular(path, "f", SpecError, limit=5) == b"12345"
    with pytest.raises(SpecError, match=r"^f: file is larger than 4 bytes$"):
        files.read_regular(path, "f", SpecError, limit=4)
    with files.open_regular(path, "f", SpecError) as handle:
        assert handle.read() == b"12345"


def test_open_regular_checks_the_opened_file_not_only_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check that counts is made on the opened descriptor (no stat/open race):
    a path that is swapped for a FIFO between a stat and the open is still refused."""
    regular = tmp_path / "regular"
    regular.write_bytes(b"")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    real_open = os.open

    def swapped(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        # The path named a regular file when it was looked at; it is a FIFO when opened.
        if Path(path) == regular:
            assert flags & os.O_NONBLOCK, "a special file must be opened without blocking"
            return real_open(fifo, flags, *args, **kwargs)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", swapped)
    with pytest.raises(SpecError, match=r"^r: is a FIFO, expected a regular file$"):
        files.read_regular(regular, "r", SpecError, limit=10)


def test_loader_reads_through_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.sql"
    with watched_fifo(fifo) as opened:
        with pytest.raises(SchemaError, match="is a FIFO, expected an SQL file"):
            loader.read_text(fifo, "pipe.sql", SchemaError, limit=10, what="an SQL file")
        assert not opened.is_set()


# -- spec folders: loops, links, unreadable folders --------------------------------------


def test_symlink_loop_in_a_spec_folder_visits_each_directory_once(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "a")
    (tmp_path / "a" / "up").symlink_to(tmp_path, target_is_directory=True)
    assert discover.expand([tmp_path]) == [spec]


def test_two_symlink_loops_in_one_folder_do_not_explode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two links back up per folder made the old walk exponential in the path
    length; listings are counted so that a regression fails instead of hanging."""
    spec = write_spec(tmp_path / "a")
    (tmp_path / "a" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "a" / "self").symlink_to(".", target_is_directory=True)
    listings: list[str] = []

    def counted(real: Any) -> Any:
        def listing(path: Any = ".") -> Any:
            listings.append(str(path))
            assert len(listings) <= 10, f"the walk listed {listings[-1]}"
            return real(path)

        return listing

    monkeypatch.setattr(os, "scandir", counted(os.scandir))
    monkeypatch.setattr(os, "listdir", counted(os.listdir))
    assert discover.expand([tmp_path]) == [spec]
    assert len(listings) == 2  # the folder and a, once each


def test_two_links_to_one_folder_find_its_specs_once(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "a")
    (tmp_path / "b").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "c").symlink_to(tmp_path / "a", target_is_directory=True)
    assert discover.expand([tmp_path]) == [spec]


def test_deep_folders_do_not_exhaust_the_stack(tmp_path: Path) -> None:
    """The walk is iterative: 200 nested folders with only 60 frames of stack to
    spare (the recursive walk needed one or more frames per folder)."""
    deep = tmp_path
    for _ in range(200):
        deep = deep / "d"
        deep.mkdir()
    spec = write_spec(deep)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(traceback.extract_stack()) + 60)
    try:
        found = discover.expand([tmp_path])
    finally:
        sys.setrecursionlimit(limit)
    assert found == [spec]


@contextmanager
def unreadable(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``folder`` cannot be listed: by its permissions, and where they do not
    stop the process (root), by a listing that raises PermissionError."""
    folder.chmod(0)
    try:
        if os.access(folder, os.R_OK):  # root reads anyway: make the listing fail
            real_scandir, real_listdir = os.scandir, os.listdir

            def refuse(real: Any) -> Any:
                def listing(path: Any = ".") -> Any:
                    if Path(path) == folder:
                        raise PermissionError(13, "Permission denied", str(path))
                    return real(path)

                return listing

            monkeypatch.setattr(os, "scandir", refuse(real_scandir))
            monkeypatch.setattr(os, "listdir", refuse(real_listdir))
        yield
    finally:
        monkeypatch.undo()
        folder.chmod(stat.S_IRWXU)


def test_unreadable_sub_folder_is_a_located_problem(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_spec(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    with unreadable(locked, monkeypatch):
        result = run_cli(tmp_path)
    assert (result.status, result.out) == (2, "")
    assert result.err == f"{locked}: cannot read: Permission denied\n"


def test_unreadable_named_folder_is_a_located_problem(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    write_spec(locked)
    with unreadable(locked, monkeypatch):
        result = run_cli(locked)
    assert (result.status, result.out) == (2, "")
    assert result.err == f"{locked}: cannot read: Permission denied\n"


def test_unreadable_yaml_in_a_spec_folder_is_a_located_problem(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that may be a spec and cannot be read is not silently left out (a
    folder whose specs cannot all be read must not PASS)."""
    write_spec(tmp_path)
    hidden = write_spec(tmp_path, "other.yaml")
    real_open = os.open

    def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path) == hidden:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    result = run_cli(tmp_path)
    assert (result.status, result.out) == (2, "")
    assert result.err == f"{hidden}: cannot read: Permission denied\n"
