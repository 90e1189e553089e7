-- Each node's lease feed: the lease and revocation events meant for it, in the order their transactions committed,
-- read by the node's worker over GET /nodes/{name}/leases (a worker reads its own leases, not the whole topic).
-- lease_feed_seq is the last sequence number given out for the node: the writer increments it on the node row,
-- which every lease and revocation transaction locks anyway, so per node the numbers are given in commit order and
-- a reader past seq n never misses a row committed later with a lower number. lease_feed_acked is how far the
-- node's worker has read (its next poll says so); a restarted worker resumes after it.
ALTER TABLE node
    ADD COLUMN lease_feed_seq   BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN lease_feed_acked BIGINT NOT NULL DEFAULT 0;

CREATE TABLE lease_feed (
    node_name  TEXT        NOT NULL,
    seq        BIGINT      NOT NULL,
    event_type TEXT        NOT NULL,
    envelope   TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (node_name, seq)
);
CREATE INDEX lease_feed_created_at ON lease_feed (created_at);
