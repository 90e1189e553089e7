-- How far each node's worker has read its lease feed, in a row of its own. On the node row, every poll's position
-- update waited for the dispatch rounds and heartbeat batches that lock node rows, and the worker got its new
-- leases only after that wait (in a benchmark with 20 nodes and 100,000 READY tasks, 97 such updates waited over
-- 8 ms, 139 ms on average).
-- The position is the worker's reading, not the node's capacity: nothing that locks node rows needs it.
CREATE TABLE lease_feed_reader (
    node_name TEXT   PRIMARY KEY,
    acked     BIGINT NOT NULL
);
INSERT INTO lease_feed_reader (node_name, acked) SELECT name, lease_feed_acked FROM node;
ALTER TABLE node DROP COLUMN lease_feed_acked;
