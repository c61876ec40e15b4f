-- Models, good practices and lecture tours (先进典型, 好经验好做法, 巡回宣讲; issue 21).

-- A library entry (先进典型): one subject of the registry or a group of them (model_subjects),
-- its deeds, level and source. `org_id` is the organisation it belongs to, for scope: the
-- subject's own, or for a group the one that proposed it. A commended entry names its
-- nomination, once.
CREATE TABLE models (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    name TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    level TEXT NOT NULL,
    source TEXT NOT NULL,
    nomination_id BIGINT REFERENCES nominations(id),
    summary TEXT NOT NULL,
    deeds TEXT NOT NULL,
    status TEXT NOT NULL,
    withdraw_reason TEXT,
    -- A sanction withdrew it (the reason is then the sanction's kind).
    by_sanction BIGINT NOT NULL DEFAULT 0,
    -- Set when a sanction withdrew the entry, until the office has seen it.
    needs_attention BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX models_nomination ON models(nomination_id);
CREATE INDEX models_status ON models(campaign_id, status, id);

CREATE TABLE model_subjects (
    model_id BIGINT NOT NULL REFERENCES models(id),
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    PRIMARY KEY (model_id, subject_kind, subject_id)
);
CREATE INDEX model_subjects_subject ON model_subjects(subject_kind, subject_id);

-- Tags by facet: sector (行业), category (类别), theme (主题).
CREATE TABLE model_tags (
    model_id BIGINT NOT NULL REFERENCES models(id),
    facet TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (model_id, facet, tag)
);
CREATE INDEX model_tags_tag ON model_tags(facet, tag);

-- Deeds files and photos (photos are stored without their metadata).
CREATE TABLE model_files (
    model_id BIGINT NOT NULL REFERENCES models(id),
    attachment_id BIGINT NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (model_id, attachment_id)
);

-- A good practice (好经验好做法) an organisation submits; the office edits, accepts or
-- returns, publishes; an accepted one may be adopted as a rule (制度) of the register.
CREATE TABLE practices (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    standard TEXT NOT NULL,
    status TEXT NOT NULL,
    return_reason TEXT,
    public BIGINT NOT NULL DEFAULT 0,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX practices_status ON practices(campaign_id, status, id);

CREATE TABLE practice_files (
    practice_id BIGINT NOT NULL REFERENCES practices(id),
    attachment_id BIGINT NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (practice_id, attachment_id)
);

-- The 长效机制 register: rules adopted, each from the practice it came from (if any).
CREATE TABLE mechanism_rules (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    practice_id BIGINT REFERENCES practices(id),
    adopted_on TEXT NOT NULL,
    adopted_by TEXT NOT NULL
);
CREATE UNIQUE INDEX mechanism_rules_practice ON mechanism_rules(practice_id);

-- A lecture delegation (报告团): its speakers are library entries.
CREATE TABLE delegations (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    theme TEXT NOT NULL,
    leader TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE delegation_speakers (
    delegation_id BIGINT NOT NULL REFERENCES delegations(id),
    model_id BIGINT NOT NULL REFERENCES models(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (delegation_id, model_id)
);

-- An organisation asks for a session; the office schedules it.
CREATE TABLE lecture_requests (
    id BIGINT PRIMARY KEY,
    delegation_id BIGINT NOT NULL REFERENCES delegations(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    wanted TEXT NOT NULL,
    audience BIGINT NOT NULL,
    note TEXT NOT NULL,
    session_id BIGINT,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL
);

-- A session (宣讲场次): when, where, who hosts. Times are Beijing local time
-- ('YYYY-MM-DD HH:MM'), which sort as text.
CREATE TABLE lecture_sessions (
    id BIGINT PRIMARY KEY,
    delegation_id BIGINT NOT NULL REFERENCES delegations(id),
    host_org_id BIGINT NOT NULL REFERENCES organisations(id),
    venue TEXT NOT NULL,
    county_code TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    audience BIGINT NOT NULL,
    cancelled BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX lecture_sessions_when ON lecture_sessions(starts_at);
CREATE INDEX lecture_sessions_delegation ON lecture_sessions(delegation_id, starts_at);

-- A phone signed in at a session, once: a keyed hash of its browser token, never the token.
CREATE TABLE lecture_signins (
    session_id BIGINT NOT NULL REFERENCES lecture_sessions(id),
    phone_hash TEXT NOT NULL,
    signed_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, phone_hash)
);

-- A signed-in phone's rating of one speaker (1–5), with a comment shown after moderation.
CREATE TABLE lecture_ratings (
    id BIGINT PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES lecture_sessions(id),
    phone_hash TEXT NOT NULL,
    model_id BIGINT NOT NULL REFERENCES models(id),
    stars BIGINT NOT NULL,
    comment TEXT NOT NULL,
    comment_status TEXT NOT NULL,
    rated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX lecture_ratings_once ON lecture_ratings(session_id, phone_hash, model_id);

INSERT INTO id_counters (name, last_id) VALUES ('models', 0);
INSERT INTO id_counters (name, last_id) VALUES ('practices', 0);
INSERT INTO id_counters (name, last_id) VALUES ('mechanism_rules', 0);
INSERT INTO id_counters (name, last_id) VALUES ('delegations', 0);
INSERT INTO id_counters (name, last_id) VALUES ('lecture_requests', 0);
INSERT INTO id_counters (name, last_id) VALUES ('lecture_sessions', 0);
INSERT INTO id_counters (name, last_id) VALUES ('lecture_ratings', 0);
