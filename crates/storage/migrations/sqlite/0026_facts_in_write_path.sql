-- The score facts are kept by the write path (storage::scores::facts), no longer by
-- triggers, which the distributed engines do not have (docs/CLUSTER.md, decision 128).
DROP TRIGGER IF EXISTS score_facts_review_insert;
DROP TRIGGER IF EXISTS score_facts_review_delete;
DROP TRIGGER IF EXISTS score_facts_review_update;
DROP TRIGGER IF EXISTS score_facts_tally_insert;
DROP TRIGGER IF EXISTS score_facts_tally_update;
DROP TRIGGER IF EXISTS score_facts_tally_delete;
DROP TRIGGER IF EXISTS score_facts_item_insert;
DROP TRIGGER IF EXISTS score_facts_item_update;
DROP TRIGGER IF EXISTS score_facts_item_delete;
DROP TRIGGER IF EXISTS score_facts_commitment_update;
DROP TRIGGER IF EXISTS score_facts_study_insert;
DROP TRIGGER IF EXISTS score_facts_study_delete;
DROP TRIGGER IF EXISTS score_facts_study_update;
DROP TRIGGER IF EXISTS score_facts_service_insert;
DROP TRIGGER IF EXISTS score_facts_service_delete;
DROP TRIGGER IF EXISTS score_facts_service_update;
