//! `xianfeng init`: the schema (applied on open), the built-in campaign, an administrator
//! and, on request, the demonstration city.

use serde::Serialize;
use xianfeng_domain::campaign::{BUILTIN_2010, Campaign, CampaignStatus};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::role::Role;
use xianfeng_storage::{NewUser, Store, password};

use crate::{AppError, Progress, demo};

/// An account that `init` created, with its password as given or generated. Shown once.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedAccount {
    pub username: String,
    pub role: String,
    pub organisations: Vec<String>,
    pub password: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    pub accounts: Vec<CreatedAccount>,
    pub demo: Option<demo::DemoSummary>,
}

pub async fn init(
    store: &Store,
    password_for_all: Option<&str>,
    with_demo: bool,
    progress: &dyn Progress,
) -> Result<InitReport, AppError> {
    if !store.campaigns().all().await?.is_empty() {
        return Err(AppError::Input(Message::of("app.already_initialised", &[])));
    }
    if let Some(p) = password_for_all {
        check_password(p)?;
    }
    let campaign = Campaign::builtin();
    let mut tx = store.begin("system").await?;
    tx.create_campaign(&campaign, BUILTIN_2010, true, CampaignStatus::Running)
        .await?;
    let admin_password = password_for_all
        .map(str::to_string)
        .unwrap_or_else(password::generate);
    tx.create_user(&NewUser {
        username: "admin".into(),
        role: Role::Admin,
        password_hash: password::hash(&admin_password),
        must_change_password: password_for_all.is_none(),
        org_ids: vec![],
        member_id: None,
    })
    .await?;
    tx.commit().await?;
    let mut accounts = vec![CreatedAccount {
        username: "admin".into(),
        role: Role::Admin.as_str().into(),
        organisations: vec![],
        password: admin_password,
    }];
    let demo = if with_demo {
        let (summary, demo_accounts) = demo::build(store, password_for_all, progress).await?;
        accounts.extend(demo_accounts);
        Some(summary)
    } else {
        None
    };
    Ok(InitReport { accounts, demo })
}

/// Password rules: at least 8 characters, not all of one kind.
pub fn check_password(p: &str) -> Result<(), AppError> {
    let kinds = [
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    if p.chars().count() < 8 || kinds < 2 {
        return Err(AppError::Input(Message::of("app.weak_password", &[])));
    }
    Ok(())
}
