//! What operators and orchestrators read: `/healthz` (the process answers), `/readyz`
//! (database reachable, schema this build's) and `/metrics` (Prometheus text), and
//! `upward migrate`.

use crate::helpers::*;

/// The value of the sample `name` (with its labels) in a Prometheus exposition.
fn sample(text: &str, name: &str) -> f64 {
    let line = text.lines().find(|l| l.strip_prefix(name).is_some_and(|rest| rest.starts_with(' ')));
    let value = line.unwrap_or_else(|| panic!("no sample {name}")).rsplit(' ').next().unwrap();
    value.parse().unwrap_or_else(|e| panic!("{name}: {value}: {e}"))
}

#[tokio::test]
async fn readyz_answers_once_the_schema_is_current_and_metrics_count_the_queues_and_handlers() {
    let app = spawn_app().await;
    let addr = app.running.addr;
    let ready = http_get(addr, "/readyz").await;
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");

    app.ask(ALICE, "join mentor generative AI").await;
    let (answer, _) = app.slack.command(BOB, "join mentee rust").await;
    assert_eq!(answer.status, 200);
    let metrics = http_get(addr, "/metrics").await;
    assert!(metrics.starts_with("HTTP/1.1 200") && metrics.contains("text/plain; version=0.0.4"), "{metrics}");
    assert_eq!(sample(&metrics, "upward_inbox_depth"), 1.0, "Bob's command waits: {metrics}");
    assert!(sample(&metrics, "upward_handler_duration_seconds_count") >= 1.0, "Alice's was handled: {metrics}");
    assert!(sample(&metrics, "upward_outbox_sent{method=\"response_url\"}") >= 1.0, "Alice was answered: {metrics}");
    assert_eq!(sample(&metrics, "upward_slack_rate_limited_total"), 0.0, "{metrics}");
    assert_eq!(sample(&metrics, "upward_matching_duration_seconds_count"), 0.0, "no round yet: {metrics}");
    app.ask(OWNER, "match").await;
    let metrics = http_get(addr, "/metrics").await;
    assert_eq!(sample(&metrics, "upward_matching_duration_seconds_count"), 1.0, "the preview's search: {metrics}");

    // A schema older than the build (a migration rolled back by hand) is not ready.
    let pool = app.db().await;
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let stale = http_get(addr, "/readyz").await;
    assert!(stale.starts_with("HTTP/1.1 503") && stale.contains("upward migrate"), "{stale}");
}

/// Liveness and readiness differ: without its database a replica is not ready (no
/// traffic for it) but alive (restarting it would not bring the database back).
#[tokio::test]
async fn healthz_answers_without_the_database_while_readyz_reports_it_unavailable() {
    let app = spawn_app().await;
    let addr = app.running.addr;
    let alive = http_get(addr, "/healthz").await;
    assert!(alive.starts_with("HTTP/1.1 200") && alive.ends_with("ok"), "{alive}");
    app.running.ctx.store.close().await;
    let ready = http_get(addr, "/readyz").await;
    assert!(ready.starts_with("HTTP/1.1 503") && ready.contains("database unavailable"), "{ready}");
    let alive = http_get(addr, "/healthz").await;
    assert!(alive.starts_with("HTTP/1.1 200") && alive.ends_with("ok"), "{alive}");
}

#[tokio::test]
async fn upward_migrate_brings_a_new_database_up_to_date_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path(), "migrate.db").await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_upward"))
        .arg("migrate")
        .env_clear()
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8_lossy(&output.stdout);
    let newest = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
    assert!(said.contains(&format!("is at migration {newest}")), "{said}");
    let pool = db(&url).await;
    let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leases").fetch_one(&pool).await.unwrap();
    assert_eq!(tables, 0, "the newest table exists");
}
