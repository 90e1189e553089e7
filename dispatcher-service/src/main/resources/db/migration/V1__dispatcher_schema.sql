-- Worker nodes. active_leases is the number of open leases on the node; the dispatch round locks the node rows
-- (FOR UPDATE, in name order) before granting, so it can never exceed capacity.
CREATE TABLE node (
    name           TEXT        PRIMARY KEY,
    capacity       INT         NOT NULL CHECK (capacity BETWEEN 1 AND 256),
    labels         JSONB       NOT NULL DEFAULT '{}',
    agent_profiles TEXT[]      NOT NULL DEFAULT '{}',
    status         TEXT        NOT NULL CHECK (status IN ('ACTIVE', 'DRAINING', 'DEAD')),
    active_leases  INT         NOT NULL DEFAULT 0 CHECK (active_leases >= 0),
    registered_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Tasks the dispatcher executes. task_ready is the TaskReady payload forwarded to the worker in each lease;
-- labels, agent_profile, priority and estimate_seconds are copied out of it for matching and ordering.
-- trace_context holds the W3C trace headers the task arrived with; its lease events carry them on.
-- attempt counts every lease ever granted (it names the attempt's branch); attempt_base is its value when the
-- task last became READY from outside, so retries are limited per request.
CREATE TABLE task (
    spec_id          TEXT        NOT NULL,
    task_id          TEXT        NOT NULL,
    task_ready       TEXT        NOT NULL,
    trace_context    TEXT        NOT NULL DEFAULT '{}',
    state            TEXT        NOT NULL CHECK (state IN ('READY', 'LEASED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    attempt          INT         NOT NULL DEFAULT 0,
    attempt_base     INT         NOT NULL DEFAULT 0,
    priority         INT         NOT NULL DEFAULT 0,
    labels           JSONB       NOT NULL DEFAULT '{}',
    agent_profile    TEXT,
    estimate_seconds BIGINT      NOT NULL DEFAULT 0,
    ready_at         TIMESTAMPTZ NOT NULL,
    current_lease_id UUID,
    fencing_token    BIGINT,
    node_name        TEXT,
    failure_class    TEXT,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (spec_id, task_id)
);

-- The dispatch queue: only READY rows, in the order the dispatch round takes them.
CREATE INDEX task_ready_queue ON task (priority DESC, ready_at) WHERE state = 'READY';

-- One sequence for all fencing tokens. CACHE 1 (no per-session caches) keeps tokens strictly increasing in the
-- order they are handed out, across sessions and instances.
CREATE SEQUENCE fencing_token_seq START WITH 1 INCREMENT BY 1 CACHE 1 NO CYCLE;

-- Every lease ever granted: the attempt history of a task. No foreign keys: leases are inserted only by the
-- dispatch round, in the transaction that holds the locks on their task and node rows, and the referential
-- checks would cost a third of the lease insert of a 500-lease round.
CREATE TABLE lease (
    id                UUID        PRIMARY KEY,
    spec_id           TEXT        NOT NULL,
    task_id           TEXT        NOT NULL,
    node_name         TEXT        NOT NULL,
    fencing_token     BIGINT      NOT NULL UNIQUE,
    attempt           INT         NOT NULL,
    leased_at         TIMESTAMPTZ NOT NULL,
    deadline          TIMESTAMPTZ NOT NULL,
    last_heartbeat_at TIMESTAMPTZ,
    ended_at          TIMESTAMPTZ,
    outcome           TEXT CHECK (outcome IN ('SUCCEEDED', 'FAILED', 'ORPHANED', 'TIMEOUT')),
    CHECK ((ended_at IS NULL) = (outcome IS NULL))
);

CREATE INDEX lease_by_task ON lease (spec_id, task_id);
-- What the supervisor scans every second: open leases only.
CREATE INDEX lease_open ON lease (leased_at) WHERE ended_at IS NULL;

-- Counters that survive restarts (GET /dispatcher/stats).
CREATE TABLE dispatcher_counter (
    name  TEXT   PRIMARY KEY,
    value BIGINT NOT NULL DEFAULT 0
);

INSERT INTO dispatcher_counter (name)
VALUES ('leases_granted'), ('stale_heartbeats'), ('stale_results'), ('orphaned'), ('timed_out');
