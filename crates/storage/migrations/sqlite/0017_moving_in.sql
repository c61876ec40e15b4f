-- A real office moves in (issue 17). Members over time: 转正 on a date, leaving the Party
-- (死亡, 退党, 出党, 停止党籍) with a date and reason, transfers between branches (组织关系转接),
-- and the office's list of ID numbers someone tried to register in a second branch.
-- Accounts in bulk: one-time activation codes (keyed hashes only), and one account per person.
ALTER TABLE members ADD COLUMN full_on TEXT;
ALTER TABLE members ADD COLUMN left_on TEXT;
ALTER TABLE members ADD COLUMN left_reason TEXT;
ALTER TABLE members ADD COLUMN left_note TEXT;

-- A transfer is started by the sending branch and accepted or refused by the receiving one.
-- At most one is waiting per member at a time.
CREATE TABLE member_transfers (
    id BIGINT PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members(id),
    from_org_id BIGINT NOT NULL REFERENCES organisations(id),
    to_org_id BIGINT NOT NULL REFERENCES organisations(id),
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    reason TEXT
);
CREATE UNIQUE INDEX member_transfers_waiting ON member_transfers(member_id) WHERE state = 'waiting';
CREATE INDEX member_transfers_to ON member_transfers(to_org_id, state);
CREATE INDEX member_transfers_from ON member_transfers(from_org_id, state);

-- Someone tried to add, as new, a person whose ID number is active in another branch: the
-- office sees it until it is settled (by a transfer, or by correcting the wrong record).
CREATE TABLE duplicate_members (
    id BIGINT PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members(id),
    tried_org_id BIGINT NOT NULL REFERENCES organisations(id),
    tried_by TEXT NOT NULL,
    tried_at BIGINT NOT NULL,
    settled_by TEXT,
    settled_at BIGINT
);
CREATE INDEX duplicate_members_open ON duplicate_members(settled_at, member_id);

-- A one-time activation code (激活码) hands a new account to its person, who sets her own
-- password with it. Only its keyed hash is kept; a new code for the account replaces the old.
CREATE TABLE activation_codes (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE UNIQUE INDEX activation_codes_hash ON activation_codes(code_hash);
CREATE INDEX activation_codes_user ON activation_codes(user_id);

-- One person, one account: a member record belongs to at most one account. The person's
-- name, for lists and printed slips (an account made by hand may have none).
ALTER TABLE users ADD COLUMN display_name TEXT;
CREATE UNIQUE INDEX users_member ON users(member_id) WHERE member_id IS NOT NULL;

INSERT INTO id_counters (name, last_id) VALUES ('member_transfers', 0);
INSERT INTO id_counters (name, last_id) VALUES ('duplicate_members', 0);
INSERT INTO id_counters (name, last_id) VALUES ('activation_codes', 0);
