-- a schema that reaches outside its database
CREATE TABLE items (id TEXT PRIMARY KEY);
ATTACH DATABASE 'elsewhere.db' AS elsewhere;
