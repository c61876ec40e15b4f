//! Every account's home says where the campaign stands today: its theme, the phase and the
//! themed stage with their dates and focus — and, on a day outside every phase, the
//! campaign's dates. (Its own test binary: the rehearsal date is the process's.)

mod support;

use support::apps;

#[tokio::test]
async fn the_home_shows_the_current_phase_and_themed_stage() {
    xianfeng_web::clock::rehearse("2011-03-01".parse().unwrap());
    for app in apps().await {
        let label = app.label();
        for who in ["wang", "office", "member"] {
            let cookie = app.sign_in(who).await;
            let home = app.get("/", Some(&cookie)).await;
            for shown in [
                "当科学发展先锋，做干事创业楷模",
                "当前阶段：组织实施",
                "2010年7月1日 – 2012年3月31日",
                "主题实践：以优异成绩迎接建党90周年",
                "集中解决群众反映强烈的突出问题",
            ] {
                assert!(home.body.contains(shown), "{label} {who}: {shown}");
            }
        }
    }
}
