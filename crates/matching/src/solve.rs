//! The optimiser: shortlist → sparse assignment → pricing, until proven optimal.
//!
//! Scores are integers; so that ties between equally good pairs are broken by the seed,
//! not by scan order, each pair's score is scaled by 2^32 and given a seeded
//! perturbation small enough that the perturbations of a whole solution stay under
//! half a point of real score.
//! The assignment is solved to within ε per mentee, with ε small enough that all the
//! slack together stays under the other half point: so an ε-optimal answer has the
//! optimal score, and a bound within the slack of it proves so.
//!
//! After each solve, *pricing* scans every compatible pair against the solver's prices:
//! a pair that would make its mentee more than ε better off joins the graph, and the
//! next solve starts from the last one's assignment and prices (only the mentees the new
//! pairs tempt bid again). The same scan yields a valid upper bound on the real (integer)
//! score at any point, and the rounds stop as soon as that bound equals the assignment's
//! score: the answer is then proven optimal, even while the perturbed problem (which
//! only breaks ties) might still shuffle equally good pairs for many more rounds. Every
//! step is deterministic, so the same instance always gets the same answer.
//!
//! The first rounds are *coarse*: solved and priced at [`COARSE_EPSILON`], a
//! thirty-second of a point, instead of the fine ε. The shortlist misses the partners a
//! third of the mentees end up wanting (17,000 of 50,000 at 100,000 people), and the
//! rounds that add them move thousands of mentees each; at the fine ε each of those
//! rounds re-ran phases that only settle ties (1.1 to 2.9 s a round), at the coarse one
//! they stop early (0.2 to 0.5 s). Once a coarse round tempts few mentees, or no
//! longer halves how many, the rounds go on at the fine ε from the coarse prices until
//! the proof; the proof is made at the fine ε only (or by a bound that already equals
//! the total).

use std::ops::Range;
use std::time::{Duration, Instant};

use super::assign::{self, Graph};
use super::candidates::{Found, Pairs, SkillIndex};
use super::model::{Instance, Outcome, Pair, Progress, Side, Unmatched, UnmatchedReason};
use super::score::{Compatibility, FastScorer};

const SCALE: i64 = 1 << 32;
/// Good partners shortlisted per mentee, and per mentor, before the first solve.
const PER_MENTEE: usize = 24;
const PER_MENTOR: usize = 12;
/// Pairs added per mentee per pricing round. Few mentees have any, but those that do
/// (mostly the unmatched, wanting a popular skill) need many fresh options at once, or
/// each round only moves the shortage on to the next of them.
const VIOLATORS_PER_ROW: usize = 32;
/// The ε of the coarse rounds (a thirty-second of a point; see the module's doc).
const COARSE_EPSILON: i64 = SCALE / 32;
/// The coarse rounds end once one tempts at most this share of the mentees (1 in 16).
const COARSE_UNTIL_ONE_IN: usize = 16;
/// Price of a mentor without places: no pair with them is ever worth scoring.
const NO_PLACES: i64 = i64::MAX / 4;

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
    /// Perturbations lie in `0..perturbation`; a whole solution's stay under SCALE / 2.
    perturbation: u64,
    /// The assignment's slack per mentee; all of it together stays under SCALE / 2.
    epsilon: i64,
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

    /// Mentor `j`'s slots: one column per mentee they may take.
    fn places(&self, j: u32) -> Range<usize> {
        self.slot_start[j as usize]..self.slot_start[j as usize + 1]
    }

    fn graph(&self, rows: &[Vec<(u32, i64)>]) -> Graph {
        let slots = self.slot_count();
        // Sized up front for one place per mentor, the usual case: the graph is rebuilt
        // every round, and growing it showed.
        let edges = rows.iter().map(Vec::len).sum::<usize>() + rows.len();
        let (mut cols, mut costs) = (Vec::with_capacity(edges), Vec::with_capacity(edges));
        let mut start = Vec::with_capacity(rows.len() + 1);
        start.push(0);
        for (i, row) in rows.iter().enumerate() {
            for &(j, value) in row {
                for slot in self.places(j) {
                    cols.push(slot as u32);
                    costs.push(self.cost(value));
                }
            }
            cols.push((slots + i) as u32);
            costs.push(self.unmatched_cost);
            start.push(cols.len());
        }
        Graph { start, cols, costs, columns: slots + rows.len() }
    }

    fn pairs(&self) -> Pairs<'_, impl Fn(usize, usize, i64) -> i64 + Sync + '_> {
        Pairs {
            instance: self.instance,
            index: &self.index,
            scorer: &self.scorer,
            compat: &self.compat,
            value: |i: usize, j: usize, score: i64| self.value(i, j, score),
            scale: SCALE,
            noise: self.perturbation as i64,
            unmatched_cost: self.unmatched_cost,
        }
    }

    fn has_places(&self, j: usize) -> bool {
        self.slot_start[j + 1] > self.slot_start[j]
    }

    /// Each mentee's good mentors and each mentor's good mentees, before any price is known.
    fn shortlist(&self) -> Vec<Vec<(u32, i64)>> {
        let mentors = self.instance.mentors.len();
        let free: Vec<i64> = (0..mentors).map(|j| if self.has_places(j) { 0 } else { NO_PLACES }).collect();
        let anything = vec![self.unmatched_cost; self.instance.mentees.len()];
        let pairs = self.pairs();
        let mut rows: Vec<Vec<(u32, i64)>> =
            pairs.mentors_for_mentees(&free, &anything, PER_MENTEE, true).into_iter().map(|f| f.pairs).collect();
        let has_places: Vec<bool> = (0..mentors).map(|j| self.has_places(j)).collect();
        for (j, found) in pairs.mentees_for_mentors(&has_places, PER_MENTOR).into_iter().enumerate() {
            for (i, value) in found.pairs {
                let row = &mut rows[i as usize];
                if !row.iter().any(|&(k, _)| k as usize == j) {
                    row.push((j as u32, value));
                }
            }
        }
        rows
    }
}

/// One pricing scan: the pairs that could improve the total, and the dual bound.
struct Priced {
    violators: Vec<Found>,
    /// Lower bound on the minimum cost (so an upper bound on the score).
    lower_bound: i128,
}

/// Scans every compatible pair against the assignment's prices. A mentee's cheapest
/// option at these prices is at least what it pays less `epsilon` (the assignment is
/// ε-happy on its graph for the ε it was solved to) or a pair the scan finds; with free
/// places priced 0, the sum of those minus all prices bounds any assignment's cost from
/// below.
fn price(p: &Problem, a: &assign::Assignment, epsilon: i64) -> Priced {
    let n = p.instance.mentees.len();
    // A pair must beat the cheapest of a mentor's places.
    let mentor_price: Vec<i64> = (0..p.instance.mentors.len())
        .map(|j| (p.slot_start[j]..p.slot_start[j + 1]).map(|s| a.price[s]).min().unwrap_or(NO_PLACES))
        .collect();
    let below: Vec<i64> = (0..n).map(|i| a.paid(i) - epsilon).collect();
    let violators = p.pairs().mentors_for_mentees(&mentor_price, &below, VIOLATORS_PER_ROW, false);
    let cheapest: i128 = violators.iter().map(|found| i128::from(found.cheapest)).sum();
    let prices: i128 = a.price.iter().map(|&v| i128::from(v)).sum();
    Priced { violators, lower_bound: cheapest - prices }
}

/// Chooses the pairs with the highest total score under the instance's rules, and
/// proves it: the [`Outcome`]'s upper bound equals its total.
pub fn solve(instance: &Instance) -> Outcome {
    run(instance, None, &mut |_| {})
}

/// [`solve`] for a caller that cannot wait for the proof: stops when `budget` has run
/// out and returns the best pairs found so far, with the bound proven for them (see
/// [`Outcome::is_proven_optimal`] and [`Outcome::gap_pct`]). `progress` hears the score
/// and bound after every round, so a caller can show how close the answer is.
///
/// The budget is checked between rounds, and the first round (shortlist, solve, one
/// pricing scan) always completes, as pairs and a bound need it: a budget shorter than
/// that round is overrun by it. A round that ends with a proof ends the solve whatever
/// the budget, so an answer that is proven optimal is the one [`solve`] gives.
///
/// This reads the monotonic clock, the one exception to the crate's "no clock": a
/// deadline is the caller's wish, not an input to the answer, and only an [`Instant`]
/// can say when it has passed while the work runs.
pub fn solve_within(instance: &Instance, budget: Duration, mut progress: impl FnMut(Progress)) -> Outcome {
    // A budget too long to represent never runs out.
    let deadline = Instant::now().checked_add(budget);
    run(instance, deadline, &mut progress)
}

/// The rounds until a proof, or until `deadline`.
fn run(instance: &Instance, deadline: Option<Instant>, progress: &mut dyn FnMut(Progress)) -> Outcome {
    let n = instance.mentees.len();
    let max_score = max_possible_score(instance);
    let half_point = (SCALE / 2) as u64 / (n as u64 + 1);
    let scorer = FastScorer::new(instance);
    let problem = Problem {
        instance,
        compat: Compatibility::new(instance),
        index: SkillIndex::new(instance, &scorer),
        scorer,
        slot_start: slots(instance),
        unmatched_cost: (max_score + 1) * SCALE,
        perturbation: half_point.max(1),
        epsilon: half_point.max(1) as i64,
    };
    let mut rows = problem.shortlist();
    let mut round = 0;
    let mut warm = None;
    // While coarse: how many mentees the last coarse round tempted.
    let mut coarse = (problem.epsilon < COARSE_EPSILON).then_some(usize::MAX);
    let (assignment, upper_bound) = loop {
        round += 1;
        let graph = problem.graph(&rows);
        let (assignment, epsilon) = match coarse {
            Some(_) => (assign::solve_coarse(&graph, COARSE_EPSILON, warm.take()), COARSE_EPSILON),
            None => (assign::solve(&graph, problem.epsilon, warm.take()), problem.epsilon),
        };
        let priced = price(&problem, &assignment, epsilon);
        let upper_scaled = i128::from(problem.unmatched_cost) * n as i128 - priced.lower_bound;
        // Perturbations only add to a pair's value, so the real score is at most the
        // perturbed bound's whole points.
        let upper_bound = upper_scaled.div_euclid(i128::from(SCALE)) as i64;
        let total_score = assignment.row_cost.iter().map(|&c| (problem.unmatched_cost - c).div_euclid(SCALE)).sum();
        progress(Progress { round, total_score, upper_bound });
        let tempted = priced.violators.iter().filter(|found| !found.pairs.is_empty()).count();
        let out_of_time = deadline.is_some_and(|d| Instant::now() >= d);
        // A coarse round with nothing to add is only ε-optimal for its coarse ε.
        let settled = tempted == 0 && coarse.is_none();
        if settled || upper_bound <= total_score || out_of_time {
            break (assignment, upper_bound);
        }
        if let Some(before) = coarse {
            coarse = stays_coarse(tempted, before, n).then_some(tempted);
        }
        for (row, found) in rows.iter_mut().zip(priced.violators) {
            row.extend(found.pairs);
        }
        warm = Some(assignment);
    };
    outcome(&problem, &rows, &assignment, upper_bound)
}

/// Whether the next round is coarse too, after a coarse round that tempted `tempted`
/// of `mentees` (the one before it, `before`): while many are tempted and their number
/// at least halves each round. A tempted share that stops falling would only keep the
/// cheap rounds going without moving the prices much nearer the fine ones.
fn stays_coarse(tempted: usize, before: usize, mentees: usize) -> bool {
    tempted > mentees / COARSE_UNTIL_ONE_IN && tempted * 2 <= before
}

/// The most any pair can score: bounds the cost of staying unmatched.
fn max_possible_score(instance: &Instance) -> i64 {
    let w = &instance.weights;
    let longest = instance.mentees.iter().map(|m| m.learn.len()).max().unwrap_or(0);
    let skill: i64 = (0..longest).map(|p| i64::from(super::score::priority(p))).sum();
    i64::from(w.skill) * skill
        + i64::from(w.hour) * 24
        + i64::from(w.cross_department)
        + super::score::most_for_levels(w, &instance.rules)
}

fn outcome(p: &Problem, rows: &[Vec<(u32, i64)>], a: &assign::Assignment, upper_bound: i64) -> Outcome {
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
            // The shortlist holds a partner for every mentee who has one.
            let reason =
                if rows[i].is_empty() { UnmatchedReason::NoCompatiblePartner } else { UnmatchedReason::CapacityFull };
            unmatched.push(Unmatched { person: mentee.id, side: Side::Mentee, reason });
        }
    }
    let shortlisted = mentors_with_candidates(rows, instance.mentors.len());
    for (j, mentor) in instance.mentors.iter().enumerate() {
        if taken[j] == 0 && p.has_places(j) {
            // Shortlists miss a mentor only when nobody ranks them well: then ask everyone
            // who wants a skill of theirs.
            let compatible = shortlisted[j]
                || mentor.teach.iter().any(|&skill| {
                    p.index.learners(skill).any(|i| p.compat.allowed(mentor, &instance.mentees[i as usize]))
                });
            let reason = if compatible { UnmatchedReason::NoMenteeLeft } else { UnmatchedReason::NoCompatiblePartner };
            unmatched.push(Unmatched { person: mentor.id, side: Side::Mentor, reason });
        }
    }
    pairs.sort_by_key(|pair| (pair.mentor, pair.mentee));
    let total_score = pairs.iter().map(|pair| pair.score).sum();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_rounds_go_on_while_many_mentees_are_tempted_and_their_number_halves() {
        // 100,000 people (seed 7): 17,706, then 6,790, then 2,547 of 50,000 tempted.
        assert!(stays_coarse(17_706, usize::MAX, 50_000), "the first round");
        assert!(stays_coarse(6_790, 17_706, 50_000));
        assert!(!stays_coarse(2_547, 6_790, 50_000), "one in 16 or fewer: on to the fine ε");
        assert!(!stays_coarse(5_000, 9_000, 50_000), "no longer halving: on to the fine ε");
        assert!(!stays_coarse(0, usize::MAX, 50_000), "nothing to add at the coarse ε");
    }
}
