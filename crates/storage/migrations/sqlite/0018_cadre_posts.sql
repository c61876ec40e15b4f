-- A cadre's post over time (issue 17): the day a post ended (离任, or 调任 to another team,
-- which starts a new post). What happened while it was held stays attached to it.
-- Organisations closed or merged (撤销, 合并): the day, and the one it was merged into.
ALTER TABLE cadres ADD COLUMN left_on TEXT;
ALTER TABLE organisations ADD COLUMN closed_on TEXT;
ALTER TABLE organisations ADD COLUMN merged_into BIGINT REFERENCES organisations(id);
