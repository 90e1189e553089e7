-- Merge mode pull-request reverts a merge through a revert pull request: the merge stays MERGED until that pull
-- request is merged (then REVERTED). Trigger, reason and who asked are kept in the revert_* columns meanwhile.
ALTER TABLE review
    ADD COLUMN revert_pull_request_number INTEGER,
    ADD COLUMN revert_pull_request_url    TEXT;
