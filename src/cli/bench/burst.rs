//! `upward bench burst`: launch day. The whole company types `/mentoring join` within
//! moments: one-line joins from `people` employees at once, with join forms, help and
//! an owner's match preview in the middle, against the real bot (`upward serve` as a
//! process of its own: its HTTP edge, workers and SQLite) and the simulator answering
//! every call after Slack's round trip and enforcing Slack's published limits and
//! three-second trigger ids.
//!
//! It measures what a person sees: how long after their command an answer arrived
//! (in the HTTP answer, for a join made as it was stored; else through its
//! response_url; a form when `views.open` reached Slack), how long after
//! the burst everything was answered, whether any form missed its trigger window, and
//! whether `users.info` met a 429. The same driver runs in the test suite at a small
//! size, where the simulator's trigger check is the assertion.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context as _};
use serde::Serialize;
use tokio::sync::Semaphore;

use slack_limits::RateLimits;
use slack_sim::{Call, Sim, SlackCaller};

use super::process::{database_with_directory, BotProcess};
use crate::slack::messages;
use crate::store::Store;

/// Forms opened and help asked in the middle of the burst.
const FORMS: usize = 10;
const HELPS: usize = 10;
/// Requests the load generator keeps in flight, as many people's Slack clients would.
const IN_FLIGHT: usize = 64;
/// Skills the catalogue holds; each joiner picks one.
const SKILLS: [&str; 6] = ["generative AI", "prompting", "TikTok", "Figma", "data literacy", "short video"];

/// One line of `bench/results/burst.json`.
#[derive(Debug, Clone, Serialize)]
pub struct BurstRow {
    pub people: usize,
    /// Slack's round trip the simulator played, in milliseconds.
    pub latency_ms: u64,
    /// From the last command sent to the last answer Slack received.
    pub seconds_to_all_answered: f64,
    /// From each one-line join to its answer.
    pub answer_p50_ms: f64,
    pub answer_p99_ms: f64,
    /// From each one-line join to the first thing its person saw: the HTTP answer when
    /// it said the answer was on its way (the handlers being behind), else the answer.
    pub shown_p99_ms: f64,
    /// From each command to its HTTP answer (Slack gives up after three seconds).
    pub ack_p99_ms: f64,
    /// From each `/mentoring join` (no line) to its `views.open`.
    pub form_open_p99_ms: f64,
    /// From each `/mentoring help` to its answer (given in the HTTP answer itself).
    pub help_p99_ms: f64,
    /// From the owner's `match` to its preview.
    pub preview_ms: f64,
    /// Forms whose `views.open` came after Slack's three seconds.
    pub expired_triggers: usize,
    pub users_info_429s: usize,
    /// The bot's peak resident memory (its process alone).
    pub peak_rss_mib: f64,
    /// In a second burst, stopped with `SIGTERM` once every join was acked: how long the
    /// bot took to exit, and the entries it left in the database for the next start
    /// (which answered every join).
    pub sigterm_exit_ms: f64,
    pub left_at_sigterm: i64,
    /// `users.info` calls Slack refused with 429 in the second burst: the bot started
    /// again with a backlog to look people up for, Tier 4 spent by the run it replaced.
    pub users_info_429s_at_restart: usize,
}

fn person(n: usize) -> String {
    format!("U{n:07}")
}

/// The morning of launch day: the simulator enforcing Slack's limits with the whole
/// company in its directory, the bot's database with that directory cached (or, when
/// not `read`, only the owner: the bot was deployed this morning and reads it as it
/// runs), the bot (the binary `bot`) running on it, and the owner's catalogue of skills.
struct Morning {
    sim: Sim,
    database: PathBuf,
    store: Store,
    running: BotProcess,
    caller: SlackCaller,
}

async fn morning(people: usize, bot: &Path, read: bool) -> anyhow::Result<Morning> {
    let sim = Sim::start(super::TOKEN).await?;
    sim.enforce(RateLimits::slack());
    let zones = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London"];
    let mut directory = vec![(super::OWNER.to_owned(), "Olga Owner".to_owned(), "Europe/London")];
    directory.extend((0..people + FORMS + HELPS).map(|n| (person(n), format!("Person {n}"), zones[n % zones.len()])));
    for (id, name, zone) in &directory {
        sim.add_user(id, name, Some(zone));
    }
    let stamp = chrono::Utc::now().timestamp_micros();
    let database = std::env::temp_dir().join(format!("upward-burst-{}-{stamp}.db", std::process::id()));
    let cached = if read { directory.len() } else { 1 };
    let store = database_with_directory(&database, directory.into_iter().take(cached)).await?;
    let running = BotProcess::start(bot, &sim, &database, None).await?;
    let caller = SlackCaller::new(running.addr, super::SECRET, sim.clone());
    let (skills, _) = caller.command(super::OWNER, &format!("skills add {}", SKILLS.join(", "))).await;
    ensure!(skills.status == 200, "the owner's catalogue was refused: {}", skills.body);
    Ok(Morning { sim, database, store, running, caller })
}

/// Person `n`'s one-line join.
fn join_line(n: usize) -> String {
    let role = if n.is_multiple_of(2) { "mentor" } else { "mentee" };
    format!("join {role} {}", SKILLS[n % SKILLS.len()])
}

/// Plays one launch day of `people` against a simulator answering after `latency`,
/// the bot being the binary `bot` (`upward` itself); then another, stopped with
/// `SIGTERM` in the middle ([`stop_mid_burst`]).
pub async fn run_burst(people: usize, latency: Duration, bot: &Path) -> anyhow::Result<BurstRow> {
    let Morning { sim, database, store, running, caller } = morning(people, bot, true).await?;
    sim.set_latency(latency);

    let gate = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut sent: Vec<tokio::task::JoinHandle<anyhow::Result<Sent>>> = Vec::new();
    for n in 0..people {
        if n == people / 2 {
            for k in 0..FORMS {
                sent.push(send(&caller, &gate, Kind::Form, person(people + k), "join".to_owned()));
            }
            for k in 0..HELPS {
                sent.push(send(&caller, &gate, Kind::Help, person(people + FORMS + k), "help".to_owned()));
            }
            sent.push(send(&caller, &gate, Kind::Preview, super::OWNER.to_owned(), "match".to_owned()));
        }
        sent.push(send(&caller, &gate, Kind::Join, person(n), join_line(n)));
    }
    let mut requests = Vec::new();
    for handle in sent {
        requests.push(handle.await??);
    }
    let burst_end = requests.iter().map(|r| r.at).max().context("the burst sent something")?;

    // Everything stored is answered: in its HTTP answer, else through its response_url
    // (a form through views.open with its trigger).
    let waiting: Vec<(String, &'static str)> = requests
        .iter()
        .filter(|r| r.kind != Kind::Help && r.answered_at_ack.is_none())
        .map(|r| match r.kind {
            Kind::Form => (r.trigger.clone(), "views.open"),
            _ => (r.tag.clone(), "response_url"),
        })
        .collect();
    let found = all_answered(&store, &sim, &waiting, people).await?;
    let calls = sim.calls();
    let peak_rss_mib = running.peak_mib();
    running.stop().await?;
    store.close().await;
    super::super::remove_database(&database);
    let restart = stop_mid_burst(people, latency, bot).await?;

    let ms = |from: Instant, to: Instant| to.saturating_duration_since(from).as_secs_f64() * 1_000.0;
    let mut joins = Vec::new();
    let mut shown = Vec::new();
    let mut acks = Vec::new();
    let mut forms = Vec::new();
    let mut helps = Vec::new();
    let mut preview = 0.0;
    let mut last = burst_end;
    for request in &requests {
        let answer_at = match (request.kind, request.answered_at_ack) {
            (_, Some(at)) => at,
            (Kind::Help, None) => anyhow::bail!("help is answered in the HTTP answer"),
            (Kind::Form, None) => found[&request.trigger],
            _ => found[&request.tag],
        };
        last = last.max(answer_at);
        acks.push(ms(request.at, request.acked));
        let took = ms(request.at, answer_at);
        match request.kind {
            Kind::Join => {
                joins.push(took);
                shown.push(request.answered_inline.map_or(took, |at| ms(request.at, at).min(took)));
            }
            Kind::Form => forms.push(took),
            Kind::Help => helps.push(took),
            Kind::Preview => preview = took,
        }
    }
    let failed = |method: &str| calls.iter().filter(|c| c.method == method && !c.ok).count();
    Ok(BurstRow {
        people,
        latency_ms: latency.as_millis() as u64,
        seconds_to_all_answered: last.saturating_duration_since(burst_end).as_secs_f64(),
        answer_p50_ms: percentile(&mut joins, 0.50),
        answer_p99_ms: percentile(&mut joins, 0.99),
        shown_p99_ms: percentile(&mut shown, 0.99),
        ack_p99_ms: percentile(&mut acks, 0.99),
        form_open_p99_ms: percentile(&mut forms, 0.99),
        help_p99_ms: percentile(&mut helps, 0.99),
        preview_ms: preview,
        expired_triggers: failed("views.open"),
        users_info_429s: failed("users.info"),
        peak_rss_mib,
        sigterm_exit_ms: restart.exit_ms,
        left_at_sigterm: restart.left,
        users_info_429s_at_restart: restart.users_info_429s,
    })
}

/// Waits until every one of `waiting` (tag or trigger, and its method) reached Slack,
/// and says when each did. An answer that never comes fails the run with what the
/// queues hold, instead of hanging it.
async fn all_answered(
    store: &Store,
    sim: &Sim,
    waiting: &[(String, &'static str)],
    people: usize,
) -> anyhow::Result<HashMap<String, Instant>> {
    // Counts first (cheap on every call), then the answers matched once.
    let forms = waiting.iter().filter(|(_, method)| *method == "views.open").count();
    let others = waiting.len() - forms;
    let counted = sim.wait_for_counts(|n| {
        n.of("response_url", true) >= others && n.of("views.open", true) + n.of("views.open", false) >= forms
    });
    let patience = Duration::from_secs(120) + Duration::from_millis(100) * people as u32;
    let mut found = match tokio::time::timeout(patience, counted).await {
        Ok(()) => answered(&sim.calls(), waiting),
        Err(_) => return Err(missing(store, sim, waiting).await),
    };
    while found.len() < waiting.len() {
        // An answer Slack got twice counted twice above: wait for the next call.
        let seen = sim.calls().len();
        if tokio::time::timeout(QUIET, sim.wait_for_calls(seen + 1)).await.is_err() {
            return Err(missing(store, sim, waiting).await);
        }
        found = answered(&sim.calls(), waiting);
    }
    Ok(found)
}

/// What the second burst, stopped with `SIGTERM`, showed.
struct Restart {
    exit_ms: f64,
    left: i64,
    users_info_429s: usize,
}

/// A deployment in the middle of launch day: `people` one-line joins, and once every one
/// is acked (thousands not yet handled) the bot is asked to stop with `SIGTERM`. It is
/// started again on the same database, and every join must still be answered. The
/// directory is not cached yet, so the joins wait for the handlers (which ask Slack for
/// time zones) instead of being made as they are stored.
async fn stop_mid_burst(people: usize, latency: Duration, bot: &Path) -> anyhow::Result<Restart> {
    let Morning { sim, database, store, running, caller } = morning(people, bot, false).await?;
    sim.set_latency(latency);
    let gate = Arc::new(Semaphore::new(IN_FLIGHT));
    let sent: Vec<_> = (0..people).map(|n| send(&caller, &gate, Kind::Join, person(n), join_line(n))).collect();
    let mut waiting = Vec::new();
    for handle in sent {
        let sent = handle.await??;
        if sent.answered_at_ack.is_none() {
            waiting.push((sent.tag, "response_url"));
        }
    }
    let took = running.terminate().await?;
    let left = store.inbox_pending().await?;
    let running = BotProcess::start(bot, &sim, &database, None).await?;
    all_answered(&store, &sim, &waiting, people).await?;
    running.stop().await?;
    store.close().await;
    super::super::remove_database(&database);
    let users_info_429s = sim.count_calls(|c| c.method == "users.info" && !c.ok);
    Ok(Restart { exit_ms: took.as_secs_f64() * 1_000.0, left, users_info_429s })
}

/// How long the burst waits for one more call to Slack while answers are missing.
const QUIET: Duration = Duration::from_secs(60);

/// Why a burst gave up: which answers are missing, and what the bot's queues hold.
async fn missing(store: &Store, sim: &Sim, waiting: &[(String, &'static str)]) -> anyhow::Error {
    let found = answered(&sim.calls(), waiting);
    let lost: Vec<&str> = waiting.iter().filter(|(key, _)| !found.contains_key(key)).map(|(_, m)| *m).collect();
    let refused: Vec<String> = sim
        .calls()
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{} {}", c.method, c.args.get("error").unwrap_or(&serde_json::Value::Null)))
        .collect();
    let queues = store.queue_figures(chrono::Utc::now().timestamp()).await;
    anyhow::anyhow!(
        "{} of {} answers never reached Slack (by method {lost:?}); calls Slack refused: {refused:?}; queues: {queues:?}",
        lost.len(),
        waiting.len()
    )
}

/// When each awaited answer reached Slack, by tag or trigger: the first successful
/// call of its method naming it; for a form, its one `views.open`, refused or not (a
/// trigger is good once, so a refusal is final and counted as expired).
fn answered(calls: &[Call], waiting: &[(String, &'static str)]) -> HashMap<String, Instant> {
    let wanted: HashMap<&str, &str> = waiting.iter().map(|(key, method)| (key.as_str(), *method)).collect();
    let mut found = HashMap::new();
    for call in calls.iter().filter(|c| c.ok || c.method == "views.open") {
        let key = match call.method.as_str() {
            "response_url" => call.args["response_url_tag"].as_str(),
            "views.open" => call.args["trigger_id"].as_str(),
            _ => None,
        };
        if let Some(key) = key.filter(|k| wanted.get(k) == Some(&call.method.as_str())) {
            found.entry(key.to_owned()).or_insert(call.at);
        }
    }
    found
}

fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((values.len() as f64 * q).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Join,
    Form,
    Help,
    Preview,
}

/// A command as sent, and when.
struct Sent {
    kind: Kind,
    tag: String,
    trigger: String,
    at: Instant,
    /// When the HTTP answer came.
    acked: Instant,
    /// When the HTTP answer carried something to show (help's answer itself, a join's,
    /// or word that the answer is on its way).
    answered_inline: Option<Instant>,
    /// When the HTTP answer was the answer itself, not word that it is on its way.
    answered_at_ack: Option<Instant>,
}

fn send(
    caller: &SlackCaller,
    gate: &Arc<Semaphore>,
    kind: Kind,
    user: String,
    text: String,
) -> tokio::task::JoinHandle<anyhow::Result<Sent>> {
    let (caller, gate) = (caller.clone(), gate.clone());
    tokio::spawn(async move {
        let _slot = gate.acquire_owned().await?;
        let at = Instant::now();
        let (answer, tag) = caller.command(&user, &text).await;
        ensure!(answer.status == 200, "`{text}` was refused: HTTP {} {}", answer.status, answer.body);
        let acked = Instant::now();
        let answered_inline = (!answer.body.is_empty()).then_some(acked);
        let on_its_way = serde_json::from_str::<serde_json::Value>(&answer.body)
            .is_ok_and(|body| body["text"] == messages::on_its_way().text);
        let answered_at_ack = answered_inline.filter(|_| !on_its_way);
        // The simulator's trigger ids follow its response tags: `cmd<n>` and `<n>.1.trigger`.
        let trigger = format!("{}.1.trigger", tag.trim_start_matches("cmd"));
        Ok(Sent { kind, tag, trigger, at, acked, answered_inline, answered_at_ack })
    })
}
