//! Importing an office's existing list of models (先进典型名单) from .xlsx/.csv: each row
//! names a subject of the registry — an organisation by its code, or a member, leadership
//! team or cadre by name within its organisation —, never typed in again. The rows go into
//! the library as taken in (the office's list was vetted before), all or nothing unless bad
//! rows are skipped, each problem with its row, column, value and reason; a list imported
//! twice adds nothing the second time.

use xianfeng_domain::i18n::Message;
use xianfeng_domain::model_library::{ModelLevel, ModelSource, ModelStatus, TagFacet, parse_tags};
use xianfeng_domain::policy::Action;
use xianfeng_domain::roster::RowIssue;
use xianfeng_domain::sheet::column_of;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_ingest::SheetReader;
use xianfeng_storage::{NewModel, OrgRecord, Store};

use crate::AppError;
use crate::import::{ImportMode, ImportOptions, ImportReport};

/// The columns, by the headers an office's sheet uses (Chinese or English).
const NAME: &[&str] = &["名称", "姓名", "name"];
const KIND: &[&str] = &["类别", "对象类别", "kind"];
const ORG: &[&str] = &["组织编码", "所在组织编码", "organisation", "org"];
const LEVEL: &[&str] = &["级别", "level"];
const SUMMARY: &[&str] = &["简介", "主要事迹", "summary"];
const DEEDS: &[&str] = &["事迹材料", "事迹", "deeds"];
const THEMES: &[&str] = &["标签", "主题", "tags", "themes"];

fn kind_of(s: &str) -> Option<SubjectKind> {
    SubjectKind::parse(s).or(match s.trim() {
        "党组织" | "组织" | "基层党组织" => Some(SubjectKind::Organisation),
        "党员" => Some(SubjectKind::Member),
        "领导班子" | "班子" => Some(SubjectKind::Team),
        "领导干部" | "干部" => Some(SubjectKind::Cadre),
        _ => None,
    })
}

fn issue(row: usize, column: &str, value: &str, reason: Message) -> RowIssue {
    RowIssue {
        row,
        column: column.to_string(),
        value: value.to_string(),
        reason,
    }
}

/// The subject a row names: (kind, id, its name), or why not.
async fn subject_of(
    store: &Store,
    kind: SubjectKind,
    org: &OrgRecord,
    name: &str,
) -> Result<Result<(i64, String), Message>, AppError> {
    if kind == SubjectKind::Organisation {
        return Ok(Ok((org.id, org.name.clone())));
    }
    let found: Vec<(i64, String)> = crate::selection::subjects_in(store, kind, org)
        .await?
        .into_iter()
        // Two of a name are told apart by what follows it (`王芳（4108…）`).
        .filter(|(_, n)| n == name || n.starts_with(&format!("{name}（")))
        .collect();
    Ok(match found.len() {
        1 => Ok((found[0].0, name.to_string())),
        0 => Err(Message::of(
            "model.import_no_subject",
            &[("name", &name), ("org", &org.code)],
        )),
        n => Err(Message::of(
            "model.import_ambiguous",
            &[("name", &name), ("org", &org.code), ("n", &n)],
        )),
    })
}

pub async fn import_models(
    store: &Store,
    reader: SheetReader,
    opts: &ImportOptions,
) -> Result<ImportReport, AppError> {
    let h = &reader.headers;
    let need = |names: &[&str]| {
        column_of(h, names).ok_or_else(|| {
            AppError::Input(Message::of("model.import_column", &[("column", &names[0])]))
        })
    };
    let (c_name, c_kind, c_org, c_level, c_summary) = (
        need(NAME)?,
        need(KIND)?,
        need(ORG)?,
        need(LEVEL)?,
        need(SUMMARY)?,
    );
    let (c_deeds, c_themes) = (column_of(h, DEEDS), column_of(h, THEMES));
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let mut report = ImportReport::default();
    let mut new = vec![];
    for row in reader {
        let (n, cells) = row?;
        report.rows += 1;
        let cell = |c: Option<usize>| {
            c.and_then(|i| cells.get(i))
                .map(|v| v.to_text())
                .unwrap_or_default()
        };
        let (name, kind, code, level, summary) = (
            cell(Some(c_name)),
            cell(Some(c_kind)),
            cell(Some(c_org)),
            cell(Some(c_level)),
            cell(Some(c_summary)),
        );
        let (deeds, themes) = (cell(c_deeds), cell(c_themes));
        let before = report.issues.len();
        let mut bad = |column: &str, value: &str, reason: Message| {
            report.issues.push(issue(n, column, value, reason));
        };
        let kind_parsed = kind_of(&kind);
        if kind_parsed.is_none() {
            bad(KIND[0], &kind, Message::of("model.import_kind", &[]));
        }
        let level_parsed = ModelLevel::from_label(&level);
        if level_parsed.is_none() {
            bad(LEVEL[0], &level, Message::of("model.level_required", &[]));
        }
        let tags = match parse_tags(&themes) {
            Ok(t) => t,
            Err(m) => {
                bad(THEMES[0], &themes, m);
                vec![]
            }
        };
        for (column, value, required, max) in [
            (SUMMARY[0], &summary, true, super::models::MAX_SUMMARY),
            (DEEDS[0], &deeds, false, super::models::MAX_DEEDS),
        ] {
            if let Err(AppError::Input(m)) =
                super::text("model_summary", value, required, max, true)
            {
                bad(column, value, m);
            }
        }
        let org = store.registry().org_by_code(&code).await?;
        let org = org.filter(|o| opts.may(Action::Publicise, &o.tree_path(), o.sector.as_deref()));
        if org.is_none() {
            bad(ORG[0], &code, Message::of("model.import_no_org", &[]));
        }
        let (Some(kind), Some(level), Some(org)) = (kind_parsed, level_parsed, org) else {
            continue;
        };
        let subject = match subject_of(store, kind, &org, &name).await? {
            Ok(s) => s,
            Err(m) => {
                bad(NAME[0], &name, m);
                continue;
            }
        };
        if report.issues.len() > before {
            continue;
        }
        // Already in the library (imported before): left as it is.
        let known = store.publicity().models_of_subject(kind, subject.0).await?;
        let mut same = false;
        for id in known {
            if let Some(m) = store.publicity().model(id).await? {
                same |= m.subjects.len() == 1 && m.status != ModelStatus::Withdrawn;
            }
        }
        if same {
            report.outcome.unchanged += 1;
            report.valid_rows += 1;
            continue;
        }
        report.valid_rows += 1;
        new.push(NewModel {
            campaign_id,
            name: if name.trim().is_empty() {
                subject.1
            } else {
                name.trim().to_string()
            },
            org_id: org.id,
            level,
            source: ModelSource::Recommended,
            nomination_id: None,
            summary: summary.trim().to_string(),
            deeds: deeds.trim().to_string(),
            status: ModelStatus::InLibrary,
            subjects: vec![(kind, subject.0)],
            tags: tags.into_iter().map(|t| (TagFacet::Theme, t)).collect(),
        });
    }
    report.bad_rows = report.rows - report.valid_rows;
    if opts.mode == ImportMode::Check || !(opts.skip_bad || report.issues.is_empty()) {
        return Ok(report);
    }
    let mut tx = store.begin(&opts.actor).await?;
    for m in &new {
        // Listed by an import that ran at the same time: left as it is.
        match tx.add_model_unless_listed(m).await? {
            Some(_) => report.outcome.inserted += 1,
            None => report.outcome.unchanged += 1,
        }
    }
    tx.commit().await?;
    report.committed = true;
    Ok(report)
}
