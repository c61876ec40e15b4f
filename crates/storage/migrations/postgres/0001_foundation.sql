-- PostgreSQL twin of sqlite/0001_foundation.sql. The subtree range scan on `path` needs
-- text order to be byte order: the database must sort bytewise (created with LC_COLLATE
-- 'C', as CockroachDB and YugabyteDB do by default); the store checks it when it opens.
-- No column collations: the distributed engines refuse them (docs/CLUSTER.md).
-- Foundation: settings, categories, campaigns, the organisation tree, people, accounts, audit.
-- Integers are 64-bit everywhere; dates are ISO 'YYYY-MM-DD' text; timestamps are Unix
-- milliseconds; booleans are 0/1.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT ''
);

CREATE TABLE campaigns (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    source TEXT NOT NULL,
    is_builtin BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE organisations (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT REFERENCES categories(code),
    sector TEXT,
    parent_id BIGINT REFERENCES organisations(id),
    -- Materialized path of ids, '/1/5/23/': a subtree is one range of this column.
    path TEXT NOT NULL UNIQUE,
    depth BIGINT NOT NULL,
    -- Members directly in this organisation, kept by the storage write path so that counts
    -- over a subtree sum one indexed range instead of joining every member.
    member_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX organisations_path_count ON organisations(path, member_count);
CREATE INDEX organisations_parent ON organisations(parent_id);

CREATE TABLE members (
    id BIGINT PRIMARY KEY,
    org_id BIGINT NOT NULL CONSTRAINT members_org_fk REFERENCES organisations(id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    ethnicity TEXT,
    birth_date TEXT NOT NULL,
    -- ID number: keyed hash for lookup, SM4-GCM ciphertext, and the masked form for lists.
    -- Phones are only encrypted and masked: nothing looks them up.
    id_hash TEXT NOT NULL,
    id_cipher TEXT NOT NULL,
    id_masked TEXT NOT NULL,
    joined_on TEXT,
    member_type TEXT NOT NULL,
    position TEXT,
    phone_cipher TEXT,
    phone_masked TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Plain indexes rather than column constraints, so that a first import into an empty
-- table can build them once at the end (storage's bulk load) instead of row by row.
CREATE UNIQUE INDEX members_id_hash ON members(id_hash);
CREATE INDEX members_org ON members(org_id);

CREATE TABLE leadership_teams (
    id BIGINT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE cadres (
    id BIGINT PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES leadership_teams(id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    id_hash TEXT NOT NULL,
    id_cipher TEXT NOT NULL,
    id_masked TEXT NOT NULL,
    position TEXT NOT NULL,
    member_id BIGINT REFERENCES members(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (team_id, id_hash)
);
CREATE INDEX cadres_team ON cadres(team_id);

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE user_organisations (
    user_id BIGINT NOT NULL REFERENCES users(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (user_id, org_id)
);

-- Append-only, hash-chained audit trail.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);

-- One row: the end of the chain. Every write transaction updates it first, which also
-- serialises writers on PostgreSQL.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
