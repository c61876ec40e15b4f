//! Evaluation pages for the office (`/eval`): rounds, creating one, live results per
//! subject and per organisation, bursts of open ballots, comment moderation, and issuing
//! ballot codes as print-ready A4 slips with QR codes or as a spreadsheet.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use xianfeng_app::evaluation::{
    self as service, BURST, IssuedCode, RoundInput, SubjectResult, issue_codes, results,
    results_by_organisation,
};
use xianfeng_domain::ballot::Tally;
use xianfeng_domain::policy::{Action, anywhere};
use xianfeng_storage::{CommentRecord, RoundRecord};

use crate::chrome::Chrome;
use crate::commitments::Fields;
use crate::session::{Posted, SignedIn};
use crate::{AppState, pages, qr};

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

pub async fn list(State(s): State<AppState>, SignedIn(viewer): SignedIn) -> Response {
    let rounds = match service::visible_rounds(&s.store, &viewer.principal).await {
        Ok(r) => r.into_iter().map(|(round, _)| round).collect(),
        Err(e) => return pages::internal(e),
    };
    let may_create = anywhere(&viewer.principal, Action::ManageEvaluations);
    let page = RoundsPage {
        chrome: Chrome::signed_in(&viewer, "/eval".into()),
        rounds,
        may_create,
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => pages::internal(e),
    }
}

pub async fn create(State(s): State<AppState>, Posted(viewer, f): Posted<Fields>) -> Response {
    let input = RoundInput {
        name: f.value("name"),
        scope: f.value("scope"),
        subjects: f.value("subjects"),
        mode: f.value("mode"),
        starts_on: f.value("start"),
        ends_on: f.value("end"),
    };
    match service::create_round(&s.store, Some(&viewer.actor()), &input).await {
        Ok(id) => Redirect::to(&format!("/eval/{id}")).into_response(),
        Err(e) => pages::refused(&viewer, "/eval", e),
    }
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
) -> Response {
    let back = format!("/eval/{id}");
    let round = match service::may_read(&s.store, &viewer.principal, id).await {
        Ok((r, _)) => r,
        Err(e) => return pages::refused(&viewer, &back, e),
    };
    let (subjects, orgs, comments, bursts, counts) = match (
        results(&s.store, id).await,
        results_by_organisation(&s.store, id).await,
        s.store.comments(id, None, 200).await,
        s.store.open_bursts(id, BURST).await,
        s.store.code_counts(id).await,
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, b, c, d, e),
        (Err(e), ..) | (_, Err(e), ..) => return pages::refused(&viewer, &back, e),
        (.., Err(e), _, _) | (.., Err(e), _) | (.., Err(e)) => return pages::internal(e),
    };
    let may_manage = service::may_manage(&s.store, &viewer.actor(), id)
        .await
        .is_ok();
    let rules = match service::rules(&s.store).await {
        Ok(r) => r,
        Err(e) => return pages::refused(&viewer, "/eval", e),
    };
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
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => pages::internal(e),
    }
}

pub async fn hide(
    State(s): State<AppState>,
    Path((id, ballot)): Path<(i64, i64)>,
    Posted(viewer, f): Posted<Fields>,
) -> Response {
    let back = format!("/eval/{id}");
    match service::hide_comment(&s.store, &viewer.actor(), id, ballot, f.value("reason")).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => pages::refused(&viewer, &back, e),
    }
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

/// Issues codes for every subject and hands them over once: as A4 slips to print (the
/// default), or as a spreadsheet (`format` = `xlsx` or `csv`). Only keyed hashes are kept.
pub async fn codes(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Response {
    let back = format!("/eval/{id}");
    let per_subject = f.value("per_subject").parse::<usize>().unwrap_or(0);
    let base = qr::absolute(s.config.public_url.as_deref(), &headers, "");
    let issued: Vec<IssuedCode> =
        match issue_codes(&s.store, Some(&viewer.actor()), id, per_subject, &base).await {
            Ok(c) => c,
            Err(e) => return pages::refused(&viewer, &back, e),
        };
    match f.value("format") {
        "xlsx" | "csv" => {
            let ext = f.value("format");
            let file = match tempfile::Builder::new()
                .suffix(&format!(".{ext}"))
                .tempfile()
            {
                Ok(t) => t,
                Err(e) => return pages::internal(e),
            };
            if let Err(e) = service::write_codes(file.path(), &issued) {
                return pages::refused(&viewer, &back, e);
            }
            let bytes = match std::fs::read(file.path()) {
                Ok(b) => b,
                Err(e) => return pages::internal(e),
            };
            let kind = if ext == "xlsx" {
                pages::XLSX
            } else {
                "text/csv; charset=utf-8"
            };
            pages::download(&format!("ballot-codes-{id}.{ext}"), kind, bytes)
        }
        _ => {
            let round = s
                .store
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
            match page.render() {
                Ok(html) => (StatusCode::CREATED, Html(html)).into_response(),
                Err(e) => pages::internal(e),
            }
        }
    }
}
