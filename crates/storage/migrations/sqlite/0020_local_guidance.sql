-- Local implementing opinions (实施意见, issue 18): what a county or system committee adds
-- under the city's campaign for its subtree — a requirement under a criterion, an activity
-- item in an activity set, its own dates for a phase inside the city's. Withdrawn, a rule
-- stays on record (withdrawn_at) and leaves the pages.
CREATE TABLE local_guidance (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    standard TEXT,
    criterion TEXT,
    activity_set TEXT,
    code TEXT,
    name TEXT,
    phase TEXT,
    starts_on TEXT,
    ends_on TEXT,
    text TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX local_guidance_org ON local_guidance(campaign_id, org_id);
-- One set of dates per organisation and phase while in force.
CREATE UNIQUE INDEX local_guidance_phase ON local_guidance(campaign_id, org_id, phase)
    WHERE kind = 'phase' AND withdrawn_at IS NULL;

INSERT INTO id_counters (name, last_id) VALUES ('local_guidance', 0);
