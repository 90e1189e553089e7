-- Placement requirements (os=macos ...) apart from the task's labels, which are metadata (story, requirement,
-- phase, optional) and never decide placement.
ALTER TABLE task ADD COLUMN requires JSONB NOT NULL DEFAULT '{}'::jsonb;
-- since when no registered node offers the task's requirements and agent profile (null: some node does);
-- past the grace period the task becomes a decision instead of waiting for schedule-to-close
ALTER TABLE task ADD COLUMN unplaceable_since TIMESTAMPTZ;

-- The agent profiles a node advertises: [{name, adapter, model, contextTokens}], its default profile first.
ALTER TABLE node ADD COLUMN profile_offers JSONB NOT NULL DEFAULT '[]'::jsonb;

-- What a failed attempt says about its node and its profile: true/false for attempts a breaker of that scope
-- counts, null when the failure points elsewhere (at the task: tests, context, spec). breaker_failed stays the
-- fleet breaker's view (the failure points at a node or a profile).
ALTER TABLE task_attempt ADD COLUMN node_failed BOOLEAN;
ALTER TABLE task_attempt ADD COLUMN profile_failed BOOLEAN;
UPDATE task_attempt SET node_failed = breaker_failed, profile_failed = breaker_failed;
