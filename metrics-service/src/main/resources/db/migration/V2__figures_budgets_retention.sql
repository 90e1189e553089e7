-- What the task.ready carried, and first/last event times (wall-clock of a spec, week of a task).
ALTER TABLE task_fact ADD COLUMN spec_name              TEXT;
ALTER TABLE task_fact ADD COLUMN quality_class          TEXT;
ALTER TABLE task_fact ADD COLUMN priority               INTEGER NOT NULL DEFAULT 0;
ALTER TABLE task_fact ADD COLUMN labels                 TEXT;
ALTER TABLE task_fact ADD COLUMN repository             TEXT;
ALTER TABLE task_fact ADD COLUMN first_event_at         TIMESTAMPTZ;
ALTER TABLE task_fact ADD COLUMN last_event_at          TIMESTAMPTZ;
ALTER TABLE task_fact ADD COLUMN permanent_failure_class TEXT;
ALTER TABLE task_fact ADD COLUMN review_level           INTEGER;
ALTER TABLE task_fact ADD COLUMN merged_by              TEXT;
ALTER TABLE task_fact ADD COLUMN merged_attempt         INTEGER;

-- One row per attempt (fencing token): the lease's profile and the result's cost, time and outcome.
CREATE TABLE attempt_fact (
    spec_id        TEXT        NOT NULL,
    task_id        TEXT        NOT NULL,
    fencing_token  BIGINT      NOT NULL,
    attempt        INTEGER     NOT NULL DEFAULT 0,
    node_name      TEXT,
    agent_profile  TEXT,
    leased_at      TIMESTAMPTZ,
    has_result     BOOLEAN     NOT NULL DEFAULT FALSE,
    succeeded      BOOLEAN     NOT NULL DEFAULT FALSE,
    failure_class  TEXT,
    provider       TEXT,
    model          TEXT,
    cost_usd       NUMERIC     NOT NULL DEFAULT 0,
    cost_estimated BOOLEAN     NOT NULL DEFAULT FALSE,
    compute_millis BIGINT      NOT NULL DEFAULT 0,
    input_tokens   BIGINT      NOT NULL DEFAULT 0,
    output_tokens  BIGINT      NOT NULL DEFAULT 0,
    lines_added    INTEGER     NOT NULL DEFAULT 0,
    started_at     TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ,
    PRIMARY KEY (spec_id, task_id, fencing_token)
);

-- One row per failed attempt (from the dispatcher's FAILED states and the review's FAILED outcomes).
CREATE TABLE attempt_failure (
    spec_id       TEXT    NOT NULL,
    task_id       TEXT    NOT NULL,
    attempt       INTEGER NOT NULL,
    failure_class TEXT    NOT NULL,
    permanent     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (spec_id, task_id, attempt)
);

-- Decisions people made (decision lag = decided_at - requested_at).
CREATE TABLE decision_fact (
    decision_id  UUID        PRIMARY KEY,
    spec_id      TEXT,
    task_id      TEXT,
    kind         TEXT        NOT NULL,
    level        INTEGER     NOT NULL DEFAULT 0,
    requested_at TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ NOT NULL,
    decided_by   TEXT,
    outcome      TEXT
);

-- The last known state of each circuit breaker, and how often it opened.
CREATE TABLE breaker_fact (
    scope      TEXT        NOT NULL,
    key        TEXT        NOT NULL,
    state      TEXT        NOT NULL,
    openings   INTEGER     NOT NULL DEFAULT 0,
    changed_at TIMESTAMPTZ,
    PRIMARY KEY (scope, key)
);

-- The latest review backlog report (one row).
CREATE TABLE review_backlog_fact (
    id                TEXT        PRIMARY KEY,
    pending_high_risk INTEGER     NOT NULL,
    pending_total     INTEGER     NOT NULL,
    daily_capacity    INTEGER     NOT NULL,
    hold_back         BOOLEAN     NOT NULL,
    reason            TEXT,
    reported_at       TIMESTAMPTZ
);

-- Budget thresholds already announced: each threshold of each budget is announced once.
CREATE TABLE budget_alert_sent (
    scope      TEXT        NOT NULL,
    scope_key  TEXT        NOT NULL,
    threshold  INTEGER     NOT NULL,
    spent_usd  NUMERIC     NOT NULL,
    budget_usd NUMERIC     NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, scope_key, threshold)
);

-- Code retention snapshots: per scan, repository, spec and week the lines were generated.
CREATE TABLE retention_snapshot (
    id         BIGSERIAL   PRIMARY KEY,
    scan_id    UUID        NOT NULL,
    taken_at   TIMESTAMPTZ NOT NULL,
    repository TEXT        NOT NULL,
    spec_id    TEXT        NOT NULL,
    week       DATE        NOT NULL,
    generated  INTEGER     NOT NULL,
    surviving  INTEGER     NOT NULL
);
CREATE INDEX retention_snapshot_taken ON retention_snapshot (taken_at);
