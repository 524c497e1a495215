//! `upward bench import`: a company's org chart brought in, against the simulator
//! enforcing Slack's published limits. The workspace's `people` members all have a work
//! email; the HR export lists them, plus 1% of emails nobody has and a few bad levels.
//!
//! It measures the path the import takes in production: the directory's daily
//! `users.list` (paced to Tier 2) caching every email, then the import's read, plan and
//! the `users.lookupByEmail` calls left for the emails the cache lacks (paced to Tier
//! 3), then *Apply* in one transaction. Beside it, the lookups the same file would need
//! without the cache, and how long Tier 3 makes them take: the reason the cache is read
//! first.

use std::time::Instant;

use anyhow::{ensure, Context as _};
use serde::Serialize;

use slack_limits::{RateLimits, TIER_2, TIER_3};
use slack_sim::Sim;

use super::{peak_mib, reset_peak, OWNER, TOKEN};
use crate::commands::imports::{apply, Directory};
use crate::domain::import::Columns;

/// One line of `bench/results/import.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ImportRow {
    /// Rows in the HR export.
    pub rows: usize,
    /// `users.list` pages read into the cache, and how long Tier 2 made that take.
    pub directory_pages: usize,
    pub directory_seconds: f64,
    /// `users.lookupByEmail` calls the import made (the emails the cache lacked).
    pub lookups: usize,
    /// Reading, lookups and planning: the dry run, from the bytes to the report.
    pub dry_run_seconds: f64,
    /// The changes applied in one transaction.
    pub updated: usize,
    pub apply_seconds: f64,
    pub unmatched: usize,
    pub refused: usize,
    /// Without the cache: a lookup per email, and the time Tier 3 allows them.
    pub lookups_without_cache: usize,
    pub seconds_without_cache: f64,
    /// 429s the simulator answered: the pacing's proof.
    pub rate_limited: usize,
    pub peak_mib: f64,
}

fn person(n: usize) -> String {
    format!("U{n:08}")
}

fn email(n: usize) -> String {
    format!("person{n}@example.com")
}

/// The time Tier 3 allows `calls` lookups: the minute's burst at once, then one per interval.
fn tier3_seconds(calls: usize) -> f64 {
    calls.saturating_sub(TIER_3.burst as usize) as f64 * TIER_3.interval.as_secs_f64()
}

pub async fn run_import(people: usize) -> anyhow::Result<ImportRow> {
    reset_peak();
    let sim = Sim::start(TOKEN).await.context("the simulator starts")?;
    for n in 0..people {
        sim.add_user(&person(n), &format!("Person {n}"), Some("Europe/London"));
        sim.set_email(&person(n), &email(n));
    }
    sim.enforce(RateLimits::slack());
    let stamp = chrono::Utc::now().timestamp_micros();
    let database = std::env::temp_dir().join(format!("upward-import-{}-{stamp}.db", std::process::id()));
    let running = super::serve_with(&sim, &database, crate::app::Workers::Manual).await?;
    let ctx = running.ctx.clone();

    let started = Instant::now();
    let cached = crate::jobs::directory::refresh(&ctx, TIER_2.interval).await?;
    let directory_seconds = started.elapsed().as_secs_f64();
    ensure!(cached == people, "the directory cached {cached} of {people}");

    let unknown = (people / 100).max(1);
    let mut csv = String::from("Work Email,Grade,Department,Manager Email\n");
    for n in 0..people {
        let level = if n % 500 == 7 { "13".to_owned() } else { (1 + n % 8).to_string() };
        csv.push_str(&format!("{},{level},Dept {},{}\n", email(n), n % 40, email(n / 10)));
    }
    for n in 0..unknown {
        csv.push_str(&format!("nobody{n}@example.com,3,Sales,\n"));
    }
    let now = chrono::Utc::now().timestamp();
    let directory = Directory { store: &ctx.store, slack: &ctx.slack, team_id: &ctx.team_id, budget: None, now };
    let before = sim.count_calls(|c| c.method == "users.lookupByEmail");
    let started = Instant::now();
    let plan = directory.plan(csv.as_bytes(), &Columns::default()).await?;
    let dry_run_seconds = started.elapsed().as_secs_f64();
    let lookups = sim.count_calls(|c| c.method == "users.lookupByEmail") - before;

    let started = Instant::now();
    apply(&ctx.store, &ctx.team_id, OWNER, "bench.csv", &plan, now).await?;
    let apply_seconds = started.elapsed().as_secs_f64();
    ensure!(plan.unmatched() == unknown, "{} unmatched, {unknown} expected", plan.unmatched());
    // Refused lookups are the unknown emails (users_not_found) plus any 429.
    let refused_lookups = sim.count_calls(|c| !c.ok && c.method == "users.lookupByEmail");
    let rate_limited = refused_lookups - unknown + sim.count_calls(|c| !c.ok && c.method == "users.list");
    running.stop().await;
    super::super::remove_database(&database);
    let emails = people + unknown;
    Ok(ImportRow {
        rows: plan.rows_read,
        directory_pages: people.div_ceil(1_000),
        directory_seconds,
        lookups,
        dry_run_seconds,
        updated: plan.changes.len(),
        apply_seconds,
        unmatched: plan.unmatched(),
        refused: plan.refused(),
        lookups_without_cache: emails,
        seconds_without_cache: tier3_seconds(emails),
        rate_limited,
        peak_mib: peak_mib(),
    })
}
