//! `upward bench delivery`: a check-in nudge round for many pairs, all due at once,
//! delivered by the real [`Dispatcher`] through the real Slack client to the simulator
//! enforcing Slack's published limits, clean and with a crash half-way.
//!
//! Slack's limits would make 10,000 cold group DMs take over three hours (Tier 3:
//! 50 `conversations.open` a minute), so both the simulator's table and the
//! dispatcher's pacing are scaled by the same `speed`: the shape of the limits stays,
//! only time runs faster. The figures that matter are ratios (achieved rate against
//! the binding limit's ceiling) and counts (duplicates, lost, refused calls), which the
//! speed-up does not flatter, except that Retry-After is whole seconds and not scaled.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use secrecy::SecretString;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::clock::SystemClock;
use crate::domain::outbound::Outbound;
use crate::jobs::dispatcher::Dispatcher;
use crate::slack::messages::reply;
use crate::slack::SlackApi;
use crate::store::Store;
use slack_limits::{Rate, RateLimits};
use slack_sim::{Fault, Sim};

const TOKEN: &str = "xoxb-bench-token";
/// The lease in the benchmark: the row in flight at the crash comes back after this,
/// rather than after the production minute, which at 100× speed would be hours.
const LEASE_SECS: i64 = 2;

/// One line of `bench/results/delivery.json`.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRow {
    /// `clean`, `crash` (the dispatcher dropped mid-call half-way, then restarted), or
    /// `replicas` (several dispatchers on one PostgreSQL database).
    pub run: &'static str,
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    /// Dispatchers sharing the database, each with its own pool, as replicas would.
    pub replicas: usize,
    pub messages: usize,
    /// How much faster than Slack's published limits the simulator and pacing ran.
    pub speed: f64,
    pub seconds: f64,
    pub per_second: f64,
    /// The limit that caps this round, and its ceiling at this speed.
    pub binding_limit: &'static str,
    pub ceiling_per_second: f64,
    /// Messages delivered over the most the binding limit allows in the same time
    /// (its burst plus its rate times the duration).
    pub fraction_of_ceiling: f64,
    pub duplicates: usize,
    pub lost: usize,
    /// Calls the simulator refused with 429.
    pub refused: usize,
    /// The process's peak resident memory during this run (VmHWM, reset at its start),
    /// simulator included.
    pub peak_mib: f64,
}

/// The limit a round of cold group messages meets first: each needs one
/// conversations.open and one post for the workspace (a post per channel too, but
/// every pair is its own channel).
fn binding(limits: &RateLimits) -> (&'static str, Rate) {
    ["conversations.open", "chat.postMessage"]
        .into_iter()
        .filter_map(|method| Some((method, limits.method(method)?)))
        .min_by(|a, b| a.1.per_second().total_cmp(&b.1.per_second()))
        .unwrap_or(("chat.postMessage (per channel)", limits.per_channel))
}

/// The pairs' nudges, queued in one transaction as a check-in round would queue them.
async fn queue_round(store: &Store, pairs: usize) -> anyhow::Result<()> {
    let mut tx = store.begin(chrono::Utc::now().timestamp()).await?;
    for i in 0..pairs {
        let users = vec![format!("U{i:07}MTR"), format!("U{i:07}MTE")];
        let message = reply(format!("Check-in #{i}: how are your sessions going? Reply here to tell each other."));
        tx.enqueue(&Outbound::GroupMessage { users, message })?;
    }
    tx.commit().await?;
    Ok(())
}

/// Starts the dispatcher's loop on `database_url`, as `upward serve` would.
async fn start(
    database_url: &str,
    sim: &Sim,
    limits: &RateLimits,
) -> anyhow::Result<(Store, CancellationToken, tokio::task::JoinHandle<()>)> {
    let store = Store::connect(database_url).await?;
    let slack = SlackApi::new(&sim.api_url(), &SecretString::from(TOKEN))?;
    let dispatcher =
        Arc::new(Dispatcher::new(store.clone(), slack, Arc::new(SystemClock), limits).with_lease(LEASE_SECS));
    let stop = CancellationToken::new();
    let token = stop.clone();
    let task = tokio::spawn(async move { dispatcher.run(token).await });
    Ok((store, stop, task))
}

/// Delivers one round of `pairs` nudges at `speed`, crashing half-way if asked.
pub async fn run_round(pairs: usize, speed: f64, crash: bool) -> anyhow::Result<DeliveryRow> {
    super::reset_peak();
    let dir = tempfile_dir()?;
    let database_url = format!("sqlite://{}", dir.join("delivery.db").display());
    let limits = RateLimits::slack().scaled(speed);
    let sim = Sim::start(TOKEN).await?;
    sim.enforce(limits.clone());
    queue_round(&Store::connect(&database_url).await?, pairs).await?;

    let started = Instant::now();
    let (mut store, mut stop, mut task) = start(&database_url, &sim, &limits).await?;
    if crash {
        // Half-way (two calls a message), Slack stalls a post; while the dispatcher
        // waits for it, with its row claimed and the group DM kept, it is dropped.
        sim.wait_for_calls(pairs).await;
        sim.fail("chat.postMessage", Fault::NoAnswer, 1);
        while sim.faults_left("chat.postMessage") > 0 {
            let seen = sim.count_calls(|_| true);
            sim.wait_for_calls(seen + 1).await;
        }
        task.abort();
        let _ = task.await;
        store.close().await;
        (store, stop, task) = start(&database_url, &sim, &limits).await?;
    }
    // Polled, not awaited: nothing rings when the last row is marked sent. Each look
    // scans the outbox, so not too often; 0.1 s is noise on a run of minutes.
    while store.outbox_stats().await?.pending > 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let elapsed = started.elapsed();
    stop.cancel();
    task.await?;
    std::fs::remove_dir_all(&dir).ok();
    let run = if crash { "crash" } else { "clean" };
    // The crash's stalled post is a refusal the benchmark caused, not Slack's limits.
    Ok(tally(Tally {
        run,
        engine: "sqlite",
        replicas: 1,
        pairs,
        speed,
        elapsed,
        sim: &sim,
        faults: usize::from(crash),
    }))
}

/// One round of `pairs` nudges at `speed` shared by `replicas` dispatchers, each with
/// its own pool, on a schema of its own in the PostgreSQL database `server`. Only the
/// sender lease's holder sends, so more replicas should send as fast, not faster.
pub async fn run_replicas(server: &str, pairs: usize, speed: f64, replicas: usize) -> anyhow::Result<DeliveryRow> {
    super::reset_peak();
    let schema = format!("bench_delivery_{}_{replicas}_{}", std::process::id(), chrono::Utc::now().timestamp());
    let database_url = Store::fresh_schema(server, &schema).await.context("a schema for the run")?;
    let limits = RateLimits::slack().scaled(speed);
    let sim = Sim::start(TOKEN).await?;
    sim.enforce(limits.clone());
    let store = Store::connect(&database_url).await?;
    queue_round(&store, pairs).await?;
    let started = Instant::now();
    let mut running = Vec::new();
    for _ in 0..replicas.max(1) {
        running.push(start(&database_url, &sim, &limits).await?);
    }
    while store.outbox_stats().await?.pending > 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let elapsed = started.elapsed();
    for (store, stop, task) in running {
        stop.cancel();
        task.await?;
        store.close().await;
    }
    Ok(tally(Tally { run: "replicas", engine: "postgres", replicas, pairs, speed, elapsed, sim: &sim, faults: 0 }))
}

/// What one round measured.
struct Tally<'a> {
    run: &'static str,
    engine: &'static str,
    replicas: usize,
    pairs: usize,
    speed: f64,
    elapsed: Duration,
    sim: &'a Sim,
    /// Refusals the benchmark itself injected.
    faults: usize,
}

/// Reads the round's outcome from the simulator's log: each nudge's arrivals, and
/// the calls refused.
fn tally(t: Tally) -> DeliveryRow {
    let peak_mib = super::peak_mib();
    let limits = RateLimits::slack().scaled(t.speed);
    // Taken out of the simulator, so its log does not weigh on the next run.
    let calls = t.sim.take_calls();
    let mut times: HashMap<&str, usize> = HashMap::new();
    for call in calls.iter().filter(|c| c.ok && c.method == "chat.postMessage") {
        *times.entry(call.args["text"].as_str().unwrap_or_default()).or_default() += 1;
    }
    let (binding_limit, rate) = binding(&limits);
    DeliveryRow {
        run: t.run,
        engine: t.engine,
        replicas: t.replicas,
        messages: t.pairs,
        speed: t.speed,
        seconds: t.elapsed.as_secs_f64(),
        per_second: t.pairs as f64 / t.elapsed.as_secs_f64(),
        binding_limit,
        ceiling_per_second: rate.per_second(),
        fraction_of_ceiling: t.pairs as f64 / rate.ceiling(t.elapsed),
        duplicates: times.values().map(|n| n - 1).sum(),
        lost: t.pairs - times.len(),
        refused: calls.iter().filter(|call| !call.ok).count().saturating_sub(t.faults),
        peak_mib,
    }
}

/// A fresh folder for the benchmark's database.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("upward-bench-delivery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let db = dir.join("delivery.db");
    for path in [db.clone(), db.with_extension("db-wal"), db.with_extension("db-shm")] {
        std::fs::remove_file(path).ok();
    }
    Ok(dir)
}
