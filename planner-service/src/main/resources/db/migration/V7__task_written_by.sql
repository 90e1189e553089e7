-- who wrote each task's current text: the spec's submitter, or whoever submitted the revision that added or changed
-- the task. Four eyes holds that person back from approving it; a revision by someone else no longer leaves the
-- reviser free to approve their own change under the first submitter's name.
ALTER TABLE task ADD COLUMN written_by TEXT;
UPDATE task t SET written_by = s.submitted_by FROM spec s WHERE s.id = t.spec_id;
