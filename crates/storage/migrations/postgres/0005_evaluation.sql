-- Mass evaluation (issue 5): rounds, their subjects, ballot codes and ballots.
-- Secrecy: a ballot row carries no code, no address and no session; a code row knows only
-- whether it was used. The count of used codes equals the count of code-mode ballots of a
-- round (`xianfeng eval verify`), because both change in the same transaction.

CREATE TABLE eval_rounds (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    name TEXT NOT NULL,
    scope_org_id BIGINT NOT NULL REFERENCES organisations(id),
    subject_kind TEXT NOT NULL,
    mode TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The subjects evaluated in a round, fixed when it is created.
CREATE TABLE eval_subjects (
    round_id BIGINT NOT NULL REFERENCES eval_rounds(id),
    subject_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (round_id, subject_id)
);

-- Ballot codes, stored only as keyed hashes.
CREATE TABLE ballot_codes (
    hash TEXT PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES eval_rounds(id),
    subject_id BIGINT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ballot_codes_round ON ballot_codes(round_id, used);

CREATE TABLE ballots (
    id BIGINT PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES eval_rounds(id),
    subject_id BIGINT NOT NULL,
    mode TEXT NOT NULL,
    verdict TEXT NOT NULL,
    -- JSON object: criterion code -> 1..5.
    ratings TEXT NOT NULL,
    comment TEXT NOT NULL,
    -- Moderation: a hidden comment keeps its ballot counted.
    hidden_reason TEXT,
    hidden_by TEXT
);
CREATE INDEX ballots_round ON ballots(round_id, subject_id);

-- Open mode: which browser (a random id from a signed cookie, hashed) has voted for which
-- subject. It says nothing about the ballot cast.
CREATE TABLE open_voters (
    round_id BIGINT NOT NULL REFERENCES eval_rounds(id),
    subject_id BIGINT NOT NULL,
    voter TEXT NOT NULL,
    PRIMARY KEY (round_id, subject_id, voter)
);

-- Open-mode ballots per address (hashed) and minute, for limits and burst flags.
CREATE TABLE open_rates (
    round_id BIGINT NOT NULL REFERENCES eval_rounds(id),
    address TEXT NOT NULL,
    minute BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (round_id, address, minute)
);

-- Failed code look-ups (unknown or mistyped) per address (hashed) and minute: an address
-- that keeps guessing is refused for a while, so that codes cannot be found by trying.
CREATE TABLE code_failures (
    address TEXT NOT NULL,
    minute BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (address, minute)
);
