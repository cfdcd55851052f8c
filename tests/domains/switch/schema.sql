-- A switch whose states are words YAML 1.1 would turn into booleans, numbers,
-- times and dates. Checked by spec.yaml next to this file.
CREATE TABLE switches (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'off'
        CHECK (state IN ('off', 'on', 'y', 'n', '0755', '12:30', '2024-01-02', 'true')),
    code TEXT
);

CREATE TRIGGER switches_transition
BEFORE UPDATE OF state ON switches
WHEN OLD.state IS NOT NEW.state AND NOT (
       (OLD.state = 'off' AND NEW.state = 'on')
    OR (OLD.state = 'on' AND NEW.state IN ('off', 'y'))
    OR (OLD.state = 'y' AND NEW.state = 'n')
    OR (OLD.state = 'n' AND NEW.state = '0755')
    OR (OLD.state = '0755' AND NEW.state = '12:30')
    OR (OLD.state = '12:30' AND NEW.state = '2024-01-02')
    OR (OLD.state = '2024-01-02' AND NEW.state = 'true')
)
BEGIN
    SELECT RAISE(ABORT, 'switches: transition not allowed');
END;
