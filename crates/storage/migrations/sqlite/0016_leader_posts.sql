-- Leadership teams and cadres from their sheets (issue 17): a team's kind (班子类别), and
-- for each cadre's post whether it is the team's principal leader (主要负责人, 第一责任人)
-- and since when it is held (任职时间, an ISO date).
ALTER TABLE leadership_teams ADD COLUMN category TEXT;
ALTER TABLE cadres ADD COLUMN is_head BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cadres ADD COLUMN since TEXT;
