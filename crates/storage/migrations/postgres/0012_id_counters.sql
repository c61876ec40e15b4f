-- Id counters: each table's last id handed out. Ids are taken with one atomic
-- UPDATE … RETURNING on its row, never as MAX(id) + 1 (two transactions reading the
-- same maximum collide). Seeded once from the ids already stored.
CREATE TABLE id_counters (
    name TEXT PRIMARY KEY,
    last_id BIGINT NOT NULL
);

INSERT INTO id_counters (name, last_id) SELECT 'organisations', COALESCE(MAX(id), 0) FROM organisations;
INSERT INTO id_counters (name, last_id) SELECT 'members', COALESCE(MAX(id), 0) FROM members;
INSERT INTO id_counters (name, last_id) SELECT 'leadership_teams', COALESCE(MAX(id), 0) FROM leadership_teams;
INSERT INTO id_counters (name, last_id) SELECT 'cadres', COALESCE(MAX(id), 0) FROM cadres;
INSERT INTO id_counters (name, last_id) SELECT 'users', COALESCE(MAX(id), 0) FROM users;
INSERT INTO id_counters (name, last_id) SELECT 'campaigns', COALESCE(MAX(id), 0) FROM campaigns;
INSERT INTO id_counters (name, last_id) SELECT 'login_attempts', COALESCE(MAX(id), 0) FROM login_attempts;
INSERT INTO id_counters (name, last_id) SELECT 'attachments', COALESCE(MAX(id), 0) FROM attachments;
INSERT INTO id_counters (name, last_id) SELECT 'plans', COALESCE(MAX(id), 0) FROM plans;
INSERT INTO id_counters (name, last_id) SELECT 'meetings', COALESCE(MAX(id), 0) FROM meetings;
INSERT INTO id_counters (name, last_id) SELECT 'commitments', COALESCE(MAX(id), 0) FROM commitments;
INSERT INTO id_counters (name, last_id) SELECT 'commitment_items', COALESCE(MAX(id), 0) FROM commitment_items;
INSERT INTO id_counters (name, last_id) SELECT 'commitment_events', COALESCE(MAX(id), 0) FROM commitment_events;
INSERT INTO id_counters (name, last_id) SELECT 'progress_reports', COALESCE(MAX(id), 0) FROM progress_reports;
INSERT INTO id_counters (name, last_id) SELECT 'study_records', COALESCE(MAX(id), 0) FROM study_records;
INSERT INTO id_counters (name, last_id) SELECT 'service_posts', COALESCE(MAX(id), 0) FROM service_posts;
INSERT INTO id_counters (name, last_id) SELECT 'service_records', COALESCE(MAX(id), 0) FROM service_records;
INSERT INTO id_counters (name, last_id) SELECT 'reviews', COALESCE(MAX(id), 0) FROM reviews;
INSERT INTO id_counters (name, last_id) SELECT 'eval_rounds', COALESCE(MAX(id), 0) FROM eval_rounds;
INSERT INTO id_counters (name, last_id) SELECT 'ballots', COALESCE(MAX(id), 0) FROM ballots;
INSERT INTO id_counters (name, last_id) SELECT 'nominations', COALESCE(MAX(id), 0) FROM nominations;
INSERT INTO id_counters (name, last_id) SELECT 'nomination_events', COALESCE(MAX(id), 0) FROM nomination_events;
INSERT INTO id_counters (name, last_id) SELECT 'notices', COALESCE(MAX(id), 0) FROM notices;
INSERT INTO id_counters (name, last_id) SELECT 'objections', COALESCE(MAX(id), 0) FROM objections;
INSERT INTO id_counters (name, last_id) SELECT 'sanctions', COALESCE(MAX(id), 0) FROM sanctions;

-- A round's ballot codes are numbered densely (their bit in code_marks): the count taken
-- so far, kept on the round and advanced atomically like the counters above.
-- step: a schema change after a write starts its own transaction (docs/CLUSTER.md)
ALTER TABLE eval_rounds ADD COLUMN marks_taken BIGINT NOT NULL DEFAULT 0;
UPDATE eval_rounds SET marks_taken =
    COALESCE((SELECT MAX(mark) + 1 FROM ballot_codes WHERE ballot_codes.round_id = eval_rounds.id), 0);
