-- The ref on the repository's remote the worker pushed the attempt's commit to (refs/heads/<branch> when null):
-- the review fetches the commit from there into its own clone.
ALTER TABLE review ADD COLUMN fetch_ref TEXT;
