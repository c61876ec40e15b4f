//! Party members (党员). ID numbers and phones are stored only as keyed hash, ciphertext and
//! masked text (see [`crate::vault`]).

use crate::Registry;
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::Arguments;
use sqlx::any::AnyArguments;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::member_changes::{LeavingReason, Standing};
use xianfeng_domain::person::{Gender, MemberType};

use crate::{Dialect, Result, Store, StoreError, WriteTx, in_list, now_ms, values_list};
use sqlx::AssertSqlSafe;

/// A member as lists and pages show it: personal data masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRecord {
    pub id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub name: String,
    pub gender: Gender,
    pub ethnicity: Option<String>,
    /// The year of birth only: the full date is inside the encrypted ID number. `None`
    /// where it is withheld from the reader.
    pub birth_year: Option<i64>,
    pub id_masked: String,
    pub joined_on: Option<NaiveDate>,
    pub member_type: MemberType,
    pub position: Option<String>,
    pub phone_masked: Option<String>,
    /// The day of 转正, when recorded here.
    pub full_on: Option<NaiveDate>,
    /// How and when she left, if she has: her record stays, off the current rolls.
    pub left: Option<Leaving>,
}

/// How and when a member left (党员减少).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leaving {
    pub reason: LeavingReason,
    pub on: NaiveDate,
    pub note: String,
}

impl MemberRecord {
    /// What the rules of member changes need to know of her.
    pub fn standing(&self) -> Standing {
        Standing {
            member_type: self.member_type,
            joined_on: self.joined_on,
            full_on: self.full_on,
            left_on: self.left.as_ref().map(|l| l.on),
        }
    }
}

/// A member to insert or update, matched on the ID number. Plain values are protected by
/// the store before anything is written.
#[derive(Debug, Clone)]
pub struct MemberUpsert {
    pub org_id: i64,
    pub name: String,
    pub gender: Gender,
    pub ethnicity: Option<String>,
    /// The year of birth only: the full date is inside the encrypted ID number.
    pub birth_year: i64,
    pub id_number: String,
    pub joined_on: Option<NaiveDate>,
    pub member_type: MemberType,
    pub position: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct UpsertOutcome {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl UpsertOutcome {
    pub fn add(&mut self, o: UpsertOutcome) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// What the audit trail keeps of a member: comparable fields, personal data masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct MemberAudit {
    org_id: i64,
    name: String,
    gender: Gender,
    ethnicity: Option<String>,
    birth_year: i64,
    id_masked: String,
    joined_on: Option<NaiveDate>,
    member_type: MemberType,
    position: Option<String>,
    phone_masked: Option<String>,
    /// The full phone, held only in memory to tell whether it changed; never serialised.
    #[serde(skip)]
    phone: Option<String>,
}

/// Appends values to a statement's arguments, stopping at the first that cannot be encoded.
macro_rules! add_args {
    ($args:expr, $($v:expr),+ $(,)?) => {
        $(
            $args.add($v).map_err(|e| {
                crate::StoreError::Invalid(Message::verbatim(format!("cannot encode a value: {e}")))
            })?;
        )+
    };
}

pub(super) const LIST_COLUMNS: &str = "m.id, m.org_id, o.code, m.name, m.gender, m.ethnicity, \
    m.birth_year, m.id_masked, m.joined_on, m.member_type, m.position, m.phone_masked, \
    m.full_on, m.left_on, m.left_reason, m.left_note";

pub(super) fn from_row(r: &AnyRow) -> Result<MemberRecord> {
    let r = crate::row::Row::of(r, "members");
    Ok(MemberRecord {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        org_code: r.get("code")?,
        name: r.get("name")?,
        gender: r.parsed("gender", Gender::parse)?,
        ethnicity: r.get("ethnicity")?,
        birth_year: Some(r.get("birth_year")?),
        id_masked: r.get("id_masked")?,
        joined_on: r.date_opt("joined_on")?,
        member_type: r.parsed("member_type", MemberType::parse)?,
        position: r.get("position")?,
        phone_masked: r.get("phone_masked")?,
        full_on: r.date_opt("full_on")?,
        left: match r.date_opt("left_on")? {
            Some(on) => Some(Leaving {
                reason: r.parsed("left_reason", LeavingReason::parse)?,
                on,
                note: r.get::<Option<String>>("left_note")?.unwrap_or_default(),
            }),
            None => None,
        },
    })
}

impl Registry<'_> {
    pub async fn member(self, id: i64) -> Result<Option<MemberRecord>> {
        let row = sqlx::query(dynsql!(
            "SELECT {LIST_COLUMNS} FROM members m JOIN organisations o ON o.id = m.org_id \
             WHERE m.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The current members directly in one organisation (not those who left), by name,
    /// one page at a time.
    pub async fn members_of_org(
        self,
        org_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<MemberRecord>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {LIST_COLUMNS} FROM members m JOIN organisations o ON o.id = m.org_id \
             WHERE m.org_id = $1 AND m.left_on IS NULL ORDER BY m.name, m.id LIMIT $2 OFFSET $3"
        ))
        .bind(org_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The member with this ID number, if any (looked up by keyed hash).
    pub async fn member_by_id_number(self, id_number: &str) -> Result<Option<MemberRecord>> {
        let row = sqlx::query(dynsql!(
            "SELECT {LIST_COLUMNS} FROM members m JOIN organisations o ON o.id = m.org_id \
             WHERE m.id_hash = $1"
        ))
        .bind(self.store.vault().hash(id_number))
        .fetch_optional(self.store.reader())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The current members of `org`'s subtree — (id, name, organisation, position) — in
    /// tree order and by name: what bulk accounts are made from.
    pub async fn current_members_under(
        self,
        org: &crate::OrgRecord,
    ) -> Result<Vec<(i64, String, i64, Option<String>)>> {
        let (lo, hi) = org.tree_path().subtree_range();
        Ok(sqlx::query_as(
            "SELECT m.id, m.name, m.org_id, m.position FROM members m \
             JOIN organisations o ON o.id = m.org_id \
             WHERE o.path >= $1 AND o.path < $2 AND m.left_on IS NULL \
             ORDER BY o.path, m.name, m.id",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// Decrypts a member's phone, to keep it when a correction leaves it unsaid.
    pub async fn reveal_phone(self, member_id: i64) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT phone_cipher FROM members WHERE id = $1")
                .bind(member_id)
                .fetch_optional(self.store.reader())
                .await?;
        row.and_then(|(c,)| c)
            .map(|c| self.store.vault().decrypt(&c))
            .transpose()
    }

    /// Decrypts a member's full ID number, for the few screens that are allowed to show it.
    pub async fn reveal_id_number(self, member_id: i64) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT id_cipher FROM members WHERE id = $1")
            .bind(member_id)
            .fetch_optional(self.store.reader())
            .await?;
        row.map(|(c,)| self.store.vault().decrypt(&c)).transpose()
    }
}

/// The columns [`WriteTx::audit_of_row`] reads.
const AUDIT_COLUMNS: &str = "id, id_hash, org_id, name, gender, ethnicity, birth_year, \
    id_masked, joined_on, member_type, position, phone_masked, phone_cipher";

/// Rows per statement: 1,000 × 17 parameters stays under SQLite's 32,766.
const BATCH: usize = 1000;

/// A member ready to store, personal data already protected. Made apart from the write
/// path ([`crate::Vault::prepare_member`]) so that an import can encrypt the next rows while
/// the database writes these.
#[derive(Debug, Clone)]
pub struct PreparedMember {
    record: MemberAudit,
    id_hash: String,
    id_cipher: String,
    phone_cipher: Option<String>,
}

/// PostgreSQL: `INSERT … SELECT` from a JSON array of rows (`$1`) stamped with `$2`.
const PG_INSERT_MEMBERS_FROM_JSON: &str = "INSERT INTO members (id, org_id, name, gender, \
     ethnicity, birth_year, id_hash, id_cipher, id_masked, joined_on, member_type, position, \
     phone_cipher, phone_masked, created_at, updated_at) \
     SELECT (e->>0)::bigint, (e->>1)::bigint, e->>2, e->>3, e->>4, (e->>5)::bigint, e->>6, e->>7, \
     e->>8, e->>9, e->>10, e->>11, e->>12, e->>13, $2, $2 \
     FROM jsonb_array_elements($1::jsonb) AS e";

/// The statement inserting `rows` with ids from `first_id`, stamped `now`; with
/// `skip_known`, people whose ID number is stored are skipped instead of failing it.
fn members_insert(
    dialect: Dialect,
    rows: &[PreparedMember],
    first_id: i64,
    now: i64,
    skip_known: bool,
) -> Result<sqlx::query::Query<'static, sqlx::Any, AnyArguments>> {
    let conflict = if skip_known {
        "ON CONFLICT (id_hash) DO NOTHING"
    } else {
        ""
    };
    Ok(match dialect {
        Dialect::Sqlite => {
            let sql = format!(
                "INSERT INTO members (id, org_id, name, gender, ethnicity, birth_year, \
                     id_hash, id_cipher, id_masked, joined_on, member_type, position, \
                     phone_cipher, phone_masked, created_at, updated_at) VALUES {} {conflict}",
                values_list(dialect, rows.len(), 16)
            );
            // Values are borrowed, not cloned: the driver copies each once anyway.
            let mut args = AnyArguments::default();
            args.reserve(rows.len() * 16, 0);
            for (i, row) in rows.iter().enumerate() {
                let r = &row.record;
                add_args!(
                    args,
                    first_id + i as i64,
                    r.org_id,
                    r.name.as_str(),
                    r.gender.as_str(),
                    r.ethnicity.as_deref(),
                    r.birth_year,
                    row.id_hash.as_str(),
                    row.id_cipher.as_str(),
                    r.id_masked.as_str(),
                    r.joined_on.map(|d| d.to_string()),
                    r.member_type.as_str(),
                    r.position.as_deref(),
                    row.phone_cipher.as_deref(),
                    r.phone_masked.as_deref(),
                    now,
                    now
                );
            }
            sqlx::query_with(AssertSqlSafe(sql), args)
        }
        // The rows travel as one JSON parameter that PostgreSQL unpacks itself: binding
        // seventeen thousand parameters per statement costs it more than the inserts.
        Dialect::Postgres => {
            let data: Vec<serde_json::Value> = rows
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let r = &row.record;
                    serde_json::json!([
                        first_id + i as i64,
                        r.org_id,
                        r.name,
                        r.gender,
                        r.ethnicity,
                        r.birth_year,
                        row.id_hash,
                        row.id_cipher,
                        r.id_masked,
                        r.joined_on,
                        r.member_type,
                        r.position,
                        row.phone_cipher,
                        r.phone_masked
                    ])
                })
                .collect();
            let json = serde_json::to_string(&data).expect("values serialise");
            sqlx::query(AssertSqlSafe(format!(
                "{PG_INSERT_MEMBERS_FROM_JSON} {conflict}"
            )))
            .bind(json)
            .bind(now)
        }
    })
}

/// The fields of each record in a `member.create` audit entry, in order.
const CREATED_FIELDS: [&str; 11] = [
    "id",
    "org_id",
    "name",
    "gender",
    "ethnicity",
    "birth_year",
    "id_masked",
    "joined_on",
    "member_type",
    "position",
    "phone_masked",
];

impl crate::Vault {
    pub fn prepare_member(&self, row: &MemberUpsert) -> PreparedMember {
        let mask = xianfeng_domain::idcard::mask_id_number;
        PreparedMember {
            record: MemberAudit {
                org_id: row.org_id,
                name: row.name.clone(),
                gender: row.gender,
                ethnicity: row.ethnicity.clone(),
                birth_year: row.birth_year,
                id_masked: mask(&row.id_number),
                joined_on: row.joined_on,
                member_type: row.member_type,
                position: row.position.clone(),
                phone_masked: row.phone.as_deref().map(mask),
                phone: row.phone.clone(),
            },
            id_hash: self.hash(&row.id_number),
            id_cipher: self.encrypt(&row.id_number),
            phone_cipher: row.phone.as_ref().map(|p| self.encrypt(p)),
        }
    }
}

impl WriteTx {
    /// The first members of an organisation by id, as this transaction sees them.
    pub async fn member_ids_of(&mut self, org_id: i64, limit: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM members WHERE org_id = $1 ORDER BY id LIMIT $2")
                .bind(org_id)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Inserts new members and updates changed ones, matched on the ID number; unchanged
    /// rows are left alone and not audited, so importing a file twice changes nothing.
    pub async fn upsert_members(
        &mut self,
        store: &Store,
        rows: &[MemberUpsert],
    ) -> Result<UpsertOutcome> {
        let prepared: Vec<PreparedMember> = rows
            .iter()
            .map(|r| store.vault().prepare_member(r))
            .collect();
        self.upsert_prepared(prepared).await
    }

    /// [`WriteTx::upsert_members`] for rows prepared beforehand.
    pub async fn upsert_prepared(&mut self, rows: Vec<PreparedMember>) -> Result<UpsertOutcome> {
        let mut outcome = UpsertOutcome::default();
        if self.bulk_members.is_none() {
            self.start_bulk_load_if_empty().await?;
        }
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<PreparedMember> = rows.by_ref().take(BATCH).collect();
            // New people are inserted in one statement; those whose ID number is already
            // stored come back with what is stored, to be compared.
            let known = self.insert_new_members(chunk, &mut outcome).await?;
            for (row, id, before) in known {
                if let Some(allowed) = &self.member_orgs
                    && !allowed.contains(&before.org_id)
                {
                    return Err(StoreError::Conflict(Message::of(
                        "store.member_elsewhere",
                        &[("id", &before.id_masked)],
                    )));
                }
                let after = &row.record;
                if before == *after {
                    outcome.unchanged += 1;
                    continue;
                }
                self.update_member(id, &row).await?;
                *self.member_deltas.entry(before.org_id).or_default() -= 1;
                *self.member_deltas.entry(after.org_id).or_default() += 1;
                let key = id.to_string();
                self.record("member.update", "member", &key, Some(&before), Some(after))
                    .await?;
                outcome.updated += 1;
            }
        }
        Ok(outcome)
    }

    /// Inserts the rows whose ID number is not stored yet and returns the others, each with
    /// the stored member's id and values.
    async fn insert_new_members(
        &mut self,
        rows: Vec<PreparedMember>,
        outcome: &mut UpsertOutcome,
    ) -> Result<Vec<(PreparedMember, i64, MemberAudit)>> {
        let first_id = self.take_ids("members", rows.len()).await?;
        let now = now_ms();
        // Most imports bring only new people: the plain insert is tried first, under a
        // savepoint, and only if someone is already there does the statement run again
        // with ON CONFLICT, whose extra probe per row costs PostgreSQL a tenth of its time.
        sqlx::query("SAVEPOINT new_members")
            .execute(&mut *self.tx)
            .await?;
        let plain = members_insert(self.dialect, &rows, first_id, now, false)?
            .execute(&mut *self.tx)
            .await;
        // No RETURNING: the driver hands returned rows over one by one, a thread wake-up
        // each. When every row went in (the usual case) nothing more is asked; otherwise
        // the rows that did not get their planned id were already there.
        let affected = match plain {
            Ok(done) => {
                sqlx::query("RELEASE SAVEPOINT new_members")
                    .execute(&mut *self.tx)
                    .await?;
                done.rows_affected() as usize
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                sqlx::query("ROLLBACK TO SAVEPOINT new_members")
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query("RELEASE SAVEPOINT new_members")
                    .execute(&mut *self.tx)
                    .await?;
                members_insert(self.dialect, &rows, first_id, now, true)?
                    .execute(&mut *self.tx)
                    .await?
                    .rows_affected() as usize
            }
            Err(e) => return Err(e.into()),
        };
        // A row went in exactly when the member stored under its ID number carries the id
        // planned for it; the others were there before, and what is stored is kept to compare.
        let mut stored = if affected == rows.len() {
            HashMap::new()
        } else {
            let hashes: Vec<String> = rows.iter().map(|r| r.id_hash.clone()).collect();
            self.existing_members(&hashes).await?
        };
        let was_inserted: Vec<bool> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                stored
                    .get(&r.id_hash)
                    .is_none_or(|(id, _)| *id == first_id + i as i64)
            })
            .collect();
        // One audit entry per statement, listing every record it created with its id and
        // values, as a table (field names once, then one array per record): a million-row
        // import writes a thousand entries instead of a million.
        let records: Vec<_> = rows
            .iter()
            .enumerate()
            .filter(|(i, _)| was_inserted[*i])
            .map(|(i, row)| {
                let r = &row.record;
                (
                    first_id + i as i64,
                    r.org_id,
                    &r.name,
                    &r.gender,
                    &r.ethnicity,
                    &r.birth_year,
                    &r.id_masked,
                    &r.joined_on,
                    &r.member_type,
                    &r.position,
                    &r.phone_masked,
                )
            })
            .collect();
        if let (Some(first), Some(last)) = (records.first(), records.last()) {
            let key = format!("{}-{}", first.0, last.0);
            let created = serde_json::json!({
                "fields": CREATED_FIELDS,
                "records": records,
            });
            self.record::<(), _>("member.create", "member", &key, None, Some(&created))
                .await?;
        }
        outcome.inserted += records.len();
        drop(records);
        let mut known = Vec::new();
        for (row, inserted) in rows.into_iter().zip(was_inserted) {
            if inserted {
                *self.member_deltas.entry(row.record.org_id).or_default() += 1;
            } else if let Some((id, before)) = stored.remove(&row.id_hash) {
                known.push((row, id, before));
            }
        }
        Ok(known)
    }

    /// A first load into an empty members table inserts without its two secondary indexes
    /// and builds them once at commit: sorting a million keys at the end costs a fraction of
    /// a million random index insertions. Nobody can already be stored, and the import
    /// refuses a person twice in one file, so no conflict can arise meanwhile; should one
    /// slip through, building the unique index fails and the whole import rolls back.
    async fn start_bulk_load_if_empty(&mut self) -> Result<()> {
        let any: Option<(i64,)> = sqlx::query_as("SELECT id FROM members LIMIT 1")
            .fetch_optional(&mut *self.tx)
            .await?;
        let empty = any.is_none();
        if empty {
            for sql in ["DROP INDEX members_id_hash", "DROP INDEX members_org"] {
                sqlx::query(sql).execute(&mut *self.tx).await?;
            }
            // PostgreSQL checks a foreign key row by row with a locking look-up; added back
            // at commit it checks all rows in one join. (SQLite cannot drop a foreign key,
            // and its per-row check is cheap.)
            if self.dialect == Dialect::Postgres {
                sqlx::query("ALTER TABLE members DROP CONSTRAINT members_org_fk")
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        self.bulk_members = Some(empty);
        Ok(())
    }

    pub(crate) async fn rebuild_member_indexes(&mut self) -> Result<()> {
        for sql in [
            "CREATE UNIQUE INDEX members_id_hash ON members(id_hash)",
            "CREATE INDEX members_org ON members(org_id)",
        ] {
            sqlx::query(sql).execute(&mut *self.tx).await?;
        }
        if self.dialect == Dialect::Postgres {
            sqlx::query(
                "ALTER TABLE members ADD CONSTRAINT members_org_fk \
                 FOREIGN KEY (org_id) REFERENCES organisations(id)",
            )
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn existing_members(
        &mut self,
        hashes: &[String],
    ) -> Result<HashMap<String, (i64, MemberAudit)>> {
        // Locked until commit, in id order: a transfer or a correction of one of them at
        // the same moment waits, and the counts moved below stay true.
        let lock = match self.dialect {
            crate::Dialect::Postgres => " ORDER BY id FOR UPDATE",
            crate::Dialect::Sqlite => "",
        };
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM members WHERE id_hash IN ({}){lock}",
            in_list(self.dialect, hashes.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for h in hashes {
            q = q.bind(h.clone());
        }
        let rows = q.fetch_all(&mut *self.tx).await?;
        let mut out = HashMap::new();
        for r in &rows {
            let (id, id_hash, audit) = self.audit_of_row(r)?;
            out.insert(id_hash, (id, audit));
        }
        Ok(out)
    }

    fn audit_of_row(&self, r: &AnyRow) -> Result<(i64, String, MemberAudit)> {
        let r = crate::row::Row::of(r, "members");
        let audit = MemberAudit {
            org_id: r.get("org_id")?,
            name: r.get("name")?,
            gender: r.parsed("gender", Gender::parse)?,
            ethnicity: r.get("ethnicity")?,
            birth_year: r.get("birth_year")?,
            id_masked: r.get("id_masked")?,
            joined_on: r.date_opt("joined_on")?,
            member_type: r.parsed("member_type", MemberType::parse)?,
            position: r.get("position")?,
            phone_masked: r.get("phone_masked")?,
            phone: r
                .get::<Option<String>>("phone_cipher")?
                .map(|c| self.vault.decrypt(&c))
                .transpose()?,
        };
        Ok((r.get("id")?, r.get("id_hash")?, audit))
    }

    /// Corrects a member's record (更正) — name, ID number, phone, dates, type — keeping her
    /// where she is (moving is a transfer's). A new ID number another record holds is
    /// refused; an unchanged record is left alone. Returns whether anything changed.
    pub async fn correct_member(
        &mut self,
        store: &Store,
        id: i64,
        row: &MemberUpsert,
    ) -> Result<bool> {
        // Locked until commit: the organisation written back below stays hers even if a
        // transfer is accepted at the same moment (it waits for this correction).
        let lock = match self.dialect {
            crate::Dialect::Postgres => " FOR UPDATE",
            crate::Dialect::Sqlite => "",
        };
        let found = sqlx::query(dynsql!(
            "SELECT {AUDIT_COLUMNS} FROM members WHERE id = $1{lock}"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some(found) = found else {
            return Err(StoreError::NotFound(Message::of("store.no_member", &[])));
        };
        let (_, id_hash, before) = self.audit_of_row(&found)?;
        let mut prepared = store.vault().prepare_member(row);
        prepared.record.org_id = before.org_id;
        if prepared.id_hash == id_hash && prepared.record == before {
            return Ok(false);
        }
        if prepared.id_hash != id_hash {
            let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM members WHERE id_hash = $1")
                .bind(prepared.id_hash.clone())
                .fetch_optional(&mut *self.tx)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(Message::of(
                    "store.member_id_taken",
                    &[("id", &prepared.record.id_masked)],
                )));
            }
            sqlx::query(
                "UPDATE members SET id_hash = $1, id_cipher = $2, id_masked = $3 WHERE id = $4",
            )
            .bind(prepared.id_hash.clone())
            .bind(prepared.id_cipher.clone())
            .bind(prepared.record.id_masked.clone())
            .bind(id)
            .execute(&mut *self.tx)
            .await
            // Two members corrected to one ID number at once (two servers): the check above
            // saw neither, the index refuses the later (B23).
            .map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    StoreError::Conflict(Message::of(
                        "store.member_id_taken",
                        &[("id", &prepared.record.id_masked)],
                    ))
                }
                e => e.into(),
            })?;
        }
        self.update_member(id, &prepared).await?;
        let key = id.to_string();
        self.record(
            "member.correct",
            "member",
            &key,
            Some(&before),
            Some(&prepared.record),
        )
        .await?;
        Ok(true)
    }

    async fn update_member(&mut self, id: i64, row: &PreparedMember) -> Result<()> {
        let r = &row.record;
        sqlx::query(
            "UPDATE members SET org_id = $1, name = $2, gender = $3, ethnicity = $4, \
             birth_year = $5, joined_on = $6, member_type = $7, position = $8, \
             phone_cipher = $9, phone_masked = $10, updated_at = $11 WHERE id = $12",
        )
        .bind(r.org_id)
        .bind(r.name.clone())
        .bind(r.gender.as_str())
        .bind(r.ethnicity.clone())
        .bind(r.birth_year)
        .bind(r.joined_on.map(|d| d.to_string()))
        .bind(r.member_type.as_str())
        .bind(r.position.clone())
        .bind(row.phone_cipher.clone())
        .bind(r.phone_masked.clone())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
