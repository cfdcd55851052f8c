-- A schema saved as Latin-1: the default below is not UTF-8.
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT 'café'
);
