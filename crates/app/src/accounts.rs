//! Accounts (账号): signing in, changing one's password, and the administrator's
//! accounts and password resets. The web form, `POST /api/v1/login` and the command line
//! all come here.

use xianfeng_domain::auth::may_try_login;
use xianfeng_domain::i18n::{Lang, Message};
use xianfeng_domain::role::Role;
use xianfeng_domain::second_factor::{OneTimeSecret, RECOVERY_CODES, recovery_code};
use xianfeng_storage::{NewSession, NewUser, Store, password};

use crate::AppError;
use crate::init::check_password;

/// A hash to verify against when the account does not exist, so that an unknown name takes
/// as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| password::hash("decoy password for unknown accounts"))
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures for this account or from this address in the window.
    Locked,
    /// Wrong name or password, or a disabled account: the same answer for all three.
    Failed,
}

/// argon2 is deliberately slow: off the async threads.
async fn verify(given: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || password::verify(&given, &hash))
        .await
        .unwrap_or(false)
}

/// Checks a name and password with throttling, records the attempt, and opens a session
/// (in `lang`) when they are right.
pub async fn sign_in(
    store: &Store,
    username: &str,
    given: String,
    address: &str,
    lang: Lang,
) -> Result<Result<NewSession, Refusal>, AppError> {
    // Reserved before the slow check, so that parallel guesses count against each other.
    let attempt = store.sessions().reserve_attempt(username, address).await?;
    let (by_account, by_address) = attempt.failures_before;
    if may_try_login(by_account, by_address).is_err() {
        store.sessions().withdraw_attempt(attempt.id).await?;
        return Ok(Err(Refusal::Locked));
    }
    let stored = store.accounts().credentials(username).await?;
    let known = stored.is_some();
    let (hash, disabled) = stored.unwrap_or_else(|| (decoy_hash().to_string(), true));
    let ok = verify(given, hash).await && !disabled && known;
    if !ok {
        return Ok(Err(Refusal::Failed));
    }
    store.sessions().settle_attempt(attempt.id).await?;
    // An account with a second factor gets a session that waits for its code.
    let pending = store
        .accounts()
        .second_factor(username)
        .await?
        .is_some_and(|f| f.enabled());
    Ok(store
        .sessions()
        .create(username, lang, pending)
        .await?
        .ok_or(Refusal::Failed))
}

/// Takes the second factor's code (or a recovery code) for a session opened with the
/// password. Throttled and recorded like a password: six digits are guessed in a million
/// tries at most, and the lockout allows five an account per quarter hour. A code is
/// taken once (its 30-second step, or the recovery code, is used up).
pub async fn give_second_factor(
    store: &Store,
    username: &str,
    session_token: &str,
    code: &str,
    address: &str,
    unix_seconds: u64,
) -> Result<Result<(), Refusal>, AppError> {
    let attempt = store.sessions().reserve_attempt(username, address).await?;
    let (by_account, by_address) = attempt.failures_before;
    if may_try_login(by_account, by_address).is_err() {
        store.sessions().withdraw_attempt(attempt.id).await?;
        return Ok(Err(Refusal::Locked));
    }
    let Some(factor) = store.accounts().second_factor(username).await? else {
        return Ok(Err(Refusal::Failed));
    };
    let Some(secret) = &factor.secret else {
        return Ok(Err(Refusal::Failed));
    };
    let accepted = match secret.check(code, unix_seconds) {
        Some(step) => store.accounts().take_step(factor.user_id, step).await?,
        None => {
            store
                .accounts()
                .use_recovery_code(factor.user_id, code)
                .await?
        }
    };
    if !accepted {
        return Ok(Err(Refusal::Failed));
    }
    store.sessions().settle_attempt(attempt.id).await?;
    store.sessions().second_factor_given(session_token).await?;
    Ok(Ok(()))
}

/// The secret to set up a second factor with: the one shown before if it has not been
/// confirmed yet (a reloaded page shows the same QR code), else a new one.
pub async fn second_factor_secret(
    store: &Store,
    username: &str,
) -> Result<OneTimeSecret, AppError> {
    let factor = store
        .accounts()
        .second_factor(username)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(pending) = factor.pending {
        return Ok(pending);
    }
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(AppError::fault)?;
    let secret = OneTimeSecret::from_random(bytes);
    store
        .accounts()
        .set_pending_second_factor(factor.user_id, &secret)
        .await?;
    Ok(secret)
}

/// Confirms the secret being set up with a first code from the app, puts it in use and
/// returns the recovery codes, to be shown once. Sessions open elsewhere end.
pub async fn enable_second_factor(
    store: &Store,
    username: &str,
    session_token: &str,
    code: &str,
    unix_seconds: u64,
) -> Result<Vec<String>, AppError> {
    let factor = store
        .accounts()
        .second_factor(username)
        .await?
        .ok_or(AppError::NotFound)?;
    let wrong = || AppError::Input(Message::new("app.second_factor_wrong_code"));
    let secret = factor.pending.ok_or_else(wrong)?;
    let step = secret.check(code, unix_seconds).ok_or_else(wrong)?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut bytes = [0u8; 10];
        getrandom::fill(&mut bytes).map_err(AppError::fault)?;
        codes.push(recovery_code(bytes));
    }
    let mut tx = store.begin(username).await?;
    tx.enable_second_factor(username, &secret, step, &codes)
        .await?;
    tx.commit().await?;
    store
        .sessions()
        .end_others(username, Some(session_token))
        .await?;
    Ok(codes)
}

/// Takes the second factor off an account whose phone is lost (the administrator, at the
/// command line); its sessions end.
pub async fn reset_second_factor(
    store: &Store,
    actor: &str,
    username: &str,
) -> Result<(), AppError> {
    let mut tx = store.begin(actor).await?;
    tx.reset_second_factor(username).await?;
    tx.commit().await?;
    store.sessions().end_others(username, None).await?;
    Ok(())
}

/// Why a password was not changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRefusal {
    /// Too many failed attempts: wait.
    Locked,
    /// The current password is wrong (counted as a failed sign-in).
    CurrentWrong,
    /// The new password was not typed twice the same.
    Differ,
    /// The new password breaks the password rules.
    Weak,
}

impl PasswordRefusal {
    /// What to tell the person.
    pub fn message(self) -> Message {
        Message::new(match self {
            PasswordRefusal::Locked => "web.login_locked",
            PasswordRefusal::CurrentWrong => "web.current_password_wrong",
            PasswordRefusal::Differ => "web.passwords_differ",
            PasswordRefusal::Weak => "app.weak_password",
        })
    }
}

/// A password change by the account itself.
pub struct PasswordChange<'a> {
    pub username: &'a str,
    /// The session it is made from, which stays open; every other one ends.
    pub session_token: &'a str,
    pub address: &'a str,
    pub current: String,
    pub new: String,
    pub repeat: String,
}

/// Changes the password: the current one must be right (a wrong one counts as a failed
/// sign-in, so a left-open session cannot be used to guess it), the new one must follow
/// the password rules and be typed twice the same. Every other session of the account ends.
pub async fn change_password(
    store: &Store,
    c: PasswordChange<'_>,
) -> Result<Result<(), PasswordRefusal>, AppError> {
    let attempt = store
        .sessions()
        .reserve_attempt(c.username, c.address)
        .await?;
    let (by_account, by_address) = attempt.failures_before;
    if may_try_login(by_account, by_address).is_err() {
        store.sessions().withdraw_attempt(attempt.id).await?;
        return Ok(Err(PasswordRefusal::Locked));
    }
    let Some((stored, _)) = store.accounts().credentials(c.username).await? else {
        store.sessions().withdraw_attempt(attempt.id).await?;
        return Err(AppError::NotFound);
    };
    if !verify(c.current, stored).await {
        // The reservation stays on record as the failure it is.
        return Ok(Err(PasswordRefusal::CurrentWrong));
    }
    store.sessions().withdraw_attempt(attempt.id).await?;
    if c.new != c.repeat {
        return Ok(Err(PasswordRefusal::Differ));
    }
    if check_password(&c.new).is_err() {
        return Ok(Err(PasswordRefusal::Weak));
    }
    let new = c.new;
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(AppError::fault)?;
    let mut tx = store.begin(c.username).await?;
    tx.set_password(c.username, &hash, false).await?;
    tx.commit().await?;
    store
        .sessions()
        .end_others(c.username, Some(c.session_token))
        .await?;
    Ok(Ok(()))
}

/// A password set by the administrator: the one given (checked against the rules), or a
/// generated one the account must change at its first sign-in.
pub struct SetPassword {
    /// The password in force now, to hand over when it was generated.
    pub password: String,
    pub generated: bool,
}

fn given_or_generated(given: Option<&str>) -> Result<SetPassword, AppError> {
    match given {
        Some(p) => {
            check_password(p)?;
            Ok(SetPassword {
                password: p.to_string(),
                generated: false,
            })
        }
        None => Ok(SetPassword {
            password: password::generate(),
            generated: true,
        }),
    }
}

/// A new account, as the administrator creates it.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub role: Role,
    /// Codes of the organisations it is assigned to (none only for an administrator).
    pub orgs: &'a [String],
    pub password: Option<&'a str>,
    /// The ID number of the member behind the account, if any.
    pub member_id_number: Option<&'a str>,
}

/// Creates an account.
pub async fn create_account(
    store: &Store,
    actor: &str,
    a: NewAccount<'_>,
) -> Result<SetPassword, AppError> {
    if a.role != Role::Admin && a.orgs.is_empty() {
        return Err(AppError::input("app.org_required", &[]));
    }
    let set = given_or_generated(a.password)?;
    let member_id = match a.member_id_number {
        Some(id_number) => Some(
            store
                .registry()
                .member_by_id_number(id_number)
                .await?
                .ok_or_else(|| AppError::input("app.no_member", &[]))?
                .id,
        ),
        None => None,
    };
    let mut tx = store.begin(actor).await?;
    let org_ids = tx.org_ids_by_codes(a.orgs).await?;
    tx.create_user(&NewUser {
        username: a.username.to_string(),
        role: a.role,
        password_hash: password::hash(&set.password),
        must_change_password: set.generated,
        org_ids,
        member_id,
    })
    .await?;
    tx.commit().await?;
    Ok(set)
}

/// Resets an account's password; whoever signed in with the old one is signed out.
pub async fn reset_password(
    store: &Store,
    actor: &str,
    username: &str,
    given: Option<&str>,
) -> Result<SetPassword, AppError> {
    let set = given_or_generated(given)?;
    let mut tx = store.begin(actor).await?;
    tx.set_password(username, &password::hash(&set.password), set.generated)
        .await?;
    tx.commit().await?;
    store.sessions().end_others(username, None).await?;
    Ok(set)
}

/// Disables an account: it can no longer sign in.
pub async fn disable(store: &Store, actor: &str, username: &str) -> Result<(), AppError> {
    let mut tx = store.begin(actor).await?;
    tx.set_disabled(username, true).await?;
    tx.commit().await?;
    Ok(())
}
