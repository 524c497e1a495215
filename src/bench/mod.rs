//! `upward bench`: measurements, not tests. Each benchmark prints its figures and
//! writes them as JSON under `bench/results/`, so runs on different machines or
//! commits can be compared.

pub mod delivery;
pub mod matching;

use std::path::Path;

use anyhow::Context as _;

use crate::config::{BenchArgs, BenchTarget};

/// Sizes run when none are given: those the matching targets are stated for, and 5,000,
/// the largest where the dense exact reference still runs.
const DEFAULT_SIZES: [usize; 5] = [1_000, 5_000, 10_000, 50_000, 100_000];
/// Pairs nudged when no size is given: the delivery target is stated for 10,000.
const DEFAULT_PAIRS: usize = 10_000;

/// The process's peak resident set, in MiB (Linux; 0 elsewhere).
pub(crate) fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Starts a new high-water mark for [`peak_mib`], so each run reports its own peak
/// (Linux: `5` to /proc/self/clear_refs; elsewhere nothing).
pub(crate) fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    match args.target {
        BenchTarget::Delivery => {
            let pairs = args.sizes.as_ref().and_then(|s| s.first().copied()).unwrap_or(DEFAULT_PAIRS);
            println!(
                "{:>6} {:>8} {:>6} {:>8} {:>7} {:>20} {:>8} {:>8} {:>5} {:>5} {:>7} {:>8}",
                "run",
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
            let mut rows = Vec::new();
            for crash in [false, true] {
                let row = delivery::run_round(pairs, args.speed, crash).await?;
                println!(
                    "{:>6} {:>8} {:>6} {:>8.1} {:>7.1} {:>20} {:>8.1} {:>8.1} {:>5} {:>5} {:>7} {:>8.1}",
                    row.run,
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
                );
                rows.push(row);
            }
            write_results(&args.results, "delivery.json", &rows)
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
                "{:>12} {:>9} {:>9} {:>14} {:>14} {:>14} {:>8} {:>7} {:>10}",
                "participants",
                "seconds",
                "peak MiB",
                "total score",
                "upper bound",
                "optimum",
                "gap %",
                "proven",
                "violations"
            );
            let mut rows = Vec::new();
            for size in sizes {
                let row = matching::run_size(size, args.seed);
                println!(
                    "{:>12} {:>9.3} {:>9.1} {:>14} {:>14} {:>14} {:>8.4} {:>7} {:>10}",
                    row.participants,
                    row.seconds,
                    row.peak_mib,
                    row.total_score,
                    row.upper_bound,
                    row.optimum.map_or("-".to_owned(), |o| o.to_string()),
                    row.gap_pct,
                    if row.proven { "yes" } else { "no" },
                    row.violations
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
