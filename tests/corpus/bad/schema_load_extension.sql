SELECT load_extension('/tmp/evil.so');
CREATE TABLE items (id TEXT PRIMARY KEY);
