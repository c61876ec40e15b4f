//! County-level leadership teams (县级领导班子) and their leading cadres (领导干部).

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::any::AnyRow;
use xianfeng_domain::leader_roster::TeamCategory;
use xianfeng_domain::person::Gender;

use crate::Registry;
use crate::row::Row;

use crate::{Result, Store, UpsertOutcome, WriteTx, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamRecord {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// 班子类别, when the sheet gave one.
    pub category: Option<TeamCategory>,
    pub cadre_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CadreRecord {
    pub id: i64,
    pub team_id: i64,
    pub name: String,
    pub gender: Gender,
    /// The year of birth only: the full date is inside the encrypted ID number.
    pub birth_year: i64,
    pub id_masked: String,
    pub position: String,
    /// 主要负责人 (第一责任人) of the team.
    pub is_head: bool,
    /// 任职时间.
    pub since: Option<NaiveDate>,
    /// The registry's member with the same ID number, if the cadre is one.
    pub member_id: Option<i64>,
    /// The day the post ended (离任 or 调任), if it has.
    pub left_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct NewCadre {
    pub name: String,
    pub gender: Gender,
    /// The year of birth only: the full date is inside the encrypted ID number.
    pub birth_year: i64,
    pub id_number: String,
    pub position: String,
    pub is_head: bool,
    pub since: Option<NaiveDate>,
}

const TEAM_COLUMNS: &str = "t.id, t.org_id, t.name, t.category, \
    (SELECT COUNT(*) FROM cadres c WHERE c.team_id = t.id AND c.left_on IS NULL) AS cadre_count";

fn team_from_row(r: &AnyRow) -> Result<TeamRecord> {
    let r = Row::of(r, "leadership_teams");
    Ok(TeamRecord {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        name: r.get("name")?,
        category: r.parsed_opt("category", TeamCategory::parse)?,
        cadre_count: r.get("cadre_count")?,
    })
}

pub(super) const CADRE_COLUMNS: &str = "id, team_id, name, gender, birth_year, id_masked, \
    position, is_head, since, member_id, left_on";

pub(super) fn cadre_from_row(r: &AnyRow) -> Result<CadreRecord> {
    let r = Row::of(r, "cadres");
    Ok(CadreRecord {
        id: r.get("id")?,
        team_id: r.get("team_id")?,
        name: r.get("name")?,
        gender: r.parsed("gender", Gender::parse)?,
        birth_year: r.get("birth_year")?,
        id_masked: r.get("id_masked")?,
        position: r.get("position")?,
        is_head: r.get::<i64>("is_head")? != 0,
        since: r.date_opt("since")?,
        member_id: r.get("member_id")?,
        left_on: r.date_opt("left_on")?,
    })
}

impl Registry<'_> {
    pub async fn teams_of_org(self, org_id: i64) -> Result<Vec<TeamRecord>> {
        sqlx::query(dynsql!(
            "SELECT {TEAM_COLUMNS} FROM leadership_teams t WHERE t.org_id = $1 ORDER BY t.name"
        ))
        .bind(org_id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(team_from_row)
        .collect()
    }

    pub async fn team(self, id: i64) -> Result<Option<TeamRecord>> {
        sqlx::query(dynsql!(
            "SELECT {TEAM_COLUMNS} FROM leadership_teams t WHERE t.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?
        .as_ref()
        .map(team_from_row)
        .transpose()
    }

    pub async fn cadre(self, id: i64) -> Result<Option<CadreRecord>> {
        sqlx::query(dynsql!("SELECT {CADRE_COLUMNS} FROM cadres WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?
            .as_ref()
            .map(cadre_from_row)
            .transpose()
    }

    /// Every team, for an import to find them by organisation and name.
    pub async fn all_teams(self) -> Result<Vec<TeamRecord>> {
        sqlx::query(dynsql!(
            "SELECT {TEAM_COLUMNS} FROM leadership_teams t ORDER BY t.id"
        ))
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(team_from_row)
        .collect()
    }

    /// A team's cadres in post, its principal leader first.
    pub async fn cadres_of_team(self, team_id: i64) -> Result<Vec<CadreRecord>> {
        sqlx::query(dynsql!(
            "SELECT {CADRE_COLUMNS} FROM cadres WHERE team_id = $1 AND left_on IS NULL \
             ORDER BY is_head DESC, id"
        ))
        .bind(team_id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(cadre_from_row)
        .collect()
    }
}

impl WriteTx {
    pub async fn create_team(&mut self, org_id: i64, name: &str) -> Result<i64> {
        let id = self.next_id("leadership_teams").await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO leadership_teams (id, org_id, name, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(org_id)
        .bind(name.to_string())
        .bind(now)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({"org_id": org_id, "name": name});
        self.record::<(), _>(
            "team.create",
            "leadership_team",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    pub async fn add_cadre(&mut self, store: &Store, team_id: i64, c: &NewCadre) -> Result<i64> {
        let id = self.next_id("cadres").await?;
        let now = now_ms();
        let vault = store.vault();
        let id_hash = vault.hash(&c.id_number);
        let member_id: Option<(i64,)> = sqlx::query_as("SELECT id FROM members WHERE id_hash = $1")
            .bind(id_hash.clone())
            .fetch_optional(&mut *self.tx)
            .await?;
        let masked = xianfeng_domain::idcard::mask_id_number(&c.id_number);
        sqlx::query(
            "INSERT INTO cadres (id, team_id, name, gender, birth_year, id_hash, id_cipher, \
             id_masked, position, member_id, is_head, since, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(id)
        .bind(team_id)
        .bind(c.name.clone())
        .bind(c.gender.as_str())
        .bind(c.birth_year)
        .bind(id_hash)
        .bind(vault.encrypt(&c.id_number))
        .bind(masked.clone())
        .bind(c.position.clone())
        .bind(member_id.map(|m| m.0))
        .bind(i64::from(c.is_head))
        .bind(c.since.map(|d| d.to_string()))
        .bind(now)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "team_id": team_id, "name": c.name, "id_masked": masked, "position": c.position,
            "is_head": c.is_head, "since": c.since,
        });
        self.record::<(), _>("cadre.create", "cadre", &id.to_string(), None, Some(&after))
            .await?;
        if c.is_head {
            self.take_head_mark(team_id, id).await?;
        }
        Ok(id)
    }

    /// A team by organisation and name: created, or its category brought up to date (a
    /// sheet without the column leaves it as it is).
    pub async fn upsert_team(
        &mut self,
        org_id: i64,
        name: &str,
        category: Option<TeamCategory>,
    ) -> Result<(i64, UpsertOutcome)> {
        // One writer of a team name at a time: the same team made at once (two servers,
        // or an import beside a form) is made once, the other finding it.
        self.lock_name(&format!("team/{org_id}/{name}")).await?;
        let found: Option<(i64, Option<String>)> = sqlx::query_as(
            "SELECT id, category FROM leadership_teams WHERE org_id = $1 AND name = $2",
        )
        .bind(org_id)
        .bind(name.to_string())
        .fetch_optional(&mut *self.tx)
        .await?;
        let mut outcome = UpsertOutcome::default();
        let Some((id, stored)) = found else {
            let id = self.create_team(org_id, name).await?;
            if let Some(c) = category {
                self.set_team_category(id, None, c).await?;
            }
            outcome.inserted = 1;
            return Ok((id, outcome));
        };
        match category {
            Some(c) if stored.as_deref() != Some(c.as_str()) => {
                self.set_team_category(id, stored.as_deref(), c).await?;
                outcome.updated = 1;
            }
            _ => outcome.unchanged = 1,
        }
        Ok((id, outcome))
    }

    async fn set_team_category(
        &mut self,
        id: i64,
        before: Option<&str>,
        category: TeamCategory,
    ) -> Result<()> {
        sqlx::query("UPDATE leadership_teams SET category = $1, updated_at = $2 WHERE id = $3")
            .bind(category.as_str())
            .bind(now_ms())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let before = before.map(|c| serde_json::json!({ "category": c }));
        let after = serde_json::json!({ "category": category.as_str() });
        self.record(
            "team.update",
            "leadership_team",
            &id.to_string(),
            before.as_ref(),
            Some(&after),
        )
        .await
    }

    /// A cadre's post in a team, keyed by the person's ID number: created, or its name,
    /// position, head mark and date brought up to date. A new principal leader takes the
    /// mark from whoever held it in the team before (换届).
    pub async fn upsert_cadre(
        &mut self,
        store: &Store,
        team_id: i64,
        c: &NewCadre,
    ) -> Result<(i64, UpsertOutcome)> {
        // One writer of a team's cadres at a time: the same person added at once (two
        // servers, an import beside a form) is added once, the other finding her (B13).
        // A named lock, because it is a write: a serializable transaction that waited for
        // it starts again and sees her, where one that only waited for a row lock would
        // not.
        self.lock_team_cadres(team_id).await?;
        let id_hash = store.vault().hash(&c.id_number);
        let found: Option<(i64, String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT id, name, position, is_head, since FROM cadres \
             WHERE team_id = $1 AND id_hash = $2",
        )
        .bind(team_id)
        .bind(id_hash)
        .fetch_optional(&mut *self.tx)
        .await?;
        let mut outcome = UpsertOutcome::default();
        let Some((id, name, position, is_head, since)) = found else {
            let id = self.add_cadre(store, team_id, c).await?;
            outcome.inserted = 1;
            return Ok((id, outcome));
        };
        let since_now = c.since.map(|d| d.to_string());
        let same = name == c.name
            && position == c.position
            && (is_head != 0) == c.is_head
            && since == since_now;
        if same {
            outcome.unchanged = 1;
            return Ok((id, outcome));
        }
        sqlx::query(
            "UPDATE cadres SET name = $1, position = $2, is_head = $3, since = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(c.name.clone())
        .bind(c.position.clone())
        .bind(i64::from(c.is_head))
        .bind(since_now.clone())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        let before = serde_json::json!({
            "name": name, "position": position, "is_head": is_head != 0, "since": since
        });
        let after = serde_json::json!({
            "name": c.name, "position": c.position, "is_head": c.is_head, "since": since_now
        });
        self.record_cadre_change(id, &before, &after).await?;
        if c.is_head {
            self.take_head_mark(team_id, id).await?;
        }
        outcome.updated = 1;
        Ok((id, outcome))
    }

    /// Locks the cadres of team `team_id` until this transaction ends (adding one, moving
    /// one in).
    pub(super) async fn lock_team_cadres(&mut self, team_id: i64) -> Result<()> {
        self.lock_name(&format!("team-cadres/{team_id}")).await
    }

    /// Clears the principal leader's mark of the team's other cadres, audited each. The
    /// team is locked first: two cadres made principal at once take turns, and the second
    /// clears the first's mark, so that a team never has two.
    pub(super) async fn take_head_mark(&mut self, team_id: i64, head: i64) -> Result<()> {
        self.lock_rows(crate::locks::Rows::LeadershipTeams, &[team_id])
            .await?;
        let others: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM cadres WHERE team_id = $1 AND id <> $2 AND is_head <> 0",
        )
        .bind(team_id)
        .bind(head)
        .fetch_all(&mut *self.tx)
        .await?;
        for (id,) in others {
            sqlx::query("UPDATE cadres SET is_head = 0, updated_at = $1 WHERE id = $2")
                .bind(now_ms())
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
            let before = serde_json::json!({ "is_head": true });
            let after = serde_json::json!({ "is_head": false, "replaced_by": head });
            self.record_cadre_change(id, &before, &after).await?;
        }
        Ok(())
    }

    pub(super) async fn record_cadre_change(
        &mut self,
        id: i64,
        before: &serde_json::Value,
        after: &serde_json::Value,
    ) -> Result<()> {
        let key = id.to_string();
        self.record("cadre.update", "cadre", &key, Some(before), Some(after))
            .await
    }
}
