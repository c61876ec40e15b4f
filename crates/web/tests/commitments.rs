//! Commitments in the browser's terms: forms, the commitment page, evidence files, and
//! the public board that shows only what has been published.

mod support;

use axum::http::StatusCode;
use support::{apps, item_form, publish_member_commitment, report_with_photo};

#[tokio::test]
async fn a_passed_due_date_is_asked_about_and_one_click_saves_and_submits() {
    for app in apps().await {
        let label = app.label();
        let member = app.sign_in("member").await;
        let csrf = app.csrf(&member).await;
        let form = item_form(&csrf, "member", app.b1_member, "asked", "40")
            .replace("&past_ok=1", "")
            + "&then=submit";
        let kept = |app: &support::App| {
            let store = app.store.clone();
            async move {
                store
                    .commitments()
                    .commitments_in(
                        &[store
                            .registry()
                            .org_by_code("B1")
                            .await
                            .unwrap()
                            .unwrap()
                            .id],
                        &xianfeng_domain::commitment::Status::ALL,
                    )
                    .await
                    .unwrap()
                    .len()
            }
        };
        let count = kept(&app).await;
        // The campaign of the test city ended long ago: the due date has passed.
        let asked = app.post_form("/c", Some(&member), &form).await;
        assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(asked.body.contains("完成时限早于今天"), "{}", asked.body);
        assert!(
            asked.body.contains(r#"name="past_ok" value="1""#),
            "{label}"
        );
        // What was typed comes back as it was: one item, no blank slots added.
        assert!(
            asked.body.contains("学习党章") && !asked.body.contains("content_2"),
            "{label}"
        );
        assert_eq!(
            kept(&app).await,
            count,
            "{label}: nothing saved before the answer"
        );
        // Pressed again: saved and submitted in one go.
        let saved = app
            .post_form("/c", Some(&member), &format!("{form}&past_ok=1"))
            .await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            saved.body
        );
        let page = app.get(saved.location(), Some(&member)).await;
        assert!(page.body.contains("待审核"), "{label}: submitted");
        assert_eq!(kept(&app).await, count + 1, "{label}");
    }
}

#[tokio::test]
async fn the_commitment_pages_take_it_from_draft_to_the_public_board() {
    let config = xianfeng_web::WebConfig {
        public_url: Some("http://xianfeng.test".into()),
        ..Default::default()
    };
    for app in support::apps_with(config).await {
        let label = app.label();
        let member = app.sign_in("member").await;
        let csrf = app.csrf(&member).await;
        // A bad date on the form comes back with the message and what was typed.
        let bad = app
            .post_form(
                "/c",
                Some(&member),
                &item_form(&csrf, "member", app.b1_member, "mine", "40")
                    .replace("2010-12-31", "2010-13-45"),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            bad.body.contains("2010-13-45") && bad.body.contains("学习党章"),
            "{}",
            bad.body
        );

        // Drafts and unpublished ones never reach the board.
        let made = app
            .post_form(
                "/c",
                Some(&member),
                &item_form(&csrf, "member", app.b1_member, "draft-only", "40"),
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let board = app.get("/p/o/B1", None).await;
        assert!(!board.body.contains("draft-only"), "{label}");

        let path = publish_member_commitment(&app).await;
        let board = app.get("/p/o/B1", None).await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(board.body.contains("my-commitment") && board.body.contains(support::B1_MEMBER));
        assert!(!board.body.contains("draft-only"));
        assert!(board.body.contains("<svg"), "a QR code");
        assert!(
            board.body.contains("http://xianfeng.test/p/o/B1"),
            "the configured address"
        );
        assert!(!board.body.contains("4108"), "no ID numbers on the board");

        // Progress with a photo: served to the branch without its position, never to others.
        let page = app.get(&path, Some(&member)).await;
        assert!(page.body.contains("/progress"), "{}", page.body);
        let file = report_with_photo(&app, &path).await;
        let photo = app.get(&format!("/files/{file}"), Some(&member)).await;
        assert_eq!(photo.status, StatusCode::OK);
        assert_eq!(photo.headers["content-type"], "image/jpeg");
        assert_eq!(photo.headers["x-content-type-options"], "nosniff");
        assert!(!photo.body.contains("GPS"));
        let li = app.sign_in("li").await;
        assert_eq!(
            app.get(&format!("/files/{file}"), Some(&li)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&path, Some(&li)).await.status,
            StatusCode::NOT_FOUND
        );
        // A renamed PDF is refused, with the reason.
        let fake = app
            .multipart(
                &format!("{path}/progress"),
                &member,
                &[("csrf", &csrf), ("body", "x")],
                &[("files", "photo.jpg", b"%PDF-1.4 not a photo")],
            )
            .await;
        assert_eq!(
            fake.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            fake.body
        );

        // The secretary closes the item; the board shows it kept.
        let wang = app.sign_in("wang").await;
        let wang_csrf = app.csrf(&wang).await;
        let page = app.get(&path, Some(&wang)).await;
        let item = page
            .body
            .split("name=\"item\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_string();
        let close = format!("csrf={wang_csrf}&step=close_item&item={item}&outcome=kept&reason=");
        // Closing cannot be undone: asked first, on a page that says which item and how,
        // carrying the choice to the button that confirms it; nothing is closed yet.
        let asked = app
            .post_form(&format!("{path}/step"), Some(&wang), &close)
            .await;
        assert_eq!(asked.status, StatusCode::OK, "{label}: {}", asked.body);
        assert!(asked.body.contains("将记为已兑现并办结"), "{}", asked.body);
        assert!(
            asked.body.contains(r#"name="confirmed" value="1""#),
            "{label}"
        );
        assert!(
            asked
                .body
                .contains(&format!(r#"name="item" value="{item}""#)),
            "{label}"
        );
        assert!(
            app.get("/p/o/B1", None).await.body.contains("已兑现 0"),
            "{label}: nothing kept yet"
        );
        let closed = app
            .post_form(
                &format!("{path}/step"),
                Some(&wang),
                &format!("{close}&confirmed=1"),
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
        let board = app.get("/p/o/B1", None).await;
        assert!(board.body.contains("已兑现 1"), "{label}: {}", board.body);
        // Judging is final too: asked first, and nothing judged until confirmed.
        let judge = format!("csrf={wang_csrf}&step=evaluate&reason=%E5%A5%BD");
        let asked = app
            .post_form(&format!("{path}/step"), Some(&wang), &judge)
            .await;
        assert_eq!(asked.status, StatusCode::OK, "{label}: {}", asked.body);
        assert!(asked.body.contains("评诺后"), "{label}: {}", asked.body);
        assert!(
            !app.get(&path, Some(&wang))
                .await
                .body
                .contains("status-evaluated"),
            "{label}"
        );

        // Out of order and after publication: refused with a message, nothing changed.
        let again = app
            .post_form(
                &format!("{path}/step"),
                Some(&wang),
                &format!("csrf={wang_csrf}&step=publish"),
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("不能"), "{}", again.body);
        let edit = app
            .post_form(
                &format!("{path}/edit"),
                Some(&member),
                &item_form(&csrf, "member", app.b1_member, "changed", "1"),
            )
            .await;
        assert_eq!(
            edit.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            edit.body
        );
        assert!(!app.get("/p/o/B1", None).await.body.contains("changed"));
        // A forged token changes nothing.
        let forged = app
            .post_form(
                &format!("{path}/step"),
                Some(&wang),
                "csrf=forged&step=evaluate&reason=x",
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_member_cannot_write_for_a_colleague_and_the_org_page_lists_commitments() {
    for app in apps().await {
        let member = app.sign_in("member").await;
        let csrf = app.csrf(&member).await;
        let b2 = app
            .store
            .registry()
            .org_by_code("B2")
            .await
            .unwrap()
            .unwrap();
        let other = app
            .store
            .registry()
            .members_of_org(b2.id, 1, 0)
            .await
            .unwrap()[0]
            .id;
        let refused = app
            .post_form(
                "/c",
                Some(&member),
                &item_form(&csrf, "member", other, "x", "1"),
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", app.label());
        let b1 = app
            .store
            .registry()
            .org_by_code("B1")
            .await
            .unwrap()
            .unwrap();
        let for_branch = app
            .post_form(
                "/c",
                Some(&member),
                &item_form(&csrf, "organisation", b1.id, "x", "1"),
            )
            .await;
        assert_eq!(for_branch.status, StatusCode::FORBIDDEN);

        publish_member_commitment(&app).await;
        let wang = app.sign_in("wang").await;
        let page = app.get("/o/B1", Some(&wang)).await;
        assert!(page.body.contains("my-commitment"), "{}", page.body);
        assert!(page.body.contains("/c/new?kind=organisation"));
    }
}

#[tokio::test]
async fn nothing_about_another_subject_leaks_through_a_bad_form_or_a_draft() {
    for app in apps().await {
        let label = app.label();
        // A bad date on a form for someone else's member: refused before the form is read.
        let li = app.sign_in("li").await;
        let csrf = app.csrf(&li).await;
        let form = item_form(&csrf, "member", app.b1_member, "x", "1").replace("2010-12-31", "bad");
        let refused = app.post_form("/c", Some(&li), &form).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{label}");
        assert!(
            !refused.body.contains(support::B1_MEMBER),
            "{label}: the name leaked"
        );

        // A draft of the school branch: the sector guide of its sector cannot tell it exists.
        let office = app.sign_in("office").await;
        let ocsrf = app.csrf(&office).await;
        let e1 = app
            .store
            .registry()
            .org_by_code("E1")
            .await
            .unwrap()
            .unwrap();
        let made = app
            .post_form(
                "/c",
                Some(&office),
                &item_form(&ocsrf, "organisation", e1.id, "school", "1"),
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let guide = app.sign_in("guide").await;
        let seen = app.get(made.location(), Some(&guide)).await;
        assert_eq!(seen.status, StatusCode::NOT_FOUND, "{label}");
        let unknown = app.get("/c/999999", Some(&guide)).await;
        assert_eq!(unknown.status, seen.status, "a draft looks like nothing");

        // Assigning reviewers is the committee's: a member cannot even open the page.
        let member = app.sign_in("member").await;
        let page = app.get("/o/B1/reviewers", Some(&member)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{label}");
        assert!(
            !page.body.contains("<option value=\"reviewer\">"),
            "no account names"
        );
    }
}
