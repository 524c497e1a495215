//! The pairing optimiser: pure Rust, no I/O, no clock (except the deadline of
//! [`solve_within`], read from the monotonic clock).
//!
//! Given a program's available mentors (juniors who teach) and mentees (seniors who
//! learn), [`solve`] chooses the pairs with the highest total compatibility that break
//! no hard rule ([`score`]). It is exact, not greedy: the pairs come from a sparse
//! min-cost assignment ([`assign`]) over a shortlist of each person's best partners
//! ([`candidates`]), and *pricing* against the assignment's dual prices then checks every
//! compatible pair in the whole program; pairs that could still improve the total join
//! the shortlist and the assignment is solved again, until the scan's dual bound equals
//! the total. That is a proof: the [`Outcome`] carries the bound, equal to the total when
//! the answer is proven optimal. There is one way to solve, the proven one, for the bot
//! and the benchmark alike; [`solve_within`] is the same rounds cut short by a time
//! budget, for a caller that would rather have a near-optimal answer now. A dense matrix
//! would need 20 GB at 50,000 × 50,000; the shortlist needs a few dozen pairs per person.
//!
//! [`validate::violations`] checks any outcome independently; [`generate`] makes the
//! seeded synthetic organisations of the tests and of `upward bench matching`;
//! [`exact`] is the dense reference solver for sizes where one fits.

pub mod assign;
pub mod candidates;
pub mod exact;
pub mod generate;
pub mod model;
mod parallel;
pub mod score;
mod solve;
pub mod validate;

pub use model::{
    Instance, Outcome, Pair, Person, PersonId, Progress, Reason, Rules, Side, Unmatched, UnmatchedReason, Weights,
    NO_DEPARTMENT,
};
pub use solve::{solve, solve_within};

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::*;

    fn small_instance() -> impl Strategy<Value = Instance> {
        let person = |id_base: u32| {
            (0u16..3, proptest::option::of(0u32..6), -2i32..3, proptest::collection::vec(0u16..5, 1..3), 1u8..9)
                .prop_map(move |(department, manager, zone, skills, level)| Person {
                    id: id_base,
                    department,
                    manager: manager.map(|m| m + 100),
                    utc_offset_minutes: zone * 180,
                    teach: skills.clone(),
                    learn: skills,
                    level: Some(level),
                    capacity: None,
                })
        };
        (
            proptest::collection::vec(person(0), 0..7),
            proptest::collection::vec(person(0), 0..8),
            proptest::collection::vec((0u32..7, 100u32..108), 0..5),
            1u32..4,
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(0u8..3),
            any::<u64>(),
        )
            .prop_map(|(mut mentors, mut mentees, past_pairs, capacity, repeats, departments, gap, seed)| {
                for (k, m) in mentors.iter_mut().enumerate() {
                    m.id = k as u32;
                }
                for (k, m) in mentees.iter_mut().enumerate() {
                    // Some people are both: mentee 100 + k is mentor k when k is even.
                    m.id = if k % 2 == 0 && k < mentors.len() { k as u32 } else { 100 + k as u32 };
                }
                Instance {
                    mentors,
                    mentees,
                    past_pairs,
                    weights: Weights::default(),
                    rules: Rules {
                        capacity,
                        allow_repeats: repeats,
                        forbid_same_department: departments,
                        min_level_gap: gap,
                        ..Rules::default()
                    },
                    seed,
                }
            })
    }

    /// Every subset of allowed pairs, by brute force: the optimum of tiny instances.
    fn brute_force(instance: &Instance) -> i64 {
        let compat = score::Compatibility::new(instance);
        fn best(instance: &Instance, compat: &score::Compatibility, i: usize, load: &mut Vec<u32>) -> i64 {
            if i == instance.mentees.len() {
                return 0;
            }
            let mut top = best(instance, compat, i + 1, load);
            for (j, mentor) in instance.mentors.iter().enumerate() {
                if load[j] < mentor.capacity.unwrap_or(instance.rules.capacity) {
                    if let Some(fit) = compat.fit(mentor, &instance.mentees[i]) {
                        load[j] += 1;
                        top = top.max(fit.score + best(instance, compat, i + 1, load));
                        load[j] -= 1;
                    }
                }
            }
            top
        }
        best(instance, &compat, 0, &mut vec![0; instance.mentors.len()])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn results_break_no_rule_and_are_optimal_and_reproducible(instance in small_instance()) {
            let outcome = solve(&instance);
            let broken = validate::violations(&instance, &outcome);
            prop_assert!(broken.is_empty(), "{:?}", broken);
            let optimum = brute_force(&instance);
            prop_assert_eq!(outcome.total_score, optimum);
            prop_assert_eq!(exact::optimum(&instance), optimum);
            prop_assert_eq!(outcome.upper_bound, optimum, "the answer comes with its proof");
            prop_assert!(outcome.is_proven_optimal());
            prop_assert_eq!(solve(&instance), outcome, "same input, same answer");
        }

        #[test]
        fn a_spent_budget_still_gives_valid_pairs_under_a_true_bound(instance in small_instance()) {
            let cut = solve_within(&instance, Duration::ZERO, |_| {});
            prop_assert!(validate::violations(&instance, &cut).is_empty());
            let optimum = brute_force(&instance);
            prop_assert!(cut.total_score <= optimum && optimum <= cut.upper_bound);
        }
    }

    #[test]
    fn a_generated_organisation_gets_the_dense_optimum_and_its_proof() {
        let instance = generate::generate(2_000, 7);
        let outcome = solve(&instance);
        assert!(validate::violations(&instance, &outcome).is_empty());
        let optimum = exact::optimum(&instance);
        assert_eq!(outcome.total_score, optimum);
        assert_eq!(outcome.upper_bound, optimum);
        assert_eq!(solve(&instance), outcome, "same input, same answer");
        assert_eq!(generate::generate(2_000, 7), instance, "the generator is reproducible");
    }

    #[test]
    fn a_budgeted_solve_reports_each_round_and_matches_the_unbudgeted_one_when_it_proves() {
        let instance = generate::generate(2_000, 5);
        let optimum = exact::optimum(&instance);
        let mut rounds = Vec::new();
        let unhurried = solve_within(&instance, Duration::MAX, |p| rounds.push(p));
        assert_eq!(unhurried, solve(&instance));
        assert_eq!(rounds.iter().map(|p| p.round).collect::<Vec<_>>(), (1..=rounds.len()).collect::<Vec<_>>());
        let last = rounds.last().expect("at least one round");
        assert_eq!((last.total_score, last.upper_bound), (optimum, optimum));
        assert!(rounds.iter().all(|p| p.total_score <= optimum && optimum <= p.upper_bound));

        let mut heard = Vec::new();
        let hurried = solve_within(&instance, Duration::ZERO, |p| heard.push(p));
        assert_eq!(heard, rounds[..1], "a spent budget stops after the first round");
        assert!(validate::violations(&instance, &hurried).is_empty());
        assert_eq!((hurried.total_score, hurried.upper_bound), (heard[0].total_score, heard[0].upper_bound));
        assert_eq!(hurried.is_proven_optimal(), rounds.len() == 1, "only a proof ends the solve early");
        assert!(hurried.gap_pct() >= 0.0);
    }

    #[test]
    fn the_fast_scorer_agrees_with_the_reference_scoring() {
        let instance = generate::generate(300, 11);
        let scorer = score::FastScorer::new(&instance);
        for (i, mentee) in instance.mentees.iter().enumerate() {
            for (j, mentor) in instance.mentors.iter().enumerate() {
                let reference = score::fit(mentor, mentee, &instance.weights, &instance.rules).map(|f| f.score);
                assert_eq!(scorer.score(j, i), reference, "mentor {j}, mentee {i}");
            }
        }
    }

    #[test]
    fn unmatched_people_are_told_why() {
        let mut instance = generate::generate(40, 3);
        instance.mentees.truncate(5);
        instance.mentees[0].learn = vec![199];
        let outcome = solve(&instance);
        let reason_of = |id| outcome.unmatched.iter().find(|u| u.person == id).map(|u| u.reason);
        if !instance.mentors.iter().any(|m| m.teach.contains(&199)) {
            assert_eq!(reason_of(instance.mentees[0].id), Some(UnmatchedReason::NoCompatiblePartner));
        }
        assert!(outcome.unmatched.iter().filter(|u| u.side == Side::Mentor).count() >= instance.mentors.len() - 5);
    }
}
