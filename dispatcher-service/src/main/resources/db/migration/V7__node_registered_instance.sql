-- The worker process that last registered the node over the authenticated API: a node heartbeat announcing a new
-- instance is applied only when that instance registered, so a worker credential cannot restart another node.
ALTER TABLE node ADD COLUMN registered_instance_id TEXT;

INSERT INTO dispatcher_counter (name)
VALUES ('refused_node_heartbeats');
