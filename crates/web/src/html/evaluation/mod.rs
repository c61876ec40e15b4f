//! Evaluation pages for the office (`/eval`): rounds, creating one, live results per
//! subject and per organisation, bursts of open ballots, comment moderation, and issuing
//! ballot codes as print-ready A4 slips with QR codes or as a spreadsheet.

pub mod ballot;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xianfeng_app::evaluation::{
    self as service, BURST, IssuedCode, RoundInput, SubjectResult, issue_codes, results,
    results_by_organisation,
};
use xianfeng_domain::ballot::Tally;
use xianfeng_domain::policy::{Action, anywhere};
use xianfeng_storage::{CommentRecord, RoundRecord};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::qr;
use crate::kernel::session::{Posted, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/eval", get(list).post(create))
        .route("/eval/{id}", get(page))
        .route("/eval/{id}/codes", get(to_round).post(codes))
        .route("/eval/{id}/comments/{ballot}/hide", post(hide))
        .route("/p/b/", get(ballot::typed))
        .route("/p/b/{code}", get(ballot::page).post(ballot::cast))
        .route(
            "/p/e/{round}/{subject}",
            get(ballot::open_page).post(ballot::open_cast),
        )
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_string(), |v| format!("{:.1}%", v * 100.0))
}

#[derive(Template)]
#[template(path = "eval_rounds.html")]
struct RoundsPage {
    chrome: Chrome,
    rounds: Vec<RoundRecord>,
    may_create: bool,
}

pub async fn list(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/eval", "rounds_unavailable");
    let rounds = service::visible_rounds(&s.store, &viewer.principal)
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|(round, _)| round)
        .collect();
    let may_create = anywhere(&viewer.principal, Action::ManageEvaluations);
    let page = RoundsPage {
        chrome: Chrome::signed_in(&viewer, "/eval".into()),
        rounds,
        may_create,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

pub async fn create(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/eval", "round_not_created");
    let input = RoundInput {
        name: f.value("name"),
        scope: f.value("scope"),
        subjects: f.value("subjects"),
        mode: f.value("mode"),
        starts_on: f.value("start"),
        ends_on: f.value("end"),
    };
    let id = service::create_round(&s.store, Some(&viewer.actor()), &input)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/eval/{id}")).into_response())
}

struct Row {
    code: String,
    name: String,
    indent: i64,
    tally: Tally,
    satisfaction: String,
    score: String,
}

#[derive(Template)]
#[template(path = "eval_round.html")]
struct RoundPage {
    chrome: Chrome,
    round: RoundRecord,
    subjects: Vec<Row>,
    organisations: Vec<Row>,
    comments: Vec<CommentRecord>,
    /// (address hash prefix, minute, ballots) of flagged minutes.
    bursts: Vec<(String, String, i64)>,
    used: i64,
    issued: i64,
    may_manage: bool,
}

fn row(
    rules: &xianfeng_domain::campaign::EvaluationRules,
    code: String,
    name: String,
    indent: i64,
    tally: Tally,
) -> Row {
    let weights = xianfeng_domain::ballot::Weights::from(rules);
    Row {
        code,
        name,
        indent,
        satisfaction: percent(tally.satisfaction_by(rules.basic_counts_as_satisfied)),
        score: tally
            .score(&weights)
            .map_or_else(|| "—".to_string(), |v| format!("{v:.1}")),
        tally,
    }
}

pub async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let back = format!("/eval/{id}");
    let attempt = Attempt::new(&viewer, &back, "round_unavailable");
    let (round, _) = service::may_read(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let subjects = results(&s.store, id).await.or_refuse(&attempt)?;
    let orgs = results_by_organisation(&s.store, id)
        .await
        .or_refuse(&attempt)?;
    let comments = s
        .store
        .evaluation()
        .comments(id, None, 200)
        .await
        .or_refuse(&attempt)?;
    let bursts = s
        .store
        .evaluation()
        .open_bursts(id, BURST)
        .await
        .or_refuse(&attempt)?;
    let counts = s
        .store
        .evaluation()
        .code_counts(id)
        .await
        .or_refuse(&attempt)?;
    let may_manage = service::may_manage(&s.store, &viewer.actor(), id)
        .await
        .is_ok();
    // The campaign's rules are not the round's: their refusal leads back to the rounds.
    let to_rounds = Attempt::new(&viewer, "/eval", "round_unavailable");
    let rules = service::rules(&s.store).await.or_refuse(&to_rounds)?;
    let page = RoundPage {
        chrome: Chrome::signed_in(&viewer, back),
        subjects: subjects
            .into_iter()
            .map(|r: SubjectResult| row(&rules, r.code, r.name, 0, r.tally))
            .collect(),
        organisations: orgs
            .into_iter()
            .map(|(code, name, depth, tally)| row(&rules, code, name, depth.min(6), tally))
            .collect(),
        comments,
        bursts: bursts
            .into_iter()
            .map(|(address, minute, n)| {
                let at = chrono::DateTime::from_timestamp(minute * 60, 0)
                    .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default();
                (address.chars().take(8).collect(), at, n)
            })
            .collect(),
        issued: counts.0,
        used: counts.1,
        may_manage,
        round,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

pub async fn hide(
    State(s): State<AppState>,
    Path((id, ballot)): Path<(i64, i64)>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/eval/{id}");
    let attempt = Attempt::new(&viewer, &back, "comment_not_hidden");
    service::hide_comment(&s.store, &viewer.actor(), id, ballot, f.value("reason"))
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// One cut-out slip: the code, its QR code, the subject.
struct Slip {
    code: String,
    subject: String,
    url: String,
    qr: String,
}

#[derive(Template)]
#[template(path = "eval_slips.html")]
struct SlipsPage {
    chrome: Chrome,
    round: String,
    slips: Vec<Slip>,
}

/// The address a printed-slips page was posted to, opened again (a bookmark, a reload of
/// the slips): back to the round, where codes are issued — not a blank "method not
/// allowed".
async fn to_round(_: SignedIn, Path(id): Path<String>) -> axum::response::Redirect {
    match id.parse::<i64>() {
        Ok(id) => axum::response::Redirect::to(&format!("/eval/{id}")),
        Err(_) => axum::response::Redirect::to("/eval"),
    }
}

/// Issues codes for every subject and hands them over once: as A4 slips to print (the
/// default), or as a spreadsheet (`format` = `xlsx` or `csv`). Only keyed hashes are kept.
pub async fn codes(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/eval/{id}");
    let attempt = Attempt::new(&viewer, &back, "codes_not_issued");
    let per_subject = f.value("per_subject").parse::<usize>().unwrap_or(0);
    // A printed code leads the citizen to the address configured for the public, never
    // to whatever the request's Host header said: without one, nothing is issued.
    let base = qr::public_address(s.config.public_url.as_deref(), "");
    let today = crate::kernel::clock::today();
    let issued: Vec<IssuedCode> = issue_codes(
        &s.store,
        Some(&viewer.actor()),
        id,
        per_subject,
        base.as_deref(),
        today,
    )
    .await
    .or_refuse(&attempt)?;
    match f.value("format") {
        "xlsx" | "csv" => {
            let ext = f.value("format");
            // A file of our own that cannot be written or read is the system's fault.
            let lang = viewer.lang();
            let io = |e: std::io::Error| PageError::Internal {
                lang,
                log: e.to_string(),
            };
            let file = tempfile::Builder::new()
                .suffix(&format!(".{ext}"))
                .tempfile()
                .map_err(io)?;
            service::write_codes(file.path(), &issued).or_refuse(&attempt)?;
            let bytes = std::fs::read(file.path()).map_err(io)?;
            let kind = if ext == "xlsx" {
                pages::XLSX
            } else {
                "text/csv; charset=utf-8"
            };
            Ok(pages::download(
                &format!("ballot-codes-{id}.{ext}"),
                kind,
                bytes,
            ))
        }
        _ => {
            let round = s
                .store
                .evaluation()
                .round(id)
                .await
                .ok()
                .flatten()
                .map(|r| r.name)
                .unwrap_or_default();
            let page = SlipsPage {
                chrome: Chrome::signed_in(&viewer, back),
                round,
                slips: issued
                    .into_iter()
                    .map(|c| Slip {
                        qr: qr::svg(&c.url).unwrap_or_default(),
                        subject: format!("{} {}", c.subject_code, c.subject_name),
                        url: c.url,
                        code: c.code,
                    })
                    .collect(),
            };
            pages::html(StatusCode::CREATED, &page, page.chrome.tx.lang)
        }
    }
}
