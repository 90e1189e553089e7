-- Specs as submitted, and their tasks with the state the planner knows them in.
CREATE TABLE spec (
    id              TEXT PRIMARY KEY,
    name            TEXT        NOT NULL,
    repository      TEXT        NOT NULL,
    base_branch     TEXT        NOT NULL,
    source_markdown TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX spec_created_at_idx ON spec (created_at DESC);

CREATE TABLE task (
    spec_id          TEXT        NOT NULL REFERENCES spec (id) ON DELETE CASCADE,
    task_id          TEXT        NOT NULL,
    position         INT         NOT NULL,
    title            TEXT        NOT NULL,
    description      TEXT        NOT NULL DEFAULT '',
    acceptance       JSONB       NOT NULL DEFAULT '[]',
    test_command     TEXT        NOT NULL,
    estimate_seconds BIGINT      NOT NULL,
    depends_on       JSONB       NOT NULL DEFAULT '[]',
    priority         INT         NOT NULL DEFAULT 0,
    labels           JSONB       NOT NULL DEFAULT '{}',
    agent_profile    TEXT,
    line             INT         NOT NULL,
    state            TEXT        NOT NULL,
    attempt          INT         NOT NULL DEFAULT 0,
    failure_class    TEXT,
    review_level     INT,
    merge_commit     TEXT,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (spec_id, task_id)
);

-- release of dependents looks up a spec's PLANNED tasks; counts group by state
CREATE INDEX task_spec_state_idx ON task (spec_id, state);
