-- One row per succeeded attempt result (keyed by its fencing token). A row only moves past
-- AWAITING_ACCEPTANCE once the dispatcher accepted that very token, so a zombie's result is never merged.
CREATE TABLE review (
    spec_id         TEXT        NOT NULL,
    task_id         TEXT        NOT NULL,
    fencing_token   BIGINT      NOT NULL,
    attempt         INTEGER     NOT NULL,
    repository      TEXT        NOT NULL,
    base_branch     TEXT        NOT NULL,
    branch          TEXT        NOT NULL,
    base_commit     TEXT        NOT NULL,
    commit          TEXT        NOT NULL,
    lines_added     INTEGER,
    lines_removed   INTEGER,
    files_changed   INTEGER,
    tests_ran       BOOLEAN     NOT NULL,
    tests_passed    BOOLEAN     NOT NULL,
    level           INTEGER,
    reasons         TEXT[]      NOT NULL DEFAULT '{}',
    state           TEXT        NOT NULL
        CHECK (state IN ('AWAITING_ACCEPTANCE', 'PENDING', 'MERGED', 'REJECTED')),
    merge_commit    TEXT,
    lines_merged    INTEGER,
    created_at      TIMESTAMPTZ NOT NULL,
    accepted_at     TIMESTAMPTZ,
    decided_at      TIMESTAMPTZ,
    decided_by      TEXT,
    decision_reason TEXT,
    PRIMARY KEY (spec_id, task_id, fencing_token)
);

CREATE INDEX review_state_created ON review (state, created_at DESC);

-- The dispatcher's acceptances (lifecycle SUCCEEDED per fencing token), kept so that a result that
-- arrives after its acceptance still finds it.
CREATE TABLE task_acceptance (
    spec_id       TEXT        NOT NULL,
    task_id       TEXT        NOT NULL,
    fencing_token BIGINT      NOT NULL,
    attempt       INTEGER     NOT NULL,
    accepted_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (spec_id, task_id, fencing_token)
);
