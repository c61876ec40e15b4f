//! Accounts (账号): a role and the organisations whose subtrees it may act on.

use crate::Accounts;
use serde::Serialize;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::org::TreePath;
use xianfeng_domain::policy::Principal;
use xianfeng_domain::role::Role;

use crate::row::Row;
use crate::{Result, StoreError, WriteTx, in_list, now_ms};
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRecord {
    pub username: String,
    pub role: Role,
    pub organisations: Vec<String>,
    pub disabled: bool,
    pub must_change_password: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
    pub org_ids: Vec<i64>,
    /// The member record of the person, for a member's own account.
    pub member_id: Option<i64>,
}

/// Usernames: 2–32 letters, digits, `.`, `_`, `-`.
pub fn valid_username(s: &str) -> bool {
    (2..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl Accounts<'_> {
    /// An account's id and role, disabled or not.
    pub async fn id_and_role(self, username: &str) -> Result<Option<(i64, Role)>> {
        let Some(row) = sqlx::query("SELECT id, role FROM users WHERE username = $1")
            .bind(username.to_string())
            .fetch_optional(self.store.reader())
            .await?
        else {
            return Ok(None);
        };
        let r = Row::of(&row, "users");
        Ok(Some((r.get("id")?, r.parsed("role", Role::parse)?)))
    }

    /// The account as the authorisation policy sees it: its role, the paths of the
    /// organisations it is assigned to and their sectors. `None` for an unknown or disabled
    /// account.
    pub async fn principal(self, username: &str) -> Result<Option<Principal>> {
        let user = sqlx::query(
            "SELECT id, role, member_id FROM users WHERE username = $1 AND disabled = 0",
        )
        .bind(username.to_string())
        .fetch_optional(self.store.reader())
        .await?;
        let Some(user) = user else {
            return Ok(None);
        };
        let user = Row::of(&user, "users");
        let id: i64 = user.get("id")?;
        let role = user.parsed("role", Role::parse)?;
        let member_id: Option<i64> = user.get("member_id")?;
        let scopes: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT o.path, o.sector FROM user_organisations u \
             JOIN organisations o ON o.id = u.org_id WHERE u.user_id = $1 ORDER BY o.path",
        )
        .bind(id)
        .fetch_all(self.store.reader())
        .await?;
        let reviews: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM review_assignments WHERE reviewer = $1 LIMIT 1")
                .bind(username.to_string())
                .fetch_optional(self.store.reader())
                .await?;
        Ok(Some(Principal {
            role,
            member_id,
            reviews: reviews.is_some(),
            sectors: scopes.iter().filter_map(|(_, s)| s.clone()).collect(),
            scopes: scopes
                .into_iter()
                .map(|(p, _)| TreePath::from_stored(p))
                .collect(),
        }))
    }

    pub async fn list_users(self) -> Result<Vec<UserRecord>> {
        let rows = sqlx::query(
            "SELECT id, username, role, disabled, must_change_password FROM users ORDER BY username",
        )
        .fetch_all(self.store.reader())
        .await?;
        let users = rows
            .iter()
            .map(|r| {
                let r = crate::row::Row::of(r, "users");
                Ok((
                    r.get::<i64>("id")?,
                    r.get::<String>("username")?,
                    r.parsed("role", Role::parse)?,
                    r.get::<i64>("disabled")?,
                    r.get::<i64>("must_change_password")?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let scopes: Vec<(i64, String)> = sqlx::query_as(
            "SELECT u.user_id, o.code FROM user_organisations u \
             JOIN organisations o ON o.id = u.org_id ORDER BY o.code",
        )
        .fetch_all(self.store.reader())
        .await?;
        Ok(users
            .into_iter()
            .map(|(id, username, role, disabled, must)| UserRecord {
                username,
                role,
                organisations: scopes
                    .iter()
                    .filter(|(u, _)| *u == id)
                    .map(|(_, c)| c.clone())
                    .collect(),
                disabled: disabled != 0,
                must_change_password: must != 0,
            })
            .collect())
    }

    /// The codes of the organisations an account is assigned to.
    pub async fn user_org_codes(self, username: &str) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT o.code FROM user_organisations u JOIN users x ON x.id = u.user_id \
             JOIN organisations o ON o.id = u.org_id WHERE x.username = $1 ORDER BY o.code",
        )
        .bind(username.to_string())
        .fetch_all(self.store.reader())
        .await?;
        Ok(rows.into_iter().map(|(c,)| c).collect())
    }

    /// The stored password hash and whether the account is disabled.
    pub async fn credentials(self, username: &str) -> Result<Option<(String, bool)>> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT password_hash, disabled FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(self.store.reader())
                .await?;
        Ok(row.map(|(h, d)| (h, d != 0)))
    }
}

impl WriteTx {
    pub async fn create_user(&mut self, u: &NewUser) -> Result<()> {
        if !valid_username(&u.username) {
            return Err(StoreError::Invalid(Message::of(
                "store.username",
                &[("name", &u.username)],
            )));
        }
        let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE username = $1")
            .bind(u.username.clone())
            .fetch_optional(&mut *self.tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(Message::of(
                "store.user_exists",
                &[("name", &u.username)],
            )));
        }
        let id = self.next_id("users").await?;
        let now = now_ms();
        // The name taken meanwhile (the same account made at once through two servers):
        // the same answer as above, not a database error.
        let made = sqlx::query(
            "INSERT INTO users (id, username, role, password_hash, must_change_password, \
             disabled, created_at, updated_at, member_id) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8) \
             ON CONFLICT (username) DO NOTHING",
        )
        .bind(id)
        .bind(u.username.clone())
        .bind(u.role.as_str())
        .bind(u.password_hash.clone())
        .bind(i64::from(u.must_change_password))
        .bind(now)
        .bind(now)
        .bind(u.member_id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if made == 0 {
            return Err(StoreError::Conflict(Message::of(
                "store.user_exists",
                &[("name", &u.username)],
            )));
        }
        for org in &u.org_ids {
            sqlx::query("INSERT INTO user_organisations (user_id, org_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*org)
                .execute(&mut *self.tx)
                .await?;
        }
        let after = serde_json::json!({
            "username": u.username, "role": u.role.as_str(), "org_ids": u.org_ids,
            "member_id": u.member_id,
        });
        self.record::<(), _>("user.create", "user", &u.username, None, Some(&after))
            .await
    }

    pub async fn set_password(
        &mut self,
        username: &str,
        hash: &str,
        must_change: bool,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 \
             WHERE username = $4",
        )
        .bind(hash.to_string())
        .bind(i64::from(must_change))
        .bind(now_ms())
        .bind(username.to_string())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(Message::of(
                "store.no_user",
                &[("name", &username)],
            )));
        }
        // The hash itself is never written to the audit trail.
        let after = serde_json::json!({"password": "changed", "must_change_password": must_change});
        self.record::<(), _>("user.password", "user", username, None, Some(&after))
            .await
    }

    pub async fn set_disabled(&mut self, username: &str, disabled: bool) -> Result<()> {
        let n = sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE username = $3")
            .bind(i64::from(disabled))
            .bind(now_ms())
            .bind(username.to_string())
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(Message::of(
                "store.no_user",
                &[("name", &username)],
            )));
        }
        let after = serde_json::json!({"disabled": disabled});
        self.record::<(), _>("user.disable", "user", username, None, Some(&after))
            .await
    }

    /// Ids of organisations by code, failing on the first unknown code.
    pub async fn org_ids_by_codes(&mut self, codes: &[String]) -> Result<Vec<i64>> {
        if codes.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT id, code FROM organisations WHERE code IN ({})",
            in_list(self.dialect, codes.len())
        );
        let mut q = sqlx::query_as::<_, (i64, String)>(AssertSqlSafe(sql));
        for c in codes {
            q = q.bind(c.clone());
        }
        let found = q.fetch_all(&mut *self.tx).await?;
        codes
            .iter()
            .map(|c| {
                found
                    .iter()
                    .find(|(_, fc)| fc == c)
                    .map(|(id, _)| *id)
                    .ok_or_else(|| {
                        StoreError::NotFound(Message::of("store.no_org", &[("code", c)]))
                    })
            })
            .collect()
    }
}
