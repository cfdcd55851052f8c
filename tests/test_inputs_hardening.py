"""How validator reads its inputs: special files, spec folders, huge specs, odd values.

Every test here failed before the fix it pins (issue 8): a FIFO that blocked the
run, a symlink loop that multiplied the walk, an unreadable folder that gave a
traceback, loading that was quadratic in the size of the spec, references and
integers that crashed, problems reported at the wrong node.
"""

from __future__ import annotations

import math
import os
import socket
import sqlite3
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

from validator import discover, files, load_spec, loader, sqltext, templates, validate
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


# -- loading is linear in the size of the spec ---------------------------------------

_HEAD = "version: 1\nname: big\nschema: schema.sql\n"
_OPERATION = (
    "operations:\n  op:\n    params: [a]\n    defaults: {b: 1}\n"
    "    sql: INSERT INTO items (name) VALUES (:a)\n    returns: {one: SELECT 1}\n"
)


def _params(n: int) -> str:
    names = ", ".join(f"p{i}" for i in range(n))
    args = ", ".join(f"p{i}: {i}" for i in range(n))
    return (
        f"{_HEAD}operations:\n  op:\n    params: [{names}]\n    sql: SELECT 1\n"
        f"fixtures:\n  f: {{call: op, with: {{{args}}}}}\n"
        "criteria:\n  - {id: 1, title: t, given: [f], steps: [{call: op, with: {"
        f"{args}}}, raises: check}}]}}\n"
    )


def _defaults_and_calls(n: int) -> str:
    defaults = ", ".join(f"p{i}: 1" for i in range(n))
    calls = "".join(f"  f{i}: {{call: op, with: {{p{i}: 2}}}}\n" for i in range(n))
    return (
        f"{_HEAD}operations:\n  op:\n    defaults: {{{defaults}}}\n    sql: SELECT 1\n"
        f"fixtures:\n{calls}tables: {{items: {{}}}}\n"
    )


def _fixture_chain(n: int, *, shared: bool) -> str:
    """n fixtures, each given the one before; n criteria, each given the last
    fixture (``shared``) or each its own (so n closures of every size)."""
    chain = "".join(
        f"  f{i}: {{given: [f{i - 1}], call: op, with: {{a: '${{f{i - 1}.a}}'}}}}\n"
        for i in range(1, n)
    )
    criteria = "".join(
        f"  - {{id: c{i}, title: t, given: [f{n - 1 if shared else i}], "
        f"steps: [{{call: op, with: {{a: '${{f0.a}}'}}, raises: check}}]}}\n"
        for i in range(n)
    )
    fixtures = f"fixtures:\n  f0: {{call: op, with: {{a: 1}}}}\n{chain}"
    return f"{_HEAD}{_OPERATION}{fixtures}criteria:\n{criteria}"


def _machine(n: int, *, star: bool) -> str:
    states = [f"s{i}" for i in range(n)]
    if star:  # every state a terminal target of s0, stamped
        moves = f"      s0: [{', '.join(states[1:])}]\n"
        terminal = ", ".join(states[1:])
        extra = f"    terminal: [{terminal}]\n    timestamps: {{x: terminal, y: [{terminal}]}}\n"
    else:  # a chain s0 -> s1 -> ... -> sN
        moves = "".join(f"      s{i}: [s{i + 1}]\n" for i in range(n - 1))
        extra = f"    terminal: [s{n - 1}]\n"
    return (
        f"{_HEAD}{_OPERATION}state_machines:\n  m:\n    table: items\n    column: name\n"
        f"    states: [{', '.join(states)}]\n    initial: s0\n    transitions:\n{moves}{extra}"
        "    create: {call: op, with: {a: 1}}\n    move: {call: op, with: {a: '${to}'}}\n"
    )


def _criteria(n: int) -> str:
    criteria = "".join(
        f"  - {{id: {i + 1}, title: t, steps: [{{call: op, with: {{a: 1}}, as: r}}], "
        "expect: {r: {type: object, required: [x]}}}\n"
        for i in range(n)
    )
    return f"{_HEAD}{_OPERATION}criteria:\n{criteria}"


def _columns_and_keys(n: int) -> str:
    columns = "".join(f"      c{i}: {{type: TEXT, references: items.c{i}}}\n" for i in range(n))
    keys = "".join(f"      - [c{i}, c{i + 1}]\n" for i in range(n - 1))
    return f"{_HEAD}tables:\n  items:\n    columns:\n{columns}    unique:\n{keys}"


def _expectation(n: int) -> str:
    names = ", ".join(f"k{i}" for i in range(n))
    properties = "".join(f"          k{i}: {{const: '${{r.k{i}}}'}}\n" for i in range(n))
    return (
        f"{_HEAD}{_OPERATION}criteria:\n  - id: 1\n    title: t\n"
        "    steps: [{call: op, with: {a: 1}, as: r}]\n    expect:\n      r:\n"
        f"        type: object\n        required: [{names}]\n        properties:\n{properties}"
    )


def _steps(n: int) -> str:
    steps = "".join(
        f"      - {{call: op, with: {{a: ['${{r{i - 1}.x}}', '${{r{i - 1}.y}}']}}, as: r{i}}}\n"
        for i in range(1, n)
    )
    first = "      - {call: op, with: {a: 1}, as: r0}\n"
    return (
        f"{_HEAD}{_OPERATION}criteria:\n  - id: 1\n    title: t\n    steps:\n"
        f"{first}{steps}    expect: {{r0: {{type: object}}}}\n"
    )


def _statements(n: int) -> str:
    folded = "".join(f"SELECT {i}; " for i in range(n))
    return f'{_HEAD}operations:\n  op:\n    sql: "{folded}"\ntables: {{items: {{}}}}\n'


SHAPES = {
    "params": _params,
    "defaults-and-calls": _defaults_and_calls,
    "fixture-chain": lambda n: _fixture_chain(n, shared=False),
    "shared-fixture-chain": lambda n: _fixture_chain(n, shared=True),
    "machine-chain": lambda n: _machine(n, star=False),
    "machine-star": lambda n: _machine(n, star=True),
    "criteria": _criteria,
    "columns-and-keys": _columns_and_keys,
    "expectation": _expectation,
    "steps": _steps,
    "statements": _statements,
}


def _work(path: Path) -> int:
    """How many Python lines (and calls) loading ``path`` executes: a measure of
    work that does not depend on the machine, unlike time."""
    events = 0

    def count(*_: Any) -> Any:
        nonlocal events
        events += 1
        return count

    sys.settrace(count)
    try:
        load_spec(path)
    finally:
        sys.settrace(None)
    return events


@pytest.mark.parametrize("shape", SHAPES)
def test_loading_is_linear_in_the_size_of_the_spec(shape: str, tmp_path: Path) -> None:
    """Doubling a spec must double the work of loading it, not quadruple it
    (a quadratic step made a 20,000-parameter operation take two minutes)."""
    (tmp_path / "schema.sql").write_text(SCHEMA_SQL, "utf-8")
    work = []
    for n in (0, 150, 300, 600):  # the first load (n = 0) only warms the caches
        path = tmp_path / f"{shape}-{n}.yaml"
        path.write_text(SHAPES[shape](max(n, 150)), "utf-8")
        work.append(_work(path))
    growth = (work[3] - work[2]) / (work[2] - work[1])
    assert growth < 2.5, f"doubling the spec multiplied the added work by {growth:.2f}"


def test_splitting_a_trigger_asks_sqlite_about_each_character_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite's completeness test was asked again at every ';' of a trigger body,
    each time about the whole body so far: quadratic in the body's length."""
    body = "".join(f"  INSERT INTO log VALUES ({i});\n" for i in range(3000))
    trigger = f"CREATE TRIGGER t AFTER INSERT ON items BEGIN\n{body}END;\n"
    text = "CREATE TABLE log (n);\n" + trigger + "SELECT 1; SELECT 'a;b';\n" * 500
    asked = 0
    complete = sqlite3.complete_statement

    def counted(piece: str) -> bool:
        nonlocal asked
        asked += len(piece)
        return complete(piece)

    monkeypatch.setattr(sqlite3, "complete_statement", counted)
    statements = sqltext.split(text)
    assert len(statements) == 2 + 1000
    assert statements[1].sql == trigger.strip()
    assert [s.line for s in statements[:4]] == [0, 1, 3003, 3003]
    assert asked <= 2 * len(text)


def test_split_keeps_a_trigger_whole_whatever_end_means_inside_it() -> None:
    trigger = (
        "CREATE TEMP TRIGGER t AFTER INSERT ON items BEGIN\n"
        "  SELECT CASE WHEN 1 THEN 2 END;\n"
        "  SELECT 'END;' ; -- END;\n"
        '  /* ; END ; */ SELECT "end" ;\n'
        "end ;"
    )
    statements = sqltext.split(trigger + "\nSELECT 1;")
    assert [s.sql for s in statements] == [trigger, "SELECT 1;"]


def test_statements_on_one_line_are_located_each_at_its_own_column(tmp_path: Path) -> None:
    """Statement N of a quoted or folded SQL string was searched from the
    string's start, so equal statements were all placed at the first one."""
    text = (
        f'{_HEAD}operations:\n  op:\n    sql: "SELECT :a; SELECT :a; SELECT :b"\n'
        "tables: {items: {}}\n"
    )
    path = tmp_path / "spec.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    undeclared = "which is not declared in params, defaults or optional (declared: none)"
    assert [str(problem) for problem in raised.value.problems] == [
        f"{path}:6:10: operation 'op' uses :a, {undeclared}",
        f"{path}:6:22: operation 'op' uses :a, {undeclared}",
        f"{path}:6:33: operation 'op' uses :b, {undeclared}",
    ]


def test_locating_statements_that_are_not_in_the_text_is_linear(tmp_path: Path) -> None:
    """Escaped statements (``\\x53ELECT``) are not found as written: each search
    went on to the end of the file. 20,000 of them must load in a moment (the
    quadratic search took a minute here; this test asserts no time)."""
    statements = "\\x53ELECT 1; " * 20_000
    text = f'{_HEAD}operations:\n  op:\n    sql: "{statements}"\ntables: {{items: {{}}}}\n'
    text += "# filler\n" * 10_000
    path = tmp_path / "spec.yaml"
    path.write_text(text, "utf-8")
    spec = load_spec(path)
    located = spec.operations["op"].statements
    assert len(located) == 20_000
    assert {sql.location.line for sql in located} == {6}


# -- numbers and references that crashed the run ----------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e400", "number 1e400 is too large for a 64-bit float; write .inf if infinity is meant"),
        (
            "-1e400",
            "number -1e400 is too large for a 64-bit float; write -.inf if infinity is meant",
        ),
        (
            "!!float 1" + "0" * 400,
            "number 1" + "0" * 29 + "\u2026 is too large for a 64-bit float; "
            "write .inf if infinity is meant",
        ),
    ],
)
def test_numbers_too_large_for_a_float_are_refused(text: str, message: str) -> None:
    """A plain one is refused by the format check (where no string is expected),
    a ``!!float`` one by the loader."""
    try:
        document = loader.load_text(f"{_HEAD}tables: {{t: {{}}}}\nx:\n  b: {text}\n", "x.yaml")
    except SpecError as exc:
        problems = exc.problems
    else:
        problems = validate.format_problems(document)
    assert f"x.yaml:6:6: {message}" in [str(problem) for problem in problems]


def test_a_number_too_large_for_a_float_keeps_its_text_where_a_string_is_expected(
    tmp_path: Path,
) -> None:
    (tmp_path / "schema.sql").write_text(SCHEMA_SQL, "utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text(f"{_HEAD}title: 1e400\ntables: {{items: {{}}}}\n", "utf-8")
    assert load_spec(path).title == "1e400"


def test_infinity_written_as_such_is_kept() -> None:
    document = loader.load_text("a: [.inf, -.inf, !!float .inf, 1e308]\n", "x.yaml")
    assert document.data == {"a": [math.inf, -math.inf, math.inf, 1e308]}


@pytest.mark.parametrize("part", ["\u00b2", "\u0663", "0" * 4999 + "1", "9" * 19])
def test_a_reference_never_crashes_on_an_odd_index(part: str) -> None:
    """``int()`` refuses ``²`` and more than 4,300 digits: a lookup fails cleanly."""
    scope = templates.Scope(templates.Clock(), {"rows": [{"name": "a"}, {"name": "b"}]})
    with pytest.raises(templates.TemplateError, match=r"rows has 2 item\(s\), no \["):
        scope.lookup(f"rows.{part}.name")
    assert scope.lookup("rows.01.name") == "b"


def test_messages_list_at_most_twenty_names(tmp_path: Path) -> None:
    """Each problem listed every bound or defined name: a typo in each of n
    references among n fixtures printed n * n names."""
    n = 100
    fixtures = "".join(f"  f{i}: {{call: op, with: {{a: {i}}}}}\n" for i in range(n))
    given = ", ".join(f"f{i}" for i in range(n))
    criteria = "".join(
        f"  - {{id: c{i}, title: t, given: [{given}], "
        f"steps: [{{call: op, with: {{a: '${{nope{i}.a}}'}}, raises: check}}, "
        f"{{call: nop{i}}}, {{call: op, with: {{a: 1, z{i}: 2}}, raises: check}}]}}\n"
        for i in range(n)
    )
    path = tmp_path / "spec.yaml"
    path.write_text(f"{_HEAD}{_OPERATION}fixtures:\n{fixtures}criteria:\n{criteria}", "utf-8")
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    problems = [problem.message for problem in raised.value.problems]
    assert len(problems) == 3 * n
    assert max(len(message) for message in problems) < 300
    # The first fixtures in the spec's order (and the generators), sorted.
    assert problems[0] == (
        "${nope0.a}: 'nope0' is not bound here (bound: f0, f1, f10, f11, f12, f13, f14, f15, "
        "f16, f17, f18, f19, f2, f20, f3, f4, f5, f6, f7, f8 and 83 more)"
    )
    assert problems[1] == ("unknown operation 'nop0' (defined: op)")
