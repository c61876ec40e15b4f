-- Taking part (issue 4): set-up records, public commitments, study and service records,
-- leader reviews, and the evidence files they carry. Every table is written through WriteTx,
-- so every change is in the audit trail as well.

-- The member record of the person behind an account (a member drafts their own commitment).
ALTER TABLE users ADD COLUMN member_id BIGINT REFERENCES members(id);

-- Evidence files (佐证材料): plans' documents and progress photos. Photos are stored with
-- their metadata (GPS position, camera, time) removed; the name is shown, never a path.
CREATE TABLE attachments (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    extension TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Implementation plans (实施方案), one per organisation and campaign.
CREATE TABLE plans (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    -- The campaign leadership body (领导小组): who leads, who serves.
    leadership_body TEXT NOT NULL,
    body TEXT NOT NULL,
    attachment_id BIGINT REFERENCES attachments(id),
    status TEXT NOT NULL,
    comment TEXT,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    UNIQUE (campaign_id, org_id)
);

-- Mobilisation meetings (动员大会).
CREATE TABLE meetings (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    level TEXT NOT NULL,
    attendance BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX meetings_org ON meetings(org_id);

-- Public commitments (公开承诺). subject_id is an organisation, member, team or cadre id
-- by subject_kind; org_id is the subject's own organisation (a member's branch, a team's
-- committee), by which scope is decided.
CREATE TABLE commitments (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    evaluation TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX commitments_org ON commitments(org_id, status);
CREATE INDEX commitments_subject ON commitments(subject_kind, subject_id);

CREATE TABLE commitment_items (
    id BIGINT PRIMARY KEY,
    commitment_id BIGINT NOT NULL REFERENCES commitments(id),
    position BIGINT NOT NULL,
    activity TEXT NOT NULL,
    content TEXT NOT NULL,
    target TEXT NOT NULL,
    due_on TEXT NOT NULL,
    outcome TEXT NOT NULL,
    closed_on TEXT,
    closed_by TEXT,
    close_note TEXT
);
CREATE INDEX commitment_items_commitment ON commitment_items(commitment_id);

-- Every step of a commitment's lifecycle: who, when, from what to what, and why.
CREATE TABLE commitment_events (
    id BIGINT PRIMARY KEY,
    commitment_id BIGINT NOT NULL REFERENCES commitments(id),
    step TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    item_id BIGINT,
    actor TEXT NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX commitment_events_commitment ON commitment_events(commitment_id);

-- Progress reports (践诺) with their evidence.
CREATE TABLE progress_reports (
    id BIGINT PRIMARY KEY,
    commitment_id BIGINT NOT NULL REFERENCES commitments(id),
    item_id BIGINT REFERENCES commitment_items(id),
    body TEXT NOT NULL,
    reported_on TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX progress_reports_commitment ON progress_reports(commitment_id);
CREATE TABLE progress_attachments (
    report_id BIGINT NOT NULL REFERENCES progress_reports(id),
    attachment_id BIGINT NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (report_id, attachment_id)
);

-- Study (比学习). Hours in tenths, so that 1.5 hours is exact. org_id is the member's
-- branch when the record was made: the record stays with the branch where it happened.
CREATE TABLE study_records (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    topic TEXT NOT NULL,
    form TEXT NOT NULL,
    hours_tenths BIGINT NOT NULL,
    studied_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX study_records_org ON study_records(org_id, studied_on);
CREATE INDEX study_records_member ON study_records(member_id, studied_on);

-- Service carriers (党员先锋岗, 党员责任区, 党员示范点) and the members attached.
CREATE TABLE service_posts (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX service_posts_org ON service_posts(org_id);
CREATE TABLE service_post_members (
    post_id BIGINT NOT NULL REFERENCES service_posts(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    PRIMARY KEY (post_id, member_id)
);

-- Volunteer service (比服务), hours in tenths.
CREATE TABLE service_records (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    post_id BIGINT REFERENCES service_posts(id),
    description TEXT NOT NULL,
    hours_tenths BIGINT NOT NULL,
    served_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX service_records_org ON service_records(org_id, served_on);
CREATE INDEX service_records_member ON service_records(member_id, served_on);

-- Leader reviews (领导点评): who reviews which subject, and the reviews, one per campaign,
-- reviewer, subject and period.
CREATE TABLE review_assignments (
    reviewer TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (reviewer, subject_kind, subject_id)
);
CREATE TABLE reviews (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    reviewer TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    period TEXT NOT NULL,
    grade TEXT NOT NULL,
    points BIGINT NOT NULL,
    comment TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (campaign_id, reviewer, subject_kind, subject_id, period)
);
CREATE INDEX reviews_org ON reviews(org_id, period);
