//! Accounts as the office keeps them (账号管理): a searchable list, role and organisations
//! changed, and accounts handed to people with one-time activation codes — one at a time or
//! thirty thousand in one statement per thousand. A code is kept only as its keyed hash;
//! a new code for an account replaces the one before.

use serde::Serialize;
use sqlx::AssertSqlSafe;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::org::TreePath;
use xianfeng_domain::role::Role;

use crate::row::Row;
use crate::{Accounts, Result, StoreError, WriteTx, in_list, like_escape, now_ms, values_list};

/// The password hash of an account nobody has activated: no password verifies against it.
pub const NOT_ACTIVATED: &str = "!not-activated";

/// An account as the list of accounts shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountRow {
    pub username: String,
    /// The person's name, when the account was made for a person.
    pub display_name: Option<String>,
    pub role: Role,
    /// Codes of the organisations it acts on.
    pub organisations: Vec<String>,
    pub disabled: bool,
    pub must_change_password: bool,
    /// An activation code is out and not used yet.
    pub activation_pending: bool,
    pub member_id: Option<i64>,
}

/// An account to make in bulk, with the keyed hash of its activation code.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub org_id: i64,
    pub member_id: Option<i64>,
    pub code_hash: String,
}

/// Accounts per statement: 1,000 × 9 parameters stays well under SQLite's limit.
const BATCH: usize = 1000;

const ACCOUNT_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.disabled, \
    u.must_change_password, u.member_id, \
    (SELECT COUNT(*) FROM activation_codes a WHERE a.user_id = u.id AND a.used_at IS NULL \
     AND a.expires_at > $1) AS pending";

impl Accounts<'_> {
    async fn rows(self, sql: String, binds: Vec<String>, now: i64) -> Result<Vec<AccountRow>> {
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(now);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.store.reader()).await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut ids = Vec::with_capacity(rows.len());
        for r in &rows {
            let r = Row::of(r, "users");
            ids.push(r.get::<i64>("id")?);
            out.push(AccountRow {
                username: r.get("username")?,
                display_name: r.get("display_name")?,
                role: r.parsed("role", Role::parse)?,
                organisations: vec![],
                disabled: r.get::<i64>("disabled")? != 0,
                must_change_password: r.get::<i64>("must_change_password")? != 0,
                activation_pending: r.get::<i64>("pending")? > 0,
                member_id: r.get("member_id")?,
            });
        }
        if ids.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT x.user_id, o.code FROM user_organisations x \
             JOIN organisations o ON o.id = x.org_id WHERE x.user_id IN ({}) ORDER BY o.code",
            in_list(self.store.dialect(), ids.len())
        );
        let mut q = sqlx::query_as::<_, (i64, String)>(AssertSqlSafe(sql));
        for id in &ids {
            q = q.bind(*id);
        }
        for (user, code) in q.fetch_all(self.store.reader()).await? {
            if let Some(i) = ids.iter().position(|id| *id == user) {
                out[i].organisations.push(code);
            }
        }
        Ok(out)
    }

    /// One account, by name.
    pub async fn account(self, username: &str) -> Result<Option<AccountRow>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users u WHERE u.username = $2");
        Ok(self
            .rows(sql, vec![username.to_string()], now_ms())
            .await?
            .pop())
    }

    /// Accounts whose name or person's name contains `q` (ignoring case), by name: those
    /// acting on an organisation inside `within` (everyone's with `None`), `limit` from
    /// `offset`.
    pub async fn accounts_page(
        self,
        q: &str,
        within: Option<&TreePath>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AccountRow>> {
        let pattern = format!("%{}%", like_escape(&q.trim().to_lowercase()));
        let mut sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM users u WHERE (LOWER(u.username) LIKE $2 ESCAPE '\\' \
             OR LOWER(COALESCE(u.display_name, '')) LIKE $2 ESCAPE '\\')"
        );
        let mut binds = vec![pattern];
        if let Some(path) = within {
            let (lo, hi) = path.subtree_range();
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM user_organisations x JOIN organisations o \
                 ON o.id = x.org_id WHERE x.user_id = u.id AND o.path >= $3 AND o.path < $4)",
            );
            binds.push(lo);
            binds.push(hi);
        }
        sql.push_str(&format!(
            " ORDER BY u.username LIMIT {} OFFSET {}",
            limit.max(0),
            offset.max(0)
        ));
        self.rows(sql, binds, now_ms()).await
    }

    /// The account of a member's own (one person, one account), if she has one.
    pub async fn account_of_member(self, member_id: i64) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT username FROM users WHERE member_id = $1")
                .bind(member_id)
                .fetch_optional(self.store.reader())
                .await?;
        Ok(row.map(|(u,)| u))
    }

    /// The first column of `sql` (whose `{}` is the list of `values`), a thousand values
    /// per statement.
    async fn first_column_in<V, T>(self, sql: &str, values: &[V]) -> Result<Vec<T>>
    where
        V: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone + Send + Sync,
        T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + Unpin,
    {
        let mut out = Vec::new();
        for chunk in values.chunks(BATCH) {
            let sql = sql.replace("{}", &in_list(self.store.dialect(), chunk.len()));
            let mut q = sqlx::query_as::<_, (T,)>(AssertSqlSafe(sql));
            for v in chunk {
                q = q.bind(v.clone());
            }
            out.extend(
                q.fetch_all(self.store.reader())
                    .await?
                    .into_iter()
                    .map(|r| r.0),
            );
        }
        Ok(out)
    }

    /// Of these members, those who have an account already.
    pub async fn members_with_accounts(self, member_ids: &[i64]) -> Result<Vec<i64>> {
        self.first_column_in(
            "SELECT member_id FROM users WHERE member_id IN ({})",
            member_ids,
        )
        .await
    }

    /// Of these organisations, those that have a secretary's account already.
    pub async fn orgs_with_secretaries(self, org_ids: &[i64]) -> Result<Vec<i64>> {
        self.first_column_in(
            "SELECT DISTINCT x.org_id FROM user_organisations x JOIN users u \
             ON u.id = x.user_id WHERE u.role = 'secretary' AND x.org_id IN ({})",
            org_ids,
        )
        .await
    }

    /// Which of these names are taken.
    pub async fn taken_usernames(self, names: &[String]) -> Result<Vec<String>> {
        self.first_column_in("SELECT username FROM users WHERE username IN ({})", names)
            .await
    }

    /// The account a code activates, with the person's name, while the code is good.
    pub async fn activation(
        self,
        code_hash: &str,
        now: i64,
    ) -> Result<Option<(String, Option<String>)>> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT u.username, u.display_name FROM activation_codes a \
             JOIN users u ON u.id = a.user_id WHERE a.code_hash = $1 AND a.used_at IS NULL \
             AND a.expires_at > $2 AND u.disabled = 0",
        )
        .bind(code_hash.to_string())
        .bind(now)
        .fetch_optional(self.store.reader())
        .await?;
        Ok(row)
    }
}

impl WriteTx {
    /// The person's name shown for an account.
    pub async fn set_display_name(&mut self, username: &str, name: Option<&str>) -> Result<()> {
        let id = self.user_id(username).await?;
        sqlx::query("UPDATE users SET display_name = $1, updated_at = $2 WHERE id = $3")
            .bind(name.map(str::to_string))
            .bind(now_ms())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let after = serde_json::json!({ "display_name": name });
        self.record::<(), _>("user.update", "user", username, None, Some(&after))
            .await
    }

    /// Changes an account's role and the organisations it acts on.
    pub async fn set_role_and_organisations(
        &mut self,
        username: &str,
        role: Role,
        org_ids: &[i64],
    ) -> Result<()> {
        let id = self.user_id(username).await?;
        // The account locked before its role is read: two changes at once through two
        // servers take turns, and the later's audit "before" is the earlier's "after" (B5).
        self.lock_rows(crate::locks::Rows::Users, &[id]).await?;
        let before: Vec<(i64,)> = sqlx::query_as(
            "SELECT org_id FROM user_organisations WHERE user_id = $1 ORDER BY org_id",
        )
        .bind(id)
        .fetch_all(&mut *self.tx)
        .await?;
        let (old_role,): (String,) = sqlx::query_as("SELECT role FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *self.tx)
            .await?;
        sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
            .bind(role.as_str())
            .bind(now_ms())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        sqlx::query("DELETE FROM user_organisations WHERE user_id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        for org in org_ids {
            sqlx::query("INSERT INTO user_organisations (user_id, org_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*org)
                .execute(&mut *self.tx)
                .await?;
        }
        let before = serde_json::json!({
            "role": old_role, "org_ids": before.iter().map(|r| r.0).collect::<Vec<_>>()
        });
        let after = serde_json::json!({ "role": role.as_str(), "org_ids": org_ids });
        self.record("user.role", "user", username, Some(&before), Some(&after))
            .await
    }

    /// Gives an account a new activation code, good until `expires_at`; the codes given
    /// before stop working. Its password stops working too: the person sets a new one.
    pub async fn issue_activation(
        &mut self,
        username: &str,
        code_hash: &str,
        expires_at: i64,
    ) -> Result<()> {
        let id = self.user_id(username).await?;
        // The account locked first: a code issued at the same moment by someone else is
        // committed before this one looks for the codes to put out of use, and is among them.
        self.lock_rows(crate::locks::Rows::Users, &[id]).await?;
        let now = now_ms();
        sqlx::query(
            "UPDATE activation_codes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        let code_id = self.next_id("activation_codes").await?;
        sqlx::query(
            "INSERT INTO activation_codes (id, user_id, code_hash, created_by, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(code_id)
        .bind(id)
        .bind(code_hash.to_string())
        .bind(self.actor.clone())
        .bind(now)
        .bind(expires_at)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(NOT_ACTIVATED)
            .bind(now)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        // Sessions open with the old password end.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let after = serde_json::json!({ "activation": "issued", "expires_at": expires_at });
        self.record::<(), _>("user.activation", "user", username, None, Some(&after))
            .await
    }

    /// Uses a code: sets the account's password, once. `None` when the code is unknown,
    /// used, expired, or its account disabled — the same answer for all.
    pub async fn activate(
        &mut self,
        code_hash: &str,
        now: i64,
        password_hash: &str,
    ) -> Result<Option<String>> {
        let row: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT a.id, u.id, u.username FROM activation_codes a JOIN users u \
             ON u.id = a.user_id WHERE a.code_hash = $1 AND a.used_at IS NULL \
             AND a.expires_at > $2 AND u.disabled = 0",
        )
        .bind(code_hash.to_string())
        .bind(now)
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some((code_id, user_id, username)) = row else {
            return Ok(None);
        };
        // The code is taken by exactly one of two uses at once: the second updates nothing.
        let taken = sqlx::query(
            "UPDATE activation_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(code_id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if taken == 0 {
            return Ok(None);
        }
        sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = 0, updated_at = $2 \
             WHERE id = $3",
        )
        .bind(password_hash.to_string())
        .bind(now)
        .bind(user_id)
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({ "activation": "used", "password": "set" });
        self.record::<(), _>("user.activate", "user", &username, None, Some(&after))
            .await?;
        Ok(Some(username))
    }

    /// Makes accounts in bulk, each waiting for its activation code (good until
    /// `expires_at`): users, their organisation and their code in one statement per
    /// thousand, and one audit entry per thousand listing them.
    pub async fn create_accounts(
        &mut self,
        accounts: &[NewAccount],
        expires_at: i64,
    ) -> Result<()> {
        let now = now_ms();
        for chunk in accounts.chunks(BATCH) {
            if let Some(bad) = chunk
                .iter()
                .find(|a| !crate::accounts::valid_username(&a.username))
            {
                return Err(StoreError::Invalid(Message::of(
                    "store.username",
                    &[("name", &bad.username)],
                )));
            }
            let first = self.take_ids("users", chunk.len()).await?;
            let sql = format!(
                "INSERT INTO users (id, username, role, password_hash, must_change_password, \
                 disabled, created_at, updated_at, member_id, display_name) VALUES {}",
                values_list(self.dialect, chunk.len(), 10)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (i, a) in chunk.iter().enumerate() {
                q = q
                    .bind(first + i as i64)
                    .bind(a.username.clone())
                    .bind(a.role.as_str())
                    .bind(NOT_ACTIVATED)
                    .bind(0i64)
                    .bind(0i64)
                    .bind(now)
                    .bind(now)
                    .bind(a.member_id)
                    .bind(a.display_name.clone());
            }
            q.execute(&mut *self.tx).await.map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    StoreError::Conflict(Message::of("store.accounts_taken", &[]))
                }
                other => other.into(),
            })?;
            let sql = format!(
                "INSERT INTO user_organisations (user_id, org_id) VALUES {}",
                values_list(self.dialect, chunk.len(), 2)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (i, a) in chunk.iter().enumerate() {
                q = q.bind(first + i as i64).bind(a.org_id);
            }
            q.execute(&mut *self.tx).await?;
            let first_code = self.take_ids("activation_codes", chunk.len()).await?;
            let sql = format!(
                "INSERT INTO activation_codes (id, user_id, code_hash, created_by, created_at, \
                 expires_at) VALUES {}",
                values_list(self.dialect, chunk.len(), 6)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (i, a) in chunk.iter().enumerate() {
                q = q
                    .bind(first_code + i as i64)
                    .bind(first + i as i64)
                    .bind(a.code_hash.clone())
                    .bind(self.actor.clone())
                    .bind(now)
                    .bind(expires_at);
            }
            q.execute(&mut *self.tx).await?;
            let records: Vec<_> = chunk
                .iter()
                .map(|a| (&a.username, a.role.as_str(), a.org_id, a.member_id))
                .collect();
            let key = format!("{}-{}", first, first + chunk.len() as i64 - 1);
            let after = serde_json::json!({
                "fields": ["username", "role", "org_id", "member_id"],
                "records": records,
                "activation_expires_at": expires_at,
            });
            self.record::<(), _>("user.create_bulk", "user", &key, None, Some(&after))
                .await?;
        }
        Ok(())
    }
}
