//! `upward bench`: measurements, not tests. Each benchmark prints its figures and
//! writes them as JSON under `bench/results/`, so runs on different machines or
//! commits can be compared.

pub mod burst;
pub mod delivery;
pub mod faults;
pub mod import;
pub mod inbound;
pub mod matching;
mod process;
pub mod slowloris;

use std::path::Path;

use anyhow::Context as _;

use crate::config::{BenchArgs, BenchTarget};

/// Sizes run when none are given: those the matching targets are stated for, and 5,000,
/// the largest where the dense exact reference still runs.
const DEFAULT_SIZES: [usize; 5] = [1_000, 5_000, 10_000, 50_000, 100_000];
/// People joining at once when no size is given: the launch-day targets' sizes.
const DEFAULT_PEOPLE: [usize; 2] = [1_000, 10_000];
/// Pairs nudged when no size is given: the delivery target is stated for 10,000.
const DEFAULT_PAIRS: usize = 10_000;
/// Employees in the org chart when no size is given.
const DEFAULT_IMPORT_ROWS: [usize; 2] = [1_000, 10_000];
/// Messages per fault scenario when no size is given.
const DEFAULT_FAULT_MESSAGES: usize = 100;

/// The bot token, signing secret and owner the benchmarks' simulator and bot share.
const TOKEN: &str = "xoxb-bench-token";
const SECRET: &str = "bench-signing-secret";
const OWNER: &str = "U0OWNER";

/// `upward serve` inside this process, on `database` against `sim` and the system
/// clock, with the workers `workers`: for a benchmark that drives one piece by hand
/// (the benchmarks that load the whole bot run it as a process of its own).
async fn serve_with(
    sim: &slack_sim::Sim,
    database: &Path,
    workers: crate::app::Workers,
) -> anyhow::Result<crate::app::Running> {
    let config = crate::config::ServeArgs {
        slack_bot_token: Some(TOKEN.into()),
        slack_signing_secret: Some(SECRET.into()),
        slack_api_url: Some(sim.api_url()),
        database_url: Some(format!("sqlite://{}", database.display())),
        listen: Some("127.0.0.1:0".into()),
        owners: Some(OWNER.into()),
        ..crate::config::ServeArgs::default()
    }
    .into_config()?;
    let app = crate::app::App::build(config, std::sync::Arc::new(crate::clock::SystemClock)).await?;
    Ok(app.start(workers).await?)
}

/// The process's peak resident set, in MiB (Linux; 0 elsewhere).
pub(crate) fn peak_mib() -> f64 {
    peak_mib_of("/proc/self/status")
}

/// The peak resident set a process's `status` file reports, in MiB (0 if unreadable).
fn peak_mib_of(status: &str) -> f64 {
    std::fs::read_to_string(status)
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The machine's one-minute load average (Linux), so a figure says how busy the cores
/// were: timings on a shared 2-core machine vary with it.
pub(crate) fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// Starts a new high-water mark for [`peak_mib`], so each run reports its own peak
/// (Linux: `5` to /proc/self/clear_refs; elsewhere nothing).
pub(crate) fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The binary the benchmarks that load the whole bot run as a process of its own: this
/// one unless `--bot` names another build.
fn bot_binary(args: &BenchArgs) -> anyhow::Result<std::path::PathBuf> {
    match &args.bot {
        Some(bot) => Ok(bot.clone()),
        None => std::env::current_exe().context("where this binary is"),
    }
}

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    match args.target {
        BenchTarget::Inbound => {
            let rows = inbound::run_inbound(
                args.seconds,
                std::time::Duration::from_millis(args.latency_ms),
                Path::new("bench/inbound/bolt"),
                &bot_binary(args)?,
            )
            .await?;
            println!(
                "{:>11} {:>9} {:>9} {:>9} {:>9} {:>7} {:>14}",
                "server", "requests", "req/s", "p50 ms", "p99 ms", "errors", "all answered s"
            );
            for row in &rows {
                println!(
                    "{:>11} {:>9} {:>9.0} {:>9.2} {:>9.2} {:>7} {:>14.2}",
                    row.server,
                    row.requests,
                    row.req_per_s,
                    row.p50_ms,
                    row.p99_ms,
                    row.errors,
                    row.seconds_until_all_answered
                );
            }
            write_results(&args.results, "inbound.json", &rows)
        }
        BenchTarget::Burst => {
            let people = args.sizes.clone().unwrap_or_else(|| DEFAULT_PEOPLE.to_vec());
            let latency = std::time::Duration::from_millis(args.latency_ms);
            let bot = bot_binary(args)?;
            println!(
                "{:>7} {:>8} {:>9} {:>9} {:>9} {:>10} {:>8} {:>9} {:>9} {:>10} {:>8} {:>9} {:>8} {:>8} {:>6} {:>9}",
                "people",
                "rtt ms",
                "all ans s",
                "p50 ms",
                "p99 ms",
                "shown p99",
                "ack p99",
                "form p99",
                "help p99",
                "preview ms",
                "expired",
                "info 429",
                "bot MiB",
                "stop ms",
                "left",
                "429 again"
            );
            let mut rows = Vec::new();
            for size in people {
                let row = burst::run_burst(size, latency, &bot).await?;
                println!(
                    "{:>7} {:>8} {:>9.2} {:>9.0} {:>9.0} {:>10.0} {:>8.0} {:>9.0} {:>9.0} {:>10.0} {:>8} {:>9} {:>8.1} {:>8.0} {:>6} {:>9}",
                    row.people,
                    row.latency_ms,
                    row.seconds_to_all_answered,
                    row.answer_p50_ms,
                    row.answer_p99_ms,
                    row.shown_p99_ms,
                    row.ack_p99_ms,
                    row.form_open_p99_ms,
                    row.help_p99_ms,
                    row.preview_ms,
                    row.expired_triggers,
                    row.users_info_429s,
                    row.peak_rss_mib,
                    row.sigterm_exit_ms,
                    row.left_at_sigterm,
                    row.users_info_429s_at_restart
                );
                rows.push(row);
            }
            write_results(&args.results, "burst.json", &rows)
        }
        BenchTarget::Delivery => {
            let pairs = args.sizes.as_ref().and_then(|s| s.first().copied()).unwrap_or(DEFAULT_PAIRS);
            println!(
                "{:>8} {:>8} {:>8} {:>8} {:>6} {:>8} {:>7} {:>20} {:>8} {:>8} {:>5} {:>5} {:>7} {:>8}",
                "run",
                "engine",
                "replicas",
                "messages",
                "speed",
                "seconds",
                "msg/s",
                "binding limit",
                "ceiling",
                "% of it",
                "dup",
                "lost",
                "429s",
                "peak MiB"
            );
            let print = |row: &delivery::DeliveryRow| {
                println!(
                    "{:>8} {:>8} {:>8} {:>8} {:>6} {:>8.1} {:>7.1} {:>20} {:>8.1} {:>8.1} {:>5} {:>5} {:>7} {:>8.1}",
                    row.run,
                    row.engine,
                    row.replicas,
                    row.messages,
                    row.speed,
                    row.seconds,
                    row.per_second,
                    row.binding_limit,
                    row.ceiling_per_second,
                    row.fraction_of_ceiling * 100.0,
                    row.duplicates,
                    row.lost,
                    row.refused,
                    row.peak_mib
                )
            };
            // Each kind of run replaces its own rows and keeps the others'.
            let mut produced = Vec::new();
            if let Some(replicas) = &args.replicas {
                let server = args.database.as_deref().context("--replicas needs --database postgres://…")?;
                for &n in replicas {
                    produced.push(delivery::run_replicas(server, pairs, args.speed, n).await?);
                    print(&produced[produced.len() - 1]);
                }
            } else {
                for crash in [false, true] {
                    produced.push(delivery::run_round(pairs, args.speed, crash).await?);
                    print(&produced[produced.len() - 1]);
                }
            }
            let path = args.results.join("delivery.json");
            let mut rows: Vec<serde_json::Value> = std::fs::read_to_string(&path)
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or_default();
            rows.retain(|row| !produced.iter().any(|p| row["run"] == p.run));
            for row in &produced {
                rows.push(serde_json::to_value(row)?);
            }
            write_results(&args.results, "delivery.json", &rows)
        }
        BenchTarget::Import => {
            let sizes = args.sizes.clone().unwrap_or_else(|| DEFAULT_IMPORT_ROWS.to_vec());
            println!(
                "{:>7} {:>6} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9} {:>9} {:>11} {:>5} {:>8}",
                "rows",
                "pages",
                "dir s",
                "lookups",
                "dry run s",
                "updated",
                "apply s",
                "unmatched",
                "no cache",
                "no cache s",
                "429s",
                "peak MiB"
            );
            let mut rows = Vec::new();
            for size in sizes {
                let row = import::run_import(size).await?;
                println!(
                    "{:>7} {:>6} {:>8.1} {:>8} {:>9.2} {:>8} {:>8.2} {:>9} {:>9} {:>11.0} {:>5} {:>8.1}",
                    row.rows,
                    row.directory_pages,
                    row.directory_seconds,
                    row.lookups,
                    row.dry_run_seconds,
                    row.updated,
                    row.apply_seconds,
                    row.unmatched,
                    row.lookups_without_cache,
                    row.seconds_without_cache,
                    row.rate_limited,
                    row.peak_mib
                );
                rows.push(row);
            }
            write_results(&args.results, "import.json", &rows)
        }
        BenchTarget::Slowloris => {
            let connections = args.sizes.as_ref().and_then(|s| s.first().copied()).unwrap_or(10_000);
            let row = slowloris::run(connections).await?;
            println!(
                "{} half-header connections ({} connected, cap {}): /healthz {}/{} ok, slowest {:.1} ms, {} fds",
                row.connections,
                row.connected,
                row.max_connections,
                row.probes_ok,
                row.probes,
                row.slowest_probe_ms,
                row.open_fds
            );
            write_results(&args.results, "slowloris.json", &[&row])?;
            anyhow::ensure!(row.probes_ok == row.probes, "/healthz did not always answer");
            Ok(())
        }
        BenchTarget::Faults => {
            let messages = args.sizes.as_ref().and_then(|s| s.first().copied()).unwrap_or(DEFAULT_FAULT_MESSAGES);
            println!(
                "{:<26} {:<29} {:>5} {:>5} {:>4} {:>4} {:>5} {:>4} {:>6} {:>7} {:>5}",
                "scenario", "method", "msgs", "sent", "lost", "dup", "ambig", "dead", "alerts", "hours", "held"
            );
            let mut rows = Vec::new();
            let mut broken = Vec::new();
            for (scenario, row) in faults::run_all(messages).await? {
                let held = row.held(&scenario);
                println!(
                    "{:<26} {:<29} {:>5} {:>5} {:>4} {:>4} {:>5} {:>4} {:>6} {:>7.2} {:>5}",
                    row.scenario,
                    row.method,
                    row.messages,
                    row.delivered,
                    row.lost,
                    row.duplicated,
                    row.ambiguous,
                    row.dead,
                    row.owner_alerts,
                    row.simulated_hours,
                    held
                );
                if !held {
                    broken.push(format!("{} on {}", row.scenario, row.method));
                }
                rows.push(row);
            }
            write_results(&args.results, "faults.json", &rows)?;
            anyhow::ensure!(broken.is_empty(), "the delivery promise broke in: {}", broken.join(", "));
            Ok(())
        }
        BenchTarget::Matching => {
            let mut sizes = args.sizes.clone().unwrap_or_else(|| DEFAULT_SIZES.to_vec());
            if let Some(path) = &args.write_instance {
                let size = sizes.first().copied().unwrap_or(DEFAULT_SIZES[0]);
                matching::write_instance(path, size, args.seed)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!("wrote the {size}-participant instance (seed {}) to {}", args.seed, path.display());
                return Ok(());
            }
            sizes.sort_unstable();
            println!(
                "{:>12} {:>9} {:>9} {:>14} {:>14} {:>14} {:>8} {:>7} {:>10} {:>6}",
                "participants",
                "seconds",
                "peak MiB",
                "total score",
                "upper bound",
                "optimum",
                "gap %",
                "proven",
                "violations",
                "load"
            );
            let mut rows = Vec::new();
            for size in sizes {
                let row = matching::run_size(size, args.seed);
                println!(
                    "{:>12} {:>9.3} {:>9.1} {:>14} {:>14} {:>14} {:>8.4} {:>7} {:>10} {:>6}",
                    row.participants,
                    row.seconds,
                    row.peak_mib,
                    row.total_score,
                    row.upper_bound,
                    row.optimum.map_or("-".to_owned(), |o| o.to_string()),
                    row.gap_pct,
                    if row.proven { "yes" } else { "no" },
                    row.violations,
                    row.load_average.map_or("-".to_owned(), |l| format!("{l:.2}"))
                );
                rows.push(row);
            }
            write_results(&args.results, "matching.json", &rows)
        }
    }
}

fn write_results(dir: &Path, name: &str, rows: &impl serde::Serialize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(rows)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("figures written to {}", path.display());
    Ok(())
}
