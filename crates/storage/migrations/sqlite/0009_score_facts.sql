-- Score facts (计分数据汇总): one row per campaign, period and subject with the counts
-- scores are made of, kept up to date by triggers on the tables they count. A city-wide
-- recompute then reads one row per subject instead of some ten million ballot counts,
-- commitment items, reviews and records (docs/PERFORMANCE.md, DECISIONS 60). Triggers,
-- not application code, so that no write path can forget them; the storage crate's
-- `rebuild_score_facts` recounts a campaign from the tables themselves, and a test checks
-- that both agree after every kind of write.

-- A campaign's assessment periods, copied from its file when it is stored: the triggers
-- place a dated row (a round's end, an item's due date, a record's day) in its period.
CREATE TABLE campaign_periods (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    code TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    PRIMARY KEY (campaign_id, code)
);

-- Counts never go below what is stored: every trigger subtracts exactly what it once added.
-- items: items of published or evaluated commitments due in the period; items_closed: those
-- no longer open (kept or not); open items past due are counted when read, as they depend
-- on the day. hours_tenths: a member's own study and service, or an organisation's records.
CREATE TABLE score_facts (
    campaign_id INTEGER NOT NULL,
    period TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    review_points INTEGER NOT NULL DEFAULT 0,
    reviews INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER NOT NULL DEFAULT 0,
    basically_satisfied INTEGER NOT NULL DEFAULT 0,
    dissatisfied INTEGER NOT NULL DEFAULT 0,
    items INTEGER NOT NULL DEFAULT 0,
    items_kept INTEGER NOT NULL DEFAULT 0,
    items_closed INTEGER NOT NULL DEFAULT 0,
    hours_tenths INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, period, subject_kind, subject_id)
) WITHOUT ROWID;

-- Open items by due date, for counting those past due in the period that holds today.
CREATE INDEX commitment_items_open ON commitment_items(outcome, due_on);

-- Leader reviews (领导点评) carry their period's code.
CREATE TRIGGER score_facts_review_insert AFTER INSERT ON reviews BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, review_points, reviews)
    VALUES (NEW.campaign_id, NEW.period, NEW.subject_kind, NEW.subject_id, NEW.points, 1)
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        review_points = review_points + excluded.review_points,
        reviews = reviews + excluded.reviews;
END;

CREATE TRIGGER score_facts_review_delete AFTER DELETE ON reviews BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, review_points, reviews)
    VALUES (OLD.campaign_id, OLD.period, OLD.subject_kind, OLD.subject_id, -OLD.points, -1)
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        review_points = review_points + excluded.review_points,
        reviews = reviews + excluded.reviews;
END;

CREATE TRIGGER score_facts_review_update AFTER UPDATE ON reviews BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, review_points, reviews)
    VALUES (OLD.campaign_id, OLD.period, OLD.subject_kind, OLD.subject_id, -OLD.points, -1)
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        review_points = review_points + excluded.review_points,
        reviews = reviews + excluded.reviews;
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, review_points, reviews)
    VALUES (NEW.campaign_id, NEW.period, NEW.subject_kind, NEW.subject_id, NEW.points, 1)
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        review_points = review_points + excluded.review_points,
        reviews = reviews + excluded.reviews;
END;

-- Ballot counts (群众评议) belong to the period in which their round ends. The ballot
-- writer only ever adds to a count, so an update of the same key adds the difference.
CREATE TRIGGER score_facts_tally_insert AFTER INSERT ON eval_tallies BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        satisfied, basically_satisfied, dissatisfied)
    SELECT r.campaign_id, p.code, r.subject_kind, NEW.subject_id,
        CASE WHEN NEW.verdict = 'satisfied' THEN NEW.n ELSE 0 END,
        CASE WHEN NEW.verdict = 'basically_satisfied' THEN NEW.n ELSE 0 END,
        CASE WHEN NEW.verdict = 'dissatisfied' THEN NEW.n ELSE 0 END
    FROM eval_rounds r JOIN campaign_periods p ON p.campaign_id = r.campaign_id
        AND p.starts_on <= r.ends_on AND r.ends_on <= p.ends_on
    WHERE r.id = NEW.round_id
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        satisfied = satisfied + excluded.satisfied,
        basically_satisfied = basically_satisfied + excluded.basically_satisfied,
        dissatisfied = dissatisfied + excluded.dissatisfied;
END;

CREATE TRIGGER score_facts_tally_update AFTER UPDATE ON eval_tallies BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        satisfied, basically_satisfied, dissatisfied)
    SELECT r.campaign_id, p.code, r.subject_kind, OLD.subject_id,
        CASE WHEN OLD.verdict = 'satisfied' THEN -OLD.n ELSE 0 END,
        CASE WHEN OLD.verdict = 'basically_satisfied' THEN -OLD.n ELSE 0 END,
        CASE WHEN OLD.verdict = 'dissatisfied' THEN -OLD.n ELSE 0 END
    FROM eval_rounds r JOIN campaign_periods p ON p.campaign_id = r.campaign_id
        AND p.starts_on <= r.ends_on AND r.ends_on <= p.ends_on
    WHERE r.id = OLD.round_id
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        satisfied = satisfied + excluded.satisfied,
        basically_satisfied = basically_satisfied + excluded.basically_satisfied,
        dissatisfied = dissatisfied + excluded.dissatisfied;
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        satisfied, basically_satisfied, dissatisfied)
    SELECT r.campaign_id, p.code, r.subject_kind, NEW.subject_id,
        CASE WHEN NEW.verdict = 'satisfied' THEN NEW.n ELSE 0 END,
        CASE WHEN NEW.verdict = 'basically_satisfied' THEN NEW.n ELSE 0 END,
        CASE WHEN NEW.verdict = 'dissatisfied' THEN NEW.n ELSE 0 END
    FROM eval_rounds r JOIN campaign_periods p ON p.campaign_id = r.campaign_id
        AND p.starts_on <= r.ends_on AND r.ends_on <= p.ends_on
    WHERE r.id = NEW.round_id
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        satisfied = satisfied + excluded.satisfied,
        basically_satisfied = basically_satisfied + excluded.basically_satisfied,
        dissatisfied = dissatisfied + excluded.dissatisfied;
END;

CREATE TRIGGER score_facts_tally_delete AFTER DELETE ON eval_tallies BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        satisfied, basically_satisfied, dissatisfied)
    SELECT r.campaign_id, p.code, r.subject_kind, OLD.subject_id,
        CASE WHEN OLD.verdict = 'satisfied' THEN -OLD.n ELSE 0 END,
        CASE WHEN OLD.verdict = 'basically_satisfied' THEN -OLD.n ELSE 0 END,
        CASE WHEN OLD.verdict = 'dissatisfied' THEN -OLD.n ELSE 0 END
    FROM eval_rounds r JOIN campaign_periods p ON p.campaign_id = r.campaign_id
        AND p.starts_on <= r.ends_on AND r.ends_on <= p.ends_on
    WHERE r.id = OLD.round_id
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        satisfied = satisfied + excluded.satisfied,
        basically_satisfied = basically_satisfied + excluded.basically_satisfied,
        dissatisfied = dissatisfied + excluded.dissatisfied;
END;

-- Commitment items (承诺事项) count in the period of their due date while their commitment
-- is published or evaluated.
CREATE TRIGGER score_facts_item_insert AFTER INSERT ON commitment_items BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        items, items_kept, items_closed)
    SELECT c.campaign_id, p.code, c.subject_kind, c.subject_id, 1,
        CASE WHEN NEW.outcome = 'kept' THEN 1 ELSE 0 END,
        CASE WHEN NEW.outcome <> 'open' THEN 1 ELSE 0 END
    FROM commitments c JOIN campaign_periods p ON p.campaign_id = c.campaign_id
        AND p.starts_on <= NEW.due_on AND NEW.due_on <= p.ends_on
    WHERE c.id = NEW.commitment_id AND c.status IN ('published', 'evaluated')
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        items = items + excluded.items,
        items_kept = items_kept + excluded.items_kept,
        items_closed = items_closed + excluded.items_closed;
END;

CREATE TRIGGER score_facts_item_update AFTER UPDATE ON commitment_items BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        items, items_kept, items_closed)
    SELECT c.campaign_id, p.code, c.subject_kind, c.subject_id, -1,
        CASE WHEN OLD.outcome = 'kept' THEN -1 ELSE 0 END,
        CASE WHEN OLD.outcome <> 'open' THEN -1 ELSE 0 END
    FROM commitments c JOIN campaign_periods p ON p.campaign_id = c.campaign_id
        AND p.starts_on <= OLD.due_on AND OLD.due_on <= p.ends_on
    WHERE c.id = OLD.commitment_id AND c.status IN ('published', 'evaluated')
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        items = items + excluded.items,
        items_kept = items_kept + excluded.items_kept,
        items_closed = items_closed + excluded.items_closed;
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        items, items_kept, items_closed)
    SELECT c.campaign_id, p.code, c.subject_kind, c.subject_id, 1,
        CASE WHEN NEW.outcome = 'kept' THEN 1 ELSE 0 END,
        CASE WHEN NEW.outcome <> 'open' THEN 1 ELSE 0 END
    FROM commitments c JOIN campaign_periods p ON p.campaign_id = c.campaign_id
        AND p.starts_on <= NEW.due_on AND NEW.due_on <= p.ends_on
    WHERE c.id = NEW.commitment_id AND c.status IN ('published', 'evaluated')
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        items = items + excluded.items,
        items_kept = items_kept + excluded.items_kept,
        items_closed = items_closed + excluded.items_closed;
END;

CREATE TRIGGER score_facts_item_delete AFTER DELETE ON commitment_items BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        items, items_kept, items_closed)
    SELECT c.campaign_id, p.code, c.subject_kind, c.subject_id, -1,
        CASE WHEN OLD.outcome = 'kept' THEN -1 ELSE 0 END,
        CASE WHEN OLD.outcome <> 'open' THEN -1 ELSE 0 END
    FROM commitments c JOIN campaign_periods p ON p.campaign_id = c.campaign_id
        AND p.starts_on <= OLD.due_on AND OLD.due_on <= p.ends_on
    WHERE c.id = OLD.commitment_id AND c.status IN ('published', 'evaluated')
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        items = items + excluded.items,
        items_kept = items_kept + excluded.items_kept,
        items_closed = items_closed + excluded.items_closed;
END;

-- A commitment published (or withdrawn, or moved to another subject) brings its items in
-- (or takes them out). Commitments are never deleted.
CREATE TRIGGER score_facts_commitment_update AFTER UPDATE ON commitments
WHEN (OLD.status IN ('published', 'evaluated')) <> (NEW.status IN ('published', 'evaluated'))
    OR OLD.campaign_id <> NEW.campaign_id OR OLD.subject_kind <> NEW.subject_kind
    OR OLD.subject_id <> NEW.subject_id
BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        items, items_kept, items_closed)
    SELECT OLD.campaign_id, p.code, OLD.subject_kind, OLD.subject_id, -COUNT(*),
        -SUM(CASE WHEN i.outcome = 'kept' THEN 1 ELSE 0 END),
        -SUM(CASE WHEN i.outcome <> 'open' THEN 1 ELSE 0 END)
    FROM commitment_items i JOIN campaign_periods p ON p.campaign_id = OLD.campaign_id
        AND p.starts_on <= i.due_on AND i.due_on <= p.ends_on
    WHERE i.commitment_id = OLD.id AND OLD.status IN ('published', 'evaluated')
    GROUP BY p.code
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        items = items + excluded.items,
        items_kept = items_kept + excluded.items_kept,
        items_closed = items_closed + excluded.items_closed;
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        items, items_kept, items_closed)
    SELECT NEW.campaign_id, p.code, NEW.subject_kind, NEW.subject_id, COUNT(*),
        SUM(CASE WHEN i.outcome = 'kept' THEN 1 ELSE 0 END),
        SUM(CASE WHEN i.outcome <> 'open' THEN 1 ELSE 0 END)
    FROM commitment_items i JOIN campaign_periods p ON p.campaign_id = NEW.campaign_id
        AND p.starts_on <= i.due_on AND i.due_on <= p.ends_on
    WHERE i.commitment_id = NEW.id AND NEW.status IN ('published', 'evaluated')
    GROUP BY p.code
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        items = items + excluded.items,
        items_kept = items_kept + excluded.items_kept,
        items_closed = items_closed + excluded.items_closed;
END;

-- Study and service hours count for the member and for the organisation recorded.
CREATE TRIGGER score_facts_study_insert AFTER INSERT ON study_records BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, hours_tenths)
    SELECT NEW.campaign_id, p.code, s.kind, s.id, NEW.hours_tenths
    FROM campaign_periods p
    JOIN (SELECT 'member' AS kind, NEW.member_id AS id
          UNION ALL SELECT 'organisation', NEW.org_id) s
    WHERE p.campaign_id = NEW.campaign_id
        AND p.starts_on <= NEW.studied_on AND NEW.studied_on <= p.ends_on
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        hours_tenths = hours_tenths + excluded.hours_tenths;
END;

CREATE TRIGGER score_facts_study_delete AFTER DELETE ON study_records BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, hours_tenths)
    SELECT OLD.campaign_id, p.code, s.kind, s.id, -OLD.hours_tenths
    FROM campaign_periods p
    JOIN (SELECT 'member' AS kind, OLD.member_id AS id
          UNION ALL SELECT 'organisation', OLD.org_id) s
    WHERE p.campaign_id = OLD.campaign_id
        AND p.starts_on <= OLD.studied_on AND OLD.studied_on <= p.ends_on
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        hours_tenths = hours_tenths + excluded.hours_tenths;
END;

CREATE TRIGGER score_facts_study_update AFTER UPDATE ON study_records BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, hours_tenths)
    SELECT OLD.campaign_id, p.code, s.kind, s.id, -OLD.hours_tenths
    FROM campaign_periods p
    JOIN (SELECT 'member' AS kind, OLD.member_id AS id
          UNION ALL SELECT 'organisation', OLD.org_id) s
    WHERE p.campaign_id = OLD.campaign_id
        AND p.starts_on <= OLD.studied_on AND OLD.studied_on <= p.ends_on
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        hours_tenths = hours_tenths + excluded.hours_tenths;
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, hours_tenths)
    SELECT NEW.campaign_id, p.code, s.kind, s.id, NEW.hours_tenths
    FROM campaign_periods p
    JOIN (SELECT 'member' AS kind, NEW.member_id AS id
          UNION ALL SELECT 'organisation', NEW.org_id) s
    WHERE p.campaign_id = NEW.campaign_id
        AND p.starts_on <= NEW.studied_on AND NEW.studied_on <= p.ends_on
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        hours_tenths = hours_tenths + excluded.hours_tenths;
END;

CREATE TRIGGER score_facts_service_insert AFTER INSERT ON service_records BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, hours_tenths)
    SELECT NEW.campaign_id, p.code, s.kind, s.id, NEW.hours_tenths
    FROM campaign_periods p
    JOIN (SELECT 'member' AS kind, NEW.member_id AS id
          UNION ALL SELECT 'organisation', NEW.org_id) s
    WHERE p.campaign_id = NEW.campaign_id
        AND p.starts_on <= NEW.served_on AND NEW.served_on <= p.ends_on
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        hours_tenths = hours_tenths + excluded.hours_tenths;
END;

CREATE TRIGGER score_facts_service_delete AFTER DELETE ON service_records BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, hours_tenths)
    SELECT OLD.campaign_id, p.code, s.kind, s.id, -OLD.hours_tenths
    FROM campaign_periods p
    JOIN (SELECT 'member' AS kind, OLD.member_id AS id
          UNION ALL SELECT 'organisation', OLD.org_id) s
    WHERE p.campaign_id = OLD.campaign_id
        AND p.starts_on <= OLD.served_on AND OLD.served_on <= p.ends_on
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        hours_tenths = hours_tenths + excluded.hours_tenths;
END;

CREATE TRIGGER score_facts_service_update AFTER UPDATE ON service_records BEGIN
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, hours_tenths)
    SELECT OLD.campaign_id, p.code, s.kind, s.id, -OLD.hours_tenths
    FROM campaign_periods p
    JOIN (SELECT 'member' AS kind, OLD.member_id AS id
          UNION ALL SELECT 'organisation', OLD.org_id) s
    WHERE p.campaign_id = OLD.campaign_id
        AND p.starts_on <= OLD.served_on AND OLD.served_on <= p.ends_on
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        hours_tenths = hours_tenths + excluded.hours_tenths;
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, hours_tenths)
    SELECT NEW.campaign_id, p.code, s.kind, s.id, NEW.hours_tenths
    FROM campaign_periods p
    JOIN (SELECT 'member' AS kind, NEW.member_id AS id
          UNION ALL SELECT 'organisation', NEW.org_id) s
    WHERE p.campaign_id = NEW.campaign_id
        AND p.starts_on <= NEW.served_on AND NEW.served_on <= p.ends_on
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        hours_tenths = hours_tenths + excluded.hours_tenths;
END;
