//! County-level leadership teams (县级领导班子) and their leading cadres (领导干部).

use serde::Serialize;
use sqlx::any::AnyRow;
use xianfeng_domain::person::Gender;

use crate::Registry;
use crate::row::Row;

use crate::{Result, Store, WriteTx, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamRecord {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
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
}

#[derive(Debug, Clone)]
pub struct NewCadre {
    pub name: String,
    pub gender: Gender,
    /// The year of birth only: the full date is inside the encrypted ID number.
    pub birth_year: i64,
    pub id_number: String,
    pub position: String,
}

const TEAM_COLUMNS: &str = "t.id, t.org_id, t.name, \
    (SELECT COUNT(*) FROM cadres c WHERE c.team_id = t.id) AS cadre_count";

fn team_from_row(r: &AnyRow) -> Result<TeamRecord> {
    let r = Row::of(r, "leadership_teams");
    Ok(TeamRecord {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        name: r.get("name")?,
        cadre_count: r.get("cadre_count")?,
    })
}

const CADRE_COLUMNS: &str = "id, team_id, name, gender, birth_year, id_masked, position";

fn cadre_from_row(r: &AnyRow) -> Result<CadreRecord> {
    let r = Row::of(r, "cadres");
    Ok(CadreRecord {
        id: r.get("id")?,
        team_id: r.get("team_id")?,
        name: r.get("name")?,
        gender: r.parsed("gender", Gender::parse)?,
        birth_year: r.get("birth_year")?,
        id_masked: r.get("id_masked")?,
        position: r.get("position")?,
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

    pub async fn cadres_of_team(self, team_id: i64) -> Result<Vec<CadreRecord>> {
        sqlx::query(dynsql!(
            "SELECT {CADRE_COLUMNS} FROM cadres WHERE team_id = $1 ORDER BY id"
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
             id_masked, position, member_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
        .bind(now)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "team_id": team_id, "name": c.name, "id_masked": masked, "position": c.position
        });
        self.record::<(), _>("cadre.create", "cadre", &id.to_string(), None, Some(&after))
            .await?;
        Ok(id)
    }
}
