-- Scores and rankings (issue 6): self-assessment, imported indicators, and closed periods'
-- snapshots. Open periods are scored from their inputs on demand; a closed period is read
-- from its snapshot only, so that a later edit cannot change it silently.

-- 自评: the points (0–100) a subject gives itself for each criterion of its standard.
CREATE TABLE self_assessments (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    period TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    criterion TEXT NOT NULL,
    points BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, period, subject_kind, subject_id, criterion)
);

-- 业绩指标: imported values, one per indicator, subject and period.
CREATE TABLE indicator_values (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    period TEXT NOT NULL,
    indicator TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, period, indicator, subject_kind, subject_id)
);

-- A closed period (考核周期已关闭): who closed it, when, and a digest of its snapshot.
CREATE TABLE period_closures (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    period TEXT NOT NULL,
    subjects BIGINT NOT NULL,
    digest TEXT NOT NULL,
    closed_by TEXT NOT NULL,
    closed_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, period)
);

-- The snapshot: each subject's peer group (organisation, category, level) and inputs as they
-- were at closing, and the scores made from them (hundredths; criteria comma-separated in
-- the standard's order, empty where there was no data).
CREATE TABLE period_scores (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    period TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    category TEXT,
    level TEXT NOT NULL,
    total BIGINT,
    criteria TEXT NOT NULL,
    inputs TEXT NOT NULL,
    PRIMARY KEY (campaign_id, period, subject_kind, subject_id)
);
