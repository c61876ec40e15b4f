//! Leader reviews: assigned by the committee, written per period by the reviewer, who sees
//! only what is assigned.

mod support;

use axum::http::StatusCode;
use support::{B1_MEMBER, apps};

#[tokio::test]
async fn a_reviewer_reviews_only_what_is_assigned() {
    for app in apps().await {
        let label = app.label();
        let m = app.b1_member;
        let reviewer = app.sign_in("reviewer").await;
        let rcsrf = app.csrf(&reviewer).await;
        let desk = app.get("/reviews", Some(&reviewer)).await;
        assert!(desk.body.contains("还没有分配"), "{label}: {}", desk.body);
        let review = |grade: &str, period: &str| {
            format!(
                "csrf={rcsrf}&kind=member&subject={m}&period={period}&grade={grade}&comment=%E8%A1%A8%E7%8E%B0%E7%AA%81%E5%87%BA"
            )
        };
        let unassigned = app
            .post_form("/reviews", Some(&reviewer), &review("good", "2011-h1"))
            .await;
        assert_eq!(unassigned.status, StatusCode::NOT_FOUND, "{label}");

        // A secretary may not assign reviewers; the street committee may.
        let wang = app.sign_in("wang").await;
        let wcsrf = app.csrf(&wang).await;
        let assign = |csrf: &str| format!("csrf={csrf}&reviewer=reviewer&subject=member:{m}");
        let refused = app
            .post_form("/o/B1/reviewers", Some(&wang), &assign(&wcsrf))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        let staff = app.sign_in("staff").await;
        let scsrf = app.csrf(&staff).await;
        let page = app.get("/o/B1/reviewers", Some(&staff)).await;
        assert!(page.body.contains(&format!("member:{m}")), "{}", page.body);
        let done = app
            .post_form("/o/B1/reviewers", Some(&staff), &assign(&scsrf))
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        // The assignment is listed by the subject's name and kind, never by its code.
        let listed = app.get("/o/B1/reviewers", Some(&staff)).await;
        assert!(
            listed
                .body
                .contains(&format!("reviewer → {B1_MEMBER}（党员）")),
            "{label}: {}",
            listed.body
        );
        let not_reviewer = app
            .post_form(
                "/o/B1/reviewers",
                Some(&staff),
                &format!("csrf={scsrf}&reviewer=wang&subject=member:{m}"),
            )
            .await;
        assert_eq!(not_reviewer.status, StatusCode::UNPROCESSABLE_ENTITY);

        let desk = app.get("/reviews", Some(&reviewer)).await;
        assert!(desk.body.contains(B1_MEMBER), "{}", desk.body);
        for (bad, why) in [
            (review("excellent", "2011-h1"), "等次"),
            (review("good", "2099"), "周期"),
        ] {
            let a = app.post_form("/reviews", Some(&reviewer), &bad).await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
            assert!(a.body.contains(why), "{}", a.body);
        }
        let ok = app
            .post_form(
                "/reviews",
                Some(&reviewer),
                &review("fairly-good", "2011-h1"),
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        // Writing again for the same period replaces the review.
        let again = app
            .post_form("/reviews", Some(&reviewer), &review("good", "2011-h1"))
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        let stored = app
            .store
            .reviews()
            .reviews_of(xianfeng_domain::subject::SubjectKind::Member, m)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1, "{label}");
        assert_eq!((stored[0].grade.as_str(), stored[0].points), ("good", 10));
        let desk = app.get("/reviews", Some(&reviewer)).await;
        assert!(desk.body.contains("2011年上半年") && desk.body.contains("表现突出"));
        // The desk says what waits and offers the other view; a form returns to its view.
        assert!(desk.body.contains("待点评"), "{label}: {}", desk.body);
        let all = app.get("/reviews?all=1&page=x", Some(&reviewer)).await;
        assert_eq!(
            all.status,
            StatusCode::OK,
            "{label}: a bad page reads as the first"
        );
        assert!(all.body.contains(B1_MEMBER) && all.body.contains("只看待点评的"));
        // A name finds its subject; a form written from the search returns to it.
        let q: String = B1_MEMBER.bytes().map(|b| format!("%{b:02X}")).collect();
        let found = app.get(&format!("/reviews?q={q}"), Some(&reviewer)).await;
        assert!(found.body.contains("找到 1 个"), "{label}: {}", found.body);
        let none = app.get("/reviews?q=%E6%97%A0", Some(&reviewer)).await;
        assert!(none.body.contains("找到 0 个") && !none.body.contains("<textarea"));
        let from_search = format!("{}&q={q}", review("good", "2011-h1"));
        let back = app
            .post_form("/reviews", Some(&reviewer), &from_search)
            .await;
        assert_eq!(back.headers["location"], format!("/reviews?q={q}").as_str());
        let from_all = format!("{}&all=1&page=1", review("good", "2011-h1"));
        let back = app.post_form("/reviews", Some(&reviewer), &from_all).await;
        assert_eq!(back.headers["location"], "/reviews?all=1&page=1", "{label}");
        // The reviewer still cannot see B1 itself, only what was assigned.
        assert_eq!(
            app.get("/o/B1", Some(&reviewer)).await.status,
            StatusCode::NOT_FOUND
        );
    }
}
