//! Data at rest: the database files are private to the bot's user, and payloads are
//! forgotten after the retention period.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use upward::clock::ManualClock;

use crate::helpers::*;

#[tokio::test]
async fn the_database_and_its_wal_and_shm_files_are_created_0600() {
    if on_postgres() {
        // PostgreSQL keeps its files itself; this is about the SQLite file the bot owns.
        return;
    }
    let app = spawn_app().await;
    app.ask(ALICE, "join mentor generative AI").await;
    let path = app.database_url.trim_start_matches("sqlite://").to_owned();
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{path}{suffix}");
        let mode = std::fs::metadata(&file).unwrap_or_else(|e| panic!("{file}: {e}")).permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file} is {:o}", mode & 0o777);
    }
}

#[tokio::test]
async fn an_existing_world_readable_database_is_narrowed_at_start() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("old.db");
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = upward::store::Store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    store.close().await;
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
}

#[tokio::test]
async fn payloads_are_purged_after_the_retention_period_and_the_rows_stay() {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()));
    let app = spawn_app_at(clock.clone()).await;
    app.ask(ALICE, "join mentor a secret skill").await;
    let housekeeper = &app.running.housekeeper;
    assert_eq!(housekeeper.tick().await.unwrap(), upward::store::Purged::default(), "nothing is old yet");
    let secret = "SELECT COUNT(*) FROM inbox WHERE payload LIKE '%secret skill%'";
    assert_eq!(app.count(secret).await, 1);

    clock.advance(Duration::days(29));
    assert_eq!(housekeeper.tick().await.unwrap(), upward::store::Purged::default(), "29 days: kept");
    clock.advance(Duration::days(2));
    let purged = housekeeper.tick().await.unwrap();
    assert!(purged.inbox >= 1 && purged.outbox >= 1, "{purged:?}");
    assert_eq!(app.count(secret).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE payload <> '{}'").await, 0);
    assert!(app.count("SELECT COUNT(*) FROM inbox").await >= 1, "the rows stay, to dedupe and to count");
}
