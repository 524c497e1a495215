//! Work split over the cores: the scans of [`crate::candidates`] and the passes of
//! [`crate::assign`] that read every row's edges. The indices are cut into many small
//! parts that the cores take in turn, not one half each: people differ in how much a
//! scan of theirs costs, and with halves one core idled while the other finished (a
//! pricing scan at 100,000 people: 0.24 s against 0.34 s). Each part covers a fixed
//! range of indices and the parts come back in order, so the answer never depends on
//! which core took which part or finished first.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Parts per core: enough that the last part taken is a small share of the work.
const PARTS_PER_CORE: usize = 32;

/// Runs `work` over index ranges of `0..n` on every core; the results come back in
/// order of the ranges.
pub fn in_parallel<T: Send>(n: usize, work: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get()).clamp(1, 8);
    let size = n.div_ceil(threads * PARTS_PER_CORE).max(1);
    let parts = n.div_ceil(size);
    let next = AtomicUsize::new(0);
    let take = || {
        let mut done = Vec::new();
        loop {
            let part = next.fetch_add(1, Ordering::Relaxed);
            if part >= parts {
                return done;
            }
            done.push((part, work(part * size..((part + 1) * size).min(n))));
        }
    };
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(take)).collect();
        let mut done = take();
        for other in others {
            done.extend(other.join().expect("a matching worker panicked"));
        }
        done
    });
    done.sort_unstable_by_key(|&(part, _)| part);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_index_is_worked_once_and_the_parts_come_back_in_order() {
        for n in [0, 1, 7, 64, 1_000, 12_345] {
            let parts = in_parallel(n, |range| range.collect::<Vec<_>>());
            assert_eq!(parts.concat(), (0..n).collect::<Vec<_>>(), "n = {n}");
        }
    }
}
