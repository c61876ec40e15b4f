//! Sessions (会话) and login attempts. Sign-in state, not campaign data: written directly,
//! outside the audit chain. The cookie holds a random token; the database only its hash.

use crate::Sessions;
use sha2::{Digest, Sha256};
use xianfeng_domain::auth::{FAILURE_WINDOW_MS, TOUCH_INTERVAL_MS, session_alive};

use crate::row::Row;
use crate::{Result, now_ms};
use xianfeng_domain::i18n::Lang;
use xianfeng_domain::role::Role;

/// A live session and the account behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub username: String,
    pub role: Role,
    pub csrf_token: String,
    pub lang: Lang,
    pub must_change_password: bool,
    /// Opened with the password of an account that has a second factor, and waiting for
    /// its code: good for nothing else yet.
    pub second_factor_pending: bool,
    /// Whether the account has a second factor in use.
    pub has_second_factor: bool,
}

/// A sign-in attempt on record before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservedAttempt {
    pub id: i64,
    /// Failures in the window before this attempt: (for the account, from the address).
    pub failures_before: (i64, i64),
}

/// A new session's secrets, to hand to the browser once.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    /// The account has a second factor: the session waits for its code.
    pub second_factor_pending: bool,
}

fn random_hex() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system provides randomness");
    hex::encode(b)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Sessions<'_> {
    /// Opens a session for an account that has just proved its password; `pending`: it
    /// still owes its second factor's code.
    pub async fn create(
        self,
        username: &str,
        lang: Lang,
        pending: bool,
    ) -> Result<Option<NewSession>> {
        let user: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM users WHERE username = $1 AND disabled = 0")
                .bind(username.to_string())
                .fetch_optional(&self.store.write)
                .await?;
        let Some((user_id,)) = user else {
            return Ok(None);
        };
        let s = NewSession {
            token: random_hex(),
            csrf_token: random_hex(),
            second_factor_pending: pending,
        };
        let now = now_ms();
        let hash = token_hash(&s.token);
        crate::retry::execute(&self.store.write, || {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, lang, created_at, \
                 last_seen_at, second_factor_pending) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(hash.clone())
            .bind(user_id)
            .bind(s.csrf_token.clone())
            .bind(lang.code())
            .bind(now)
            .bind(now)
            .bind(i64::from(pending))
        })
        .await?;
        Ok(Some(s))
    }

    /// The session behind a cookie token, if it exists, its account is enabled and it has
    /// not been idle too long; using it moves its idle clock (at most once a minute).
    pub async fn session(self, token: &str) -> Result<Option<SessionRecord>> {
        let hash = token_hash(token);
        let row = sqlx::query(
            "SELECT u.username, u.role, s.csrf_token, s.lang, u.must_change_password, \
             s.created_at, s.last_seen_at, s.second_factor_pending, \
             CASE WHEN u.totp_cipher IS NULL THEN 0 ELSE 1 END AS has_second_factor \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND u.disabled = 0",
        )
        .bind(hash.clone())
        .fetch_optional(self.store.reader())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let r = Row::of(&row, "sessions");
        let created: i64 = r.get("created_at")?;
        let last_seen: i64 = r.get("last_seen_at")?;
        let now = now_ms();
        if !session_alive(created, last_seen, now) {
            self.end(token).await?;
            return Ok(None);
        }
        if now - last_seen >= TOUCH_INTERVAL_MS {
            // Parallel requests of one session touch one row.
            crate::retry::execute(&self.store.write, || {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(hash.clone())
            })
            .await?;
        }
        Ok(Some(SessionRecord {
            username: r.get("username")?,
            role: r.parsed("role", Role::parse)?,
            csrf_token: r.get("csrf_token")?,
            lang: r.parsed("lang", Lang::parse)?,
            must_change_password: r.get::<i64>("must_change_password")? != 0,
            second_factor_pending: r.get::<i64>("second_factor_pending")? != 0,
            has_second_factor: r.get::<i64>("has_second_factor")? != 0,
        }))
    }

    /// The session's second factor was given: it may be used for everything.
    pub async fn second_factor_given(self, token: &str) -> Result<()> {
        let hash = token_hash(token);
        crate::retry::execute(&self.store.write, || {
            sqlx::query("UPDATE sessions SET second_factor_pending = 0 WHERE token_hash = $1")
                .bind(hash.clone())
        })
        .await?;
        Ok(())
    }

    /// Remembers the language a signed-in account chose.
    pub async fn set_lang(self, token: &str, lang: Lang) -> Result<()> {
        let hash = token_hash(token);
        crate::retry::execute(&self.store.write, || {
            sqlx::query("UPDATE sessions SET lang = $1 WHERE token_hash = $2")
                .bind(lang.code())
                .bind(hash.clone())
        })
        .await?;
        Ok(())
    }

    pub async fn end(self, token: &str) -> Result<()> {
        let hash = token_hash(token);
        crate::retry::execute(&self.store.write, || {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(hash.clone())
        })
        .await?;
        Ok(())
    }

    /// Ends every session of `username` but the one holding `keep`, if any (after a
    /// password change: whoever else knew the old password is signed out).
    pub async fn end_others(self, username: &str, keep: Option<&str>) -> Result<()> {
        let keep = keep.map(token_hash).unwrap_or_default();
        crate::retry::execute(&self.store.write, || {
            sqlx::query(
                "DELETE FROM sessions WHERE token_hash <> $1 AND user_id IN \
                 (SELECT id FROM users WHERE username = $2)",
            )
            .bind(keep.clone())
            .bind(username.to_string())
        })
        .await?;
        Ok(())
    }

    /// Puts a sign-in attempt on record before its password is checked — as a failure
    /// until [`Sessions::settle_attempt`] says it succeeded — and then counts the failures
    /// in the window, this one included, for the account and for the address. Recording
    /// first and counting after is what makes parallel attempts see each other: the k-th
    /// to count sees at least k, so no more attempts than the limit are ever checked.
    pub async fn reserve_attempt(self, username: &str, address: &str) -> Result<ReservedAttempt> {
        let id = crate::write::take_ids_apart(&self.store.write, "login_attempts", 1).await?;
        crate::retry::execute(&self.store.write, || {
            sqlx::query(
                "INSERT INTO login_attempts (id, username, address, at, success) \
                 VALUES ($1, $2, $3, $4, 0)",
            )
            .bind(id)
            .bind(username.to_string())
            .bind(address.to_string())
            .bind(now_ms())
        })
        .await?;
        // Counted on the writer's pool: the row just written must be seen.
        let (by_account, by_address) =
            crate::retry::retrying(|| failures(&self.store.write, username, address)).await?;
        Ok(ReservedAttempt {
            id,
            failures_before: (by_account - 1, by_address - 1),
        })
    }

    /// Records that a reserved attempt succeeded.
    pub async fn settle_attempt(self, id: i64) -> Result<()> {
        crate::retry::execute(&self.store.write, || {
            sqlx::query("UPDATE login_attempts SET success = 1 WHERE id = $1").bind(id)
        })
        .await?;
        Ok(())
    }

    /// Takes back a reserved attempt that was not checked (refused as locked out, or a
    /// right current password on a password change): a lockout runs its time from the
    /// failures that were checked, not from knocks on a locked door.
    pub async fn withdraw_attempt(self, id: i64) -> Result<()> {
        crate::retry::execute(&self.store.write, || {
            sqlx::query("DELETE FROM login_attempts WHERE id = $1").bind(id)
        })
        .await?;
        Ok(())
    }

    /// Records a sign-in attempt: who, from where, when, and whether it succeeded.
    pub async fn record_login_attempt(
        self,
        username: &str,
        address: &str,
        success: bool,
    ) -> Result<()> {
        // The id is taken in its own statement: attempts arrive in parallel, outside the
        // serialised write path.
        let id = crate::write::take_ids_apart(&self.store.write, "login_attempts", 1).await?;
        crate::retry::execute(&self.store.write, || {
            sqlx::query(
                "INSERT INTO login_attempts (id, username, address, at, success) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(username.to_string())
            .bind(address.to_string())
            .bind(now_ms())
            .bind(i64::from(success))
        })
        .await?;
        Ok(())
    }

    /// Failed attempts in the current window: (for this account, from this address). A
    /// success clears neither: a lockout runs its time.
    pub async fn recent_failures(self, username: &str, address: &str) -> Result<(i64, i64)> {
        failures(self.store.reader(), username, address).await
    }
}

/// Failed (or not yet settled) attempts in the current window: (for this account, from
/// this address).
async fn failures(pool: &sqlx::AnyPool, username: &str, address: &str) -> Result<(i64, i64)> {
    let since = now_ms() - FAILURE_WINDOW_MS;
    let (by_account,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND at >= $2 AND success = 0",
    )
    .bind(username.to_string())
    .bind(since)
    .fetch_one(pool)
    .await?;
    let (by_address,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM login_attempts WHERE address = $1 AND at >= $2 AND success = 0",
    )
    .bind(address.to_string())
    .bind(since)
    .fetch_one(pool)
    .await?;
    Ok((by_account, by_address))
}
