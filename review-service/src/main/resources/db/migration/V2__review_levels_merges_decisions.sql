-- Levels 0-3, the merge queue (verify on main, revert), people's decisions and the attempt history.
ALTER TABLE review DROP CONSTRAINT review_state_check;
ALTER TABLE review ADD CONSTRAINT review_state_check
    CHECK (state IN ('AWAITING_ACCEPTANCE', 'PENDING', 'MERGED', 'REJECTED', 'FAILED', 'CHANGES_REQUESTED', 'REVERTED'));

ALTER TABLE review
    ADD COLUMN requested_at         TIMESTAMPTZ,
    ADD COLUMN failure_class        TEXT,
    ADD COLUMN merge_id             UUID,
    ADD COLUMN verify_state         TEXT,
    ADD COLUMN verify_command       TEXT,
    ADD COLUMN verify_output        TEXT,
    ADD COLUMN verified_at          TIMESTAMPTZ,
    ADD COLUMN revert_commit        TEXT,
    ADD COLUMN reverted_at          TIMESTAMPTZ,
    ADD COLUMN reverted_by          TEXT,
    ADD COLUMN revert_trigger       TEXT,
    ADD COLUMN revert_reason        TEXT,
    ADD COLUMN test_command         TEXT,
    ADD COLUMN test_exit_code       INTEGER,
    ADD COLUMN test_duration_millis BIGINT,
    ADD COLUMN test_output_tail     TEXT,
    ADD COLUMN lint_command         TEXT,
    ADD COLUMN lint_passed          BOOLEAN,
    ADD COLUMN lint_output_tail     TEXT,
    ADD COLUMN cost_usd             NUMERIC(14, 6),
    ADD COLUMN cost_estimated       BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN input_tokens         BIGINT,
    ADD COLUMN output_tokens        BIGINT,
    ADD COLUMN agent_profile        TEXT,
    ADD COLUMN model                TEXT,
    ADD COLUMN compute_millis       BIGINT,
    ADD COLUMN node_name            TEXT,
    ADD COLUMN verification_flags   TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN diff_patch           TEXT,
    ADD COLUMN changes_followed_up  BOOLEAN NOT NULL DEFAULT FALSE;

CREATE UNIQUE INDEX review_merge_id ON review (merge_id) WHERE merge_id IS NOT NULL;
CREATE INDEX review_verify_pending ON review (repository) WHERE verify_state = 'PENDING';
CREATE INDEX review_pending_level ON review (level, requested_at) WHERE state = 'PENDING';

-- Every result of every attempt (failed ones too): the attempt history a reviewer sees.
CREATE TABLE attempt_result (
    spec_id        TEXT        NOT NULL,
    task_id        TEXT        NOT NULL,
    fencing_token  BIGINT      NOT NULL,
    attempt        INTEGER     NOT NULL,
    node_name      TEXT,
    succeeded      BOOLEAN     NOT NULL,
    failure_class  TEXT,
    failure_detail TEXT,
    tests_passed   BOOLEAN     NOT NULL,
    cost_usd       NUMERIC(14, 6),
    compute_millis BIGINT      NOT NULL,
    finished_at    TIMESTAMPTZ,
    received_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (spec_id, task_id, fencing_token)
);

-- The last review backlog announced (one row): a new REVIEW_BACKLOG is published only when it changes.
CREATE TABLE review_backlog (
    id                INTEGER     PRIMARY KEY CHECK (id = 1),
    pending_high_risk INTEGER     NOT NULL,
    pending_total     INTEGER     NOT NULL,
    daily_capacity    INTEGER     NOT NULL,
    hold_back         BOOLEAN     NOT NULL,
    -- set over REST; when NULL the configured capacity applies
    capacity_override INTEGER,
    updated_at        TIMESTAMPTZ NOT NULL
);
INSERT INTO review_backlog VALUES (1, -1, -1, -1, FALSE, NULL, now());
