-- The parent-harness tables that the "test task for session" lifecycle uses,
-- declared as the upstream schema (parent-harness/database/schema.sql) does,
-- plus one trigger that refuses session status transitions the lifecycle does
-- not list. Checked by spec/test_task_session.yaml.

CREATE TABLE task_lists (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    project_id TEXT,
    status TEXT DEFAULT 'draft'
        CHECK (status IN ('draft', 'ready', 'in_progress', 'paused', 'completed', 'archived')),
    created_at TEXT DEFAULT (datetime('now')),
    updated_at TEXT DEFAULT (datetime('now'))
);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    display_id TEXT UNIQUE,
    title TEXT NOT NULL,
    description TEXT,
    category TEXT DEFAULT 'task'
        CHECK (category IN ('feature', 'bug', 'task', 'story', 'epic', 'spike', 'improvement',
                            'documentation', 'test', 'devops', 'design', 'research',
                            'infrastructure', 'security', 'performance', 'other')),
    status TEXT DEFAULT 'pending'
        CHECK (status IN ('draft', 'evaluating', 'pending', 'in_progress', 'completed', 'failed',
                          'blocked', 'skipped', 'pending_verification')),
    retry_count INTEGER DEFAULT 0,
    task_list_id TEXT REFERENCES task_lists(id) ON DELETE SET NULL,
    project_id TEXT,
    priority TEXT DEFAULT 'P2' CHECK (priority IN ('P0', 'P1', 'P2', 'P3', 'P4')),
    effort TEXT DEFAULT 'medium' CHECK (effort IN ('trivial', 'small', 'medium', 'large', 'epic')),
    parent_task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL,
    wave_number INTEGER,
    lane_id TEXT,
    pass_criteria TEXT,
    created_at TEXT DEFAULT (datetime('now')),
    updated_at TEXT DEFAULT (datetime('now')),
    started_at TEXT,
    completed_at TEXT
);

CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT DEFAULT 'idle' CHECK (status IN ('idle', 'working', 'error', 'stuck', 'stopped')),
    current_task_id TEXT,
    current_session_id TEXT,
    last_heartbeat TEXT,
    tasks_completed INTEGER DEFAULT 0,
    tasks_failed INTEGER DEFAULT 0,
    created_at TEXT DEFAULT (datetime('now')),
    updated_at TEXT DEFAULT (datetime('now'))
);

CREATE TABLE agent_sessions (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(id),
    task_id TEXT REFERENCES tasks(id),
    run_id TEXT,
    wave_number INTEGER,
    lane_id TEXT,
    status TEXT CHECK (status IN ('running', 'completed', 'failed', 'paused', 'terminated')),
    started_at TEXT DEFAULT (datetime('now')),
    completed_at TEXT,
    current_iteration INTEGER DEFAULT 1,
    total_iterations INTEGER DEFAULT 0,
    tasks_completed INTEGER DEFAULT 0,
    tasks_failed INTEGER DEFAULT 0,
    parent_session_id TEXT REFERENCES agent_sessions(id),
    metadata TEXT
);

CREATE TABLE iteration_logs (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES agent_sessions(id) ON DELETE CASCADE,
    iteration_number INTEGER NOT NULL,
    started_at TEXT DEFAULT (datetime('now')),
    completed_at TEXT,
    status TEXT CHECK (status IN ('running', 'completed', 'failed', 'qa_pending', 'qa_passed',
                                  'qa_failed')),
    tasks_attempted INTEGER DEFAULT 0,
    tasks_completed INTEGER DEFAULT 0,
    tasks_failed INTEGER DEFAULT 0,
    log_content TEXT,
    errors TEXT,
    qa_result TEXT CHECK (qa_result IN ('pending', 'passed', 'failed', 'skipped')),
    created_at TEXT DEFAULT (datetime('now')),
    UNIQUE (session_id, iteration_number)
);

-- The session lifecycle: running -> completed | failed | paused | terminated,
-- paused -> running. Any other change of status is refused. (Not upstream: the
-- upstream data layer relies on its callers; this makes the contract hold in
-- the database itself.)
CREATE TRIGGER agent_sessions_status_transition
BEFORE UPDATE OF status ON agent_sessions
WHEN OLD.status IS NOT NEW.status
 AND NOT (
      (OLD.status = 'running' AND NEW.status IN ('completed', 'failed', 'paused', 'terminated'))
   OR (OLD.status = 'paused' AND NEW.status = 'running')
 )
BEGIN
    SELECT RAISE(ABORT, 'agent_sessions: status transition not allowed');
END;
