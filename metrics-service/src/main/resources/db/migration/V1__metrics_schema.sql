-- One row per task, folded from every topic. Rows are upserted: the topics are independent, so a
-- lifecycle event or a result may arrive before the task's task.ready.
CREATE TABLE task_fact (
    spec_id        TEXT           NOT NULL,
    task_id        TEXT           NOT NULL,
    state          TEXT,
    attempt        INTEGER        NOT NULL DEFAULT 0,
    attempts       INTEGER        NOT NULL DEFAULT 0,
    compute_millis BIGINT         NOT NULL DEFAULT 0,
    lines_added    INTEGER        NOT NULL DEFAULT 0,
    lines_merged   INTEGER        NOT NULL DEFAULT 0,
    cost_usd       NUMERIC(18, 6) NOT NULL DEFAULT 0,
    input_tokens   BIGINT         NOT NULL DEFAULT 0,
    output_tokens  BIGINT         NOT NULL DEFAULT 0,
    failure_class  TEXT,
    ready_at       TIMESTAMPTZ,
    merged_at      TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ    NOT NULL DEFAULT now(),
    PRIMARY KEY (spec_id, task_id)
);

-- Results already added to task_fact, one per attempt (fencing token): a result sent again in a new
-- envelope (a new event id) is not counted twice.
CREATE TABLE counted_result (
    spec_id       TEXT        NOT NULL,
    task_id       TEXT        NOT NULL,
    fencing_token BIGINT      NOT NULL,
    counted_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (spec_id, task_id, fencing_token)
);
