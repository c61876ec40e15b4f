-- Selection and commendation (评选表彰, issue 7): nominations and every step taken on them,
-- public notices (公示) and the objections (异议) raised during them, and disciplinary
-- sanctions (党纪处分) that eligibility rules look at. Written through WriteTx, so every
-- change is in the audit trail too. The honour roll is the commended nominations.

-- A candidate for an honour. nominated_by_org holds the quota; decided_by_org is the
-- organisation whose committee assesses and approves it (the level above); a nomination
-- recommended on to a higher level is a new row pointing back at the one it came from.
CREATE TABLE nominations (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    honour TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    -- The subject's own organisation, by which scope is decided.
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    nominated_by_org BIGINT NOT NULL REFERENCES organisations(id),
    decided_by_org BIGINT NOT NULL REFERENCES organisations(id),
    stage TEXT NOT NULL,
    -- 事迹材料 in full, and the summary a public notice shows.
    deeds TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- The eligibility checks when nominated (JSON: rule, passed, reason).
    eligibility TEXT NOT NULL,
    assessment TEXT,
    decision TEXT,
    notice_id BIGINT,
    document_no TEXT,
    commended_on TEXT,
    recommended_from BIGINT REFERENCES nominations(id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- One open nomination per subject and honour: withdrawn and rejected ones, and those
-- recommended on to a higher level, do not count (checked in the writing transaction).
CREATE INDEX nominations_subject ON nominations(campaign_id, honour, subject_kind, subject_id);
CREATE INDEX nominations_from ON nominations(recommended_from);
CREATE INDEX nominations_quota ON nominations(campaign_id, honour, nominated_by_org, stage);
CREATE INDEX nominations_notice ON nominations(notice_id);

CREATE TABLE nomination_events (
    id INTEGER PRIMARY KEY,
    nomination_id BIGINT NOT NULL REFERENCES nominations(id),
    step TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX nomination_events_nomination ON nomination_events(nomination_id);

CREATE TABLE nomination_attachments (
    nomination_id BIGINT NOT NULL REFERENCES nominations(id),
    attachment_id BIGINT NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (nomination_id, attachment_id)
);

-- A public notice: its candidates are the nominations carrying its id.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    honour TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Where objections go besides this page (the office's phone and address).
    contact TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    workdays BIGINT NOT NULL,
    real_name BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- An objection: its content, the optional name and contact (encrypted), a keyed hash of
-- where it came from for rate limiting, and the investigation's record and finding.
CREATE TABLE objections (
    id INTEGER PRIMARY KEY,
    notice_id BIGINT NOT NULL REFERENCES notices(id),
    nomination_id BIGINT NOT NULL REFERENCES nominations(id),
    content TEXT NOT NULL,
    name TEXT,
    contact TEXT,
    source TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    investigation TEXT,
    finding TEXT,
    handled_by TEXT,
    handled_at BIGINT
);
CREATE INDEX objections_notice ON objections(notice_id, source, submitted_at);
CREATE INDEX objections_nomination ON objections(nomination_id);

-- 党纪处分 recorded against members (for the "no sanction" rule).
CREATE TABLE sanctions (
    id INTEGER PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members(id),
    imposed_on TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX sanctions_member ON sanctions(member_id, imposed_on);
