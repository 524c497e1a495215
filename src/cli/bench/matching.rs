//! `upward bench matching`: the optimiser on seeded synthetic organisations, measured
//! for time, memory, quality and rule-breaking. It runs [`matching::solve`], the one
//! solve the bot runs, to its proof.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use matching::{exact, generate, solve, validate};

/// Largest size the dense reference solver is run at.
const EXACT_UP_TO: usize = 5_000;

/// One line of `bench/results/matching.json`.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    pub participants: usize,
    pub seconds: f64,
    /// The process's peak resident memory while this size ran (VmHWM, reset before it).
    pub peak_mib: f64,
    pub total_score: i64,
    /// From the dense exact solver, where it can run; otherwise null.
    pub optimum: Option<i64>,
    /// Below the optimum where known, else below the proven upper bound.
    pub gap_pct: f64,
    pub violations: usize,
    pub upper_bound: i64,
    /// Whether the upper bound equals the total: no valid set of pairs scores more.
    pub proven: bool,
    /// The one-minute load average just before this size ran: above 2 the two cores
    /// were shared with other work and the time is longer than on an idle machine.
    pub load_average: Option<f64>,
}

pub fn run_size(participants: usize, seed: u64) -> BenchRow {
    let instance = generate::generate(participants, seed);
    let load_average = super::load_average();
    super::reset_peak();
    let started = Instant::now();
    let outcome = solve(&instance);
    let seconds = started.elapsed().as_secs_f64();
    let peak = super::peak_mib();
    let violations = validate::violations(&instance, &outcome).len();
    let optimum = (participants <= EXACT_UP_TO).then(|| exact::optimum(&instance));
    let reference = optimum.unwrap_or(outcome.upper_bound);
    let gap_pct = if reference > 0 { (reference - outcome.total_score) as f64 * 100.0 / reference as f64 } else { 0.0 };
    BenchRow {
        participants,
        seconds,
        peak_mib: peak,
        total_score: outcome.total_score,
        optimum,
        gap_pct,
        violations,
        upper_bound: outcome.upper_bound,
        proven: outcome.is_proven_optimal(),
        load_average,
    }
}

/// Writes the generated instance as JSON, for feeding the same input to another solver.
pub fn write_instance(path: &Path, participants: usize, seed: u64) -> std::io::Result<()> {
    let instance = generate::generate(participants, seed);
    std::fs::write(path, serde_json::to_vec(&instance).map_err(std::io::Error::other)?)
}
