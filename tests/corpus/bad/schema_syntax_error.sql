-- The first statement is fine; the second misspells TABLE on line 9.
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

/* A comment before the broken statement
   does not shift its reported line. */
CREATE TABEL tags (
    item_id TEXT REFERENCES items(id),
    tag TEXT NOT NULL
);
