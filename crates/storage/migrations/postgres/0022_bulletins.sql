-- Bulletins and reports (通报, 总结, issue 20). A draft holds its body as the office edits
-- it, the figures it quoted when drafted (JSON) and its tables (JSON); issuing gives it a
-- document number (文号) — per issuer prefix and year, without gaps, unique — and freezes it.
-- A correction is a new bulletin naming the one it corrects.
CREATE TABLE bulletins (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    kind TEXT NOT NULL,
    scope_org_id BIGINT NOT NULL REFERENCES organisations(id),
    period TEXT,
    subject_ref BIGINT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    figures_json TEXT NOT NULL,
    tables_json TEXT NOT NULL,
    status TEXT NOT NULL,
    issuer TEXT,
    number_prefix TEXT,
    number_year BIGINT,
    number_seq BIGINT,
    main_to TEXT,
    copy_to TEXT,
    signer TEXT,
    dated_on TEXT,
    public BIGINT NOT NULL DEFAULT 0,
    corrects_id BIGINT REFERENCES bulletins(id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    issued_by TEXT,
    issued_at BIGINT
);
CREATE UNIQUE INDEX bulletins_number ON bulletins(number_prefix, number_year, number_seq);
CREATE INDEX bulletins_campaign ON bulletins(campaign_id, status, id);

INSERT INTO id_counters (name, last_id) VALUES ('bulletins', 0);
