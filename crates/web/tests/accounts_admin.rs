//! Accounts through the pages: the office makes accounts for every branch secretary
//! without one and gets A4 slips; the person opens the slip's link, sets her password and
//! signs in; a second use of the code is refused; the same run as a sheet is a real .xlsx;
//! a secretary resets her member's password.

mod support;

use axum::http::StatusCode;
use support::apps;

/// The activation codes on a slips page, in order.
fn codes(html: &str) -> Vec<String> {
    html.split("<span class=\"slip-code\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap_or_default().to_string())
        .filter(|s| s.len() == 14 && s.matches('-').count() == 2)
        .collect()
}

#[tokio::test]
async fn the_office_hands_out_slips_and_a_secretary_activates_hers() {
    for app in apps().await {
        let label = app.label();
        let office = app.sign_in("office").await;
        let csrf = app.csrf(&office).await;
        let list = app.get("/accounts", Some(&office)).await;
        assert_eq!(list.status, StatusCode::OK, "{label}");
        assert!(list.body.contains("wang") && list.body.contains("批量开通账号"));

        // X1 and E1 keep members and have no secretary's account; B1 and B2 have theirs.
        let slips = app
            .post_form(
                "/accounts/bulk",
                Some(&office),
                &format!("csrf={csrf}&kind=secretaries&scope=C1&format=slips"),
            )
            .await;
        assert_eq!(slips.status, StatusCode::OK, "{label}: {}", slips.body);
        let got = codes(&slips.body);
        assert_eq!(got.len(), 2, "{label}: {}", slips.body);
        assert!(
            slips.body.contains("s-E1") && slips.body.contains("s-X1"),
            "{label}"
        );
        assert!(slips.body.contains("另有2人或组织已有账号"), "{label}");
        // The QR code leads to the activation page at the configured public address.
        assert!(
            slips.body.contains("<svg") || !slips.body.contains("http"),
            "{label}"
        );

        // The person: the link shows whose account it is; the password is set once.
        let page = app.get(&format!("/activate?code={}", got[0]), None).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        // Slips come in tree order: X1 (under T1) before E1.
        assert!(page.body.contains("用户名：s-X1"), "{label}: {}", page.body);
        let form = format!("code={}&password=Her-pass-1&repeat=Her-pass-1", got[0]);
        let done = app.post_form("/activate", None, &form).await;
        assert_eq!(done.status, StatusCode::OK, "{label}");
        assert!(done.body.contains("账号已激活"), "{label}");
        let signed = app
            .post_form("/login", None, "username=s-X1&password=Her-pass-1")
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{label}");
        let again = app.post_form("/activate", None, &form).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{label}");
        assert!(again.body.contains("已用过"), "{label}");

        // The same kind of run as a sheet: nobody is left without, so an empty sheet —
        // and for the members, a real workbook with one row per person.
        let sheet = app
            .post_form(
                "/accounts/bulk",
                Some(&office),
                &format!("csrf={csrf}&kind=members&scope=C1&format=xlsx"),
            )
            .await;
        assert_eq!(sheet.status, StatusCode::OK, "{label}");
        assert!(sheet.body.starts_with("PK"), "{label}: an .xlsx is a zip");

        // The secretary resets her member's password from the member's page.
        let wang = app.sign_in("wang").await;
        let wang_csrf = app.csrf(&wang).await;
        let member_page = app.get(&format!("/m/{}", app.b1_member), Some(&wang)).await;
        assert!(member_page.body.contains("重置她的账号密码"), "{label}");
        let reset = app
            .post_form(
                &format!("/m/{}/reset", app.b1_member),
                Some(&wang),
                &format!("csrf={wang_csrf}"),
            )
            .await;
        assert_eq!(reset.status, StatusCode::OK, "{label}");
        assert_eq!(codes(&reset.body).len(), 1, "{label}");
        assert!(reset.body.contains("member"), "{label}");

        // The secretary has no accounts page; the office's list is not hers.
        let hers = app.get("/accounts", Some(&wang)).await;
        assert_eq!(hers.status, StatusCode::FORBIDDEN, "{label}");
    }
}
