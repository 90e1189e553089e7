-- The dispatch queue by (spec, priority) tier: a dispatch round finds the tiers with READY tasks by a loose scan of
-- this index and reads only the first batch of each tier in (ready_at, task_id) order, so its cost does not grow
-- with the READY backlog. It replaces task_ready_queue (priority DESC, ready_at), which no query used: the round
-- used to rank every READY task.
CREATE INDEX task_dispatch_tier ON task (spec_id, priority, ready_at, task_id) WHERE state = 'READY';
DROP INDEX task_ready_queue;
