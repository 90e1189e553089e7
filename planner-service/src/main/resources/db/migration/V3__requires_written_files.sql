-- placement requirements (Requires:) apart from metadata labels; why each named file counts as written
ALTER TABLE task ADD COLUMN requires JSONB NOT NULL DEFAULT '{}';
ALTER TABLE task ADD COLUMN file_reasons JSONB NOT NULL DEFAULT '{}';
