//! Every route, walked as the secretary of the sibling branch B2 and as an anonymous
//! visitor, aiming at branch B1's data: nothing of B1's is read or changed. The list of
//! routes is read from the router's source, so a new route without a place here fails.

mod support;

use axum::http::StatusCode;
use support::{App, B1_MEMBER, apps};

/// What reaching a route as someone without business there may answer.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Open to everyone by design (sign-in, public pages, health, assets, metrics).
    Public,
    /// The visitor's own things (their account, their uploads): allowed, but no B1 data.
    Own,
    /// B1's data: refused (404 or 403) for B2's secretary.
    Refused,
}

struct Walk {
    method: &'static str,
    pattern: &'static str,
    expect: Expect,
}

const WALK: &[Walk] = &[
    Walk {
        method: "GET",
        pattern: "/api/v1/models",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/models",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/models/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/practices",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/practices/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/delegations",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/delegations/{id}",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/delegations/{id}/sessions",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/p/find",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/feed.atom",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/models",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/models/honour-roll",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/models/new",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/models/new",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/models/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/models/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/models/{id}/advance",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/models/{id}/withdraw",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/models/{id}/acknowledge",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/models/{id}/files",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/models/{id}/files/{file}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/p/models",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/models/{id}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/models/{id}/files/{file}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/practices",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/practices/new",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/practices/new",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/practices/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/practices/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/practices/{id}/step",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/practices/{id}/adopt",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/practices/{id}/files",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/practices/{id}/files/{file}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/p/practices",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/practices/{id}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/practices/{id}/files/{file}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/rules",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/tours",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/tours",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/tours/comments",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/tours/comments/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/tours/{id}",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/tours/{id}/schedule",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/tours/{id}/request",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/tours/{id}/xlsx",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/tours/sessions/{id}/cancel",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/tours/sessions/{id}/qr",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/p/tours",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/tours.ics",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/s/{id}",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/p/s/{id}",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/p/s/{id}/rate",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/bulletins/schedules",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/bulletins/schedules/{id}/stop",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/reports/{code}/{stage}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/reports/{code}/{stage}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/reports/{code}/{stage}/pick",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/bulletins/received/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/bulletins/received/{id}/docx",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/bulletins",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/bulletins",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/bulletins/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/bulletins/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/bulletins/{id}/redraft",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/bulletins/{id}/issue",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/bulletins/{id}/correct",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/bulletins/{id}/docx",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/bulletins/{id}/xlsx",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/p/bulletins",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/bulletins/{id}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/bulletins/{id}/docx",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/bulletins",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/bulletins/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/healthz",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/readyz",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/metrics",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/login",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/login",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/logout",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/lang",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/search",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/tree/{code}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/o/{code}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/o/{code}/setup",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/plan",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/plan/decision",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/meetings",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/o/{code}/plans",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/o/{code}/study",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/study",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/study/import",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/o/{code}/service",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/service",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/posts",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/o/{code}/reviewers",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/reviewers",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/reviews",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/reviews",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/m/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/account",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/account/password",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/account/password",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/login/second-factor",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/login/second-factor",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/account/second-factor",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/account/second-factor",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/import",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/import",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/import/template/{file}",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/import/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/import/{id}/errors.csv",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/import/{id}/confirm",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/c",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/c/new",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/c/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/c/{id}/edit",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/c/{id}/edit",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/c/{id}/step",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/c/{id}/progress",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/files/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/p/",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/o/{code}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/assets/{file}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/favicon.ico",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/login",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/openapi.json",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/organisations/{code}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/organisations/{code}/children",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/organisations/{code}/members",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/organisations/{code}/teams",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/members/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/commitments",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/commitments/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "PUT",
        pattern: "/api/v1/commitments/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/commitments/{id}/transitions",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/organisations/{code}/study-records",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/organisations/{code}/service-records",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/reviews",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/figures",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/scores",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/scores/export",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/scores/method",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/scores/close",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/scores/s/{code}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/scores/s/{code}/self",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/periods",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/rankings",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/p/b/",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/b/{code}",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/p/b/{code}",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/ballots",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/rounds",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/rounds/{id}/results",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/p/e/{round}/{subject}",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/p/e/{round}/{subject}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/selection",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/selection",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/selection/new",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/selection/export",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/selection/notices",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/selection/notices",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/selection/notices/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/selection/notices/{id}/findings",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/selection/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/selection/{id}/step",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/selection/{id}/files",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/selection/{id}/form.docx",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/selection/{id}/recommend",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/notices",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/notices",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/nominations",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/nominations",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/nominations/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/nominations/{id}/transitions",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/nominations/{id}/recommendations",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/notices/{id}/objections",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/notices/{id}/objections",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/notices/{id}/objections/{objection}/finding",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/honours",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/calendar",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/calendar",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/calendar/unset",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/calendar/import",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/inspections",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/inspections",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/inspections/inspectors",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/inspections/inspectors/{username}/active",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/inspections/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/inspections/{id}/exclude",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/inspections/{id}/publish",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/inspections/{id}/draw",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/inspections/{id}/close",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/inspections/{id}/record.json",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/inspections/visits/{task}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/inspections/tasks",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/inspections/tasks/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/inspections/tasks/{id}/findings",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/inspections/tasks/{id}/submit",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/o/{code}/rectification",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/rectifications/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/rectifications/{id}/report",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/rectifications/{id}/decide",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/p/inspections/{campaign}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/inspections/{campaign}/{plan}/record.json",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/inspections",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/inspections",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/inspections/{id}/publish",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/inspections/{id}/draw",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/inspections/{id}/close",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/inspections/{id}/record",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/inspection-tasks",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/inspection-tasks/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/inspection-tasks/{id}/findings",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/inspection-tasks/{id}/submit",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/organisations/{code}/rectifications",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/rectifications/{id}/report",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/rectifications/{id}/decision",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/inspection-results",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/api/v1/inspection-results/{id}/record",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/guidance",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/o/{code}/guidance",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/guidance",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/guidance/{id}/withdraw",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/campaigns",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/campaigns/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/campaigns/{id}/file",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/campaigns/{id}/edit",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/campaigns/{id}/edit",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/campaigns/{id}/copy",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/campaigns/{id}/start",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/campaigns/{id}/close",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/campaigns/{id}/open-phase",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/m/{id}/sanctions",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/p/o/{code}/standards",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/organisations/{code}/teams",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/teams/{id}/cadres",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/cadres/{id}/leave",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/api/v1/cadres/{id}/move",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/teams",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/close",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/teams/{id}/cadres",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/teams/{id}/cadres",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/cadres/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/cadres/{id}/leave",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/cadres/{id}/move",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/cadres/{id}/head",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/accounts",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/accounts",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/accounts/bulk",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/accounts/bulk/sheet",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/accounts/{username}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/accounts/{username}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/accounts/{username}/disable",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/accounts/{username}/reset",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/m/{id}/reset",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/activate",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/activate",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/o/{code}/members/new",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/o/{code}/members/new",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/m/{id}/edit",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/m/{id}/edit",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/m/{id}/full",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/m/{id}/leave",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/m/{id}/transfer",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/transfers",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/transfers/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/duplicates/{id}/settle",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/p/n/{id}",
        expect: Expect::Public,
    },
    Walk {
        method: "POST",
        pattern: "/p/n/{id}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/honours/{campaign}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/p/honours/{campaign}/{nomination}",
        expect: Expect::Public,
    },
    Walk {
        method: "GET",
        pattern: "/eval",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/eval",
        expect: Expect::Own,
    },
    Walk {
        method: "GET",
        pattern: "/eval/{id}",
        expect: Expect::Refused,
    },
    Walk {
        method: "GET",
        pattern: "/eval/{id}/codes",
        expect: Expect::Own,
    },
    Walk {
        method: "POST",
        pattern: "/eval/{id}/codes",
        expect: Expect::Refused,
    },
    Walk {
        method: "POST",
        pattern: "/eval/{id}/comments/{ballot}/hide",
        expect: Expect::Refused,
    },
];

/// The `.rs` files under `dir`, recursively.
fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// (method, pattern) of every `.route(…)` in the routers of the source files: the
/// crate's own router, the embedded files' and each feature module's `router()`, pages
/// and API.
fn routes_in_source() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![
        (root.join("lib.rs"), ""),
        (root.join("kernel").join("assets.rs"), ""),
    ];
    for (dir, prefix) in [("html", ""), ("api", "/api/v1")] {
        let mut found = Vec::new();
        sources(&root.join(dir), &mut found);
        files.extend(found.into_iter().map(|f| (f, prefix)));
    }
    let mut out = Vec::new();
    for (file, prefix) in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // The body of `fn routers` (the crate's own, which builds the application's and
        // the metrics' routers) or `fn router`: from its header to the line that closes it.
        let Some(start) = text.find("fn routers(").or_else(|| text.find("fn router(")) else {
            continue;
        };
        let body = &text[start..];
        let body = &body[..body.find("\n}\n").unwrap_or(body.len())];
        for chunk in body.split(".route(").skip(1) {
            let pattern = chunk.split('"').nth(1).unwrap();
            let call = chunk.split(".route(").next().unwrap();
            let call = call
                .split(".nest(")
                .next()
                .unwrap()
                .split(".merge(")
                .next()
                .unwrap()
                .split(".fallback(")
                .next()
                .unwrap();
            for method in ["get", "post", "put", "patch", "delete"] {
                if call.contains(&format!("{method}(")) {
                    out.push((method.to_uppercase(), format!("{prefix}{pattern}")));
                }
            }
        }
    }
    out
}

#[test]
fn every_route_has_a_place_in_the_walk() {
    let routes = routes_in_source();
    assert!(routes.len() >= 25, "{routes:?}");
    for (method, pattern) in &routes {
        assert!(
            WALK.iter()
                .any(|w| w.method == method && w.pattern == pattern),
            "{method} {pattern} is not walked by this test"
        );
    }
    // And the other way: a walked route the source reading missed means the reading is
    // broken (a router moved or changed shape), not that the route is gone.
    for w in WALK {
        assert!(
            routes.iter().any(|(m, p)| m == w.method && p == w.pattern),
            "{} {} is walked but not found in any router",
            w.method,
            w.pattern
        );
    }
}

/// B1's things, as the walk aims at them.
struct Targets {
    round: i64,
    /// B1's leadership team and a cadre in it.
    team: i64,
    cadre: i64,
    member: i64,
    /// B1's member nominated by B1, and the notice they are on.
    nomination: i64,
    notice: i64,
    staged: String,
    commitment: String,
    file: String,
    /// A plan inspecting B1 (drawn, results not public), its task and B1's
    /// rectification item.
    plan: i64,
    task: i64,
    rectification: i64,
    /// A draft progress bulletin about B1 (not public).
    bulletin: i64,
    /// B1's recommended model entry and submitted practice (not public), a city
    /// delegation and its session hosted by B1.
    model: i64,
    practice: i64,
    delegation: i64,
    session: i64,
}

fn concrete(pattern: &str, t: &Targets) -> String {
    let id = if pattern.starts_with("/models/")
        || pattern.starts_with("/p/models/")
        || pattern.starts_with("/api/v1/models/")
    {
        t.model.to_string()
    } else if pattern.starts_with("/practices/")
        || pattern.starts_with("/p/practices/")
        || pattern.starts_with("/api/v1/practices/")
    {
        t.practice.to_string()
    } else if pattern.starts_with("/api/v1/delegations/") {
        t.delegation.to_string()
    } else if pattern.starts_with("/tours/sessions/") || pattern.starts_with("/p/s/") {
        t.session.to_string()
    } else if pattern.starts_with("/tours/") && !pattern.starts_with("/tours/comments/") {
        t.delegation.to_string()
    } else if pattern.starts_with("/bulletins/")
        || pattern.starts_with("/p/bulletins/")
        || pattern.starts_with("/api/v1/bulletins/")
    {
        t.bulletin.to_string()
    } else if pattern.starts_with("/inspections/tasks/")
        || pattern.starts_with("/api/v1/inspection-tasks/")
    {
        t.task.to_string()
    } else if pattern.starts_with("/rectifications/")
        || pattern.starts_with("/api/v1/rectifications/")
    {
        t.rectification.to_string()
    } else if pattern.starts_with("/inspections/")
        || pattern.starts_with("/api/v1/inspections/")
        || pattern.starts_with("/api/v1/inspection-results/")
    {
        t.plan.to_string()
    } else if pattern.starts_with("/import/") {
        t.staged.clone()
    } else if pattern.starts_with("/c/") || pattern.starts_with("/api/v1/commitments/") {
        t.commitment.clone()
    } else if pattern.starts_with("/api/v1/rounds") || pattern.starts_with("/eval/") {
        t.round.to_string()
    } else if pattern.starts_with("/teams/") || pattern.starts_with("/api/v1/teams/") {
        t.team.to_string()
    } else if pattern.starts_with("/cadres/") || pattern.starts_with("/api/v1/cadres/") {
        t.cadre.to_string()
    } else if pattern.starts_with("/files/") {
        t.file.clone()
    } else if pattern.starts_with("/campaigns/") {
        // The campaign in use: the office's alone, whatever its id.
        "1".to_string()
    } else if pattern.starts_with("/selection/notices/")
        || pattern.starts_with("/p/n/")
        || pattern.starts_with("/api/v1/notices/")
    {
        t.notice.to_string()
    } else if pattern.starts_with("/selection/") || pattern.starts_with("/api/v1/nominations/") {
        t.nomination.to_string()
    } else {
        t.member.to_string()
    };
    let path = pattern
        .replace("{code}", "B1")
        .replace("{round}", &t.round.to_string())
        .replace("{stage}", "towards-18th")
        .replace("{ballot}", "1")
        .replace("{campaign}", "jiaozuo-2010")
        .replace("{nomination}", &t.nomination.to_string())
        .replace("{objection}", "1")
        .replace("{task}", &t.task.to_string())
        .replace("{plan}", &t.plan.to_string())
        .replace("{username}", "wang")
        .replace("{subject}", &t.member.to_string())
        .replace("{id}", &id)
        .replace(
            "{file}",
            if pattern.starts_with("/import") {
                "members.csv"
            } else {
                "site.css"
            },
        );
    match path.as_str() {
        "/search" => "/search?q=%E7%AC%AC%E4%B8%80".into(),
        "/c/new" => format!("/c/new?kind=member&subject={}", t.member),
        "/api/v1/figures" => "/api/v1/figures?scope=B1".into(),
        "/api/v1/rankings" => "/api/v1/rankings?scope=B1".into(),
        "/scores" => "/scores?scope=B1".into(),
        "/scores/export" => "/scores/export?scope=B1&table=top".into(),
        "/lang" => "/lang?to=en&back=/o/B1".into(),
        _ => path,
    }
}

/// Whether an answer shows B1's member: her ID number or phone anywhere, her name
/// anywhere but on public pages.
fn leaks(body: &str, expect: Expect) -> bool {
    body.contains("41080219800101001")
        || body.contains("13800138000")
        || (!matches!(expect, Expect::Public) && body.contains(B1_MEMBER))
}

async fn b1_state(app: &App) -> (i64, i64) {
    let b1 = app
        .store
        .registry()
        .org_by_code("B1")
        .await
        .unwrap()
        .unwrap();
    let audit = app
        .store
        .audit()
        .entries(&xianfeng_storage::AuditFilter {
            since_ms: None,
            limit: 100_000,
        })
        .await
        .unwrap();
    (b1.member_count, audit.len() as i64)
}

async fn request(
    app: &App,
    w: &Walk,
    path: &str,
    cookie: Option<&str>,
    token: Option<&str>,
    csrf: &str,
    nomination: i64,
) -> support::Answer {
    let member = app.b1_member;
    let b1_row = format!(
        "姓名,身份证号,所在组织编码\n张三,{},B1\n",
        xianfeng_testkit::id("41080219900101003")
    );
    if path.starts_with("/api/") {
        // A body each operation would accept, so that only the scope can refuse it.
        let items = r#"[{"activity":"study","content":"x","target":"x","due_on":"2010-12-31"}]"#;
        let body = match (w.method, w.pattern) {
            ("POST", "/api/v1/login") => {
                r#"{"username":"wang","password":"wrong-Pass-9"}"#.to_string()
            }
            ("POST", "/api/v1/commitments") => format!(
                r#"{{"subject_kind":"member","subject_id":{member},"title":"x","items":{items}}}"#
            ),
            ("PUT", _) => format!(r#"{{"title":"x","items":{items}}}"#),
            ("POST", p) if p.ends_with("/transitions") => r#"{"step":"approve"}"#.to_string(),
            ("POST", p) if p.ends_with("-records") => format!(
                r#"{{"text":"x","kind":"self","on":"2010-07-01","hours":[{{"member_id":{member},"hours":"1"}}]}}"#
            ),
            ("POST", "/api/v1/nominations") => format!(
                r#"{{"honour":"excellent-member","nominated_by":"B1","subject_id":{member},"deeds":"x","summary":"x"}}"#
            ),
            ("POST", p) if p.ends_with("/recommendations") => {
                r#"{"honour":"excellent-member"}"#.to_string()
            }
            ("POST", "/api/v1/notices") => format!(
                r#"{{"honour":"excellent-member","nominations":[{nomination}],"title":"x","contact":"x","starts_on":"2012-07-02"}}"#
            ),
            ("POST", p) if p.ends_with("/finding") => {
                r#"{"finding":"upheld","investigation":"x"}"#.to_string()
            }
            ("POST", p) if p.ends_with("/teams") => r#"{"name":"x"}"#.to_string(),
            ("POST", p) if p.ends_with("/cadres") => format!(
                r#"{{"name":"x","id_number":"{}","position":"x"}}"#,
                xianfeng_testkit::id("41080219700101006")
            ),
            ("POST", p) if p.ends_with("/leave") => r#"{"on":"2010-07-01"}"#.to_string(),
            ("POST", p) if p.starts_with("/api/v1/cadres/") && p.ends_with("/move") => {
                r#"{"to_org":"B1","to_team":"x","position":"x","on":"2010-07-01"}"#.to_string()
            }
            ("POST", "/api/v1/inspections") => {
                r#"{"name":"x","scope":"B1","population":"branches","targets":["B1"],"inspectors_per_target":1,"cap":1}"#.to_string()
            }
            ("POST", p) if p.ends_with("/draw") => r#"{"seed_input":"x"}"#.to_string(),
            ("POST", p) if p.ends_with("/findings") => {
                r#"{"item":"org-plan","judgement":"meets","note":""}"#.to_string()
            }
            ("POST", p) if p.ends_with("/report") => r#"{"report":"x"}"#.to_string(),
            ("POST", p) if p.ends_with("/decision") => r#"{"accept":true}"#.to_string(),
            ("POST", "/api/v1/models") => format!(
                r#"{{"organisation":"B1","subjects":[{{"kind":"member","id":{member}}}],"level":"county","summary":"x"}}"#
            ),
            ("POST", p) if p.ends_with("/sessions") => {
                r#"{"host":"B1","venue":"x","starts_at":"2012-03-06 09:00","ends_at":"2012-03-06 10:00","audience":1}"#.to_string()
            }
            ("POST", "/api/v1/reviews") => format!(
                r#"{{"subject_kind":"member","subject_id":{member},"period":"2010","grade":"good","comment":"x"}}"#
            ),
            _ => String::new(),
        };
        let body = (!body.is_empty()).then_some(body.as_str());
        return app.api(w.method, path, token, body).await;
    }
    match (w.method, path) {
        ("GET", _) => app.get(path, cookie).await,
        ("POST", "/import") => match cookie {
            Some(c) => {
                app.upload(c, csrf, "members", "m.csv", b1_row.as_bytes())
                    .await
            }
            None => app.post_form(path, None, "kind=members").await,
        },
        ("POST", "/login") => {
            app.post_form(path, None, "username=wang&password=wrong-Pass-9")
                .await
        }
        ("POST", "/logout") => app.post_form(path, cookie, "csrf=forged").await,
        ("POST", p)
            if p.ends_with("/progress")
                || p.ends_with("/plan")
                || p.ends_with("/study/import")
                || p.ends_with("/files")
                || p == "/calendar/import"
                || p == "/accounts/bulk/sheet"
                || (p.starts_with("/inspections/tasks/") && p.ends_with("/findings"))
                || (p.starts_with("/rectifications/") && p.ends_with("/report")) =>
        {
            match cookie {
                Some(c) => {
                    app.multipart(
                        path,
                        c,
                        &[("csrf", csrf), ("body", "x"), ("leadership_body", "x")],
                        &[],
                    )
                    .await
                }
                None => app.post_form(path, None, "body=x").await,
            }
        }
        ("POST", p) if p == "/c" || p.ends_with("/edit") => {
            app.post_form(
                path,
                cookie,
                &support::item_form(csrf, "member", member, "x", "1"),
            )
            .await
        }
        ("POST", _) => {
            app.post_form(
                path,
                cookie,
                &format!(
                    "csrf={csrf}&step=approve&skip_bad=1&current=x&new=Aa-123456&repeat=Aa-123456\
                     &text=x&kind=self&on=2010-07-01&hours_{member}=1&name=x&member_{member}=1\
                     &reviewer=reviewer&subject=member:{member}&period=2011-h1&grade=good&comment=x\
                     &scope=B1&subjects=members&mode=codes&start=2011-06-01&end=2011-06-30\
                     &per_subject=1&format=csv&reason=x"
                ),
            )
            .await
        }
        _ => unreachable!(),
    }
}

/// B1's recommended entry and submitted practice, a city delegation whose speaker is E1
/// (so that its lists do not name B1's member), and its session hosted by B1 in 2012 (long
/// closed to signing in, so that walking it changes nothing).
async fn publicity_targets(app: &App) -> (i64, i64, i64, i64) {
    use xianfeng_app::actor::Who;
    use xianfeng_app::publicity::{models, practices, tours};
    use xianfeng_domain::model_library::ModelLevel;
    use xianfeng_domain::subject::SubjectKind;
    let op = Who::operator();
    let model = models::propose(
        &app.store,
        op,
        &models::ModelInput {
            org_code: "B1".into(),
            level: Some(ModelLevel::County),
            summary: "x".into(),
            subjects: vec![(SubjectKind::Member, app.b1_member)],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e1 = app
        .store
        .registry()
        .org_by_code("E1")
        .await
        .unwrap()
        .unwrap();
    let speaker = models::propose(
        &app.store,
        op,
        &models::ModelInput {
            org_code: "E1".into(),
            level: Some(ModelLevel::County),
            summary: "x".into(),
            subjects: vec![(SubjectKind::Organisation, e1.id)],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    models::advance(&app.store, op, speaker).await.unwrap();
    models::advance(&app.store, op, speaker).await.unwrap();
    let practice = practices::submit(
        &app.store,
        op,
        &practices::PracticeInput {
            org_code: "B1".into(),
            title: "x".into(),
            summary: "x".into(),
            body: "x".into(),
            standard: String::new(),
        },
    )
    .await
    .unwrap();
    let delegation = tours::create(
        &app.store,
        op,
        &tours::DelegationInput {
            org_code: "C1".into(),
            name: "x".into(),
            theme: "x".into(),
            leader: "x".into(),
            speakers: vec![speaker],
        },
    )
    .await
    .unwrap();
    let at = |h: u32| {
        chrono::NaiveDate::from_ymd_opt(2012, 3, 5)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    };
    let session = tours::schedule(
        &app.store,
        op,
        &tours::SessionInput {
            delegation_id: delegation,
            session_id: None,
            host_code: "B1".into(),
            venue: "x".into(),
            starts_at: at(9),
            ends_at: at(11),
            audience: 10,
            request_id: None,
        },
    )
    .await
    .unwrap();
    (model, practice, delegation, session)
}

#[tokio::test]
async fn nothing_of_a_branch_is_read_or_changed_from_the_sibling_branch_or_anonymously() {
    for app in apps().await {
        let label = app.label();
        // Branch B1's secretary has a file waiting for confirmation.
        let wang = app.sign_in("wang").await;
        let wang_csrf = app.csrf(&wang).await;
        let row = format!(
            "姓名,身份证号,所在组织编码\n张三,{},B1\n",
            xianfeng_testkit::id("41080219900101003")
        );
        let up = app
            .upload(&wang, &wang_csrf, "members", "m.csv", row.as_bytes())
            .await;
        let commitment = support::publish_member_commitment(&app).await;
        let file = support::report_with_photo(&app, &commitment).await;
        let round = xianfeng_app::evaluation::create_round(
            &app.store,
            None,
            &xianfeng_app::evaluation::RoundInput {
                name: "评议",
                scope: "T1",
                subjects: "organisations",
                mode: "codes",
                starts_on: "2011-06-01",
                ends_on: "2011-06-30",
            },
        )
        .await
        .unwrap();
        let (nomination, notice) = support::b1_member_on_notice(&app).await;
        let b1 = app
            .store
            .registry()
            .org_by_code("B1")
            .await
            .unwrap()
            .unwrap();
        let mut tx = app.store.begin("test").await.unwrap();
        let team = tx.create_team(b1.id, "第一党支部班子").await.unwrap();
        let cadre = tx
            .add_cadre(
                &app.store,
                team,
                &xianfeng_storage::NewCadre {
                    name: "赵书记".into(),
                    gender: xianfeng_domain::person::Gender::Male,
                    birth_year: 1970,
                    id_number: xianfeng_testkit::id("41080219700101005"),
                    position: "书记".into(),
                    is_head: true,
                    since: None,
                },
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let (plan, task, rectification) = support::b1_inspected(&app.store).await;
        let office = app
            .store
            .accounts()
            .principal("office")
            .await
            .unwrap()
            .unwrap();
        let bulletin = xianfeng_app::bulletins::draft(
            &app.store,
            &xianfeng_app::scores::Scores::new(),
            xianfeng_app::actor::Who {
                username: "office",
                principal: Some(&office),
            },
            &xianfeng_app::bulletins::DraftRequest {
                kind: Some(xianfeng_domain::bulletin::BulletinKind::Progress),
                scope: "B1",
                period: Some("2011-h1"),
                ..Default::default()
            },
            xianfeng_testkit::today(),
        )
        .await
        .unwrap();
        let (model, practice, delegation, session) = publicity_targets(&app).await;
        let targets = Targets {
            model,
            practice,
            delegation,
            session,
            bulletin,
            plan,
            task,
            rectification,
            team,
            cadre,
            round,
            member: app.b1_member,
            nomination,
            notice,
            staged: up.location().trim_start_matches("/import/").to_string(),
            commitment: commitment.trim_start_matches("/c/").to_string(),
            file,
        };
        let before = b1_state(&app).await;

        let li = app.sign_in("li").await;
        let li_csrf = app.csrf(&li).await;
        let li_token = app.token("li").await;
        for w in WALK {
            let path = concrete(w.pattern, &targets);
            // As the sibling branch's secretary.
            let a = request(
                &app,
                w,
                &path,
                Some(&li),
                Some(&li_token),
                &li_csrf,
                targets.nomination,
            )
            .await;
            // Public pages name the people of published commitments, by design; never
            // their ID numbers or phones.
            assert!(
                !leaks(&a.body, w.expect),
                "{label} {} {path} shows B1's member",
                w.method
            );
            match w.expect {
                Expect::Refused => {
                    assert!(
                        matches!(a.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                        "{label} {} {path}: {}",
                        w.method,
                        a.status
                    );
                    assert!(
                        !a.body.contains("某社区第一党支部"),
                        "{label} {path} names B1"
                    );
                }
                Expect::Own => assert!(
                    !a.body.contains("某社区第一党支部"),
                    "{label} {} {path} names B1",
                    w.method
                ),
                Expect::Public => {}
            }
            // Anonymously: pages send to sign-in, the API wants a token.
            let a = request(&app, w, &path, None, None, "", targets.nomination).await;
            assert!(!leaks(&a.body, w.expect), "{label} anonymous {path}");
            if !matches!(w.expect, Expect::Public) {
                if path.starts_with("/api/") {
                    assert_eq!(
                        a.status,
                        StatusCode::UNAUTHORIZED,
                        "{label} anonymous {path}"
                    );
                } else {
                    assert_eq!(a.status, StatusCode::SEE_OTHER, "{label} anonymous {path}");
                    assert_eq!(a.location(), "/login");
                }
            }
        }
        assert_eq!(
            b1_state(&app).await,
            before,
            "{label}: nothing of B1 changed"
        );
        // Her file is still there for her.
        let mine = app.get(up.location(), Some(&wang)).await;
        assert!(
            matches!(mine.status, StatusCode::OK | StatusCode::ACCEPTED),
            "{label}: {}",
            mine.status
        );
    }
}
