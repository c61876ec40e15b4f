//! Members over time (党员变动), for the branch secretary and those above her: add and
//! correct a member, record her 转正 or her leaving, transfer her to another branch and
//! answer transfers (组织关系转接), and — for the office — the ID numbers someone tried to
//! register twice.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xianfeng_app::AppError;
use xianfeng_app::members::{self as service, MemberForm};
use xianfeng_domain::member_changes::{LeavingReason, TransferState, TransferStep};
use xianfeng_domain::policy::Action;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::today;
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/o/{code}/members/new", get(new_form).post(add))
        .route("/m/{id}/edit", get(edit_form).post(correct))
        .route("/m/{id}/full", post(full_membership))
        .route("/m/{id}/leave", post(leave))
        .route("/m/{id}/transfer", post(transfer))
        .route("/transfers", get(transfers))
        .route("/transfers/{id}", post(step))
        .route("/duplicates/{id}/settle", post(settle))
}

#[derive(Template)]
#[template(path = "member_form.html")]
struct FormPage {
    chrome: Chrome,
    title: String,
    /// Where the form posts.
    action: String,
    org_name: String,
    form: MemberForm,
    /// Correcting: the ID number and phone may be left empty to keep them.
    correcting: bool,
    id_masked: String,
    error: Option<String>,
}

impl FormPage {
    /// The form adding a member to `org`.
    fn adding(chrome: Chrome, org: (&str, String), form: MemberForm) -> FormPage {
        FormPage {
            title: chrome.tx.get("member_add"),
            action: format!("/o/{}/members/new", org.0),
            org_name: org.1,
            form,
            correcting: false,
            id_masked: String::new(),
            error: None,
            chrome,
        }
    }

    /// The form correcting member `m` of the organisation named `org_name`.
    fn correcting(
        chrome: Chrome,
        m: &xianfeng_storage::MemberRecord,
        org_name: String,
        form: MemberForm,
    ) -> FormPage {
        FormPage {
            title: chrome.tx.get_with("member_correct_title", "name", &m.name),
            action: format!("/m/{}/edit", m.id),
            org_name,
            form,
            correcting: true,
            id_masked: m.id_masked.clone(),
            error: None,
            chrome,
        }
    }
}

fn form_of(f: &Fields) -> MemberForm {
    MemberForm {
        name: f.value("name").into(),
        gender: f.value("gender").into(),
        ethnicity: f.value("ethnicity").into(),
        birth_date: f.value("birth_date").into(),
        id_number: f.value("id_number").into(),
        joined_on: f.value("joined_on").into(),
        member_type: f.value("member_type").into(),
        position: f.value("position").into(),
        phone: f.value("phone").into(),
    }
}

/// The form again, with what was typed and the problem in the reader's language; a
/// refusal that is not about what was typed gets the usual page.
fn form_again(
    mut page: FormPage,
    attempt: &Attempt,
    error: AppError,
) -> Result<Response, PageError> {
    let fixable = matches!(
        error,
        AppError::Input(_) | AppError::Store(xianfeng_storage::StoreError::Conflict(_))
    );
    match error.message() {
        Some(m) if fixable => {
            page.error = Some(m.render(page.chrome.tx.lang));
            pages::html(StatusCode::UNPROCESSABLE_ENTITY, &page, page.chrome.tx.lang)
        }
        _ => Err(attempt.refused(error)),
    }
}

/// The form to add a member to an organisation.
pub async fn new_form(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}");
    let attempt = Attempt::new(&viewer, &back, "member_not_saved");
    let o = xianfeng_app::scope::org_for(
        &s.store,
        Some(&viewer.principal),
        &code,
        Action::WriteMembers,
    )
    .await
    .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, back);
    let form = MemberForm {
        member_type: "probationary".into(),
        ..MemberForm::default()
    };
    let page = FormPage::adding(chrome, (&o.code, o.name), form);
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

pub async fn add(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let form = form_of(&f);
    let back = format!("/o/{code}");
    match service::add_member(&s.store, &viewer.actor(), &code, &form, today()).await {
        Ok(id) => Ok(Redirect::to(&format!("/m/{id}")).into_response()),
        Err(e) if !matches!(e, AppError::Input(_)) => {
            Err(Attempt::new(&viewer, &back, "member_not_saved").refused(e))
        }
        Err(e) => {
            let chrome = Chrome::signed_in(&viewer, back);
            let org_name = s
                .store
                .registry()
                .org_by_code(&code)
                .await
                .ok()
                .flatten()
                .map(|o| o.name)
                .unwrap_or_default();
            let page = FormPage::adding(chrome, (&code, org_name), form);
            form_again(page, &Attempt::new(&viewer, "/", "member_not_saved"), e)
        }
    }
}

/// The form to correct a member's record.
pub async fn edit_form(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let back = format!("/m/{id}");
    let attempt = Attempt::new(&viewer, &back, "member_not_saved");
    let (m, o) = service::member_to_change(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, back);
    let page = FormPage::correcting(chrome, &m, o.name, MemberForm::of(&m));
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

pub async fn correct(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/m/{id}");
    let attempt = Attempt::new(&viewer, &back, "member_not_saved");
    let (m, o) = service::member_to_change(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let form = form_of(&f);
    match service::correct_member(&s.store, &viewer.actor(), id, &form, today()).await {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(e) => {
            let chrome = Chrome::signed_in(&viewer, back);
            let page = FormPage::correcting(chrome, &m, o.name, form);
            form_again(page, &attempt, e)
        }
    }
}

/// Records 转正 on the date given.
pub async fn full_membership(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/m/{id}");
    let attempt = Attempt::new(&viewer, &back, "member_not_saved");
    // Whether she is the viewer's to change is asked before anything about the form.
    service::member_to_change(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let on = AppError::day(f.value("full_on")).or_refuse(&attempt)?;
    service::record_full_membership(&s.store, &viewer.actor(), id, on, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Records that a member left, after asking: it cannot be undone.
pub async fn leave(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/m/{id}");
    let attempt = Attempt::new(&viewer, &back, "member_not_saved");
    let (m, _) = service::member_to_change(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let reason = LeavingReason::parse(f.value("reason"))
        .ok_or_else(|| AppError::input("member.leaving_reason_missing", &[]))
        .or_refuse(&attempt)?;
    let on = AppError::day(f.value("left_on")).or_refuse(&attempt)?;
    if !f.confirmed() {
        // The checks run first, so that the question is asked only of what would be done.
        xianfeng_domain::member_changes::check_leaving(&m.standing(), on, today())
            .map_err(|r| AppError::Input(r.message()))
            .or_refuse(&attempt)?;
        xianfeng_domain::member_changes::note(f.value("note"))
            .map_err(|r| AppError::Input(r.message()))
            .or_refuse(&attempt)?;
        let chrome = Chrome::signed_in(&viewer, back.clone());
        let tx = &chrome.tx;
        let how = reason.message().render(tx.lang);
        let action = format!("/m/{id}/leave");
        let what = xianfeng_domain::i18n::t(
            tx.lang,
            "web.member_leave_what",
            &[
                ("name", &m.name),
                ("reason", &how),
                ("on", &tx.long_date(&on.to_string())),
            ],
        );
        let page = pages::Confirm {
            title: tx.get_with("member_leave_title", "name", &m.name),
            what,
            yes: tx.get("member_leave_yes"),
            action: &action,
            fields: vec![
                ("reason", reason.as_str().to_string()),
                ("left_on", on.to_string()),
                ("note", f.value("note").to_string()),
            ],
            back,
            chrome: &chrome,
        };
        return pages::html(StatusCode::OK, &page, chrome.tx.lang);
    }
    service::record_leaving(
        &s.store,
        &viewer.actor(),
        id,
        reason,
        on,
        f.value("note"),
        today(),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Starts a transfer from the member's page.
pub async fn transfer(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/m/{id}");
    let attempt = Attempt::new(&viewer, &back, "transfer_not_started");
    service::start_transfer(
        &s.store,
        &viewer.actor(),
        id,
        f.value("to"),
        f.value("note"),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to("/transfers").into_response())
}

struct TransferRow {
    id: i64,
    member_id: i64,
    member_name: String,
    from: String,
    to: String,
    state: String,
    note: String,
    reason: String,
    started: String,
    /// The viewer may accept or refuse it (the receiving side).
    may_answer: bool,
    /// The viewer may withdraw it (the sending side).
    may_withdraw: bool,
    /// The viewer may open the member's page.
    opens: bool,
}

struct DuplicateRow {
    id: i64,
    member_id: i64,
    name: String,
    id_masked: String,
    org: String,
    tried_org: String,
    tried_by: String,
}

#[derive(Template)]
#[template(path = "transfers.html")]
struct TransfersPage {
    chrome: Chrome,
    rows: Vec<TransferRow>,
    duplicates: Vec<DuplicateRow>,
    sees_duplicates: bool,
}

/// The transfers from and into the account's organisations, and the duplicates to settle.
pub async fn transfers(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "transfers_unavailable");
    let list = service::transfers(&s.store, &viewer.principal)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/transfers".to_string());
    let tx = chrome.tx.clone();
    let mut rows = Vec::new();
    for t in list {
        let waiting = t.state == TransferState::Waiting;
        let sender = service::keeps_side(&viewer.principal, &t.from_path);
        let receiver = service::keeps_side(&viewer.principal, &t.to_path);
        let now_in = if t.state == TransferState::Accepted {
            receiver
        } else {
            sender
        };
        rows.push(TransferRow {
            id: t.id,
            member_id: t.member_id,
            member_name: t.member_name,
            from: format!("{}{}", t.from_name, tx.bracket(&t.from_code)),
            to: format!("{}{}", t.to_name, tx.bracket(&t.to_code)),
            state: t.state.message().render(tx.lang),
            note: t.note,
            reason: t.reason.unwrap_or_default(),
            started: crate::kernel::clock::beijing_time(t.started_at),
            may_answer: waiting && receiver,
            may_withdraw: waiting && sender,
            opens: now_in,
        });
    }
    let duplicates = service::duplicates(&s.store, &viewer.principal)
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|d| DuplicateRow {
            id: d.id,
            member_id: d.member.id,
            name: d.member.name,
            id_masked: d.member.id_masked,
            org: d.member.org_code,
            tried_org: format!("{}{}", d.tried_org_name, tx.bracket(&d.tried_org_code)),
            tried_by: tx.actor(&d.tried_by),
        })
        .collect();
    let page = TransfersPage {
        sees_duplicates: service::sees_duplicates(&viewer.principal),
        rows,
        duplicates,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Accepts, refuses or withdraws a waiting transfer.
pub async fn step(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/transfers", "transfer_not_answered");
    let step = TransferStep::parse(f.value("step"))
        .ok_or(AppError::NotFound)
        .or_refuse(&attempt)?;
    service::step_transfer(&s.store, &viewer.actor(), id, step, f.value("reason"))
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to("/transfers").into_response())
}

/// The office marks a duplicate settled.
pub async fn settle(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, _f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/transfers", "duplicate_not_settled");
    service::settle_duplicate(&s.store, &viewer.actor(), id)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to("/transfers").into_response())
}
