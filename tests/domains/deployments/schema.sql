-- A deployment pipeline: services are deployed, version by version, to
-- environments. A deployment moves queued -> building -> deploying -> live,
-- may fail while building or deploying, and may be rolled back while
-- deploying. Checked by spec.yaml next to this file; tests/test_second_domain.py
-- checks variants of it with one rule broken each.

CREATE TABLE services (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    team TEXT,
    deploy_count INTEGER NOT NULL DEFAULT 0,
    last_version TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE environments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    tier TEXT NOT NULL DEFAULT 'staging' CHECK (tier IN ('dev', 'staging', 'production')),
    requires_approval INTEGER NOT NULL DEFAULT 0 CHECK (requires_approval IN (0, 1))
);

CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE RESTRICT,
    version TEXT NOT NULL CHECK (version <> ''),
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'building', 'deploying', 'live', 'failed', 'rolled_back')),
    requested_by TEXT NOT NULL,
    queued_at TEXT NOT NULL DEFAULT (datetime('now')),
    started_at TEXT,
    finished_at TEXT,
    UNIQUE (service_id, environment_id, version)
);

CREATE TABLE deploy_logs (
    id INTEGER PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL CHECK (seq >= 1),
    level TEXT NOT NULL DEFAULT 'info' CHECK (level IN ('info', 'warn', 'error')),
    message TEXT NOT NULL,
    UNIQUE (deployment_id, seq)
);

-- The lifecycle: queued -> building, building -> deploying | failed,
-- deploying -> live | failed | rolled_back. Any other change is refused.
CREATE TRIGGER deployments_status_transition
BEFORE UPDATE OF status ON deployments
WHEN OLD.status IS NOT NEW.status
 AND NOT (
      (OLD.status = 'queued' AND NEW.status = 'building')
   OR (OLD.status = 'building' AND NEW.status IN ('deploying', 'failed'))
   OR (OLD.status = 'deploying' AND NEW.status IN ('live', 'failed', 'rolled_back'))
 )
BEGIN
    SELECT RAISE(ABORT, 'deployments: status transition not allowed');
END;

-- The database stamps the lifecycle itself: started_at when the build
-- starts, finished_at on entering a terminal state.
CREATE TRIGGER deployments_started_at
AFTER UPDATE OF status ON deployments
WHEN NEW.status = 'building' AND NEW.started_at IS NULL
BEGIN
    UPDATE deployments SET started_at = datetime('now') WHERE id = NEW.id;
END;

CREATE TRIGGER deployments_finished_at
AFTER UPDATE OF status ON deployments
WHEN OLD.status IS NOT NEW.status AND NEW.status IN ('live', 'failed', 'rolled_back')
BEGIN
    UPDATE deployments SET finished_at = datetime('now') WHERE id = NEW.id;
END;
