-- Scores read every review of a period grouped by subject: this index gives them in that
-- order with the points, so the read is one range of it and no sort (docs/PERFORMANCE.md).
CREATE INDEX reviews_period ON reviews(campaign_id, period, subject_kind, subject_id, points);
