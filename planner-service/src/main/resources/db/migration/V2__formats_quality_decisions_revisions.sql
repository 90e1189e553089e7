-- Spec formats and revisions; per-task quality verdict, named files, proposal origin; decisions people make.
ALTER TABLE spec ADD COLUMN format TEXT NOT NULL DEFAULT 'forgeline';
ALTER TABLE spec ADD COLUMN revision INT NOT NULL DEFAULT 1;
ALTER TABLE spec ADD COLUMN default_test_command TEXT;
ALTER TABLE spec ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now();

ALTER TABLE task ADD COLUMN inputs JSONB NOT NULL DEFAULT '[]';
ALTER TABLE task ADD COLUMN outputs JSONB NOT NULL DEFAULT '[]';
ALTER TABLE task ADD COLUMN constraints JSONB NOT NULL DEFAULT '[]';
ALTER TABLE task ADD COLUMN files JSONB NOT NULL DEFAULT '[]';
ALTER TABLE task ADD COLUMN quality_class TEXT;
ALTER TABLE task ADD COLUMN quality_score INT NOT NULL DEFAULT 0;
ALTER TABLE task ADD COLUMN quality_reasons JSONB NOT NULL DEFAULT '[]';
-- the spec revision the task's current text belongs to
ALTER TABLE task ADD COLUMN revision INT NOT NULL DEFAULT 1;
ALTER TABLE task ADD COLUMN origin TEXT;
ALTER TABLE task ADD COLUMN parent_task_id TEXT;
ALTER TABLE task ADD COLUMN depth INT NOT NULL DEFAULT 0;
-- fingerprint of the task text, to tell unchanged tasks from changed ones in a new revision
ALTER TABLE task ADD COLUMN text_hash TEXT NOT NULL DEFAULT '';

-- a repeated POST with the same Idempotency-Key answers with the spec it created
CREATE TABLE spec_submission (
    idempotency_key TEXT PRIMARY KEY,
    spec_id         TEXT        NOT NULL REFERENCES spec (id) ON DELETE CASCADE,
    revision        INT         NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX spec_name_repository_idx ON spec (name, repository);

CREATE TABLE decision (
    id            UUID PRIMARY KEY,
    spec_id       TEXT        NOT NULL REFERENCES spec (id) ON DELETE CASCADE,
    task_id       TEXT        NOT NULL,
    kind          TEXT        NOT NULL,
    question      TEXT        NOT NULL,
    missing       JSONB       NOT NULL DEFAULT '[]',
    requested_at  TIMESTAMPTZ NOT NULL,
    decided_at    TIMESTAMPTZ,
    decided_by    TEXT,
    outcome       TEXT,
    note          TEXT
);

CREATE INDEX decision_open_idx ON decision (decided_at) WHERE decided_at IS NULL;
CREATE INDEX decision_task_idx ON decision (spec_id, task_id);

-- follow-up proposals already turned into tasks or refused (a redelivered proposal changes nothing)
CREATE TABLE proposal (
    proposal_id UUID PRIMARY KEY,
    spec_id     TEXT        NOT NULL,
    task_id     TEXT,
    outcome     TEXT        NOT NULL,
    reason      TEXT,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- every call of the LLM planner: tokens and cost (the API key is never stored)
CREATE TABLE llm_usage (
    id            UUID PRIMARY KEY,
    purpose       TEXT           NOT NULL,
    provider      TEXT           NOT NULL,
    model         TEXT           NOT NULL,
    input_tokens  BIGINT         NOT NULL,
    output_tokens BIGINT         NOT NULL,
    cost_usd      NUMERIC(14, 6) NOT NULL,
    attempts      INT            NOT NULL,
    created_at    TIMESTAMPTZ    NOT NULL DEFAULT now()
);
