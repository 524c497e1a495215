//! One solve of a benchmark instance, in a process small enough for profilers: the
//! instruction counts in the README's matching section come from
//! `valgrind --tool=callgrind target/release/examples/solve_once 10000`.
//!
//! Arguments: participants (default 10,000), runs (default 1), seed (default 42, the
//! benchmark's). Prints each run's total, bound, seconds and pricing rounds, and a hash
//! of the pairs: a change meant to leave the answers alone is checked against the
//! previous build's.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().expect("whole numbers"));
    let participants = args.next().unwrap_or(10_000) as usize;
    let runs = args.next().unwrap_or(1);
    let seed = args.next().unwrap_or(42);
    let instance = matching::generate::generate(participants, seed);
    for _ in 0..runs {
        let started = Instant::now();
        // With no deadline this is `solve`, and it tells how many rounds it took.
        let mut rounds = 0;
        let outcome = matching::solve_within(&instance, Duration::MAX, |_| rounds += 1);
        let seconds = started.elapsed().as_secs_f64();
        let mut hasher = DefaultHasher::new();
        for pair in &outcome.pairs {
            (pair.mentor, pair.mentee).hash(&mut hasher);
        }
        println!(
            "participants {participants} seed {seed}: total {} bound {} in {seconds:.3} s, {rounds} rounds, pairs hash {:016x}",
            outcome.total_score,
            outcome.upper_bound,
            hasher.finish()
        );
    }
}
