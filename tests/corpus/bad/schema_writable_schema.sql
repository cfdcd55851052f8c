CREATE TABLE items (id TEXT PRIMARY KEY);
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = 'CREATE TABLE items (id INTEGER)' WHERE name = 'items';
