"""Report files and dumps never harm anything: only regular files are replaced,
devices and FIFOs are written as streams (or refused), inputs of the run are
never a report's target, and --dump is checked before any work.

No test touches the machine's real /dev/null: device nodes are made with
``os.mknod`` inside ``tmp_path`` (as root), FIFOs with ``os.mkfifo`` there.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import RunCli

from validator import outputs

TINY_SPEC = """\
version: 1
name: tiny
schema: schema.sql
tables:
  t:
    columns:
      id: {type: TEXT}
"""

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="making device nodes needs root")


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A passing two-check spec and its schema in ``tmp_path`` (the working directory)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id TEXT);\n", "utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text(TINY_SPEC, "utf-8")
    return spec


def _device(path: Path, minor: int, kind: int = stat.S_IFCHR) -> Path:
    """A device node of the memory driver (major 1): minor 3 is null, 7 is full."""
    os.mknod(path, kind | 0o666, os.makedev(1, minor))
    return path


def _entries(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


# -- character devices -------------------------------------------------------------


@ROOT_ONLY
def test_character_device_is_written_as_a_stream(run_cli: RunCli, tiny: Path) -> None:
    null = _device(tiny.parent / "null", 3)
    result = run_cli(tiny, "--report", f"junit:{null}")
    assert (result.status, result.err) == (0, "")
    assert stat.S_ISCHR(os.lstat(null).st_mode), "the device was replaced by a file"
    assert os.lstat(null).st_rdev == os.makedev(1, 3)
    assert _entries(tiny.parent) == ["null", "schema.sql", "spec.yaml"]


@ROOT_ONLY
def test_full_device_is_an_output_error_and_stays_a_device(run_cli: RunCli, tiny: Path) -> None:
    full = _device(tiny.parent / "full", 7)
    kept = tiny.parent / "kept.json"
    result = run_cli(tiny, "--report", f"text:{full}", "--report", f"json:{kept}")
    assert result.status == 2
    assert result.err == f"--report text:{full}: cannot write: No space left on device\n"
    assert "PASS: 2 checks" in result.out  # standard output was written
    assert kept.read_text("utf-8").startswith("{")  # the other report too
    assert stat.S_ISCHR(os.lstat(full).st_mode)


@ROOT_ONLY
@pytest.mark.parametrize(("kind", "what"), [(stat.S_IFBLK, "a block device")])
def test_block_device_is_refused(run_cli: RunCli, tiny: Path, kind: int, what: str) -> None:
    node = _device(tiny.parent / "disk", 0, kind)
    result = run_cli(tiny, "--report", f"json:{node}")
    assert (result.status, result.out) == (2, "")
    assert result.err == f"--report json:{node}: {node} is {what}, expected a regular file\n"
    assert stat.S_ISBLK(os.lstat(node).st_mode)


# -- FIFOs -------------------------------------------------------------------------


class _Reader:
    """The read end of a FIFO, opened before the run (so a reader is there), and a
    thread that drains it until the writer closes; ``done`` is set at end of file."""

    def __init__(self, fifo: Path) -> None:
        self.fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.data = bytearray()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while True:
            # Linux reports POLLHUP only once a writer came and went: until the
            # run opens the FIFO, this blocks.
            events = poller.poll()
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            self.data.extend(chunk)
            if not chunk and any(event & select.POLLHUP for _, event in events):
                break
        self.done.set()

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def fifo(tiny: Path) -> Path:
    path = tiny.parent / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def reader(fifo: Path) -> Iterator[_Reader]:
    opened = _Reader(fifo)
    yield opened
    opened.close()


def test_fifo_with_a_reader_is_written_as_a_stream(
    run_cli: RunCli, tiny: Path, fifo: Path, reader: _Reader
) -> None:
    result = run_cli(tiny, "--report", f"json:{fifo}", "--format", "json")
    assert (result.status, result.err) == (0, "")
    assert reader.done.wait(60), "the reader never saw the end of the report"
    assert reader.data.decode("utf-8") == result.out
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _entries(tiny.parent) == ["pipe", "schema.sql", "spec.yaml"]


def test_fifo_without_a_reader_is_refused_before_any_work(
    run_cli: RunCli, tiny: Path, fifo: Path
) -> None:
    result = run_cli(tiny, "--report", f"json:{fifo}")
    assert (result.status, result.out) == (2, "")
    assert result.err == (
        f"--report json:{fifo}: {fifo} is a FIFO that no process is reading; "
        "start its reader first\n"
    )
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# -- directories, sockets, symlinks --------------------------------------------------


def test_socket_is_refused(run_cli: RunCli, tiny: Path) -> None:
    path = tiny.parent / "sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(os.path.relpath(path))  # relative: AF_UNIX paths are short
        result = run_cli(tiny, "--report", f"json:{path}")
    finally:
        server.close()
    assert (result.status, result.out) == (2, "")
    assert result.err == f"--report json:{path}: {path} is a socket, expected a regular file\n"
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_directory_is_refused(run_cli: RunCli, tiny: Path) -> None:
    result = run_cli(tiny, "--report", f"json:{tiny.parent}")
    assert (result.status, result.out) == (2, "")
    assert result.err == (
        f"--report json:{tiny.parent}: {tiny.parent} is a directory, expected a regular file\n"
    )


def test_symlink_is_followed_and_its_target_replaced(run_cli: RunCli, tiny: Path) -> None:
    real_dir, link_dir = tiny.parent / "real", tiny.parent / "links"
    real_dir.mkdir()
    link_dir.mkdir()
    target = real_dir / "report.json"
    target.write_text("old", "utf-8")
    link = link_dir / "report.json"
    link.symlink_to(target)
    result = run_cli(tiny, "--report", f"json:{link}", "--format", "json")
    assert (result.status, result.err) == (0, "")
    assert link.is_symlink(), "the link was replaced by a file"
    assert target.read_text("utf-8") == result.out
    assert (_entries(real_dir), _entries(link_dir)) == (["report.json"], ["report.json"])


def test_dangling_symlink_creates_its_target(run_cli: RunCli, tiny: Path) -> None:
    link = tiny.parent / "report.json"
    link.symlink_to("made.json")
    result = run_cli(tiny, "--report", f"text:{link}")
    assert result.status == 0, result.err
    assert link.is_symlink()
    assert (tiny.parent / "made.json").read_text("utf-8") == result.out


def test_symlink_loop_is_refused(run_cli: RunCli, tiny: Path) -> None:
    loop = tiny.parent / "loop"
    loop.symlink_to("loop")
    result = run_cli(tiny, "--report", f"json:{loop}")
    assert (result.status, result.out) == (2, "")
    assert result.err.startswith(f"--report json:{loop}: cannot use {loop}: ")
    assert "symbolic links" in result.err


@ROOT_ONLY
def test_symlink_to_a_device_is_written_as_a_stream(run_cli: RunCli, tiny: Path) -> None:
    null = _device(tiny.parent / "null", 3)
    link = tiny.parent / "out.xml"
    link.symlink_to(null)
    assert run_cli(tiny, "--report", f"junit:{link}").status == 0
    assert link.is_symlink() and stat.S_ISCHR(os.lstat(null).st_mode)


# -- inputs of the run are never a report's target ---------------------------------


def _db(path: Path) -> Path:
    import sqlite3

    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (id TEXT)")
    connection.commit()
    connection.close()
    return path


def _refused(run_cli: RunCli, spec: Path, *args: str | Path) -> str:
    result = run_cli(spec, *args)
    assert (result.status, result.out) == (2, "")
    return result.err


def test_report_over_the_database_is_refused(run_cli: RunCli, tiny: Path) -> None:
    db = _db(tiny.parent / "real.db")
    before = db.read_bytes()
    err = _refused(run_cli, tiny, "--db", db, "--report", f"json:{db}")
    assert err == (
        f"--report json:{db}: {db} is the database this run reads (--db {db}); "
        "choose another report path\n"
    )
    assert db.read_bytes() == before


@pytest.mark.parametrize("suffix", ["-wal", "-journal", "-shm"])
def test_report_over_a_database_companion_is_refused(
    run_cli: RunCli, tiny: Path, suffix: str
) -> None:
    db = _db(tiny.parent / "real.db")
    companion = Path(f"{db}{suffix}")
    err = _refused(run_cli, tiny, "--db", db, "--report", f"json:{companion}")
    assert f"{companion} is the {suffix} file of the database this run reads" in err
    assert not companion.exists()


def test_report_over_a_companion_of_a_linked_database_is_refused(
    run_cli: RunCli, tiny: Path
) -> None:
    data = tiny.parent / "data"
    data.mkdir()
    db = _db(data / "real.db")
    link = tiny.parent / "link.db"
    link.symlink_to(db)
    err = _refused(run_cli, tiny, "--db", link, "--report", f"json:{db}-wal")
    assert "-wal file of the database this run reads" in err


def test_report_over_the_spec_is_refused(run_cli: RunCli, tiny: Path) -> None:
    before = tiny.read_bytes()
    err = _refused(run_cli, tiny, "--report", f"text:{tiny}")
    assert err == (
        f"--report text:{tiny}: {tiny} is a spec this run reads; choose another report path\n"
    )
    assert tiny.read_bytes() == before


def test_report_over_a_spec_found_in_a_folder_is_refused(run_cli: RunCli, tiny: Path) -> None:
    # named through another spelling, a hard link and a symlink
    alias, link = tiny.parent / "alias.yml.bak", tiny.parent / "link.txt"
    os.link(tiny, alias)
    link.symlink_to(tiny)
    for target in (Path("./spec.yaml"), alias, link):
        err = _refused(run_cli, tiny.parent, "--report", f"text:{target}")
        assert f"{target} is a spec this run reads" in err
    assert tiny.read_text("utf-8") == TINY_SPEC


def test_report_over_the_schema_is_refused(run_cli: RunCli, tiny: Path) -> None:
    schema = tiny.parent / "schema.sql"
    err = _refused(run_cli, tiny, "--report", f"json:{schema}")
    assert err == (
        f"--report json:{schema}: {schema} is the schema of spec.yaml; choose another report path\n"
    )
    other = tiny.parent / "other.sql"
    other.write_text("CREATE TABLE t (id TEXT);\n", "utf-8")
    err = _refused(run_cli, tiny, "--schema", other, "--report", f"json:{other}")
    assert f"{other} is the schema this run applies (--schema {other})" in err
    assert other.read_text("utf-8") == "CREATE TABLE t (id TEXT);\n"


def test_two_reports_on_one_file_are_refused(run_cli: RunCli, tiny: Path) -> None:
    first = tiny.parent / "out.json"
    link = tiny.parent / "link.json"
    link.symlink_to(first)
    err = _refused(run_cli, tiny, "--report", f"json:{first}", "--report", f"text:{link}")
    assert err == (
        f"--report text:{link}: {link} is also named by --report json:{first}; "
        "each report needs its own file\n"
    )
    assert _entries(tiny.parent) == ["link.json", "schema.sql", "spec.yaml"]


def test_report_path_ending_in_a_slash_is_refused(run_cli: RunCli, tiny: Path) -> None:
    err = _refused(run_cli, tiny, "--report", "json:new/")
    assert err == "--report json:new/: new/ names a directory, expected a file path\n"


# -- output errors -------------------------------------------------------------------


def test_full_disk_for_a_report_file(
    run_cli: RunCli, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tiny.parent / "out.json"
    target.write_text("previous", "utf-8")

    def full(_fd: int, _data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outputs, "_write_all", full)
    result = run_cli(tiny, "--report", f"json:{target}")
    assert result.status == 2
    assert result.err == f"--report json:{target}: cannot write: No space left on device\n"
    assert target.read_text("utf-8") == "previous"  # the old report is kept whole
    assert _entries(tiny.parent) == ["out.json", "schema.sql", "spec.yaml"]


# -- --dump ------------------------------------------------------------------------


def test_dump_below_a_regular_file_is_refused_before_any_work(run_cli: RunCli, tiny: Path) -> None:
    notes = tiny.parent / "notes.txt"
    notes.write_text("mine", "utf-8")
    result = run_cli(tiny, "--dump", notes / "sub")
    assert (result.status, result.out) == (2, "")
    assert result.err == f"--dump {notes / 'sub'}: {notes} is not a directory\n"
    assert notes.read_text("utf-8") == "mine"


def test_dump_that_is_a_file_is_refused(run_cli: RunCli, tiny: Path) -> None:
    notes = tiny.parent / "notes.txt"
    notes.write_text("mine", "utf-8")
    result = run_cli(tiny, "--dump", notes)
    assert (result.status, result.out) == (2, "")
    assert result.err == f"--dump {notes}: {notes} is not a directory\n"


def test_dump_in_a_directory_that_is_not_writable(
    run_cli: RunCli, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tiny.parent / "locked"
    locked.mkdir(mode=0o555)
    if os.geteuid() == 0:  # root may write anywhere: answer as for another user
        real_access = os.access

        def access(path: str | os.PathLike[str], mode: int) -> bool:
            if Path(path) == locked and mode & os.W_OK:
                return False
            return real_access(path, mode)

        monkeypatch.setattr(os, "access", access)
    result = run_cli(tiny, "--dump", locked / "dumps")
    assert (result.status, result.out) == (2, "")
    assert result.err == f"--dump {locked / 'dumps'}: directory {locked} is not writable\n"


def test_dump_spec_folder_that_is_a_file_is_refused(run_cli: RunCli, tiny: Path) -> None:
    dumps = tiny.parent / "dumps"
    dumps.mkdir()
    (dumps / "tiny").write_text("mine", "utf-8")
    result = run_cli(tiny, "--dump", dumps)
    assert (result.status, result.out) == (2, "")
    assert result.err == f"--dump {dumps}: {dumps / 'tiny'} is not a directory\n"


CRITERION_SPEC = """\
version: 1
name: tiny
schema: schema.sql
operations:
  get: {sql: SELECT 1, returns: {one: SELECT 1 AS one}}
criteria:
  - id: one
    title: one row
    steps: [{call: get, as: row}]
    expect: {row: {type: object}}
"""


@pytest.fixture
def with_criterion(tiny: Path) -> Path:
    tiny.write_text(CRITERION_SPEC, "utf-8")
    return tiny


def test_dump_files_follow_the_report_rules(run_cli: RunCli, with_criterion: Path) -> None:
    dumps = with_criterion.parent / "dumps"
    assert run_cli(with_criterion, "--dump", dumps).status == 0
    dumped = dumps / "tiny" / "criterion-one.sql"
    assert dumped.read_text("utf-8").startswith("BEGIN TRANSACTION;")
    schema = with_criterion.parent / "schema.sql"
    dumped.unlink()
    dumped.symlink_to(schema)  # followed, the dump would replace the schema
    result = run_cli(with_criterion, "--dump", dumps)
    assert (result.status, result.out) == (2, "")
    assert result.err == (
        f"--dump {dumps}: {dumped} is the schema of spec.yaml; it is left alone\n"
    )
    assert schema.read_text("utf-8") == "CREATE TABLE t (id TEXT);\n"
    dumped.unlink()
    dumped.mkdir()
    result = run_cli(with_criterion, "--dump", dumps)
    assert result.err == f"--dump {dumps}: {dumped} is a directory, expected a regular file\n"


def test_dump_never_writes_over_a_report(run_cli: RunCli, with_criterion: Path) -> None:
    dumps = with_criterion.parent / "dumps"
    (dumps / "tiny").mkdir(parents=True)
    report = dumps / "tiny" / "criterion-one.sql"
    result = run_cli(with_criterion, "--dump", dumps, "--report", f"text:{report}")
    assert (result.status, result.out) == (2, "")
    assert "is the report of --report text:" in result.err
    assert not report.exists()
