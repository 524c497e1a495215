//! Compatibility of one mentor with one mentee: the hard rules and the score. Used by
//! candidate generation, pricing and the validator alike, so all three agree on what a
//! pair is worth.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use super::model::{Instance, Person, PersonId, Reason, Rules, Weights, NO_DEPARTMENT};

/// Priority factor of the skill at `position` in a mentee's list.
pub fn priority(position: usize) -> u32 {
    4u32.saturating_sub(position as u32).max(1)
}

/// Working minutes the two local windows share, on the 24-hour circle.
pub fn overlap_minutes(a_offset: i32, b_offset: i32, rules: &Rules) -> u32 {
    let start = rules.work_start_minute as i64;
    let end = rules.work_end_minute.max(rules.work_start_minute) as i64;
    // Each window in UTC minutes; compare b shifted by a day either way too.
    let (a0, a1) = (start - a_offset as i64, end - a_offset as i64);
    let mut total = 0;
    for shift in [-1440, 0, 1440] {
        let (b0, b1) = (start - b_offset as i64 + shift, end - b_offset as i64 + shift);
        total += (a1.min(b1) - a0.max(b0)).max(0);
    }
    total.min(1440) as u32
}

/// Levels beyond the rule's minimum that add to a pair's score (both levels known), capped.
pub fn extra_levels(mentor: &Person, mentee: &Person, rules: &Rules) -> u32 {
    levels_beyond(mentor.level, mentee.level, rules)
}

fn levels_beyond(mentor: Option<u8>, mentee: Option<u8>, rules: &Rules) -> u32 {
    match (mentor, mentee) {
        (Some(junior), Some(senior)) => {
            let beyond = i32::from(senior) - i32::from(junior) - i32::from(rules.min_level_gap.unwrap_or(0));
            beyond.clamp(0, i32::from(rules.level_gap_cap)) as u32
        }
        _ => 0,
    }
}

/// The most the seniority gap adds to any pair.
pub fn most_for_levels(weights: &Weights, rules: &Rules) -> i64 {
    i64::from(weights.level) * i64::from(rules.level_gap_cap)
}

/// The facts about a pair that the score and the reasons are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    pub score: i64,
    pub shared: Vec<u16>,
    pub hours: u32,
    pub cross_department: bool,
    /// The seniority gap, where it added to the score.
    pub level_gap: Option<u8>,
}

impl Fit {
    pub fn reasons(&self) -> Vec<Reason> {
        let mut reasons = vec![Reason::SharedSkills(self.shared.clone())];
        if self.hours > 0 {
            reasons.push(Reason::HoursOverlap(self.hours));
        }
        if self.cross_department {
            reasons.push(Reason::CrossDepartment);
        }
        if let Some(gap) = self.level_gap {
            reasons.push(Reason::LevelGap(gap));
        }
        reasons
    }
}

/// The score of a pair, or `None` when they share no skill (the hard rules are
/// [`Rules`]' business, checked by [`Compatibility::allowed`]).
pub fn fit(mentor: &Person, mentee: &Person, weights: &Weights, rules: &Rules) -> Option<Fit> {
    let mut skill = 0u32;
    let mut shared = Vec::new();
    for (position, wanted) in mentee.learn.iter().enumerate() {
        if mentor.teach.contains(wanted) && !shared.contains(wanted) {
            skill += priority(position);
            shared.push(*wanted);
        }
    }
    if shared.is_empty() {
        return None;
    }
    let hours = overlap_minutes(mentor.utc_offset_minutes, mentee.utc_offset_minutes, rules) / 60;
    let cross_department = mentor.department != NO_DEPARTMENT
        && mentee.department != NO_DEPARTMENT
        && mentor.department != mentee.department;
    let extra = extra_levels(mentor, mentee, rules);
    let score = i64::from(weights.skill) * i64::from(skill)
        + i64::from(weights.hour) * i64::from(hours)
        + if cross_department { i64::from(weights.cross_department) } else { 0 }
        + i64::from(weights.level) * i64::from(extra);
    let level_gap = (extra > 0 && weights.level > 0)
        .then(|| mentor.level.zip(mentee.level).map(|(j, s)| s.saturating_sub(j)))
        .flatten();
    Some(Fit { score, shared, hours, cross_department, level_gap })
}

/// Scores without allocating, for the scans over every compatible pair: mentors' skills
/// as bitsets, mentees' wishes as (skill, priority) lists. Agrees with [`fit`] on every
/// pair (a test checks it); the hard rules are left to [`Compatibility::allowed`],
/// asked only about the few pairs worth keeping.
///
/// A scan scores tens of millions of pairs of people it meets in no useful order, so
/// what one score reads is laid out to come in one cache line per person, not three
/// (the skills, the person, the zone): scoring was the largest cost of the scans.
pub struct FastScorer<'a> {
    instance: &'a Instance,
    words: usize,
    /// Each mentor's skills as `words` bit words, then its [`Traits`].
    mentors: Vec<u64>,
    mentees: Vec<Traits>,
    /// Mentee `i`'s wishes are `wishes[wish_start[i]..wish_start[i + 1]]`.
    wish_start: Vec<usize>,
    wishes: Vec<(u16, u32)>,
    /// Shared working hours by time zone: a scan scores millions of pairs from a few
    /// dozen zones, so the overlap is looked up rather than worked out each time
    /// (worked out where the offsets are too many for a table).
    hours: Option<ZoneHours>,
}

/// What a score needs of a person besides skills, in one word: the time zone (its
/// index in [`ZoneHours`]), the department and the level.
#[derive(Clone, Copy)]
struct Traits(u64);

impl Traits {
    const NO_LEVEL: u64 = 0xFFFF;

    fn new(zone: u16, person: &Person) -> Traits {
        let level = person.level.map_or(Self::NO_LEVEL, u64::from);
        Traits(u64::from(zone) | u64::from(person.department) << 16 | level << 32)
    }

    fn zone(self) -> usize {
        (self.0 & 0xFFFF) as usize
    }

    fn department(self) -> u16 {
        (self.0 >> 16) as u16
    }

    fn level(self) -> Option<u8> {
        let level = self.0 >> 32;
        (level != Self::NO_LEVEL).then_some(level as u8)
    }
}

/// Whole working hours shared, by (mentor's zone, mentee's zone).
struct ZoneHours {
    offsets: Vec<i32>,
    hours: Vec<u8>,
}

impl ZoneHours {
    /// More distinct offsets than this and the table would outgrow its use.
    const MAX_ZONES: usize = 256;

    fn new(instance: &Instance) -> Option<ZoneHours> {
        let everyone = instance.mentors.iter().chain(&instance.mentees);
        let mut offsets: Vec<i32> = everyone.map(|p| p.utc_offset_minutes).collect();
        offsets.sort_unstable();
        offsets.dedup();
        if offsets.len() > Self::MAX_ZONES {
            return None;
        }
        let mut hours = Vec::with_capacity(offsets.len() * offsets.len());
        for &a in &offsets {
            for &b in &offsets {
                hours.push((overlap_minutes(a, b, &instance.rules) / 60) as u8);
            }
        }
        Some(ZoneHours { offsets, hours })
    }

    fn zone(&self, person: &Person) -> u16 {
        self.offsets.binary_search(&person.utc_offset_minutes).map_or(0, |z| z as u16)
    }

    fn get(&self, mentor_zone: usize, mentee_zone: usize) -> u32 {
        u32::from(self.hours[mentor_zone * self.offsets.len() + mentee_zone])
    }
}

impl<'a> FastScorer<'a> {
    pub fn new(instance: &'a Instance) -> Self {
        let max_skill = instance.mentors.iter().flat_map(|m| m.teach.iter()).copied().max().unwrap_or(0);
        let words = usize::from(max_skill) / 64 + 1;
        let hours = ZoneHours::new(instance);
        let traits = |person: &Person| Traits::new(hours.as_ref().map_or(0, |h| h.zone(person)), person);
        let mut mentors = vec![0u64; (words + 1) * instance.mentors.len()];
        for (record, mentor) in mentors.chunks_exact_mut(words + 1).zip(&instance.mentors) {
            for &skill in &mentor.teach {
                record[usize::from(skill) / 64] |= 1 << (skill % 64);
            }
            record[words] = traits(mentor).0;
        }
        let mut wish_start = vec![0];
        let mut wishes: Vec<(u16, u32)> = Vec::new();
        for mentee in &instance.mentees {
            let first = wishes.len();
            for (position, &skill) in mentee.learn.iter().enumerate() {
                if !wishes[first..].iter().any(|&(s, _)| s == skill) {
                    wishes.push((skill, priority(position)));
                }
            }
            wish_start.push(wishes.len());
        }
        let mentees = instance.mentees.iter().map(traits).collect();
        FastScorer { instance, words, mentors, mentees, wish_start, wishes, hours }
    }

    /// Mentee `i`'s distinct wishes with their priority factors, most wanted first.
    pub fn wishes(&self, i: usize) -> &[(u16, u32)] {
        &self.wishes[self.wish_start[i]..self.wish_start[i + 1]]
    }

    /// The score of mentor `j` for mentee `i`, `None` without a shared skill. Inlined:
    /// the scans call it millions of times, and the call itself showed.
    #[inline]
    pub fn score(&self, j: usize, i: usize) -> Option<i64> {
        let stride = self.words + 1;
        let (skills, traits) = self.mentors[j * stride..][..stride].split_at(self.words);
        let mut skill = 0u32;
        for &(s, prio) in self.wishes(i) {
            if skills.get(usize::from(s) / 64).is_some_and(|bits| bits & (1 << (s % 64)) != 0) {
                skill += prio;
            }
        }
        if skill == 0 {
            return None;
        }
        let (mentor, mentee) = (Traits(traits[0]), self.mentees[i]);
        let w = &self.instance.weights;
        let rules = &self.instance.rules;
        let hours = match &self.hours {
            Some(table) => table.get(mentor.zone(), mentee.zone()),
            None => {
                let offsets =
                    (self.instance.mentors[j].utc_offset_minutes, self.instance.mentees[i].utc_offset_minutes);
                overlap_minutes(offsets.0, offsets.1, rules) / 60
            }
        };
        let cross = mentor.department() != NO_DEPARTMENT
            && mentee.department() != NO_DEPARTMENT
            && mentor.department() != mentee.department();
        Some(
            i64::from(w.skill) * i64::from(skill)
                + i64::from(w.hour) * i64::from(hours)
                + if cross { i64::from(w.cross_department) } else { 0 }
                + i64::from(w.level) * i64::from(levels_beyond(mentor.level(), mentee.level(), rules)),
        )
    }
}

/// Hashes a (mentor, mentee) pair packed in a `u64` with one multiplication: the scans
/// ask about hundreds of thousands of pairs, and ids are not chosen by an adversary,
/// so the default SipHash's protection costs more than it is worth here.
#[derive(Default)]
struct PairHasher(u64);

impl Hasher for PairHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

fn pair_key(mentor: PersonId, mentee: PersonId) -> u64 {
    (u64::from(mentor) << 32) | u64::from(mentee)
}

/// The hard rules of one instance, with the past pairs indexed once.
pub struct Compatibility<'a> {
    instance: &'a Instance,
    past: HashSet<u64, BuildHasherDefault<PairHasher>>,
}

impl<'a> Compatibility<'a> {
    pub fn new(instance: &'a Instance) -> Self {
        let past = if instance.rules.allow_repeats {
            HashSet::default()
        } else {
            instance.past_pairs.iter().map(|&(mentor, mentee)| pair_key(mentor, mentee)).collect()
        };
        Compatibility { instance, past }
    }

    /// Whether the rules allow this pair at all, whatever it scores.
    pub fn allowed(&self, mentor: &Person, mentee: &Person) -> bool {
        let rules = &self.instance.rules;
        mentor.id != mentee.id
            && !self.past.contains(&pair_key(mentor.id, mentee.id))
            && mentor.manager != Some(mentee.id)
            && mentee.manager != Some(mentor.id)
            && !(rules.forbid_same_department
                && mentor.department != NO_DEPARTMENT
                && mentor.department == mentee.department)
            && match (rules.min_level_gap, mentor.level, mentee.level) {
                (Some(gap), Some(junior), Some(senior)) => i32::from(senior) - i32::from(junior) >= i32::from(gap),
                _ => true,
            }
    }

    /// The pair's fit if it is allowed and shares a skill.
    pub fn fit(&self, mentor: &Person, mentee: &Person) -> Option<Fit> {
        if !self.allowed(mentor, mentee) {
            return None;
        }
        fit(mentor, mentee, &self.instance.weights, &self.instance.rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_hours_overlap_on_the_circle() {
        let rules = Rules::default();
        assert_eq!(overlap_minutes(0, 0, &rules), 8 * 60);
        assert_eq!(overlap_minutes(0, 60, &rules), 7 * 60);
        assert_eq!(overlap_minutes(-300, 60, &rules), 2 * 60, "New York and Berlin share two hours");
        assert_eq!(overlap_minutes(-480, 480, &rules), 0, "Los Angeles and Singapore share none");
        assert_eq!(overlap_minutes(720, -660, &rules), 8 * 60 - 60, "across the date line: 23 h apart is 1 h");
    }

    #[test]
    fn a_larger_seniority_gap_scores_more_up_to_the_cap() {
        let person = |level, teach: Vec<u16>, learn: Vec<u16>| Person {
            id: 0,
            department: NO_DEPARTMENT,
            manager: None,
            utc_offset_minutes: 0,
            teach,
            learn,
            level: Some(level),
            capacity: None,
        };
        let (w, r) = (Weights::default(), Rules { min_level_gap: Some(2), ..Rules::default() });
        let senior = person(8, vec![], vec![7]);
        let score = |junior: u8| fit(&person(junior, vec![7], vec![]), &senior, &w, &r).unwrap();
        assert_eq!(score(6).score, 40 + 8, "exactly the minimum gap: no bonus");
        assert_eq!(score(5).score, 40 + 8 + 2, "one level beyond the minimum");
        assert_eq!(score(1).score, 40 + 8 + 2 * 3, "capped at three levels beyond");
        assert!(score(1).reasons().contains(&Reason::LevelGap(7)));
        assert!(!score(6).reasons().iter().any(|r| matches!(r, Reason::LevelGap(_))));
    }

    #[test]
    fn earlier_wishes_weigh_more() {
        let person = |teach: Vec<u16>, learn: Vec<u16>| Person {
            id: 0,
            department: 1,
            manager: None,
            utc_offset_minutes: 0,
            teach,
            learn,
            level: None,
            capacity: None,
        };
        let (w, r) = (Weights::default(), Rules::default());
        let first = fit(&person(vec![7], vec![]), &person(vec![], vec![7, 8]), &w, &r).unwrap();
        let second = fit(&person(vec![8], vec![]), &person(vec![], vec![7, 8]), &w, &r).unwrap();
        assert_eq!(first.score, 40 + 8);
        assert_eq!(second.score, 30 + 8);
        assert!(fit(&person(vec![9], vec![]), &person(vec![], vec![7]), &w, &r).is_none());
    }
}
