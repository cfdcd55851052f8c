-- A small valid schema shared by the corpus specs whose problem is elsewhere.
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    parent_id TEXT REFERENCES items(id) ON DELETE SET NULL
);
