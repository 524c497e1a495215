//! `upward bench faults`: the fault suite. A mix of messages (DMs, group messages,
//! files, App Home views, command answers) is delivered by the real [`Dispatcher`]
//! through the real client to the simulator misbehaving one way per scenario: odd
//! `ok: true` answers, connections dropped after Slack acted, hangs, 5xx and 429
//! storms, a refusal, and outages of hours. Time is a [`ManualClock`]: a six-hour
//! outage is simulated, not waited, and the backoff the dispatcher chose is the time
//! that passes.
//!
//! What was delivered is read from the simulator's call log (a call recorded as
//! successful is one Slack acted on), so the exactly-once invariant is checked where
//! a person would see it: no message lost, none duplicated except once per outcome
//! the dispatcher could not read (counted by the outbox as `ambiguous`).
//!
//! The tests run every scenario with a few messages; the benchmark runs more and
//! writes `bench/results/faults.json`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::TimeZone;
use secrecy::SecretString;
use serde::Serialize;

use crate::clock::{Clock, ManualClock};
use crate::domain::outbound::encode_file;
use crate::domain::outbound::Outbound;
use crate::jobs::dispatcher::Dispatcher;
use crate::slack::messages::reply;
use crate::slack::SlackApi;
use crate::store::Store;
use slack_limits::{Rate, RateLimits};
use slack_sim::{Fault, Sim};

const TOKEN: &str = "xoxb-faults-token";
/// The owner told about a backlog.
pub const OWNER: &str = "U0OWNER01";
/// The client's timeout here: a hang costs this much real time per call.
const CALL_TIMEOUT: Duration = Duration::from_millis(250);
/// No scenario may need more dispatcher wake-ups than this; more means a loop.
const MAX_STEPS: usize = 200_000;

/// How the simulator misbehaves in one scenario.
#[derive(Debug, Clone)]
pub enum Trouble {
    /// The next `calls` calls of the method fail with the fault.
    Calls(Fault, usize),
    /// Every call fails with the fault for `hours` of simulated time, then Slack recovers.
    Outage(Fault, f64),
    /// Every call meets the fault for the whole run (odd answers to calls that work).
    Always(Fault),
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub method: &'static str,
    pub trouble: Trouble,
    /// Whether the fault leaves the outcome unknown (repeats allowed, once each).
    pub ambiguous: bool,
}

/// Every scenario of the suite, for `messages` messages.
pub fn scenarios(messages: usize) -> Vec<Scenario> {
    let all = Trouble::Always;
    let n = messages;
    let s = |name, method, trouble, ambiguous| Scenario { name, method, trouble, ambiguous };
    vec![
        s("ok without message.ts", "chat.postMessage", all(Fault::OkBare), false),
        s("ok as text/html", "chat.postMessage", all(Fault::OkHtml), false),
        s("ok without view", "views.publish", all(Fault::OkBare), false),
        s("ok as text/html", "views.publish", all(Fault::OkHtml), false),
        s("ok without files", "files.completeUploadExternal", all(Fault::OkBare), false),
        s("ok as text/html", "files.completeUploadExternal", all(Fault::OkHtml), false),
        s("ok as text/html", "response_url", all(Fault::OkHtml), false),
        s("500 storm", "chat.postMessage", Trouble::Calls(Fault::ServerError, 3 * n), false),
        s("429 storm", "chat.postMessage", Trouble::Calls(Fault::RateLimited { retry_after_secs: 2 }, 3 * n), false),
        s("500 storm", "files.completeUploadExternal", Trouble::Calls(Fault::ServerError, 2 * n), false),
        s("hang before acting", "chat.postMessage", Trouble::Calls(Fault::NoAnswer, n), true),
        s("acts then drops", "chat.postMessage", Trouble::Calls(Fault::ActThenDrop, n), true),
        s("acts then hangs", "chat.postMessage", Trouble::Calls(Fault::ActThenHang, n), true),
        s("acts then drops", "files.completeUploadExternal", Trouble::Calls(Fault::ActThenDrop, n), true),
        s(
            "refused: invalid_blocks",
            "chat.postMessage",
            Trouble::Calls(Fault::ApiError("invalid_blocks".into()), 2),
            false,
        ),
        s("7-minute 500 outage", "chat.postMessage", Trouble::Outage(Fault::ServerError, 7.0 / 60.0), false),
        s("6-hour 500 outage", "chat.postMessage", Trouble::Outage(Fault::ServerError, 6.0), false),
        s(
            "6-hour service_unavailable",
            "conversations.open",
            Trouble::Outage(Fault::ApiError("service_unavailable".into()), 6.0),
            false,
        ),
    ]
}

/// One line of `bench/results/faults.json`.
#[derive(Debug, Clone, Serialize)]
pub struct FaultRow {
    pub scenario: &'static str,
    pub method: &'static str,
    pub fault: String,
    pub messages: usize,
    /// Messages Slack acted on at least once.
    pub delivered: usize,
    /// Messages neither delivered nor refused by Slack for good.
    pub lost: usize,
    /// Copies beyond the first, over all messages.
    pub duplicated: usize,
    /// Outcomes the dispatcher could not read: the most copies allowed.
    pub ambiguous: i64,
    /// Rows dead-lettered, with their reasons.
    pub dead: usize,
    pub dead_reasons: Vec<String>,
    /// Backlog alerts the owner received.
    pub owner_alerts: usize,
    /// Simulated time from the first attempt until everything was settled.
    pub simulated_hours: f64,
    /// Calls the bot made to the simulator.
    pub calls: usize,
}

impl FaultRow {
    /// Whether the scenario kept the promise: nothing lost, nothing refused except
    /// what Slack refused for good, and no copy beyond one per unknown outcome.
    pub fn held(&self, scenario: &Scenario) -> bool {
        let refusals_only = self.dead_reasons.iter().all(|r| !r.contains("gave up"));
        let repeats_ok =
            if scenario.ambiguous { self.duplicated as i64 <= self.ambiguous } else { self.duplicated == 0 };
        self.lost == 0 && refusals_only && repeats_ok
    }
}

/// The mark of message `i`, found in whatever Slack received for it.
fn marker(i: usize) -> String {
    format!("m{i:05}!")
}

/// Message `i`: each kind in turn, so every delivery path meets every fault.
fn message(i: usize, sim: &Sim) -> Outbound {
    let mark = marker(i);
    let user = format!("U{:08}", i + 1);
    match i % 5 {
        0 => Outbound::DirectMessage { user, message: reply(format!("nudge {mark}")) },
        1 => Outbound::GroupMessage { users: vec![user, format!("U{:08}", 90_000 + i)], message: reply(mark) },
        2 => Outbound::UploadFile {
            user,
            filename: format!("{mark}.csv"),
            title: "Export".to_owned(),
            comment: "Your export".to_owned(),
            content_b64: encode_file(b"a,b\n1,2\n"),
        },
        3 => {
            let view = slack_morphism::prelude::SlackView::Home(slack_morphism::prelude::SlackHomeView::new(
                reply(mark).blocks,
            ));
            Outbound::PublishHome { user, view, chart_png_b64: None, chart_hash: None, chart_file: None }
        }
        _ => Outbound::Respond { response_url: sim.response_url(&mark), message: reply("done") },
    }
}

/// How many times Slack acted on each message, from the simulator's log.
fn copies(sim: &Sim, messages: usize) -> Vec<usize> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut count = |text: &str| {
        for i in 0..messages {
            let mark = marker(i);
            if text.contains(&mark) {
                *seen.entry(mark).or_default() += 1;
            }
        }
    };
    for call in sim.calls().iter().filter(|c| c.ok) {
        match call.method.as_str() {
            "chat.postMessage" | "views.publish" => count(&call.args.to_string()),
            "response_url" => count(call.args["response_url_tag"].as_str().unwrap_or_default()),
            _ => {}
        }
    }
    for upload in sim.uploads() {
        count(&upload.filename);
    }
    (0..messages).map(|i| seen.get(&marker(i)).copied().unwrap_or(0)).collect()
}

/// Runs one scenario with `messages` messages on a fresh database in `dir`.
pub async fn run_scenario(scenario: &Scenario, messages: usize, dir: &std::path::Path) -> anyhow::Result<FaultRow> {
    let url = format!("sqlite://{}", dir.join(format!("faults-{}.db", rand::random::<u64>())).display());
    let store = Store::connect(&url).await.context("the fault suite's database")?;
    let sim = Sim::start(TOKEN).await.context("the simulator")?;
    let slack = SlackApi::new(&sim.api_url(), &SecretString::from(TOKEN))?.with_timeout(CALL_TIMEOUT);
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().context("a start time")?;
    let clock = Arc::new(ManualClock::new(start));
    // Pacing is measured elsewhere (`bench delivery`); here every due row may go.
    let unpaced =
        RateLimits { per_channel: Rate { interval: Duration::from_micros(1), burst: 1_000_000 }, methods: vec![] };
    let dispatcher = Dispatcher::new(store.clone(), slack, clock.clone(), &unpaced).with_owners(vec![OWNER.to_owned()]);

    let mut tx = store.begin(start.timestamp()).await?;
    for i in 0..messages {
        tx.enqueue(&message(i, &sim))?;
    }
    tx.commit().await?;

    let mut recover_at = None;
    match &scenario.trouble {
        Trouble::Calls(fault, calls) => sim.fail(scenario.method, fault.clone(), *calls),
        Trouble::Always(fault) => sim.outage(scenario.method, fault.clone()),
        Trouble::Outage(fault, hours) => {
            sim.outage(scenario.method, fault.clone());
            recover_at = Some(start.timestamp() + (hours * 3600.0) as i64);
        }
    }
    let mut steps = 0;
    loop {
        while dispatcher.dispatch_one().await?.is_some() {}
        if dispatcher.watch_backlog().await? {
            continue;
        }
        let now = clock.now().timestamp();
        if recover_at.is_some_and(|at| now >= at) {
            sim.recover(scenario.method);
            recover_at = None;
        }
        if store.outbox_stats().await?.pending == 0 {
            break;
        }
        let due = store.next_outbound_due().await?.unwrap_or(now + 1);
        let next = recover_at.map_or(due, |at| due.min(at)).max(now + 1);
        clock.advance(chrono::Duration::seconds(next - now));
        steps += 1;
        anyhow::ensure!(steps < MAX_STEPS, "scenario {} did not settle", scenario.name);
    }
    let copies = copies(&sim, messages);
    let figures = store.delivery_figures().await?;
    let dead_reasons: Vec<String> = figures.dead_reasons.iter().map(|(why, n)| format!("{n} × {why}")).collect();
    let dead = figures.dead_reasons.iter().map(|(_, n)| *n as usize).sum();
    let refused = figures
        .dead_reasons
        .iter()
        .filter(|(why, _)| !why.contains("gave up"))
        .map(|(_, n)| *n as usize)
        .sum::<usize>();
    let delivered = copies.iter().filter(|&&n| n > 0).count();
    let owner_alerts = sim.delivered("chat.postMessage").iter().filter(|args| args["channel"] == OWNER).count();
    let row = FaultRow {
        scenario: scenario.name,
        method: scenario.method,
        fault: format!("{:?}", scenario.trouble),
        messages,
        delivered,
        lost: messages - delivered - refused.min(messages - delivered),
        duplicated: copies.iter().map(|&n| n.saturating_sub(1)).sum(),
        ambiguous: figures.ambiguous,
        dead,
        dead_reasons,
        owner_alerts,
        simulated_hours: (clock.now() - start).num_seconds() as f64 / 3600.0,
        calls: sim.calls().len(),
    };
    store.close().await;
    Ok(row)
}

/// Runs every scenario with `messages` messages each.
pub async fn run_all(messages: usize) -> anyhow::Result<Vec<(Scenario, FaultRow)>> {
    let dir = tempfile_dir()?;
    let mut rows = Vec::new();
    for scenario in scenarios(messages) {
        let row = run_scenario(&scenario, messages, &dir).await?;
        rows.push((scenario, row));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rows)
}

/// A private scratch folder for the scenarios' databases.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("upward-faults-{}-{}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
