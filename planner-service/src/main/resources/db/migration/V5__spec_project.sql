-- the project a spec belongs to: tokens see only the specs of their projects; specs from before projects existed
-- belong to the default project
ALTER TABLE spec ADD COLUMN project TEXT NOT NULL DEFAULT 'default';
CREATE INDEX spec_project_idx ON spec (project);
