-- What changed the scores, written in the transaction that changed them (积分变动), so that
-- every server of a cluster rescores the same subjects within a second or two: the position
-- is the audit id of the writing transaction's last entry, which grows in commit order.
-- subject_kind 'member' or 'organisation' names one subject; 'period' (subject_id 0) says a
-- period of the campaign closed; 'everything' (campaign_id 0, subject_id 0) says the tree,
-- a campaign file or another input of every board changed.
CREATE TABLE score_changes (
    position BIGINT NOT NULL,
    campaign_id BIGINT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (position, campaign_id, subject_kind, subject_id)
);

-- Pruning by age.
CREATE INDEX score_changes_at ON score_changes(at_ms);
