//! Accounts in the browser (账号): signing in and out, the account page, changing one's
//! password.

pub mod account;
pub mod activate;
pub mod manage;
pub mod second_factor;
pub mod sign_in;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(sign_in::page).post(sign_in::submit))
        .route("/logout", post(sign_in::logout))
        .route("/account", get(account::page))
        .route(
            "/account/password",
            get(account::password_page).post(account::change_password),
        )
        .route(
            "/login/second-factor",
            get(second_factor::code).post(second_factor::give_code),
        )
        .route(
            "/account/second-factor",
            get(second_factor::setup).post(second_factor::enable),
        )
        .route("/accounts", get(manage::list).post(manage::create))
        .route("/accounts/bulk", post(manage::bulk))
        .route("/accounts/bulk/sheet", post(manage::bulk_sheet))
        .route(
            "/accounts/{username}",
            get(manage::page).post(manage::change),
        )
        .route("/accounts/{username}/disable", post(manage::disable))
        .route("/accounts/{username}/reset", post(manage::reset))
        .route("/m/{id}/reset", post(manage::reset_member))
        .route("/activate", get(activate::page).post(activate::submit))
}
