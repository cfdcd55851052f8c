CREATE TABLE items (id TEXT PRIMARY KEY);
INSERT INTO items (id) VALUES ('seed');
CREATE TRIGGER items_bomb BEFORE INSERT ON items WHEN NEW.id = 'rollback'
BEGIN SELECT RAISE(ROLLBACK, 'everything goes'); END;
