PRAGMA foreign_keys = OFF;
CREATE TABLE parents (id TEXT PRIMARY KEY);
CREATE TABLE children (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parents(id));
