//! "Our standards" (我们的标准, 分类指导): what the campaign asks of an organisation and of
//! its members, teams and cadres, by the organisation's category — the standard's words,
//! the category's own requirements and weights, how a score is made — with the campaign's
//! theme and today's phase and themed stage. Public: the standards are the campaign's
//! published document, and the citizen on a ballot page rates a subject against them.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use xianfeng_app::AppError;
use xianfeng_domain::campaign::LocalRule;
use xianfeng_domain::subject::SubjectKind;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::today;
use crate::kernel::cookies::lang_of;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};

pub fn router() -> Router<AppState> {
    Router::new().route("/p/o/{code}/standards", get(page))
}

struct RequirementView {
    name: String,
    weight: u32,
    general: String,
    specific: Option<String>,
    /// What the committees above added under it (实施意见): (whose, what).
    local: Vec<(String, String)>,
}

struct StandardView {
    /// `organisation`, `member`, `team` or `cadre`: the anchor of its section.
    kind: &'static str,
    /// Whom it applies to and the standard's name, in the reader's language.
    heading: String,
    requirements: Vec<RequirementView>,
    /// How a score is made: the parts that count, with their weights.
    parts: Vec<(String, u32)>,
    /// The same, as one line.
    scored: String,
}

/// Where the campaign stands on a day: its name and theme, the phase and themed stage the
/// day falls in (name, dates, focus), or, outside them, the campaign's own dates.
pub struct Moment {
    pub campaign: String,
    pub theme: String,
    pub phase: Option<(String, String, String)>,
    pub stage: Option<(String, String, String)>,
    /// Said when the day lies in no phase: the campaign's dates.
    pub outside: Option<String>,
    /// The work the campaign confines to phases, and whether it is open on the day: in its
    /// phase, in a span the office opened (until when, and why), or when it opens.
    pub work: Vec<String>,
}

/// Each piece of work the file confines to phases, as open or closed on `day`.
fn work(
    tx: &crate::kernel::text::Text,
    campaign: &xianfeng_domain::campaign::Campaign,
    day: chrono::NaiveDate,
    windows: &[xianfeng_storage::StoredWindow],
) -> Vec<String> {
    use xianfeng_domain::campaign::{Openness, PhaseWindow, PhasedAction};
    use xianfeng_domain::i18n::t;
    let spans: Vec<PhaseWindow> = windows.iter().map(|w| w.window.clone()).collect();
    PhasedAction::ALL
        .into_iter()
        .filter_map(|a| {
            let action = tx.say(&a.name());
            let line = match campaign.openness(a, day, &spans) {
                Openness::Throughout => return None,
                Openness::InPhase(p) => t(
                    tx.lang,
                    "web.moment_work_open",
                    &[
                        ("action", &action),
                        ("until", &tx.long_date(p.ends_on.get_ref())),
                    ],
                ),
                Openness::InWindow(i) => t(
                    tx.lang,
                    "web.moment_work_window",
                    &[
                        ("action", &action),
                        (
                            "until",
                            &tx.long_date(&windows[i].window.ends_on.to_string()),
                        ),
                        ("reason", &windows[i].reason),
                    ],
                ),
                Openness::Closed => t(
                    tx.lang,
                    "web.moment_work_closed",
                    &[
                        ("action", &action),
                        ("phases", &tx.say(&campaign.phase_spans(a))),
                    ],
                ),
            };
            Some(line)
        })
        .collect()
}

/// The campaign on `day`, in the reader's language, with the spans the office opened.
pub fn moment(
    tx: &crate::kernel::text::Text,
    campaign: &xianfeng_domain::campaign::Campaign,
    day: chrono::NaiveDate,
    windows: &[xianfeng_storage::StoredWindow],
) -> Moment {
    let dates = |from: &str, to: &str| format!("{} – {}", tx.long_date(from), tx.long_date(to));
    // A phase's description is the campaign file's, in Chinese only: an English page leaves
    // it out rather than put a Chinese paragraph under English headings.
    let entry = |p: &xianfeng_domain::campaign::Phase| {
        (
            tx.term(&p.name),
            dates(p.starts_on.get_ref(), p.ends_on.get_ref()),
            match tx.lang {
                xianfeng_domain::i18n::Lang::ZhCn => p.description.clone(),
                xianfeng_domain::i18n::Lang::En => String::new(),
            },
        )
    };
    let header = &campaign.file.campaign;
    let phase = campaign.phase_on(day).map(entry);
    let outside = phase.is_none().then(|| {
        tx.get_with(
            "moment_outside",
            "dates",
            dates(header.starts_on.get_ref(), header.ends_on.get_ref()),
        )
    });
    Moment {
        campaign: tx.term(&header.name),
        theme: match tx.lang {
            xianfeng_domain::i18n::Lang::En if !header.theme_en.is_empty() => {
                header.theme_en.clone()
            }
            _ => header.theme.clone(),
        },
        phase,
        stage: campaign.stage_on(day).map(entry),
        outside,
        work: work(tx, campaign, day, windows),
    }
}

#[derive(Template)]
#[template(path = "standards.html")]
struct StandardsPage {
    chrome: Chrome,
    code: String,
    org_name: String,
    category: String,
    moment: Moment,
    standards: Vec<StandardView>,
    /// Activity items and phase dates the committees above added.
    additions: Vec<super::guidance::RuleView>,
}

#[derive(serde::Deserialize)]
pub struct KindQuery {
    #[serde(default)]
    kind: String,
}

/// The standards that apply in organisation `code` (all kinds, or the one asked for).
pub async fn page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<KindQuery>,
) -> Result<Response, PageError> {
    let back = format!("/p/o/{code}/standards");
    let chrome = Chrome::anonymous(lang_of(&headers), &back);
    let attempt = Attempt::public(chrome.tx.lang, &back, "standards_unavailable");
    let o = s
        .store
        .registry()
        .org_by_code(&code)
        .await
        .or_refuse(&attempt)?
        .ok_or(AppError::NotFound)
        .or_refuse(&attempt)?;
    let (campaign_id, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    let windows = xianfeng_app::campaigns::windows(&s.store, campaign_id)
        .await
        .or_refuse(&attempt)?;
    let local = xianfeng_app::guidance::in_force_for(&s.store, &o)
        .await
        .or_refuse(&attempt)?;
    let tx = chrome.tx.clone();
    let lang = tx.lang;
    let category = o.category.as_deref();
    let kinds: Vec<SubjectKind> = match SubjectKind::parse(&q.kind) {
        Some(k) => vec![k],
        None => SubjectKind::ALL.to_vec(),
    };
    let mut standards = Vec::new();
    for kind in kinds {
        // Members are kept in branches; teams and cadres where there are teams.
        let applies = match kind {
            SubjectKind::Organisation => true,
            SubjectKind::Member => o.kind.holds_members(),
            SubjectKind::Team | SubjectKind::Cadre => !s
                .store
                .registry()
                .teams_of_org(o.id)
                .await
                .or_refuse(&attempt)?
                .is_empty(),
        };
        if !applies {
            continue;
        }
        let Some((std, list)) = campaign.requirements(kind, category) else {
            continue;
        };
        let profile = campaign.profile(kind, category);
        let parts: Vec<(String, u32)> = xianfeng_domain::scoring::Part::ALL
            .iter()
            .zip(profile.parts)
            .filter(|(_, w)| *w > 0)
            .map(|(p, w)| (xianfeng_app::score_tables::part_name(lang, p.as_str()), w))
            .collect();
        let scored = xianfeng_domain::i18n::t(
            lang,
            "web.standards_scored",
            &[(
                "parts",
                &parts
                    .iter()
                    .map(|(p, w)| format!("{p} {w}%"))
                    .collect::<Vec<_>>()
                    .join(&tx.get("list_separator")),
            )],
        );
        standards.push(StandardView {
            kind: kind.as_str(),
            heading: xianfeng_domain::i18n::t(
                lang,
                "web.standards_heading",
                &[
                    ("whom", &tx.name("standards_for", kind.as_str())),
                    ("name", &tx.term(&std.name)),
                ],
            ),
            requirements: list
                .into_iter()
                .map(|r| RequirementView {
                    name: tx.term(&r.criterion.name),
                    weight: r.weight,
                    general: r.criterion.requirement.clone(),
                    specific: r.specific.map(str::to_string),
                    local: local
                        .iter()
                        .filter_map(|l| match &l.rule {
                            LocalRule::Requirement {
                                standard,
                                criterion,
                                text,
                            } if standard == std.code.get_ref()
                                && criterion == r.criterion.code.get_ref() =>
                            {
                                Some((l.org_name.clone(), text.clone()))
                            }
                            _ => None,
                        })
                        .collect(),
                })
                .collect(),
            parts,
            scored,
        });
    }
    // The other additions, as the 实施意见 page words them: activity items, phase dates.
    let additions = local
        .iter()
        .filter(|l| !matches!(l.rule, LocalRule::Requirement { .. }))
        .map(|l| super::guidance::view(&tx, &campaign, l))
        .collect();
    let page = StandardsPage {
        additions,
        code: o.code.clone(),
        org_name: o.name.clone(),
        moment: moment(&tx, &campaign, today(), &windows),
        category: category
            .map(|c| tx.term(&campaign.category_name(c)))
            .unwrap_or_default(),
        standards,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}
