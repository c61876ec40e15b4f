-- Named locks (写入锁) for checks about something without a row of its own, such as an
-- organisation's quota for an honour: a write takes the row of its rule's name before it
-- counts, so two writes of one rule run one after the other (storage::locks). Housekeeping
-- deletes rows not taken for a day.
CREATE TABLE write_locks (
    name TEXT PRIMARY KEY,
    taken_at BIGINT NOT NULL
);
