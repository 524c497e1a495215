//! Two engines behind one store: the migrations of SQLite and PostgreSQL describe the
//! same tables and columns, and the claims hold when several stores (replicas) take
//! work from one database at once.

use std::collections::{BTreeMap, BTreeSet};

use upward::domain::outbound::{Message, Outbound};
use upward::store::{Claim, Delivery, Store};

use crate::helpers::{db, fresh_database, on_postgres};

fn migration_names(engine: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn each_migration_exists_for_both_engines_under_one_number_and_name() {
    let sqlite = migration_names("sqlite");
    assert!(sqlite.len() >= 11, "SQLite's migrations are found: {sqlite:?}");
    assert_eq!(sqlite, migration_names("postgres"), "migrations/sqlite and migrations/postgres in step");
}

/// Every table's columns, as the database itself reports them.
async fn columns(url: &str) -> BTreeMap<String, BTreeSet<String>> {
    Store::connect(url).await.expect("the migrations apply").close().await;
    let pool = db(url).await;
    let sql = if url.starts_with("sqlite") {
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'"
    } else {
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'"
    };
    let rows: Vec<(String, String)> = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
    pool.close().await;
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (table, column) in rows {
        tables.entry(table).or_default().insert(column);
    }
    tables
}

#[tokio::test]
async fn both_schemas_hold_the_same_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = columns(&format!("sqlite://{}", dir.path().join("schema.db").display())).await;
    assert!(sqlite["outbox"].contains("pace_method"), "the SQLite schema is read: {sqlite:?}");
    if !on_postgres() {
        eprintln!("TEST_DATABASE_URL is not set: PostgreSQL's schema is not compared");
        return;
    }
    let postgres = columns(&fresh_database(dir.path(), "unused.db").await).await;
    assert_eq!(sqlite, postgres, "the two engines' schemas differ");
}

fn nudge(i: usize) -> Outbound {
    Outbound::DirectMessage {
        user: format!("U{i:08}"),
        message: Message { text: format!("nudge {i}"), blocks: vec![] },
    }
}

/// Three stores on one database, as three replicas, claim every row at once: each row
/// goes to exactly one of them. On PostgreSQL this is what `FOR UPDATE SKIP LOCKED`
/// and the lease re-checked on the row buy; on SQLite, its single writer.
#[tokio::test]
async fn replicas_claiming_at_once_never_take_the_same_row() {
    const ROWS: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path(), "replicas.db").await;
    let first = Store::connect(&url).await.unwrap();
    let mut tx = first.begin(0).await.unwrap();
    for i in 0..ROWS {
        tx.enqueue(&nudge(i)).unwrap();
        tx.receive(&Delivery {
            dedupe_key: format!("event-{i}"),
            payload: "{}".to_owned(),
            lane: format!("user:{}", i % 7),
            urgent: false,
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut replicas = vec![first];
    for _ in 0..2 {
        replicas.push(Store::connect(&url).await.unwrap());
    }
    let mut workers = tokio::task::JoinSet::new();
    for store in &replicas {
        for _ in 0..4 {
            let store = store.clone();
            workers.spawn(async move {
                let mut outbound = Vec::new();
                while let Some(row) = store.claim_outbound(1, 600, Claim::any()).await.unwrap().pop() {
                    outbound.push(row.id);
                }
                // Inbox entries, a few a claim as the consumer takes them: finish them
                // before the next claim, so the next ones of their lanes become claimable.
                let mut inbound = Vec::new();
                loop {
                    let claimed = store.claim_inbox_entries(1, 3).await.unwrap();
                    for entry in &claimed {
                        store.begin_for(entry.id, 1).await.unwrap().commit().await.unwrap();
                        inbound.push(entry.id);
                    }
                    if claimed.is_empty() {
                        if store.inbox_pending().await.unwrap() == 0 {
                            break;
                        }
                        tokio::task::yield_now().await;
                    }
                }
                (outbound, inbound)
            });
        }
    }
    let (mut outbound, mut inbound) = (Vec::new(), Vec::new());
    while let Some(done) = workers.join_next().await {
        let (o, i) = done.unwrap();
        outbound.extend(o);
        inbound.extend(i);
    }
    for (what, mut ids) in [("outbox", outbound), ("inbox", inbound)] {
        let claimed = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!((claimed, ids.len()), (ROWS, ROWS), "every {what} row claimed exactly once");
    }
}

/// One replica sends for the deployment, so one pacer holds Slack's limits for all:
/// a second dispatcher on the same PostgreSQL database sends nothing while the first
/// holds the sender lease, and takes over once it steps down. (SQLite serves one
/// process, which always sends.)
#[tokio::test]
async fn one_replica_sends_at_a_time_and_another_takes_over_when_it_steps_down() {
    use slack_limits::RateLimits;
    use upward::clock::SystemClock;
    use upward::jobs::dispatcher::{Dispatched, Dispatcher};
    use upward::slack::SlackApi;

    if !on_postgres() {
        eprintln!("TEST_DATABASE_URL is not set: the sender lease is PostgreSQL's");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path(), "unused.db").await;
    let sim = slack_sim::Sim::start(crate::helpers::TOKEN).await.unwrap();
    let replica = |store: Store| {
        let slack = SlackApi::new(&sim.api_url(), &secrecy::SecretString::from(crate::helpers::TOKEN)).unwrap();
        Dispatcher::new(store, slack, std::sync::Arc::new(SystemClock), &RateLimits::slack())
    };
    let (first, second) = (replica(Store::connect(&url).await.unwrap()), replica(Store::connect(&url).await.unwrap()));
    let mut tx = first.store.begin(chrono::Utc::now().timestamp()).await.unwrap();
    for i in 0..2 {
        tx.enqueue(&nudge(i)).unwrap();
    }
    tx.commit().await.unwrap();

    assert_eq!(first.dispatch_one().await.unwrap(), Some(Dispatched::Sent), "the first replica takes the lease");
    assert_eq!(second.dispatch_one().await.unwrap(), None, "a due row, but another replica sends");
    first.step_down().await.unwrap();
    assert_eq!(second.dispatch_one().await.unwrap(), Some(Dispatched::Sent), "the second takes over at once");
    assert_eq!(first.dispatch_one().await.unwrap(), None, "and the first no longer sends");
    assert_eq!(sim.delivered("chat.postMessage").len(), 2);
}

/// The replica test: three real `upward serve` processes on one PostgreSQL
/// database, 2,000 nudges due, and the replica sending them killed with SIGKILL in the
/// middle. Every nudge arrives, at most the killed one's calls in flight twice, and
/// the simulator, enforcing Slack's limits for the three together, refused nothing.
#[tokio::test]
async fn three_replicas_deliver_every_nudge_once_within_slacks_limits_when_the_sender_is_killed() {
    use slack_limits::RateLimits;
    /// Slack's limits sped up alike in the bot and the simulator: seconds, not minutes.
    const SPEED: u32 = 20;
    const NUDGES: usize = 2_000;
    if !on_postgres() {
        eprintln!("TEST_DATABASE_URL is not set: replicas share a PostgreSQL database");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path(), "unused.db").await;
    let store = Store::connect(&url).await.unwrap();
    let sim = slack_sim::Sim::start(crate::helpers::TOKEN).await.unwrap();
    sim.enforce(RateLimits::slack().scaled(f64::from(SPEED)));
    let mut tx = store.begin(chrono::Utc::now().timestamp()).await.unwrap();
    for i in 0..NUDGES {
        tx.enqueue(&nudge(i)).unwrap();
    }
    tx.commit().await.unwrap();

    let mut replicas: Vec<_> = (0..3).map(|_| crate::helpers::serve(&sim, &url, SPEED)).collect();
    sim.wait_for_counts(|c| c.of("chat.postMessage", true) >= NUDGES / 4).await;
    let pool = db(&url).await;
    let holder: String = sqlx::query_scalar("SELECT holder FROM leases WHERE name = $1")
        .bind(upward::jobs::dispatcher::SENDER_LEASE)
        .fetch_one(&pool)
        .await
        .unwrap();
    let sender = holder.split('-').next().unwrap().parse::<u32>().unwrap();
    let victim = replicas.iter().position(|r| r.id() == Some(sender)).expect("the sender is one of the three");
    let mut killed = replicas.remove(victim);
    killed.start_kill().unwrap();
    killed.wait().await.unwrap();
    let posted_before = crate::delivery::posted(&sim).len();
    assert!(posted_before < NUDGES, "killed mid-delivery: {posted_before} of {NUDGES} arrived");
    let in_flight: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND claimed_until IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();

    // The others take the sender's lease, then its rows once their leases lapse. A row
    // whose call reached Slack just before the kill, unmarked, is sent once more then:
    // wait for every row to be marked, not only for every nudge to have arrived.
    let unsent = || sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetch_one(&pool);
    loop {
        let seen = sim.calls().len();
        if crate::delivery::posted(&sim).len() == NUDGES && unsent().await.unwrap() == 0 {
            break;
        }
        // The last mark may commit without another call: look again each second.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), sim.wait_for_calls(seen + 1)).await;
    }
    for replica in &mut replicas {
        let pid = replica.id().unwrap().to_string();
        assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        assert!(replica.wait().await.unwrap().success(), "a replica stops cleanly");
    }
    let delivered = crate::delivery::posted(&sim);
    let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.len() as i64 <= in_flight && twice.iter().all(|(_, n)| **n == 2), "duplicates: {twice:?}");
    assert_eq!(delivered.len(), NUDGES, "none lost");
    let refused = sim.count_calls(|call| call.method == "chat.postMessage" && !call.ok);
    assert_eq!(refused, 0, "the three replicas together stayed within Slack's limits");
    assert_eq!(unsent().await.unwrap(), 0);
}
