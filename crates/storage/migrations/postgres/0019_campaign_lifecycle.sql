-- Campaigns that follow each other (issue 18). A campaign is a draft (草拟中), running
-- (进行中: the one in use; at most one) or closed (已结束: read-only, still browsable). Of the
-- campaigns stored before, the newest was the one in use.
ALTER TABLE campaigns ADD COLUMN status TEXT NOT NULL DEFAULT 'running';
UPDATE campaigns SET status = 'closed' WHERE id < (SELECT MAX(id) FROM campaigns);
-- step: a schema change after a write starts its own transaction (docs/CLUSTER.md)
CREATE UNIQUE INDEX campaigns_one_running ON campaigns(status) WHERE status = 'running';

-- Spans in which the office opened a phase's work besides the phase's own dates (提前开放,
-- 延长): nominations before 评选表彰 begins, say.
CREATE TABLE phase_windows (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    phase TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX phase_windows_campaign ON phase_windows(campaign_id, id);

INSERT INTO id_counters (name, last_id) VALUES ('phase_windows', 0);
