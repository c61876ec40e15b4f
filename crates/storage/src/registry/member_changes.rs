//! Members over time (党员变动): 转正, leaving, transfers between branches (组织关系转接),
//! and the office's list of ID numbers someone tried to register twice. Every change is
//! one audited write; a member's past records are never touched.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::any::AnyRow;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::member_changes::{LeavingReason, TransferState, TransferStep};
use xianfeng_domain::org::TreePath;
use xianfeng_domain::person::MemberType;

use super::members::{LIST_COLUMNS, from_row};
use crate::row::Row;
use crate::{MemberRecord, Registry, Result, StoreError, WriteTx, now_ms};

/// A transfer of a member's organisational relation, as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transfer {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub from_org_id: i64,
    pub from_code: String,
    pub from_name: String,
    pub from_path: String,
    pub to_org_id: i64,
    pub to_code: String,
    pub to_name: String,
    pub to_path: String,
    pub state: TransferState,
    pub note: String,
    pub started_by: String,
    pub started_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
}

/// An ID number someone tried to add in a second organisation, waiting for the office.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateMember {
    pub id: i64,
    pub member: MemberRecord,
    pub tried_org_code: String,
    pub tried_org_name: String,
    pub tried_by: String,
    pub tried_at: i64,
}

const TRANSFER_COLUMNS: &str = "t.id, t.member_id, m.name AS member_name, t.from_org_id, \
    f.code AS from_code, f.name AS from_name, f.path AS from_path, t.to_org_id, \
    o.code AS to_code, o.name AS to_name, o.path AS to_path, t.state, t.note, t.started_by, \
    t.started_at, t.decided_by, t.decided_at, t.reason";

const TRANSFER_FROM: &str = "FROM member_transfers t JOIN members m ON m.id = t.member_id \
    JOIN organisations f ON f.id = t.from_org_id JOIN organisations o ON o.id = t.to_org_id";

fn transfer_of(r: &AnyRow) -> Result<Transfer> {
    let r = Row::of(r, "member_transfers");
    Ok(Transfer {
        id: r.get("id")?,
        member_id: r.get("member_id")?,
        member_name: r.get("member_name")?,
        from_org_id: r.get("from_org_id")?,
        from_code: r.get("from_code")?,
        from_name: r.get("from_name")?,
        from_path: r.get("from_path")?,
        to_org_id: r.get("to_org_id")?,
        to_code: r.get("to_code")?,
        to_name: r.get("to_name")?,
        to_path: r.get("to_path")?,
        state: r.parsed("state", TransferState::parse)?,
        note: r.get("note")?,
        started_by: r.get("started_by")?,
        started_at: r.get("started_at")?,
        decided_by: r.get("decided_by")?,
        decided_at: r.get("decided_at")?,
        reason: r.get("reason")?,
    })
}

impl Registry<'_> {
    /// Those who left an organisation (its former members), latest first.
    pub async fn former_members_of_org(self, org_id: i64) -> Result<Vec<MemberRecord>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {LIST_COLUMNS} FROM members m JOIN organisations o ON o.id = m.org_id \
             WHERE m.org_id = $1 AND m.left_on IS NOT NULL ORDER BY m.left_on DESC, m.id"
        ))
        .bind(org_id)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Transfers from or to an organisation inside the subtree at `path` (everywhere with
    /// `None`), the waiting ones first, then the latest; at most `limit`.
    pub async fn transfers_touching(
        self,
        path: Option<&TreePath>,
        limit: i64,
    ) -> Result<Vec<Transfer>> {
        let (lo, hi) = path.map_or_else(|| (String::new(), "~".to_string()), |p| p.subtree_range());
        let rows = sqlx::query(dynsql!(
            "SELECT {TRANSFER_COLUMNS} {TRANSFER_FROM} \
             WHERE (f.path >= $1 AND f.path < $2) OR (o.path >= $1 AND o.path < $2) \
             ORDER BY CASE WHEN t.state = 'waiting' THEN 0 ELSE 1 END, t.id DESC LIMIT $3"
        ))
        .bind(lo)
        .bind(hi)
        .bind(limit)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(transfer_of).collect()
    }

    /// A member's transfers, latest first.
    pub async fn transfers_of_member(self, member_id: i64) -> Result<Vec<Transfer>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {TRANSFER_COLUMNS} {TRANSFER_FROM} WHERE t.member_id = $1 ORDER BY t.id DESC"
        ))
        .bind(member_id)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(transfer_of).collect()
    }

    pub async fn transfer(self, id: i64) -> Result<Option<Transfer>> {
        let row = sqlx::query(dynsql!(
            "SELECT {TRANSFER_COLUMNS} {TRANSFER_FROM} WHERE t.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        row.as_ref().map(transfer_of).transpose()
    }

    /// The ID numbers someone tried to add a second time, not settled yet, oldest first.
    pub async fn open_duplicates(self) -> Result<Vec<DuplicateMember>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {LIST_COLUMNS}, d.id AS flag_id, t.code AS tried_code, \
             t.name AS tried_name, d.tried_by, d.tried_at \
             FROM duplicate_members d JOIN members m ON m.id = d.member_id \
             JOIN organisations o ON o.id = m.org_id \
             JOIN organisations t ON t.id = d.tried_org_id \
             WHERE d.settled_at IS NULL ORDER BY d.id"
        ))
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let member = from_row(r)?;
                let r = Row::of(r, "duplicate_members");
                Ok(DuplicateMember {
                    id: r.get("flag_id")?,
                    member,
                    tried_org_code: r.get("tried_code")?,
                    tried_org_name: r.get("tried_name")?,
                    tried_by: r.get("tried_by")?,
                    tried_at: r.get("tried_at")?,
                })
            })
            .collect()
    }

    /// How many duplicates wait, for the office's home.
    pub async fn count_open_duplicates(self) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM duplicate_members WHERE settled_at IS NULL")
                .fetch_one(self.store.reader())
                .await?;
        Ok(n)
    }
}

impl WriteTx {
    /// Locks the member's row for this transaction and reads where she stands: two
    /// secretaries changing her at once queue here instead of both reading the same state.
    async fn member_now(&mut self, id: i64) -> Result<(i64, Option<String>, MemberType)> {
        let lock = match self.dialect {
            crate::Dialect::Postgres => " FOR UPDATE",
            crate::Dialect::Sqlite => "",
        };
        let row: Option<(i64, Option<String>, String)> = sqlx::query_as(dynsql!(
            "SELECT org_id, left_on, member_type FROM members WHERE id = $1{lock}"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        let (org, left, kind) =
            row.ok_or_else(|| StoreError::NotFound(Message::of("store.no_member", &[])))?;
        let kind = MemberType::parse(&kind)
            .ok_or_else(|| StoreError::Damaged(Message::verbatim("members.member_type")))?;
        Ok((org, left, kind))
    }

    /// Records that a member left on `on`: she leaves the current rolls and rounds (her
    /// organisation's count falls), a transfer waiting for her is withdrawn, and an account
    /// of hers as a member is disabled. Her records stay.
    pub async fn record_leaving(
        &mut self,
        id: i64,
        reason: LeavingReason,
        on: NaiveDate,
        note: &str,
    ) -> Result<()> {
        let (org, left, _) = self.member_now(id).await?;
        if left.is_some() {
            return Err(StoreError::Conflict(Message::of(
                "member.already_left",
                &[],
            )));
        }
        sqlx::query(
            "UPDATE members SET left_on = $1, left_reason = $2, left_note = $3, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(on.to_string())
        .bind(reason.as_str())
        .bind(note.to_string())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        *self.member_deltas.entry(org).or_default() -= 1;
        let key = id.to_string();
        let after = serde_json::json!({ "reason": reason, "on": on, "note": note });
        self.record::<(), _>("member.leave", "member", &key, None, Some(&after))
            .await?;
        let waiting: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM member_transfers WHERE member_id = $1 AND state = 'waiting'",
        )
        .bind(id)
        .fetch_all(&mut *self.tx)
        .await?;
        for (t,) in waiting {
            self.settle_transfer(t, TransferState::Withdrawn, None)
                .await?;
        }
        let accounts: Vec<(String,)> = sqlx::query_as(
            "SELECT username FROM users WHERE member_id = $1 AND role = 'member' AND disabled = 0",
        )
        .bind(id)
        .fetch_all(&mut *self.tx)
        .await?;
        for (username,) in accounts {
            self.set_disabled(&username, true).await?;
        }
        Ok(())
    }

    /// Records a probationary member's 转正 on `on`.
    pub async fn record_full_membership(&mut self, id: i64, on: NaiveDate) -> Result<()> {
        let (_, left, kind) = self.member_now(id).await?;
        if left.is_some() {
            return Err(StoreError::Conflict(Message::of(
                "member.already_left",
                &[],
            )));
        }
        if kind == MemberType::Formal {
            return Err(StoreError::Conflict(Message::of(
                "member.already_formal",
                &[],
            )));
        }
        sqlx::query(
            "UPDATE members SET member_type = 'formal', full_on = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(on.to_string())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        let key = id.to_string();
        let before = serde_json::json!({ "member_type": MemberType::Probationary });
        let after = serde_json::json!({ "member_type": MemberType::Formal, "full_on": on });
        self.record("member.full", "member", &key, Some(&before), Some(&after))
            .await
    }

    /// Starts moving a current member to another organisation; it waits for the receiver.
    /// Returns the transfer's id. At most one transfer waits per member (the database's
    /// unique index decides between two started at once).
    pub async fn start_transfer(
        &mut self,
        member_id: i64,
        to_org_id: i64,
        note: &str,
    ) -> Result<i64> {
        let (from, left, _) = self.member_now(member_id).await?;
        if left.is_some() {
            return Err(StoreError::Conflict(Message::of(
                "member.already_left",
                &[],
            )));
        }
        if from == to_org_id {
            return Err(StoreError::Invalid(Message::of(
                "member.transfer_same_org",
                &[],
            )));
        }
        let waiting: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM member_transfers WHERE member_id = $1 AND state = 'waiting'",
        )
        .bind(member_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        if waiting.is_some() {
            return Err(StoreError::Conflict(Message::of(
                "member.transfer_already_waiting",
                &[],
            )));
        }
        let id = self.next_id("member_transfers").await?;
        sqlx::query(
            "INSERT INTO member_transfers (id, member_id, from_org_id, to_org_id, state, note, \
             started_by, started_at) VALUES ($1, $2, $3, $4, 'waiting', $5, $6, $7)",
        )
        .bind(id)
        .bind(member_id)
        .bind(from)
        .bind(to_org_id)
        .bind(note.to_string())
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "member_id": member_id, "from_org_id": from, "to_org_id": to_org_id, "note": note
        });
        self.record::<(), _>(
            "transfer.start",
            "transfer",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Takes a step on a waiting transfer. Accepting moves the member's record to the
    /// receiving organisation: her own records (keyed by her) follow her; what is kept by
    /// the organisation stays with it.
    pub async fn step_transfer(
        &mut self,
        id: i64,
        step: TransferStep,
        reason: Option<&str>,
    ) -> Result<()> {
        let row: Option<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT state, member_id, from_org_id, to_org_id FROM member_transfers WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        let (state, member_id, from, to) =
            row.ok_or_else(|| StoreError::NotFound(Message::of("member.no_transfer", &[])))?;
        let state = TransferState::parse(&state)
            .ok_or_else(|| StoreError::Damaged(Message::verbatim("member_transfers.state")))?;
        let Some(next) = step.from(state) else {
            return Err(StoreError::Conflict(
                Message::of("member.transfer_decided", &[]).arg_message("state", state.message()),
            ));
        };
        if next == TransferState::Accepted {
            let (now_in, left, _) = self.member_now(member_id).await?;
            if left.is_some() || now_in != from {
                return Err(StoreError::Conflict(Message::of(
                    "member.transfer_stale",
                    &[],
                )));
            }
            sqlx::query("UPDATE members SET org_id = $1, updated_at = $2 WHERE id = $3")
                .bind(to)
                .bind(now_ms())
                .bind(member_id)
                .execute(&mut *self.tx)
                .await?;
            *self.member_deltas.entry(from).or_default() -= 1;
            *self.member_deltas.entry(to).or_default() += 1;
            // Her own account as a member follows her to her new branch.
            sqlx::query(
                "UPDATE user_organisations SET org_id = $1 WHERE org_id = $2 AND user_id IN \
                 (SELECT id FROM users WHERE member_id = $3 AND role = 'member')",
            )
            .bind(to)
            .bind(from)
            .bind(member_id)
            .execute(&mut *self.tx)
            .await?;
            let key = member_id.to_string();
            let before = serde_json::json!({ "org_id": from });
            let after = serde_json::json!({ "org_id": to, "transfer": id });
            self.record("member.move", "member", &key, Some(&before), Some(&after))
                .await?;
        }
        self.settle_transfer(id, next, reason).await
    }

    async fn settle_transfer(
        &mut self,
        id: i64,
        state: TransferState,
        reason: Option<&str>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE member_transfers SET state = $1, decided_by = $2, decided_at = $3, \
             reason = $4 WHERE id = $5 AND state = 'waiting'",
        )
        .bind(state.as_str())
        .bind(self.actor.clone())
        .bind(now_ms())
        .bind(reason.map(str::to_string))
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(Message::of(
                "member.transfer_stale",
                &[],
            )));
        }
        let before = serde_json::json!({ "state": TransferState::Waiting });
        let after = serde_json::json!({ "state": state, "reason": reason });
        self.record(
            "transfer.step",
            "transfer",
            &id.to_string(),
            Some(&before),
            Some(&after),
        )
        .await
    }

    /// Tells the office that someone tried to add, in `tried_org_id`, a person whose ID
    /// number `member_id` already holds. One open flag per member and organisation.
    pub async fn flag_duplicate(&mut self, member_id: i64, tried_org_id: i64) -> Result<()> {
        // The member locked: the same person tried twice at once (two servers) is one flag
        // on the office's list, the second try finding the first's.
        self.lock_rows(crate::locks::Rows::Members, &[member_id])
            .await?;
        let open: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM duplicate_members WHERE member_id = $1 AND tried_org_id = $2 \
             AND settled_at IS NULL",
        )
        .bind(member_id)
        .bind(tried_org_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        if open.is_some() {
            return Ok(());
        }
        let id = self.next_id("duplicate_members").await?;
        sqlx::query(
            "INSERT INTO duplicate_members (id, member_id, tried_org_id, tried_by, tried_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(member_id)
        .bind(tried_org_id)
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({ "member_id": member_id, "tried_org_id": tried_org_id });
        self.record::<(), _>(
            "member.duplicate",
            "duplicate",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await
    }

    /// The office settles a duplicate (after a transfer, or having corrected the records).
    pub async fn settle_duplicate(&mut self, id: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE duplicate_members SET settled_by = $1, settled_at = $2 \
             WHERE id = $3 AND settled_at IS NULL",
        )
        .bind(self.actor.clone())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(Message::of(
                "member.no_duplicate",
                &[],
            )));
        }
        self.record::<(), ()>("duplicate.settle", "duplicate", &id.to_string(), None, None)
            .await
    }
}
