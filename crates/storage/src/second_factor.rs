//! The second factor's storage: secrets as SM4-GCM ciphertext, recovery codes as keyed
//! hashes, the last accepted step, and whether a session still waits for its code. Each
//! acceptance is one conditional UPDATE, so a code is taken once even when two servers
//! see it at the same moment.

use xianfeng_domain::i18n::Message;
use xianfeng_domain::second_factor::{OneTimeSecret, normalise_recovery_code};

use crate::write::WriteTx;
use crate::{Accounts, Result, StoreError, now_ms};

/// An account's second factor as stored.
#[derive(Debug, Clone, Default)]
pub struct SecondFactorRecord {
    pub user_id: i64,
    /// In use, once confirmed.
    pub secret: Option<OneTimeSecret>,
    /// Shown on the set-up page, waiting for its first code.
    pub pending: Option<OneTimeSecret>,
}

impl SecondFactorRecord {
    pub fn enabled(&self) -> bool {
        self.secret.is_some()
    }
}

fn damaged(column: &str) -> StoreError {
    crate::row::bad_value("users", column, "(ciphertext)")
}

impl Accounts<'_> {
    /// The second factor of an enabled account, if the account exists.
    pub async fn second_factor(self, username: &str) -> Result<Option<SecondFactorRecord>> {
        let row: Option<(i64, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, totp_cipher, totp_pending_cipher FROM users \
             WHERE username = $1 AND disabled = 0",
        )
        .bind(username.to_string())
        .fetch_optional(self.store.reader())
        .await?;
        let Some((user_id, secret, pending)) = row else {
            return Ok(None);
        };
        let open = |c: Option<String>, column: &str| -> Result<Option<OneTimeSecret>> {
            c.map(|c| {
                let plain = self.store.vault.decrypt(&c)?;
                OneTimeSecret::from_base32(&plain).ok_or_else(|| damaged(column))
            })
            .transpose()
        };
        Ok(Some(SecondFactorRecord {
            user_id,
            secret: open(secret, "totp_cipher")?,
            pending: open(pending, "totp_pending_cipher")?,
        }))
    }

    /// Keeps a new secret for the set-up page until its first code confirms it.
    pub async fn set_pending_second_factor(
        self,
        user_id: i64,
        secret: &OneTimeSecret,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET totp_pending_cipher = $1 WHERE id = $2")
            .bind(self.store.vault.encrypt(&secret.to_base32()))
            .bind(user_id)
            .execute(&self.store.write)
            .await?;
        Ok(())
    }

    /// Takes a 30-second step for the account: true once, for the first code of a step
    /// later than any taken before (RFC 6238, 5.2: a code is accepted once).
    pub async fn take_step(self, user_id: i64, step: u64) -> Result<bool> {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let taken = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(&self.store.write)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Uses up a recovery code: true once, for a code of the account not used before.
    pub async fn use_recovery_code(self, user_id: i64, typed: &str) -> Result<bool> {
        let hash = self.store.vault.hash(&normalise_recovery_code(typed));
        let used = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 \
             AND used_at IS NULL",
        )
        .bind(now_ms())
        .bind(user_id)
        .bind(hash)
        .execute(&self.store.write)
        .await?;
        Ok(used.rows_affected() == 1)
    }

    /// Recovery codes of the account not used yet.
    pub async fn recovery_codes_left(self, user_id: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.store.reader())
        .await?;
        Ok(n)
    }
}

impl WriteTx {
    /// Puts the confirmed secret in use with fresh recovery codes (replacing any old ones),
    /// taking the step that confirmed it.
    pub async fn enable_second_factor(
        &mut self,
        username: &str,
        secret: &OneTimeSecret,
        step: u64,
        recovery_codes: &[String],
    ) -> Result<()> {
        let user_id = self.user_id(username).await?;
        sqlx::query(
            "UPDATE users SET totp_cipher = $1, totp_pending_cipher = NULL, totp_last_step = $2, \
             updated_at = $3 WHERE id = $4",
        )
        .bind(self.vault.encrypt(&secret.to_base32()))
        .bind(i64::try_from(step).unwrap_or(i64::MAX))
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *self.tx)
        .await?;
        self.replace_recovery_codes(user_id, recovery_codes).await?;
        let after =
            serde_json::json!({"second_factor": "on", "recovery_codes": recovery_codes.len()});
        self.record::<(), _>("user.second_factor", "user", username, None, Some(&after))
            .await
    }

    /// Takes the second factor off an account (a lost phone, by the administrator): the
    /// account sets it up again at its next sign-in where it is required.
    pub async fn reset_second_factor(&mut self, username: &str) -> Result<()> {
        let user_id = self.user_id(username).await?;
        sqlx::query(
            "UPDATE users SET totp_cipher = NULL, totp_pending_cipher = NULL, \
             totp_last_step = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *self.tx)
        .await?;
        self.replace_recovery_codes(user_id, &[]).await?;
        let after = serde_json::json!({"second_factor": "reset"});
        self.record::<(), _>("user.second_factor", "user", username, None, Some(&after))
            .await
    }

    async fn replace_recovery_codes(&mut self, user_id: i64, codes: &[String]) -> Result<()> {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        for code in codes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(self.vault.hash(&normalise_recovery_code(code)))
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// The id of an account, by name.
    pub async fn user_id(&mut self, username: &str) -> Result<i64> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE username = $1")
            .bind(username.to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(|(id,)| id).ok_or_else(|| {
            StoreError::NotFound(Message::of("store.no_user", &[("name", &username)]))
        })
    }
}
