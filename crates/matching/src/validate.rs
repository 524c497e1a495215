//! An independent check of an [`Outcome`]: every hard rule, every capacity, and the
//! arithmetic. It shares only the scoring function with the solver (to recompute
//! scores); it does not trust the solver's candidate lists, graph or duals.

use std::collections::{HashMap, HashSet};

use super::model::{Instance, Outcome, Person, PersonId, NO_DEPARTMENT};
use super::score::fit;

/// One broken rule, described for a test failure or a benchmark report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation(pub String);

pub fn violations(instance: &Instance, outcome: &Outcome) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut bad = |text: String| out.push(Violation(text));
    let mentors: HashMap<PersonId, &Person> = instance.mentors.iter().map(|p| (p.id, p)).collect();
    let mentees: HashMap<PersonId, &Person> = instance.mentees.iter().map(|p| (p.id, p)).collect();
    let past: HashSet<(PersonId, PersonId)> = instance.past_pairs.iter().copied().collect();
    let rules = &instance.rules;
    let mut load: HashMap<PersonId, u32> = HashMap::new();
    let mut paired_mentees = HashSet::new();
    let mut total = 0;
    for pair in &outcome.pairs {
        let (Some(mentor), Some(mentee)) = (mentors.get(&pair.mentor), mentees.get(&pair.mentee)) else {
            bad(format!("{}→{}: not a mentor and a mentee of the instance", pair.mentor, pair.mentee));
            continue;
        };
        if mentor.id == mentee.id {
            bad(format!("{} is paired with themselves", mentor.id));
        }
        if !rules.allow_repeats && past.contains(&(mentor.id, mentee.id)) {
            bad(format!("{}→{} were paired before", mentor.id, mentee.id));
        }
        if mentor.manager == Some(mentee.id) || mentee.manager == Some(mentor.id) {
            bad(format!("{}→{}: a manager and their report", mentor.id, mentee.id));
        }
        if rules.forbid_same_department && mentor.department != NO_DEPARTMENT && mentor.department == mentee.department
        {
            bad(format!("{}→{}: same department", mentor.id, mentee.id));
        }
        if let (Some(gap), Some(junior), Some(senior)) = (rules.min_level_gap, mentor.level, mentee.level) {
            if i32::from(senior) - i32::from(junior) < i32::from(gap) {
                bad(format!("{}→{}: level gap below {gap}", mentor.id, mentee.id));
            }
        }
        match fit(mentor, mentee, &instance.weights, rules) {
            None => bad(format!("{}→{}: no shared skill", mentor.id, mentee.id)),
            Some(f) if f.score != pair.score => {
                bad(format!("{}→{}: score {} should be {}", mentor.id, mentee.id, pair.score, f.score))
            }
            Some(_) => {}
        }
        if !paired_mentees.insert(mentee.id) {
            bad(format!("mentee {} has two mentors", mentee.id));
        }
        *load.entry(mentor.id).or_default() += 1;
        total += pair.score;
    }
    for (id, taken) in load {
        let capacity = mentors[&id].capacity.unwrap_or(rules.capacity);
        if taken > capacity {
            bad(format!("mentor {id} has {taken} mentees, capacity {capacity}"));
        }
    }
    if total != outcome.total_score {
        bad(format!("total {} but the pairs add up to {total}", outcome.total_score));
    }
    if outcome.upper_bound < outcome.total_score {
        bad(format!("upper bound {} below the total {}", outcome.upper_bound, outcome.total_score));
    }
    for u in &outcome.unmatched {
        if paired_mentees.contains(&u.person) && u.side == super::model::Side::Mentee {
            bad(format!("mentee {} is both paired and unmatched", u.person));
        }
    }
    out
}
