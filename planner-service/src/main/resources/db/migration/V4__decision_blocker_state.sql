-- the end state (FAILED, REJECTED, CANCELLED) of the task a BLOCKED_BY_FAILURE decision is about
ALTER TABLE decision ADD COLUMN blocker_state TEXT;
