"""A corpus of bad inputs: every spec in ``tests/corpus/bad/`` is refused as it declares.

Each case is one file ``tests/corpus/bad/NAME.yaml`` (plus ``NAME.sql`` when the case is
about the SQL schema; specs whose problem is elsewhere share ``ok_schema.sql``). The file
starts with comment lines that declare what the CLI must do with it; the header ends at the
first line that does not start with ``#``:

``# expect-status: N``
    The exit status (required, exactly once).
``# expect: LINE:COL: TEXT``
    A problem located in ``NAME.yaml`` itself at LINE:COL whose message contains TEXT.
``# expect: FILE:LINE:COL: TEXT``
    A problem located in FILE, a path relative to the corpus directory (``NAME.sql`` for an
    error in the schema, reported as ``NAME.sql:LINE:1``).
``# expect: FILE: TEXT``
    A problem about the whole of FILE (no line or column: a database that is
    not SQLite, a file that does not exist).
``# expect-out: TEXT``
    Standard output contains TEXT (for a run that gets as far as a report).
``# args: ARG ...``
    Further command-line arguments, split on spaces; a relative path in them is
    relative to the corpus directory (``--db not_a_db.db``).
``# xfail: REASON``
    The engine gets this case wrong today; the test is ``xfail(strict=True)``. The
    ``expect`` lines still say what the engine *should* do, never what it does.

LINE and COL are 1-based and count the header lines too. With status 2, standard error must
hold exactly the declared problems, one per line as ``PATH:LINE:COL: message``, in the
declared order (which is file order), and standard output must be empty. With any other
status, standard error must be empty. No run may print a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import RunCli

from validator import sqlite

CORPUS = Path(__file__).resolve().parent / "corpus" / "bad"
SHARED_SCHEMA = CORPUS / "ok_schema.sql"

_HEADER = re.compile(r"^#\s*(?P<key>expect-status|expect-out|expect|xfail|args):\s?(?P<value>.*)$")
_EXPECT = re.compile(r"^(?:(?P<file>[^:\s]+):)?(?P<line>[0-9]+):(?P<col>[0-9]+): (?P<text>.+)$")
_WHOLE_FILE = re.compile(r"^(?P<file>[^:\s]+): (?P<text>.+)$")
_PROBLEM = re.compile(r"^(?P<file>.+?):(?P<line>[0-9]+):(?P<col>[0-9]+): (?P<message>.*)$")
_FILE_PROBLEM = re.compile(r"^(?P<file>[^:]+): (?P<message>.*)$")


@dataclass(frozen=True)
class Problem:
    """One problem a case must produce: where it is and part of its message."""

    file: Path
    line: int
    column: int
    text: str

    def matches(self, printed: str) -> bool:
        """Whether ``printed`` (one line of stderr) is this problem."""
        if self.line == 0:
            whole = _FILE_PROBLEM.match(printed)
            return bool(
                whole
                and Path(whole["file"]).resolve() == self.file.resolve()
                and self.text in whole["message"]
            )
        found = _PROBLEM.match(printed)
        if found is None:
            return False
        return (
            Path(found["file"]).resolve() == self.file.resolve()
            and int(found["line"]) == self.line
            and int(found["col"]) == self.column
            and self.text in found["message"]
        )

    def __str__(self) -> str:
        return f"{self.file.name}:{self.line}:{self.column}: ...{self.text}..."


@dataclass(frozen=True)
class Case:
    """A corpus file and what its header declares."""

    path: Path
    status: int
    problems: tuple[Problem, ...]
    out: tuple[str, ...]
    xfail: str | None
    args: tuple[str, ...] = ()


def parse_case(path: Path) -> Case:
    """Read the header of ``path``; a malformed header is an error, not a skip."""
    text = path.read_bytes().decode("utf-8", errors="replace")  # a case may be bad UTF-8
    statuses: list[int] = []
    problems: list[Problem] = []
    out: list[str] = []
    args: list[str] = []
    xfail: str | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header = _HEADER.match(line)
        if header is None:
            continue  # a plain comment
        key, value = header["key"], header["value"].strip()
        if key == "expect-status":
            statuses.append(int(value))
        elif key == "expect":
            expect = _EXPECT.match(value)
            whole = _WHOLE_FILE.match(value)
            if expect is not None:
                where = CORPUS / expect["file"] if expect["file"] else path
                line, col = int(expect["line"]), int(expect["col"])
                problems.append(Problem(where, line, col, expect["text"]))
            elif whole is not None:
                problems.append(Problem(CORPUS / whole["file"], 0, 0, whole["text"]))
            else:
                raise ValueError(f"{path.name}: malformed expectation {line!r}")
        elif key == "args":
            args.extend(value.split())
        elif key == "expect-out":
            out.append(value)
        else:
            xfail = value
    if len(statuses) != 1:
        raise ValueError(f"{path.name}: declare '# expect-status: N' exactly once")
    if (statuses[0] == 2) != bool(problems):
        raise ValueError(f"{path.name}: status 2 needs '# expect:' lines, other statuses none")
    return Case(path, statuses[0], tuple(problems), tuple(out), xfail, tuple(args))


def corpus_params() -> list[pytest.ParameterSet]:
    params: list[pytest.ParameterSet] = []
    for path in sorted(CORPUS.glob("*.yaml")):
        case = parse_case(path)
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        params.append(pytest.param(case, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("case", corpus_params())
def test_bad_input(run_cli: RunCli, case: Case) -> None:
    args = [str(CORPUS / arg) if arg.endswith((".db", ".sql")) else arg for arg in case.args]
    result = run_cli(case.path, *args)
    assert "Traceback" not in result.err, result.err
    assert result.status == case.status, f"exit {result.status}\n{result.out}{result.err}"
    if case.status != 2:
        assert result.err == ""
        for text in case.out:
            assert text in result.out, result.out
        return
    assert result.out == ""
    printed = result.err.splitlines()
    expected = "\n".join(str(problem) for problem in case.problems)
    report = f"expected:\n{expected}\nstderr:\n{result.err}"
    assert len(printed) == len(case.problems), report
    for problem, line in zip(case.problems, printed, strict=True):
        assert problem.matches(line), f"{problem} does not match {line!r}\n{report}"


def test_corpus_is_big_enough() -> None:
    assert len(corpus_params()) >= 30


def test_every_sql_file_belongs_to_a_case() -> None:
    for sql in [*CORPUS.glob("*.sql"), *CORPUS.glob("*.db")]:
        assert sql == SHARED_SCHEMA or sql.with_suffix(".yaml").is_file(), sql.name


def test_shared_schema_applies() -> None:
    sqlite.open_schema(SHARED_SCHEMA.read_text("utf-8"), SHARED_SCHEMA.name).close()


def test_control_spec_on_shared_schema_passes(run_cli: RunCli, tmp_path: Path) -> None:
    """The pieces the cases share are sound, so each case fails for its own reason."""
    spec = tmp_path / "control.yaml"
    spec.write_text(
        f"""\
version: 1
name: control
schema: {SHARED_SCHEMA.as_posix()}
tables:
  items:
    columns:
      id: {{type: TEXT, primary_key: true}}
      parent_id: {{type: TEXT, references: items.id, on_delete: set_null}}
operations:
  createItem:
    params: [name]
    defaults: {{id: "${{uuid}}", parent_id: null}}
    sql: INSERT INTO items (id, name, parent_id) VALUES (:id, :name, :parent_id)
    returns: {{one: "SELECT * FROM items WHERE id = :id"}}
criteria:
  - id: 1
    title: an item is stored
    steps:
      - {{call: createItem, with: {{name: a}}, as: item}}
    expect:
      item: {{type: object, required: [id]}}
""",
        encoding="utf-8",
    )
    result = run_cli(spec)
    assert (result.status, result.err) == (0, ""), result.out


def test_zero_byte_spec(run_cli: RunCli, tmp_path: Path) -> None:
    spec = tmp_path / "zero.yaml"
    spec.write_bytes(b"")
    result = run_cli(spec)
    assert (result.status, result.out) == (2, "")
    assert Problem(spec, 1, 1, "the spec is empty").matches(result.err.strip()), result.err


def test_nonexistent_spec_path(run_cli: RunCli, tmp_path: Path) -> None:
    spec = tmp_path / "no_such_spec.yaml"
    result = run_cli(spec)
    assert (result.status, result.out) == (2, "")
    assert "Traceback" not in result.err
    assert len(result.err.splitlines()) == 1
    assert "no_such_spec.yaml" in result.err
    assert "no such file" in result.err


def test_directory_as_spec(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(tmp_path)
    assert (result.status, result.out) == (2, "")
    assert "Traceback" not in result.err
    assert len(result.err.splitlines()) == 1
    assert "directory" in result.err
