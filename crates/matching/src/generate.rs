//! Seeded synthetic organisations for the benchmark and the tests: half juniors who
//! teach, half seniors who learn, skills from a Zipf-like catalogue (a few skills are
//! wanted and offered by many, most by few), departments, time zones clustered as real
//! companies are, manager lines, and the history of earlier rounds. The same size and
//! seed always give the same instance, so another solver can be fed the very same one.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::model::{Instance, Person, Rules, Weights};

pub const SKILLS: usize = 200;
pub const DEPARTMENTS: u16 = 12;
/// UTC offsets in hours, most populous first (Europe, the Americas, Asia).
const ZONES: [i32; 24] = [1, 0, -5, 2, -8, 5, 8, -6, 9, 3, 10, -3, 4, 7, -7, 6, 11, 12, -4, -9, -10, -11, -1, -2];

/// Draws from a Zipf-like distribution over `0..cumulative.len()`.
fn draw(rng: &mut StdRng, cumulative: &[f64]) -> usize {
    let x = rng.random::<f64>() * cumulative.last().copied().unwrap_or(1.0);
    cumulative.partition_point(|&c| c < x).min(cumulative.len() - 1)
}

fn zipf(n: usize, exponent: f64) -> Vec<f64> {
    let mut total = 0.0;
    (0..n)
        .map(|k| {
            total += 1.0 / ((k + 1) as f64).powf(exponent);
            total
        })
        .collect()
}

fn distinct(rng: &mut StdRng, cumulative: &[f64], count: usize) -> Vec<u16> {
    let mut out: Vec<u16> = Vec::with_capacity(count);
    while out.len() < count {
        let skill = draw(rng, cumulative) as u16;
        if !out.contains(&skill) {
            out.push(skill);
        }
    }
    out
}

pub fn generate(participants: usize, seed: u64) -> Instance {
    let mut rng = StdRng::seed_from_u64(seed);
    let skills = zipf(SKILLS, 1.0);
    let zones = zipf(ZONES.len(), 0.8);
    let mentor_count = participants / 2;
    let mentee_count = participants - mentor_count;
    let person = |rng: &mut StdRng, id: u32, senior: bool| {
        let zone = ZONES[draw(rng, &zones)];
        let count = if senior { rng.random_range(1..=4) } else { rng.random_range(2..=5) };
        let chosen = distinct(rng, &skills, count);
        Person {
            id,
            department: rng.random_range(0..DEPARTMENTS),
            manager: None,
            utc_offset_minutes: zone * 60,
            teach: if senior { vec![] } else { chosen.clone() },
            learn: if senior { chosen } else { vec![] },
            level: Some(if senior { rng.random_range(4..=8) } else { rng.random_range(1..=4) }),
            capacity: None,
        }
    };
    let mentors: Vec<Person> = (0..mentor_count).map(|k| person(&mut rng, k as u32, false)).collect();
    let mut mentees: Vec<Person> =
        (0..mentee_count).map(|k| person(&mut rng, (mentor_count + k) as u32, true)).collect();
    let mut mentors = mentors;
    // A third of juniors report to a senior of their department (if one exists).
    let mut by_department: Vec<Vec<u32>> = vec![Vec::new(); usize::from(DEPARTMENTS)];
    for mentee in &mentees {
        by_department[usize::from(mentee.department)].push(mentee.id);
    }
    for mentor in &mut mentors {
        let bosses = &by_department[usize::from(mentor.department)];
        if !bosses.is_empty() && rng.random_range(0..3) == 0 {
            mentor.manager = Some(bosses[rng.random_range(0..bosses.len())]);
        }
    }
    // Seniors report to other seniors now and then.
    for k in 0..mentees.len() {
        if mentees.len() > 1 && rng.random_range(0..10) == 0 {
            let boss = mentees[rng.random_range(0..mentees.len())].id;
            if boss != mentees[k].id {
                mentees[k].manager = Some(boss);
            }
        }
    }
    // Earlier rounds: one mentee in five was paired before, with a mentor who shares a skill.
    let mut past_pairs = Vec::new();
    if !mentors.is_empty() {
        for mentee in &mentees {
            if rng.random_range(0..5) == 0 {
                for _ in 0..20 {
                    let mentor = &mentors[rng.random_range(0..mentors.len())];
                    if mentor.teach.iter().any(|s| mentee.learn.contains(s)) {
                        past_pairs.push((mentor.id, mentee.id));
                        break;
                    }
                }
            }
        }
    }
    Instance {
        mentors,
        mentees,
        past_pairs,
        weights: Weights::default(),
        rules: Rules { min_level_gap: Some(1), ..Rules::default() },
        seed,
    }
}
