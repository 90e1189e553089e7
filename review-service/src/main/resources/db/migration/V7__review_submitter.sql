-- who submitted the reviewed task's spec (from its TaskResult): at or above forgeline.review.four-eyes-level that
-- identity may not approve the change. Rows from before it was recorded have none (unknown: the rule does not apply).
ALTER TABLE review ADD COLUMN submitted_by TEXT;
