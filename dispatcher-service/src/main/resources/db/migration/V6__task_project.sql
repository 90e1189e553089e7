-- the project of a task's spec (from its TaskReady): tokens see only the tasks of their projects; tasks from before
-- projects existed belong to the default project
ALTER TABLE task ADD COLUMN project TEXT NOT NULL DEFAULT 'default';
CREATE INDEX task_project_idx ON task (project);
