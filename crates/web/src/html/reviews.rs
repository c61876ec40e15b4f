//! Leader review pages (领导点评): the reviewer's desk of assigned subjects, and the page
//! where an organisation's subjects are assigned to reviewers.

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use xianfeng_app::AppError;
use xianfeng_app::reviews::{self as service, ReviewInput};
use xianfeng_domain::i18n::t;
use xianfeng_domain::role::Role;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::ReviewRecord;

use crate::AppState;
use crate::kernel::chrome::{Chrome, encode_query_value};
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/o/{code}/reviewers", get(assign_page).post(assign))
        .route("/reviews", get(desk).post(write))
}

struct DeskEntry {
    kind: String,
    kind_name: String,
    id: i64,
    name: String,
    org_name: String,
    reviews: Vec<ReviewRecord>,
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct DeskPage {
    chrome: Chrome,
    entries: Vec<DeskEntry>,
    /// What the desk holds: "2011年下半年：待点评 12 个，共 623 个".
    summary: String,
    /// The other view's link and label (all ⇄ waiting only), when there is another.
    toggle: Option<(String, String)>,
    /// Subjects assigned to the reviewer in all.
    assigned: usize,
    /// What a search by name found: "“张伟”：找到 1 个".
    found: Option<String>,
    /// This view, for the search box and for the forms to return to.
    at: DeskAt,
    prev_page: Option<String>,
    next_page: Option<String>,
    /// "第 2 / 32 页" when there is more than one.
    page_of: Option<String>,
    /// (code, name) of the periods and of the grades, from the campaign file.
    periods: Vec<(String, String)>,
    /// The periods a review may still be written for (closed ones are frozen), with the
    /// current one selected: (code, name, selected).
    open_periods: Vec<(String, String, bool)>,
    grades: Vec<(String, String)>,
}

impl DeskPage {
    fn period_name(&self, code: &str) -> String {
        self.periods
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, n)| n.clone())
    }

    fn grade_name(&self, code: &str) -> String {
        self.grades
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, n)| n.clone())
    }
}

/// Which page of the desk: `all=1` shows the subjects reviewed for the period too, `q`
/// only those whose name holds it (among all); `page` counts from 0. Anything else is read
/// as the first page of those waiting.
#[derive(serde::Deserialize, Default)]
pub struct DeskQuery {
    #[serde(default)]
    all: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

impl DeskQuery {
    fn view(&self) -> DeskAt {
        let name = self.q.trim().chars().take(50).collect::<String>();
        DeskAt {
            all: self.all == "1" || !name.is_empty(),
            name,
            page: self.page.parse().unwrap_or(0),
        }
    }
}

/// Where on the desk a page or a form is.
#[derive(Clone, Default)]
struct DeskAt {
    all: bool,
    name: String,
    page: usize,
}

impl DeskAt {
    /// The desk's address for this view at `page`.
    fn href(&self, page: usize) -> String {
        let mut query = vec![];
        if !self.name.is_empty() {
            query.push(format!("q={}", encode_query_value(&self.name)));
        } else if self.all {
            query.push("all=1".to_string());
        }
        if page > 0 {
            query.push(format!("page={page}"));
        }
        match query.is_empty() {
            true => "/reviews".into(),
            false => format!("/reviews?{}", query.join("&")),
        }
    }
}

/// The reviewer's desk: the assigned subjects still to review for the current period (or
/// all of them), a page at a time, each with its reviews so far and a form.
pub async fn desk(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    q: Result<Query<DeskQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let back = "/reviews";
    let attempt = Attempt::new(&viewer, back, "reviews_unavailable");
    let Some((campaign_id, campaign)) = s.store.campaigns().current().await.or_refuse(&attempt)?
    else {
        return Err(attempt.refused(AppError::input("app.no_campaign", &[])));
    };
    let closed: Vec<String> = s
        .store
        .scores()
        .closures(campaign_id)
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|c| c.period)
        .collect();
    let today = crate::kernel::clock::today();
    let current = xianfeng_app::figures::default_period(&campaign, today)
        .map(|p| p.code)
        .filter(|c| !closed.contains(c));
    let mut at = q.view();
    // Without an open period to review for, every subject is shown.
    at.all |= current.is_none();
    let view = service::DeskView {
        period: current.as_deref(),
        all: at.all,
        name: &at.name,
        page: at.page,
        per_page: service::DESK_PAGE,
    };
    let desk = service::desk(&s.store, &viewer.actor(), &view)
        .await
        .or_refuse(&attempt)?;
    let open_periods = campaign
        .periods()
        .into_iter()
        .filter(|p| !closed.contains(&p.code))
        .map(|p| {
            let on = current.as_deref() == Some(p.code.as_str());
            (
                p.code,
                xianfeng_domain::vocabulary::term(viewer.lang(), &p.name),
                on,
            )
        })
        .collect();
    let page = at.page;
    let chrome = Chrome::signed_in(&viewer, at.href(page));
    let tx = &chrome.tx;
    let summary = match &current {
        Some(code) => {
            let name = campaign
                .period(code)
                .map_or(code.clone(), |p| tx.term(&p.name));
            t(
                tx.lang,
                "web.reviews_summary",
                &[
                    ("period", &name),
                    ("waiting", &desk.waiting),
                    ("assigned", &desk.assigned),
                ],
            )
        }
        None => tx.get_with("reviews_summary_all", "assigned", desk.assigned),
    };
    let toggle = match (current.is_some(), at.all, at.name.is_empty()) {
        (false, _, _) => None,
        (true, _, false) => Some((DeskAt::default().href(0), tx.get("reviews_back_waiting"))),
        (true, true, true) => Some((DeskAt::default().href(0), tx.get("reviews_show_waiting"))),
        (true, false, true) => {
            let all = DeskAt {
                all: true,
                ..DeskAt::default()
            };
            Some((all.href(0), tx.get("reviews_show_all")))
        }
    };
    let pages = desk.selected.div_ceil(service::DESK_PAGE);
    let page_view = DeskPage {
        summary,
        toggle,
        assigned: desk.assigned,
        found: (!at.name.is_empty()).then(|| {
            t(
                tx.lang,
                "web.reviews_found",
                &[("name", &at.name), ("found", &desk.selected)],
            )
        }),
        prev_page: (page > 0).then(|| at.href(page - 1)),
        next_page: (page + 1 < pages).then(|| at.href(page + 1)),
        at: at.clone(),
        page_of: (pages > 1).then(|| {
            t(
                tx.lang,
                "web.page_of",
                &[("page", &(page + 1)), ("pages", &pages)],
            )
        }),
        open_periods,
        entries: desk
            .entries
            .into_iter()
            .map(|(subject, reviews)| DeskEntry {
                kind: subject.kind.as_str().to_string(),
                kind_name: chrome.tx.get(&format!("subject_{}", subject.kind.as_str())),
                id: subject.id,
                name: subject.name,
                org_name: subject.org.name,
                reviews,
            })
            .collect(),
        periods: campaign
            .periods()
            .into_iter()
            .map(|p| {
                (
                    p.code,
                    xianfeng_domain::vocabulary::term(viewer.lang(), &p.name),
                )
            })
            .collect(),
        grades: campaign
            .file
            .review_grades
            .iter()
            .map(|g| {
                (
                    g.code.get_ref().clone(),
                    format!("{}{}", chrome.tx.term(&g.name), chrome.tx.bracket(g.points)),
                )
            })
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page_view, page_view.chrome.tx.lang)
}

pub async fn write(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = "/reviews";
    let attempt = Attempt::new(&viewer, back, "review_not_saved");
    let (Some(kind), Ok(id)) = (
        SubjectKind::parse(f.value("kind")),
        f.value("subject").parse::<i64>(),
    ) else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let input = ReviewInput {
        period: f.value("period"),
        grade: f.value("grade"),
        comment: f.value("comment"),
    };
    service::write(
        &s.store,
        &viewer.actor(),
        kind,
        id,
        &input,
        crate::kernel::clock::today(),
    )
    .await
    .or_refuse(&attempt)?;
    // Back to the view the form was on (the subject just reviewed leaves the waiting list,
    // so the next one moves up).
    let at = DeskQuery {
        all: f.value("all").into(),
        q: f.value("q").into(),
        page: f.value("page").into(),
    }
    .view();
    Ok(Redirect::to(&at.href(at.page)).into_response())
}

#[derive(Template)]
#[template(path = "reviewers.html")]
struct AssignPage {
    chrome: Chrome,
    code: String,
    name: String,
    /// (reviewer, subject label) of the assignments kept here.
    assigned: Vec<(String, String)>,
    /// Reviewer accounts.
    reviewers: Vec<String>,
    /// (`kind:id`, label) of the subjects kept here.
    subjects: Vec<(String, String)>,
}

/// An organisation's subjects and their reviewers.
pub async fn assign_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/reviewers");
    let attempt = Attempt::new(&viewer, &back, "reviewers_unavailable");
    let a = viewer.actor();
    let o = service::may_assign(&s.store, &a, &code)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, back.clone());
    let label = |kind: &str, name: &str| {
        format!(
            "{name}{}",
            chrome.tx.bracket(chrome.tx.get(&format!("subject_{kind}")))
        )
    };
    let mut subjects = vec![(
        format!("organisation:{}", o.id),
        label("organisation", &o.name),
    )];
    let teams = s
        .store
        .registry()
        .teams_of_org(o.id)
        .await
        .or_refuse(&attempt)?;
    let members = s
        .store
        .registry()
        .members_of_org(o.id, 500, 0)
        .await
        .or_refuse(&attempt)?;
    let assignments = s
        .store
        .reviews()
        .assignments_in(o.id)
        .await
        .or_refuse(&attempt)?;
    let users = s.store.accounts().list_users().await.or_refuse(&attempt)?;
    subjects.extend(
        teams
            .iter()
            .map(|t| (format!("team:{}", t.id), label("team", &t.name))),
    );
    for t in &teams {
        for c in s
            .store
            .registry()
            .cadres_of_team(t.id)
            .await
            .or_refuse(&attempt)?
        {
            subjects.push((format!("cadre:{}", c.id), label("cadre", &c.name)));
        }
    }
    // Two members of the same name are told apart by their masked ID numbers.
    let named = xianfeng_domain::text::told_apart(
        members
            .iter()
            .map(|m| (m.id, m.name.clone(), m.id_masked.clone()))
            .collect(),
    );
    subjects.extend(
        named
            .iter()
            .map(|(id, name)| (format!("member:{id}"), label("member", name))),
    );
    let mut assigned = vec![];
    for asg in &assignments {
        let key = format!("{}:{}", asg.subject_kind.as_str(), asg.subject_id);
        let name = match subjects.iter().find(|(k, _)| *k == key) {
            Some((_, n)) => n.clone(),
            // Beyond the lists above (a member past the first 500): named all the same.
            None => xianfeng_app::subjects::subject(&s.store, asg.subject_kind, asg.subject_id)
                .await
                .map(|found| label(asg.subject_kind.as_str(), &found.name))
                .unwrap_or_default(),
        };
        assigned.push((asg.reviewer.clone(), name));
    }
    let page = AssignPage {
        code: o.code.clone(),
        name: o.name.clone(),
        assigned,
        reviewers: users
            .into_iter()
            .filter(|u| u.role == Role::Reviewer && !u.disabled)
            .map(|u| u.username)
            .collect(),
        subjects,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

pub async fn assign(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/reviewers");
    let attempt = Attempt::new(&viewer, &back, "reviewer_not_assigned");
    let parsed = f
        .value("subject")
        .split_once(':')
        .and_then(|(k, id)| Some((SubjectKind::parse(k)?, id.parse::<i64>().ok()?)));
    let Some((kind, id)) = parsed else {
        return Err(attempt.refused(AppError::NotFound));
    };
    // The subject must be kept in this organisation: the form offers nothing else.
    let subject = xianfeng_app::subjects::subject(&s.store, kind, id)
        .await
        .or_refuse(&attempt)?;
    if subject.org.code != code {
        return Err(attempt.refused(AppError::NotFound));
    }
    service::assign(&s.store, &viewer.actor(), f.value("reviewer"), kind, id)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}
