//! Leadership teams and cadres by hand, and closing an organisation, for the office and
//! committee staff who may write the organisation: a team added from the organisation's
//! page, a cadre added to a team, a cadre's page with her posts over time (离任, 调任, the
//! principal leader's mark), and 撤销 / 合并 asked first.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xianfeng_app::AppError;
use xianfeng_app::teams::{self as service, CadreForm, TeamForm};
use xianfeng_domain::leader_roster::TeamCategory;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::today;
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/o/{code}/teams", post(create_team))
        .route("/o/{code}/close", post(close_org))
        .route("/teams/{id}/cadres", get(cadre_form).post(add_cadre))
        .route("/cadres/{id}", get(cadre_page))
        .route("/cadres/{id}/leave", post(leave))
        .route("/cadres/{id}/move", post(move_post))
        .route("/cadres/{id}/head", post(head))
}

/// Adds a team to an organisation, from its page.
pub async fn create_team(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}");
    let attempt = Attempt::new(&viewer, &back, "team_not_saved");
    let form = TeamForm {
        name: f.value("name").into(),
        category: f.value("category").into(),
    };
    service::create_team(&s.store, &viewer.actor(), &code, &form)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("{back}#teams")).into_response())
}

#[derive(Template)]
#[template(path = "cadre_form.html")]
struct CadreFormPage {
    chrome: Chrome,
    team_id: i64,
    team_name: String,
    org_name: String,
    form: CadreForm,
    error: Option<String>,
}

/// The form to add a cadre to a team.
pub async fn cadre_form(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "cadre_not_saved");
    let (t, o) = service::team_to_change(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let page = CadreFormPage {
        chrome: Chrome::signed_in(&viewer, format!("/o/{}", o.code)),
        team_id: t.id,
        team_name: t.name,
        org_name: o.name,
        form: CadreForm::default(),
        error: None,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

pub async fn add_cadre(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "cadre_not_saved");
    let (t, o) = service::team_to_change(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let form = CadreForm {
        name: f.value("name").into(),
        id_number: f.value("id_number").into(),
        position: f.value("position").into(),
        is_head: f.value("is_head").into(),
        since: f.value("since").into(),
    };
    match service::add_cadre(&s.store, &viewer.actor(), id, &form, today()).await {
        Ok(cadre) => Ok(Redirect::to(&format!("/cadres/{cadre}")).into_response()),
        Err(e @ AppError::Input(_)) => {
            let chrome = Chrome::signed_in(&viewer, format!("/o/{}", o.code));
            let error = e.message().map(|m| m.render(chrome.tx.lang));
            let page = CadreFormPage {
                chrome,
                team_id: t.id,
                team_name: t.name,
                org_name: o.name,
                form,
                error,
            };
            pages::html(StatusCode::UNPROCESSABLE_ENTITY, &page, page.chrome.tx.lang)
        }
        Err(e) => Err(attempt.refused(e)),
    }
}

struct PostView {
    id: i64,
    team: String,
    position: String,
    head: bool,
    since: String,
    until: String,
}

#[derive(Template)]
#[template(path = "cadre.html")]
struct CadrePage {
    chrome: Chrome,
    id: i64,
    name: String,
    id_masked: String,
    team_name: String,
    org_code: String,
    org_name: String,
    position: String,
    head: bool,
    since: String,
    /// Every post of the person, by the day it began.
    posts: Vec<PostView>,
    today: String,
}

/// A cadre in post, with her posts over time and what may be done to this one.
pub async fn cadre_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "cadre_unavailable");
    let (c, t, o) = service::post_to_change(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, format!("/cadres/{id}"));
    let tx = chrome.tx.clone();
    let mut posts = Vec::new();
    for p in s
        .store
        .registry()
        .posts_of_person(id)
        .await
        .or_refuse(&attempt)?
    {
        let team = s
            .store
            .registry()
            .team(p.team_id)
            .await
            .or_refuse(&attempt)?
            .map(|t| t.name)
            .unwrap_or_default();
        posts.push(PostView {
            id: p.id,
            team,
            position: p.position,
            head: p.is_head,
            since: p
                .since
                .map(|d| tx.long_date(&d.to_string()))
                .unwrap_or_default(),
            until: p
                .left_on
                .map(|d| tx.long_date(&d.to_string()))
                .unwrap_or_default(),
        });
    }
    let page = CadrePage {
        id: c.id,
        name: c.name,
        id_masked: c.id_masked,
        team_name: t.name,
        org_code: o.code,
        org_name: o.name,
        position: c.position,
        head: c.is_head,
        since: c
            .since
            .map(|d| tx.long_date(&d.to_string()))
            .unwrap_or_default(),
        posts,
        today: today().to_string(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Ends a post (离任), after asking: it cannot be undone.
pub async fn leave(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/cadres/{id}");
    let attempt = Attempt::new(&viewer, &back, "cadre_not_saved");
    let (c, t, o) = service::post_to_change(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let on = AppError::day(f.value("on")).or_refuse(&attempt)?;
    if !f.confirmed() {
        let chrome = Chrome::signed_in(&viewer, back.clone());
        let tx = &chrome.tx;
        let action = format!("/cadres/{id}/leave");
        let what = xianfeng_domain::i18n::t(
            tx.lang,
            "web.cadre_leave_what",
            &[
                ("name", &c.name),
                ("team", &t.name),
                ("on", &tx.long_date(&on.to_string())),
            ],
        );
        let page = pages::Confirm {
            title: tx.get_with("cadre_leave_title", "name", &c.name),
            what,
            yes: tx.get("cadre_leave_yes"),
            action: &action,
            fields: vec![("on", on.to_string())],
            back,
            chrome: &chrome,
        };
        return pages::html(StatusCode::OK, &page, chrome.tx.lang);
    }
    service::end_post(&s.store, &viewer.actor(), id, on, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/o/{}#teams", o.code)).into_response())
}

/// Moves a cadre to another team (调任).
pub async fn move_post(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/cadres/{id}");
    let attempt = Attempt::new(&viewer, &back, "cadre_not_saved");
    service::post_to_change(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let on = AppError::day(f.value("on")).or_refuse(&attempt)?;
    let moved = service::move_post(
        &s.store,
        &viewer.actor(),
        id,
        &service::Move {
            to_org: f.value("to_org"),
            to_team: f.value("to_team"),
            position: f.value("position"),
            is_head: f.value("is_head") == "1",
            on,
        },
        today(),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/cadres/{moved}")).into_response())
}

/// Names a cadre her team's principal leader.
pub async fn head(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, _f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/cadres/{id}");
    let attempt = Attempt::new(&viewer, &back, "cadre_not_saved");
    service::make_head(&s.store, &viewer.actor(), id)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Closes an organisation or merges it into another, after asking.
pub async fn close_org(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}");
    let attempt = Attempt::new(&viewer, &back, "org_not_closed");
    let o = xianfeng_app::scope::org_for(
        &s.store,
        Some(&viewer.principal),
        &code,
        xianfeng_domain::policy::Action::WriteOrganisations,
    )
    .await
    .or_refuse(&attempt)?;
    let on = AppError::day(f.value("on")).or_refuse(&attempt)?;
    let into = Some(f.value("into")).filter(|c| !c.is_empty());
    if !f.confirmed() {
        let chrome = Chrome::signed_in(&viewer, back.clone());
        let tx = &chrome.tx;
        let action = format!("/o/{code}/close");
        let when = tx.long_date(&on.to_string());
        let what = match into {
            Some(target) => xianfeng_domain::i18n::t(
                tx.lang,
                "web.org_merge_what",
                &[("name", &o.name), ("into", &target), ("on", &when)],
            ),
            None => xianfeng_domain::i18n::t(
                tx.lang,
                "web.org_close_what",
                &[("name", &o.name), ("on", &when)],
            ),
        };
        let page = pages::Confirm {
            title: tx.get_with("org_close_title", "name", &o.name),
            what,
            yes: tx.get("org_close_yes"),
            action: &action,
            fields: vec![
                ("on", on.to_string()),
                ("into", into.unwrap_or_default().to_string()),
            ],
            back,
            chrome: &chrome,
        };
        return pages::html(StatusCode::OK, &page, chrome.tx.lang);
    }
    xianfeng_app::registry::close_org(&s.store, &viewer.actor(), &code, on, into, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// The team categories, for the select of the organisation page: (code, name).
pub fn categories(tx: &crate::kernel::text::Text) -> Vec<(&'static str, String)> {
    TeamCategory::ALL
        .iter()
        .map(|c| (c.as_str(), c.message().render(tx.lang)))
        .collect()
}
