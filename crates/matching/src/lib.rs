//! The pairing optimiser: pure Rust, no I/O, no clock.
//!
//! Given a program's available mentors (juniors who teach) and mentees (seniors who
//! learn), [`solve`] chooses the pairs with the highest total compatibility that break
//! no hard rule ([`score`]). It is exact, not greedy: the pairs come from a sparse
//! min-cost assignment ([`assign`]) over a shortlist of each person's best partners
//! ([`candidates`]), and *pricing* against the assignment's dual prices then checks every
//! compatible pair in the whole program; pairs that could still improve the total join
//! the shortlist and the assignment is solved again, until none can. That last scan is
//! a proof: the [`Outcome`] carries the dual upper bound, equal to the total when the
//! answer is proven optimal. A dense matrix would need 20 GB at 50,000 × 50,000; the
//! shortlist needs a few dozen pairs per person.
//!
//! [`validate::violations`] checks any outcome independently; [`generate`] makes the
//! seeded synthetic organisations of the tests and of `upward bench matching`;
//! [`exact`] is the dense reference solver for sizes where one fits.

pub mod assign;
pub mod candidates;
pub mod exact;
pub mod generate;
pub mod model;
pub mod score;
mod solve;
pub mod validate;

pub use model::{
    Instance, Mode, Outcome, Pair, Person, PersonId, Reason, Rules, Side, Unmatched, UnmatchedReason, Weights,
    NO_DEPARTMENT,
};
pub use solve::solve;

#[cfg(test)]
mod tests {
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
            let outcome = solve(&instance, Mode::Exact);
            let broken = validate::violations(&instance, &outcome);
            prop_assert!(broken.is_empty(), "{:?}", broken);
            let optimum = brute_force(&instance);
            prop_assert_eq!(outcome.total_score, optimum);
            prop_assert_eq!(exact::optimum(&instance), optimum);
            prop_assert_eq!(outcome.upper_bound, optimum, "exact mode proves its answer");
            prop_assert_eq!(solve(&instance, Mode::Exact), outcome, "same input, same answer");
            let fast = solve(&instance, Mode::Fast);
            prop_assert!(validate::violations(&instance, &fast).is_empty());
            prop_assert!(fast.upper_bound >= optimum);
        }
    }

    #[test]
    fn a_generated_organisation_is_matched_within_half_a_percent_of_the_optimum() {
        let instance = generate::generate(2_000, 7);
        let fast = solve(&instance, Mode::Fast);
        assert!(validate::violations(&instance, &fast).is_empty());
        let optimum = exact::optimum(&instance);
        assert!(fast.total_score * 1000 >= optimum * 995, "{} vs optimum {optimum}", fast.total_score);
        assert_eq!(solve(&instance, Mode::Exact).total_score, optimum);
        assert_eq!(generate::generate(2_000, 7), instance, "the generator is reproducible");
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
        let outcome = solve(&instance, Mode::Exact);
        let reason_of = |id| outcome.unmatched.iter().find(|u| u.person == id).map(|u| u.reason);
        if !instance.mentors.iter().any(|m| m.teach.contains(&199)) {
            assert_eq!(reason_of(instance.mentees[0].id), Some(UnmatchedReason::NoCompatiblePartner));
        }
        assert!(outcome.unmatched.iter().filter(|u| u.side == Side::Mentor).count() >= instance.mentors.len() - 5);
    }
}
