-- Bulletins delivered and scheduled, and the stage reports sent up the tree (issue 20).
-- The organisations a bulletin is addressed to (主送), who find it on their home page.
CREATE TABLE bulletin_recipients (
    bulletin_id BIGINT NOT NULL REFERENCES bulletins(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (bulletin_id, org_id)
);
CREATE INDEX bulletin_recipients_org ON bulletin_recipients(org_id);

-- A progress bulletin that drafts itself: each month on its first working day, or when a
-- period closes.
CREATE TABLE bulletin_schedules (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    scope_org_id BIGINT NOT NULL REFERENCES organisations(id),
    rule TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    starts_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Each run of a schedule, once: the primary key lets one server of several take a run and
-- the others find it taken, in the transaction that stores the draft.
CREATE TABLE bulletin_schedule_runs (
    schedule_id BIGINT NOT NULL REFERENCES bulletin_schedules(id),
    run_key TEXT NOT NULL,
    bulletin_id BIGINT NOT NULL REFERENCES bulletins(id),
    ran_at BIGINT NOT NULL,
    PRIMARY KEY (schedule_id, run_key)
);

-- A branch's or committee's stage summary (阶段总结) sent up: its own text, its good
-- practices, and the figures it was pre-filled with.
CREATE TABLE stage_reports (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    stage TEXT NOT NULL,
    summary TEXT NOT NULL,
    practices TEXT NOT NULL,
    figures_json TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX stage_reports_one ON stage_reports(campaign_id, stage, org_id);

-- The good practices of reports below that an organisation picked for its own summary.
CREATE TABLE stage_report_picks (
    report_id BIGINT NOT NULL REFERENCES stage_reports(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    picked_by TEXT NOT NULL,
    PRIMARY KEY (report_id, org_id)
);

INSERT INTO id_counters (name, last_id) VALUES ('bulletin_schedules', 0);
INSERT INTO id_counters (name, last_id) VALUES ('stage_reports', 0);
