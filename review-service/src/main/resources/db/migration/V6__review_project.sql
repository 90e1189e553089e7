-- the project of the reviewed task's spec (from its TaskResult): tokens see and decide only the reviews and
-- merges of their projects; rows from before projects existed belong to the default project
ALTER TABLE review ADD COLUMN project TEXT NOT NULL DEFAULT 'default';
CREATE INDEX review_project_idx ON review (project);
