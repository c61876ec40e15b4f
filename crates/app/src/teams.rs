//! Leadership teams and cadres by hand (领导班子, 领导干部), for the office and committee
//! staff who may write the team's organisation: a team made or renamed, a cadre added with
//! the roster's checks, a post ended (离任) or moved to another team (调任), the principal
//! leader (主要负责人) named. The web forms and the API come here; the import is
//! `import_leaders`.

use chrono::NaiveDate;
use xianfeng_domain::leader_roster::{
    CadreField, TeamCategory, TeamField, parse_cadre_row, parse_team_row,
};
use xianfeng_domain::policy::{Action, Principal};
use xianfeng_storage::{CadreRecord, NewCadre, OrgRecord, Store, TeamRecord};

use crate::AppError;
use crate::actor::Actor;
use crate::members::{as_row, form_issues};
use crate::scope::{allowed, org_for};

/// A team as a form gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TeamForm {
    pub name: String,
    /// A code (`township`) or a name (乡镇（街道）班子); empty for none.
    #[serde(default)]
    pub category: String,
}

/// A cadre's post as a form gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CadreForm {
    pub name: String,
    pub id_number: String,
    pub position: String,
    /// 是/否, yes/no, 1/0; empty is no.
    #[serde(default)]
    pub is_head: String,
    /// 任职时间; may be empty.
    #[serde(default)]
    pub since: String,
}

/// A team and its organisation, if `principal` may write that organisation.
pub async fn team_to_change(
    store: &Store,
    principal: &Principal,
    team_id: i64,
) -> Result<(TeamRecord, OrgRecord), AppError> {
    let t = store
        .registry()
        .team(team_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = store
        .registry()
        .org_by_id(t.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    allowed(principal, Action::ReadOrganisation, &o)?;
    allowed(principal, Action::WriteOrganisations, &o)?;
    Ok((t, o))
}

/// A cadre's post in post, its team and organisation, if `principal` may write them.
pub async fn post_to_change(
    store: &Store,
    principal: &Principal,
    cadre_id: i64,
) -> Result<(CadreRecord, TeamRecord, OrgRecord), AppError> {
    let c = store
        .registry()
        .cadre(cadre_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (t, o) = team_to_change(store, principal, c.team_id).await?;
    if c.left_on.is_some() {
        return Err(AppError::input("store.post_ended", &[]));
    }
    Ok((c, t, o))
}

fn parse_team(
    form: &TeamForm,
    org: &OrgRecord,
) -> Result<(String, Option<TeamCategory>), AppError> {
    let (columns, cells) = as_row(&[
        (TeamField::Name, form.name.as_str()),
        (TeamField::OrgCode, org.code.as_str()),
        (TeamField::Category, form.category.as_str()),
    ])?;
    let row = parse_team_row(1, &cells, &columns).map_err(|e| form_issues("team", e))?;
    Ok((row.name, row.category))
}

/// Makes a team in organisation `code` (or brings the category of the team of that name up
/// to date). Returns its id.
pub async fn create_team(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
    form: &TeamForm,
) -> Result<i64, AppError> {
    let o = org_for(
        store,
        Some(actor.principal),
        code,
        Action::WriteOrganisations,
    )
    .await?;
    let (name, category) = parse_team(form, &o)?;
    let mut tx = store.begin(actor.username).await?;
    let (id, _) = tx.upsert_team(o.id, &name, category).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a cadre's post to a team, checked as a row of the cadres' sheet. A person already
/// in the team has her post brought up to date instead. Returns the post's id.
pub async fn add_cadre(
    store: &Store,
    actor: &Actor<'_>,
    team_id: i64,
    form: &CadreForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let (t, o) = team_to_change(store, actor.principal, team_id).await?;
    let (columns, cells) = as_row(&[
        (CadreField::Name, form.name.as_str()),
        (CadreField::IdNumber, form.id_number.as_str()),
        (CadreField::Position, form.position.as_str()),
        (CadreField::Team, t.name.as_str()),
        (CadreField::OrgCode, o.code.as_str()),
        (CadreField::Head, form.is_head.as_str()),
        (CadreField::Since, form.since.as_str()),
    ])?;
    let row = parse_cadre_row(1, &cells, &columns, today).map_err(|e| form_issues("cadre", e))?;
    let cadre = NewCadre {
        name: row.name,
        gender: row.gender,
        birth_year: row.birth_year,
        id_number: row.id_number.as_str().to_string(),
        position: row.position,
        is_head: row.is_head,
        since: row.since,
    };
    let mut tx = store.begin(actor.username).await?;
    let (id, _) = tx.upsert_cadre(store, t.id, &cadre).await?;
    tx.commit().await?;
    Ok(id)
}

fn check_day(on: NaiveDate, since: Option<NaiveDate>, today: NaiveDate) -> Result<(), AppError> {
    if on > today {
        return Err(AppError::input("member.change_future", &[]));
    }
    if let Some(since) = since
        && on < since
    {
        return Err(AppError::input(
            "app.post_before_since",
            &[("since", &since)],
        ));
    }
    Ok(())
}

/// Ends a cadre's post on `on` (离任). What happened while she held it stays with it.
pub async fn end_post(
    store: &Store,
    actor: &Actor<'_>,
    cadre_id: i64,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<(), AppError> {
    let (c, _, _) = post_to_change(store, actor.principal, cadre_id).await?;
    check_day(on, c.since, today)?;
    let mut tx = store.begin(actor.username).await?;
    tx.end_post(c.id, on).await?;
    tx.commit().await?;
    Ok(())
}

/// Where a cadre moves (调任): the new team, named by its organisation's code and its
/// name, the post there, and the day.
#[derive(Debug, Clone)]
pub struct Move<'a> {
    pub to_org: &'a str,
    pub to_team: &'a str,
    pub position: &'a str,
    pub is_head: bool,
    pub on: NaiveDate,
}

/// Moves a cadre to another team — one the actor may also write. Returns the new post's
/// id.
pub async fn move_post(
    store: &Store,
    actor: &Actor<'_>,
    cadre_id: i64,
    m: &Move<'_>,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let Move {
        to_org,
        to_team,
        position,
        is_head,
        on,
    } = *m;
    let (c, _, _) = post_to_change(store, actor.principal, cadre_id).await?;
    check_day(on, c.since, today)?;
    let o = org_for(
        store,
        Some(actor.principal),
        to_org.trim(),
        Action::WriteOrganisations,
    )
    .await
    .map_err(|_| AppError::input("app.team_unknown", &[("team", &to_team)]))?;
    let team = store
        .registry()
        .teams_of_org(o.id)
        .await?
        .into_iter()
        .find(|t| t.name == to_team.trim())
        .ok_or_else(|| AppError::input("app.team_unknown", &[("team", &to_team)]))?;
    let position = position.trim();
    if position.is_empty() || position.chars().count() > 50 {
        return Err(AppError::input("app.position_required", &[]));
    }
    let mut tx = store.begin(actor.username).await?;
    let id = tx.move_post(c.id, on, team.id, position, is_head).await?;
    tx.commit().await?;
    Ok(id)
}

/// Names a cadre her team's principal leader (主要负责人).
pub async fn make_head(store: &Store, actor: &Actor<'_>, cadre_id: i64) -> Result<(), AppError> {
    let (c, _, _) = post_to_change(store, actor.principal, cadre_id).await?;
    let mut tx = store.begin(actor.username).await?;
    tx.make_head(c.id).await?;
    tx.commit().await?;
    Ok(())
}
