//! Which pairs the solver looks at. A dense matrix of every mentor against every mentee
//! does not fit at company scale (50,000 × 50,000), and almost all of it is zero: only
//! people who share a skill can pair. So pairs are found through per-skill posting
//! lists, and each person keeps only their best few partners; pricing (in `solve`)
//! later adds any pair the shortlist missed that could improve the total.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::model::Instance;
use super::score::{Compatibility, FastScorer};

/// Best partners kept per mentee, and per mentor.
pub const PER_MENTEE: usize = 24;
pub const PER_MENTOR: usize = 12;

/// The mentors who teach each skill.
pub struct SkillIndex {
    postings: Vec<Vec<u32>>,
}

impl SkillIndex {
    pub fn new(instance: &Instance) -> SkillIndex {
        let mut postings: Vec<Vec<u32>> = Vec::new();
        for (j, mentor) in instance.mentors.iter().enumerate() {
            for &skill in &mentor.teach {
                let skill = usize::from(skill);
                if postings.len() <= skill {
                    postings.resize_with(skill + 1, Vec::new);
                }
                if postings[skill].last() != Some(&(j as u32)) {
                    postings[skill].push(j as u32);
                }
            }
        }
        SkillIndex { postings }
    }

    /// Calls `visit(j)` once for every mentor sharing a skill with mentee `i`.
    /// `seen` is scratch space of one stamp per mentor.
    pub fn for_each_mentor(&self, instance: &Instance, i: usize, seen: &mut [u32], mut visit: impl FnMut(usize)) {
        let stamp = i as u32 + 1;
        for &skill in &instance.mentees[i].learn {
            for &j in self.postings.get(usize::from(skill)).map(Vec::as_slice).unwrap_or(&[]) {
                let j = j as usize;
                if seen[j] != stamp {
                    seen[j] = stamp;
                    visit(j);
                }
            }
        }
    }
}

/// Runs `work` over mentee index ranges on every core, in order of the ranges.
pub fn in_parallel<T: Send>(n: usize, work: impl Fn(std::ops::Range<usize>) -> T + Sync) -> Vec<T> {
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

/// The shortlist: for each mentee, (mentor index, value) of its candidate mentors.
/// `value` is the perturbed, scaled score the solver maximises.
pub fn shortlist(
    instance: &Instance,
    index: &SkillIndex,
    scorer: &FastScorer,
    compat: &Compatibility,
    value: &(impl Fn(usize, usize, i64) -> i64 + Sync),
) -> Vec<Vec<(u32, i64)>> {
    let n = instance.mentees.len();
    let m = instance.mentors.len();
    let parts = in_parallel(n, |range| {
        let mut seen = vec![0u32; m];
        let mut by_mentor: Vec<BinaryHeap<Reverse<(i64, u32)>>> = vec![BinaryHeap::new(); m];
        let mut rows = Vec::with_capacity(range.len());
        for i in range {
            let mut best: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();
            let mentee = &instance.mentees[i];
            index.for_each_mentor(instance, i, &mut seen, |j| {
                let Some(score) = scorer.score(j, i) else { return };
                let v = value(i, j, score);
                let keep_row = best.len() < PER_MENTEE || best.peek().is_some_and(|Reverse((low, _))| v > *low);
                let mentor_heap = &by_mentor[j];
                let keep_mentor =
                    mentor_heap.len() < PER_MENTOR || mentor_heap.peek().is_some_and(|Reverse((low, _))| v > *low);
                if !(keep_row || keep_mentor) || !compat.allowed(&instance.mentors[j], mentee) {
                    return;
                }
                if keep_row {
                    if best.len() == PER_MENTEE {
                        best.pop();
                    }
                    best.push(Reverse((v, j as u32)));
                }
                if keep_mentor {
                    let heap = &mut by_mentor[j];
                    if heap.len() == PER_MENTOR {
                        heap.pop();
                    }
                    heap.push(Reverse((v, i as u32)));
                }
            });
            rows.push(best.into_iter().map(|Reverse((v, j))| (j, v)).collect::<Vec<_>>());
        }
        (rows, by_mentor)
    });
    let mut rows: Vec<Vec<(u32, i64)>> = Vec::with_capacity(n);
    let mut best_of_mentor: Vec<Vec<(i64, u32)>> = vec![Vec::new(); m];
    for (part_rows, heaps) in parts {
        rows.extend(part_rows);
        for (j, heap) in heaps.into_iter().enumerate() {
            best_of_mentor[j].extend(heap.into_iter().map(|Reverse(e)| e));
        }
    }
    for (j, mut best) in best_of_mentor.into_iter().enumerate() {
        best.sort_unstable_by_key(|&(v, i)| (Reverse(v), i));
        for (v, i) in best.into_iter().take(PER_MENTOR) {
            let row = &mut rows[i as usize];
            if !row.iter().any(|&(k, _)| k as usize == j) {
                row.push((j as u32, v));
            }
        }
    }
    for row in &mut rows {
        row.sort_unstable_by_key(|&(j, _)| j);
    }
    rows
}
