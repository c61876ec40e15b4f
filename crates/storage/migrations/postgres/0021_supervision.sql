-- Supervision (督查指导, issue 19): the inspector pool with declared conflicts (回避),
-- inspection plans with their frozen population and draw record, tasks per target with the
-- inspectors drawn, findings per inspection item, and rectification (整改) to closure.

-- An inspector account's home organisation (for the structural conflicts of the draw) and
-- whether it is drawn at all.
CREATE TABLE inspectors (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    name TEXT NOT NULL,
    home_org_id BIGINT NOT NULL REFERENCES organisations(id),
    active BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

-- A declared conflict: the inspector is never sent to this organisation.
CREATE TABLE inspector_conflicts (
    user_id BIGINT NOT NULL REFERENCES users(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    reason TEXT NOT NULL,
    PRIMARY KEY (user_id, org_id)
);

-- A plan: the spec as asked; then the frozen population (JSON: strata, paths, what each
-- code stands for) and its digest P; then the seed input and the draw record (JSON). Each
-- of these is written once.
CREATE TABLE inspection_plans (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    scope_org_id BIGINT NOT NULL REFERENCES organisations(id),
    population TEXT NOT NULL,
    strata TEXT NOT NULL,
    per_stratum BIGINT,
    total BIGINT,
    per_target BIGINT NOT NULL,
    cap BIGINT NOT NULL,
    results_at_once BIGINT NOT NULL,
    targets TEXT NOT NULL,
    excluded TEXT NOT NULL,
    visits_from TEXT,
    visits_to TEXT,
    replaces_plan_id BIGINT REFERENCES inspection_plans(id),
    redo_reason TEXT,
    status TEXT NOT NULL,
    population_json TEXT,
    population_digest TEXT,
    published_at BIGINT,
    seed_input TEXT,
    record_json TEXT,
    drawn_at BIGINT,
    closed_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX inspection_plans_campaign ON inspection_plans(campaign_id, id);

-- One task per target drawn, in key order; org_id is the target or the team's organisation.
CREATE TABLE inspection_tasks (
    id BIGINT PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES inspection_plans(id),
    target_code TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    team_id BIGINT REFERENCES leadership_teams(id),
    position BIGINT NOT NULL,
    visit_on TEXT,
    submitted_at BIGINT,
    submitted_by TEXT,
    UNIQUE (plan_id, target_code)
);
CREATE INDEX inspection_tasks_org ON inspection_tasks(org_id);

CREATE TABLE inspection_assignments (
    task_id BIGINT NOT NULL REFERENCES inspection_tasks(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX inspection_assignments_user ON inspection_assignments(user_id);

-- A finding per task and inspection item; final when its task is submitted.
CREATE TABLE inspection_findings (
    id BIGINT PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES inspection_tasks(id),
    item TEXT NOT NULL,
    judgement TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    UNIQUE (task_id, item)
);

CREATE TABLE finding_attachments (
    finding_id BIGINT NOT NULL REFERENCES inspection_findings(id),
    attachment_id BIGINT NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (finding_id, attachment_id)
);

-- A finding short of 符合 opens one rectification item for the inspected organisation when
-- its task is submitted, due in the item's working days.
CREATE TABLE rectifications (
    id BIGINT PRIMARY KEY,
    finding_id BIGINT NOT NULL UNIQUE REFERENCES inspection_findings(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    status TEXT NOT NULL,
    due_on TEXT NOT NULL,
    report TEXT,
    reported_by TEXT,
    reported_at BIGINT,
    -- The days of the report and of the decision as the campaign counts them (a
    -- rehearsal's date, not the clock's): on time means reported by due_on.
    reported_on TEXT,
    returned_reason TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    decided_on TEXT,
    opened_at BIGINT NOT NULL
);
CREATE INDEX rectifications_org ON rectifications(org_id, status);

CREATE TABLE rectification_attachments (
    rectification_id BIGINT NOT NULL REFERENCES rectifications(id),
    attachment_id BIGINT NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (rectification_id, attachment_id)
);

INSERT INTO id_counters (name, last_id) VALUES ('inspection_plans', 0);
INSERT INTO id_counters (name, last_id) VALUES ('inspection_tasks', 0);
INSERT INTO id_counters (name, last_id) VALUES ('inspection_findings', 0);
INSERT INTO id_counters (name, last_id) VALUES ('rectifications', 0);
