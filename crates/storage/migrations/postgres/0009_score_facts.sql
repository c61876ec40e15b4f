-- Score facts (计分数据汇总): one row per campaign, period and subject with the counts
-- scores are made of, kept up to date by triggers on the tables they count. A city-wide
-- recompute then reads one row per subject instead of some ten million ballot counts,
-- commitment items, reviews and records (docs/PERFORMANCE.md, DECISIONS 60). Triggers,
-- not application code, so that no write path can forget them; the storage crate's
-- `rebuild_score_facts` recounts a campaign from the tables themselves, and a test checks
-- that both agree after every kind of write. The same rules as the SQLite migration.

-- A campaign's assessment periods, copied from its file when it is stored: the triggers
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

-- Leader reviews (领导点评) carry their period's code.
CREATE FUNCTION score_facts_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
            review_points, reviews)
        VALUES (OLD.campaign_id, OLD.period, OLD.subject_kind, OLD.subject_id, -OLD.points, -1)
        ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
            review_points = score_facts.review_points + EXCLUDED.review_points,
            reviews = score_facts.reviews + EXCLUDED.reviews;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
            review_points, reviews)
        VALUES (NEW.campaign_id, NEW.period, NEW.subject_kind, NEW.subject_id, NEW.points, 1)
        ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
            review_points = score_facts.review_points + EXCLUDED.review_points,
            reviews = score_facts.reviews + EXCLUDED.reviews;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER score_facts_review AFTER INSERT OR UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION score_facts_review();

-- Ballot counts (群众评议) belong to the period in which their round ends.
CREATE FUNCTION score_facts_tally_add(round BIGINT, subject BIGINT, verdict TEXT, n BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        satisfied, basically_satisfied, dissatisfied)
    SELECT r.campaign_id, p.code, r.subject_kind, subject,
        CASE WHEN verdict = 'satisfied' THEN n ELSE 0 END,
        CASE WHEN verdict = 'basically_satisfied' THEN n ELSE 0 END,
        CASE WHEN verdict = 'dissatisfied' THEN n ELSE 0 END
    FROM eval_rounds r JOIN campaign_periods p ON p.campaign_id = r.campaign_id
        AND p.starts_on <= r.ends_on AND r.ends_on <= p.ends_on
    WHERE r.id = round
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        satisfied = score_facts.satisfied + EXCLUDED.satisfied,
        basically_satisfied = score_facts.basically_satisfied + EXCLUDED.basically_satisfied,
        dissatisfied = score_facts.dissatisfied + EXCLUDED.dissatisfied;
$$;
CREATE FUNCTION score_facts_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM score_facts_tally_add(OLD.round_id, OLD.subject_id, OLD.verdict, -OLD.n);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM score_facts_tally_add(NEW.round_id, NEW.subject_id, NEW.verdict, NEW.n);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER score_facts_tally AFTER INSERT OR UPDATE OR DELETE ON eval_tallies
    FOR EACH ROW EXECUTE FUNCTION score_facts_tally();

-- Commitment items (承诺事项) count in the period of their due date while their commitment
-- is published or evaluated.
CREATE FUNCTION score_facts_item_add(commitment BIGINT, due TEXT, outcome TEXT, sign BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        items, items_kept, items_closed)
    SELECT c.campaign_id, p.code, c.subject_kind, c.subject_id, sign,
        CASE WHEN outcome = 'kept' THEN sign ELSE 0 END,
        CASE WHEN outcome <> 'open' THEN sign ELSE 0 END
    FROM commitments c JOIN campaign_periods p ON p.campaign_id = c.campaign_id
        AND p.starts_on <= due AND due <= p.ends_on
    WHERE c.id = commitment AND c.status IN ('published', 'evaluated')
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        items = score_facts.items + EXCLUDED.items,
        items_kept = score_facts.items_kept + EXCLUDED.items_kept,
        items_closed = score_facts.items_closed + EXCLUDED.items_closed;
$$;
CREATE FUNCTION score_facts_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM score_facts_item_add(OLD.commitment_id, OLD.due_on, OLD.outcome, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM score_facts_item_add(NEW.commitment_id, NEW.due_on, NEW.outcome, 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER score_facts_item AFTER INSERT OR UPDATE OR DELETE ON commitment_items
    FOR EACH ROW EXECUTE FUNCTION score_facts_item();

-- A commitment published (or withdrawn, or moved to another subject) brings its items in
-- (or takes them out). Commitments are never deleted.
CREATE FUNCTION score_facts_commitment_add(c commitments, sign BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id,
        items, items_kept, items_closed)
    SELECT c.campaign_id, p.code, c.subject_kind, c.subject_id, sign * COUNT(*),
        sign * SUM(CASE WHEN i.outcome = 'kept' THEN 1 ELSE 0 END),
        sign * SUM(CASE WHEN i.outcome <> 'open' THEN 1 ELSE 0 END)
    FROM commitment_items i JOIN campaign_periods p ON p.campaign_id = c.campaign_id
        AND p.starts_on <= i.due_on AND i.due_on <= p.ends_on
    WHERE i.commitment_id = c.id AND c.status IN ('published', 'evaluated')
    GROUP BY p.code
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        items = score_facts.items + EXCLUDED.items,
        items_kept = score_facts.items_kept + EXCLUDED.items_kept,
        items_closed = score_facts.items_closed + EXCLUDED.items_closed;
$$;
CREATE FUNCTION score_facts_commitment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM score_facts_commitment_add(OLD, -1);
    PERFORM score_facts_commitment_add(NEW, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER score_facts_commitment AFTER UPDATE ON commitments FOR EACH ROW
    WHEN ((OLD.status IN ('published', 'evaluated')) <> (NEW.status IN ('published', 'evaluated'))
        OR OLD.campaign_id <> NEW.campaign_id OR OLD.subject_kind <> NEW.subject_kind
        OR OLD.subject_id <> NEW.subject_id)
    EXECUTE FUNCTION score_facts_commitment();

-- Study and service hours count for the member and for the organisation recorded.
CREATE FUNCTION score_facts_hours_add(campaign BIGINT, member BIGINT, org BIGINT, day TEXT,
    tenths BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, hours_tenths)
    SELECT campaign, p.code, s.kind, s.id, tenths
    FROM campaign_periods p
    CROSS JOIN (VALUES ('member', member), ('organisation', org)) AS s(kind, id)
    WHERE p.campaign_id = campaign AND p.starts_on <= day AND day <= p.ends_on
    ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET
        hours_tenths = score_facts.hours_tenths + EXCLUDED.hours_tenths;
$$;
CREATE FUNCTION score_facts_study() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM score_facts_hours_add(OLD.campaign_id, OLD.member_id, OLD.org_id,
            OLD.studied_on, -OLD.hours_tenths);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM score_facts_hours_add(NEW.campaign_id, NEW.member_id, NEW.org_id,
            NEW.studied_on, NEW.hours_tenths);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER score_facts_study AFTER INSERT OR UPDATE OR DELETE ON study_records
    FOR EACH ROW EXECUTE FUNCTION score_facts_study();
CREATE FUNCTION score_facts_service() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM score_facts_hours_add(OLD.campaign_id, OLD.member_id, OLD.org_id,
            OLD.served_on, -OLD.hours_tenths);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM score_facts_hours_add(NEW.campaign_id, NEW.member_id, NEW.org_id,
            NEW.served_on, NEW.hours_tenths);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER score_facts_service AFTER INSERT OR UPDATE OR DELETE ON service_records
    FOR EACH ROW EXECUTE FUNCTION score_facts_service();
