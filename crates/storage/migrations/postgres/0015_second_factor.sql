-- The second factor (issue 15): a TOTP secret per account (SM4-GCM ciphertext, like ID
-- numbers), one waiting to be confirmed while it is set up, the last 30-second step
-- accepted (a code is taken once), and single-use recovery codes (keyed hashes only).
-- A session opened with the password alone waits for the code (second_factor_pending).
ALTER TABLE users ADD COLUMN totp_cipher TEXT;
ALTER TABLE users ADD COLUMN totp_pending_cipher TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE sessions ADD COLUMN second_factor_pending BIGINT NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
