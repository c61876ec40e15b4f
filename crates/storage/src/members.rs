//! Party members (党员). ID numbers and phones are stored only as keyed hash, ciphertext and
//! masked text (see [`crate::vault`]).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeSet, HashMap};

use crate::{Result, Store, WriteTx, in_list, now_ms, values_list};
use sqlx::AssertSqlSafe;

/// A member as lists and pages show it: personal data masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRecord {
    pub id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub name: String,
    pub gender: String,
    pub ethnicity: Option<String>,
    pub birth_date: String,
    pub id_masked: String,
    pub joined_on: Option<String>,
    pub member_type: String,
    pub position: Option<String>,
    pub phone_masked: Option<String>,
}

/// A member to insert or update, matched on the ID number. Plain values are protected by
/// the store before anything is written.
#[derive(Debug, Clone)]
pub struct MemberUpsert {
    pub org_id: i64,
    pub name: String,
    pub gender: String,
    pub ethnicity: Option<String>,
    pub birth_date: String,
    pub id_number: String,
    pub joined_on: Option<String>,
    pub member_type: String,
    pub position: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
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
    gender: String,
    ethnicity: Option<String>,
    birth_date: String,
    id_masked: String,
    joined_on: Option<String>,
    member_type: String,
    position: Option<String>,
    phone_masked: Option<String>,
    #[serde(skip)]
    phone_hash: Option<String>,
}

const LIST_COLUMNS: &str = "m.id, m.org_id, o.code, m.name, m.gender, m.ethnicity, \
    m.birth_date, m.id_masked, m.joined_on, m.member_type, m.position, m.phone_masked";

fn from_row(r: &AnyRow) -> Result<MemberRecord> {
    Ok(MemberRecord {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        org_code: r.try_get(2)?,
        name: r.try_get(3)?,
        gender: r.try_get(4)?,
        ethnicity: r.try_get(5)?,
        birth_date: r.try_get(6)?,
        id_masked: r.try_get(7)?,
        joined_on: r.try_get(8)?,
        member_type: r.try_get(9)?,
        position: r.try_get(10)?,
        phone_masked: r.try_get(11)?,
    })
}

impl Store {
    pub async fn member(&self, id: i64) -> Result<Option<MemberRecord>> {
        let row = sqlx::query(dynsql!(
            "SELECT {LIST_COLUMNS} FROM members m JOIN organisations o ON o.id = m.org_id \
             WHERE m.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Members directly in one organisation, by name, one page at a time.
    pub async fn members_of_org(
        &self,
        org_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<MemberRecord>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {LIST_COLUMNS} FROM members m JOIN organisations o ON o.id = m.org_id \
             WHERE m.org_id = $1 ORDER BY m.name, m.id LIMIT $2 OFFSET $3"
        ))
        .bind(org_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The member with this ID number, if any (looked up by keyed hash).
    pub async fn member_by_id_number(&self, id_number: &str) -> Result<Option<MemberRecord>> {
        let row = sqlx::query(dynsql!(
            "SELECT {LIST_COLUMNS} FROM members m JOIN organisations o ON o.id = m.org_id \
             WHERE m.id_hash = $1"
        ))
        .bind(self.vault().hash(id_number))
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Decrypts a member's full ID number, for the few screens that are allowed to show it.
    pub async fn reveal_id_number(&self, member_id: i64) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT id_cipher FROM members WHERE id = $1")
            .bind(member_id)
            .fetch_optional(self.reader())
            .await?;
        row.map(|(c,)| self.vault().decrypt(&c)).transpose()
    }
}

const BATCH: usize = 400;

impl WriteTx {
    /// Inserts new members and updates changed ones, matched on the ID number; unchanged
    /// rows are left alone and not audited, so importing a file twice changes nothing.
    pub async fn upsert_members(
        &mut self,
        store: &Store,
        rows: &[MemberUpsert],
    ) -> Result<UpsertOutcome> {
        let mut outcome = UpsertOutcome::default();
        let mut touched_orgs = BTreeSet::new();
        let vault = store.vault();
        for chunk in rows.chunks(BATCH) {
            let hashes: Vec<String> = chunk.iter().map(|r| vault.hash(&r.id_number)).collect();
            let existing = self.existing_members(&hashes).await?;
            let mut inserts = Vec::new();
            for (row, hash) in chunk.iter().zip(&hashes) {
                let phone_hash = row.phone.as_ref().map(|p| vault.hash(p));
                let after = MemberAudit {
                    org_id: row.org_id,
                    name: row.name.clone(),
                    gender: row.gender.clone(),
                    ethnicity: row.ethnicity.clone(),
                    birth_date: row.birth_date.clone(),
                    id_masked: xianfeng_domain::idcard::mask_id_number(&row.id_number),
                    joined_on: row.joined_on.clone(),
                    member_type: row.member_type.clone(),
                    position: row.position.clone(),
                    phone_masked: row
                        .phone
                        .as_ref()
                        .map(|p| xianfeng_domain::idcard::mask_id_number(p)),
                    phone_hash,
                };
                match existing.get(hash) {
                    Some((_, before))
                        if *before == after && before.phone_hash == after.phone_hash =>
                    {
                        outcome.unchanged += 1;
                    }
                    Some((id, before)) => {
                        self.update_member(*id, row, &after, store).await?;
                        touched_orgs.insert(before.org_id);
                        touched_orgs.insert(row.org_id);
                        self.record(
                            "member.update",
                            "member",
                            &id.to_string(),
                            Some(before),
                            Some(&after),
                        )
                        .await?;
                        outcome.updated += 1;
                    }
                    None => {
                        touched_orgs.insert(row.org_id);
                        inserts.push((row, hash.clone(), after));
                    }
                }
            }
            if !inserts.is_empty() {
                let first_id = self.next_id("members").await?;
                let sql = format!(
                    "INSERT INTO members (id, org_id, name, gender, ethnicity, birth_date, \
                     id_hash, id_cipher, id_masked, joined_on, member_type, position, \
                     phone_hash, phone_cipher, phone_masked, created_at, updated_at) VALUES {}",
                    values_list(inserts.len(), 17)
                );
                let now = now_ms();
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (i, (row, hash, audit)) in inserts.iter().enumerate() {
                    q = q
                        .bind(first_id + i as i64)
                        .bind(row.org_id)
                        .bind(row.name.clone())
                        .bind(row.gender.clone())
                        .bind(row.ethnicity.clone())
                        .bind(row.birth_date.clone())
                        .bind(hash.clone())
                        .bind(vault.encrypt(&row.id_number))
                        .bind(audit.id_masked.clone())
                        .bind(row.joined_on.clone())
                        .bind(row.member_type.clone())
                        .bind(row.position.clone())
                        .bind(audit.phone_hash.clone())
                        .bind(row.phone.as_ref().map(|p| vault.encrypt(p)))
                        .bind(audit.phone_masked.clone())
                        .bind(now)
                        .bind(now);
                }
                q.execute(&mut *self.tx).await?;
                for (i, (_, _, audit)) in inserts.iter().enumerate() {
                    let key = (first_id + i as i64).to_string();
                    self.record::<(), _>("member.create", "member", &key, None, Some(audit))
                        .await?;
                }
                outcome.inserted += inserts.len();
            }
        }
        let touched: Vec<i64> = touched_orgs.into_iter().collect();
        self.recount_members(&touched).await?;
        Ok(outcome)
    }

    async fn existing_members(
        &mut self,
        hashes: &[String],
    ) -> Result<HashMap<String, (i64, MemberAudit)>> {
        let sql = format!(
            "SELECT id, id_hash, org_id, name, gender, ethnicity, birth_date, id_masked, \
             joined_on, member_type, position, phone_masked, phone_hash \
             FROM members WHERE id_hash IN ({})",
            in_list(hashes.len(), 1)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for h in hashes {
            q = q.bind(h.clone());
        }
        let rows = q.fetch_all(&mut *self.tx).await?;
        let mut out = HashMap::new();
        for r in rows {
            let audit = MemberAudit {
                org_id: r.try_get(2)?,
                name: r.try_get(3)?,
                gender: r.try_get(4)?,
                ethnicity: r.try_get(5)?,
                birth_date: r.try_get(6)?,
                id_masked: r.try_get(7)?,
                joined_on: r.try_get(8)?,
                member_type: r.try_get(9)?,
                position: r.try_get(10)?,
                phone_masked: r.try_get(11)?,
                phone_hash: r.try_get(12)?,
            };
            out.insert(r.try_get(1)?, (r.try_get(0)?, audit));
        }
        Ok(out)
    }

    async fn update_member(
        &mut self,
        id: i64,
        row: &MemberUpsert,
        audit: &MemberAudit,
        store: &Store,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE members SET org_id = $1, name = $2, gender = $3, ethnicity = $4, \
             birth_date = $5, joined_on = $6, member_type = $7, position = $8, \
             phone_hash = $9, phone_cipher = $10, phone_masked = $11, updated_at = $12 \
             WHERE id = $13",
        )
        .bind(row.org_id)
        .bind(row.name.clone())
        .bind(row.gender.clone())
        .bind(row.ethnicity.clone())
        .bind(row.birth_date.clone())
        .bind(row.joined_on.clone())
        .bind(row.member_type.clone())
        .bind(row.position.clone())
        .bind(audit.phone_hash.clone())
        .bind(row.phone.as_ref().map(|p| store.vault().encrypt(p)))
        .bind(audit.phone_masked.clone())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
