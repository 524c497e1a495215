//! Nothing lost: restarts, a crash between ack and handling, Slack's 429 and 5xx.

use slack_sim::Fault;

use crate::helpers::*;

#[tokio::test]
async fn a_restart_keeps_programs_catalogues_and_profiles() {
    let app = spawn_app().await;
    app.ask(OWNER, "program create pilot").await;
    app.ask(OWNER, "skills add Figma program:pilot").await;
    app.ask(ALICE, "join mentor Figma program:pilot").await;
    let app = app.restart().await;
    let answer = app.ask(ALICE, "profile").await;
    assert!(answer.contains("*Program:* pilot") && answer.contains("*Can teach:* Figma"), "{answer}");
    assert_eq!(app.count("SELECT COUNT(*) FROM programs").await, 2, "no second `default` after a restart");
}

#[tokio::test]
async fn a_command_acked_but_not_handled_before_a_crash_is_handled_after_restart() {
    let app = spawn_app().await;
    let (answer, tag) = app.slack.command(ALICE, "join mentor Figma").await;
    assert_eq!(answer.status, 200, "acked");
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL").await, 1);
    let app = app.restart().await;
    app.settle().await;
    assert!(app.participant(ALICE).await.is_some());
    assert_eq!(app.answers(&tag).len(), 1, "answered exactly once");
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL").await, 0);
}

#[tokio::test]
async fn a_message_queued_before_a_crash_is_sent_after_restart() {
    let app = spawn_app().await;
    app.sim.fail("response_url", Fault::ServerError, 1);
    let (_, tag) = app.slack.command(ALICE, "profile").await;
    app.settle().await;
    assert!(app.answers(&tag).is_empty(), "the first attempt failed");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 1);
    time_passes(&app).await;
    let app = app.restart().await;
    app.settle().await;
    assert_eq!(app.answers(&tag).len(), 1);
}

/// Makes every waiting message due now, as time passing would.
async fn time_passes(app: &TestApp) {
    let pool = app.db().await;
    sqlx::query("UPDATE outbox SET not_before = 0 WHERE sent_at IS NULL").execute(&pool).await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn rate_limits_are_honoured_and_do_not_use_up_attempts() {
    let app = spawn_app().await;
    app.sim.fail("response_url", Fault::RateLimited { retry_after_secs: 30 }, 3);
    let (_, tag) = app.slack.command(ALICE, "profile").await;
    for _ in 0..3 {
        let asked = chrono::Utc::now().timestamp();
        app.settle().await;
        assert!(app.answers(&tag).is_empty());
        let not_before = app.count("SELECT not_before FROM outbox WHERE sent_at IS NULL").await;
        assert!(not_before >= asked + 30, "waits as long as Retry-After says");
        time_passes(&app).await;
    }
    app.settle().await;
    assert_eq!(app.answers(&tag).len(), 1, "sent after three 429s");
    let failed = app.sim.calls().iter().filter(|c| c.method == "response_url" && !c.ok).count();
    assert_eq!(failed, 3);
    let attempts = app.count("SELECT attempts FROM outbox").await;
    assert!(attempts <= 1, "429s do not use up attempts: {attempts}");
}

#[tokio::test]
async fn server_errors_are_retried_later_and_permanent_errors_dead_letter() {
    let app = spawn_app().await;
    app.sim.fail("views.publish", Fault::ServerError, 1);
    app.slack.open_home(ALICE).await;
    app.settle().await;
    assert!(app.sent("views.publish").is_empty());
    let not_before = app.count("SELECT not_before FROM outbox WHERE sent_at IS NULL").await;
    assert!(not_before > chrono::Utc::now().timestamp(), "backed off into the future");
    time_passes(&app).await;
    app.settle().await;
    assert_eq!(app.sent("views.publish").len(), 1);

    app.sim.fail("views.publish", Fault::ApiError("invalid_blocks".into()), 1);
    app.slack.open_home(BOB).await;
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE dead_at IS NOT NULL").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL").await, 0);
}
