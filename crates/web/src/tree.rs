//! The organisation tree (组织体系), within what the account may see.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use xianfeng_domain::org::OrgKind;
use xianfeng_domain::policy::{Action, Decision, Target, decide};
use xianfeng_storage::{OrgRecord, Store};

use crate::chrome::Chrome;
use crate::session::{SignedIn, Viewer};
use crate::text::Text;
use crate::{AppState, pages};
use xianfeng_domain::campaign::SubjectKind;
use xianfeng_domain::role::Role;

struct MemberRow {
    id: i64,
    name: String,
    gender: String,
    member_type: String,
    position: String,
    id_masked: String,
}

/// A leadership team with its cadres, and whether the viewer may write commitments for the
/// team and its cadres.
struct TeamView {
    id: i64,
    name: String,
    may_commit: bool,
    /// (id, name, position)
    cadres: Vec<(i64, String, String)>,
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
}

use crate::pages::internal;

pub(crate) fn may(viewer: &Viewer, action: Action, org: &OrgRecord) -> Decision {
    let path = org.tree_path();
    decide(
        &viewer.principal,
        action,
        &Target::of(&path, org.sector.as_deref()),
    )
}

/// The policy's refusal as a response, if it refuses: outside the account's scope looks
/// exactly like a code that does not exist; inside it but not permitted is forbidden.
pub fn refusal(viewer: &Viewer, action: Action, org: &OrgRecord) -> Option<Response> {
    let chrome = || Chrome::signed_in(viewer, "/".into());
    match may(viewer, action, org) {
        Decision::Allow => None,
        Decision::OutOfScope => Some(pages::not_found(&chrome())),
        Decision::NotPermitted => Some(pages::forbidden(&chrome())),
    }
}

/// The organisation with `code`, if the account may do `action` to it; otherwise the
/// refusal to answer with (an unknown code and one out of scope look the same).
pub async fn org_for(
    store: &Store,
    viewer: &Viewer,
    code: &str,
    action: Action,
) -> Result<OrgRecord, Response> {
    match store.org_by_code(code).await {
        Ok(Some(o)) => match refusal(viewer, action, &o) {
            None => Ok(o),
            Some(refused) => Err(refused),
        },
        Ok(None) => Err(pages::not_found(&Chrome::signed_in(viewer, "/".into()))),
        Err(e) => Err(internal(e)),
    }
}

async fn row(store: &Store, o: &OrgRecord) -> Result<OrgRow, Response> {
    let counts = store.subtree_counts(o).await.map_err(internal)?;
    Ok(OrgRow {
        code: o.code.clone(),
        name: o.name.clone(),
        kind: o.kind().map(OrgKind::name_zh).unwrap_or("").to_string(),
        organisations: counts.organisations,
        members: counts.members,
    })
}

/// The organisations of `orgs` the account may see, with their counts.
async fn visible_rows(
    store: &Store,
    viewer: &Viewer,
    orgs: &[OrgRecord],
) -> Result<Vec<OrgRow>, Response> {
    let mut rows = Vec::new();
    for o in orgs {
        if may(viewer, Action::ReadOrganisation, o).allowed() {
            rows.push(row(store, o).await?);
        }
    }
    Ok(rows)
}

fn render(page: TreePage) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
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
    }
}

/// The organisations the account is assigned to (all roots for the administrator).
async fn scope_roots(store: &Store, viewer: &Viewer) -> Result<Vec<OrgRecord>, Response> {
    if viewer.principal.scopes.is_empty() {
        return store.roots().await.map_err(internal);
    }
    let mut orgs = Vec::new();
    for scope in &viewer.principal.scopes {
        if let Some(id) = scope.ids().last() {
            match store.org_by_id(*id).await {
                Ok(Some(o)) => orgs.push(o),
                Ok(None) => {}
                Err(e) => return Err(internal(e)),
            }
        }
    }
    Ok(orgs)
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
}

/// A level of the lazy tree: each node opens to load its children from `/tree/{code}`.
#[derive(Template)]
#[template(path = "tree_nodes.html")]
struct TreeNodes {
    tx: Text,
    nodes: Vec<OrgRow>,
}

/// Home: the account's part of the tree, opened level by level, and the search box.
pub async fn home(State(s): State<AppState>, SignedIn(viewer): SignedIn) -> Response {
    let roots = match scope_roots(&s.store, &viewer).await {
        Ok(o) => o,
        Err(resp) => return resp,
    };
    let nodes = match visible_rows(&s.store, &viewer, &roots).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let chrome = Chrome::signed_in(&viewer, "/".into());
    let page = HomePage {
        role: chrome
            .tx
            .get(&format!("role_{}", viewer.principal.role.as_str())),
        organisations: nodes.iter().map(|n| n.organisations).sum(),
        members: nodes.iter().map(|n| n.members).sum(),
        nodes: TreeNodes {
            tx: Text {
                lang: viewer.lang(),
            },
            nodes,
        },
        chrome,
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}

/// The children of one organisation as a fragment of the lazy tree (for the script that
/// opens a node; without a script the node links to the organisation's page).
pub async fn fragment(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Response {
    let org = match org_for(&s.store, &viewer, &code, Action::ReadOrganisation).await {
        Ok(o) => o,
        Err(refused) => return refused,
    };
    let kids = match s.store.children(org.id).await {
        Ok(k) => k,
        Err(e) => return internal(e),
    };
    let nodes = match visible_rows(&s.store, &viewer, &kids).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    match (TreeNodes {
        tx: Text {
            lang: viewer.lang(),
        },
        nodes,
    })
    .render()
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}

/// Search results shown at most.
const SEARCH_LIMIT: i64 = 50;

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
) -> Response {
    let q = xianfeng_domain::text::normalise(query.q.trim());
    let mut results = Vec::new();
    let mut more = false;
    if !q.is_empty() {
        let p = &viewer.principal;
        let sectors: &[String] = if p.role == Role::SectorGuide {
            &p.sectors
        } else {
            &[]
        };
        let everywhere = p.role == Role::Admin;
        let found = match s
            .store
            .search_orgs(&q, &p.scopes, sectors, everywhere, SEARCH_LIMIT + 1)
            .await
        {
            Ok(f) => f,
            Err(e) => return internal(e),
        };
        more = found.len() as i64 > SEARCH_LIMIT;
        results = match visible_rows(&s.store, &viewer, &found[..found.len().min(50)]).await {
            Ok(r) => r,
            Err(resp) => return resp,
        };
    }
    let page = SearchPage {
        chrome: Chrome::signed_in(&viewer, format!("/search?q={}", query.q)),
        searched: !q.is_empty(),
        q: query.q,
        results,
        more,
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}

/// Members listed per page on an organisation's page.
const MEMBERS_PER_PAGE: i64 = 50;

#[derive(serde::Deserialize)]
pub struct Paging {
    #[serde(default)]
    from: i64,
}

fn member_row(tx: &Text, m: xianfeng_storage::MemberRecord) -> MemberRow {
    MemberRow {
        id: m.id,
        name: m.name,
        gender: tx.get(&format!("gender_{}", m.gender)),
        member_type: tx.get(&format!("member_type_{}", m.member_type)),
        position: m.position.unwrap_or_default(),
        id_masked: m.id_masked,
    }
}

pub async fn org_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Query(paging): Query<Paging>,
) -> Response {
    let org = match org_for(&s.store, &viewer, &code, Action::ReadOrganisation).await {
        Ok(o) => o,
        Err(refused) => return refused,
    };
    let (ancestors, kids) = match (
        s.store.ancestors(&org).await,
        s.store.children(org.id).await,
    ) {
        (Ok(a), Ok(k)) => (a, k),
        (Err(e), _) | (_, Err(e)) => return internal(e),
    };
    let children = match visible_rows(&s.store, &viewer, &kids).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let current = match row(&s.store, &org).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let mut p = page(&viewer, org.name.clone(), format!("/o/{}", org.code));
    // Only the ancestors the account may see are named in the breadcrumb.
    p.breadcrumbs = ancestors
        .iter()
        .filter(|a| a.id != org.id && may(&viewer, Action::ReadOrganisation, a).allowed())
        .map(|a| (a.code.clone(), a.name.clone()))
        .collect();
    p.current = Some(current);
    p.category = org.category.clone().unwrap_or_default();
    p.sector = org.sector.clone().unwrap_or_default();
    p.children = children;
    // The organisation's own commitments, and its teams' and cadres' (kept here too), are
    // written by whoever is on this organisation's owner side: one decision for all.
    p.may_commit = may_commit(&s, &viewer, SubjectKind::Organisation, org.id).await;
    let may_write_here = p.may_commit.is_some();
    if may(&viewer, Action::ReadMembers, &org).allowed() {
        let from = paging.from.max(0);
        let members = match s
            .store
            .members_of_org(org.id, MEMBERS_PER_PAGE + 1, from)
            .await
        {
            Ok(m) => m,
            Err(e) => return internal(e),
        };
        if members.len() as i64 > MEMBERS_PER_PAGE {
            p.next_page = Some(from + MEMBERS_PER_PAGE);
        }
        if from > 0 {
            p.prev_page = Some((from - MEMBERS_PER_PAGE).max(0));
        }
        p.members = members
            .into_iter()
            .take(MEMBERS_PER_PAGE as usize)
            .map(|m| member_row(&p.chrome.tx, m))
            .collect();
        let teams = match s.store.teams_of_org(org.id).await {
            Ok(t) => t,
            Err(e) => return internal(e),
        };
        for t in teams {
            let cadres = match s.store.cadres_of_team(t.id).await {
                Ok(c) => c,
                Err(e) => return internal(e),
            };
            let mut view = TeamView {
                id: t.id,
                name: t.name,
                may_commit: may_write_here,
                cadres: vec![],
            };
            for c in cadres {
                view.cadres.push((c.id, c.name, c.position));
            }
            p.teams.push(view);
        }
    }
    let lang = viewer.lang();
    p.commitments = match crate::commitments::visible_in_org(&s, &viewer, org.id).await {
        Ok(list) => list
            .into_iter()
            .map(|(c, subject)| {
                let status =
                    xianfeng_domain::i18n::t(lang, &format!("commitment.status_{}", c.status), &[]);
                (c.id, c.title, subject, status)
            })
            .collect(),
        Err(resp) => return resp,
    };
    render(p)
}

/// `id`, when the viewer may write a commitment for this subject.
async fn may_commit(s: &AppState, viewer: &Viewer, kind: SubjectKind, id: i64) -> Option<i64> {
    let subject = xianfeng_app::commitments::subject(&s.store, kind, id)
        .await
        .ok()?;
    let actor = xianfeng_app::commitments::Actor {
        username: &viewer.session.username,
        principal: &viewer.principal,
    };
    xianfeng_app::commitments::may(&actor, &subject, xianfeng_domain::commitment::Side::Owner)
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
    birth_date: String,
    ethnicity: String,
    joined_on: String,
    phone_masked: String,
    may_commit: Option<i64>,
    /// The member's recorded sanctions (imposed on, kind, note), for those who record them
    /// (the office); `None` for everyone else.
    sanctions: Option<Vec<(String, String, String)>>,
    sanction_kinds: &'static [&'static str],
    today: String,
}

/// One member, personal data masked.
pub async fn member_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let nowhere = || pages::not_found(&Chrome::signed_in(&viewer, "/".into()));
    // An id that is not a number is as unknown as a number nobody has.
    let Ok(id) = id.parse::<i64>() else {
        return nowhere();
    };
    let member = match s.store.member(id).await {
        Ok(Some(m)) => m,
        Ok(None) => return nowhere(),
        Err(e) => return internal(e),
    };
    let org = match s.store.org_by_id(member.org_id).await {
        Ok(Some(o)) => o,
        Ok(None) => return nowhere(),
        Err(e) => return internal(e),
    };
    if let Some(refused) = refusal(&viewer, Action::ReadMembers, &org) {
        return refused;
    }
    let may_commit = may_commit(&s, &viewer, SubjectKind::Member, id).await;
    let sanctions =
        match xianfeng_app::selection::may_record_sanctions(&s.store, Some(&viewer.actor()), id)
            .await
        {
            Ok(()) => match s.store.sanctions_list(id).await {
                Ok(list) => Some(list),
                Err(e) => return internal(e),
            },
            Err(_) => None,
        };
    let chrome = Chrome::signed_in(&viewer, format!("/m/{id}"));
    let (birth_date, ethnicity, joined_on, phone_masked) = (
        member.birth_date.clone(),
        member.ethnicity.clone().unwrap_or_default(),
        member.joined_on.clone().unwrap_or_default(),
        member.phone_masked.clone().unwrap_or_default(),
    );
    let page = MemberPage {
        org_code: org.code.clone(),
        org_name: org.name.clone(),
        member: member_row(&chrome.tx, member),
        birth_date,
        ethnicity,
        joined_on,
        phone_masked,
        may_commit,
        sanctions,
        sanction_kinds: &xianfeng_app::selection::SANCTIONS,
        today: crate::clock::today().to_string(),
        chrome,
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}

/// Records a member's disciplinary sanction (the office's), from the member's page.
pub async fn record_sanction(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    crate::session::Posted(viewer, f): crate::session::Posted<crate::commitments::Fields>,
) -> Response {
    let back = format!("/m/{id}");
    if let Err(e) =
        xianfeng_app::selection::may_record_sanctions(&s.store, Some(&viewer.actor()), id).await
    {
        return pages::refused(&viewer, &back, e);
    }
    let Ok(on) = chrono::NaiveDate::parse_from_str(f.value("imposed_on"), "%Y-%m-%d") else {
        return pages::refused(
            &viewer,
            &back,
            xianfeng_app::AppError::Input(xianfeng_domain::i18n::Message::of(
                "cli.bad_date",
                &[("value", &f.value("imposed_on"))],
            )),
        );
    };
    match xianfeng_app::selection::record_sanction(
        &s.store,
        Some(&viewer.actor()),
        id,
        on,
        f.value("kind"),
        f.value("note"),
    )
    .await
    {
        Ok(_) => axum::response::Redirect::to(&back).into_response(),
        Err(e) => pages::refused(&viewer, &back, e),
    }
}
