//! `upward bench`: measurements, not tests. Each benchmark prints its figures and
//! writes them as JSON under `bench/results/`, so runs on different machines or
//! commits can be compared.

pub mod matching;

use std::path::Path;

use anyhow::Context as _;

use crate::config::{BenchArgs, BenchTarget};

/// Sizes run when none are given: the three the matching targets are stated for.
const DEFAULT_SIZES: [usize; 3] = [1_000, 10_000, 100_000];

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    match args.target {
        BenchTarget::Matching => {
            let mut sizes = args.sizes.clone().unwrap_or_else(|| DEFAULT_SIZES.to_vec());
            if let Some(path) = &args.write_instance {
                let size = sizes.first().copied().unwrap_or(DEFAULT_SIZES[0]);
                matching::write_instance(path, size, args.seed)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!("wrote the {size}-participant instance (seed {}) to {}", args.seed, path.display());
                return Ok(());
            }
            // Peak memory is the process's high-water mark: smallest sizes first.
            sizes.sort_unstable();
            println!(
                "{:>12} {:>9} {:>9} {:>14} {:>14} {:>8} {:>10}",
                "participants", "seconds", "peak MiB", "total score", "optimum", "gap %", "violations"
            );
            let mut rows = Vec::new();
            for size in sizes {
                let row = matching::run_size(size, args.seed);
                println!(
                    "{:>12} {:>9.3} {:>9.1} {:>14} {:>14} {:>8.4} {:>10}",
                    row.participants,
                    row.seconds,
                    row.peak_mib,
                    row.total_score,
                    row.optimum.map_or("-".to_owned(), |o| o.to_string()),
                    row.gap_pct,
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
