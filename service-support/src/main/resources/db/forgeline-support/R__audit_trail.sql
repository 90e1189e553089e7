-- The audit trail: who did what, to what, when and why, for every action a person or operator takes through a
-- REST API. Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, so no code path (a bug included) can
-- change or remove an entry.
--
-- Repeatable and idempotent rather than versioned, for the reason R__outbox_parked_events.sql gives.
CREATE TABLE IF NOT EXISTS audit_entry (
    id      BIGSERIAL   PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor   TEXT        NOT NULL,
    roles   TEXT[]      NOT NULL,
    action  TEXT        NOT NULL,
    target  TEXT,
    reason  TEXT,
    details JSONB       NOT NULL DEFAULT '{}'
);

CREATE INDEX IF NOT EXISTS audit_entry_at ON audit_entry (at);

CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_entry;
CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();

DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();
