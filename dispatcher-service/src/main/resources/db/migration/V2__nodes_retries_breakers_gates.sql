-- Node statuses READY / DRAINING / CORDONED / DEAD (ACTIVE becomes READY), node kind and the worker process
-- instance that last announced itself with a NODE_HEARTBEAT.
ALTER TABLE node DROP CONSTRAINT node_status_check;
UPDATE node SET status = 'READY' WHERE status = 'ACTIVE';
ALTER TABLE node ADD CONSTRAINT node_status_check CHECK (status IN ('READY', 'DRAINING', 'CORDONED', 'DEAD'));
ALTER TABLE node ADD COLUMN kind TEXT NOT NULL DEFAULT 'LAPTOP' CHECK (kind IN ('LAPTOP', 'CLUSTER'));
ALTER TABLE node ADD COLUMN instance_id TEXT;
-- set by the first NODE_HEARTBEAT: only nodes that announce node heartbeats can be declared DEAD by silence
ALTER TABLE node ADD COLUMN node_heartbeat_at TIMESTAMPTZ;
ALTER TABLE node ADD COLUMN status_reason TEXT;
-- when the current instance first announced itself: open leases granted before it belong to a dead process
ALTER TABLE node ADD COLUMN instance_started_at TIMESTAMPTZ;

-- Tasks: CANCELLED, spec revision, files (for the review-risk hold), retry state.
ALTER TABLE task DROP CONSTRAINT task_state_check;
ALTER TABLE task ADD CONSTRAINT task_state_check
    CHECK (state IN ('READY', 'LEASED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'));
ALTER TABLE task ADD COLUMN revision INT NOT NULL DEFAULT 1;
ALTER TABLE task ADD COLUMN needs_human_review BOOLEAN NOT NULL DEFAULT false;
-- when the task first became READY for the current request: the schedule-to-close limit counts from here
ALTER TABLE task ADD COLUMN first_ready_at TIMESTAMPTZ;
UPDATE task SET first_ready_at = ready_at;
-- backoff: a requeued task is not leased before this
ALTER TABLE task ADD COLUMN not_before TIMESTAMPTZ;
-- the agent profile of the next attempt when a retry changes it (larger context), else null = the task's
ALTER TABLE task ADD COLUMN lease_profile TEXT;
-- PreviousAttempt JSON for the next lease
ALTER TABLE task ADD COLUMN previous_attempt TEXT;
-- why a READY task is not being leased (schedule-to-start: no node can take it)
ALTER TABLE task ADD COLUMN waiting_reason TEXT;
ALTER TABLE task ADD COLUMN failure_detail TEXT;
ALTER TABLE task ADD COLUMN permanent BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE lease DROP CONSTRAINT lease_outcome_check;
ALTER TABLE lease ADD CONSTRAINT lease_outcome_check
    CHECK (outcome IN ('SUCCEEDED', 'FAILED', 'ORPHANED', 'TIMEOUT', 'CANCELLED'));
ALTER TABLE lease ADD COLUMN agent_profile TEXT;
-- fair share: leases per spec within the recent window
CREATE INDEX lease_by_leased_at ON lease (leased_at, spec_id);

-- Every finished attempt with what was decided about it: the history the retry table and the breakers read.
CREATE TABLE task_attempt (
    id             BIGSERIAL   PRIMARY KEY,
    spec_id        TEXT        NOT NULL,
    task_id        TEXT        NOT NULL,
    attempt        INT         NOT NULL,
    lease_id       UUID,
    node_name      TEXT,
    agent_profile  TEXT,
    fencing_token  BIGINT,
    outcome        TEXT        NOT NULL,
    failure_class  TEXT,
    detail         TEXT,
    decision       TEXT        NOT NULL,
    -- true/false for attempts the breakers count, null for classes that say nothing about a node or profile
    breaker_failed BOOLEAN,
    next_profile   TEXT,
    retry_at       TIMESTAMPTZ,
    ended_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX task_attempt_by_task ON task_attempt (spec_id, task_id, id);
CREATE INDEX task_attempt_by_node ON task_attempt (node_name, id DESC);
CREATE INDEX task_attempt_by_profile ON task_attempt (agent_profile, id DESC);

-- Circuit breakers: scope PROFILE / NODE / GLOBAL.
CREATE TABLE breaker (
    scope          TEXT        NOT NULL,
    key            TEXT        NOT NULL,
    state          TEXT        NOT NULL CHECK (state IN ('CLOSED', 'HALF_OPEN', 'OPEN')),
    failures       INT         NOT NULL DEFAULT 0,
    attempts       INT         NOT NULL DEFAULT 0,
    reason         TEXT,
    changed_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- attempts ended after this id count toward the half-open probe / the next window
    since_attempt  BIGINT      NOT NULL DEFAULT 0,
    probe_lease_id UUID,
    PRIMARY KEY (scope, key)
);

-- Why dispatch (or part of it) is held: manual pause, budgets, review backlog.
-- name: PAUSE, BUDGET_DAY, BUDGET_SPEC:<specId>, REVIEW_BACKLOG
CREATE TABLE dispatch_gate (
    name       TEXT        PRIMARY KEY,
    spec_id    TEXT,
    reason     TEXT        NOT NULL,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO dispatcher_counter (name)
VALUES ('stale_acks'), ('retries'), ('permanent_failures'), ('cancelled'), ('swept'), ('nodes_dead');
