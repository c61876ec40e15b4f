//! Accounts in the browser (账号): signing in and out, the account page, changing one's
//! password.

pub mod account;
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
}
