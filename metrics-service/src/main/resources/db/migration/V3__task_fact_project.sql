-- the project of a task's spec (from its TaskReady): tokens see the figures and reports of their projects only;
-- facts from before projects existed belong to the default project
ALTER TABLE task_fact ADD COLUMN project TEXT NOT NULL DEFAULT 'default';
