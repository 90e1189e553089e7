-- who submitted the spec (the caller's identity name): the review service keeps that person from approving a
-- high-risk change of their own spec. Specs from before it was recorded have none (unknown).
ALTER TABLE spec ADD COLUMN submitted_by TEXT;
