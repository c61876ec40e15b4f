//! Housekeeping (issue 22): expired sessions, old sign-in attempts, old rate counters and
//! old score changes are deleted by whichever server takes the run — once, however many servers try.

use xianfeng_app::Silent;
use xianfeng_app::housekeeping::prune_once;
use xianfeng_storage::{ATTEMPTS_KEPT_MS, CODE_FAILURES_KEPT_MS, SCORE_CHANGES_KEPT_MS};
use xianfeng_testkit::backends;

const DAY: i64 = 24 * 60 * 60 * 1000;

#[tokio::test]
async fn old_sessions_attempts_and_counters_are_pruned_once_by_one_of_the_servers() {
    for db in backends().await {
        let a = db.open().await;
        let b = db.open().await;
        xianfeng_app::init::init(&a, Some("Pass-word-1"), false, &Silent)
            .await
            .unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        let raw = db.raw().await;
        let user: i64 = sqlx::query_scalar("SELECT MIN(id) FROM users")
            .fetch_one(&raw)
            .await
            .unwrap();
        for (token, created, seen) in [
            ("fresh", now - 60_000, now - 1_000),
            ("idle", now - 2 * 3_600_000, now - 3_600_000),
            ("too_old", now - 13 * 3_600_000, now - 1_000),
        ] {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, lang, created_at, \
                 last_seen_at, second_factor_pending) VALUES ($1, $2, 'x', 'zh-CN', $3, $4, 0)",
            )
            .bind(token)
            .bind(user)
            .bind(created)
            .bind(seen)
            .execute(&raw)
            .await
            .unwrap();
        }
        for (id, at) in [
            (900_001i64, now - DAY),
            (900_002, now - ATTEMPTS_KEPT_MS - DAY),
        ] {
            sqlx::query(
                "INSERT INTO login_attempts (id, username, address, at, success) \
                 VALUES ($1, 'admin', 'h', $2, 0)",
            )
            .bind(id)
            .bind(at)
            .execute(&raw)
            .await
            .unwrap();
        }
        for (address, at) in [
            ("recent", now - 60_000),
            ("old", now - CODE_FAILURES_KEPT_MS - DAY),
        ] {
            sqlx::query("INSERT INTO code_failures (address, minute, n) VALUES ($1, $2, 3)")
                .bind(address)
                .bind(at / 60_000)
                .execute(&raw)
                .await
                .unwrap();
        }
        for (subject, at) in [
            (900_007i64, now - 60_000),
            (900_008, now - SCORE_CHANGES_KEPT_MS - DAY),
        ] {
            sqlx::query(
                "INSERT INTO score_changes (tx_key, position, campaign_id, subject_kind, \
                 subject_id, at_ms) VALUES ('test', 1, 1, 'member', $1, $2)",
            )
            .bind(subject)
            .bind(at)
            .execute(&raw)
            .await
            .unwrap();
        }
        // Two servers reach the same run at once: one prunes, the other skips it.
        let (ra, rb) = tokio::join!(prune_once(&a, now), prune_once(&b, now));
        let runs: Vec<_> = [ra.unwrap(), rb.unwrap()].into_iter().flatten().collect();
        assert_eq!(runs.len(), 1, "{}: {runs:?}", db.label);
        let p = runs[0];
        assert_eq!(
            (
                p.sessions,
                p.login_attempts,
                p.code_failures,
                p.score_changes
            ),
            (2, 1, 1, 1),
            "{}",
            db.label
        );
        let sessions: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
            .fetch_all(&raw)
            .await
            .unwrap();
        assert_eq!(sessions, vec!["fresh".to_string()], "{}", db.label);
        let failures: Vec<String> = sqlx::query_scalar("SELECT address FROM code_failures")
            .fetch_all(&raw)
            .await
            .unwrap();
        assert_eq!(failures, vec!["recent".to_string()], "{}", db.label);
        let changes: Vec<i64> =
            sqlx::query_scalar("SELECT subject_id FROM score_changes WHERE subject_id >= 900000")
                .fetch_all(&raw)
                .await
                .unwrap();
        assert_eq!(changes, vec![900_007], "{}", db.label);
        // The next run is another slot: taken again.
        let later = now + xianfeng_app::housekeeping::EVERY.as_millis() as i64;
        assert!(
            prune_once(&b, later).await.unwrap().is_some(),
            "{}",
            db.label
        );
    }
}
