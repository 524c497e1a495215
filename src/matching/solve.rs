//! The optimiser: shortlist → sparse assignment → pricing, until proven optimal.
//!
//! Scores are integers; to make the optimum unique (and so the answer reproducible)
//! each pair's score is scaled by 2^32 and given a seeded perturbation small enough
//! that the perturbations of a whole solution never outweigh one point of real score.
//! After each solve, *pricing* scans every compatible pair against the solver's dual
//! prices: a pair whose reduced cost is negative could improve the total and joins the
//! graph for the next solve; when no pair can, the duals prove the answer optimal on
//! the full problem. The same scan yields a valid upper bound at any point.

use super::assign::{self, Graph};
use super::candidates::{in_parallel, shortlist, SkillIndex};
use super::model::{Instance, Mode, Outcome, Pair, Side, Unmatched, UnmatchedReason};
use super::score::{Compatibility, FastScorer};

const SCALE: i64 = 1 << 32;
/// Fast mode stops once the proven gap is at most this (parts per million).
const FAST_GAP_PPM: i64 = 1_000;
/// Pricing rounds before Fast mode settles for the bound it has.
const FAST_ROUNDS: usize = 3;
/// Pairs added per mentee per pricing round: enough to converge in a few rounds,
/// few enough that the graph stays sparse.
const VIOLATORS_PER_ROW: usize = 8;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The slots (columns) of each mentor: mentor `j` owns `slot_start[j]..slot_start[j+1]`.
fn slots(instance: &Instance) -> Vec<usize> {
    let mut start = vec![0usize];
    for mentor in &instance.mentors {
        let capacity = mentor.capacity.unwrap_or(instance.rules.capacity) as usize;
        start.push(start.last().copied().unwrap_or(0) + capacity);
    }
    start
}

struct Problem<'a> {
    instance: &'a Instance,
    compat: Compatibility<'a>,
    scorer: FastScorer<'a>,
    index: SkillIndex,
    slot_start: Vec<usize>,
    /// Cost of staying unmatched: above every pair's cost.
    unmatched_cost: i64,
    perturbation: u64,
}

impl Problem<'_> {
    fn value(&self, i: usize, j: usize, score: i64) -> i64 {
        let (mentor, mentee) = (self.instance.mentors[j].id, self.instance.mentees[i].id);
        let h = splitmix(self.instance.seed ^ splitmix((u64::from(mentor) << 32) | u64::from(mentee)));
        score * SCALE + (h % self.perturbation) as i64
    }

    fn cost(&self, value: i64) -> i64 {
        self.unmatched_cost - value
    }

    fn slot_count(&self) -> usize {
        *self.slot_start.last().unwrap_or(&0)
    }

    fn graph(&self, rows: &[Vec<(u32, i64)>]) -> Graph {
        let slots = self.slot_count();
        let mut g = Graph { start: vec![0], cols: Vec::new(), costs: Vec::new(), columns: slots + rows.len() };
        for (i, row) in rows.iter().enumerate() {
            for &(j, value) in row {
                for slot in self.slot_start[j as usize]..self.slot_start[j as usize + 1] {
                    g.cols.push(slot as u32);
                    g.costs.push(self.cost(value));
                }
            }
            g.cols.push((slots + i) as u32);
            g.costs.push(self.unmatched_cost);
            g.start.push(g.cols.len());
        }
        g
    }
}

/// One pricing scan: the pairs that could improve the total, and the dual bound.
struct Priced {
    violators: Vec<(usize, u32, i64)>,
    /// Lower bound on the minimum cost (so an upper bound on the score).
    lower_bound: i128,
}

fn price(p: &Problem, a: &assign::Assignment) -> Priced {
    let n = p.instance.mentees.len();
    let slots = p.slot_count();
    // The best (highest) price among a mentor's places is the one a pair must beat.
    let best_v: Vec<i64> = (0..p.instance.mentors.len())
        .map(|j| (p.slot_start[j]..p.slot_start[j + 1]).map(|s| a.v[s]).max().unwrap_or(0))
        .collect();
    let parts = in_parallel(n, |range| {
        let mut seen = vec![0u32; p.instance.mentors.len()];
        let mut violators = Vec::new();
        let mut lower: i128 = 0;
        for i in range {
            let u = a.u(i);
            let mentee = &p.instance.mentees[i];
            let mut best = p.unmatched_cost - a.v[slots + i];
            let mut row_violators: Vec<(i64, u32, i64)> = Vec::new();
            p.index.for_each_mentor(p.instance, i, &mut seen, |j| {
                if p.slot_start[j] == p.slot_start[j + 1] {
                    return;
                }
                let Some(score) = p.scorer.score(j, i) else { return };
                let value = p.value(i, j, score);
                let reduced = p.cost(value) - best_v[j];
                if reduced >= best && reduced >= u {
                    return;
                }
                // The rules are asked only about pairs that matter to the bound or the proof.
                if !p.compat.allowed(&p.instance.mentors[j], mentee) {
                    return;
                }
                best = best.min(reduced);
                if reduced < u {
                    row_violators.push((reduced, j as u32, value));
                }
            });
            // Partial pricing: the most promising few per mentee each round.
            if row_violators.len() > VIOLATORS_PER_ROW {
                row_violators.select_nth_unstable_by_key(VIOLATORS_PER_ROW, |&(reduced, j, _)| (reduced, j));
                row_violators.truncate(VIOLATORS_PER_ROW);
            }
            violators.extend(row_violators.into_iter().map(|(_, j, value)| (i, j, value)));
            lower += i128::from(best);
        }
        (violators, lower)
    });
    let mut priced = Priced { violators: Vec::new(), lower_bound: a.v.iter().map(|&v| i128::from(v)).sum() };
    for (violators, lower) in parts {
        priced.violators.extend(violators);
        priced.lower_bound += lower;
    }
    priced
}

/// Chooses the pairs with the highest total score under the instance's rules.
pub fn solve(instance: &Instance, mode: Mode) -> Outcome {
    let n = instance.mentees.len();
    let compat = Compatibility::new(instance);
    let index = SkillIndex::new(instance);
    let max_score = max_possible_score(instance);
    let problem = Problem {
        instance,
        compat,
        scorer: FastScorer::new(instance),
        index,
        slot_start: slots(instance),
        unmatched_cost: (max_score + 1) * SCALE,
        perturbation: (SCALE as u64 / (n as u64 + 1)).max(1),
    };
    let mut rows =
        shortlist(instance, &problem.index, &problem.scorer, &problem.compat, &|i, j, s| problem.value(i, j, s));
    let mut rounds = 0;
    let (assignment, upper_scaled) = loop {
        rounds += 1;
        let assignment = assign::solve(&problem.graph(&rows));
        let priced = price(&problem, &assignment);
        let upper_scaled = i128::from(problem.unmatched_cost) * n as i128 - priced.lower_bound;
        let achieved: i128 = assignment.row_cost.iter().map(|&c| i128::from(problem.unmatched_cost - c)).sum::<i128>();
        let close = (upper_scaled - achieved) * 1_000_000 <= achieved * i128::from(FAST_GAP_PPM);
        let stop = priced.violators.is_empty() || (mode == Mode::Fast && (close || rounds >= FAST_ROUNDS));
        if stop {
            break (assignment, upper_scaled);
        }
        for (i, j, value) in priced.violators {
            let row = &mut rows[i];
            if !row.iter().any(|&(k, _)| k == j) {
                row.push((j, value));
            }
        }
    };
    outcome(&problem, &rows, &assignment, upper_scaled)
}

/// The most any pair can score: bounds the cost of staying unmatched.
fn max_possible_score(instance: &Instance) -> i64 {
    let w = &instance.weights;
    let longest = instance.mentees.iter().map(|m| m.learn.len()).max().unwrap_or(0);
    let skill: i64 = (0..longest).map(|p| i64::from(super::score::priority(p))).sum();
    i64::from(w.skill) * skill + i64::from(w.hour) * 24 + i64::from(w.cross_department)
}

fn outcome(p: &Problem, rows: &[Vec<(u32, i64)>], a: &assign::Assignment, upper_scaled: i128) -> Outcome {
    let instance = p.instance;
    let slots = p.slot_count();
    let mentor_of_slot = |slot: usize| p.slot_start.partition_point(|&s| s <= slot) - 1;
    let mut pairs = Vec::new();
    let mut taken = vec![0u32; instance.mentors.len()];
    let mut unmatched = Vec::new();
    for (i, &col) in a.row_col.iter().enumerate() {
        let mentee = &instance.mentees[i];
        if (col as usize) < slots {
            let j = mentor_of_slot(col as usize);
            taken[j] += 1;
            let fit = p.compat.fit(&instance.mentors[j], mentee).expect("the solver only uses compatible pairs");
            pairs.push(Pair {
                mentor: instance.mentors[j].id,
                mentee: mentee.id,
                score: fit.score,
                reasons: fit.reasons(),
            });
        } else {
            let reason =
                if rows[i].is_empty() { UnmatchedReason::NoCompatiblePartner } else { UnmatchedReason::CapacityFull };
            unmatched.push(Unmatched { person: mentee.id, side: Side::Mentee, reason });
        }
    }
    let has_partner = mentors_with_candidates(rows, instance.mentors.len());
    for (j, mentor) in instance.mentors.iter().enumerate() {
        if taken[j] == 0 && p.slot_start[j + 1] > p.slot_start[j] {
            let reason =
                if has_partner[j] { UnmatchedReason::NoMenteeLeft } else { UnmatchedReason::NoCompatiblePartner };
            unmatched.push(Unmatched { person: mentor.id, side: Side::Mentor, reason });
        }
    }
    pairs.sort_by_key(|pair| (pair.mentor, pair.mentee));
    let total_score = pairs.iter().map(|pair| pair.score).sum();
    let upper_bound = upper_scaled.div_euclid(i128::from(SCALE)) as i64;
    debug_assert!(upper_bound >= total_score, "a dual bound below a feasible total means broken duals");
    Outcome { pairs, unmatched, total_score, upper_bound }
}

fn mentors_with_candidates(rows: &[Vec<(u32, i64)>], mentors: usize) -> Vec<bool> {
    let mut has = vec![false; mentors];
    for row in rows {
        for &(j, _) in row {
            has[j as usize] = true;
        }
    }
    has
}
