-- the project of a decision's spec, from the decision event itself: a spec whose tasks all wait for a decision has
-- no task fact to take it from; null for decisions recorded before events carried it
ALTER TABLE decision_fact ADD COLUMN project TEXT;
