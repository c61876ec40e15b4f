//! Bulletins over the API (通报): the ones the account writes, and one with its sections,
//! tables and the figures it quotes — by the same services and policy as the pages.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;
use xianfeng_app::bulletins as service;
use xianfeng_domain::bulletin::{Block, Figure, Level};
use xianfeng_storage::BulletinRecord;

use super::{ApiError, ApiPath, Bearer, refused};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bulletins", get(list))
        .route("/bulletins/{id}", get(one))
}

/// A bulletin as a list shows it.
#[derive(Serialize, ToSchema)]
pub struct BulletinOut {
    id: i64,
    /// `progress`, `inspection`, `commendation` or `stage_summary`.
    kind: String,
    /// `draft` or `issued`.
    status: String,
    title: String,
    /// The scope organisation's code.
    scope: String,
    /// The period, stage or decision number it reports on.
    period: Option<String>,
    /// 文号, once issued (焦创办〔2011〕12号).
    number: Option<String>,
    issuer: Option<String>,
    main_to: Option<String>,
    copy_to: Option<String>,
    signer: Option<String>,
    /// 成文日期 (ISO), once issued.
    dated_on: Option<String>,
    public: bool,
    /// The bulletin this one corrects.
    corrects: Option<i64>,
}

fn out(b: &BulletinRecord) -> BulletinOut {
    BulletinOut {
        id: b.id,
        kind: b.kind.as_str().into(),
        status: b.status.as_str().into(),
        title: b.title.clone(),
        scope: b.scope_code.clone(),
        period: b.period.clone(),
        number: b.number.as_ref().map(|n| n.to_string()),
        issuer: b.issuer.clone(),
        main_to: b.main_to.clone(),
        copy_to: b.copy_to.clone(),
        signer: b.signer.clone(),
        dated_on: b.dated_on.map(|d| d.to_string()),
        public: b.public,
        corrects: b.corrects_id,
    }
}

/// The bulletins the account writes (the office: all; committee staff: its subtree's),
/// newest first.
#[utoipa::path(
    get, path = "/api/v1/bulletins", tag = "bulletins", security(("bearer" = [])),
    responses(
        (status = 200, description = "The bulletins", body = [BulletinOut]),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
) -> Result<Json<Vec<BulletinOut>>, ApiError> {
    let list = service::list(&s.store, viewer.who())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(list.iter().map(out).collect()))
}

/// A section of the body: a heading (level 1–4: 一、（一）1.（1）), a paragraph, a table
/// placed by its key, or an attachment line.
#[derive(Serialize, ToSchema)]
pub struct SectionOut {
    /// `heading`, `paragraph`, `table` or `attachment`.
    kind: String,
    /// A heading's level.
    level: Option<u8>,
    /// A heading's number as written (一、).
    number: Option<String>,
    /// The text; a table's key.
    text: String,
}

/// A table as generated: numbers as numbers, names and codes as strings.
#[derive(Serialize, ToSchema)]
pub struct TableOut {
    key: String,
    title: String,
    columns: Vec<String>,
    #[schema(value_type = Vec<Vec<Value>>)]
    rows: Vec<Vec<serde_json::Value>>,
}

/// A bulletin with its body and what it quotes.
#[derive(Serialize, ToSchema)]
pub struct BulletinDetail {
    bulletin: BulletinOut,
    sections: Vec<SectionOut>,
    tables: Vec<TableOut>,
    /// The figures it quoted when drafted (frozen when issued), by name: numbers or text.
    #[schema(value_type = Object)]
    figures: BTreeMap<String, serde_json::Value>,
}

fn value(f: &Figure) -> serde_json::Value {
    match f {
        Figure::Count(n) => serde_json::json!(n),
        Figure::Hundredths(h) => serde_json::json!(*h as f64 / 100.0),
        Figure::Text(t) => serde_json::json!(t),
    }
}

fn section(b: Block) -> SectionOut {
    match b {
        Block::Heading {
            level,
            number,
            text,
        } => SectionOut {
            kind: "heading".into(),
            level: Some(match level {
                Level::First => 1,
                Level::Second => 2,
                Level::Third => 3,
                Level::Fourth => 4,
            }),
            number: Some(number),
            text,
        },
        Block::Paragraph(text) => SectionOut {
            kind: "paragraph".into(),
            level: None,
            number: None,
            text,
        },
        Block::Table(key) => SectionOut {
            kind: "table".into(),
            level: None,
            number: None,
            text: key,
        },
        Block::Attachment(text) => SectionOut {
            kind: "attachment".into(),
            level: None,
            number: None,
            text,
        },
    }
}

/// A bulletin the account writes, with its sections, tables and figures.
#[utoipa::path(
    get, path = "/api/v1/bulletins/{id}", tag = "bulletins",
    params(("id" = i64, Path, description = "Bulletin id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The bulletin", body = BulletinDetail),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
    )
)]
pub async fn one(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<BulletinDetail>, ApiError> {
    let b = service::writable(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    let sections = service::blocks(&b)
        .map_err(|e| refused(lang, e))?
        .into_iter()
        .map(section)
        .collect();
    Ok(Json(BulletinDetail {
        sections,
        tables: b
            .tables
            .iter()
            .map(|t| TableOut {
                key: t.key.clone(),
                title: t.title.clone(),
                columns: t.columns.clone(),
                rows: t
                    .rows
                    .iter()
                    .map(|r| r.iter().map(value).collect())
                    .collect(),
            })
            .collect(),
        figures: b
            .figures
            .iter()
            .map(|(k, f)| (k.clone(), value(f)))
            .collect(),
        bulletin: out(&b),
    }))
}
