-- Parked outbox events: an event the broker refuses for good (too large, invalid topic, not authorised) is kept
-- with the error and the time, skipped by the relay and retried only when an operator clears parked_at.
--
-- Repeatable and idempotent rather than versioned: every service applies these migrations together with its
-- own (V1, V2, ...) in one version sequence, so a new versioned V0_x here would be older than migrations
-- databases have already applied, and Flyway refuses such an out-of-order migration.
ALTER TABLE outbox_event ADD COLUMN IF NOT EXISTS parked_at TIMESTAMPTZ;
ALTER TABLE outbox_event ADD COLUMN IF NOT EXISTS park_error TEXT;

CREATE INDEX IF NOT EXISTS outbox_event_parked ON outbox_event (seq) WHERE parked_at IS NOT NULL;
