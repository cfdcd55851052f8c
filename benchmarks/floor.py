"""The physical floor of a validator run: the SQL it sends, and nothing else.

    python benchmarks/floor.py statements.sql                 # replay (the floor)
    python benchmarks/floor.py --capture statements.sql SPEC  # record a real run

Replaying imports ``sqlite3`` alone: it opens an in-memory database as the
engine does (``isolation_level=None``) and runs every recorded statement in
order, schema first, fetching all rows and ignoring errors (a check that a
write is refused sends a statement that fails). Whatever a run of
``python -m validator SPEC`` takes beyond this is Python: imports, loading,
planning, binding, matching, reporting.

Capturing runs ``validator.cli.main(SPEC ...)`` in this process with every
connection the engine opens made of a subclass of ``sqlite3.Connection``
whose ``execute`` (the only way the engine sends SQL) marks the statement as
the engine's, and whose trace callback (``set_trace_callback``) writes what
SQLite was actually asked to run, with the bound values inlined. Only the
first trace of each ``execute`` is kept: SQLite traces a statement again for
every trigger it fires, and those are not statements sent. The file holds
one statement per record, each followed by a line ``;;``; a record
``-- connect`` starts a new connection.
"""

import sqlite3
import sys

END = "\n;;\n"
CONNECT = "-- connect"


def replay(path: str) -> int:
    with open(path, encoding="utf-8") as handle:  # noqa: PTH123 (no pathlib: sqlite3 alone)
        records = handle.read().split(END)
    connection = None
    for sql in records:
        if sql == CONNECT:
            if connection is not None:
                connection.close()
            connection = sqlite3.connect(":memory:", isolation_level=None)
        elif sql and connection is not None:
            try:  # noqa: SIM105 (no contextlib: sqlite3 alone)
                connection.execute(sql).fetchall()
            except sqlite3.Error:
                pass
    if connection is not None:
        connection.close()
    return 0


def capture(out: str, argv: list[str]) -> int:
    """Run the CLI on ``argv`` in this process; write the statements it sent to ``out``."""
    records: list[str] = []
    connect = sqlite3.connect

    class Traced(sqlite3.Connection):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self.pending = False
            records.append(CONNECT)
            self.set_trace_callback(self.trace)

        def trace(self, sql: str) -> None:
            if self.pending:
                self.pending = False
                if END.strip() in sql.splitlines():
                    raise SystemExit(f"a statement holds the separator line: {sql!r}")
                records.append(sql)

        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
            self.pending = True
            try:
                return super().execute(sql, *args)  # type: ignore[arg-type]
            finally:
                self.pending = False

        def executemany(self, *_: object) -> sqlite3.Cursor:
            raise SystemExit("executemany is not captured")

        def executescript(self, *_: object) -> sqlite3.Cursor:
            raise SystemExit("executescript is not captured")

    def traced(*args: object, **kwargs: object) -> sqlite3.Connection:
        kwargs.setdefault("factory", Traced)
        return connect(*args, **kwargs)  # type: ignore[arg-type]

    sqlite3.connect = traced  # type: ignore[assignment]
    from validator.cli import main

    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    finally:
        sqlite3.connect = connect
    with open(out, "w", encoding="utf-8") as handle:  # noqa: PTH123
        handle.write("".join(record + END for record in records))
    statements = sum(record != CONNECT for record in records)
    connections = len(records) - statements
    print(f"{statements} statements on {connections} connection(s) -> {out}", file=sys.stderr)
    return int(status)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--capture":
        sys.exit(capture(sys.argv[2], sys.argv[3:]))
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(replay(sys.argv[1]))
