CREATE TABLE items (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

-- The index names a table that was never created.
CREATE INDEX tags_by_item ON tags (item_id);
