-- Score facts (计分数据汇总): one row per campaign, period and subject with the counts
-- scores are made of. A city-wide recompute then reads one row per subject instead of
-- some ten million ballot counts, commitment items, reviews and records
-- (docs/PERFORMANCE.md, DECISIONS 60). The write path keeps them (storage::scores::facts);
-- this migration once created triggers for it, which the distributed engines do not have
-- (docs/CLUSTER.md, decision 128).

-- A campaign's assessment periods, copied from its file when it is stored: they
-- place a dated row (a round's end, an item's due date, a record's day) in its period.
CREATE TABLE campaign_periods (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    code TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    PRIMARY KEY (campaign_id, code)
);

-- items: items of published or evaluated commitments due in the period; items_closed: those
-- no longer open (kept or not); open items past due are counted when read, as they depend
-- on the day. hours_tenths: a member's own study and service, or an organisation's records.
CREATE TABLE score_facts (
    campaign_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    review_points BIGINT NOT NULL DEFAULT 0,
    reviews BIGINT NOT NULL DEFAULT 0,
    satisfied BIGINT NOT NULL DEFAULT 0,
    basically_satisfied BIGINT NOT NULL DEFAULT 0,
    dissatisfied BIGINT NOT NULL DEFAULT 0,
    items BIGINT NOT NULL DEFAULT 0,
    items_kept BIGINT NOT NULL DEFAULT 0,
    items_closed BIGINT NOT NULL DEFAULT 0,
    hours_tenths BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, period, subject_kind, subject_id)
);

-- Open items by due date, for counting those past due in the period that holds today.
CREATE INDEX commitment_items_open ON commitment_items(outcome, due_on);
