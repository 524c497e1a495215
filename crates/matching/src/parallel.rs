//! Work split over the cores: the scans of [`crate::candidates`] and the passes of
//! [`crate::assign`] that read every row's edges. Each part covers a fixed range of
//! indices and the parts come back in order, so the answer never depends on which
//! core finished first.

use std::ops::Range;

/// Runs `work` over index ranges of `0..n` on every core, in order of the ranges.
pub fn in_parallel<T: Send>(n: usize, work: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get()).clamp(1, 8);
    let chunk = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let work = &work;
                let range = (t * chunk).min(n)..((t + 1) * chunk).min(n);
                scope.spawn(move || work(range))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a matching worker panicked")).collect()
    })
}
