-- Transactional outbox: events are written in the same transaction as the state change they announce,
-- then relayed to Kafka and deleted.
CREATE TABLE outbox_event (
    seq        BIGSERIAL PRIMARY KEY,
    event_id   UUID        NOT NULL UNIQUE,
    topic      TEXT        NOT NULL,
    record_key TEXT,
    envelope   TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Idempotent consumers: an event id is recorded in the transaction that applies it.
CREATE TABLE processed_event (
    consumer     TEXT        NOT NULL,
    event_id     UUID        NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
