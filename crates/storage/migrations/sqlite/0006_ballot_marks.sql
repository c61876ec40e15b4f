-- Casting a ballot changes as few pages as possible (docs/PERFORMANCE.md): every changed
-- page is written to the write-ahead log at each commit and again at the checkpoint.
--
-- 1. Whether a code was used moves from a flag on its row, a random page of a large table
--    for every ballot, to a bit in `code_marks`: each code gets its number `mark` within
--    its round, and bit mark % 63 of word mark / 63 says it was used. A million codes fit
--    in some 70 pages. Setting the bit only if it was clear (`bits & bit = 0`) is the
--    check and the change in one statement, as the flag was.
-- 2. Counts per subject and verdict are kept in `eval_tallies`, changed with the ballots;
--    ballots are indexed by round only, where each new ballot lands at the end.

CREATE TABLE ballot_codes_marked (
    hash TEXT PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES eval_rounds(id),
    subject_id INTEGER NOT NULL,
    mark INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO ballot_codes_marked (hash, round_id, subject_id, mark)
    SELECT hash, round_id, subject_id,
           ROW_NUMBER() OVER (PARTITION BY round_id ORDER BY hash) - 1
    FROM ballot_codes;

CREATE TABLE code_marks (
    round_id INTEGER NOT NULL REFERENCES eval_rounds(id),
    word INTEGER NOT NULL,
    bits INTEGER NOT NULL,
    PRIMARY KEY (round_id, word)
) WITHOUT ROWID;
INSERT INTO code_marks (round_id, word, bits)
    SELECT m.round_id, m.mark / 63, SUM(CASE WHEN c.used = 1 THEN 1 << (m.mark % 63) ELSE 0 END)
    FROM ballot_codes_marked m JOIN ballot_codes c ON c.hash = m.hash
    GROUP BY m.round_id, m.mark / 63;

DROP TABLE ballot_codes;
ALTER TABLE ballot_codes_marked RENAME TO ballot_codes;
CREATE INDEX ballot_codes_round ON ballot_codes(round_id, mark);

CREATE TABLE eval_tallies (
    round_id INTEGER NOT NULL REFERENCES eval_rounds(id),
    subject_id INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (round_id, subject_id, verdict)
) WITHOUT ROWID;
INSERT INTO eval_tallies (round_id, subject_id, verdict, n)
    SELECT round_id, subject_id, verdict, COUNT(*) FROM ballots
    GROUP BY round_id, subject_id, verdict;

DROP INDEX ballots_round;
CREATE INDEX ballots_round ON ballots(round_id);
