-- Merge mode pull-request: the pull request (merge request) an attempt waits in, and the state in which it waits
-- for the repository's required checks before the hosting service merges it.
ALTER TABLE review DROP CONSTRAINT review_state_check;
ALTER TABLE review ADD CONSTRAINT review_state_check
    CHECK (state IN ('AWAITING_ACCEPTANCE', 'PENDING', 'CHECKS_PENDING', 'MERGED', 'REJECTED', 'FAILED',
                     'CHANGES_REQUESTED', 'REVERTED'));

ALTER TABLE review
    ADD COLUMN pull_request_number INTEGER,
    ADD COLUMN pull_request_url    TEXT,
    -- why the pull request waits, or why the last look at it failed (rate limited, checks pending, ...)
    ADD COLUMN pull_request_status TEXT;

CREATE INDEX review_open_pull_requests ON review (repository)
    WHERE state IN ('PENDING', 'CHECKS_PENDING') AND pull_request_number IS NOT NULL;
