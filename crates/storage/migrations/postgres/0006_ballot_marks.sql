-- Casting a ballot changes as few pages as possible (see the SQLite migration): used codes
-- become bits in `code_marks`, counts per subject and verdict live in `eval_tallies`, and
-- ballots are indexed by round only.

ALTER TABLE ballot_codes ADD COLUMN mark BIGINT;
UPDATE ballot_codes c SET mark = n.mark
    FROM (SELECT hash, ROW_NUMBER() OVER (PARTITION BY round_id ORDER BY hash) - 1 AS mark
          FROM ballot_codes) n
    WHERE n.hash = c.hash;
-- step: a schema change after a write starts its own transaction (docs/CLUSTER.md)
ALTER TABLE ballot_codes ALTER COLUMN mark SET NOT NULL;

CREATE TABLE code_marks (
    round_id BIGINT NOT NULL REFERENCES eval_rounds(id),
    word BIGINT NOT NULL,
    bits BIGINT NOT NULL,
    PRIMARY KEY (round_id, word)
);
INSERT INTO code_marks (round_id, word, bits)
    SELECT round_id, mark / 63,
           SUM(CASE WHEN used = 1 THEN (1::BIGINT << (mark % 63)::INTEGER) ELSE 0 END)::BIGINT
    FROM ballot_codes GROUP BY round_id, mark / 63;

-- step: a schema change after a write starts its own transaction (docs/CLUSTER.md)
DROP INDEX ballot_codes_round;
ALTER TABLE ballot_codes DROP COLUMN used;
CREATE INDEX ballot_codes_round ON ballot_codes(round_id, mark);

CREATE TABLE eval_tallies (
    round_id BIGINT NOT NULL REFERENCES eval_rounds(id),
    subject_id BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (round_id, subject_id, verdict)
);
INSERT INTO eval_tallies (round_id, subject_id, verdict, n)
    SELECT round_id, subject_id, verdict, COUNT(*) FROM ballots
    GROUP BY round_id, subject_id, verdict;

-- step: a schema change after a write starts its own transaction (docs/CLUSTER.md)
DROP INDEX ballots_round;
CREATE INDEX ballots_round ON ballots(round_id);
