//! Bulletins and reports (通报, 总结): editing a draft and issuing it with its document
//! number (文号). Drafting from the data comes with issue 20's next steps.

use chrono::Datelike;
use xianfeng_domain::bulletin::{DocumentNumber, check_prefix, parse_body};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::policy::Action;
use xianfeng_storage::{BulletinRecord, Issue, Store};

use crate::AppError;
use crate::actor::Who;

/// Bulletin `id`, if `who` may write bulletins for its scope (otherwise: not found).
pub async fn writable(store: &Store, who: Who<'_>, id: i64) -> Result<BulletinRecord, AppError> {
    let b = store
        .bulletins()
        .bulletin(id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::scope::org_for(store, who.principal, &b.scope_code, Action::WriteBulletins).await?;
    Ok(b)
}

/// Every problem of a body, one per line, in the reader's language.
fn body_problems(problems: Vec<xianfeng_domain::bulletin::BodyProblem>) -> AppError {
    AppError::Input(Message::lines(problems.into_iter().map(|p| {
        Message::of("bulletin.at_line", &[("line", &p.line)]).arg_message("why", p.message)
    })))
}

/// Changes a draft's title and body, checked as the body's format asks (headings in order,
/// known tables); an issued bulletin is refused.
pub async fn edit(
    store: &Store,
    who: Who<'_>,
    id: i64,
    title: &str,
    body: &str,
) -> Result<(), AppError> {
    let b = writable(store, who, id).await?;
    b.status.may_change().map_err(AppError::Input)?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::input("bulletin.bad_title", &[]));
    }
    let keys: Vec<&str> = b.tables.iter().map(|t| t.key.as_str()).collect();
    parse_body(body, &keys).map_err(body_problems)?;
    let mut tx = store.begin(who.username).await?;
    tx.edit_bulletin(id, title, body.trim_end()).await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a draft: the issuer, the prefix of its number (the year is the date's), whom it is
/// sent to and copied to, who signed it off where its kind needs one, the date and whether
/// it is public. Returns its number. Irreversible: a correction is a new bulletin.
pub async fn issue(
    store: &Store,
    who: Who<'_>,
    id: i64,
    i: &Issue,
) -> Result<DocumentNumber, AppError> {
    let b = writable(store, who, id).await?;
    b.status.may_change().map_err(AppError::Input)?;
    check_prefix(i.prefix.trim()).map_err(AppError::Input)?;
    if i.issuer.trim().is_empty() {
        return Err(AppError::input("bulletin.no_issuer", &[]));
    }
    if i.main_to.trim().is_empty() {
        return Err(AppError::input("bulletin.no_main_to", &[]));
    }
    let signer = i.signer.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if b.kind.needs_signer() && signer.is_none() {
        return Err(AppError::input("bulletin.no_signer", &[]));
    }
    let issue = Issue {
        issuer: i.issuer.trim().to_string(),
        prefix: i.prefix.trim().to_string(),
        year: i.dated_on.year(),
        main_to: i.main_to.trim().to_string(),
        copy_to: i.copy_to.trim().to_string(),
        signer: signer.map(str::to_string),
        dated_on: i.dated_on,
        public: i.public,
    };
    let mut tx = store.begin(who.username).await?;
    let number = tx.issue_bulletin(id, &issue).await?;
    tx.commit().await?;
    Ok(number)
}

/// The .xlsx annex of a bulletin: one sheet per table (表1, 表2, …), its title above its
/// columns; names and codes as text (a code of digits stays text, as Excel would otherwise
/// drop its leading zeros), counts and values as numbers (values with two decimals).
pub fn annex_xlsx(tables: &[xianfeng_domain::bulletin::Table]) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    use xianfeng_domain::bulletin::Figure;
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::fault(e);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let hundredths = Format::new().set_num_format("0.00");
    for (n, table) in tables.iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(format!("表{}", n + 1)).map_err(fail)?;
        sheet
            .write_string_with_format(0, 0, &table.title, &bold)
            .map_err(fail)?;
        for (c, h) in table.columns.iter().enumerate() {
            sheet
                .write_string_with_format(1, c as u16, h, &bold)
                .map_err(fail)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 2;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Figure::Count(v) => sheet.write_number(r, c, *v as f64),
                    Figure::Hundredths(v) => {
                        sheet.write_number_with_format(r, c, *v as f64 / 100.0, &hundredths)
                    }
                    Figure::Text(t) => sheet.write_string(r, c, t),
                }
                .map_err(fail)?;
            }
        }
        sheet.autofit();
    }
    if tables.is_empty() {
        book.add_worksheet();
    }
    book.save_to_buffer().map_err(fail)
}
