-- The audit trail without one queue for every writer (issue 22, decision 131): a write
-- transaction appends its entries here, committed with the change; a sealer (the writing
-- server right after its commit, and every server each second) takes the chain's head in
-- a short transaction of its own, numbers and hashes the pending entries into the chain in
-- audit_log, and deletes them here. The chain stays gap-free and verifiable.
CREATE TABLE audit_pending (
    tx_key TEXT NOT NULL,
    seq BIGINT NOT NULL,
    written_at BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    PRIMARY KEY (tx_key, seq)
);
CREATE INDEX audit_pending_order ON audit_pending(written_at, tx_key, seq);

-- Score changes are keyed by their transaction and get their position when its entries
-- are sealed (0 until then). They live a second or two before every server has read them;
-- the few of an upgrade's moment are dropped with the table.
DROP TABLE score_changes;
CREATE TABLE score_changes (
    tx_key TEXT NOT NULL,
    position BIGINT NOT NULL,
    campaign_id BIGINT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (tx_key, campaign_id, subject_kind, subject_id)
);
CREATE INDEX score_changes_position ON score_changes(position);
CREATE INDEX score_changes_at ON score_changes(at_ms);
