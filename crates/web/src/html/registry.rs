//! The organisation tree (组织体系), within what the account may see.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use xianfeng_app::AppError;
use xianfeng_app::registry::{self, OrgSummary};
use xianfeng_domain::subject::SubjectKind;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::today;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::SignedIn;
use crate::kernel::text::Text;
use crate::kernel::viewer::Viewer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/search", get(search))
        .route("/tree/{code}", get(fragment))
        .route("/o/{code}", get(org_page))
        .route("/m/{id}", get(member_page))
        .route("/m/{id}/sanctions", post(record_sanction))
}

struct MemberRow {
    id: i64,
    name: String,
    gender: String,
    member_type: String,
    position: String,
    id_masked: String,
    /// Whether the viewer may open the member's page (her personal data).
    opens: bool,
}

/// A leadership team with its cadres, and whether the viewer may write commitments for the
/// team and its cadres.
struct TeamView {
    id: i64,
    name: String,
    /// 班子类别, in the reader's language.
    category: Option<String>,
    may_commit: bool,
    cadres: Vec<CadreView>,
    /// Those who left a post here: (name, position and when).
    former: Vec<(String, String)>,
}

struct CadreView {
    id: i64,
    name: String,
    position: String,
    /// 主要负责人 of the team.
    head: bool,
    /// 任职时间, written out in the reader's language.
    since: Option<String>,
}

struct OrgRow {
    code: String,
    name: String,
    kind: String,
    organisations: i64,
    members: i64,
}

#[derive(Template)]
#[template(path = "tree.html")]
struct TreePage {
    chrome: Chrome,
    title: String,
    breadcrumbs: Vec<(String, String)>,
    current: Option<OrgRow>,
    category: String,
    sector: String,
    children: Vec<OrgRow>,
    members: Vec<MemberRow>,
    teams: Vec<TeamView>,
    /// Members shown here and the offset of the next page, when there is one.
    next_page: Option<i64>,
    prev_page: Option<i64>,
    /// Commitments kept here that the viewer may see: (id, title, subject, status).
    commitments: Vec<(i64, String, String, String)>,
    /// The organisation's id, when the viewer may write a commitment for it.
    may_commit: Option<i64>,
    /// Whether the viewer may assign reviewers (点评领导) here.
    may_assign_reviewers: bool,
    /// Whether this is a committee that writes 实施意见 (its page is linked).
    writes_guidance: bool,
    /// Rectification items (整改) of this organisation still open, when it was inspected and
    /// the viewer sees them.
    rectifications: Option<usize>,
    /// Whether the viewer may add members here.
    may_add_member: bool,
    /// Whether the viewer may write this organisation: its teams and cadres, closing it.
    may_write_org: bool,
    team_categories: Vec<(&'static str, String)>,
    /// The organisation's secretary (第一责任人), when its roster names one.
    secretary: Option<String>,
    /// When and how it was closed, in words.
    closed: Option<String>,
    today: String,
    /// Those who left, for those who keep the roster: (id, name, how and when).
    former: Vec<(i64, String, String)>,
}

fn org_row(s: &OrgSummary) -> OrgRow {
    OrgRow {
        code: s.org.code.clone(),
        name: s.org.name.clone(),
        kind: s.org.kind.name_zh().to_string(),
        organisations: s.organisations,
        members: s.members,
    }
}

fn page(viewer: &Viewer, title: String, back: String) -> TreePage {
    TreePage {
        chrome: Chrome::signed_in(viewer, back),
        title,
        breadcrumbs: vec![],
        current: None,
        category: String::new(),
        sector: String::new(),
        children: vec![],
        members: vec![],
        teams: vec![],
        next_page: None,
        prev_page: None,
        commitments: vec![],
        may_commit: None,
        may_assign_reviewers: false,
        writes_guidance: false,
        rectifications: None,
        may_add_member: false,
        former: vec![],
        may_write_org: false,
        team_categories: vec![],
        secretary: None,
        closed: None,
        today: today().to_string(),
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    role: String,
    /// Organisations and members in the account's scope.
    organisations: i64,
    members: i64,
    nodes: TreeNodes,
    /// The work waiting for the account (待办).
    todo: Vec<super::todo::ToDoView>,
    /// Where the campaign stands today: its phase and themed stage.
    moment: Option<super::standards::Moment>,
}

/// A level of the lazy tree: each node opens to load its children from `/tree/{code}`.
#[derive(Template)]
#[template(path = "tree_nodes.html")]
struct TreeNodes {
    tx: Text,
    nodes: Vec<OrgRow>,
}

/// Home: the work waiting for the account (待办), then its part of the tree, opened level
/// by level, and the search box.
pub async fn home(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "tree_unavailable");
    let roots = registry::scope_roots(&s.store, &viewer.principal)
        .await
        .or_refuse(&attempt)?;
    let waiting = xianfeng_app::todo::waiting(&s.store, &viewer.actor(), today())
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/".into());
    let moment = match s.store.campaigns().current().await.or_refuse(&attempt)? {
        Some((id, c)) => {
            let windows = xianfeng_app::campaigns::windows(&s.store, id)
                .await
                .or_refuse(&attempt)?;
            Some(super::standards::moment(&chrome.tx, &c, today(), &windows))
        }
        None => None,
    };
    let page = HomePage {
        moment,
        todo: super::todo::views(&chrome.tx, &waiting),
        role: chrome
            .tx
            .get(&format!("role_{}", viewer.principal.role.as_str())),
        organisations: roots.iter().map(|n| n.organisations).sum(),
        members: roots.iter().map(|n| n.members).sum(),
        nodes: TreeNodes {
            tx: Text {
                lang: viewer.lang(),
            },
            nodes: roots.iter().map(org_row).collect(),
        },
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// The children of one organisation as a fragment of the lazy tree (for the script that
/// opens a node; without a script the node links to the organisation's page).
pub async fn fragment(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "tree_unavailable");
    let (_, kids) = registry::children(&s.store, &viewer.principal, &code)
        .await
        .or_refuse(&attempt)?;
    let nodes = TreeNodes {
        tx: Text {
            lang: viewer.lang(),
        },
        nodes: kids.iter().map(org_row).collect(),
    };
    pages::html(StatusCode::OK, &nodes, nodes.tx.lang)
}

/// Search results shown at most.
const SEARCH_LIMIT: usize = 50;

#[derive(serde::Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    results: Vec<OrgRow>,
    searched: bool,
    more: bool,
}

/// Organisations by name or code, within what the account may see.
pub async fn search(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(query): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let back = format!("/search?q={}", query.q);
    let attempt = Attempt::new(&viewer, &back, "search_unavailable");
    let (found, more) = registry::search(&s.store, &viewer.principal, &query.q, SEARCH_LIMIT)
        .await
        .or_refuse(&attempt)?;
    let page = SearchPage {
        chrome: Chrome::signed_in(&viewer, back),
        searched: !xianfeng_domain::text::normalise(query.q.trim()).is_empty(),
        q: query.q,
        results: found.iter().map(org_row).collect(),
        more,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Members listed per page on an organisation's page.
const MEMBERS_PER_PAGE: i64 = 50;

#[derive(serde::Deserialize)]
pub struct Paging {
    #[serde(default)]
    from: i64,
}

fn member_row(tx: &Text, m: xianfeng_storage::MemberRecord, opens: bool) -> MemberRow {
    MemberRow {
        id: m.id,
        name: m.name,
        gender: tx.name("gender", m.gender.as_str()),
        member_type: tx.name("member_type", m.member_type.as_str()),
        position: m.position.unwrap_or_default(),
        id_masked: m.id_masked,
        opens,
    }
}

pub async fn org_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "organisation_unavailable");
    let view = registry::org_view(&s.store, &viewer.principal, &code)
        .await
        .or_refuse(&attempt)?;
    let org = &view.summary.org;
    let mut p = page(&viewer, org.name.clone(), format!("/o/{}", org.code));
    // Only the ancestors the account may see are named in the breadcrumb.
    p.breadcrumbs = view
        .breadcrumbs
        .iter()
        .map(|a| (a.code.clone(), a.name.clone()))
        .collect();
    p.current = Some(org_row(&view.summary));
    // A category is shown by its name in the campaign file, never by its code.
    p.category = match (&org.category, s.store.campaigns().current().await) {
        (Some(c), Ok(Some((_, campaign)))) => p.chrome.tx.term(&campaign.category_name(c)),
        (Some(c), _) => c.clone(),
        (None, _) => String::new(),
    };
    p.writes_guidance = xianfeng_domain::campaign::may_write_local(org.kind).is_ok();
    p.rectifications =
        crate::html::inspections::org_rectification_count(&s.store, &viewer, &org.code).await;
    p.may_assign_reviewers = xianfeng_app::scope::allowed(
        &viewer.principal,
        xianfeng_domain::policy::Action::AssignReviewers,
        org,
    )
    .is_ok();
    let keeps_roster = xianfeng_app::scope::allowed(
        &viewer.principal,
        xianfeng_domain::policy::Action::WriteMembers,
        org,
    )
    .is_ok();
    p.may_add_member =
        keeps_roster && xianfeng_app::members::holds_members(org) && org.closed_on.is_none();
    p.may_write_org = org.closed_on.is_none()
        && xianfeng_app::scope::allowed(
            &viewer.principal,
            xianfeng_domain::policy::Action::WriteOrganisations,
            org,
        )
        .is_ok();
    p.team_categories = crate::html::teams::categories(&p.chrome.tx);
    p.secretary = registry::secretary_of(&s.store, org)
        .await
        .or_refuse(&attempt)?;
    if let Some(on) = org.closed_on {
        let tx = &p.chrome.tx;
        let when = tx.long_date(&on.to_string());
        let into = match org.merged_into {
            Some(id) => s.store.registry().org_by_id(id).await.or_refuse(&attempt)?,
            None => None,
        };
        p.closed = Some(match into {
            Some(o) => xianfeng_domain::i18n::t(
                tx.lang,
                "web.org_merged",
                &[("on", &when), ("into", &o.name)],
            ),
            None => tx.get_with("org_closed", "on", &when),
        });
    }
    if keeps_roster {
        let tx = p.chrome.tx.clone();
        p.former = s
            .store
            .registry()
            .former_members_of_org(org.id)
            .await
            .or_refuse(&attempt)?
            .into_iter()
            .filter_map(|m| {
                let l = m.left?;
                let what = format!(
                    "{} {}",
                    l.reason.message().render(tx.lang),
                    tx.long_date(&l.on.to_string())
                );
                Some((m.id, m.name, what))
            })
            .collect();
    }
    p.sector = org.sector.clone().unwrap_or_default();
    p.children = view.children.iter().map(org_row).collect();
    // The organisation's own commitments, and its teams' and cadres' (kept here too), are
    // written by whoever is on this organisation's owner side: one decision for all.
    p.may_commit = may_commit(&s, &viewer, SubjectKind::Organisation, org.id).await;
    let may_write_here = p.may_commit.is_some();
    if view.may_read_members {
        let from = paging.from.max(0);
        let (_, members) = registry::members(
            &s.store,
            &viewer.principal,
            &org.code,
            MEMBERS_PER_PAGE + 1,
            from,
        )
        .await
        .or_refuse(&attempt)?;
        if members.len() as i64 > MEMBERS_PER_PAGE {
            p.next_page = Some(from + MEMBERS_PER_PAGE);
        }
        if from > 0 {
            p.prev_page = Some((from - MEMBERS_PER_PAGE).max(0));
        }
        p.members = members
            .into_iter()
            .take(MEMBERS_PER_PAGE as usize)
            .map(|m| {
                let opens = registry::may_see_personal_data(&viewer.principal, org, m.id);
                member_row(&p.chrome.tx, m, opens)
            })
            .collect();
        for (t, cadres) in registry::teams(&s.store, org).await.or_refuse(&attempt)? {
            let tx = p.chrome.tx.clone();
            let former = s
                .store
                .registry()
                .former_cadres_of_team(t.id)
                .await
                .or_refuse(&attempt)?
                .into_iter()
                .map(|c| {
                    let until = c.left_on.map(|d| tx.long_date(&d.to_string()));
                    let what = tx.get_with("cadre_left_on", "on", until.unwrap_or_default());
                    (c.name, format!("{} · {what}", c.position))
                })
                .collect();
            let tx = &tx;
            let team = TeamView {
                id: t.id,
                name: t.name,
                category: t.category.map(|c| c.message().render(tx.lang)),
                may_commit: may_write_here,
                cadres: cadres
                    .into_iter()
                    .map(|c| CadreView {
                        id: c.id,
                        name: c.name,
                        position: c.position,
                        head: c.is_head,
                        since: c.since.map(|d| tx.long_date(&d.to_string())),
                    })
                    .collect(),
                former,
            };
            p.teams.push(team);
        }
    }
    let lang = viewer.lang();
    let visible = xianfeng_app::commitments::visible_in_org(&s.store, &viewer.actor(), org.id)
        .await
        .or_refuse(&attempt)?;
    p.commitments = visible
        .into_iter()
        .map(|(c, subject)| {
            let status = xianfeng_domain::i18n::t(
                lang,
                &format!("commitment.status_{}", c.status.as_str()),
                &[],
            );
            (c.id, c.title, subject, status)
        })
        .collect();
    pages::html(StatusCode::OK, &p, p.chrome.tx.lang)
}

/// `id`, when the viewer may write a commitment for this subject.
async fn may_commit(s: &AppState, viewer: &Viewer, kind: SubjectKind, id: i64) -> Option<i64> {
    let subject = xianfeng_app::subjects::subject(&s.store, kind, id)
        .await
        .ok()?;
    xianfeng_app::commitments::may(
        &viewer.actor(),
        &subject,
        xianfeng_domain::commitment::Side::Owner,
    )
    .ok()
    .map(|_| id)
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    chrome: Chrome,
    org_code: String,
    org_name: String,
    member: MemberRow,
    birth_year: String,
    ethnicity: String,
    joined_on: String,
    phone_masked: String,
    may_commit: Option<i64>,
    /// The member's recorded sanctions, for those who record them
    /// (the office); `None` for everyone else.
    sanctions: Option<Vec<xianfeng_storage::SanctionRecord>>,
    sanction_kinds: &'static [&'static str],
    today: String,
    /// How and when she left, in words, if she has.
    left: Option<String>,
    /// The day of 转正, written out, when recorded.
    full_on: String,
    /// Whether the viewer may change her record (correct, 转正, transfer, leaving).
    may_change: bool,
    probationary: bool,
    leaving_reasons: Vec<(&'static str, String)>,
    /// Her transfers, latest first: (when, what), in words.
    transfers: Vec<(String, String)>,
    /// She has an account of her own, which the viewer may reset.
    has_account: bool,
}

/// One member, personal data masked.
pub async fn member_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "member_unavailable");
    // An id that is not a number is as unknown as a number nobody has.
    let Ok(id) = id.parse::<i64>() else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let (member, org) = registry::member(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let may_commit = may_commit(&s, &viewer, SubjectKind::Member, id).await;
    let sanctions =
        match xianfeng_app::selection::may_record_sanctions(&s.store, Some(&viewer.actor()), id)
            .await
        {
            Ok(()) => Some(
                s.store
                    .selection()
                    .sanctions_list(id)
                    .await
                    .or_refuse(&attempt)?,
            ),
            Err(_) => None,
        };
    let chrome = Chrome::signed_in(&viewer, format!("/m/{id}"));
    let tx = chrome.tx.clone();
    let may_change = member.left.is_none()
        && xianfeng_app::scope::allowed(
            &viewer.principal,
            xianfeng_domain::policy::Action::WriteMembers,
            &org,
        )
        .is_ok();
    let left = member.left.as_ref().map(|l| {
        xianfeng_domain::i18n::t(
            tx.lang,
            "web.member_left",
            &[
                ("on", &tx.long_date(&l.on.to_string())),
                ("reason", &l.reason.message().render(tx.lang)),
                ("note", &l.note),
            ],
        )
    });
    let full_on = member
        .full_on
        .map(|d| tx.long_date(&d.to_string()))
        .unwrap_or_default();
    let probationary = member.member_type == xianfeng_domain::person::MemberType::Probationary;
    let transfers = s
        .store
        .registry()
        .transfers_of_member(id)
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|t| {
            let what = xianfeng_domain::i18n::t(
                tx.lang,
                "web.transfer_line",
                &[
                    ("from", &t.from_name),
                    ("to", &t.to_name),
                    ("state", &t.state.message().render(tx.lang)),
                ],
            );
            (crate::kernel::clock::beijing_time(t.started_at), what)
        })
        .collect();
    let has_account = may_change
        && s.store
            .accounts()
            .account_of_member(id)
            .await
            .or_refuse(&attempt)?
            .is_some();
    let leaving_reasons = xianfeng_domain::member_changes::LeavingReason::ALL
        .iter()
        .map(|r| (r.as_str(), r.message().render(tx.lang)))
        .collect();
    let (birth_year, ethnicity, joined_on, phone_masked) = (
        member.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        member.ethnicity.clone().unwrap_or_default(),
        member.joined_on.map(|d| d.to_string()).unwrap_or_default(),
        member.phone_masked.clone().unwrap_or_default(),
    );
    let page = MemberPage {
        org_code: org.code.clone(),
        org_name: org.name.clone(),
        member: member_row(&chrome.tx, member, true),
        birth_year,
        ethnicity,
        joined_on,
        phone_masked,
        may_commit,
        sanctions,
        sanction_kinds: &xianfeng_app::selection::SANCTIONS,
        today: crate::kernel::clock::today().to_string(),
        left,
        full_on,
        may_change,
        probationary,
        leaving_reasons,
        transfers,
        has_account,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Records a member's disciplinary sanction (the office's), from the member's page.
pub async fn record_sanction(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    crate::kernel::session::Posted(viewer, f): crate::kernel::session::Posted<
        crate::kernel::forms::Fields,
    >,
) -> Result<Response, PageError> {
    let back = format!("/m/{id}");
    let attempt = Attempt::new(&viewer, &back, "sanction_not_saved");
    xianfeng_app::selection::may_record_sanctions(&s.store, Some(&viewer.actor()), id)
        .await
        .or_refuse(&attempt)?;
    let Ok(on) = chrono::NaiveDate::parse_from_str(f.value("imposed_on"), "%Y-%m-%d") else {
        return Err(attempt.refused(AppError::input(
            "cli.bad_date",
            &[("value", &f.value("imposed_on"))],
        )));
    };
    xianfeng_app::selection::record_sanction(
        &s.store,
        Some(&viewer.actor()),
        id,
        on,
        f.value("kind"),
        f.value("note"),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(axum::response::Redirect::to(&back).into_response())
}
